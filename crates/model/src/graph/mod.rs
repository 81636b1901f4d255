//! Typed relations over an [`Inventory`]: cluster -> nodegroups -> launch
//! template version in use -> instances -> security groups, subnets and
//! routes, instance profile -> role -> policies; cluster -> OIDC provider ->
//! IRSA roles; repository -> images.
//!
//! Checks reach the inventory only through the graph (its field is
//! private): the relations and reverse indexes they share are computed
//! here, the costly ones once in [`Graph::new`], in one file per topic
//! (`eks`, `ec2`, `iam`, `ecr`, and `role_use` for who else uses a role).
//!
//! Lookups distinguish "found", "the list was read and it is not there" and
//! "the list could not be read", so a check never turns a failed read into a
//! pass.

mod ec2;
mod ecr;
mod eks;
mod iam;
mod role_use;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::inventory::{
    Cluster, Instance, Inventory, ManagedPolicy, Nodegroup, NodegroupConfig, RegionInventory,
    Repository, Role,
};
use crate::observed::{Gap, Observed};

pub use ec2::{SecurityGroupUser, SecurityGroupUsers};
pub use eks::LaunchTemplateUse;
pub use iam::ProfileRole;
pub use role_use::{EksRoleUse, EksRoleUseUnread, EksRoleUses, ProfileUseUnread, ProfileUsers};

/// The result of looking a resource up by id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a, T> {
    Found(&'a T),
    /// The collection was read and does not contain the id.
    Missing,
    /// The collection could not be read.
    Unknown(&'a Gap),
}

impl<'a, T> Lookup<'a, T> {
    pub fn found(self) -> Option<&'a T> {
        match self {
            Lookup::Found(v) => Some(v),
            _ => None,
        }
    }
}

/// Tags whose value names the cluster of a node: managed nodegroups
/// (`eks:cluster-name`), EKS-launched instances (`aws:eks:cluster-name`) and
/// Karpenter v1 (`eks:eks-cluster-name`). Self-managed nodes carry
/// `kubernetes.io/cluster/<name>` instead.
pub const CLUSTER_NAME_TAGS: [&str; 3] = [
    "eks:cluster-name",
    "aws:eks:cluster-name",
    "eks:eks-cluster-name",
];
pub const CLUSTER_TAG_PREFIX: &str = "kubernetes.io/cluster/";
pub const NODEGROUP_NAME_TAG: &str = "eks:nodegroup-name";
/// Set by EC2 Auto Scaling on every instance it launches.
pub const ASG_NAME_TAG: &str = "aws:autoscaling:groupName";

#[derive(Debug, Clone, Copy)]
pub struct ClusterView<'a> {
    pub region: &'a str,
    pub cluster: &'a Cluster,
}

#[derive(Debug, Clone, Copy)]
pub struct NodegroupView<'a> {
    pub region: &'a str,
    pub cluster: &'a Cluster,
    pub nodegroup: &'a Nodegroup,
}

impl<'a> NodegroupView<'a> {
    /// The nodegroup's ARN when DescribeNodegroup succeeded, else a stable
    /// pseudo-id under the cluster's ARN.
    pub fn id(&self) -> String {
        match self.nodegroup.config.known() {
            Some(c) if !c.arn.is_empty() => c.arn.clone(),
            _ => format!("{}/nodegroup/{}", self.cluster.arn, self.nodegroup.name),
        }
    }

    pub fn config(&self) -> Option<&'a NodegroupConfig> {
        self.nodegroup.config.known()
    }
}

/// An EC2 instance that is a node of a cluster.
#[derive(Debug, Clone, Copy)]
pub struct NodeView<'a> {
    pub region: &'a str,
    pub instance: &'a Instance,
    pub cluster_name: &'a str,
    pub nodegroup_name: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
pub struct RepositoryView<'a> {
    pub region: &'a str,
    pub repository: &'a Repository,
}

/// Why a role counts as a node role: the nodegroup or instance that uses it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeRoleUse {
    pub region: String,
    pub cluster_name: String,
    /// `nodegroup` or `instance`.
    pub via_kind: &'static str,
    /// Nodegroup ARN or instance ARN.
    pub via_id: String,
}

/// Node role ARN -> what uses it.
pub type NodeRoleMap = BTreeMap<String, BTreeSet<NodeRoleUse>>;

/// The graph over one inventory. Checks reach the inventory only through
/// it: the indexes below are built once, in [`Graph::new`], and shared by
/// every check.
pub struct Graph<'a> {
    inventory: &'a Inventory,
    nodes: Vec<NodeView<'a>>,
    node_by_instance: HashMap<&'a str, usize>,
    roles_by_arn: HashMap<&'a str, &'a Role>,
    roles_by_name: HashMap<&'a str, &'a Role>,
    policies_by_arn: HashMap<&'a str, &'a ManagedPolicy>,
    node_roles: NodeRoleMap,
    unread_node_profiles: Vec<(String, &'a Gap)>,
    templates_in_use: Vec<LaunchTemplateUse<'a>>,
}

