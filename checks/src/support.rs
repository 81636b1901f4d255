//! Resource references and evidence shared by the checks.

use eksposture_model::graph::{ClusterView, NodeView, NodegroupView, RepositoryView};
use eksposture_model::{Evidence, Graph, Image, Repository, ResourceRef, Role};

pub fn cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksCluster", &c.cluster.arn, c.region)
}

pub fn cluster_evidence(c: &ClusterView<'_>) -> Evidence {
    Evidence::new("AwsEksCluster", &c.cluster.arn, format!("cluster {}", c.cluster.name))
}

/// Stands for "every cluster of a region" when the clusters could not be listed.
pub fn clusters_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEksCluster",
        format!("arn:{}:eks:{region}:{}:cluster/*", g.partition(), g.account_id()),
        region,
    )
}

/// Stands for "every repository of a region" when they could not be listed.
pub fn repositories_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEcrRepository",
        format!("arn:{}:ecr:{region}:{}:repository/*", g.partition(), g.account_id()),
        region,
    )
}

/// Stands for "every node instance of a cluster" when instances could not be listed.
pub fn nodes_of_cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEc2Instance", format!("{}/nodes/*", c.cluster.arn), c.region)
}

pub fn nodegroup_ref(n: &NodegroupView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksNodegroup", n.id(), n.region)
}

pub fn nodegroup_evidence(n: &NodegroupView<'_>) -> Evidence {
    Evidence::new(
        "AwsEksNodegroup",
        n.id(),
        format!("nodegroup {} of cluster {}", n.nodegroup.name, n.cluster.name),
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
        format!("node {} of cluster {}{via}", n.instance.instance_id, n.cluster_name),
    )
}

pub fn role_ref(role: &Role) -> ResourceRef {
    ResourceRef::new("AwsIamRole", &role.arn, "global")
}

pub fn repository_ref(r: &RepositoryView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEcrRepository", &r.repository.arn, r.region)
}

pub fn image_ref(region: &str, repo: &Repository, image: &Image) -> ResourceRef {
    ResourceRef::new("AwsEcrContainerImage", Graph::image_arn(repo, image), region)
}
