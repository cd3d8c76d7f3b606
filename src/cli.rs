//! The command line, declared with clap's derive API: the doc comments are
//! the help text.

use clap::{Parser, Subcommand, ValueEnum};

/// Identity pre-migration auditor for Okta → Druva inSync provisioning
/// changes: reads the user exports of Okta, Active Directory, inSync and
/// Microsoft 365 and tells, user by user, what the change would break.
#[derive(Debug, Parser)]
#[command(name = "preflight", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how each file is understood: detected source, encoding,
    /// delimiter, sheet, header mapping, rows read and skipped, samples.
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Sheet to read in spreadsheets (default: the first whose header classifies).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Export files (CSV/TSV/semicolon text, xlsx, xlsm, xls, xlsb, ods).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
