//! `aida` binary entry point: parse, set up logging, dispatch, map errors to exit codes.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    aida::process::tune_allocator();
    let cli = aida::cli::Cli::parse();
    if let Some(path) = cli.log_file() {
        aida::logging::init_file(&cli.global, &path);
    } else if cli.command.logs_json() {
        aida::logging::init_json(&cli.global);
    } else {
        aida::logging::init(&cli.global);
    }
    let outcome = aida::cli::run(cli);
    aida::exit::report(outcome)
}
