//! EC2 checks over the nodes of clusters: instances, the launch-template
//! versions nodegroups use, and the security groups around them. The
//! traversal those checks share lives here, so each check file states only
//! its condition.

pub mod node_imds_hop_limit;
pub mod node_imdsv2_required;
pub mod node_sg_no_world_ingress;

use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::graph::{ClusterView, NodegroupView};
use eksposture_model::{
    Evidence, Gap, Graph, LaunchTemplateData, MetadataOptions, Observed, ResourceRef,
    SecurityGroup, SgRule, Status,
};

use crate::eks::endpoint_not_open_to_world::WORLD;
use crate::support::{
    cluster_evidence, cluster_ref, clusters_of_region_ref, instance_evidence, instance_ref,
    nodegroup_evidence, nodegroup_ref, nodes_of_cluster_ref,
};
use crate::Findings;

/// Data a check needed and could not read, as one unknown finding.
pub struct Unread {
    pub resource: ResourceRef,
    pub what: String,
    pub gap: Gap,
    pub evidence: Vec<Evidence>,
}

impl Unread {
    pub fn emit(self, out: &mut Findings) {
        out.unknown(self.resource, &self.what, &self.gap, self.evidence);
    }
}

/// cluster -> nodegroup.
fn nodegroup_chain(ng: &NodegroupView<'_>) -> Vec<Evidence> {
    let c = ClusterView {
        region: ng.region,
        cluster: ng.cluster,
    };
    vec![cluster_evidence(&c), nodegroup_evidence(ng)]
}

/// The parts of the node population that could not be read: regions whose
/// clusters could not be listed, clusters whose instances or nodegroups
/// could not be listed, nodegroups that could not be described.
pub fn node_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out = Vec::new();
    for (region, gap) in g.cluster_listing_gaps() {
        out.push(Unread {
            resource: clusters_of_region_ref(g, region),
            what: "the region's EKS clusters (and their nodegroups)".into(),
            gap: gap.clone(),
            evidence: vec![],
        });
    }
    for c in g.clusters() {
        if let Some(gap) = g.instance_listing_gap(c.region) {
            out.push(Unread {
                resource: nodes_of_cluster_ref(&c),
                what: format!("the node instances of cluster {}", c.cluster.name),
                gap: gap.clone(),
                evidence: vec![cluster_evidence(&c)],
            });
        }
        if let Some(gap) = c.cluster.nodegroups.gap() {
            out.push(Unread {
                resource: cluster_ref(&c),
                what: format!("the nodegroups of cluster {}", c.cluster.name),
                gap: gap.clone(),
                evidence: vec![cluster_evidence(&c)],
            });
        }
    }
    for ng in g.nodegroups() {
        if let Some(gap) = ng.nodegroup.config.gap() {
            out.push(Unread {
                resource: nodegroup_ref(&ng),
                what: format!("nodegroup {} (its launch template)", ng.nodegroup.name),
                gap: gap.clone(),
                evidence: nodegroup_chain(&ng),
            });
        }
    }
    out
}

/// `arn:<partition>:ec2:<region>:<account>:<kind>/<id>`, for resources known
/// only by id.
fn ec2_arn(g: &Graph<'_>, region: &str, kind: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{}:{kind}/{id}",
        g.partition(),
        g.account_id()
    )
}

pub fn security_group_arn(g: &Graph<'_>, region: &str, group_id: &str) -> String {
    ec2_arn(g, region, "security-group", group_id)
}

/// A launch-template version that a nodegroup uses.
#[derive(Debug, Clone, Copy)]
pub struct TemplateInUse<'a> {
    pub nodegroup: NodegroupView<'a>,
    pub data: &'a LaunchTemplateData,
}

