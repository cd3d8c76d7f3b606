//! Text from the inputs on stdout and stderr, made safe for a terminal, and
//! a stdout that may be closed or full.
//!
//! Headers, values and file names come from files a customer sent. Printed
//! raw, an escape sequence (`ESC [ ...`) would drive the terminal and a
//! Unicode bidirectional control would reorder what the reader sees. Every
//! print of such text goes through [`escape`] (or, for JSON, [`json`]) at
//! the printing boundary: `main`'s error message, the run summary,
//! `explain`, `inspect`. Stdout is written by [`print`], which returns the
//! write error instead of panicking; `main` ends quietly on a closed pipe.

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;

/// A Unicode bidirectional control: embeddings, overrides, isolates and
/// marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `c` is shown escaped: a control character (C0, DEL, C1) or a
/// bidirectional control. Line feeds and tabs are kept when `keep_lines`.
fn hidden(c: char, keep_lines: bool) -> bool {
    if keep_lines && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || is_bidi_control(c)
}

fn escaped(text: &str, keep_lines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| hidden(c, keep_lines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !hidden(c, keep_lines) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal: control characters and bidirectional controls
/// written as `\x1b` and `\u{202e}`; line feeds and tabs kept (the text is
/// preflight's own lines). A backslash is kept as it is, so escaping twice
/// changes nothing.
pub fn escape(text: &str) -> Cow<'_, str> {
    escaped(text, true)
}

/// One line for a terminal: as [`escape`], and line feeds and tabs
/// escaped too (a value that must not start a line of its own).
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// JSON text with every control and bidirectional control inside its
/// strings written as a `\uXXXX` escape: the same JSON value once parsed,
/// never raw on the terminal. (serde_json escapes C0 controls but not DEL,
/// C1 or bidirectional controls; outside strings JSON is plain ASCII.)
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| hidden(c, true)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c, true) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Stdout could not be written: closed (a pipe whose reader ended) or full.
#[derive(Debug)]
pub struct StdoutError(pub std::io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

impl StdoutError {
    /// The reader of the pipe went away (`preflight ... | head -1`): not
    /// an error, the run ends quietly.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Writes `text` to stdout as it is (the caller escaped it), flushed.
pub fn print_raw(text: &str) -> Result<(), StdoutError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(StdoutError)
}

/// Writes `text` to stdout, escaped for a terminal.
pub fn print(text: &str) -> Result<(), StdoutError> {
    print_raw(&escape(text))
}

/// Writes `text` to stderr, escaped for a terminal; a stderr that cannot be
/// written is ignored (there is nowhere left to say so).
pub fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(escape(text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_controls_are_escaped() {
        assert_eq!(
            escape("a\x1b[31mred\u{202e}txt\u{7f}\u{85}\r\u{2066}\u{200f}\u{61c}"),
            "a\\x1b[31mred\\u{202e}txt\\x7f\\u{85}\\x0d\\u{2066}\\u{200f}\\u{61c}"
        );
        assert_eq!(escape("line\n\tnext"), "line\n\tnext");
        assert_eq!(escape_line("line\n\tnext"), "line\\x0a\\x09next");
        // Plain text, accents and backslashes stay as they are; twice is once.
        assert!(matches!(
            escape("Zoë C:\\x1b"),
            Cow::Borrowed("Zoë C:\\x1b")
        ));
        let once = escape("\x1b\u{202e}").into_owned();
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn json_keeps_its_value_and_shows_no_control() {
        let value = serde_json::json!({"h": "a\x1b[31m\u{202e}\u{7f}\u{85}b\n"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(|c| hidden(c, true)), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
