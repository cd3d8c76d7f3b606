//! report.html: its sections on the sample tenant (snapshots), hostile
//! input values, the size bound, and the page in a real browser (headless
//! Chromium: sorting, filtering, the Content-Security-Policy, no network).

use crate::preflight;
use preflight::audit::{demo_audit, demo_settings, demo_tenant};
use preflight::load::{LoadOptions, load_bytes};
use preflight::report::Report;
use preflight::report::html;
use preflight::rules::{Finding, Rule, Scenario};
use preflight::tenant::Tenant;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const GENERATED: &str = "2026-01-01 00:00:00 UTC";

fn demo_report() -> Report<'static> {
    static DEMO: OnceLock<Tenant> = OnceLock::new();
    demo_audit(DEMO.get_or_init(|| demo_tenant().unwrap())).report
}

fn demo_html() -> String {
    html::render(&demo_report(), GENERATED).unwrap()
}

/// The demo's report as an inconclusive one renders (the verdict logic
/// itself is held by the end-to-end cases: insync-only,
/// okta-password-health...).
fn inconclusive_html() -> String {
    let mut r = demo_report();
    r.verdict = preflight::report::Verdict::Inconclusive;
    r.verdict_reasons = vec![preflight::report::Reason {
        check: "planned scenario and change rules".into(),
        reason: "no Okta export was given: the planned values come from Okta attributes".into(),
    }];
    html::render(&r, GENERATED).unwrap()
}

/// The text from `start` to the end of the element it opens (`end`).
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"));
    let to = from + html[from..].find(end).unwrap() + end.len();
    &html[from..to]
}

fn redact(text: &str) -> String {
    text.replace(GENERATED, "[DATE]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn sample_tenant_verdict_and_numbers_snapshot() {
    let html = demo_html();
    let head = section(&html, "<header class=\"masthead\">", "</header>");
    let summary = section(&html, "<section id=\"summary\"", "</section>");
    insta::assert_snapshot!(
        "contoso_report_summary",
        redact(&format!("{head}\n{summary}"))
    );
}

#[test]
fn sample_tenant_settings_snapshot() {
    let html = demo_html();
    let settings = section(&html, "<section id=\"settings\"", "</section>");
    insta::assert_snapshot!("contoso_report_settings", redact(settings));
}

#[test]
fn same_report_and_time_give_the_same_bytes() {
    let r = demo_report();
    assert_eq!(
        html::render(&r, GENERATED).unwrap(),
        html::render(&r, GENERATED).unwrap()
    );
}

/// Every rule that fired has its part, with its explanation and source.
#[test]
fn every_rule_that_fired_is_explained() {
    let r = demo_report();
    let html = demo_html();
    for (id, n) in r.counts() {
        let rule = Rule::from_id(id).unwrap();
        let part = section(&html, &format!("id=\"rule-{id}\""), "</article>");
        assert!(part.contains(&format!("{n} finding")), "{id}: count");
        let first_words = rule.explanation().split(' ').take(3).collect::<Vec<_>>();
        assert!(
            part.contains(&handlebars::html_escape(&first_words.join(" "))),
            "{id}: explanation"
        );
    }
}

/// Nothing is loaded: links are in-page anchors, no src attribute at all.
#[test]
fn the_report_refers_to_nothing_outside_itself() {
    let html = demo_html();
    // Links a reader may follow: the public pages of the sources the rules
    // cite (SPEC: by title and link, never by file name); nothing loads.
    let cited: Vec<&str> = Rule::ALL
        .iter()
        .filter_map(|r| preflight::rules::source_link(r.provenance()))
        .collect();
    assert!(!cited.is_empty());
    let mut rest = html.clone();
    for link in &cited {
        rest = rest.replace(&format!("<a href=\"{link}\" rel=\"noreferrer\">"), "<a>");
    }
    assert!(
        !rest.contains("http://") && !rest.contains("https://"),
        "a link that is no cited source"
    );
    assert!(html.contains(cited[0]), "the main article is not linked");
    assert!(
        !html.contains("shared/reference") && !html.contains("0cd97adc76d112c4"),
        "a file name cited"
    );
    assert!(!html.contains(" src="), "no element loads anything");
    for href in rest.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#') || href.starts_with("data:,\""),
            "href {}",
            &href[..href.find('"').unwrap()]
        );
    }
    let csp = section(&html, "<meta http-equiv=\"Content-Security-Policy\"", ">");
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"));
}

