//! The security groups around nodes, and what their ingress rules admit
//! from the whole internet.

use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::graph::{ClusterView, SecurityGroupUser};
use eksposture_model::{Evidence, Graph, SecurityGroup, SgRule, Status};

use super::public::{nodes_behind, NodesBehind};
use super::{ec2_arn, launch_templates_in_use, TemplateInUse};
use crate::emit::gap_evidence;
use crate::support::{
    cluster_evidence, cluster_ref, instance_evidence, is_world_cidr, node_gaps, nodegroup_evidence,
    Unread,
};

pub fn security_group_arn(g: &Graph<'_>, region: &str, group_id: &str) -> String {
    ec2_arn(g, region, "security-group", group_id)
}

/// Who references each security group, keyed by (region, group id).
pub type SgReferences = BTreeMap<(String, String), BTreeSet<Evidence>>;

/// [`Graph::security_group_users`] as evidence, keyed by (region, group
/// id), with what could not be read.
pub fn security_group_references(g: &Graph<'_>) -> (SgReferences, Vec<Unread>) {
    let mut refs = SgReferences::new();
    let mut unread = node_gaps(g);
    let users = g.security_group_users();
    for (c, gap) in users.unread_clusters {
        unread.push(Unread {
            resource: cluster_ref(&c),
            what: format!(
                "the configuration of cluster {} (its security groups)",
                c.cluster.name
            ),
            gap: Some(gap.clone()),
            evidence: vec![cluster_evidence(&c)],
        });
    }
    unread.extend(
        launch_templates_in_use(g)
            .into_iter()
            .filter_map(Result::err),
    );
    for (region, id, user) in users.users {
        let cluster = |c: &ClusterView<'_>, role: &str| {
            Evidence::new(
                "AwsEksCluster",
                &c.cluster.arn,
                format!("cluster {} ({role})", c.cluster.name),
            )
        };
        let by = match user {
            SecurityGroupUser::ClusterAdditional(c) => cluster(&c, "additional security group"),
            SecurityGroupUser::Cluster(c) => cluster(&c, "cluster security group"),
            SecurityGroupUser::RemoteAccess(ng) => {
                let mut by = nodegroup_evidence(&ng);
                by.detail.push_str(" (remote-access security group)");
                by
            }
            SecurityGroupUser::LaunchTemplate(nodegroup, data) => {
                TemplateInUse { nodegroup, data }.link(g)
            }
            SecurityGroupUser::Node(node) => instance_evidence(&node),
        };
        refs.entry((region.to_string(), id.to_string()))
            .or_default()
            .insert(by);
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
/// sources, or why that cannot be told. EC2 names a protocol by keyword or
/// by IANA number (`6` tcp, `17` udp, `132` sctp, `-1` all). UDP and SCTP
/// count for NodePorts only (NodePort services may use either).
fn rule_exposures(rule: &SgRule) -> Result<Vec<&'static str>, String> {
    let proto = rule.ip_protocol.trim().to_ascii_lowercase();
    let any = proto == "-1" || proto == "all";
    let tcp = proto == "tcp" || proto == "6";
    let other_ported = ["udp", "17", "sctp", "132"].contains(&proto.as_str());
    if proto.is_empty() {
        return Err("has no IpProtocol in the DescribeSecurityGroups answer".into());
    }
    let (from, to) = if any {
        (0, 65535)
    } else if tcp || other_ported {
        // EC2 always returns the port range of TCP, UDP and SCTP rules.
        match (rule.from_port, rule.to_port) {
            (Some(f), Some(t)) => (f, t),
            _ => return Err(format!("is {proto} without a FromPort/ToPort range")),
        }
    } else {
        // ICMP, ICMPv6 and other protocols have no ports (ICMP's "ports"
        // are types and codes).
        return Ok(Vec::new());
    };
    let tcp = tcp || any;
    let covers = |p: i32| from <= p && p <= to;
    let opened = [
        tcp && covers(22),
        tcp && covers(3389),
        tcp && covers(10250),
        from <= 32767 && 30000 <= to,
        any || (tcp && from <= 0 && to >= 65535),
    ];
    Ok(EXPOSURES
        .iter()
        .zip(opened)
        .filter(|(_, o)| *o)
        .map(|(e, _)| *e)
        .collect())
}

