//! Whether a node can be reached from the internet: an address the internet
//! routes to ([`node_exposure`]) *and* a security group admitting the whole
//! internet ([`world_ingress_any_port`]).
//!
//! Only a public IPv4 address takes IPv4 connections from the internet: a
//! node without one in a subnet routed to an internet gateway can reach out
//! but cannot be reached over IPv4. Over IPv6 it can, if it has an IPv6
//! address; instance IPv6 addresses are not collected, so a group admitting
//! `::/0` leaves reach unknown rather than guessed. Network ACLs are not
//! read. ICMP is not a way in to a service and does not count.

use eksposture_model::graph::{Lookup, NodeView};
use eksposture_model::{Evidence, Graph, SgRule};

use crate::ec2::{node_exposure, security_group_arn, world_ingress_any_port, Exposure};
use crate::emit::gap_evidence;

/// Reach from the internet, each with the phrase that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Yes(String),
    No(String),
    Unknown(String),
}

fn is_icmp(rule: &SgRule) -> bool {
    matches!(
        rule.ip_protocol.trim().to_ascii_lowercase().as_str(),
        "1" | "icmp" | "58" | "icmpv6"
    )
}

/// What the node's security groups admit from the whole internet.
#[derive(Default)]
struct Admits {
    ipv4: Vec<String>,
    ipv6: Vec<String>,
    unsure: Vec<String>,
}

fn admits(g: &Graph<'_>, node: &NodeView<'_>, ev: &mut Vec<Evidence>) -> Admits {
    let mut a = Admits::default();
    let region = node.region;
    if node.instance.security_group_ids.is_empty() {
        a.unsure
            .push("DescribeInstances returned no security groups for it".into());
    }
    for id in &node.instance.security_group_ids {
        let sg = match g.security_group(region, id) {
            Lookup::Found(sg) => sg,
            Lookup::Unknown(gap) => {
                ev.push(gap_evidence(gap));
                a.unsure
                    .push(format!("security group {id} could not be read"));
                continue;
            }
            Lookup::Missing => {
                a.unsure.push(format!(
                    "security group {id} is not among the groups DescribeSecurityGroups returned"
                ));
                continue;
            }
        };
        let arn = if sg.arn.is_empty() {
            security_group_arn(g, region, id)
        } else {
            sg.arn.clone()
        };
        for rule in sg.ingress.iter().filter(|r| !is_icmp(r)) {
            let one = eksposture_model::SecurityGroup {
                ingress: vec![rule.clone()],
                ..eksposture_model::SecurityGroup::default()
            };
            let w = world_ingress_any_port(&one);
            for line in &w.rules {
                ev.push(Evidence::new(
                    "AwsEc2SecurityGroup",
                    &arn,
                    format!("{id}: {line}"),
                ));
                let line = format!("security group {id} allows {line}");
                if w.sources.iter().any(|s| !s.contains(':')) {
                    a.ipv4.push(line.clone());
                }
                if w.sources.iter().any(|s| s.contains(':')) {
                    a.ipv6.push(line);
                }
            }
            a.unsure.extend(
                w.undecided
                    .iter()
                    .map(|u| format!("security group {id}: {u}")),
            );
        }
    }
    a
}

/// Whether the internet can open connections to a node, with the chain
/// instance -> subnet -> route table -> internet gateway -> security groups.
pub fn internet_reach(g: &Graph<'_>, node: &NodeView<'_>) -> (Reach, Vec<Evidence>) {
    let (exposure, mut ev) = node_exposure(g, node);
    let a = admits(g, node, &mut ev);
    let closed = a.ipv4.is_empty() && a.ipv6.is_empty() && a.unsure.is_empty();
    let public_ipv4 = node
        .instance
        .public_ip_address
        .as_deref()
        .is_some_and(|ip| !ip.is_empty());
    let reach = match exposure {
        Exposure::Private(why) => Reach::No(format!("it {why}")),
        _ if closed => Reach::No("no security group of it admits 0.0.0.0/0 or ::/0".into()),
        Exposure::Unknown { what, gap } => {
            if let Some(gap) = &gap {
                ev.push(gap_evidence(gap));
            }
            Reach::Unknown(what)
        }
        Exposure::Public(why) if public_ipv4 && !a.ipv4.is_empty() => {
            Reach::Yes(format!("it {}, and {}", why.join(" and "), a.ipv4.join("; ")))
        }
        Exposure::Public(_) if !a.ipv6.is_empty() => Reach::Unknown(format!(
            "{}, reachable if it has an IPv6 address (not collected)",
            a.ipv6.join("; ")
        )),
        Exposure::Public(_) if !a.unsure.is_empty() => Reach::Unknown(a.unsure.join("; ")),
        Exposure::Public(_) if public_ipv4 => Reach::No(
            "it has a public IPv4 address, but no security group of it admits the internet".into(),
        ),
        Exposure::Public(_) => Reach::No(
            "its subnet routes to an internet gateway, but it has no public IPv4 address and no security group of it admits ::/0"
                .into(),
        ),
    };
    (reach, ev)
}
