//! `eksposture`: collect an AWS account running EKS, evaluate the checks,
//! report. Exit codes are part of the interface (DESIGN.md): see
//! [`eksposture_audit::exit`].

mod args;
mod audit;
mod catalog;
mod diff;
mod lambda;
mod permissions;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    // The Lambda runtime starts the function's `bootstrap` with no
    // arguments and AWS_LAMBDA_RUNTIME_API set.
    if std::env::args_os().len() == 1 && std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return lambda::main();
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(a) => audit::audit(&a),
        Command::Collect(c) => audit::collect(&c),
        Command::Checks(c) => catalog::list(&c),
        Command::Diff(d) => diff::diff(&d),
        Command::Explain { id } => catalog::explain(&id),
        Command::Permissions(p) => permissions::print(&p),
        Command::Lambda => return lambda::main(),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code as u8)
        }
    }
}
