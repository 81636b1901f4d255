//! Renders the findings of a scan: the [`Report`] (the JSON contract that
//! machines read back, see DESIGN.md "Report contract"), a table for people,
//! a self-contained HTML page, and JSON; reads saved reports back and
//! compares two of them ([`diff`]). Nothing here talks to AWS or decides
//! exit codes.

mod accounts;
pub mod asff;
mod csv;
mod diff;
mod html;
mod load;
pub mod suppress;
mod table;

use eksposture_model::{
    ComplianceView, Finding, Gap, Inventory, ScanInfo, Severity, Status, SCHEMA_VERSION,
};
use serde::{Deserialize, Serialize};

pub use accounts::{build_accounts, AccountEntry, AccountStatus};
pub use csv::{render_csv, CSV_COLUMNS};
pub use diff::{
    diff, render_diff_json, render_diff_table, Absence, BaselineDiff, Change, Diff, DiffCounts,
    DiffError, ScanSide, State,
};
pub use html::{render_html, CONTENT_SECURITY_POLICY};
pub use load::{load_report, parse_report, LoadError};
pub use suppress::SuppressionSummary;
pub use table::{render_table, render_table_with, TableOptions};

/// The tool name written into every report.
pub const TOOL_NAME: &str = "eksposture";

/// One scan's findings and the reads that failed. Field order is the
/// contract's key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: Tool,
    pub scan: ScanInfo,
    pub summary: Summary,
    /// Every account of a scan that covers several (`--accounts`,
    /// `--organization`), with its own summary; absent for a one-account
    /// scan. `scan.account_id` is then the account whose credentials ran the
    /// scan, and each finding and gap names its own account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountEntry>,
    /// Every read that failed; results that depend on one are `unknown`.
    pub gaps: Vec<Gap>,
    /// Sorted by severity (critical first), then status (fail, unknown,
    /// pass), then check id, then resource id.
    pub findings: Vec<Finding>,
    /// Per-control views asked for with `audit --compliance`; absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<ComplianceView>,
    /// The comparison with a baseline report (`audit --baseline`); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<BaselineDiff>,
    /// What the suppression file did; absent when no file was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<SuppressionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Failing findings that are not suppressed.
    pub fail: u64,
    pub pass: u64,
    pub unknown: u64,
    /// Failing findings that a suppression entry matched (counted nowhere else).
    #[serde(default)]
    pub suppressed: u64,
    /// Failing, unsuppressed findings per severity.
    pub by_severity: BySeverity,
}

/// A count per severity; every key is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BySeverity {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub informational: u64,
}

impl BySeverity {
    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Informational => self.informational,
        }
    }

    fn slot(&mut self, severity: Severity) -> &mut u64 {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Informational => &mut self.informational,
        }
    }
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.status {
                Status::Fail if f.suppressed.is_some() => s.suppressed += 1,
                Status::Fail => {
                    s.fail += 1;
                    *s.by_severity.slot(f.severity) += 1;
                }
                Status::Pass => s.pass += 1,
                Status::Unknown => s.unknown += 1,
            }
        }
        s
    }
}

impl Report {
    /// The failing, unsuppressed findings, most severe first.
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_failing())
    }

    /// Whether any finding fails at `threshold` or a more severe level.
    pub fn fails_at_or_above(&self, threshold: Severity) -> bool {
        self.failing().any(|f| f.severity >= threshold)
    }

    /// A scan is complete when every read succeeded.
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// Assembles the report of one evaluation of `inventory`.
pub fn build(inventory: &Inventory, mut findings: Vec<Finding>, tool_version: &str) -> Report {
    for f in findings.iter_mut().filter(|f| f.account_id.is_empty()) {
        f.account_id.clone_from(&inventory.scan.account_id);
    }
    assemble(
        inventory.scan.clone(),
        findings,
        inventory.gaps.clone(),
        tool_version,
    )
}

fn assemble(
    scan: ScanInfo,
    mut findings: Vec<Finding>,
    mut gaps: Vec<Gap>,
    tool_version: &str,
) -> Report {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| status_rank(a.status).cmp(&status_rank(b.status)))
            .then_with(|| a.check_id.cmp(&b.check_id))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
            .then_with(|| a.account_id.cmp(&b.account_id))
            .then_with(|| a.message.cmp(&b.message))
    });
    gaps.sort();
    gaps.dedup();
    Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool {
            name: TOOL_NAME.to_string(),
            version: tool_version.to_string(),
        },
        scan,
        summary: Summary::of(&findings),
        accounts: Vec::new(),
        gaps,
        findings,
        compliance: Vec::new(),
        diff: None,
        suppressions: None,
    }
}

fn status_rank(status: Status) -> u8 {
    match status {
        Status::Fail => 0,
        Status::Unknown => 1,
        Status::Pass => 2,
    }
}

/// The report as pretty-printed JSON with a trailing newline.
pub fn render_json(report: &Report) -> String {
    // Serialising plain structs with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
