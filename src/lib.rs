//! preflight reads the user exports of Okta, Active Directory, Druva inSync
//! and Microsoft 365 and tells, user by user, what a change of the Okta →
//! inSync provisioning mapping would break.
//!
//! The data flows one way: [`load`] turns each file's bytes into a
//! classified table and its rows into the records of [`model`]; `link`
//! joins the records of one person the way the systems themselves join them,
//! for today's settings and the planned ones; `rules` check every person
//! and return findings; `report` builds one value and renders it as HTML,
//! CSV and JSON, written in one place. [`inspect`] shows what the loaders
//! understood of each file.

pub mod audit;
pub mod cli;
mod exit;
pub mod explain;
#[doc(hidden)]
pub mod fuzzing;
pub mod input_file;
pub mod inspect;
pub mod link;
pub mod load;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod settings;
pub mod tenant;
pub mod terminal_safe;
pub mod timing;
pub mod waivers;

use anyhow::Result;
use cli::{Cli, Command};
pub use exit::{Exit, error_text};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Demo(args) => audit::demo(&args),
        Command::Rules => {
            terminal_safe::print(&audit::rules_text())?;
            Ok(Exit::Clean)
        }
        Command::Init(args) => audit::init(&args),
        Command::Explain(args) => explain::run(&args),
    }
}

/// Says why a run could not be done, on stderr (escaped: errors name files,
/// headers and values), and returns its exit status. Stdout closed by its
/// reader (`| head -1`) ends the run quietly with 0, as if the reader had
/// read everything; a full or failing stdout says so in one line (exit 2).
/// Installs the panic hook: a panic inside rust_xlsxwriter is turned into
/// report.xlsx's error by the guard in [`report::xlsx::write`], so it
/// prints nothing; any other panic is reported as before.
pub fn quiet_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info.location().map(|l| l.file()).unwrap_or_default();
        if !place.contains("rust_xlsxwriter") {
            previous(info);
        }
    }));
}

pub fn fail(err: &anyhow::Error) -> Exit {
    if let Some(e) = err.downcast_ref::<terminal_safe::StdoutError>()
        && e.is_closed_pipe()
    {
        return Exit::Clean;
    }
    terminal_safe::eprint(&format!("preflight: {}\n", error_text(err)));
    Exit::Failure
}
