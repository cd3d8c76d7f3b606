//! Stage timings for profiling: with `PREFLIGHT_TIMINGS=1`, each stage of
//! the pipeline prints its wall time and the process's peak memory so far
//! to stderr. Silent otherwise; never part of an output.

use std::time::Instant;

/// A stopwatch over the stages of one run.
pub struct Laps {
    on: bool,
    start: Instant,
    last: Instant,
}

impl Laps {
    pub fn start() -> Laps {
        let now = Instant::now();
        Laps {
            on: std::env::var_os("PREFLIGHT_TIMINGS").is_some(),
            start: now,
            last: now,
        }
    }

    /// Ends the stage called `name`.
    pub fn lap(&mut self, name: &str) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        eprintln!(
            "timing {name:<16} {:>8.3} s  (total {:>8.3} s, peak {} MiB, now {} MiB)",
            (now - self.last).as_secs_f64(),
            (now - self.start).as_secs_f64(),
            status_mib("VmHWM:").map_or_else(|| "?".to_string(), |m| m.to_string()),
            status_mib("VmRSS:").map_or_else(|| "?".to_string(), |m| m.to_string())
        );
        self.last = now;
    }
}

/// A memory figure of this process (Linux), in MiB: `VmHWM:` the peak
/// resident memory, `VmRSS:` the resident memory now.
fn status_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