#[test]
fn hostile_values_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let script = "<script>alert(1)</script>";
    let img = "\"><img src=x onerror=alert(1)>";
    let braces = "{{this}}";
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let okta = format!(
        "User Id,Status,Username,First name,Last name,Primary email\n\
         00u1,ACTIVE,anna.berg@contoso.com,{},Berg,{}\n\
         00u2,ACTIVE,{},Tom,{},tom.becker@contoso.co.uk\n\
         00u3,ACTIVE,{},{},Roe,jane.roe@contoso.co.uk\n",
        q(script),
        q(&format!("{script}@contoso.co.uk")),
        q(&format!("{img}@contoso.com")),
        q(braces),
        q(&format!("{braces}@contoso.com")),
        q(img),
    );
    let insync = format!(
        "User Name,User Email,Profile,User Status\n\
         {},anna.berg@contoso.com,Default,Active\n\
         {},{},Default,Active\n\
         {},{},Default,Active\n",
        q(script),
        q(img),
        q(&format!("{img}@contoso.com")),
        q(braces),
        q(&format!("{braces}@contoso.com")),
    );
    let m365 = format!(
        "Display name,User principal name,Block credential,Licenses,Proxy addresses\n\
         {},anna.berg@contoso.com,False,Microsoft 365 E3,{}\n",
        q(script),
        q(&format!(
            "SMTP:anna.berg@contoso.co.uk+smtp:{script}@contoso.com"
        )),
    );
    for (name, text) in [
        ("okta.csv", okta),
        ("insync.csv", insync),
        ("m365.csv", m365),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = dir.path().join("out");
    preflight()
        .current_dir(dir.path())
        .args([
            "audit",
            "okta.csv",
            "insync.csv",
            "m365.csv",
            "--out",
            "out",
            "--quiet",
            "--fail-on",
            "never",
        ])
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        !html.contains("<script>alert"),
        "raw <script> from an input"
    );
    assert!(!html.contains("<img src=x"), "raw <img> from an input");
    assert!(
        !html.contains("onerror=alert"),
        "raw attribute from an input"
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's script"
    );
    // The values are there, as text (addresses may wrap after `@` and `.`).
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@<wbr>contoso"));
    let html = html.replace("<wbr>", "");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@contoso"));
    assert!(html.contains("&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;@contoso.com"));
    assert!(
        html.contains("{{this}}@contoso.com"),
        "braces are not evaluated"
    );
}

