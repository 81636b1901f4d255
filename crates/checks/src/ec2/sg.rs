//! The security groups around nodes, and what their ingress rules admit
//! from the whole internet.

use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::graph::{ClusterView, SecurityGroupUser};
use eksposture_model::{Evidence, Graph, SecurityGroup, SgRule};

use super::{ec2_arn, launch_templates_in_use, TemplateInUse};
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

/// The sources of a rule that may be the whole internet: its CIDRs of
/// prefix length 0, and a phrase naming them (or, when it has none, its
/// managed prefix lists, whose entries are not read). `None` when the rule
/// has neither.
fn open_sources(rule: &SgRule) -> Option<(Vec<&str>, String)> {
    let world: Vec<&str> = rule
        .ipv4_ranges
        .iter()
        .chain(&rule.ipv6_ranges)
        .map(String::as_str)
        .filter(|c| is_world_cidr(c))
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

pub fn world_ingress(sg: &SecurityGroup) -> WorldIngress<'_> {
    let (mut open, mut sources) = (BTreeSet::new(), BTreeSet::new());
    let (mut rules, mut undecided) = (Vec::new(), Vec::new());
    for rule in &sg.ingress {
        let Some((world, from)) = open_sources(rule) else {
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
}

/// [`world_ingress`] on every port and protocol.
pub fn world_ingress_any_port(sg: &SecurityGroup) -> WorldOpenPorts<'_> {
    let mut out = WorldOpenPorts::default();
    let mut sources = BTreeSet::new();
    for rule in &sg.ingress {
        let Some((world, from)) = open_sources(rule) else {
            continue;
        };
        match rule_ports(rule) {
            Err(why) => out.undecided.push(format!("ingress rule from {from} {why}")),
            Ok(ports) if world.is_empty() => out.undecided.push(format!(
                "ingress {ports} from {from} is open to the internet if the prefix list holds 0.0.0.0/0 or ::/0 (its entries are not read)"
            )),
            Ok(ports) => {
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

    use super::{world_ingress, world_ingress_any_port};

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
}
