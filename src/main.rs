use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use kdeck::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("KDECK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let Some(command) = &args.command else {
        // The TUI lands with its own issue; until then say so instead of doing nothing.
        let _ = Cli::command().print_help();
        eprintln!("\nThe interactive console is not built yet; use a subcommand above.");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(&args.global, command)) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // a closed pipe (`kdeck topics | head`) is not an error worth a message
            let _ = stdout.write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