/// A tenant far over the limits: every rule fires thousands of times with
/// long values made of characters that grow when escaped.
#[test]
fn report_stays_under_20_mb_whatever_the_tenant() {
    let demo = demo_report();
    let nasty = "<&>\"'=`".repeat(300);
    // Three thousand persons whose name, email and AD attribute grow when
    // escaped (an inSync export: their rows are read from the records).
    let quoted = nasty.replace('"', "\"\"");
    let mut insync = String::from("Name,Email,Status,Profile,AD Attribute\r\n");
    for i in 0..3000 {
        insync +=
            &format!("\"{quoted}\",\"{i}{quoted}@contoso.com\",Active,Default,\"{quoted}\"\r\n");
    }
    let table = load_bytes("insync.csv", insync.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(table.rows.len(), 3000);
    let opts = preflight::audit::Options::default();
    let tenant = preflight::audit::tenant(vec![table], demo_settings(), &opts).unwrap();
    let mut r = preflight::audit::audit(&tenant, &opts).report;
    assert_eq!(r.users.len(), 3000);
    let template = demo.findings[0].clone();
    r.findings = Rule::ALL
        .iter()
        .flat_map(|&rule| {
            let template = &template;
            let nasty = &nasty;
            (0..600).map(move |i| {
                Finding::new(
                    rule,
                    [Scenario::Current, Scenario::Planned, Scenario::Any][i % 3],
                    template.source,
                    &format!("user{i}{nasty}@contoso.com"),
                    template.file().into(),
                    template.row,
                    template.field(),
                    nasty,
                    format!("`{nasty}` and `{nasty}`"),
                    format!("fix {i} {nasty}"),
                    template.person,
                )
            })
        })
        .collect();
    // Five thousand email changes whose current email grows when escaped.
    let fix = demo.remediation.rows()[0];
    r.remediation = demo.remediation.with_rows(vec![fix; 5000]);
    let grown = nasty.clone();
    r.remediation.set_rewrite(Box::new(move |i, v| {
        if i == 0 {
            format!("{v}{grown}")
        } else {
            v.to_string()
        }
    }));
    let html = html::render(&r, GENERATED).unwrap();
    eprintln!("report.html for the oversized tenant: {} bytes", html.len());
    assert!(html.len() < 20_000_000, "{} bytes", html.len());
    assert!(html.contains("more in findings.csv"));
    assert!(html.contains("the full list is in users.csv"));
    assert!(html.contains("more in remediation.csv"));
}

// ---------------------------------------------------------------------------
// The page in a real browser.

/// Runs in the page before anything else: records errors and CSP
/// violations, then, once loaded, sorts and filters the persons table and
/// writes the outcome to `body[data-selftest]`.
const SELFTEST: &str = r##"
(function () {
  var problems = [];
  var log = console.error;
  console.error = function () { problems.push("console.error " + Array.prototype.join.call(arguments, " ")); log.apply(console, arguments); };
  window.addEventListener("error", function (e) { problems.push("error " + e.message); });
  document.addEventListener("securitypolicyviolation", function (e) { problems.push("csp " + e.violatedDirective); });
  function expect(ok, what) { if (!ok) { problems.push(what); } }
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function column(table, col) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[col].textContent.trim(); });
  }
  function ordered(values, direction) {
    for (var i = 1; i < values.length; i++) {
      if (direction * collator.compare(values[i - 1], values[i]) > 0) { return false; }
    }
    return true;
  }
  function visible(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden && r.offsetParent !== null; });
  }
  function displayed(el) { return el && el.offsetParent !== null && el.textContent.trim().length > 0; }
  function check() {
    // The verdict says why the exit status is what it is; an inconclusive
    // one lists the checks that did not run; the change plan has its steps.
    expect(displayed(document.getElementById("verdict-status")) && /exit [01]/.test(document.getElementById("verdict-status").textContent), "verdict status not shown");
    if (document.querySelector(".verdict-inconclusive")) {
      var reasons = document.querySelectorAll("#verdict-reasons li");
      expect(reasons.length > 0 && Array.prototype.every.call(reasons, displayed), "verdict reasons not shown");
    }
    var steps = document.querySelectorAll("#change-plan > li");
    expect(steps.length >= 2 && Array.prototype.every.call(steps, displayed), "change plan steps shown: " + steps.length);
    var toPlan = document.querySelector('nav a[href="#plan"]');
    expect(toPlan && document.getElementById("plan"), "no way to the change plan");
    var table = document.getElementById("person-table");
    var rows = table.tBodies[0].rows.length;
    expect(rows > 10, "persons listed: " + rows);
    expect(getComputedStyle(document.querySelector(".verdict")).borderLeftWidth === "10px", "stylesheet not applied");
    expect(performance.getEntriesByType("resource").length === 0, "the page loaded a resource");
    var filterBox = document.querySelector(".filter");
    expect(!filterBox.hidden && filterBox.offsetParent !== null, "filter box not shown");
    // Sort by Okta login, both ways, then by a status column.
    var th = table.querySelector('th[data-col="2"]');
    var button = th.querySelector("button.sort");
    expect(button, "no sort button");
    button.click();
    var logins = column(table, 2);
    expect(th.getAttribute("aria-sort") === "ascending", "aria-sort after one click");
    expect(ordered(logins, 1), "not ascending: " + logins.slice(0, 5).join(", "));
    expect(logins[0] !== logins[logins.length - 1], "nothing to sort");
    button.click();
    expect(th.getAttribute("aria-sort") === "descending", "aria-sort after two clicks");
    expect(ordered(column(table, 2), -1), "not descending");
    table.querySelector('th[data-col="6"] button').click();
    expect(column(table, 6)[0] === "fail", "status sort puts fail first");
    // Landmarks, header cells with their scope, and keyboard use: the sort
    // controls are buttons in the tab order, and every control shows where
    // the focus is.
    expect(document.querySelectorAll("main").length === 1 && document.querySelector("body > header nav[aria-label]") && document.querySelector("body > footer"), "landmarks: banner with navigation, main, footer");
    var unscoped = document.querySelectorAll("th:not([scope])");
    expect(unscoped.length === 0, "header cells without scope: " + unscoped.length);
    var sorts = table.querySelectorAll("thead button.sort");
    expect(sorts.length === table.querySelectorAll("th[data-col]").length, "a sortable column without its button");
    expect(Array.prototype.every.call(sorts, function (b) { return b.tabIndex === 0 && !b.disabled; }), "a sort button out of the tab order");
    var focusable = [button, document.getElementById("person-filter"), document.querySelector('nav a[href="#plan"]'), document.querySelector("a.chip"), document.querySelector(".chart a")];
    var copy = document.querySelector("button.copy");
    if (copy) { focusable.push(copy); }
    focusable.forEach(function (el) {
      el.focus();
      var style = getComputedStyle(el);
      expect(document.activeElement === el && el.matches(":focus-visible") && style.outlineStyle === "solid" && parseFloat(style.outlineWidth) >= 2, "no visible focus on " + el.outerHTML.slice(0, 60));
    });
    document.activeElement.blur();
    // Filter.
    var input = document.getElementById("person-filter");
    var count = document.getElementById("person-count");
    input.value = "Anna.Berg";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    var shown = visible(table);
    var expected = Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return r.textContent.toLowerCase().indexOf("anna.berg") !== -1; }).length;
    expect(shown.length >= 1 && shown.length === expected && shown.length < rows, "filter shows " + shown.length + " of " + rows + ", expected " + expected);
    expect(count.textContent.indexOf(shown.length + " of " + rows) === 0, "count says " + count.textContent);
    // A person is found by name (the first column).
    input.value = "amelia hughes";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    var named = visible(table);
    expect(named.length === 1 && named[0].cells[0].textContent === "Amelia Hughes", "found by name: " + named.length);
    input.value = "no-such-person-anywhere";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    expect(visible(table).length === 0, "filter with no match");
    expect(!document.getElementById("person-none").hidden, "no 'no match' note");
    input.value = "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    expect(visible(table).length === rows, "cleared filter");
  }
  window.addEventListener("load", function () {
    try { check(); } catch (e) { problems.push("exception " + e); }
    document.body.setAttribute("data-selftest", problems.length ? "fail: " + problems.join(" | ") : "pass");
  });
})();
"##;

