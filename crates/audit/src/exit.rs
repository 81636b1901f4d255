//! Exit codes: 0 complete and nothing failing at or above `--fail-on`;
//! 3 failing findings at or above `--fail-on`; 4 no such failures but the
//! scan is incomplete (gaps); 5 the scan finished and its report was
//! written, but `--security-hub` could not deliver every finding (before 3
//! and 4: the report shows the findings, nothing else shows that Security
//! Hub lacks them); 2 usage error; 1 nothing could be scanned.

use eksposture_model::Severity;
use eksposture_report::Report;

/// How a command that ran to the end exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean = 0,
    Failing = 3,
    Incomplete = 4,
    /// The scan is done, but delivery to Security Hub failed.
    DeliveryFailed = 5,
}

/// Why a command stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Nothing could be scanned: no region, no credentials, STS failed.
    Unscannable = 1,
    /// Bad arguments or files: unknown check id, unreadable inventory,
    /// unwritable output path.
    Usage = 2,
}

/// An error to print as one line and the code to exit with.
pub struct Failure {
    pub code: Code,
    pub error: anyhow::Error,
}

pub fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: Code::Usage,
        error: error.into(),
    }
}

pub fn unscannable(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: Code::Unscannable,
        error: error.into(),
    }
}

/// With `only_new` (`--fail-on-new`) only failures that are new since the
/// baseline count; the report has its `diff` section then.
pub fn outcome(report: &Report, fail_on: Option<Severity>, only_new: bool) -> Outcome {
    let failing = fail_on.is_some_and(|t| {
        if only_new {
            report.diff.as_ref().is_some_and(|d| d.new_at_or_above(t))
        } else {
            report.fails_at_or_above(t)
        }
    });
    if failing {
        Outcome::Failing
    } else if report.is_complete() {
        Outcome::Clean
    } else {
        Outcome::Incomplete
    }
}
