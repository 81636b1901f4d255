//! Typed relations over an [`Inventory`]: cluster -> nodegroups -> launch
//! template version in use -> instances -> security groups, subnets and
//! routes, instance profile -> role -> policies; cluster -> OIDC provider ->
//! IRSA roles; repository -> images.
//!
//! Lookups distinguish "found", "the list was read and it is not there" and
//! "the list could not be read", so a check never turns a failed read into a
//! pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::inventory::{
    Cluster, Image, Instance, Inventory, LaunchTemplateData, ManagedPolicy, Nodegroup,
    NodegroupConfig, OidcProvider, Repository, Role, RouteTable, SecurityGroup, Subnet,
};
use crate::observed::{Gap, Observed};

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

pub struct Graph<'a> {
    pub inventory: &'a Inventory,
    nodes: Vec<NodeView<'a>>,
    node_by_instance: HashMap<&'a str, usize>,
    roles_by_arn: HashMap<&'a str, &'a Role>,
    roles_by_name: HashMap<&'a str, &'a Role>,
    policies_by_arn: HashMap<&'a str, &'a ManagedPolicy>,
}

impl<'a> Graph<'a> {
    pub fn new(inventory: &'a Inventory) -> Self {
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
        Graph {
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
        }
    }

    pub fn account_id(&self) -> &'a str {
        &self.inventory.scan.account_id
    }

    pub fn partition(&self) -> &'a str {
        &self.inventory.scan.partition
    }

    // ------------------------------------------------------------ EKS

    pub fn clusters(&self) -> impl Iterator<Item = ClusterView<'a>> + 'a {
        self.inventory.regions.iter().flat_map(|(region, data)| {
            data.clusters
                .known()
                .into_iter()
                .flatten()
                .map(move |cluster| ClusterView {
                    region: region.as_str(),
                    cluster,
                })
        })
    }

    /// Regions whose clusters could not be listed.
    pub fn cluster_listing_gaps(&self) -> impl Iterator<Item = (&'a str, &'a Gap)> + 'a {
        self.inventory
            .regions
            .iter()
            .filter_map(|(r, d)| d.clusters.gap().map(|g| (r.as_str(), g)))
    }

    pub fn cluster(&self, region: &str, name: &str) -> Option<&'a Cluster> {
        self.inventory
            .regions
            .get(region)?
            .clusters
            .known()?
            .iter()
            .find(|c| c.name == name)
    }

    pub fn nodegroups(&self) -> impl Iterator<Item = NodegroupView<'a>> + 'a {
        self.clusters().flat_map(|cv| {
            cv.cluster
                .nodegroups
                .known()
                .into_iter()
                .flatten()
                .map(move |nodegroup| NodegroupView {
                    region: cv.region,
                    cluster: cv.cluster,
                    nodegroup,
                })
        })
    }

    /// The launch-template version a nodegroup uses: `None` when the
    /// nodegroup has no launch template, `Some(Unknown)` when it has one that
    /// could not be read.
    pub fn launch_template_in_use(
        &self,
        region: &str,
        nodegroup: &NodegroupConfig,
    ) -> Option<Observed<&'a LaunchTemplateData>> {
        let lt = nodegroup.launch_template.as_ref()?;
        let data = self.inventory.regions.get(region);
        let entry = data.and_then(|d| {
            d.launch_template_versions.iter().find(|v| {
                let same_template = match (&lt.id, &v.template_id) {
                    (Some(a), Some(b)) => a == b,
                    _ => lt.name.is_some() && lt.name == v.template_name,
                };
                same_template && v.requested_version == lt.version
            })
        });
        Some(match entry {
            Some(v) => v.data.as_ref(),
            None => Observed::Unknown(Gap::new(
                "ec2",
                region,
                "DescribeLaunchTemplateVersions",
                crate::GapReason::Error,
                format!(
                    "launch template {} version {} was not collected",
                    lt.id.as_deref().or(lt.name.as_deref()).unwrap_or("?"),
                    lt.version.as_deref().unwrap_or("$Default")
                ),
            )),
        })
    }

    // ------------------------------------------------------------ EC2

    /// Every instance that is a node of some cluster.
    pub fn nodes(&self) -> &[NodeView<'a>] {
        &self.nodes
    }

    pub fn node(&self, instance_id: &str) -> Option<&NodeView<'a>> {
        self.node_by_instance
            .get(instance_id)
            .map(|i| &self.nodes[*i])
    }

    pub fn nodes_of_cluster<'s>(
        &'s self,
        region: &'s str,
        cluster_name: &'s str,
    ) -> impl Iterator<Item = &'s NodeView<'a>> + 's {
        self.nodes
            .iter()
            .filter(move |n| n.region == region && n.cluster_name == cluster_name)
    }

    /// Regions where instances could not be listed, so nodes are unknown.
    pub fn instance_listing_gap(&self, region: &str) -> Option<&'a Gap> {
        self.inventory.regions.get(region)?.instances.gap()
    }

    pub fn security_group(&self, region: &str, id: &str) -> Lookup<'a, SecurityGroup> {
        lookup(
            self.inventory
                .regions
                .get(region)
                .map(|d| &d.security_groups),
            |g: &SecurityGroup| g.group_id == id,
        )
    }

    pub fn subnet(&self, region: &str, id: &str) -> Lookup<'a, Subnet> {
        lookup(
            self.inventory.regions.get(region).map(|d| &d.subnets),
            |s: &Subnet| s.subnet_id == id,
        )
    }

    /// The route table that applies to a subnet: its explicit association,
    /// else the main route table of its VPC.
    pub fn route_table_for_subnet(&self, region: &str, subnet: &Subnet) -> Lookup<'a, RouteTable> {
        let Some(tables) = self.inventory.regions.get(region).map(|d| &d.route_tables) else {
            return Lookup::Missing;
        };
        let tables = match tables {
            Observed::Known(t) => t,
            Observed::Unknown(g) => return Lookup::Unknown(g),
        };
        tables
            .iter()
            .find(|t| t.subnet_ids.contains(&subnet.subnet_id))
            .or_else(|| {
                tables
                    .iter()
                    .find(|t| t.main && t.vpc_id.is_some() && t.vpc_id == subnet.vpc_id)
            })
            .map_or(Lookup::Missing, Lookup::Found)
    }

    // ------------------------------------------------------------ IAM

    pub fn role(&self, arn: &str) -> Lookup<'a, Role> {
        match &self.inventory.iam.roles {
            Observed::Unknown(g) => Lookup::Unknown(g),
            Observed::Known(_) => self
                .roles_by_arn
                .get(arn)
                .copied()
                // Instance profiles and nodegroups may name a role by an ARN
                // whose path differs in case or form; the name is unique.
                .or_else(|| {
                    crate::arn::resource_name(arn).and_then(|n| self.roles_by_name.get(n).copied())
                })
                .map_or(Lookup::Missing, Lookup::Found),
        }
    }

    pub fn roles(&self) -> &'a [Role] {
        self.inventory
            .iam
            .roles
            .known()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The roles of an instance profile.
    pub fn instance_profile_roles(&self, profile_arn: &str) -> Lookup<'a, Vec<String>> {
        match &self.inventory.iam.instance_profiles {
            Observed::Unknown(g) => Lookup::Unknown(g),
            Observed::Known(profiles) => profiles
                .iter()
                .find(|p| p.arn == profile_arn)
                .map_or(Lookup::Missing, |p| Lookup::Found(&p.role_arns)),
        }
    }

    pub fn managed_policy(&self, arn: &str) -> Option<&'a ManagedPolicy> {
        self.policies_by_arn.get(arn).copied()
    }

    /// Every permission policy document of a role, labelled by source
    /// (`inline:<name>` or the managed policy's ARN).
    pub fn role_policies(&self, role: &'a Role) -> Vec<(String, Observed<&'a Value>)> {
        let mut out = Vec::new();
        for p in &role.inline_policies {
            out.push((format!("inline:{}", p.name), p.document.as_ref()));
        }
        for arn in &role.attached_policy_arns {
            let doc = match self.managed_policy(arn) {
                Some(p) => p.document.as_ref(),
                None => Observed::Unknown(Gap::new(
                    "iam",
                    "global",
                    "GetPolicyVersion",
                    crate::GapReason::Error,
                    format!("managed policy {arn} was not collected"),
                )),
            };
            out.push((arn.clone(), doc));
        }
        out
    }

    /// Node roles and what uses them: nodegroup node roles, and the roles of
    /// node instances' instance profiles. Roles behind an unreadable instance
    /// profile are reported in the second list with the gap.
    pub fn node_roles(&self) -> (NodeRoleMap, Vec<(String, &'a Gap)>) {
        let mut roles = NodeRoleMap::new();
        let mut unknown = Vec::new();
        for ng in self.nodegroups() {
            if let Some(role) = ng.config().and_then(|c| c.node_role.as_ref()) {
                roles.entry(role.clone()).or_default().insert(NodeRoleUse {
                    region: ng.region.to_string(),
                    cluster_name: ng.cluster.name.clone(),
                    via_kind: "nodegroup",
                    via_id: ng.id(),
                });
            }
        }
        for node in &self.nodes {
            let Some(profile) = &node.instance.iam_instance_profile_arn else {
                continue;
            };
            match self.instance_profile_roles(profile) {
                Lookup::Found(arns) => {
                    for arn in arns {
                        roles.entry(arn.clone()).or_default().insert(NodeRoleUse {
                            region: node.region.to_string(),
                            cluster_name: node.cluster_name.to_string(),
                            via_kind: "instance",
                            via_id: node.instance.arn.clone(),
                        });
                    }
                }
                Lookup::Unknown(g) => unknown.push((node.instance.arn.clone(), g)),
                Lookup::Missing => {}
            }
        }
        (roles, unknown)
    }

    /// The IAM OIDC provider registered for a cluster's issuer URL.
    pub fn oidc_provider_for_issuer(&self, issuer: &str) -> Lookup<'a, OidcProvider> {
        let host_path = issuer.trim_start_matches("https://").trim_end_matches('/');
        lookup(
            Some(&self.inventory.iam.oidc_providers),
            |p: &OidcProvider| {
                p.url.trim_start_matches("https://").trim_end_matches('/') == host_path
            },
        )
    }

    /// Roles whose trust policy names the given OIDC provider as a federated
    /// principal (IRSA roles for that cluster).
    pub fn roles_trusting_provider(&self, provider_arn: &str) -> Vec<&'a Role> {
        self.roles()
            .iter()
            .filter(|r| {
                r.trust_policy
                    .known()
                    .is_some_and(|t| federated_principals(t).iter().any(|p| p == provider_arn))
            })
            .collect()
    }

    // ------------------------------------------------------------ ECR

    pub fn repositories(&self) -> impl Iterator<Item = RepositoryView<'a>> + 'a {
        self.inventory.regions.iter().flat_map(|(region, data)| {
            data.repositories
                .known()
                .into_iter()
                .flatten()
                .map(move |repository| RepositoryView {
                    region: region.as_str(),
                    repository,
                })
        })
    }

    pub fn repository_listing_gaps(&self) -> impl Iterator<Item = (&'a str, &'a Gap)> + 'a {
        self.inventory
            .regions
            .iter()
            .filter_map(|(r, d)| d.repositories.gap().map(|g| (r.as_str(), g)))
    }

    /// `arn:<partition>:ecr:<region>:<account>:repository/<name>/<digest>`,
    /// the id Inspector2 and Security Hub use for an image.
    pub fn image_arn(repo: &Repository, image: &Image) -> String {
        format!("{}/{}", repo.arn, image.digest)
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

/// `Principal.Federated` values of every statement of a trust policy.
fn federated_principals(trust: &Value) -> Vec<String> {
    let statements = match trust.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for s in statements {
        match s.get("Principal").and_then(|p| p.get("Federated")) {
            Some(Value::String(p)) => out.push(p.clone()),
            Some(Value::Array(ps)) => {
                out.extend(ps.iter().filter_map(Value::as_str).map(String::from));
            }
            _ => {}
        }
    }
    out
}