/// Debian's Chromium, or the browser `PREFLIGHT_CHROMIUM` names.
fn chromium() -> Option<PathBuf> {
    match std::env::var_os("PREFLIGHT_CHROMIUM") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(PathBuf::from("/usr/bin/chromium")),
    }
    .filter(|p| p.exists())
}

/// Runs headless Chromium on a file with the given extra arguments;
/// returns (stdout, stderr). Kills it after two minutes.
fn run_chromium(bin: &Path, profile: &Path, args: &[String], page: &Path) -> (String, String) {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (out.join().unwrap(), err.join().unwrap())
}

/// What Chromium logs from the page: console messages (console.error,
/// uncaught exceptions) and Content-Security-Policy violations all come as
/// `...:INFO:CONSOLE...] "message", source: file://...`.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Content Security Policy"))
        .collect()
}

/// The report with the self-test inserted after the CSP meta tag, its hash
/// added to script-src.
fn with_selftest(html: &str) -> String {
    let script_src = "script-src ";
    let at = html.find(script_src).unwrap() + script_src.len();
    let mut page = html.to_string();
    page.insert_str(at, &format!("'{}' ", html::csp_hash(SELFTEST)));
    let meta_end = page
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let meta_end = meta_end + page[meta_end..].find('>').unwrap() + 1;
    page.insert_str(meta_end, &format!("\n<script>{SELFTEST}</script>"));
    page
}

fn selftest_result(dom: &str) -> Option<&str> {
    let from = dom.find("data-selftest=\"")? + "data-selftest=\"".len();
    Some(&dom[from..from + dom[from..].find('"')?])
}

/// A browser test cannot run for want of `missing`: a failure under
/// `PREFLIGHT_REQUIRE_BROWSER=1` (CI), else a loud skip.
fn cannot_run(test: &str, missing: &str, how: &str) {
    if std::env::var("PREFLIGHT_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("PREFLIGHT_REQUIRE_BROWSER=1 but {missing} ({how})");
    }
    // Written to the process's stderr, past the test harness's capture,
    // so that a skip shows in a plain `cargo test`.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {missing} ({how}; PREFLIGHT_REQUIRE_BROWSER=1 makes this a failure)"
    );
}

const NO_CHROMIUM: &str = "no Chromium at /usr/bin/chromium (or PREFLIGHT_CHROMIUM)";
const GET_CHROMIUM: &str = "apt-get install chromium, or set PREFLIGHT_CHROMIUM";

