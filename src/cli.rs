//! The command line, declared with clap's derive API: the doc comments are
//! the help text.

use clap::{Parser, Subcommand, ValueEnum};

/// The exit statuses, shown after the top-level help (README: the verdict
/// and the exit status that follows from it).
const EXIT_STATUS: &str = "\
Exit status:
  0  audit: verdict go and no error left (--fail-on never: always 0); demo when it ran;
     explain: the address is in an input; rules, inspect, init: done
  1  audit: verdict no-go or inconclusive, or go with errors already broken today
     (--fail-on warning: warnings too); explain: the address is in no input
  2  could not run: bad arguments, an unreadable input (every one listed), a
     refused output folder, an empty address to explain; init refuses to
     overwrite preflight.toml without --force";

/// Identity pre-migration auditor for Okta → Druva inSync provisioning
/// changes: reads the user exports of Okta, Active Directory, inSync and
/// Microsoft 365 and tells, user by user, what the change would break.
#[derive(Debug, Parser)]
#[command(
    name = "preflight",
    version,
    about,
    max_term_width = 100,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the exports: link each person across the systems, check every
    /// rule for today's settings and the planned change, and write
    /// report.html, findings.csv, users.csv, remediation.csv and summary.json.
    Audit(Box<AuditArgs>),
    /// Audit the built-in sample tenant (Contoso), from any folder.
    Demo(DemoArgs),
    /// List the rules: id, severity, summary and the document each encodes.
    Rules,
    /// Write a commented preflight.toml in the current folder.
    Init(InitArgs),
    /// Show one person across all sources: every record carrying the
    /// address, the links that join them, the identifier in both scenarios,
    /// each check's outcome, and the person's findings.
    Explain(Box<ExplainArgs>),
    /// Show how each file is understood: detected source, encoding,
    /// delimiter, sheet, header mapping, rows read and skipped, samples.
    Inspect(InspectArgs),
}

