//! How a run ends, as the process exit status (SPEC: 0, 1, 2).

/// How a run ends, as the process exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// No error-level finding (or `--fail-on never`).
    Clean = 0,
    /// Findings at or above the `--fail-on` level.
    Findings = 1,
    /// The run could not be done: bad arguments or unreadable input.
    Failure = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// An error as one line (or, for several inputs, one line per input),
/// escaped for a terminal.
pub fn error_text(err: &anyhow::Error) -> String {
    match err.downcast_ref::<crate::input_file::InputErrors>() {
        Some(list) => list.to_string(),
        None => crate::terminal_safe::escape_line(&format!("{err:#}")).into_owned(),
    }
}
