//! Resource references and evidence shared by the checks.

use eksposture_model::graph::{ClusterView, NodeView, NodegroupView, RepositoryView};
use eksposture_model::{Evidence, Graph, Image, Repository, ResourceRef, Role};

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

/// Whether a pod on a node can fetch the node's IMDS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImdsReach {
    /// Pods can reach IMDS; the text says why (`httpTokens=optional`, ...).
    Reachable(String),
    /// Pods cannot; the text says why.
    Blocked(String),
    /// A setting needed to decide was not returned; the text names it.
    Unknown(String),
}

/// Decides from an instance's metadata options whether pods in their own
/// network namespace reach IMDS. The hop limit only bounds the IMDSv2 token
/// (PUT) response: a limit of 1 stops it at the node, one hop short of a
/// pod, but IMDSv1 GETs are not limited at all. So IMDS is reachable when
/// the endpoint is on and either IMDSv1 is allowed or the hop limit is
/// above one (hostNetwork pods share the node's namespace and always reach
/// it). Each operand is judged only when needed, so one missing field does not
/// hide an answer the others already give.
pub fn pods_reach_imds(options: Option<&eksposture_model::MetadataOptions>) -> ImdsReach {
    let Some(m) = options else {
        return ImdsReach::Unknown("DescribeInstances returned no MetadataOptions".into());
    };
    let endpoint = m.http_endpoint.as_deref().map(str::to_ascii_lowercase);
    let tokens = m.http_tokens.as_deref().map(str::to_ascii_lowercase);
    let hop = m.http_put_response_hop_limit;
    if endpoint.as_deref() == Some("disabled") {
        return ImdsReach::Blocked("httpEndpoint=disabled".into());
    }
    if tokens.as_deref() == Some("required") && hop.is_some_and(|h| h <= 1) {
        return ImdsReach::Blocked("httpTokens=required, httpPutResponseHopLimit=1".into());
    }
    let open = match (tokens.as_deref(), hop) {
        (Some("optional"), _) => Some("httpTokens=optional (IMDSv1 allowed)".to_string()),
        (_, Some(h)) if h > 1 => Some(format!("httpPutResponseHopLimit={h}")),
        _ => None,
    };
    match (endpoint.as_deref(), open) {
        (Some("enabled"), Some(why)) => ImdsReach::Reachable(format!("httpEndpoint=enabled, {why}")),
        (None, Some(why)) => ImdsReach::Unknown(format!("{why} but httpEndpoint was not returned")),
        _ => ImdsReach::Unknown(format!(
            "metadata options incomplete: httpEndpoint={}, httpTokens={}, httpPutResponseHopLimit={}",
            m.http_endpoint.as_deref().unwrap_or("?"),
            m.http_tokens.as_deref().unwrap_or("?"),
            hop.map_or_else(|| "?".to_string(), |h| h.to_string()),
        )),
    }
}
