//! `preflight audit`, `demo`, `rules` and `init`: the pipeline from files to
//! outputs, load → model → link → check → report → write.

use crate::cli::{AuditArgs, DemoArgs, InitArgs, InputArgs};
use crate::exit::Exit;
use crate::input_file;
use crate::link::Linked;
use crate::load::{self, Input, LoadOptions, Table};
use crate::progress::Progress;
use crate::report::outdir::OutDir;
use crate::report::{self, Report};
use crate::rules::{self, Rule, Severity};
use crate::settings::{ConfigFile, Settings, SettingsArgs};
use crate::tenant::{Export, Tenant};
use crate::timing::Laps;
use crate::waivers;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The result of an audit, before writing: it reads the tenant it was
/// made of (`'t`) until it is written.
pub struct Audit<'t> {
    pub report: Report<'t>,
}

/// What an audit takes besides the exports and settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Waivers, when given (`--waivers` or `[[waiver]]` in the config).
    pub waivers: Option<Vec<waivers::Checked>>,
    /// A previous run's findings (`--baseline`).
    pub baseline: Option<Vec<Vec<String>>>,
    /// Today, `YYYY-MM-DD`, for waiver expiry.
    pub today: String,
    /// The `okta.current.user_name` the baseline inferred, to carry over
    /// (SPEC section 2); `None` with `--no-baseline-settings`.
    pub baseline_user_name: Option<String>,
    /// How the report is made and written.
    pub report: report::Options,
}

/// The model of loaded tables, with the settings (and what the baseline
/// carries over): what [`audit`] runs on.
pub fn tenant(tables: Vec<Table>, settings: Settings, opts: &Options) -> Result<Tenant> {
    let mut settings = settings;
    settings.baseline_user_name = opts.baseline_user_name.clone();
    Tenant::build(tables, settings)
}

/// [`tenant`] of the exports [`load_inputs`] took of the files.
pub fn tenant_of(exports: Vec<Export>, settings: Settings, opts: &Options) -> Result<Tenant> {
    let mut settings = settings;
    settings.baseline_user_name = opts.baseline_user_name.clone();
    Tenant::of_exports(exports, settings)
}

/// Runs the audit on a tenant: links its records, checks the rules and
/// makes the report.
pub fn audit<'t>(tenant: &'t Tenant, opts: &Options) -> Audit<'t> {
    audit_timed(tenant, opts, &mut Laps::start(), &Progress::hidden())
}

fn audit_timed<'t>(
    tenant: &'t Tenant,
    opts: &Options,
    laps: &mut Laps,
    progress: &Progress,
) -> Audit<'t> {
    progress.stage("linking records into persons");
    let (linked, lookups) = Linked::build(tenant);
    laps.lap("link");
    progress.stage("checking the rules");
    let (mut findings, remediation) = rules::check_unsorted(&linked, &lookups);
    let plan_facts = report::plan::Facts::gather(&linked, &lookups, &remediation);
    // The look-ups have served: the report reads the links and views only,
    // and at a million persons the indexes hold hundreds of megabytes,
    // which the findings' sort can use.
    drop(lookups);
    rules::sort(&mut findings);
    laps.lap("rules");
    let mut waived = None;
    if let Some(ws) = &opts.waivers {
        let (kept, w) = waivers::apply(findings, ws, &opts.today);
        findings = kept;
        rules::sort(&mut findings);
        waived = Some(w);
    }
    let parts = report::Parts {
        remediation,
        plan: plan_facts,
        waived,
        baseline: opts.baseline.as_deref(),
        options: opts.report.clone(),
    };
    let report = Report::build(linked, findings, parts);
    laps.lap("report");
    Audit { report }
}

/// The inputs of an audit: positional files (classified) and files given by
/// source flag.
pub fn inputs(args: &InputArgs) -> Vec<Input> {
    inputs_of(
        &args.files,
        &args.sources,
        &args.sheet,
        args.limits.limits(),
    )
}

