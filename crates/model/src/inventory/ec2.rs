//! EC2: instances, launch-template versions, the network around them
//! (VPCs, subnets, route tables, security groups), volumes and
//! instance-profile associations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{SecretHint, Tags};
use crate::observed::Observed;

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
    /// The `Description` of each CIDR source (of `ipv4_ranges` and
    /// `ipv6_ranges`) that has one, keyed by the CIDR. EC2 keeps one
    /// description per source, not per rule, and canonicalises CIDRs, so a
    /// CIDR appears once per rule. Load balancer controllers mark the rules
    /// they manage this way (`kubernetes.io/rule/nlb/client=<lb name>`,
    /// `elbv2.k8s.aws/targetGroupBinding=shared`).
    pub range_descriptions: BTreeMap<String, String>,
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
