use eksposture_model::{Evidence, Finding, Gap, ResourceRef, Status};

use crate::CheckMeta;

/// Collects one check's findings, filling in its metadata.
pub struct Findings {
    meta: &'static CheckMeta,
    out: Vec<Finding>,
}

impl Findings {
    pub fn new(meta: &'static CheckMeta) -> Self {
        Findings {
            meta,
            out: Vec::new(),
        }
    }

    pub fn emit(
        &mut self,
        status: Status,
        resource: ResourceRef,
        message: impl Into<String>,
        evidence: Vec<Evidence>,
    ) {
        self.out.push(Finding {
            check_id: self.meta.id.to_string(),
            title: self.meta.title.to_string(),
            severity: self.meta.severity,
            kind: self.meta.kind,
            status,
            message: message.into(),
            account_id: String::new(),
            resource,
            evidence,
            remediation: self.meta.remediation.to_string(),
            compliance: self
                .meta
                .compliance
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            suppressed: None,
        });
    }

    pub fn pass(
        &mut self,
        resource: ResourceRef,
        message: impl Into<String>,
        evidence: Vec<Evidence>,
    ) {
        self.emit(Status::Pass, resource, message, evidence);
    }

    pub fn fail(
        &mut self,
        resource: ResourceRef,
        message: impl Into<String>,
        evidence: Vec<Evidence>,
    ) {
        self.emit(Status::Fail, resource, message, evidence);
    }

    /// An unknown finding explained by the gap that left `what` unread.
    pub fn unknown(
        &mut self,
        resource: ResourceRef,
        what: &str,
        gap: &Gap,
        mut evidence: Vec<Evidence>,
    ) {
        evidence.push(gap_evidence(gap));
        self.emit(
            Status::Unknown,
            resource,
            format!(
                "{what} could not be read ({}: {})",
                gap.reason.as_str(),
                gap.operation
            ),
            evidence,
        );
    }

    /// An unknown finding for a value AWS did not return.
    pub fn unknown_because(
        &mut self,
        resource: ResourceRef,
        message: impl Into<String>,
        evidence: Vec<Evidence>,
    ) {
        self.emit(Status::Unknown, resource, message, evidence);
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.out
    }

    pub fn as_slice(&self) -> &[Finding] {
        &self.out
    }
}

/// Evidence naming the failed read.
pub fn gap_evidence(gap: &Gap) -> Evidence {
    Evidence::new(
        "Gap",
        format!("{}:{}:{}", gap.service, gap.region, gap.operation),
        format!("{}: {}", gap.reason.as_str(), gap.message),
    )
}
