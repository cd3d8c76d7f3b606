use clap::Parser;

// The audit allocates many small strings; mimalloc does that several times
// faster than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    preflight::quiet_panics();
    let cli = preflight::cli::Cli::parse();
    match preflight::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => preflight::fail(&err).into(),
    }
}
