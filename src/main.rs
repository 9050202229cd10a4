use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use kdeck::cli::{self, Cli, Command};

/// Where the console logs: it owns the screen, so logs go to a file.
fn log_file() -> Option<std::fs::File> {
    let dir = kdeck::config::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::OpenOptions::new().create(true).append(true).open(dir.join("kdeck.log")).ok()
}

fn init_logging(console: bool) {
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("KDECK_LOG")
        .unwrap_or_else(|_| if console { "info" } else { "warn" }.into());
    // aws-sigv4 traces canonical requests, session tokens included: never log them
    if let Ok(quiet) = "aws_sigv4=info".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match (console, log_file()) {
        (true, Some(file)) => builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).init(),
        (true, None) => builder.with_writer(std::io::sink).init(),
        (false, _) => builder.with_writer(std::io::stderr).init(),
    }
}

fn main() -> ExitCode {
    kdeck::tui::perf::mark_process_start();
    let args = Cli::parse();
    let console = matches!(args.command, None | Some(Command::Demo { .. }));
    if console {
        // before any other thread exists (the log writer's, the runtime's): glibc fixes its arena
        // count when a second arena is made
        kdeck::tui::memory::tune_allocator();
    }
    init_logging(console);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match &args.command {
            None => cli::run_tui(&args.global).await.map(|_| String::new()),
            Some(Command::Demo { rate }) => cli::run_demo(&args.global, *rate).await.map(|_| String::new()),
            Some(command) => cli::run(&args.global, command).await,
        }
    });
    // Background tasks (demo load, pending requests) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(out) => {
            // a closed pipe (`kdeck topics | head`) is not an error worth a message
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            if let Some(partial) = e.downcast_ref::<cli::output::Incomplete>() {
                let _ = std::io::stdout().lock().write_all(partial.output.as_bytes());
                for p in &partial.problems {
                    eprintln!("error: {p}");
                }
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