#[test]
fn report_works_in_a_real_browser() {
    let Some(bin) = chromium() else {
        cannot_run("report_works_in_a_real_browser", NO_CHROMIUM, GET_CHROMIUM);
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = demo_html();

    // The self-test: sorting, filtering, style applied, nothing loaded,
    // nothing logged.
    let page = dir.path().join("selftest.html");
    std::fs::write(&page, with_selftest(&html)).unwrap();
    let (dom, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert_eq!(
        selftest_result(&dom),
        Some("pass"),
        "the self-test in Chromium did not pass; stderr:\n{stderr}"
    );
    let logged = console_lines(&stderr);
    assert!(
        logged.is_empty(),
        "the page logged (console error, exception or CSP violation):\n{}",
        logged.join("\n")
    );

    // An inconclusive report (the demo without its Okta export): the
    // verdict's reasons and the shorter change plan are shown.
    let inconclusive = inconclusive_html();
    assert!(inconclusive.contains("verdict-inconclusive"));
    let page = dir.path().join("inconclusive.html");
    std::fs::write(&page, with_selftest(&inconclusive)).unwrap();
    let (dom, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert_eq!(
        selftest_result(&dom),
        Some("pass"),
        "the self-test of the inconclusive report did not pass; stderr:\n{stderr}"
    );

    // The same check notices a CSP violation: a page whose stylesheet
    // hash is wrong logs one and fails its self-test.
    let style =
        &html[html.find("<style>").unwrap() + "<style>".len()..html.find("</style>").unwrap()];
    let broken =
        with_selftest(&html).replacen(&html::csp_hash(style), &html::csp_hash("something else"), 1);
    assert_ne!(broken, with_selftest(&html), "the style hash was replaced");
    let page = dir.path().join("broken.html");
    std::fs::write(&page, broken).unwrap();
    let (dom, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &["--dump-dom".into()],
        &page,
    );
    assert!(
        console_lines(&stderr)
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "a CSP violation went unnoticed; stderr:\n{stderr}"
    );
    assert_ne!(selftest_result(&dom), Some("pass"));

    // A screenshot and a PDF of the report as it is, for people to look at.
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let shot = target.join("report-screenshot.png");
    let pdf = target.join("report.pdf");
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&pdf);
    let (_, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
        ],
        &page,
    );
    assert!(shot.exists(), "no screenshot; stderr:\n{stderr}");
    let (_, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
        &page,
    );
    assert!(pdf.exists(), "no PDF; stderr:\n{stderr}");
    eprintln!(
        "report.html in Chromium: self-test passed; {} and {}",
        shot.display(),
        pdf.display()
    );
}

// ---------------------------------------------------------------------------
// Accessibility: axe-core in the browser, light and dark.

/// axe-core's `axe.min.js`: the file `PREFLIGHT_AXE` names, else where
/// `.ci/run` installs it (`npm install --prefix target/axe-core`).
fn axe_core() -> Option<PathBuf> {
    match std::env::var_os("PREFLIGHT_AXE") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe-core/node_modules/axe-core/axe.min.js"),
        ),
    }
    .filter(|p| p.exists())
}

/// Runs in the page after axe-core, once it has loaded: axe with the WCAG
/// 2.0, 2.1 and 2.2 A and AA rules on the whole page (axe tags no rule
/// `wcag22a`). Its outcome goes as JSON into `<pre id="axe-result">` for
/// `--dump-dom` to carry out (`<`, `>`, `&` and every non-ASCII character
/// as `\u` escapes, so that the text needs no unescaping), with whether
/// the page saw a dark scheme. The sections the screen lays out only near
/// the viewport (`content-visibility: auto`) are laid out first, so that
/// axe can judge the contrast of every element, not of the first screen's.
const AXE_RUN: &str = r##"
window.addEventListener("load", function () {
  var dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.querySelectorAll("section, article").forEach(function (e) {
    e.style.contentVisibility = "visible";
  });
  function done(result) {
    var pre = document.createElement("pre");
    pre.id = "axe-result";
    pre.textContent = JSON.stringify(result).replace(/[^\x20-\x7e]|[<>&]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
    document.body.appendChild(pre);
  }
  function rules(list) {
    return list.map(function (v) {
      return {
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(function (n) { return { target: n.target.join(" "), summary: n.failureSummary || "" }; })
      };
    });
  }
  axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    resultTypes: ["violations", "incomplete"]
  }).then(function (r) {
    done({ dark: dark, version: axe.version, passes: r.passes.length, violations: rules(r.violations), incomplete: rules(r.incomplete) });
  }, function (e) {
    done({ dark: dark, error: String(e && e.stack || e) });
  });
});
"##;