/// The inputs of positional `files` (classified) and of `sources` (by flag).
pub fn inputs_of(
    files: &[String],
    sources: &crate::cli::SourceFlags,
    sheet: &Option<String>,
    limits: crate::load::Limits,
) -> Vec<Input> {
    let classified = files.iter().map(|f| (f, None));
    let flagged = sources.files().map(|(f, source)| (f, Some(source)));
    classified
        .chain(flagged)
        .map(|(f, source)| Input::new(f, source, sheet, limits))
        .collect()
}

/// Loads the inputs of `explain`, as tables (it searches every cell), and
/// the settings.
pub fn load_tables(args: &InputArgs) -> Result<(Vec<Table>, Settings)> {
    let (inputs, settings, _) = prepare(args)?;
    let tables = load::load_files(&inputs, &Progress::hidden())?;
    Ok((tables, settings))
}

/// Loads the inputs and the settings of `audit`.
pub fn load_inputs(args: &InputArgs) -> Result<(Vec<Export>, Settings, Vec<waivers::Checked>)> {
    load_inputs_with(args, &Progress::hidden())
}

/// [`load_inputs`], showing the bytes loaded on `progress`.
pub fn load_inputs_with(
    args: &InputArgs,
    progress: &Progress,
) -> Result<(Vec<Export>, Settings, Vec<waivers::Checked>)> {
    let (inputs, settings, config_waivers) = prepare(args)?;
    // Each file's records taken as soon as it is loaded, its rows released:
    // a large tenant's rows and records are never all in memory at once.
    let exports = load::load_files_then(&inputs, progress, |i, table| {
        Export::of(table, i as u32, &settings)
    })?;
    Ok((exports, settings, config_waivers))
}

/// The inputs to load (each keeping the columns the audit reads), the
/// settings and the config's waivers.
fn prepare(args: &InputArgs) -> Result<(Vec<Input>, Settings, Vec<waivers::Checked>)> {
    let mut inputs = inputs(args);
    if inputs.is_empty() {
        anyhow::bail!(
            "no input files: give the exports as arguments (classified by header) or with --okta, --ad, --insync, --m365"
        );
    }
    let (settings, config_waivers) = match settings(args.config.as_deref(), &args.settings) {
        Ok(s) => s,
        // Reported with every export that cannot be opened either.
        Err(e) => {
            let exports = inputs
                .iter()
                .filter_map(|i| input_file::check(&i.path, "file").err());
            return Err(input_file::every_error(
                std::iter::once(e).chain(exports).collect(),
            ));
        }
    };
    // Only the columns the audit reads are kept of each row.
    let keep = load::Keep::Used(settings.attributes());
    for input in &mut inputs {
        input.opts.keep = keep.clone();
    }
    Ok((inputs, settings, config_waivers))
}

/// Reads `--config` and merges the settings flags; returns the settings and
/// the config's waivers.
pub fn settings(
    config: Option<&str>,
    flags: &SettingsArgs,
) -> Result<(Settings, Vec<waivers::Checked>)> {
    let config = match config {
        Some(path) => {
            let text = input_file::read_small(path, "config file")?;
            Some((path, ConfigFile::parse(path, &text)?))
        }
        None => None,
    };
    let settings = Settings::resolve(config.as_ref().map(|(_, c)| c), flags)?;
    let waivers = match config {
        Some((path, c)) => waivers::check(path, c.waiver)?,
        None => Vec::new(),
    };
    Ok((settings, waivers))
}

/// The options of `audit` (and `explain`): waivers, baseline, today.
pub fn options(
    config_waivers: Vec<waivers::Checked>,
    waivers_file: Option<&str>,
    baseline: Option<&str>,
    carry_settings: bool,
) -> Result<Options> {
    let mut ws = config_waivers;
    if let Some(path) = waivers_file {
        let text = input_file::read_small(path, "waivers file")?;
        ws.extend(waivers::parse(path, &text)?);
    }
    let any_waivers = waivers_file.is_some() || !ws.is_empty();
    Ok(Options {
        waivers: any_waivers.then_some(ws),
        baseline: baseline
            .map(|dir| report::delta::read_baseline(Path::new(dir)))
            .transpose()?,
        today: generated()[..10].to_string(),
        baseline_user_name: match baseline {
            Some(dir) if carry_settings => report::delta::inferred_user_name(Path::new(dir))?,
            _ => None,
        },
        report: report::Options::default(),
    })
}

