//! Text the templates show: sentences with `backticked` code parts (and
//! the `{{segments}}` helper that writes them), plurals, capitals.

use handlebars::Handlebars;
use serde::Serialize;

/// Text with `backticked` parts, which the templates show as code.
pub(super) type Text = Vec<Segment>;

/// The value of helper `name`'s first parameter.
fn first_param<'a>(
    h: &'a handlebars::Helper<'_>,
    name: &'static str,
) -> Result<&'a serde_json::Value, handlebars::RenderError> {
    h.param(0)
        .map(|p| p.value())
        .ok_or_else(|| handlebars::RenderErrorReason::ParamNotFoundForIndex(name, 0).into())
}

/// `{{segments TEXT}}`: a [`Text`] as HTML, its code parts in `<code>`, every
/// part escaped with the registry's escape function. Writes what
/// `{{#each TEXT}}{{#if code}}<code>{{text}}</code>{{else}}{{text}}{{/if}}{{/each}}`
/// wrote, without a block context per part: the finding rows of a large
/// tenant each hold one or two such texts.
pub(super) fn segments(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::RenderErrorReason;
    let parts =
        first_param(h, "segments")?
            .as_array()
            .ok_or(RenderErrorReason::InvalidParamType(
                "a list of text segments",
            ))?;
    let escape = r.get_escape_fn();
    for part in parts {
        let (Some(text), Some(code)) = (
            part.get("text").and_then(|t| t.as_str()),
            part.get("code").and_then(|c| c.as_bool()),
        ) else {
            return Err(RenderErrorReason::InvalidParamType("a text segment").into());
        };
        let (open, close) = if code {
            ("<code>", "</code>")
        } else {
            ("", "")
        };
        out.write(open)?;
        if code {
            write_breakable(out, &escape(text))?;
        } else {
            out.write(&escape(text))?;
        }
        out.write(close)?;
    }
    Ok(())
}

/// `{{addr VALUE}}`: a value escaped, with a line-break opportunity
/// (`<wbr>`) after each `@` and `.`, so that an address wraps there rather
/// than in the middle of a word.
pub(super) fn addr(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::RenderErrorReason;
    let text = match first_param(h, "addr")? {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Null => "",
        _ => return Err(RenderErrorReason::InvalidParamType("a string").into()),
    };
    write_breakable(out, &r.get_escape_fn()(text))
}

/// Escaped text with `<wbr>` after each `@` and `.` (neither appears in an
/// escape sequence, so none is split).
fn write_breakable(out: &mut dyn handlebars::Output, escaped: &str) -> handlebars::HelperResult {
    let mut rest = escaped;
    while let Some(i) = rest.find(['@', '.']) {
        out.write(&rest[..=i])?;
        out.write("<wbr>")?;
        rest = &rest[i + 1..];
    }
    out.write(rest)?;
    Ok(())
}

#[derive(Serialize)]
pub(super) struct Segment {
    text: String,
    code: bool,
}

/// Splits a sentence at backticks; the parts inside become code.
pub(super) fn text(s: &str) -> Text {
    // No text, no segment: `{{#if}}` on it is false.
    if s.is_empty() {
        return Vec::new();
    }
    if !s.contains('`') {
        return vec![Segment {
            text: s.to_string(),
            code: false,
        }];
    }
    s.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| Segment {
            text: part.to_string(),
            code: i % 2 == 1,
        })
        .collect()
}

/// A summary as a sentence: capital first letter.
pub(super) fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_segments() {
        let t = text("mail `a@b.c` and `d`.");
        let parts: Vec<(&str, bool)> = t.iter().map(|s| (s.text.as_str(), s.code)).collect();
        assert_eq!(
            parts,
            [
                ("mail ", false),
                ("a@b.c", true),
                (" and ", false),
                ("d", true),
                (".", false)
            ]
        );
    }
}
