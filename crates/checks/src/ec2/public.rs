//! Whether a node is reachable from the internet: a public IPv4 address, or
//! a subnet whose route table sends the default route to an internet
//! gateway.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use eksposture_model::graph::{Lookup, NodeView};
use eksposture_model::{
    Evidence, Gap, Graph, LaunchTemplateData, Route, RouteTable, Status, Subnet,
};

use super::ec2_arn;
use crate::support::{instance_evidence, is_world_cidr};

/// What a node's address and routes say about its reachability.
#[derive(Debug)]
pub enum Exposure {
    /// One phrase per reason, each completing "node i-... ".
    Public(Vec<String>),
    /// The phrase completing "node i-... " that says why it is private.
    Private(String),
    /// What could not be read, and the failed read when there was one;
    /// without a gap, `what` is a whole sentence.
    Unknown { what: String, gap: Option<Gap> },
}

/// An active route for every address (`0.0.0.0/0`, `::/0`) whose target is
/// an internet gateway (`igw-`). NAT, virtual private, transit and
/// egress-only internet gateways do not let the internet in; a `blackhole`
/// route (its gateway detached) routes nothing.
fn is_world_route_to_igw(r: &Route) -> bool {
    let world = r.destination_cidr.iter().any(|c| is_world_cidr(c))
        || r.destination_ipv6_cidr.iter().any(|c| is_world_cidr(c));
    let igw = r
        .gateway_id
        .as_deref()
        .is_some_and(|g| g.starts_with("igw-"));
    world && igw && r.state.as_deref() != Some("blackhole")
}

fn route_text(r: &Route) -> String {
    let dest = r
        .destination_cidr
        .as_deref()
        .or(r.destination_ipv6_cidr.as_deref())
        .unwrap_or("?");
    let state = r.state.as_deref().unwrap_or("state not returned");
    format!(
        "route {dest} -> {} ({state})",
        r.gateway_id.as_deref().unwrap_or("?")
    )
}

/// What could not be read about a node's routes, and the failed read.
type Unjudged<'a> = (String, Option<&'a Gap>);

