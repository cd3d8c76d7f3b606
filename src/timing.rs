//! Stage timings for profiling: with `PREFLIGHT_TIMINGS=1`, each stage of
//! the pipeline prints its wall time, the CPU time the process spent in it
//! (all threads, user and system), the process's peak memory so far and the
//! huge pages the machine cleared for a first touch meanwhile (every
//! process's: run it on a quiet machine) to stderr. Silent otherwise; never
//! part of an output.

use std::time::Instant;

/// A stopwatch over the stages of one run.
pub struct Laps {
    on: bool,
    start: Instant,
    last: Instant,
    last_cpu: f64,
    last_huge: u64,
}

impl Laps {
    pub fn start() -> Laps {
        let now = Instant::now();
        Laps {
            on: std::env::var_os("PREFLIGHT_TIMINGS").is_some(),
            start: now,
            last: now,
            last_cpu: cpu_seconds().unwrap_or(0.0),
            last_huge: huge_page_faults().unwrap_or(0),
        }
    }

    /// Ends the stage called `name`.
    pub fn lap(&mut self, name: &str) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        let cpu = cpu_seconds().unwrap_or(0.0);
        let huge = huge_page_faults().unwrap_or(0);
        eprintln!(
            "timing {name:<16} {:>8.3} s  (cpu {:>7.2} s, total {:>8.3} s, peak {} MiB, now {} MiB, huge pages +{})",
            (now - self.last).as_secs_f64(),
            cpu - self.last_cpu,
            (now - self.start).as_secs_f64(),
            status_mib("VmHWM:").map_or_else(|| "?".to_string(), |m| m.to_string()),
            status_mib("VmRSS:").map_or_else(|| "?".to_string(), |m| m.to_string()),
            huge.saturating_sub(self.last_huge)
        );
        self.last = now;
        self.last_cpu = cpu;
        self.last_huge = huge;
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

/// The transparent huge pages the kernel has allocated on a first touch
/// since boot, machine-wide (`thp_fault_alloc` of `/proc/vmstat`): each is
/// 2 MiB cleared, which on this project's machines costs more than most
/// stages' own work (BENCHMARKS.md).
fn huge_page_faults() -> Option<u64> {
    let vmstat = std::fs::read_to_string("/proc/vmstat").ok()?;
    let line = vmstat.lines().find(|l| l.starts_with("thp_fault_alloc "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The CPU time of this process so far (Linux), user and system, in
/// seconds: fields 14 and 15 of `/proc/self/stat`, in clock ticks of 1/100 s
/// (the `USER_HZ` of every Linux that Rust targets).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}
