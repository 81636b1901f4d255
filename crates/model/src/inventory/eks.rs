//! EKS: clusters and what `Describe*` and `List*` return about them,
//! with the control-plane log group and the secrets-encryption key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tags;
use crate::observed::Observed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    /// `DescribeCluster`.
    #[serde(default)]
    pub config: Observed<ClusterConfig>,
    #[serde(default)]
    pub nodegroups: Observed<Vec<Nodegroup>>,
    #[serde(default)]
    pub fargate_profiles: Observed<Vec<FargateProfile>>,
    #[serde(default)]
    pub access_entries: Observed<Vec<AccessEntry>>,
    #[serde(default)]
    pub addons: Observed<Vec<Addon>>,
    #[serde(default)]
    pub pod_identity_associations: Observed<Vec<PodIdentityAssociation>>,
    /// The control-plane log group `/aws/eks/<name>/cluster`; `Known(None)`
    /// when it does not exist.
    #[serde(default)]
    pub log_group: Observed<Option<LogGroup>>,
    /// The KMS key that encrypts secrets; `None` when no key is configured.
    #[serde(default)]
    pub secrets_key: Option<Observed<KmsKey>>,
    /// The cluster's own Kubernetes API. `Unknown` when nothing of it could
    /// be read (endpoint unreachable, credentials refused, every kind
    /// denied) or it was not read; each kind can still be a gap of its own.
    #[serde(default)]
    pub kubernetes: Observed<super::Kubernetes>,
    /// What the `kube-system/aws-auth` ConfigMap grants. `Known` and empty
    /// when the authentication mode is `API`, where EKS ignores the
    /// ConfigMap; otherwise (`CONFIG_MAP`, `API_AND_CONFIG_MAP`, or a mode
    /// DescribeCluster did not return) only the Kubernetes API shows it,
    /// and until that is read it is `Unknown` with a `kubernetes`/`aws-auth`
    /// gap of reason `not_read`. Missing from an inventory: unknown, never
    /// an empty ConfigMap.
    #[serde(default)]
    pub aws_auth: Observed<AwsAuth>,
}

/// The `mapRoles`, `mapUsers` and `mapAccounts` of the `kube-system/aws-auth`
/// ConfigMap (Amazon EKS User Guide, "Grant IAM users and roles access to
/// Kubernetes APIs" / aws-auth): which IAM principals authenticate to the
/// cluster, and as which Kubernetes user and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsAuth {
    pub map_roles: Vec<AwsAuthRole>,
    pub map_users: Vec<AwsAuthUser>,
    /// Account ids whose every IAM user and role authenticates, each under
    /// its own ARN as username and with no group.
    pub map_accounts: Vec<String>,
}

/// One `mapRoles` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsAuthRole {
    pub rolearn: String,
    pub username: Option<String>,
    /// Kubernetes groups, e.g. `system:masters`, `system:nodes`.
    pub groups: Vec<String>,
}

