//! The AWS Security Finding Format (ASFF), as far as eksposture fills it.
//!
//! Plain serde structs whose JSON is exactly what Security Hub's
//! `BatchImportFindings` takes: PascalCase keys, optional fields left out when
//! empty. A JSON array of [`AsffFinding`] is valid input for
//! `aws securityhub batch-import-findings --findings file://findings.json`.
//!
//! Enumerated values (severity labels, statuses) are strings so that findings
//! read back from Security Hub round-trip unchanged and a validator can report
//! a bad value instead of failing to parse it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The only ASFF schema version there is.
pub const SCHEMA_VERSION: &str = "2018-10-08";

/// The account's default product for custom findings in a region: where
/// an account's own findings are imported.
pub fn product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// `RecordState` values.
pub const RECORD_ACTIVE: &str = "ACTIVE";
pub const RECORD_ARCHIVED: &str = "ARCHIVED";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    pub generator_id: String,
    pub aws_account_id: String,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_observed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: AsffSeverity,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<AsffRemediation>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<AsffCompliance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<AsffWorkflow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_state: Option<String>,
    /// What Security Hub copies into `Severity` and `Types` unless a user
    /// changed them: the provider's way to update those two fields, which
    /// `BatchImportFindings` otherwise leaves alone on an existing finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_provider_fields: Option<AsffFindingProviderFields>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    /// `INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    pub label: String,
    /// The tool's own severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRemediation {
    pub recommendation: AsffRecommendation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRecommendation {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffCompliance {
    /// `PASSED`, `WARNING`, `FAILED` or `NOT_AVAILABLE`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffWorkflow {
    /// `NEW`, `NOTIFIED`, `RESOLVED` or `SUPPRESSED`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFindingProviderFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<AsffSeverity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    /// An ASFF resource type (`AwsEksCluster`, ...) or `Other`.
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<AsffResourceDetails>,
}

/// `Resources[].Details`: one member per resource type, the one matching
/// `Type` set (or `Other` for custom key-value details).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResourceDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_eks_cluster: Option<AwsEksClusterDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ec2_instance: Option<AwsEc2InstanceDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ec2_security_group: Option<AwsEc2SecurityGroupDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ec2_launch_template: Option<AwsEc2LaunchTemplateDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ec2_volume: Option<AwsEc2VolumeDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_iam_role: Option<AwsIamRoleDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ecr_repository: Option<AwsEcrRepositoryDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ecr_container_image: Option<AwsEcrContainerImageDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_ecs_task_definition: Option<AwsEcsTaskDefinitionDetails>,
    /// Up to 50 custom pairs (key < 128, value < 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<BTreeMap<String, String>>,
}

// ------------------------------------------------------------- EKS

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEksClusterDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_vpc_config: Option<AwsEksClusterResourcesVpcConfigDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<AwsEksClusterLoggingDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEksClusterResourcesVpcConfigDetails {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_public_access: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEksClusterLoggingDetails {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_logging: Vec<AwsEksClusterLoggingClusterLoggingDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEksClusterLoggingClusterLoggingDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

// ------------------------------------------------------------- EC2

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2InstanceDetails {
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_v4_addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_instance_profile_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_options: Option<AwsEc2InstanceMetadataOptions>,
}

/// Shared by `AwsEc2InstanceMetadataOptions` and
/// `AwsEc2LaunchTemplateDataMetadataOptionsDetails`: same members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2InstanceMetadataOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_put_response_hop_limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_tokens: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_permissions: Vec<AwsEc2SecurityGroupIpPermission>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupIpPermission {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<AwsEc2SecurityGroupIpRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<AwsEc2SecurityGroupIpv6Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<AwsEc2SecurityGroupPrefixListId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<AwsEc2SecurityGroupUserIdGroupPair>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupIpRange {
    pub cidr_ip: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupIpv6Range {
    pub cidr_ipv6: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupPrefixListId {
    pub prefix_list_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2SecurityGroupUserIdGroupPair {
    pub group_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2LaunchTemplateDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_template_data: Option<AwsEc2LaunchTemplateDataDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2LaunchTemplateDataDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_instance_profile: Option<AwsEc2LaunchTemplateDataIamInstanceProfileDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_options: Option<AwsEc2InstanceMetadataOptions>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_id_set: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2LaunchTemplateDataIamInstanceProfileDetails {
    pub arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2VolumeDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AwsEc2VolumeAttachment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEc2VolumeAttachment {
    pub instance_id: String,
}

// ------------------------------------------------------------- IAM

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsIamRoleDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The trust policy as compact JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_managed_policies: Vec<AwsIamAttachedManagedPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_policy_list: Vec<AwsIamRolePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<AwsIamPermissionsBoundary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_profile_list: Vec<AwsIamInstanceProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsIamAttachedManagedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsIamRolePolicy {
    pub policy_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsIamPermissionsBoundary {
    pub permissions_boundary_arn: String,
    /// Always `Policy` for a role.
    pub permissions_boundary_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsIamInstanceProfile {
    pub arn: String,
}

// ------------------------------------------------------------- ECR

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcrRepositoryDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_scanning_configuration: Option<AwsEcrRepositoryImageScanningConfigurationDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_policy_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_policy: Option<AwsEcrRepositoryLifecyclePolicyDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcrRepositoryImageScanningConfigurationDetails {
    pub scan_on_push: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcrRepositoryLifecyclePolicyDetails {
    pub lifecycle_policy_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcrContainerImageDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_published_at: Option<String>,
}

// ------------------------------------------------------------- ECS

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcsTaskDefinitionDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_compatibilities: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_definitions: Vec<AwsEcsTaskDefinitionContainerDefinitionsDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEcsTaskDefinitionContainerDefinitionsDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}