impl TemplateInUse<'_> {
    pub fn version(&self) -> String {
        self.data
            .version_number
            .map_or_else(|| "?".into(), |v| v.to_string())
    }

    pub fn resource(&self, g: &Graph<'_>) -> ResourceRef {
        let region = self.nodegroup.region;
        let arn = if self.data.arn.is_empty() {
            ec2_arn(g, region, "launch-template", &self.data.template_id)
        } else {
            self.data.arn.clone()
        };
        ResourceRef::new("AwsEc2LaunchTemplate", arn, region)
    }

    /// The launch-template version itself, naming its nodegroup.
    pub fn link(&self, g: &Graph<'_>) -> Evidence {
        let name = self
            .data
            .template_name
            .as_deref()
            .unwrap_or(&self.data.template_id);
        Evidence::new(
            "AwsEc2LaunchTemplate",
            self.resource(g).id,
            format!(
                "launch template {name} version {} used by nodegroup {} of cluster {}",
                self.version(),
                self.nodegroup.nodegroup.name,
                self.nodegroup.cluster.name
            ),
        )
    }

    /// cluster -> nodegroup -> launch-template version.
    pub fn evidence(&self, g: &Graph<'_>) -> Vec<Evidence> {
        let mut chain = nodegroup_chain(&self.nodegroup);
        chain.push(self.link(g));
        chain
    }
}

/// For every described nodegroup with a launch template: the version it
/// uses, or why that version could not be read. Nodegroups without a launch
/// template are skipped (their instances carry the settings).
pub fn launch_templates_in_use<'a>(g: &Graph<'a>) -> Vec<Result<TemplateInUse<'a>, Unread>> {
    let mut out = Vec::new();
    for nodegroup in g.nodegroups() {
        let Some(config) = nodegroup.config() else {
            continue;
        };
        let Some(lt) = &config.launch_template else {
            continue;
        };
        match g.launch_template_in_use(nodegroup.region, config) {
            None => {}
            Some(Observed::Known(data)) => out.push(Ok(TemplateInUse { nodegroup, data })),
            Some(Observed::Unknown(gap)) => {
                let version = lt.version.as_deref().unwrap_or("$Default");
                let resource = match (&lt.id, &lt.name) {
                    (Some(id), _) => ec2_arn(g, nodegroup.region, "launch-template", id),
                    (None, name) => format!(
                        "{}/launch-template/{}",
                        nodegroup.id(),
                        name.as_deref().unwrap_or("?")
                    ),
                };
                out.push(Err(Unread {
                    resource: ResourceRef::new("AwsEc2LaunchTemplate", resource, nodegroup.region),
                    what: format!(
                        "launch template {} version {version} used by nodegroup {}",
                        lt.id.as_deref().or(lt.name.as_deref()).unwrap_or("?"),
                        nodegroup.nodegroup.name
                    ),
                    gap,
                    evidence: nodegroup_chain(&nodegroup),
                }));
            }
        }
    }
    out
}

// ---------------------------------------------------------------- IMDS

/// What a check concludes from one set of metadata options: the status and
/// a phrase completing "node i-... " / "nodegroup ...: launch template ... ".
pub type Verdict = (Status, String);

/// `HttpEndpoint=disabled` turns the metadata service off. AWS documents
/// `enabled` as the default, so an absent value counts as enabled.
pub fn endpoint_disabled(o: &MetadataOptions) -> bool {
    o.http_endpoint
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("disabled"))
}

fn describe(o: &MetadataOptions) -> String {
    let show = |v: Option<String>| v.unwrap_or_else(|| "unset".into());
    format!(
        "HttpTokens={}, HttpPutResponseHopLimit={}, HttpEndpoint={}",
        show(o.http_tokens.clone()),
        show(o.http_put_response_hop_limit.map(|h| h.to_string())),
        show(o.http_endpoint.clone())
    )
}

fn judged(
    out: &mut Findings,
    resource: ResourceRef,
    subject: &str,
    options: Option<&MetadataOptions>,
    when_absent: &str,
    mut evidence: Vec<Evidence>,
    judge: &impl Fn(&MetadataOptions) -> Verdict,
) {
    let Some(o) = options else {
        out.unknown_because(resource, format!("{subject} {when_absent}"), evidence);
        return;
    };
    if let Some(last) = evidence.last_mut() {
        last.detail = format!("{}; {}", last.detail, describe(o));
    }
    let (status, phrase) = judge(o);
    out.emit(status, resource, format!("{subject} {phrase}"), evidence);
}

