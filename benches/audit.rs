//! Criterion benchmarks of an audit on an in-memory synthetic tenant
//! (`benches/tenant.rs`): loading the four exports, auditing them (link,
//! rules and report build), rendering the report, and the three together.
//!
//! ```text
//! cargo bench --bench audit
//! PREFLIGHT_BENCH_PERSONS=50000 cargo bench --bench audit -- audit/
//! ```
//!
//! `PREFLIGHT_BENCH_PERSONS` sets the tenant size (default 20 000 persons,
//! about 18 MB of exports). The whole-process figures on large tenants come
//! from `benches/run.sh`.

#[path = "tenant.rs"]
mod tenant;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use preflight::audit::{self, Options};
use preflight::load::{self, LoadOptions, Table};
use preflight::settings::Settings;
use preflight::tenant::Tenant;
use std::hint::black_box;
use std::time::Duration;

const SEED: u64 = 42;

fn persons() -> u64 {
    std::env::var("PREFLIGHT_BENCH_PERSONS")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(20_000)
}

fn load_all(files: &[(&'static str, Vec<u8>)]) -> Vec<Table> {
    files
        .iter()
        .map(|(name, bytes)| {
            load::load_bytes(name, bytes, &LoadOptions::default()).expect("tenant loads")
        })
        .collect()
}

fn model(tables: Vec<Table>, settings: Settings) -> Tenant {
    audit::tenant(tables, settings, &Options::default()).expect("the tenant builds")
}

/// A named way to get the settings of an audit.
type Variant = (&'static str, fn() -> Settings);

/// The settings variants: the defaults, and the demo's (UUPIC by
/// employeeNumber).
fn variants() -> [Variant; 2] {
    [
        ("defaults", Settings::default as fn() -> Settings),
        ("uupic", audit::demo_settings),
    ]
}

fn benches(c: &mut Criterion) {
    let n = persons();
    let files = tenant::in_memory(n, SEED);
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let label = format!("{n}p");

    // Loading: each file, then the four (as `audit` does, but on one thread).
    let mut g = c.benchmark_group("load");
    for (name, bytes) in &files {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{label}/{name}"), |b| {
            b.iter(|| {
                load::load_bytes(name, black_box(bytes), &LoadOptions::default()).expect("loads")
            })
        });
    }
    g.throughput(Throughput::Bytes(total));
    g.bench_function(format!("{label}/all"), |b| {
        b.iter(|| load_all(black_box(&files)))
    });
    g.finish();

    // Auditing: link + rules + report build, from loaded tables.
    let mut g = c.benchmark_group("audit");
    g.throughput(Throughput::Elements(n));
    for (variant, settings) in variants() {
        g.bench_function(format!("{label}/{variant}"), |b| {
            b.iter_batched(
                || load_all(&files),
                // The report reads the tenant: both are dropped in the
                // timed routine.
                |tables| {
                    let tenant = model(tables, settings());
                    audit::audit(&tenant, &Options::default()).report.persons
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // Rendering: every output file of the report, in memory.
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(n));
    for (variant, settings) in variants() {
        let tenant = model(load_all(&files), settings());
        let done = audit::audit(&tenant, &Options::default());
        g.bench_function(format!("{label}/{variant}"), |b| {
            b.iter(|| {
                done.report
                    .render(black_box("fixed date"))
                    .expect("renders")
            })
        });
    }
    g.finish();

    // The three together, as `preflight audit` minus reading and writing files.
    let mut g = c.benchmark_group("end-to-end");
    g.throughput(Throughput::Bytes(total));
    for (variant, settings) in variants() {
        g.bench_function(format!("{label}/{variant}"), |b| {
            b.iter(|| {
                let tenant = model(load_all(black_box(&files)), settings());
                let done = audit::audit(&tenant, &Options::default());
                done.report.render("fixed date").expect("renders")
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
}

criterion_group! {
    name = audit_benches;
    config = config();
    targets = benches
}
criterion_main!(audit_benches);