/// One `mapUsers` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AwsAuthUser {
    pub userarn: String,
    pub username: Option<String>,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogGroup {
    pub name: String,
    pub arn: Option<String>,
    /// `None`: logs never expire.
    pub retention_days: Option<i32>,
    pub kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmsKey {
    pub arn: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ...
    pub key_state: Option<String>,
    pub enabled: Option<bool>,
    /// `AWS` or `CUSTOMER`.
    pub key_manager: Option<String>,
    /// `GetKeyRotationStatus`.
    pub rotation_enabled: Observed<bool>,
}

/// One Kubernetes version as `DescribeClusterVersions` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterVersionInfo {
    pub version: String,
    /// `STANDARD_SUPPORT`, `EXTENDED_SUPPORT`, `UNSUPPORTED`.
    pub status: Option<String>,
    /// RFC 3339.
    pub end_of_standard_support: Option<String>,
    pub end_of_extended_support: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterConfig {
    pub version: Option<String>,
    pub platform_version: Option<String>,
    pub status: Option<String>,
    pub role_arn: Option<String>,
    pub created_at: Option<String>,
    pub endpoint_public_access: Option<bool>,
    pub endpoint_private_access: Option<bool>,
    /// EKS omits this when the public endpoint is off.
    pub public_access_cidrs: Option<Vec<String>>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub cluster_security_group_id: Option<String>,
    pub vpc_id: Option<String>,
    /// The Kubernetes API server's URL.
    pub endpoint: Option<String>,
    /// `certificateAuthority.data`: base64 of the PEM bundle that signs the
    /// API server's certificate (public data).
    pub certificate_authority: Option<String>,
    /// EKS omits `encryptionConfig` when secrets encryption is off (moto
    /// returns `[]`): both read as an empty list.
    pub encryption_config: Vec<EncryptionConfig>,
    /// Control-plane log types that are enabled; `None` when DescribeCluster
    /// returned no `logging` block.
    pub enabled_log_types: Option<Vec<String>>,
    /// `identity.oidc.issuer`, e.g. `https://oidc.eks.<region>.amazonaws.com/id/<ID>`.
    pub oidc_issuer: Option<String>,
    /// `accessConfig.authenticationMode`: `API`, `API_AND_CONFIG_MAP`, `CONFIG_MAP`.
    pub authentication_mode: Option<String>,
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
    /// Not returned by older API versions or by moto: `None` is unknown.
    pub deletion_protection: Option<bool>,
    /// `upgradePolicy.supportType`: `STANDARD` or `EXTENDED`.
    pub support_type: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncryptionConfig {
    pub resources: Vec<String>,
    pub key_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nodegroup {
    pub name: String,
    /// `DescribeNodegroup`.
    #[serde(default)]
    pub config: Observed<NodegroupConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodegroupConfig {
    pub arn: String,
    pub status: Option<String>,
    pub node_role: Option<String>,
    pub subnets: Vec<String>,
    pub instance_types: Vec<String>,
    pub ami_type: Option<String>,
    pub capacity_type: Option<String>,
    pub launch_template: Option<LaunchTemplateRef>,
    pub remote_access: Option<RemoteAccess>,
    /// `resources.autoScalingGroups[].name`.
    pub autoscaling_groups: Vec<String>,
    pub remote_access_security_group: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaunchTemplateRef {
    pub id: Option<String>,
    pub name: Option<String>,
    /// As the nodegroup names it: a version number, or absent for the
    /// template's default version.
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteAccess {
    pub ec2_ssh_key: Option<String>,
    pub source_security_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FargateProfile {
    pub name: String,
    pub arn: Option<String>,
    pub pod_execution_role_arn: Option<String>,
    pub subnets: Vec<String>,
    pub selectors: Vec<FargateSelector>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FargateSelector {
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    pub principal_arn: String,
    /// `DescribeAccessEntry`.
    #[serde(default)]
    pub detail: Observed<AccessEntryDetail>,
    /// `ListAssociatedAccessPolicies`.
    #[serde(default)]
    pub access_policies: Observed<Vec<AssociatedAccessPolicy>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessEntryDetail {
    pub arn: Option<String>,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, ...
    pub kind: Option<String>,
    pub username: Option<String>,
    pub kubernetes_groups: Vec<String>,
    /// RFC 3339: when the entry was created.
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssociatedAccessPolicy {
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    pub scope_type: Option<String>,
    pub namespaces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addon {
    pub name: String,
    /// `DescribeAddon`.
    #[serde(default)]
    pub detail: Observed<AddonDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddonDetail {
    pub arn: Option<String>,
    pub version: Option<String>,
    pub status: Option<String>,
    pub service_account_role_arn: Option<String>,
    /// The add-on's configuration values (JSON or YAML text) as set by the user.
    pub configuration_values: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodIdentityAssociation {
    pub association_id: String,
    pub association_arn: Option<String>,
    pub namespace: String,
    pub service_account: String,
    /// Only `DescribePodIdentityAssociation` returns the role.
    #[serde(default)]
    pub role_arn: Observed<String>,
    /// `targetRoleArn` of `DescribePodIdentityAssociation`: the role that
    /// `role_arn` then assumes (cross-account role chaining), whose
    /// credentials are the ones pods get; `Known(None)` without one.
    /// Inventories from before it was collected read as unknown.
    #[serde(default)]
    pub target_role_arn: Observed<Option<String>>,
    /// `externalId` of the same answer: the `sts:ExternalId` EKS passes when
    /// it assumes the target role, for its trust policy to pin.
    #[serde(default)]
    pub external_id: Option<String>,
}
