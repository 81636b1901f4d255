//! `eksposture`: collect an AWS account running EKS, evaluate the checks,
//! report. Exit codes are part of the interface (DESIGN.md): see [`exit`].

mod args;
mod audit;
mod catalog;
mod diff;
mod exit;
mod output;
mod progress;
mod render;
mod securityhub;
mod suppressions;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(a) => audit::audit(&a),
        Command::Collect(c) => audit::collect(&c),
        Command::Checks(c) => catalog::list(&c),
        Command::Diff(d) => diff::diff(&d),
        Command::Explain { id } => catalog::explain(&id),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code as u8)
        }
    }
}
