//! What the collector read from one AWS account. Plain data: every value that
//! a failed call could leave unread is an [`Observed`]; every `Option` is a
//! field AWS may omit, and a check treats `None` as unknown unless the AWS
//! API documents the omission as meaning "off".
//!
//! Collections are sorted by id (the collector sorts them) and maps are
//! `BTreeMap`, so the serialised inventory is deterministic.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::observed::{Gap, Observed};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub schema_version: String,
    pub scan: ScanInfo,
    /// Every read that failed, once each, in a stable order.
    #[serde(default)]
    pub gaps: Vec<Gap>,
    #[serde(default)]
    pub iam: Iam,
    /// Regional data keyed by region name.
    #[serde(default)]
    pub regions: BTreeMap<String, RegionInventory>,
}

/// The resource types whose tags the collector reads (their `tags` fields
/// below). Findings on other resources have no known tags.
pub const TAGGED_RESOURCE_TYPES: [&str; 4] = [
    "AwsEksCluster",
    "AwsEksNodegroup",
    "AwsEc2Instance",
    "AwsIamRole",
];

impl Inventory {
    /// The tags of every resource that has them, by the id its findings use
    /// (the ARN). A resource whose description could not be read (cluster or
    /// nodegroup config unknown) is absent: its tags are unknown, not empty.
    pub fn tags_by_resource(&self) -> HashMap<&str, &Tags> {
        let mut index = HashMap::new();
        for role in self.iam.roles.known().into_iter().flatten() {
            index.insert(role.arn.as_str(), &role.tags);
        }
        for region in self.regions.values() {
            for cluster in region.clusters.known().into_iter().flatten() {
                if let Some(config) = cluster.config.known() {
                    index.insert(cluster.arn.as_str(), &config.tags);
                }
                for nodegroup in cluster.nodegroups.known().into_iter().flatten() {
                    if let Some(config) = nodegroup.config.known() {
                        index.insert(config.arn.as_str(), &config.tags);
                    }
                }
            }
            for instance in region.instances.known().into_iter().flatten() {
                index.insert(instance.arn.as_str(), &instance.tags);
            }
        }
        index.remove("");
        index
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanInfo {
    pub account_id: String,
    pub partition: String,
    pub regions: Vec<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionInventory {
    pub clusters: Observed<Vec<Cluster>>,
    pub instances: Observed<Vec<Instance>>,
    /// The launch-template versions that nodegroups use, one entry per
    /// (template, version) asked for.
    pub launch_template_versions: Vec<LaunchTemplateVersion>,
    pub security_groups: Observed<Vec<SecurityGroup>>,
    pub subnets: Observed<Vec<Subnet>>,
    pub route_tables: Observed<Vec<RouteTable>>,
    pub volumes: Observed<Vec<Volume>>,
    pub repositories: Observed<Vec<Repository>>,
    pub registry_scanning: Observed<RegistryScanning>,
    pub inspector: Inspector,
    /// `DescribeClusterVersions`: which Kubernetes versions are in support.
    pub cluster_versions: Observed<Vec<ClusterVersionInfo>>,
    pub vpcs: Observed<Vec<Vpc>>,
    /// Every instance-profile association in the region (nodes and
    /// non-EKS instances alike), to see who else uses a node role.
    pub instance_profile_associations: Observed<Vec<ProfileAssociation>>,
    /// ECS task definitions used by services in the region.
    pub ecs_task_definitions: Observed<Vec<TaskDefinition>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Vpc {
    pub vpc_id: String,
    pub arn: String,
    pub is_default: Option<bool>,
    pub cidr_block: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileAssociation {
    pub instance_id: String,
    pub instance_arn: String,
    pub instance_profile_arn: String,
    pub state: Option<String>,
}

/// A hint that a text holds a credential. Only the kind and where it was
/// seen are kept, never the value: inventories are written to disk.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretHint {
    /// e.g. `aws-access-key-id`, `private-key`, `password-assignment`.
    pub kind: String,
    /// e.g. `line 12` or the environment variable's name.
    pub location: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDefinition {
    pub arn: String,
    /// ECS services (ARNs) that run this task definition.
    pub used_by: Vec<String>,
    /// `DescribeTaskDefinition`.
    pub detail: Observed<TaskDefinitionDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDefinitionDetail {
    pub family: String,
    pub revision: Option<i32>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub network_mode: Option<String>,
    pub requires_compatibilities: Vec<String>,
    pub containers: Vec<ContainerDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: Option<String>,
    /// ECS omits these when unset; unset means `false` per the ECS API.
    pub privileged: Option<bool>,
    pub readonly_root_filesystem: Option<bool>,
    /// `None`: the image's default user (often root).
    pub user: Option<String>,
    /// Names of plain `environment` variables (values are not kept).
    pub environment_names: Vec<String>,
    /// Plain environment variables that look like credentials.
    pub environment_secret_hints: Vec<SecretHint>,
    /// Names of `secrets` entries (Secrets Manager / SSM references: the right way).
    pub secret_refs: Vec<String>,
}

// ---------------------------------------------------------------- EKS

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
}

// ---------------------------------------------------------------- EC2

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Instance {
    pub instance_id: String,
    pub arn: String,
    pub state: Option<String>,
    pub instance_type: Option<String>,
    pub image_id: Option<String>,
    pub metadata_options: Option<MetadataOptions>,
    pub public_ip_address: Option<String>,
    pub private_ip_address: Option<String>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub iam_instance_profile_arn: Option<String>,
    pub volume_ids: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: Option<String>,
    pub http_put_response_hop_limit: Option<i32>,
    /// `enabled` or `disabled`.
    pub http_endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchTemplateVersion {
    pub template_id: Option<String>,
    pub template_name: Option<String>,
    /// The version as the nodegroup asked for it (`None`: the default version).
    pub requested_version: Option<String>,
    #[serde(default)]
    pub data: Observed<LaunchTemplateData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaunchTemplateData {
    pub template_id: String,
    pub template_name: Option<String>,
    pub arn: String,
    pub version_number: Option<i64>,
    pub default_version: Option<bool>,
    /// `None` when the version sets no metadata options: instances then get
    /// the AMI's or the account's defaults.
    pub metadata_options: Option<MetadataOptions>,
    /// Any network interface with `AssociatePublicIpAddress: true`.
    pub associate_public_ip: Option<bool>,
    pub security_group_ids: Vec<String>,
    pub iam_instance_profile_arn: Option<String>,
    pub key_name: Option<String>,
    pub image_id: Option<String>,
    /// Credentials spotted in the version's user data; `None` when it has no
    /// user data. The user data itself is not kept. A hint of kind
    /// `unreadable` marks user data (or a MIME part of it) that could not be
    /// scanned: gzip-compressed, binary, or base64 that does not decode. Its
    /// location says which (`gzip-compressed`, `MIME part 2, binary data`);
    /// with no other hint the user data is unknown, not clean.
    pub user_data_secret_hints: Option<Vec<SecretHint>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub arn: String,
    pub group_name: Option<String>,
    pub vpc_id: Option<String>,
    pub ingress: Vec<SgRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SgRule {
    /// `tcp`, `udp`, `icmp`, a protocol number, or `-1` for all.
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub ipv4_ranges: Vec<String>,
    pub ipv6_ranges: Vec<String>,
    pub prefix_list_ids: Vec<String>,
    pub referenced_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subnet {
    pub subnet_id: String,
    pub arn: String,
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub availability_zone: Option<String>,
    pub map_public_ip_on_launch: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: Option<String>,
    /// The VPC's main route table (used by subnets without an explicit association).
    pub main: bool,
    pub subnet_ids: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
    pub destination_cidr: Option<String>,
    pub destination_ipv6_cidr: Option<String>,
    pub gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Volume {
    pub volume_id: String,
    pub arn: String,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
    pub attached_instance_ids: Vec<String>,
}

// ---------------------------------------------------------------- IAM

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Iam {
    /// `GetAccountAuthorizationDetails` (roles).
    pub roles: Observed<Vec<Role>>,
    /// From the same call.
    pub instance_profiles: Observed<Vec<InstanceProfile>>,
    /// Every managed policy attached to a collected role, customer or AWS managed.
    pub managed_policies: Vec<ManagedPolicy>,
    /// `ListOpenIDConnectProviders`.
    pub oidc_providers: Observed<Vec<OidcProvider>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub role_name: String,
    pub arn: String,
    pub path: Option<String>,
    /// The decoded trust policy (IAM returns it URL-encoded or as plain JSON).
    pub trust_policy: Observed<Value>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policy_arns: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    pub instance_profile_arns: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InlinePolicy {
    pub name: String,
    pub document: Observed<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub default_version_id: Option<String>,
    /// The default version's document.
    pub document: Observed<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceProfile {
    pub name: String,
    pub arn: String,
    pub role_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcProvider {
    pub arn: String,
    /// Issuer host and path without `https://`, as IAM stores it.
    pub url: String,
}

// ---------------------------------------------------------------- ECR

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
    /// `AES256`, `KMS`, `KMS_DSSE`.
    pub encryption_type: Option<String>,
    pub kms_key: Option<String>,
    /// `Known(None)`: no repository policy is set.
    pub policy: Observed<Option<Value>>,
    /// `Known(None)`: no lifecycle policy is set.
    pub lifecycle_policy: Observed<Option<String>>,
    pub images: Observed<Vec<Image>>,
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

// ---------------------------------------------------------------- Inspector2

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

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(k: &str, v: &str) -> Tags {
        BTreeMap::from([(k.to_string(), v.to_string())])
    }

    #[test]
    fn tags_by_resource_covers_every_tagged_type_and_skips_unknown_configs() {
        let cluster = |name: &str, config: Observed<ClusterConfig>| Cluster {
            name: name.into(),
            arn: format!("arn:aws:eks:us-east-1:1:cluster/{name}"),
            config,
            nodegroups: Observed::Known(vec![Nodegroup {
                name: "ng".into(),
                config: Observed::Known(NodegroupConfig {
                    arn: format!("arn:aws:eks:us-east-1:1:nodegroup/{name}/ng/x"),
                    tags: tags("ng", name),
                    ..NodegroupConfig::default()
                }),
            }]),
            ..Cluster::default()
        };
        let region = RegionInventory {
            clusters: Observed::Known(vec![
                cluster(
                    "prod",
                    Observed::Known(ClusterConfig {
                        tags: tags("team", "web"),
                        ..ClusterConfig::default()
                    }),
                ),
                cluster("dark", Observed::Unknown(Gap::absent())),
            ]),
            instances: Observed::Known(vec![Instance {
                arn: "arn:aws:ec2:us-east-1:1:instance/i-1".into(),
                tags: tags("Name", "node"),
                ..Instance::default()
            }]),
            ..RegionInventory::default()
        };
        let inventory = Inventory {
            schema_version: "1".into(),
            scan: ScanInfo::default(),
            gaps: vec![],
            iam: Iam {
                roles: Observed::Known(vec![Role {
                    arn: "arn:aws:iam::1:role/r".into(),
                    tags: Tags::new(),
                    ..Role::default()
                }]),
                ..Iam::default()
            },
            regions: BTreeMap::from([("us-east-1".to_string(), region)]),
        };
        let index = inventory.tags_by_resource();
        let get = |id: &str| index.get(id).map(|t| t.len());
        assert_eq!(
            index["arn:aws:eks:us-east-1:1:cluster/prod"],
            &tags("team", "web")
        );
        assert_eq!(get("arn:aws:eks:us-east-1:1:cluster/dark"), None);
        assert_eq!(get("arn:aws:eks:us-east-1:1:nodegroup/prod/ng/x"), Some(1));
        assert_eq!(get("arn:aws:eks:us-east-1:1:nodegroup/dark/ng/x"), Some(1));
        assert_eq!(get("arn:aws:ec2:us-east-1:1:instance/i-1"), Some(1));
        // Known and empty is not the same as unknown.
        assert_eq!(get("arn:aws:iam::1:role/r"), Some(0));
        assert_eq!(index.len(), 5);
    }
}