/// The time stamp of a run: `SOURCE_DATE_EPOCH` when set, else now (UTC).
pub fn generated() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Writes the outputs and prints the summary.
fn finish(
    audit: &Audit<'_>,
    out: OutDir,
    quiet: bool,
    laps: &mut Laps,
    progress: &Progress,
) -> Result<()> {
    progress.stage("writing the outputs");
    let written = report::write(out, &audit.report, &generated())?;
    laps.lap("write");
    progress.done();
    if !quiet {
        // The summary goes to stdout (SPEC section 1). The outputs are
        // written: a closed or full stdout ends the run quietly, with the
        // exit status the audit earned.
        let _ =
            crate::terminal_safe::print_raw(&report::terminal::summary(&audit.report, &written));
    }
    Ok(())
}

/// Claims `--out` for an audit: every file the audit reads (but the
/// baseline) must lie outside it.
fn claim_out(out: &str, input: &InputArgs, waivers: Option<&str>) -> Result<OutDir> {
    let files = [
        &input.files,
        &input.sources.okta,
        &input.sources.ad,
        &input.sources.insync,
        &input.sources.m365,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .chain(input.config.as_deref())
    .chain(waivers)
    .map(Path::new)
    .collect::<Vec<_>>();
    OutDir::claim(Path::new(out), &files)
}

/// `preflight audit`.
pub fn run(args: &AuditArgs) -> Result<Exit> {
    let mut laps = Laps::start();
    // The output folder first: a run that could not write its outputs is
    // refused before the work. The baseline (which may be that folder) is
    // read after the claim put back what a killed run left, and before
    // anything is replaced.
    let out = claim_out(&args.out, &args.input, args.waivers.as_deref())?;
    let progress = Progress::new(!args.quiet);
    // On an error the display is cleared when `progress` drops.
    let (exports, settings, config_waivers) = load_inputs_with(&args.input, &progress)?;
    laps.lap("load");
    let named = settings.report.clone();
    let mut opts = options(
        config_waivers,
        args.waivers.as_deref(),
        args.baseline.as_deref(),
        !args.no_baseline_settings,
    )?;
    opts.report = report::Options {
        fail_on: args.fail_on.into(),
        report_limit: args.report_limit,
        csv_delimiter: args.csv_delimiter,
        xlsx: !args.no_xlsx,
        xlsx_rows: args.xlsx_rows,
        customer: args.customer.clone().or(named.customer),
        author: args.author.clone().or(named.author),
    };
    progress.stage("building the model");
    let tenant = tenant_of(exports, settings, &opts)?;
    laps.lap("tenant");
    let mut audit = audit_timed(&tenant, &opts, &mut laps, &progress);
    if args.redact {
        report::redact::redact(&mut audit.report);
    }
    finish(&audit, out, args.quiet, &mut laps, &progress)?;
    let fail = audit.report.status().0 != 0;
    // Every output is written and swapped in; the process ends next. Freeing
    // the findings and the records one by one (millions of small strings in
    // a large tenant) would only delay the exit: the system takes the memory
    // back at once (2.7 s of a 1M-person run, BENCHMARKS.md).
    std::mem::forget(audit);
    std::mem::forget(tenant);
    Ok(if fail { Exit::Findings } else { Exit::Clean })
}

/// The sample tenant, embedded in the binary.
pub const DEMO_FILES: &[(&str, &[u8])] = &[
    (
        "contoso/okta-export-users.csv",
        include_bytes!("../fixtures/contoso/okta-export-users.csv"),
    ),
    (
        "contoso/ad-users.csv",
        include_bytes!("../fixtures/contoso/ad-users.csv"),
    ),
    (
        "contoso/m365-active-users.csv",
        include_bytes!("../fixtures/contoso/m365-active-users.csv"),
    ),
    (
        "contoso/exo-mailboxes.csv",
        include_bytes!("../fixtures/contoso/exo-mailboxes.csv"),
    ),
    (
        "contoso/insync-user-provisioning.csv",
        include_bytes!("../fixtures/contoso/insync-user-provisioning.csv"),
    ),
    (
        "contoso/insync-preserved-users.xlsx",
        include_bytes!("../fixtures/contoso/insync-preserved-users.xlsx"),
    ),
];

/// The demo's settings: the defaults, with UUPIC by `employeeNumber`.
pub fn demo_settings() -> Settings {
    let flags = SettingsArgs {
        identification_attribute: Some("employeeNumber".into()),
        ..Default::default()
    };
    Settings::resolve(None, &flags).expect("demo settings are valid")
}

/// The embedded sample tenant's model, with the demo's settings.
pub fn demo_tenant() -> Result<Tenant> {
    let tables = DEMO_FILES
        .iter()
        .map(|(name, bytes)| load::load_bytes(name, bytes, &LoadOptions::default()))
        .collect::<Result<Vec<_>>>()?;
    tenant(tables, demo_settings(), &Options::default())
}

/// Audits the sample tenant ([`demo_tenant`]).
pub fn demo_audit(tenant: &Tenant) -> Audit<'_> {
    demo_audit_with(tenant, report::Options::default())
}