/// Applies `judge` to the metadata options of every node instance and of
/// every launch-template version a nodegroup uses (only the version in use),
/// emitting one finding for each. Options that were not returned or could
/// not be read, and node populations that could not be listed, become
/// unknown findings.
pub fn for_each_imds_subject(
    g: &Graph<'_>,
    out: &mut Findings,
    judge: impl Fn(&MetadataOptions) -> Verdict,
) {
    for u in node_gaps(g) {
        u.emit(out);
    }
    for node in g.nodes() {
        judged(
            out,
            instance_ref(node),
            &format!("node {}", node.instance.instance_id),
            node.instance.metadata_options.as_ref(),
            "has no metadata options in the DescribeInstances response",
            vec![instance_evidence(node)],
            &judge,
        );
    }
    for t in launch_templates_in_use(g) {
        match t {
            Err(u) => u.emit(out),
            Ok(t) => judged(
                out,
                t.resource(g),
                &format!(
                    "nodegroup {}: launch template version {}",
                    t.nodegroup.nodegroup.name,
                    t.version()
                ),
                t.data.metadata_options.as_ref(),
                "sets no metadata options; instances get the account default (not read)",
                t.evidence(g),
                &judge,
            ),
        }
    }
}

// ---------------------------------------------------------------- security groups

/// Who references each security group, keyed by (region, group id).
pub type SgReferences = BTreeMap<(String, String), BTreeSet<Evidence>>;

/// Every security group a cluster (additional and cluster security groups),
/// a nodegroup (remote-access group, and the groups of the launch-template
/// version it uses) or a node instance references, with what could not be
/// read. `remoteAccess.sourceSecurityGroups` are the groups allowed to SSH
/// in, not groups on the nodes, and are left out.
pub fn security_group_references(g: &Graph<'_>) -> (SgReferences, Vec<Unread>) {
    let mut refs = SgReferences::new();
    let mut unread = node_gaps(g);
    let mut add = |region: &str, id: &str, by: Evidence| {
        refs.entry((region.to_string(), id.to_string()))
            .or_default()
            .insert(by);
    };
    for c in g.clusters() {
        let config = match c.cluster.config.as_result() {
            Ok(config) => config,
            Err(gap) => {
                unread.push(Unread {
                    resource: cluster_ref(&c),
                    what: format!(
                        "the configuration of cluster {} (its security groups)",
                        c.cluster.name
                    ),
                    gap: gap.clone(),
                    evidence: vec![cluster_evidence(&c)],
                });
                continue;
            }
        };
        let by = |role: &str| {
            Evidence::new(
                "AwsEksCluster",
                &c.cluster.arn,
                format!("cluster {} ({role})", c.cluster.name),
            )
        };
        for id in &config.security_group_ids {
            add(c.region, id, by("additional security group"));
        }
        if let Some(id) = &config.cluster_security_group_id {
            add(c.region, id, by("cluster security group"));
        }
    }
    for ng in g.nodegroups() {
        if let Some(id) = ng
            .config()
            .and_then(|c| c.remote_access_security_group.as_ref())
        {
            let mut by = nodegroup_evidence(&ng);
            by.detail.push_str(" (remote-access security group)");
            add(ng.region, id, by);
        }
    }
    for t in launch_templates_in_use(g) {
        match t {
            Ok(t) => {
                for id in &t.data.security_group_ids {
                    add(t.nodegroup.region, id, t.link(g));
                }
            }
            Err(u) => unread.push(u),
        }
    }
    for node in g.nodes() {
        for id in &node.instance.security_group_ids {
            add(node.region, id, instance_evidence(node));
        }
    }
    (refs, unread)
}

/// The node-sensitive exposures, in report order.
pub const EXPOSURES: [&str; 5] = [
    "SSH 22",
    "RDP 3389",
    "kubelet 10250",
    "NodePorts 30000-32767",
    "all ports",
];

/// The exposures among [`EXPOSURES`] that one rule opens, whatever its
/// sources. UDP counts for NodePorts only (NodePort services may be UDP).
fn rule_exposures(rule: &SgRule) -> Vec<&'static str> {
    let proto = rule.ip_protocol.to_ascii_lowercase();
    let any = proto == "-1" || proto == "all";
    let tcp = any || proto == "tcp" || proto == "6";
    let udp = any || proto == "udp" || proto == "17";
    // TCP and UDP rules always carry ports; AWS omits them only for rules
    // that cover every port.
    let (from, to) = if any {
        (0, 65535)
    } else {
        (rule.from_port.unwrap_or(0), rule.to_port.unwrap_or(65535))
    };
    let covers = |p: i32| from <= p && p <= to;
    let opened = [
        tcp && covers(22),
        tcp && covers(3389),
        tcp && covers(10250),
        (tcp || udp) && from <= 32767 && 30000 <= to,
        any || (tcp && from <= 0 && to >= 65535),
    ];
    EXPOSURES
        .iter()
        .zip(opened)
        .filter(|(_, o)| *o)
        .map(|(e, _)| *e)
        .collect()
}

