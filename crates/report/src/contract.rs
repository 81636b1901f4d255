//! The report contract (DESIGN.md "Report contract"): every type that is
//! written into the JSON report and read back from it, with what can be
//! told from the types alone. The modules that build, compare, suppress and
//! render reports depend on this one; it depends on none of them.

use std::collections::BTreeMap;

use eksposture_model::{
    ComplianceView, Finding, Gap, ResourceRef, ScanInfo, Severity, Status, Suppression,
};
use serde::{Deserialize, Serialize};

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
    /// Checks not run because of an option the user chose (`--no-kubernetes`),
    /// with that option; absent when none were skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// A check the user's options left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub check: String,
    /// The option, e.g. `--no-kubernetes`.
    pub by: String,
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

    /// Whether the report covers several accounts.
    pub fn is_multi_account(&self) -> bool {
        !self.accounts.is_empty()
    }

    /// Recounts each account's summary from the findings (after
    /// suppressions changed them).
    pub fn refresh_account_summaries(&mut self) {
        for entry in &mut self.accounts {
            let mine: Vec<Finding> = self
                .findings
                .iter()
                .filter(|f| f.account_id == entry.account_id)
                .cloned()
                .collect();
            entry.summary = Summary::of(&mine);
        }
    }
}

/// One account of a multi-account report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub account_id: String,
    pub status: AccountStatus,
    /// The regions scanned in the account (none when it failed).
    pub regions: Vec<String>,
    /// The account's findings alone, counted as the report's summary is.
    pub summary: Summary,
    /// Reads that failed in the account (for a failed account, the one that
    /// kept it from being scanned).
    pub gaps: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Read, possibly with gaps.
    Scanned,
    /// Could not be reached (the role could not be assumed) or identified:
    /// nothing in it was evaluated.
    Failed,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSide {
    /// The report file, when the caller names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub tool_version: String,
    pub started_at: String,
    pub finished_at: String,
    pub regions: Vec<String>,
    /// Reads that failed in that scan.
    pub gaps: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffCounts {
    pub new: u64,
    pub resolved: u64,
    pub gone: u64,
    pub now_unknown: u64,
    pub now_suppressed: u64,
    pub unchanged: u64,
}

/// How a (check, resource) stood in one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Failing and not suppressed.
    Fail,
    /// Failing, but a suppression entry matched.
    Suppressed,
    Unknown,
    Pass,
    /// The report has no finding for it.
    Absent,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Fail => "fail",
            State::Suppressed => "suppressed",
            State::Unknown => "unknown",
            State::Pass => "pass",
            State::Absent => "absent",
        }
    }

    pub(crate) fn of(f: &Finding) -> State {
        match f.status {
            Status::Fail if f.suppressed.is_some() => State::Suppressed,
            Status::Fail => State::Fail,
            Status::Unknown => State::Unknown,
            Status::Pass => State::Pass,
        }
    }

    /// Which finding speaks for a key that has several: the most alarming.
    pub(crate) fn rank(self) -> u8 {
        match self {
            State::Fail => 0,
            State::Unknown => 1,
            State::Suppressed => 2,
            State::Pass => 3,
            State::Absent => 4,
        }
    }
}

/// Why one report has no finding for a (check, resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Absence {
    /// That scan did not cover the resource's region.
    RegionNotScanned,
    /// That report has no finding of the check at all: it was not run (or
    /// did not exist), or had nothing to evaluate.
    CheckNotReported,
    /// The check ran but did not report the resource: it did not exist, or
    /// was not in the check's scope.
    ResourceNotReported,
}

impl Absence {
    pub fn as_str(self) -> &'static str {
        match self {
            Absence::RegionNotScanned => "region_not_scanned",
            Absence::CheckNotReported => "check_not_reported",
            Absence::ResourceNotReported => "resource_not_reported",
        }
    }

    pub(crate) fn describe(self, when: &str) -> String {
        match self {
            Absence::RegionNotScanned => format!("region not scanned {when}"),
            Absence::CheckNotReported => {
                format!("check not reported {when} (not run, or nothing to evaluate)")
            }
            Absence::ResourceNotReported => {
                format!("resource not reported {when} (deleted, or out of the check's scope)")
            }
        }
    }
}