/// `tcp 22-22`, `-1`, for evidence.
fn rule_text(rule: &SgRule) -> String {
    match (rule.from_port, rule.to_port) {
        (Some(f), Some(t)) if rule.ip_protocol != "-1" => format!("{} {f}-{t}", rule.ip_protocol),
        _ => rule.ip_protocol.clone(),
    }
}

/// What a security group admits from the whole internet on the ports that
/// matter for nodes.
#[derive(Debug, Default)]
pub struct WorldIngress<'a> {
    /// Every exposure a world-open rule opens, in [`EXPOSURES`] order.
    pub exposures: Vec<&'static str>,
    /// The world CIDRs among those rules' sources.
    pub sources: Vec<&'a str>,
    /// One line per offending rule.
    pub rules: Vec<String>,
    /// One line per rule that may admit the internet to those ports but
    /// cannot be judged: a managed prefix list source (its entries are not
    /// read) or a rule whose protocol or ports were not returned.
    pub undecided: Vec<String>,
}

/// The NodePort range of EKS clusters: the API server's default
/// `--service-node-port-range`, which EKS does not let you change.
const NODE_PORTS: (i32, i32) = (30000, 32767);

/// Who manages an ingress source, from its `Description`, as a phrase
/// naming the controller and the load balancer when the description names
/// it. The in-tree service controller (cloud-provider-aws, `type: nlb`)
/// writes `kubernetes.io/rule/nlb/client=<lb name>` on each NodePort for the
/// Service's `loadBalancerSourceRanges` (`0.0.0.0/0` by default) and
/// `kubernetes.io/rule/nlb/health=<lb name>` on the health-check port; the
/// AWS Load Balancer Controller writes `elbv2.k8s.aws/targetGroupBinding=shared`
/// on every rule it manages for a TargetGroupBinding (client CIDRs on the
/// NodePort for an instance-mode NLB without security groups).
fn lb_manager(description: &str) -> Option<String> {
    let in_tree = |name: &str, what: &str| {
        format!("the Kubernetes service controller's {what} rule for load balancer {name}")
    };
    if let Some(name) = description.strip_prefix("kubernetes.io/rule/nlb/client=") {
        Some(in_tree(name, "NLB client"))
    } else if let Some(name) = description.strip_prefix("kubernetes.io/rule/nlb/health=") {
        Some(in_tree(name, "NLB health-check"))
    } else if description == "elbv2.k8s.aws/targetGroupBinding=shared" {
        Some("the AWS Load Balancer Controller's rule for a TargetGroupBinding".into())
    } else {
        None
    }
}

/// Whether a rule opens only TCP or UDP ports of the NodePort range, the
/// only ports the controllers open to client CIDRs for instance targets.
fn only_node_ports(rule: &SgRule) -> bool {
    let proto = rule.ip_protocol.trim().to_ascii_lowercase();
    let ported = ["tcp", "6", "udp", "17"].contains(&proto.as_str());
    matches!((rule.from_port, rule.to_port),
        (Some(f), Some(t)) if ported && NODE_PORTS.0 <= f && f <= t && t <= NODE_PORTS.1)
}

/// The world CIDRs of a rule that a load balancer controller manages on
/// NodePorts, each with its manager; empty for any other rule.
fn lb_sources(rule: &SgRule) -> Vec<(&str, String)> {
    if !only_node_ports(rule) {
        return Vec::new();
    }
    rule.ipv4_ranges
        .iter()
        .chain(&rule.ipv6_ranges)
        .filter(|c| is_world_cidr(c))
        .filter_map(|c| Some((c.as_str(), lb_manager(rule.range_descriptions.get(c)?)?)))
        .collect()
}

