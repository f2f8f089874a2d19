//! The `logminer-doctor` binary: parses the command line, sets up logging, runs one command
//! of the library and turns its result into an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use logminer_doctor::cli::Cli;
use logminer_doctor::commands;
use logminer_doctor::exit::Exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; a usage error exits 3, never 0 or 1, so a
            // broken probe never reads as healthy.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Unknown.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    // Logs go to stderr; results go to stdout. The agent logs its probes at info.
    let default_level = match cli.command {
        logminer_doctor::cli::Command::Watch { .. } => "info",
        _ => "warn",
    };
    // Colour only on a terminal: a log file or a pipe (journald, a collector) gets no escapes.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LMD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        );
    match cli.log_format {
        logminer_doctor::cli::LogFormat::Json => logs.json().init(),
        logminer_doctor::cli::LogFormat::Text => logs.init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Unknown.into();
        }
    };
    let lang = cli
        .lang
        .unwrap_or_else(logminer_doctor::lang::Lang::from_env);
    match runtime.block_on(commands::run(cli)) {
        Ok(exit) => exit.into(),
        Err(e) => {
            let details = e.details(lang);
            eprintln!("error: {:#}", anyhow::Error::from(e));
            if let Some(details) = details {
                eprint!("{details}");
            }
            Exit::Unknown.into()
        }
    }
}