/// The subnet's route table and its world routes to internet gateways,
/// pushing subnet, route table and those routes onto the evidence.
fn igw_routes<'a>(
    g: &Graph<'a>,
    node: &NodeView<'a>,
    ev: &mut Vec<Evidence>,
) -> Result<(&'a Subnet, &'a RouteTable, Vec<&'a Route>), Unjudged<'a>> {
    let (region, id) = (node.region, &node.instance.instance_id);
    let Some(subnet_id) = node.instance.subnet_id.as_deref() else {
        let what = format!(
            "DescribeInstances returned no SubnetId for node {id}, so its routes cannot be judged"
        );
        return Err((what, None));
    };
    let subnet = match g.subnet(region, subnet_id) {
        Lookup::Found(s) => s,
        Lookup::Unknown(gap) => {
            let what = format!("the subnets of region {region} (subnet {subnet_id} of node {id})");
            return Err((what, Some(gap)));
        }
        Lookup::Missing => {
            let what = format!("subnet {subnet_id} of node {id} is not in the region's subnet list, so its routes cannot be judged");
            return Err((what, None));
        }
    };
    let arn = if subnet.arn.is_empty() {
        ec2_arn(g, region, "subnet", subnet_id)
    } else {
        subnet.arn.clone()
    };
    let map_public = subnet
        .map_public_ip_on_launch
        .map_or_else(|| "not returned".into(), |b| b.to_string());
    ev.push(Evidence::new(
        "AwsEc2Subnet",
        arn,
        format!("subnet {subnet_id}; MapPublicIpOnLaunch={map_public}"),
    ));
    let table = match g.route_table_for_subnet(region, subnet) {
        Lookup::Found(t) => t,
        Lookup::Unknown(gap) => {
            let what = format!("the route tables of region {region} (for subnet {subnet_id})");
            return Err((what, Some(gap)));
        }
        Lookup::Missing => {
            let what = format!("no route table applies to subnet {subnet_id} of node {id} (no explicit association and no main table of its VPC was read)");
            return Err((what, None));
        }
    };
    let how = if table.subnet_ids.contains(&subnet.subnet_id) {
        "explicitly associated"
    } else {
        "main route table of the VPC"
    };
    let routes: Vec<&Route> = table
        .routes
        .iter()
        .filter(|r| is_world_route_to_igw(r))
        .collect();
    ev.push(Evidence::new(
        "AwsEc2RouteTable",
        ec2_arn(g, region, "route-table", &table.route_table_id),
        format!("route table {} ({how})", table.route_table_id),
    ));
    for r in &routes {
        let igw = r.gateway_id.as_deref().unwrap_or_default();
        ev.push(Evidence::new(
            "AwsEc2InternetGateway",
            ec2_arn(g, region, "internet-gateway", igw),
            route_text(r),
        ));
    }
    Ok((subnet, table, routes))
}

/// Whether a node is reachable from the internet, with the evidence chain
/// instance -> subnet -> route table -> internet-gateway routes. A public
/// IPv4 address is decisive on its own, whatever the routes.
pub fn node_exposure(g: &Graph<'_>, node: &NodeView<'_>) -> (Exposure, Vec<Evidence>) {
    let mut ev = vec![instance_evidence(node)];
    let mut reasons = Vec::new();
    // DescribeInstances omits PublicIpAddress when the instance has none.
    if let Some(ip) = node
        .instance
        .public_ip_address
        .as_deref()
        .filter(|ip| !ip.is_empty())
    {
        let _ = write!(ev[0].detail, "; public IPv4 {ip}");
        reasons.push(format!("has the public IPv4 address {ip}"));
    }
    match igw_routes(g, node, &mut ev) {
        Ok((subnet, table, routes)) if !routes.is_empty() => {
            let dests: Vec<String> = routes.iter().map(|r| route_text(r)).collect();
            reasons.push(format!(
                "sits in subnet {} whose route table {} sends {}",
                subnet.subnet_id,
                table.route_table_id,
                dests.join(", ")
            ));
        }
        Ok((subnet, table, _)) if reasons.is_empty() => {
            let why = format!(
                "has no public IPv4 address and its subnet {} (route table {}) sends no 0.0.0.0/0 or ::/0 route to an internet gateway",
                subnet.subnet_id, table.route_table_id
            );
            return (Exposure::Private(why), ev);
        }
        Err((what, gap)) if reasons.is_empty() => {
            let gap = gap.cloned();
            return (Exposure::Unknown { what, gap }, ev);
        }
        Ok(_) | Err(_) => {}
    }
    (Exposure::Public(reasons), ev)
}

/// Whether the nodes that carry a security group can be reached from the
/// internet through its world-open load balancer rules.
#[derive(Debug)]
pub enum NodesBehind {
    /// One phrase per reachable node (`node i-1 has the public IPv4 ...`).
    Exposed(Vec<String>),
    /// One phrase per node, saying why it is not reachable.
    Private(Vec<String>),
    /// As [`Exposure::Unknown`], for the first node that cannot be judged.
    Unknown { what: String, gap: Option<Gap> },
}

/// [`NodesBehind`] for the live nodes carrying group `group_id` of
/// `region`, for rules admitting `0.0.0.0/0` (`ipv4`) or `::/0` (`ipv6`),
/// with the evidence chain of each node. As in the path checks, only a
/// public IPv4 address takes IPv4 connections from the internet; a node
/// in a subnet routed to an internet gateway may take IPv6 ones if it has
/// an IPv6 address, which is not collected.
pub fn nodes_behind(
    g: &Graph<'_>,
    region: &str,
    group_id: &str,
    (ipv4, ipv6): (bool, bool),
) -> (NodesBehind, Vec<Evidence>) {
    if let Some(gap) = g.instance_listing_gap(region) {
        let what = format!(
            "the instances of region {region} (the nodes carrying security group {group_id})"
        );
        return (
            NodesBehind::Unknown {
                what,
                gap: Some(gap.clone()),
            },
            Vec::new(),
        );
    }
    let mut ev = BTreeSet::new();
    let (mut exposed, mut private, mut unknown) = (Vec::new(), Vec::new(), None);
    let carriers = g.live_nodes().filter(|n| {
        n.region == region && n.instance.security_group_ids.iter().any(|s| s == group_id)
    });
    for node in carriers {
        let (exposure, chain) = node_exposure(g, node);
        ev.extend(chain);
        let id = &node.instance.instance_id;
        let public_ipv4 = node
            .instance
            .public_ip_address
            .as_deref()
            .is_some_and(|ip| !ip.is_empty());
        match exposure {
            Exposure::Private(why) => private.push(format!("node {id} {why}")),
            Exposure::Unknown { what, gap } => {
                unknown.get_or_insert(NodesBehind::Unknown { what, gap });
            }
            Exposure::Public(why) if public_ipv4 && ipv4 => {
                exposed.push(format!("node {id} {}", why.join(" and ")));
            }
            Exposure::Public(why) if ipv6 => {
                let what = format!("node {id} {}, so it takes connections from ::/0 if it has an IPv6 address (instance IPv6 addresses are not collected)", why.join(" and "));
                unknown.get_or_insert(NodesBehind::Unknown { what, gap: None });
            }
            Exposure::Public(_) => private.push(format!("node {id} has no public IPv4 address, without which its subnet's internet gateway lets no IPv4 connection in")),
        }
    }
    let verdict = if !exposed.is_empty() {
        NodesBehind::Exposed(exposed)
    } else if let Some(unknown) = unknown {
        unknown
    } else if private.is_empty() {
        let what = format!("no live node carries security group {group_id}, so whether the nodes its load balancer rules admit the internet to are reachable cannot be told");
        NodesBehind::Unknown { what, gap: None }
    } else {
        NodesBehind::Private(private)
    };
    (verdict, ev.into_iter().collect())
}

/// Whether a launch-template version assigns public IPv4 addresses, as a
/// status and a phrase completing "launch template ... version ... ".
pub fn template_verdict(data: &LaunchTemplateData) -> (Status, &'static str) {
    match data.associate_public_ip {
        Some(true) => (Status::Fail, "assigns public IPv4 addresses (AssociatePublicIpAddress=true)"),
        Some(false) => (Status::Pass, "assigns no public IPv4 address (AssociatePublicIpAddress=false)"),
        // No network interface: the subnet's MapPublicIpOnLaunch decides,
        // and the instances it launched are judged on their own.
        None => (Status::Pass, "defines no network interface, so it assigns no public IP itself (the subnet's setting applies, judged on each node)"),
    }
}
