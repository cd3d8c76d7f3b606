//! Writes a synthetic tenant: the four exports of a Contoso-like company of
//! any size, in the formats of `fixtures/contoso/` (see `benches/tenant.rs`).
//!
//! ```text
//! cargo run --release --example gen-tenant -- --persons 1000000 --seed 42 --out /tmp/tenant-1m
//! ```
//!
//! Deterministic per seed; streamed (one person in memory at a time).
//! 1M persons ≈ 0.92 GB and 4M rows. Write it outside the repository (or
//! under `target/`).

#[path = "../benches/tenant.rs"]
mod tenant;

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen-tenant --persons N [--seed S] --out DIR";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-tenant: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut persons: Option<u64> = None;
    let mut seed = 42u64;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--persons" => persons = Some(number(&value()?)?),
            "--seed" => seed = number(&value()?)?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    let (Some(persons), Some(out)) = (persons, out) else {
        return Err(USAGE.to_string());
    };
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let open = |name: &str| {
        let path = out.join(name);
        File::create(&path)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let writers = [
        open(tenant::FILES[0])?,
        open(tenant::FILES[1])?,
        open(tenant::FILES[2])?,
        open(tenant::FILES[3])?,
    ];
    let start = Instant::now();
    let counts = tenant::generate(persons, seed, writers).map_err(|e| e.to_string())?;
    eprintln!(
        "wrote {} in {:.1}s",
        out.display(),
        start.elapsed().as_secs_f64()
    );
    println!("{}", tenant::describe(&counts));
    Ok(())
}

/// `1000000`, `1_000_000`, `1e6`, `100k`, `3M`.
fn number(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (digits, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t.as_str(), 1),
    };
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(n * mult);
    }
    match digits.parse::<f64>() {
        Ok(f) if f >= 0.0 && f.fract() == 0.0 => Ok(f as u64 * mult),
        _ => Err(format!("not a number: {s}")),
    }
}
