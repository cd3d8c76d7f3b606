//! The floor of an audit: parse the four exports of a tenant with the csv
//! crate, on one thread, and nothing else (count the records, touch every
//! field). Whatever `preflight audit` does on the same files costs at least
//! this.
//!
//! ```text
//! cargo run --release --example floor -- /tmp/tenant-1m
//! ```
//!
//! Takes a tenant folder written by `gen-tenant` (or the files themselves).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const FILES: [&str; 4] = [
    "okta-export-users.csv",
    "ad-users.csv",
    "m365-active-users.csv",
    "insync-user-provisioning.csv",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: floor DIR | FILE...");
        return ExitCode::from(2);
    }
    let paths: Vec<PathBuf> = if args.len() == 1 && Path::new(&args[0]).is_dir() {
        FILES.iter().map(|f| Path::new(&args[0]).join(f)).collect()
    } else {
        args.iter().map(PathBuf::from).collect()
    };
    let start = Instant::now();
    let (mut records, mut fields, mut bytes, mut touch) = (0u64, 0u64, 0u64, 0u64);
    for path in &paths {
        match parse(path) {
            Ok(c) => {
                println!(
                    "{}: {} records, {} fields, {} bytes",
                    path.display(),
                    c.records,
                    c.fields,
                    c.bytes
                );
                records += c.records;
                fields += c.fields;
                bytes += c.bytes;
                touch ^= c.touch;
            }
            Err(e) => {
                eprintln!("floor: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "total: {records} records, {fields} fields, {bytes} bytes in {:.3}s (check {touch:016x})",
        start.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

#[derive(Default)]
struct Counts {
    records: u64,
    fields: u64,
    bytes: u64,
    touch: u64,
}

/// Streams one file through the csv crate (the `#TYPE` line and the header
/// are records too: the floor does not interpret anything).
fn parse(path: &Path) -> csv::Result<Counts> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_path(path)?;
    let mut record = csv::ByteRecord::new();
    let mut c = Counts::default();
    while reader.read_byte_record(&mut record)? {
        c.records += 1;
        for field in record.iter() {
            c.fields += 1;
            c.bytes += field.len() as u64;
            // Touch the field (its first and last byte) so nothing is skipped.
            let ends = field.first().map_or(0, |&b| u64::from(b)) << 8
                | field.last().map_or(0, |&b| u64::from(b));
            c.touch = c.touch.rotate_left(5) ^ ends;
        }
    }
    Ok(c)
}
