//! ECR: repositories, their images and the registry scanning configuration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::observed::Observed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Repository {
    pub name: String,
    pub arn: String,
    pub uri: Option<String>,
    pub registry_id: Option<String>,
    pub scan_on_push: Option<bool>,
    /// `MUTABLE`, `IMMUTABLE`, `IMMUTABLE_WITH_EXCLUSION`, `MUTABLE_WITH_EXCLUSION`.
    pub tag_mutability: Option<String>,
    /// `imageTagMutabilityExclusionFilters`: the tags excepted from
    /// `tag_mutability` (the `*_WITH_EXCLUSION` settings). `None`: the
    /// response carried none.
    pub tag_mutability_exclusion_filters: Option<Vec<TagExclusionFilter>>,
    /// `AES256`, `KMS`, `KMS_DSSE`.
    pub encryption_type: Option<String>,
    pub kms_key: Option<String>,
    /// `DescribeKey`'s `KeyManager` of `kms_key`: `AWS` (the AWS managed
    /// `aws/ecr` key) or `CUSTOMER`. `None`: not read (no key ARN, or an
    /// inventory without it).
    pub kms_key_manager: Option<Observed<String>>,
    /// The scanning AWS applies to the repository
    /// (`BatchGetRepositoryScanningConfiguration`).
    pub scanning: Observed<RepositoryScanning>,
    /// `Known(None)`: no repository policy is set.
    pub policy: Observed<Option<Value>>,
    /// `Known(None)`: no lifecycle policy is set.
    pub lifecycle_policy: Observed<Option<String>>,
    pub images: Observed<Vec<Image>>,
}

/// One `imageTagMutabilityExclusionFilters` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TagExclusionFilter {
    /// `WILDCARD` (the only type ECR defines).
    pub filter_type: String,
    /// A tag pattern: `[0-9a-zA-Z._-]` and `*` for any characters.
    pub filter: String,
}

/// A repository's effective scanning configuration, as ECR resolves the
/// registry rules (and, under basic scanning, the repository's own flag).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepositoryScanning {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: Option<String>,
    /// The registry rule filters that apply to the repository.
    pub applied_filters: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at: Option<String>,
    pub size_bytes: Option<i64>,
    /// `Known(None)`: ECR confirms the image was never scanned.
    pub scan: Observed<Option<ImageScan>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageScan {
    /// `COMPLETE`, `IN_PROGRESS`, `FAILED`, `ACTIVE`, `UNSUPPORTED_IMAGE`, ...
    pub status: String,
    pub description: Option<String>,
    pub completed_at: Option<String>,
    /// When the vulnerability data the findings were matched against was
    /// last updated (`vulnerabilitySourceUpdatedAt`).
    pub vulnerability_source_updated_at: Option<String>,
    /// Severity (`CRITICAL`, `HIGH`, ...) to count.
    pub finding_counts: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistryScanning {
    /// `BASIC` or `ENHANCED`.
    pub scan_type: String,
    pub rules: Vec<ScanningRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanningRule {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: String,
    /// Repository-name filters with `*` wildcards (`WILDCARD` filter type).
    pub repository_filters: Vec<String>,
}