/// The world-open NodePort rules of a group that load balancer controllers
/// manage: the load balancer's intended exposure when the nodes behind it
/// cannot be reached from the internet themselves. [`world_ingress`] and
/// [`world_ingress_any_port`] leave these sources out.
#[derive(Debug, Default)]
pub struct LbIngress<'a> {
    /// One line per rule.
    pub rules: Vec<String>,
    /// The world CIDRs among their sources.
    pub sources: Vec<&'a str>,
    /// The ports they open (`tcp 31380`), without repeats.
    pub ports: Vec<String>,
    /// The controllers' rules, as phrases, without repeats.
    pub managers: Vec<String>,
}

impl LbIngress<'_> {
    pub fn ipv4(&self) -> bool {
        self.sources.iter().any(|s| !s.contains(':'))
    }

    pub fn ipv6(&self) -> bool {
        self.sources.iter().any(|s| s.contains(':'))
    }
}

pub fn lb_ingress(sg: &SecurityGroup) -> LbIngress<'_> {
    let mut out = LbIngress::default();
    let mut sources = BTreeSet::new();
    for rule in &sg.ingress {
        for (cidr, by) in lb_sources(rule) {
            // `only_node_ports` made sure the rule has its ports.
            let ports = rule_ports(rule).unwrap_or_else(|_| rule_text(rule));
            out.rules
                .push(format!("ingress {ports} from {cidr} ({by})"));
            if !out.ports.contains(&ports) {
                out.ports.push(ports);
            }
            sources.insert(cidr);
            if !out.managers.contains(&by) {
                out.managers.push(by);
            }
        }
    }
    out.sources = sources.into_iter().collect();
    out
}

/// The verdict on a group's load balancer rules: a status and a phrase
/// completing "security group sg-1 ".
pub struct LbVerdict {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

/// Judges the rules of [`lb_ingress`] of group `group_id` (`arn`) by the
/// nodes behind them ([`nodes_behind`]): **fail** when a node carrying the
/// group is itself reachable from the internet (the NodePorts are then
/// exposed directly, whatever the load balancer allows); **pass** when no
/// node is, which leaves the exposure to the load balancer (judged on its
/// own); **unknown** when a node's reach, or which nodes carry the group,
/// cannot be told.
pub fn lb_verdict(
    g: &Graph<'_>,
    region: &str,
    group_id: &str,
    arn: &str,
    lb: &LbIngress<'_>,
) -> LbVerdict {
    let (behind, nodes) = nodes_behind(g, region, group_id, (lb.ipv4(), lb.ipv6()));
    let mut evidence: Vec<Evidence> = lb
        .rules
        .iter()
        .map(|l| Evidence::new("AwsEc2SecurityGroup", arn, l))
        .collect();
    evidence.extend(nodes);
    let admits = format!(
        "admits {} to NodePorts {} through {}",
        lb.sources.join(" and "),
        lb.ports.join(", "),
        lb.managers.join(", ")
    );
    let (status, message) = match behind {
        NodesBehind::Exposed(nodes) => (
            Status::Fail,
            format!("{admits}, and {}: the internet reaches those NodePorts on the node directly, not only through the load balancer", nodes.join("; ")),
        ),
        NodesBehind::Unknown { what, gap } => {
            let what = match gap {
                Some(gap) => {
                    let why = format!("{what} could not be read ({}: {})", gap.reason.as_str(), gap.operation);
                    evidence.push(gap_evidence(&gap));
                    why
                }
                None => what,
            };
            (Status::Unknown, format!("{admits}; whether the nodes behind it are reachable from the internet themselves is unknown: {what}"))
        }
        NodesBehind::Private(nodes) => (
            Status::Pass,
            format!("{admits}, and no node carrying it can be reached from the internet ({}): that is the load balancer's intended exposure, judged on the load balancer, not the nodes'", nodes.join("; ")),
        ),
    };
    LbVerdict {
        status,
        message,
        evidence,
    }
}

/// The sources of a rule that may be the whole internet: its CIDRs of
/// prefix length 0 (without those a load balancer controller manages, see
/// [`lb_ingress`], when `lb_apart`), and a phrase naming them (or, when it
/// has none, its managed prefix lists, whose entries are not read). `None`
/// when the rule has neither.
fn open_sources(rule: &SgRule, lb_apart: bool) -> Option<(Vec<&str>, String)> {
    let managed: Vec<&str> = if lb_apart {
        lb_sources(rule).into_iter().map(|(c, _)| c).collect()
    } else {
        Vec::new()
    };
    let world: Vec<&str> = rule
        .ipv4_ranges
        .iter()
        .chain(&rule.ipv6_ranges)
        .map(String::as_str)
        .filter(|c| is_world_cidr(c) && !managed.contains(c))
        .collect();
    let lists = &rule.prefix_list_ids;
    if world.is_empty() && lists.is_empty() {
        return None;
    }
    let from = if world.is_empty() {
        format!("prefix list {}", lists.join(", "))
    } else {
        world.join(", ")
    };
    Some((world, from))
}

/// What a group admits from the whole internet to node ports, leaving out
/// the rules of [`lb_ingress`].
pub fn world_ingress(sg: &SecurityGroup) -> WorldIngress<'_> {
    let (mut open, mut sources) = (BTreeSet::new(), BTreeSet::new());
    let (mut rules, mut undecided) = (Vec::new(), Vec::new());
    for rule in &sg.ingress {
        let Some((world, from)) = open_sources(rule, true) else {
            continue;
        };
        let opened = match rule_exposures(rule) {
            Ok(opened) if opened.is_empty() => continue,
            Ok(opened) => opened,
            Err(why) => {
                undecided.push(format!("ingress rule from {from} {why}"));
                continue;
            }
        };
        let line = format!(
            "ingress {} from {from} opens {}",
            rule_text(rule),
            opened.join(", ")
        );
        if world.is_empty() {
            undecided.push(format!(
                "{line} if the prefix list holds 0.0.0.0/0 or ::/0 (its entries are not read)"
            ));
        } else {
            rules.push(line);
            open.extend(opened);
            sources.extend(world);
        }
    }
    WorldIngress {
        exposures: EXPOSURES
            .iter()
            .copied()
            .filter(|e| open.contains(e))
            .collect(),
        sources: sources.into_iter().collect(),
        rules,
        undecided,
    }
}

