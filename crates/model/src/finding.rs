use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CheckKind;

/// ASFF severity labels, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Unknown,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource a finding is about. `id` is the ARN wherever AWS has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceRef {
    /// ASFF resource type: `AwsEksCluster`, `AwsEc2Instance`, `AwsIamRole`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub region: String,
}

impl ResourceRef {
    pub fn new(kind: impl Into<String>, id: impl Into<String>, region: impl Into<String>) -> Self {
        ResourceRef {
            kind: kind.into(),
            id: id.into(),
            region: region.into(),
        }
    }
}

/// One link in the chain of resources that makes a finding true.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub detail: String,
}

impl Evidence {
    pub fn new(kind: impl Into<String>, id: impl Into<String>, detail: impl Into<String>) -> Self {
        Evidence {
            kind: kind.into(),
            id: id.into(),
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    /// The check's kind: `kind`, and for attack paths `tactic` and `entry`.
    #[serde(flatten)]
    pub kind: CheckKind,
    pub status: Status,
    pub message: String,
    /// The account the resource is in (the scan's account; in reports that
    /// cover several accounts, the one this finding came from).
    #[serde(default)]
    pub account_id: String,
    pub resource: ResourceRef,
    pub evidence: Vec<Evidence>,
    pub remediation: String,
    pub compliance: Vec<String>,
    /// Set when a suppression entry (`--suppressions`, `eksposture.toml`)
    /// matched: the finding stays in the report but no longer counts as
    /// failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// Failing and not suppressed: what exit codes and summaries count.
    pub fn is_failing(&self) -> bool {
        self.status == Status::Fail && self.suppressed.is_none()
    }
}

/// Why a finding is suppressed: the entry that matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// The mandatory reason the entry gives.
    pub reason: String,
    /// The entry's expiry date (`YYYY-MM-DD`), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the entry is: `FILE#N` (N counts entries from 1).
    pub entry: String,
}

/// How one compliance control fares in a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// A check mapped to the control failed.
    Fail,
    /// Nothing failed, but a mapped check could not decide for some resource.
    Unknown,
    /// Every finding of every mapped check passed.
    Pass,
    /// Checks map to the control but found no resource to evaluate.
    NotEvaluated,
    /// No check covers the control: it needs a manual review (or is
    /// Kubernetes-side, outside what AWS APIs show).
    NotCovered,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Fail => "fail",
            ControlStatus::Unknown => "unknown",
            ControlStatus::Pass => "pass",
            ControlStatus::NotEvaluated => "not evaluated",
            ControlStatus::NotCovered => "not covered (manual)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResult {
    pub control: String,
    pub title: String,
    pub status: ControlStatus,
    /// Ids of the checks mapped to the control.
    pub checks: Vec<String>,
    pub fail: u64,
    pub pass: u64,
    pub unknown: u64,
}

/// The per-control view of one framework (`audit --compliance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceView {
    /// Reference prefix, e.g. `CIS-EKS-1.8`.
    pub framework: String,
    pub title: String,
    pub controls: Vec<ControlResult>,
}