/// A copy of the report with axe-core and [`AXE_RUN`] at the end of the
/// body; the copy's Content-Security-Policy allows the two scripts by
/// their hashes, as it allows the report's own (the report is unchanged).
fn with_axe(html: &str, axe: &str) -> String {
    let script_src = "script-src ";
    let at = html.find(script_src).unwrap() + script_src.len();
    let mut page = html.to_string();
    page.insert_str(
        at,
        &format!("'{}' '{}' ", html::csp_hash(axe), html::csp_hash(AXE_RUN)),
    );
    let body_end = page.rfind("</body>").unwrap();
    page.insert_str(
        body_end,
        &format!("<script>{axe}</script>\n<script>{AXE_RUN}</script>\n"),
    );
    page
}

/// The JSON [`AXE_RUN`] wrote into the dumped page.
fn axe_result(dom: &str) -> Option<serde_json::Value> {
    let open = "<pre id=\"axe-result\">";
    let from = dom.find(open)? + open.len();
    serde_json::from_str(&dom[from..from + dom[from..].find("</pre>")?]).ok()
}

/// Rule id, impact, help and each element with axe's summary, one a line.
fn describe(rules: &[serde_json::Value], nodes_each: usize) -> String {
    let mut out = String::new();
    for v in rules {
        let nodes = v["nodes"].as_array().map_or(&[][..], Vec::as_slice);
        out += &format!(
            "- {} ({}): {} [{} element(s)]\n",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or("?"),
            nodes.len()
        );
        for n in nodes.iter().take(nodes_each) {
            out += &format!(
                "    {}\n      {}\n",
                n["target"].as_str().unwrap_or("?"),
                n["summary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n      ")
            );
        }
    }
    out
}

/// The demo's report has no WCAG 2.0/2.1/2.2 A or AA violation that
/// axe-core finds, in the light scheme and in the dark one. Chromium is
/// told the scheme with `--blink-settings=preferredColorScheme=` (0 dark,
/// 1 light), and the page reports what `prefers-color-scheme` matched.
#[test]
fn report_has_no_axe_violation_in_light_and_dark() {
    let test = "report_has_no_axe_violation_in_light_and_dark";
    let Some(bin) = chromium() else {
        cannot_run(test, NO_CHROMIUM, GET_CHROMIUM);
        return;
    };
    let Some(axe_path) = axe_core() else {
        cannot_run(
            test,
            "no axe-core at target/axe-core/node_modules/axe-core/axe.min.js (or PREFLIGHT_AXE)",
            "bash .ci/run installs it, or: npm install --prefix target/axe-core axe-core@4",
        );
        return;
    };
    let axe = std::fs::read_to_string(&axe_path).unwrap();
    assert!(
        !axe.contains("</script"),
        "{} cannot be inlined",
        axe_path.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, with_axe(&demo_html(), &axe)).unwrap();
    let mut failures = Vec::new();
    for (scheme, setting, dark) in [("light", 1, false), ("dark", 0, true)] {
        let (dom, stderr) = run_chromium(
            &bin,
            &dir.path().join("profile"),
            &[
                "--dump-dom".into(),
                "--window-size=1280,1000".into(),
                format!("--blink-settings=preferredColorScheme={setting}"),
            ],
            &page,
        );
        let Some(result) = axe_result(&dom) else {
            panic!("{scheme}: axe-core gave no result; stderr:\n{stderr}");
        };
        assert!(
            result["error"].is_null(),
            "{scheme}: axe-core failed: {}",
            result["error"]
        );
        assert_eq!(
            result["dark"],
            serde_json::Value::Bool(dark),
            "{scheme}: the page did not see the {scheme} scheme"
        );
        assert!(
            result["passes"].as_u64().unwrap_or(0) > 20,
            "{scheme}: axe-core checked next to nothing: {result}"
        );
        let violations = result["violations"].as_array().unwrap();
        if !violations.is_empty() {
            failures.push(format!(
                "{scheme} scheme, axe-core {}:\n{}",
                result["version"],
                describe(violations, 10)
            ));
        }
        // What axe-core could not decide (the chart's SVG text, cells it
        // could not see whole): for the reader; the palette's contrast is
        // held by `palette_contrast_meets_aa_in_both_schemes`.
        let incomplete = result["incomplete"].as_array().unwrap();
        eprintln!(
            "axe-core {} on report.html, {scheme}: {} rules passed, {} violated; left undecided:\n{}",
            result["version"],
            result["passes"],
            violations.len(),
            describe(incomplete, 0)
        );
    }
    assert!(
        failures.is_empty(),
        "axe-core found WCAG A/AA violations in report.html:\n{}",
        failures.join("\n")
    );
}