/// The ports one rule opens, as a phrase (`tcp 443`, `udp 1000-2000`,
/// `all traffic`, `icmp`), or why that cannot be told.
fn rule_ports(rule: &SgRule) -> Result<String, String> {
    let proto = rule.ip_protocol.trim().to_ascii_lowercase();
    let name = match proto.as_str() {
        "" => return Err("has no IpProtocol in the DescribeSecurityGroups answer".into()),
        "-1" | "all" => return Ok("all traffic".into()),
        "6" | "tcp" => "tcp",
        "17" | "udp" => "udp",
        "132" | "sctp" => "sctp",
        "1" | "icmp" => return Ok("icmp".into()),
        "58" | "icmpv6" => return Ok("icmpv6".into()),
        other => return Ok(format!("protocol {other}")),
    };
    match (rule.from_port, rule.to_port) {
        (Some(f), Some(t)) if f == t => Ok(format!("{name} {f}")),
        (Some(f), Some(t)) => Ok(format!("{name} {f}-{t}")),
        _ => Err(format!("is {name} without a FromPort/ToPort range")),
    }
}

/// What a security group admits from the whole internet on any port, for
/// groups where any world ingress is too much (the EKS control plane).
#[derive(Debug, Default)]
pub struct WorldOpenPorts<'a> {
    /// One phrase per world-open rule (`tcp 443`, `all traffic`, ...), in
    /// rule order, without repeats.
    pub ports: Vec<String>,
    /// The world CIDRs among those rules' sources.
    pub sources: Vec<&'a str>,
    /// One line per offending rule.
    pub rules: Vec<String>,
    /// One line per rule that may admit the internet but cannot be judged:
    /// a managed prefix list source, or a world-open rule whose protocol or
    /// ports were not returned.
    pub undecided: Vec<String>,
    /// Whether a world-open rule admits TCP 443, the only port the private
    /// API endpoint is served on through the control-plane interfaces.
    pub api_port: bool,
}

/// What a group admits from the whole internet on every port and
/// protocol, load balancer rules included: whether a node is reachable.
pub fn world_ingress_any_port(sg: &SecurityGroup) -> WorldOpenPorts<'_> {
    any_port(sg, false)
}