/// One (check, resource) whose failing state changed, or did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub check_id: String,
    pub severity: Severity,
    pub resource: ResourceRef,
    pub before: State,
    pub after: State,
    /// Why the side that is `absent` has no finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent_because: Option<Absence>,
    /// The failure's message (the current one for new and unchanged
    /// failures, the old one for resolved, gone and suppressed ones); for
    /// `now_unknown`, why it could not be evaluated now.
    pub message: String,
    /// The suppression entry when one side is `suppressed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
}

/// The `diff` section of a report audited with `--baseline`: this report
/// against the baseline report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineDiff {
    pub baseline: ScanSide,
    pub counts: DiffCounts,
    pub new: Vec<Change>,
    pub now_unknown: Vec<Change>,
    pub gone: Vec<Change>,
    pub now_suppressed: Vec<Change>,
    pub resolved: Vec<Change>,
}

impl BaselineDiff {
    /// Whether a new failure is at `threshold` or a more severe level.
    pub fn new_at_or_above(&self, threshold: Severity) -> bool {
        self.new.iter().any(|c| c.severity >= threshold)
    }

    /// How `f`, a finding of the audited report, changed since the
    /// baseline: `new`, `unchanged` (failing in both), `resolved`,
    /// `now_unknown`, `now_suppressed`; `None` when it neither fails now nor
    /// failed before.
    pub fn change_of(&self, f: &Finding) -> Option<&'static str> {
        let listed = |list: &[Change]| {
            list.iter()
                .any(|c| c.check_id == f.check_id && c.resource.id == f.resource.id)
        };
        match State::of(f) {
            State::Fail if listed(&self.new) => Some("new"),
            State::Fail => Some("unchanged"),
            State::Pass if listed(&self.resolved) => Some("resolved"),
            State::Unknown if listed(&self.now_unknown) => Some("now_unknown"),
            State::Suppressed if listed(&self.now_suppressed) => Some("now_suppressed"),
            _ => None,
        }
    }
}

/// `1 new, 2 resolved, ...`: the counts in one line.
pub(crate) fn counts_line(c: &DiffCounts) -> String {
    format!(
        "{} new, {} resolved, {} gone, {} unknown now, {} suppressed now, {} unchanged",
        c.new, c.resolved, c.gone, c.now_unknown, c.now_suppressed, c.unchanged
    )
}

/// The `suppressions` section of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionSummary {
    /// The suppression file as the user named it.
    pub file: String,
    /// Number of entries in the file.
    pub entries: u64,
    /// The entries that suppressed at least one finding, in file order.
    #[serde(default)]
    pub matched: Vec<EntryMatches>,
    /// Entries past their expiry date: they suppressed nothing.
    #[serde(default)]
    pub expired: Vec<EntryInfo>,
    /// Live entries that matched no finding.
    #[serde(default)]
    pub unmatched: Vec<EntryInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMatches {
    /// `FILE#N`.
    pub entry: String,
    pub check: String,
    /// Findings the entry marked, any status.
    pub findings: u64,
    /// Of those, the failing ones: removed from the failing counts.
    pub failing: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryInfo {
    /// `FILE#N`.
    pub entry: String,
    pub check: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Why an unmatched entry matched nothing, when that can be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SuppressionSummary {
    /// One line per expired or unmatched entry, for stderr and the table.
    pub fn warnings(&self) -> Vec<String> {
        let expired = self.expired.iter().map(|e| {
            format!(
                "suppression {} ({}) expired on {} and no longer applies: renew or remove it",
                e.entry,
                e.describe(),
                e.expires.as_deref().unwrap_or("-"),
            )
        });
        let unmatched = self.unmatched.iter().map(|e| {
            let mut line = format!(
                "suppression {} ({}) matched no finding",
                e.entry,
                e.describe()
            );
            if let Some(note) = &e.note {
                line.push_str(": ");
                line.push_str(note);
            }
            line
        });
        expired.chain(unmatched).collect()
    }
}

impl EntryInfo {
    /// `check X, resource Y, tags k=v`.
    fn describe(&self) -> String {
        let mut s = format!("check {}", self.check);
        if let Some(r) = &self.resource {
            s.push_str(", resource ");
            s.push_str(r);
        }
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(", tags ");
            s.push_str(&tags.join(" "));
        }
        s
    }
}
