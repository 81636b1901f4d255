//! What the collector read from one AWS account. Plain data: every value that
//! a failed call could leave unread is an [`Observed`]; every `Option` is a
//! field AWS may omit, and a check treats `None` as unknown unless the AWS
//! API documents the omission as meaning "off".
//!
//! Collections are sorted by id (the collector sorts them) and maps are
//! `BTreeMap`, so the serialised inventory is deterministic.

mod ec2;
mod ecr;
mod ecs;
mod eks;
mod iam;
mod inspector;
pub mod kubernetes;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::observed::{Gap, Observed};

pub use ec2::*;
pub use ecr::*;
pub use ecs::*;
pub use eks::*;
pub use iam::*;
pub use inspector::*;
pub use kubernetes::Kubernetes;

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
    /// Whether the scan skipped the clusters' Kubernetes API by the user's
    /// choice (`--no-kubernetes`).
    pub fn kubernetes_skipped(&self) -> bool {
        self.regions
            .values()
            .filter_map(|r| r.clusters.known())
            .flatten()
            .any(|c| c.kubernetes.gap().is_some_and(Gap::is_kubernetes_skipped))
    }

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
