//! Progress on a terminal: a bar over the input bytes while the exports
//! load, then a spinner naming each stage (model, links, rules, outputs).
//! Drawn on stderr only when stderr is a terminal and `--quiet` is not
//! given; otherwise every call is a no-op, so outputs never depend on it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// The progress display of one run.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A display on stderr when `show` and stderr is a terminal.
    pub fn new(show: bool) -> Progress {
        let bar = if show && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// No display (tests, library use).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Starts the loading bar over `total` input bytes.
    pub fn loading(&self, total: u64) -> &ProgressBar {
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} loading the exports {bar:30} {bytes}/{total_bytes} ({elapsed})",
        ) {
            self.bar.set_style(style);
        }
        self.bar.set_length(total);
        self.bar.enable_steady_tick(Duration::from_millis(120));
        &self.bar
    }

    /// Names the stage now running.
    pub fn stage(&self, what: &'static str) {
        if self.bar.is_hidden() {
            return;
        }
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            self.bar.set_style(style);
        }
        self.bar.set_message(what);
    }

    /// Removes the display (before the summary is printed).
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