/// The stylesheet's colours by custom property (`--text` as `text`): the
/// light scheme (`:root`), and the dark one (the light with the overrides
/// of the dark block).
fn palettes() -> (
    std::collections::BTreeMap<String, String>,
    std::collections::BTreeMap<String, String>,
) {
    let css = include_str!("../templates/report.css");
    let block = |from: &str, end: &str| {
        let at = css.find(from).unwrap_or_else(|| panic!("{from} not found"));
        let body = &css[at + from.len()..];
        &body[..body.find(end).unwrap()]
    };
    let colours = |block: &str| {
        block
            .lines()
            .filter_map(|l| {
                let (name, value) = l.trim().strip_prefix("--")?.split_once(':')?;
                let value = value.trim().trim_end_matches(';');
                value
                    .starts_with('#')
                    .then(|| (name.to_string(), value.to_string()))
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let light = colours(block(":root {", "\n}"));
    let mut dark = light.clone();
    dark.extend(colours(block(
        "@media screen and (prefers-color-scheme: dark) {\n  :root {",
        "\n  }",
    )));
    (light, dark)
}

/// WCAG's contrast ratio of two `#rgb` / `#rrggbb` colours.
fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |c: &str| {
        let hex = c.trim_start_matches('#');
        let hex: String = if hex.len() == 3 {
            hex.chars().flat_map(|c| [c, c]).collect()
        } else {
            hex.to_string()
        };
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Every text colour against every background it is used on keeps 4.5:1
/// (WCAG 1.4.3), and control borders 3:1 (1.4.11), in both schemes,
/// wherever the colours are drawn: axe-core (above) checks the page's HTML
/// text, but leaves the chart's SVG text undecided. The dark scheme is for
/// the screen only: print stays light.
#[test]
fn palette_contrast_meets_aa_in_both_schemes() {
    let css = include_str!("../templates/report.css");
    assert_eq!(
        css.matches("prefers-color-scheme").count(),
        1,
        "one dark block"
    );
    assert!(css.contains("@media screen and (prefers-color-scheme: dark)"));
    const PAGE: [&str; 3] = ["bg", "subtle", "stripe"];
    let tints = ["error-bg", "warning-bg", "ok-bg", "info-bg"];
    let mut pairs: Vec<(&str, &str, f64)> = Vec::new();
    for text in ["text", "muted", "accent"] {
        for bg in PAGE.iter().chain(&tints) {
            pairs.push((text, bg, 4.5));
        }
    }
    for tone in ["error", "warning", "ok", "info"] {
        for bg in PAGE {
            pairs.push((tone, bg, 4.5));
        }
    }
    pairs.extend([
        ("error", "error-bg", 4.5),
        ("warning", "warning-bg", 4.5),
        ("ok", "ok-bg", 4.5),
        ("info", "info-bg", 4.5),
        ("control", "bg", 3.0),
        ("control", "subtle", 3.0),
    ]);
    let (light, dark) = palettes();
    assert_ne!(light["bg"], dark["bg"], "no dark scheme");
    let mut low = Vec::new();
    for (scheme, colours) in [("light", &light), ("dark", &dark)] {
        for &(fg, bg, min) in &pairs {
            let ratio = contrast(&colours[fg], &colours[bg]);
            if ratio < min {
                low.push(format!(
                    "{scheme}: --{fg} {} on --{bg} {}: {ratio:.2} < {min}",
                    colours[fg], colours[bg]
                ));
            }
        }
    }
    assert!(low.is_empty(), "contrast too low:\n{}", low.join("\n"));
}

/// Handlebars' escaping of a value in text.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&#x27;",
            '`' => out += "&#x60;",
            '=' => out += "&#x3D;",
            c => out.push(c),
        }
    }
    out
}

/// A column and rows set aside are said up front, in the verdict's box:
/// one sentence each (file, column, why and the fix; file, how many rows,
/// the `Type` value), every value from the inputs HTML-escaped.
#[test]
fn columns_and_rows_set_aside_are_said_up_front_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let typename = "ad <i>x&\"y.csv";
    std::fs::copy(
        crate::fixture("formats/dotnet-typename-ad.csv"),
        dir.path().join(typename),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aduc.csv"),
        "Name,Type,Description,User Logon Name,E-Mail Address\r\n\
         Tom Becker,User,,tom.becker@contoso.com,tom.becker@contoso.co.uk\r\n\
         Printer,<b>Printer</b>,,,\r\n",
    )
    .unwrap();
    preflight()
        .current_dir(dir.path())
        .args(["audit", "--ad", typename, "--ad", "aduc.csv"])
        .args(["--fail-on", "never", "--quiet", "--out", "out"])
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    let reason = summary["coverage"][0]["set_aside"][0]["reason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("-join ';'"), "{reason}");
    let list = section(
        &html,
        "<ul class=\"verdict-reasons\" id=\"set-aside\">",
        "</ul>",
    );
    let column = format!(
        "<li><strong>set aside</strong>: {}</li>",
        escaped(&format!("{typename}, column proxyAddresses: {reason}"))
    );
    assert!(list.contains(&column), "{column}\nnot in\n{list}");
    let rows = format!(
        "<li><strong>set aside</strong>: {}</li>",
        escaped("aduc.csv: 1 row whose Type is “<b>Printer</b>”: not users, not audited.")
    );
    assert!(list.contains(&rows), "{rows}\nnot in\n{list}");
    assert!(!html.contains("<i>x") && !html.contains("<b>Printer"));
}

/// The change plan's values show as code, as the rules' do: no backtick is
/// left in the plan's text.
#[test]
fn the_change_plan_shows_values_as_code() {
    let html = demo_html();
    let plan = section(&html, "<section id=\"plan\"", "</section>");
    assert!(plan.contains("(<code>email</code>)"), "{plan}");
    assert!(!plan.contains('`'), "a backtick in the plan");
}

/// A step of the change plan says what stays broken before the next one
/// only when something does: no "Between this step and the next:" with
/// nothing after it.
#[test]
fn the_change_plan_names_a_window_only_when_it_has_one() {
    let html = demo_html();
    let plan = section(&html, "<section id=\"plan\"", "</section>");
    let steps: Vec<&str> = plan.split("<li class=\"plan-step\">").skip(1).collect();
    assert!(steps.len() >= 3, "{plan}");
    let windows: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.split_once("Between this step and the next:</strong>"))
        .map(|(_, after)| after.split("</p>").next().unwrap().trim())
        .collect();
    assert!(!windows.is_empty(), "the demo's plan has a window: {plan}");
    assert!(windows.len() < steps.len(), "{plan}");
    assert!(windows.iter().all(|w| !w.is_empty()), "{windows:?}");
}