impl<'a> Graph<'a> {
    pub fn new(inventory: &'a Inventory) -> Self {
        let nodes = find_nodes(inventory);
        let node_by_instance = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.instance.instance_id.as_str(), i))
            .collect();
        let roles = inventory
            .iam
            .roles
            .known()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut graph = Graph {
            inventory,
            nodes,
            node_by_instance,
            roles_by_arn: roles.iter().map(|r| (r.arn.as_str(), r)).collect(),
            roles_by_name: roles.iter().map(|r| (r.role_name.as_str(), r)).collect(),
            policies_by_arn: inventory
                .iam
                .managed_policies
                .iter()
                .map(|p| (p.arn.as_str(), p))
                .collect(),
            node_roles: NodeRoleMap::new(),
            unread_node_profiles: Vec::new(),
            templates_in_use: Vec::new(),
        };
        let (roles, unread) = graph.find_node_roles();
        graph.node_roles = roles;
        graph.unread_node_profiles = unread;
        graph.templates_in_use = graph.find_launch_templates_in_use();
        graph
    }

    pub fn account_id(&self) -> &'a str {
        &self.inventory.scan.account_id
    }

    pub fn partition(&self) -> &'a str {
        &self.inventory.scan.partition
    }

    /// When the scan started (RFC 3339, UTC). Checks compare dates with it,
    /// never with the clock, so a report can be recomputed from an inventory.
    pub fn started_at(&self) -> &'a str {
        &self.inventory.scan.started_at
    }

    /// The regions the scan was asked to cover, in the scan's order.
    pub fn scanned_regions(&self) -> &'a [String] {
        &self.inventory.scan.regions
    }

    /// Every region named by the scan or holding collected data, sorted.
    pub fn all_regions(&self) -> BTreeSet<&'a str> {
        let mut regions: BTreeSet<&str> = self
            .inventory
            .scan
            .regions
            .iter()
            .map(String::as_str)
            .collect();
        regions.extend(self.inventory.regions.keys().map(String::as_str));
        regions
    }

    fn region(&self, region: &str) -> Option<&'a RegionInventory> {
        self.inventory.regions.get(region)
    }
}

fn lookup<T>(collection: Option<&Observed<Vec<T>>>, pred: impl Fn(&T) -> bool) -> Lookup<'_, T> {
    match collection {
        None => Lookup::Missing,
        Some(Observed::Unknown(g)) => Lookup::Unknown(g),
        Some(Observed::Known(items)) => items
            .iter()
            .find(|i| pred(i))
            .map_or(Lookup::Missing, Lookup::Found),
    }
}

/// The instances that are nodes of a cluster, by their tags, or by the Auto
/// Scaling group of a nodegroup when they carry no cluster tag.
fn find_nodes(inventory: &Inventory) -> Vec<NodeView<'_>> {
    let mut nodes = Vec::new();
    for (region, data) in &inventory.regions {
        let Some(instances) = data.instances.known() else {
            continue;
        };
        // Auto Scaling group name -> (cluster, nodegroup), from the
        // nodegroups' `resources.autoScalingGroups`.
        let mut asg_owner: HashMap<&str, (&str, &str)> = HashMap::new();
        if let Some(clusters) = data.clusters.known() {
            for c in clusters {
                for ng in c.nodegroups.known().into_iter().flatten() {
                    for asg in ng
                        .config
                        .known()
                        .map(|n| &n.autoscaling_groups)
                        .into_iter()
                        .flatten()
                    {
                        asg_owner.insert(asg.as_str(), (c.name.as_str(), ng.name.as_str()));
                    }
                }
            }
        }
        for inst in instances {
            let asg = inst
                .tags
                .get(ASG_NAME_TAG)
                .and_then(|a| asg_owner.get(a.as_str()));
            let cluster_name = CLUSTER_NAME_TAGS
                .iter()
                .find_map(|t| inst.tags.get(*t).map(String::as_str))
                .or_else(|| {
                    inst.tags
                        .keys()
                        .find_map(|k| k.strip_prefix(CLUSTER_TAG_PREFIX))
                })
                .or(asg.map(|(c, _)| *c));
            let Some(cluster_name) = cluster_name else {
                continue;
            };
            let nodegroup_name = inst
                .tags
                .get(NODEGROUP_NAME_TAG)
                .map(String::as_str)
                .or(asg.map(|(_, n)| *n));
            nodes.push(NodeView {
                region: region.as_str(),
                instance: inst,
                cluster_name,
                nodegroup_name,
            });
        }
    }
    nodes
}