/// The inputs and settings of an audit (shared by `audit` and `explain`).
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Export files, each classified by its header row.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub sources: SourceFlags,
    /// Settings file (TOML); flags override it. `preflight init` writes one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Sheet to read in spreadsheets (default: the first whose header classifies).
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub settings: crate::settings::SettingsArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Files given with their source (`audit`, `explain`, `inspect`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SourceFlags {
    /// An Okta export (repeatable).
    #[arg(long, value_name = "FILE")]
    pub okta: Vec<String>,
    /// An Active Directory export (repeatable: several domains).
    #[arg(long, value_name = "FILE")]
    pub ad: Vec<String>,
    /// A Druva inSync export (repeatable: User Provisioning and Preserved Users reports).
    #[arg(long, value_name = "FILE")]
    pub insync: Vec<String>,
    /// A Microsoft 365 export (repeatable: users export plus mailbox export).
    #[arg(long, value_name = "FILE")]
    pub m365: Vec<String>,
}

impl SourceFlags {
    /// The files with their source, in the order Okta, AD, inSync, Microsoft 365.
    pub fn files(&self) -> impl Iterator<Item = (&String, crate::model::Source)> {
        use crate::model::Source;
        [
            (&self.okta, Source::Okta),
            (&self.ad, Source::Ad),
            (&self.insync, Source::Insync),
            (&self.m365, Source::M365),
        ]
        .into_iter()
        .flat_map(|(files, source)| files.iter().map(move |f| (f, source)))
    }
}

/// Limits that protect the machine from broken or hostile files.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Bytes in one cell; a row with a longer cell is reported as unreadable.
    #[arg(long, value_name = "BYTES", default_value_t = crate::load::Limits::default().max_cell_bytes)]
    pub max_cell_bytes: usize,
    /// Columns in a header row.
    #[arg(long, value_name = "N", default_value_t = crate::load::Limits::default().max_columns)]
    pub max_columns: usize,
    /// Decompressed bytes of a spreadsheet.
    #[arg(long, value_name = "BYTES", default_value_t = crate::load::Limits::default().max_sheet_bytes)]
    pub max_sheet_bytes: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> crate::load::Limits {
        crate::load::Limits {
            max_cell_bytes: self.max_cell_bytes,
            max_columns: self.max_columns,
            max_sheet_bytes: self.max_sheet_bytes,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder that receives the outputs: new, empty or a previous output
    /// folder, replaced as a whole (never a folder holding other files).
    #[arg(long, value_name = "DIR", default_value = "preflight-report",
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub out: String,
    /// Rows listed per rule in report.html (the full list is in findings.csv).
    #[arg(long, value_name = "N", default_value_t = crate::report::DEFAULT_REPORT_LIMIT)]
    pub report_limit: usize,
    /// A previous run's output folder: each finding gets a status (new, open),
    /// and findings gone since are listed as fixed.
    #[arg(long, value_name = "PREVIOUS_OUT")]
    pub baseline: Option<String>,
    /// Do not carry the baseline's inferred okta.current.user_name over: infer
    /// it again from this run's exports.
    #[arg(long, requires = "baseline")]
    pub no_baseline_settings: bool,
    /// Waivers (TOML, [[waiver]] with rule, subject, reason, optional expires).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<String>,
    /// Replace the local part of every address in every output with a stable
    /// pseudonym (domains kept, display names dropped): for reports sent
    /// outside the customer.
    #[arg(long)]
    pub redact: bool,
    /// Exit 1 on findings of this level or worse.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// The customer the report is for, shown in its header and print footer
    /// ([report] customer in preflight.toml).
    #[arg(long, value_name = "NAME")]
    pub customer: Option<String>,
    /// Who prepared the report, shown in its header and print footer
    /// ([report] author in preflight.toml).
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Field delimiter of the CSV files: `,` or `;` (for Excel set to a
    /// European locale, which opens a comma file as one column).
    #[arg(long, value_name = "CHAR", default_value = ",", value_parser = csv_delimiter)]
    pub csv_delimiter: u8,
    /// Rows per sheet of report.xlsx (the full lists are in the CSV files;
    /// Excel takes 1048575 at most).
    #[arg(long, value_name = "N", default_value_t = crate::report::xlsx::DEFAULT_XLSX_ROWS,
          value_parser = xlsx_rows)]
    pub xlsx_rows: usize,
    /// Do not write report.xlsx.
    #[arg(long)]
    pub no_xlsx: bool,
    /// No progress and no summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--xlsx-rows`: 1 to Excel's 1048575 rows under the header.
fn xlsx_rows(value: &str) -> Result<usize, String> {
    let max = crate::report::xlsx::EXCEL_ROWS - 1;
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "give a number of rows from 1 to {max} (Excel's limit)"
        )),
    }
}

/// `--csv-delimiter`: `,` or `;` (tab too, written `tab` or as the character).
fn csv_delimiter(value: &str) -> Result<u8, String> {
    match value {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\t" | "tab" => Ok(b'\t'),
        _ => Err(format!(
            "`{}` is not a CSV delimiter preflight writes: give `,` or `;` (or `tab`)",
            value.escape_debug()
        )),
    }
}

impl From<FailOn> for crate::report::FailOn {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Error => crate::report::FailOn::Error,
            FailOn::Warning => crate::report::FailOn::Warning,
            FailOn::Never => crate::report::FailOn::Never,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The address to look for (login, email, UPN, mail, proxy, alias, inSync email or AD attribute).
    pub address: String,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Folder that receives the outputs: new, empty or a previous output
    /// folder, replaced as a whole (never a folder holding other files).
    #[arg(long, value_name = "DIR", default_value = "preflight-demo",
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub out: String,
    /// No summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Overwrite an existing preflight.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Sheet to read in spreadsheets (default: the first whose header classifies).
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Export files (CSV/TSV/semicolon text, xlsx, xlsm, xls, xlsb, ods),
    /// each classified by its header row.
    #[arg(value_name = "FILE", required_unless_present_any = ["okta", "ad", "insync", "m365"])]
    pub files: Vec<String>,
    /// Files inspected as the given source, as `audit` reads them (a file
    /// that does not classify alone).
    #[command(flatten)]
    pub sources: SourceFlags,
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
