//! EC2: node instances and the network around them.

use std::collections::BTreeSet;

use super::{lookup, ClusterView, Graph, Lookup, NodeView, NodegroupView};
use crate::inventory::{LaunchTemplateData, RouteTable, SecurityGroup, Subnet, Volume, Vpc};
use crate::observed::{Gap, Observed};

/// Something that references a security group.
#[derive(Debug, Clone, Copy)]
pub enum SecurityGroupUser<'a> {
    /// One of a cluster's additional security groups
    /// (`resourcesVpcConfig.securityGroupIds`).
    ClusterAdditional(ClusterView<'a>),
    /// The cluster security group EKS created for a cluster.
    Cluster(ClusterView<'a>),
    /// A nodegroup's remote-access security group.
    RemoteAccess(NodegroupView<'a>),
    /// A group of the launch-template version a nodegroup uses.
    LaunchTemplate(NodegroupView<'a>, &'a LaunchTemplateData),
    /// A group on a live node instance.
    Node(NodeView<'a>),
}

/// [`Graph::security_group_users`].
#[derive(Debug, Default)]
pub struct SecurityGroupUsers<'a> {
    /// (region, group id, user), clusters first, then nodegroups, launch
    /// templates and nodes.
    pub users: Vec<(&'a str, &'a str, SecurityGroupUser<'a>)>,
    /// Clusters that could not be described, so their groups are unknown.
    pub unread_clusters: Vec<(ClusterView<'a>, &'a Gap)>,
}

impl<'a> Graph<'a> {
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

    /// The node instances that can run pods. A `terminated` or
    /// `shutting-down` instance is no longer a node (DescribeInstances keeps
    /// listing terminated ones for about an hour); every other state,
    /// `stopped` included, is.
    pub fn live_nodes(&self) -> impl Iterator<Item = &NodeView<'a>> + '_ {
        self.nodes.iter().filter(|n| {
            !matches!(
                n.instance.state.as_deref(),
                Some("terminated" | "shutting-down")
            )
        })
    }

    /// Regions that hold clusters and whose instances could not be listed,
    /// once each in region order: their nodes are unknown.
    pub fn node_listing_gaps(&self) -> Vec<(&'a str, &'a Gap)> {
        let mut seen = BTreeSet::new();
        self.clusters()
            .filter_map(|c| Some((c.region, self.instance_listing_gap(c.region)?)))
            .filter(|(region, _)| seen.insert(*region))
            .collect()
    }

    /// The ids of the EBS volumes attached to a node: those its
    /// `BlockDeviceMappings` name, and those whose attachments name it.
    pub fn volume_ids_of_node(&self, node: &NodeView<'a>) -> BTreeSet<&'a str> {
        let listed = self
            .region(node.region)
            .and_then(|d| d.volumes.known())
            .into_iter()
            .flatten();
        node.instance
            .volume_ids
            .iter()
            .map(String::as_str)
            .chain(
                listed
                    .filter(|v| v.attached_instance_ids.contains(&node.instance.instance_id))
                    .map(|v| v.volume_id.as_str()),
            )
            .collect()
    }

    pub fn volume(&self, region: &str, id: &str) -> Lookup<'a, Volume> {
        lookup(self.region(region).map(|d| &d.volumes), |v: &Volume| {
            v.volume_id == id
        })
    }

    /// Every security group a cluster, a nodegroup (remote-access group, and
    /// the groups of the launch-template version it uses) or a live node
    /// instance references. `remoteAccess.sourceSecurityGroups` are the groups
    /// allowed to SSH in, not groups on the nodes, and are left out. Launch
    /// templates that could not be read are in
    /// [`Graph::launch_templates_in_use`].
    pub fn security_group_users(&self) -> SecurityGroupUsers<'a> {
        let mut out = SecurityGroupUsers::default();
        for c in self.clusters() {
            let config = match c.cluster.config.as_result() {
                Ok(config) => config,
                Err(gap) => {
                    out.unread_clusters.push((c, gap));
                    continue;
                }
            };
            for id in &config.security_group_ids {
                out.users
                    .push((c.region, id, SecurityGroupUser::ClusterAdditional(c)));
            }
            if let Some(id) = &config.cluster_security_group_id {
                out.users
                    .push((c.region, id, SecurityGroupUser::Cluster(c)));
            }
        }
        for ng in self.nodegroups() {
            if let Some(id) = ng
                .config()
                .and_then(|c| c.remote_access_security_group.as_ref())
            {
                out.users
                    .push((ng.region, id, SecurityGroupUser::RemoteAccess(ng)));
            }
        }
        for t in self.launch_templates_in_use() {
            if let Observed::Known(data) = &t.data {
                for id in &data.security_group_ids {
                    let user = SecurityGroupUser::LaunchTemplate(t.nodegroup, data);
                    out.users.push((t.nodegroup.region, id, user));
                }
            }
        }
        for node in self.live_nodes() {
            for id in &node.instance.security_group_ids {
                out.users
                    .push((node.region, id, SecurityGroupUser::Node(*node)));
            }
        }
        out
    }

    /// The VPCs of a region; `None` for a region without data.
    pub fn vpcs(&self, region: &str) -> Option<&'a Observed<Vec<Vpc>>> {
        self.region(region).map(|d| &d.vpcs)
    }
}
