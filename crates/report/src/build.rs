//! Assembling a report from one evaluation, and writing it as JSON.

use eksposture_model::{Finding, Gap, Inventory, ScanInfo, Status, SCHEMA_VERSION};

use crate::contract::{Report, Summary, Tool, TOOL_NAME};

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

pub(crate) fn assemble(
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
