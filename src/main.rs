use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = preflight::cli::Cli::parse();
    match preflight::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("preflight: {err:#}");
            preflight::Exit::Failure.into()
        }
    }
}
