//! Resource references, evidence and traversals shared by the checks.

use eksposture_model::graph::{ClusterView, NodeView, NodegroupView, RepositoryView};
use eksposture_model::{ClusterConfig, Evidence, Gap, Graph, Image, Repository, ResourceRef, Role};

use crate::Findings;

pub fn cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksCluster", &c.cluster.arn, c.region)
}

pub fn cluster_evidence(c: &ClusterView<'_>) -> Evidence {
    Evidence::new(
        "AwsEksCluster",
        &c.cluster.arn,
        format!("cluster {}", c.cluster.name),
    )
}

/// Stands for "every cluster of a region" when the clusters could not be listed.
pub fn clusters_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEksCluster",
        format!(
            "arn:{}:eks:{region}:{}:cluster/*",
            g.partition(),
            g.account_id()
        ),
        region,
    )
}

/// Stands for "every repository of a region" when they could not be listed.
pub fn repositories_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEcrRepository",
        format!(
            "arn:{}:ecr:{region}:{}:repository/*",
            g.partition(),
            g.account_id()
        ),
        region,
    )
}

/// Stands for "every node instance of a cluster" when instances could not be listed.
pub fn nodes_of_cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new(
        "AwsEc2Instance",
        format!("{}/nodes/*", c.cluster.arn),
        c.region,
    )
}

pub fn nodegroup_ref(n: &NodegroupView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksNodegroup", n.id(), n.region)
}

pub fn nodegroup_evidence(n: &NodegroupView<'_>) -> Evidence {
    Evidence::new(
        "AwsEksNodegroup",
        n.id(),
        format!(
            "nodegroup {} of cluster {}",
            n.nodegroup.name, n.cluster.name
        ),
    )
}

pub fn instance_ref(n: &NodeView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEc2Instance", &n.instance.arn, n.region)
}

pub fn instance_evidence(n: &NodeView<'_>) -> Evidence {
    let via = n
        .nodegroup_name
        .map_or_else(String::new, |ng| format!(", nodegroup {ng}"));
    Evidence::new(
        "AwsEc2Instance",
        &n.instance.arn,
        format!(
            "node {} of cluster {}{via}",
            n.instance.instance_id, n.cluster_name
        ),
    )
}

pub fn role_ref(role: &Role) -> ResourceRef {
    ResourceRef::new("AwsIamRole", &role.arn, "global")
}

pub fn repository_ref(r: &RepositoryView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEcrRepository", &r.repository.arn, r.region)
}

pub fn image_ref(region: &str, repo: &Repository, image: &Image) -> ResourceRef {
    ResourceRef::new(
        "AwsEcrContainerImage",
        Graph::image_arn(repo, image),
        region,
    )
}

/// `repo:tag`, or `repo@digest` for an untagged image, for messages.
pub fn image_label(repo: &Repository, image: &Image) -> String {
    match image.tags.first() {
        Some(tag) => format!("{}:{tag}", repo.name),
        None => format!("{}@{}", repo.name, image.digest),
    }
}

/// Whether a CIDR covers every address: `0.0.0.0/0`, `::/0` or any other
/// spelling with prefix length 0.
pub fn is_world_cidr(cidr: &str) -> bool {
    cidr.trim().ends_with("/0")
}

/// Data a check needed and could not read, as one unknown finding: `what`
/// names the data and `gap` the failed read; without a gap (the data is
/// absent rather than unreadable), `what` is the whole message.
pub struct Unread {
    pub resource: ResourceRef,
    pub what: String,
    pub gap: Option<Gap>,
    pub evidence: Vec<Evidence>,
}

impl Unread {
    pub fn emit(self, out: &mut Findings) {
        match self.gap {
            Some(gap) => out.unknown(self.resource, &self.what, &gap, self.evidence),
            None => out.unknown_because(self.resource, self.what, self.evidence),
        }
    }
}

/// The node instances that can run pods. A `terminated` or `shutting-down`
/// instance is no longer a node (DescribeInstances keeps listing terminated
/// ones for about an hour); every other state, `stopped` included, is.
pub fn live_nodes<'g, 'a>(g: &'g Graph<'a>) -> impl Iterator<Item = &'g NodeView<'a>> + 'g {
    g.nodes().iter().filter(|n| {
        !matches!(
            n.instance.state.as_deref(),
            Some("terminated" | "shutting-down")
        )
    })
}

/// Where node instances could not be listed: regions whose clusters could
/// not be listed, and clusters in regions whose instances could not be.
pub fn instance_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out: Vec<Unread> = g
        .cluster_listing_gaps()
        .map(|(region, gap)| Unread {
            resource: clusters_of_region_ref(g, region),
            what: format!("the EKS clusters of region {region} (and their nodes)"),
            gap: Some(gap.clone()),
            evidence: vec![],
        })
        .collect();
    for c in g.clusters() {
        if let Some(gap) = g.instance_listing_gap(c.region) {
            out.push(Unread {
                resource: nodes_of_cluster_ref(&c),
                what: format!("the node instances of cluster {}", c.cluster.name),
                gap: Some(gap.clone()),
                evidence: vec![cluster_evidence(&c)],
            });
        }
    }
    out
}

/// cluster -> nodegroup.
pub fn nodegroup_chain(ng: &NodegroupView<'_>) -> Vec<Evidence> {
    let c = ClusterView {
        region: ng.region,
        cluster: ng.cluster,
    };
    vec![cluster_evidence(&c), nodegroup_evidence(ng)]
}

/// [`instance_gaps`], and where nodegroups could not be read: clusters whose
/// nodegroups could not be listed, nodegroups that could not be described
/// (their launch template and node role are then unknown).
pub fn node_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out = instance_gaps(g);
    for c in g.clusters() {
        if let Some(gap) = c.cluster.nodegroups.gap() {
            out.push(Unread {
                resource: cluster_ref(&c),
                what: format!("the nodegroups of cluster {}", c.cluster.name),
                gap: Some(gap.clone()),
                evidence: vec![cluster_evidence(&c)],
            });
        }
    }
    for ng in g.nodegroups() {
        if let Some(gap) = ng.nodegroup.config.gap() {
            out.push(Unread {
                resource: nodegroup_ref(&ng),
                what: format!(
                    "the configuration of nodegroup {} of cluster {}",
                    ng.nodegroup.name, ng.cluster.name
                ),
                gap: Some(gap.clone()),
                evidence: nodegroup_chain(&ng),
            });
        }
    }
    out
}

/// Calls `judge` with every cluster whose `DescribeCluster` answer was read,
/// and emits an unknown finding for every region whose clusters could not be
/// listed and every cluster that could not be described.
pub fn for_each_cluster_config<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, ClusterView<'a>, &'a ClusterConfig),
) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        match c.cluster.config.as_result() {
            Ok(config) => judge(out, c, config),
            Err(gap) => {
                let what = format!("the configuration of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
            }
        }
    }
}