/// Printed (Chromium's print to PDF, read back with poppler's `pdftotext`),
/// every page of a report made for a customer carries, at its foot, who it
/// is for and by whom, and its page number of all; a hostile name is
/// printed as written.
#[test]
fn every_printed_page_says_who_it_is_for_and_its_number() {
    let test = "every_printed_page_says_who_it_is_for_and_its_number";
    let Some(bin) = chromium() else {
        cannot_run(test, NO_CHROMIUM, GET_CHROMIUM);
        return;
    };
    if Command::new("pdftotext").arg("-v").output().is_err() {
        cannot_run(
            test,
            "no pdftotext",
            "apt-get install poppler-utils; bash .ci/run installs it",
        );
        return;
    }
    let mut r = demo_report();
    r.customer = Some("Contoso \"Ltd\" </style> \\ ;".into());
    r.author = Some("Jane Doe".into());
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html::render(&r, GENERATED).unwrap()).unwrap();
    let pdf = dir.path().join("report.pdf");
    let (_, stderr) = run_chromium(
        &bin,
        &dir.path().join("profile"),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
        &page,
    );
    assert!(pdf.exists(), "no PDF; stderr:\n{stderr}");
    let text = dir.path().join("report.txt");
    let run = Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg(&text)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let text = std::fs::read_to_string(&text).unwrap();
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() > 5, "{} pages", pages.len());
    for (n, p) in pages.iter().enumerate() {
        assert!(
            p.contains("For Contoso \"Ltd\" </style> \\ ;, prepared by Jane Doe"),
            "page {}:\n{p}",
            n + 1
        );
        assert!(
            p.contains(&format!("page {} of {}", n + 1, pages.len())),
            "page {}:\n{p}",
            n + 1
        );
    }
}