/// What a security group admits from `0.0.0.0/0` or `::/0` on the ports
/// that matter for nodes.
#[derive(Debug, Default)]
pub struct WorldIngress<'a> {
    /// Every exposure any rule opens, in [`EXPOSURES`] order.
    pub exposures: Vec<&'static str>,
    /// The world CIDRs among those rules' sources.
    pub sources: Vec<&'a str>,
    /// One line per offending rule.
    pub rules: Vec<String>,
}

pub fn world_ingress(sg: &SecurityGroup) -> WorldIngress<'_> {
    let (mut open, mut sources) = (BTreeSet::new(), BTreeSet::new());
    let mut rules = Vec::new();
    for rule in &sg.ingress {
        let world: Vec<&str> = rule
            .ipv4_ranges
            .iter()
            .chain(&rule.ipv6_ranges)
            .map(String::as_str)
            .filter(|c| WORLD.contains(c))
            .collect();
        let opened = rule_exposures(rule);
        if world.is_empty() || opened.is_empty() {
            continue;
        }
        let ports = match (rule.from_port, rule.to_port) {
            (Some(f), Some(t)) if rule.ip_protocol != "-1" => format!(" {f}-{t}"),
            _ => String::new(),
        };
        rules.push(format!(
            "ingress {}{ports} from {} opens {}",
            rule.ip_protocol,
            world.join(", "),
            opened.join(", ")
        ));
        open.extend(opened);
        sources.extend(world);
    }
    WorldIngress {
        exposures: EXPOSURES
            .iter()
            .copied()
            .filter(|e| open.contains(e))
            .collect(),
        sources: sources.into_iter().collect(),
        rules,
    }
}

/// Inventory fragments for the tests of the ec2 checks.
#[cfg(test)]
pub mod fixtures {
    use serde_json::{json, Value};

    pub const CLUSTER_ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
    pub const LT_ARN: &str = "arn:aws:ec2:us-east-1:111122223333:launch-template/lt-1";

    /// A us-east-1 region with no clusters, instances or security groups,
    /// whose top-level keys `over` replaces.
    pub fn region(over: Value) -> Value {
        let mut r = json!({"clusters": {"known": []}, "instances": {"known": []},
            "security_groups": {"known": []}});
        if let Value::Object(over) = over {
            for (k, v) in over {
                r[k.as_str()] = v;
            }
        }
        json!({"regions": {"us-east-1": r}})
    }

    /// An instance tagged as a node of cluster `prod`; `metadata` null for none.
    pub fn node(id: &str, metadata: Value) -> Value {
        let mut n = json!({"instance_id": id, "arn": format!("arn:aws:ec2:us-east-1:111122223333:instance/{id}"),
            "state": "running", "tags": {"eks:cluster-name": "prod"}});
        if !metadata.is_null() {
            n["metadata_options"] = metadata;
        }
        n
    }

    /// Cluster `prod` with one described nodegroup `ng` whose configuration
    /// has the fields of `nodegroup`.
    pub fn cluster(nodegroup: Value) -> Value {
        let mut config = json!({"arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1"});
        if let Value::Object(fields) = nodegroup {
            for (k, v) in fields {
                config[k.as_str()] = v;
            }
        }
        json!({"known": [{"name": "prod", "arn": CLUSTER_ARN, "config": {"known": {}},
            "nodegroups": {"known": [{"name": "ng", "config": {"known": config}}]}}]})
    }

    /// [`cluster`] whose nodegroup uses version `version` of template lt-1.
    pub fn nodegroup_with_template(version: &str) -> Value {
        cluster(json!({"launch_template": {"id": "lt-1", "version": version}}))
    }

    /// Version `n` of lt-1 as collected; `metadata` null for none set.
    pub fn template_version(n: u32, metadata: Value) -> Value {
        let mut data = json!({"template_id": "lt-1", "template_name": "nodes", "arn": LT_ARN,
            "version_number": n});
        if !metadata.is_null() {
            data["metadata_options"] = metadata;
        }
        json!({"template_id": "lt-1", "requested_version": n.to_string(), "data": {"known": data}})
    }
}
