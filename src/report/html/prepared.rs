//! Who the report is for and who made it (`--customer`, `--author`): a
//! line under the title and, on every printed page, a footer drawn by an
//! `@page` margin rule added to the stylesheet (its CSP hash covers it).

use crate::report::Report;

/// "For Contoso Ltd, prepared by Jane Doe", or empty when neither is given.
pub(super) fn prepared(r: &Report) -> String {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    match (given(&r.customer), given(&r.author)) {
        (Some(c), Some(a)) => format!("For {c}, prepared by {a}"),
        (Some(c), None) => format!("For {c}"),
        (None, Some(a)) => format!("Prepared by {a}"),
        (None, None) => String::new(),
    }
}

/// The stylesheet's addition for `prepared`: the text at the foot of every
/// printed page, with the page number; nothing when `prepared` is empty.
pub(super) fn page_rule(prepared: &str) -> String {
    if prepared.is_empty() {
        return String::new();
    }
    format!(
        "\n@page {{ @bottom-left {{ content: {}; font-size: 8pt; color: #555; }} @bottom-right {{ content: \"page \" counter(page) \" of \" counter(pages); font-size: 8pt; color: #555; }} }}\n",
        css_string(prepared)
    )
}

/// `s` as a quoted CSS string that no value can break out of: every
/// character but ASCII letters, digits and spaces is a hex escape (`\3c `),
/// and control characters become spaces.
fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' {
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_cannot_be_broken_out_of() {
        let hostile = "Contoso\"; } body { display: none } </style><script>x</script>\\\n'é";
        let s = css_string(hostile);
        let inner = &s[1..s.len() - 1];
        for bad in ['"', '\'', '<', '>', '{', '}', ';', '\n'] {
            assert!(!inner.contains(bad), "{bad:?} in {s}");
        }
        // Every backslash starts a hex escape ended by a space.
        for part in inner.split('\\').skip(1) {
            let hex: String = part.chars().take_while(char::is_ascii_hexdigit).collect();
            assert!(!hex.is_empty() && part[hex.len()..].starts_with(' '), "{s}");
        }
        assert_eq!(css_string("Contoso Ltd"), "\"Contoso Ltd\"");
        assert_eq!(css_string("Müller & Co."), "\"M\\fc ller \\26  Co\\2e \"");
    }

    #[test]
    fn nothing_given_adds_nothing() {
        assert_eq!(page_rule(""), "");
        assert!(page_rule("For Contoso").contains("@bottom-left"));
    }
}