/// Audits the sample tenant, the report made with `options`.
pub fn demo_audit_with(tenant: &Tenant, options: report::Options) -> Audit<'_> {
    let opts = Options {
        report: options,
        ..Options::default()
    };
    audit(tenant, &opts)
}

/// `preflight demo`: the audit always exits 0 when it ran, so a first
/// `cargo run -- demo` does not look like a failure.
pub fn demo(args: &DemoArgs) -> Result<Exit> {
    let out = OutDir::claim(Path::new(&args.out), &[])?;
    let tenant = demo_tenant()?;
    let audit = demo_audit_with(
        &tenant,
        report::Options {
            fail_on: report::FailOn::Demo,
            ..Default::default()
        },
    );
    finish(
        &audit,
        out,
        args.quiet,
        &mut Laps::start(),
        &Progress::hidden(),
    )?;
    if !args.quiet {
        let _ = crate::terminal_safe::print(&format!(
            "\nThis was the sample tenant (fixtures/contoso, settings: the defaults with identification_attribute = employeeNumber).\n\
             Open {} in a browser, or {} and {} in a spreadsheet.\n",
            // With the platform's separator, as the paths written above.
            Path::new(&args.out).join("report.html").display(),
            Path::new(&args.out).join("findings.csv").display(),
            Path::new(&args.out).join("users.csv").display(),
        ));
    }
    Ok(Exit::Clean)
}

/// `preflight rules`: the catalogue.
pub fn rules_text() -> String {
    let mut out = String::new();
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        for r in Rule::ALL.iter().filter(|r| r.severity() == sev) {
            let _ = writeln!(
                out,
                "{:<28} {:<8} {}",
                r.id(),
                r.severity().id(),
                r.summary()
            );
            let _ = writeln!(out, "{:<28} {:<8} source: {}", "", "", r.provenance());
            if let Some(link) = rules::source_link(r.provenance()) {
                let _ = writeln!(out, "{:<28} {:<8} {link}", "", "");
            }
        }
    }
    out
}

/// `preflight init`.
pub fn init(args: &InitArgs) -> Result<Exit> {
    let path = Path::new("preflight.toml");
    if path.exists() && !args.force {
        anyhow::bail!("preflight.toml already exists here; use --force to overwrite it");
    }
    std::fs::write(path, crate::settings::INIT_TEMPLATE).context("preflight.toml: cannot write")?;
    eprintln!(
        "wrote preflight.toml: edit it, then run preflight audit --config preflight.toml ..."
    );
    Ok(Exit::Clean)
}
