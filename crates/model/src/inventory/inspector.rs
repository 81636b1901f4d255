//! Amazon Inspector2: account status, coverage and finding counts.

use serde::{Deserialize, Serialize};

use crate::observed::Observed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inspector {
    /// `BatchGetAccountStatus` for the scanned account.
    pub account_status: Observed<InspectorStatus>,
    /// `ListCoverage`.
    pub coverage: Observed<Vec<CoveredResource>>,
    /// `ListFindings` (active CRITICAL and HIGH), counted per resource.
    pub finding_counts: Observed<Vec<InspectorFindingCount>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InspectorStatus {
    /// Account-level state: `ENABLED`, `DISABLED`, ...
    pub state: Option<String>,
    pub ec2: Option<String>,
    pub ecr: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoveredResource {
    /// Instance id, or the image's ARN/digest id as Inspector reports it.
    pub resource_id: String,
    /// `AWS_EC2_INSTANCE`, `AWS_ECR_CONTAINER_IMAGE`, `AWS_ECR_REPOSITORY`, ...
    pub resource_type: String,
    /// `ACTIVE` when Inspector is scanning it.
    pub scan_status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InspectorFindingCount {
    pub resource_id: String,
    pub resource_type: String,
    pub critical: u32,
    pub high: u32,
}
