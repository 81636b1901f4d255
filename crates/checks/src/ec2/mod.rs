//! EC2 checks over the nodes of clusters: instances, the launch-template
//! versions nodegroups use, and the security groups around them. The graph
//! finds the nodes, templates and who uses a group or a role; the judgments
//! and wording those checks share live here (security groups in `sg.rs`,
//! reachability from the internet in `public.rs`, other users of a node
//! role in `sharing.rs`), so each check file states only its condition.

pub mod node_ebs_encrypted;
pub mod node_imds_hop_limit;
pub mod node_imdsv2_required;
pub mod node_no_public_ip;
pub mod node_role_not_shared;
pub mod node_sg_no_world_ingress;
pub mod node_user_data_no_secrets;

// Helpers shared by the service's checks (the registry test knows a check
// by its `declare_check!`, not by its name).
mod public;
mod sg;
mod sharing;

use eksposture_model::graph::NodegroupView;
use eksposture_model::{
    Evidence, Graph, LaunchTemplateData, MetadataOptions, Observed, ResourceRef, Status,
};

pub use sg::{
    lb_ingress, lb_verdict, security_group_arn, security_group_references, world_ingress,
    world_ingress_any_port, world_ingress_any_port_but_lb, LbIngress, LbVerdict, WorldOpenPorts,
    EXPOSURES,
};

pub use public::{node_exposure, nodes_behind, template_verdict, Exposure, NodesBehind};
pub use sharing::{other_users, OtherUsers};

use crate::imds::{self, Source};
use crate::support::{instance_evidence, instance_ref, node_gaps, nodegroup_chain, Unread};
use crate::Findings;

/// `arn:<partition>:ec2:<region>:<account>:<kind>/<id>`, for resources known
/// only by id.
fn ec2_arn(g: &Graph<'_>, region: &str, kind: &str, id: &str) -> String {
    eksposture_model::arn::ec2(g.partition(), region, g.account_id(), kind, id)
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

    /// `launch template nodes version 3 used by nodegroup ng`, for messages.
    pub fn subject(&self) -> String {
        let name = self
            .data
            .template_name
            .as_deref()
            .unwrap_or(&self.data.template_id);
        format!(
            "launch template {name} version {} used by nodegroup {}",
            self.version(),
            self.nodegroup.nodegroup.name
        )
    }

    /// The launch-template version itself, naming its nodegroup.
    pub fn link(&self, g: &Graph<'_>) -> Evidence {
        Evidence::new(
            "AwsEc2LaunchTemplate",
            self.resource(g).id,
            format!(
                "{} of cluster {}",
                self.subject(),
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
    for used in g.launch_templates_in_use() {
        let (nodegroup, lt) = (used.nodegroup, used.template);
        match &used.data {
            Observed::Known(data) => out.push(Ok(TemplateInUse { nodegroup, data })),
            Observed::Unknown(gap) => {
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
                    gap: Some(gap.clone()),
                    evidence: nodegroup_chain(&nodegroup),
                }));
            }
        }
    }
    out
}

// ---------------------------------------------------------------- IMDS

/// What a check concludes from one set of metadata options: the status and
/// a phrase completing "node i-... " / "launch template ... version ... ".
pub type Verdict = (Status, String);

fn judged(
    out: &mut Findings,
    resource: ResourceRef,
    subject: &str,
    options: (Option<&MetadataOptions>, Source),
    mut evidence: Vec<Evidence>,
    judge: &impl Fn(Option<&MetadataOptions>, Source) -> Verdict,
) {
    if let Some(last) = evidence.last_mut() {
        last.detail = format!("{}; {}", last.detail, imds::describe(options.0));
    }
    let (status, phrase) = judge(options.0, options.1);
    out.emit(status, resource, format!("{subject} {phrase}"), evidence);
}

/// Applies `judge` to the metadata options of every live node instance and
/// of every launch-template version a nodegroup uses (only the version in
/// use), emitting one finding for each. Versions that could not be read, and
/// node populations that could not be listed, become unknown findings.
pub fn for_each_imds_subject(
    g: &Graph<'_>,
    out: &mut Findings,
    judge: impl Fn(Option<&MetadataOptions>, Source) -> Verdict,
) {
    for u in node_gaps(g) {
        u.emit(out);
    }
    for node in g.live_nodes() {
        judged(
            out,
            instance_ref(node),
            &format!("node {}", node.instance.instance_id),
            (node.instance.metadata_options.as_ref(), Source::Instance),
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
                &t.subject(),
                (t.data.metadata_options.as_ref(), Source::LaunchTemplate),
                t.evidence(g),
                &judge,
            ),
        }
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

    /// Puts subnet-1 of vpc-1 into region fragment `r`, with a main route
    /// table sending 0.0.0.0/0 to `target` (an internet gateway for `igw-`,
    /// else a NAT gateway).
    pub fn routed_subnet(r: &mut Value, target: &str) {
        let key = if target.starts_with("igw-") {
            "gateway_id"
        } else {
            "nat_gateway_id"
        };
        let mut route = json!({"destination_cidr": "0.0.0.0/0", "state": "active"});
        route[key] = json!(target);
        r["subnets"] = json!({"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]});
        r["route_tables"] = json!({"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1",
            "main": true, "routes": [route]}]});
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