/// [`world_ingress_any_port`] without the rules of [`lb_ingress`], for the
/// groups themselves.
pub fn world_ingress_any_port_but_lb(sg: &SecurityGroup) -> WorldOpenPorts<'_> {
    any_port(sg, true)
}

fn any_port(sg: &SecurityGroup, lb_apart: bool) -> WorldOpenPorts<'_> {
    let mut out = WorldOpenPorts::default();
    let mut sources = BTreeSet::new();
    for rule in &sg.ingress {
        let Some((world, from)) = open_sources(rule, lb_apart) else {
            continue;
        };
        match rule_ports(rule) {
            Err(why) => out.undecided.push(format!("ingress rule from {from} {why}")),
            Ok(ports) if world.is_empty() => out.undecided.push(format!(
                "ingress {ports} from {from} is open to the internet if the prefix list holds 0.0.0.0/0 or ::/0 (its entries are not read)"
            )),
            Ok(ports) => {
                let covers_443 = matches!((rule.from_port, rule.to_port),
                    (Some(f), Some(t)) if f <= 443 && 443 <= t);
                out.api_port |= ports == "all traffic" || (ports.starts_with("tcp") && covers_443);
                out.rules.push(format!("ingress {ports} from {from}"));
                if !out.ports.contains(&ports) {
                    out.ports.push(ports);
                }
                sources.extend(world);
            }
        }
    }
    out.sources = sources.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use eksposture_model::{SecurityGroup, SgRule};

    use super::{lb_ingress, world_ingress, world_ingress_any_port, world_ingress_any_port_but_lb};

    fn group(rule: SgRule) -> SecurityGroup {
        SecurityGroup {
            group_id: "sg-1".into(),
            ingress: vec![rule],
            ..SecurityGroup::default()
        }
    }

    fn rule(proto: &str, ports: Option<(i32, i32)>, cidr: &str) -> SgRule {
        SgRule {
            ip_protocol: proto.into(),
            from_port: ports.map(|p| p.0),
            to_port: ports.map(|p| p.1),
            ipv4_ranges: vec![cidr.into()],
            ..SgRule::default()
        }
    }

    #[test]
    fn protocol_numbers_count_like_their_names() {
        let sg = group(rule("6", Some((22, 22)), "0.0.0.0/0"));
        assert_eq!(world_ingress(&sg).exposures, ["SSH 22"]);
        let sg = group(rule("132", Some((30000, 30000)), "0.0.0.0/0"));
        assert_eq!(world_ingress(&sg).exposures, ["NodePorts 30000-32767"]);
    }

    #[test]
    fn icmp_types_are_not_ports() {
        let sg = group(rule("icmp", Some((8, 0)), "0.0.0.0/0"));
        let w = world_ingress(&sg);
        assert!(w.exposures.is_empty() && w.undecided.is_empty());
    }

    #[test]
    fn a_tcp_rule_without_ports_or_protocol_is_undecided_not_guessed() {
        for r in [rule("tcp", None, "0.0.0.0/0"), rule("", None, "::/0")] {
            let sg = group(r);
            let w = world_ingress(&sg);
            assert!(w.exposures.is_empty());
            assert_eq!(w.undecided.len(), 1, "{:?}", w.undecided);
        }
    }

    #[test]
    fn a_prefix_list_source_on_a_sensitive_port_is_undecided() {
        let mut r = rule("tcp", Some((22, 22)), "10.0.0.0/8");
        r.prefix_list_ids = vec!["pl-1".into()];
        let sg = group(r);
        let w = world_ingress(&sg);
        assert!(w.exposures.is_empty());
        assert!(
            w.undecided[0].contains("prefix list pl-1"),
            "{:?}",
            w.undecided
        );
        let mut https = rule("tcp", Some((443, 443)), "10.0.0.0/8");
        https.prefix_list_ids = vec!["pl-1".into()];
        assert!(world_ingress(&group(https)).undecided.is_empty());
    }

    #[test]
    fn any_port_view_names_https_icmp_and_all_traffic() {
        let mut sg = group(rule("tcp", Some((443, 443)), "0.0.0.0/0"));
        sg.ingress.push(rule("icmp", Some((-1, -1)), "0.0.0.0/0"));
        let mut all = rule("-1", None, "10.0.0.0/8");
        all.ipv6_ranges = vec!["::/0".into()];
        sg.ingress.push(all);
        sg.ingress.push(rule("tcp", Some((443, 443)), "10.0.0.0/8"));
        let w = world_ingress_any_port(&sg);
        assert_eq!(w.ports, ["tcp 443", "icmp", "all traffic"]);
        assert_eq!(w.sources, ["0.0.0.0/0", "::/0"]);
        assert!(w.undecided.is_empty());
    }

    #[test]
    fn any_port_view_leaves_prefix_lists_and_portless_tcp_undecided() {
        let mut listed = rule("tcp", Some((8443, 8443)), "10.0.0.0/8");
        listed.prefix_list_ids = vec!["pl-1".into()];
        let mut sg = group(listed);
        sg.ingress.push(rule("tcp", None, "0.0.0.0/0"));
        let w = world_ingress_any_port(&sg);
        assert!(w.ports.is_empty());
        assert_eq!(w.undecided.len(), 2, "{:?}", w.undecided);
        assert!(w.undecided[0].contains("tcp 8443 from prefix list pl-1"));
    }

    fn described(proto: &str, ports: (i32, i32), cidr: &str, description: &str) -> SgRule {
        let mut r = rule(proto, Some(ports), cidr);
        if cidr.contains(':') {
            r.ipv6_ranges = std::mem::take(&mut r.ipv4_ranges);
        }
        r.range_descriptions.insert(cidr.into(), description.into());
        r
    }

    #[test]
    fn controller_nodeport_rules_are_set_apart_from_the_node_view_only() {
        let mut sg = group(described(
            "udp",
            (31000, 31000),
            "0.0.0.0/0",
            "kubernetes.io/rule/nlb/client=abc",
        ));
        sg.ingress.push(described(
            "6",
            (30000, 32767),
            "::/0",
            "elbv2.k8s.aws/targetGroupBinding=shared",
        ));
        let lb = lb_ingress(&sg);
        assert_eq!(lb.sources, ["0.0.0.0/0", "::/0"]);
        assert_eq!(lb.ports, ["udp 31000", "tcp 30000-32767"]);
        assert!(lb.ipv4() && lb.ipv6());
        assert_eq!(lb.managers.len(), 2, "{:?}", lb.managers);
        assert!(world_ingress(&sg).exposures.is_empty());
        assert!(world_ingress_any_port_but_lb(&sg).ports.is_empty());
        // Reach from the internet still counts them: on a node that has a
        // public address, the NodePort is open whoever manages the rule.
        assert_eq!(
            world_ingress_any_port(&sg).ports,
            ["udp 31000", "tcp 30000-32767"]
        );
    }

    #[test]
    fn controller_descriptions_count_only_on_nodeports_and_their_own_source() {
        let nlb = "kubernetes.io/rule/nlb/client=abc";
        for r in [
            described("tcp", (22, 22), "0.0.0.0/0", nlb),
            described("tcp", (29999, 30000), "0.0.0.0/0", nlb),
            described("-1", (0, 0), "0.0.0.0/0", nlb),
            described(
                "tcp",
                (31000, 31000),
                "0.0.0.0/0",
                "kubernetes.io/rule/nlb/mtu",
            ),
            described(
                "tcp",
                (31000, 31000),
                "0.0.0.0/0",
                "elbv2.k8s.aws/targetGroupBinding=mine",
            ),
        ] {
            let sg = group(r);
            assert!(lb_ingress(&sg).rules.is_empty(), "{:?}", sg.ingress);
            assert!(!world_ingress(&sg).exposures.is_empty(), "{:?}", sg.ingress);
        }
        let mut two = described("tcp", (31000, 31000), "0.0.0.0/0", nlb);
        two.ipv6_ranges = vec!["::/0".into()];
        let sg = group(two);
        assert_eq!(lb_ingress(&sg).sources, ["0.0.0.0/0"]);
        assert_eq!(world_ingress(&sg).sources, ["::/0"]);
    }
}
