use eksposture_model::Graph;

use super::{launch_templates_in_use, node_exposure, template_verdict, Exposure};
use crate::support::{instance_ref, node_gaps, Unread};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every live node instance (not `terminated` or `shutting-down`):
    /// **fail** when it has a public IPv4 address, or sits in a subnet whose
    /// route table (its explicit association, else the VPC's main table) has
    /// a non-`blackhole` route for `0.0.0.0/0` or `::/0` to an internet
    /// gateway (`igw-`; NAT, virtual private, transit and egress-only
    /// gateways do not count); **pass** when it has no public IPv4 address
    /// and its subnet's route table has no such route; **unknown** when it
    /// has no public IPv4 address and its subnet or route table could not be
    /// read or found, or DescribeInstances returned no subnet. A public
    /// address fails whatever the routes. Also every launch-template version
    /// a nodegroup *uses*: **fail** when a network interface sets
    /// `AssociatePublicIpAddress=true`; **pass** otherwise (no network
    /// interface leaves it to the subnet, judged on the nodes); **unknown**
    /// when that version could not be read. Regions whose clusters or
    /// instances, and clusters whose nodegroups, could not be listed are
    /// unknown.
    ///
    /// ## Rationale
    ///
    /// A node in a public subnet is one security-group rule away from the
    /// internet: kubelet, NodePorts and SSH then face every scanner. CIS
    /// 5.4.3 and the EKS Best Practices Guide ask for private nodes that
    /// reach out through NAT and are reached through load balancers.
    ///
    /// ## Remediation
    ///
    /// Move nodegroups to private subnets (default route to a NAT gateway),
    /// set `MapPublicIpOnLaunch=false` on node subnets, and remove
    /// `AssociatePublicIpAddress=true` from node launch templates.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1", "public_ip_address": "203.0.113.7"}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "gateway_id": "igw-1", "state": "active"}]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1"}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"],
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1", "state": "active"}]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1"}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"unknown": {"service": "ec2", "region": "us-east-1",
    ///     "operation": "DescribeRouteTables", "reason": "access_denied", "message": "denied"}}}}}
    /// ```
    id: "ec2-node-no-public-ip",
    title: "EKS nodes should have no public IP and sit in subnets not routed to an internet gateway",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2Instance",
    remediation: "Run nodes in private subnets (default route to a NAT gateway) without public IPs; remove AssociatePublicIpAddress=true from node launch templates.",
    compliance: ["CIS-EKS-1.8:5.4.3", "AWS-FSBP:EC2.9", "AWS-FSBP:EC2.25", "NIST-800-190:4.5.1", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "EKS-BPG:network"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in node_gaps(g) {
        u.emit(out);
    }
    for node in g.live_nodes() {
        let subject = format!("node {}", node.instance.instance_id);
        let (exposure, evidence) = node_exposure(g, node);
        let resource = instance_ref(node);
        match exposure {
            Exposure::Public(why) => {
                let msg = format!(
                    "{subject} is exposed to the internet: it {}",
                    why.join(" and ")
                );
                out.fail(resource, msg, evidence);
            }
            Exposure::Private(why) => out.pass(resource, format!("{subject} {why}"), evidence),
            Exposure::Unknown { what, gap } => Unread {
                resource,
                what,
                gap,
                evidence,
            }
            .emit(out),
        }
    }
    for t in launch_templates_in_use(g) {
        let t = match t {
            Ok(t) => t,
            Err(u) => {
                u.emit(out);
                continue;
            }
        };
        let (status, phrase) = template_verdict(t.data);
        out.emit(
            status,
            t.resource(g),
            format!("{} {phrase}", t.subject()),
            t.evidence(g),
        );
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ec2::fixtures::{node, nodegroup_with_template, region, template_version};
    use crate::testing::{self, statuses};

    fn run(node_fields: &Value, tables: &Value) -> Vec<Finding> {
        let mut n = node("i-1", json!(null));
        for (k, v) in node_fields.as_object().unwrap() {
            n[k.as_str()] = v.clone();
        }
        let subnet =
            json!({"subnet_id": "subnet-1", "vpc_id": "vpc-1", "map_public_ip_on_launch": false});
        testing::run(
            &super::META,
            region(
                json!({"instances": {"known": [n]}, "subnets": {"known": [subnet]}, "route_tables": tables}),
            ),
        )
    }

    fn table(main: bool, assoc: &[&str], route: &Value) -> Value {
        json!({"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": main,
            "subnet_ids": assoc, "routes": [{"destination_cidr": "10.0.0.0/16", "gateway_id": "local"}, route]}]})
    }

    #[test]
    fn fails_with_the_chain_when_the_main_route_table_sends_ipv6_world_to_an_igw() {
        let route =
            json!({"destination_ipv6_cidr": "::/0", "gateway_id": "igw-9", "state": "active"});
        let f = run(&json!({"subnet_id": "subnet-1"}), &table(true, &[], &route));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("::/0 -> igw-9"), "{}", f[0].message);
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEc2Instance",
                "AwsEc2Subnet",
                "AwsEc2RouteTable",
                "AwsEc2InternetGateway"
            ]
        );
        assert_eq!(
            f[0].evidence[3].id,
            "arn:aws:ec2:us-east-1:111122223333:internet-gateway/igw-9"
        );
    }

    #[test]
    fn passes_when_the_default_route_goes_to_nat_or_to_a_blackholed_igw() {
        for route in [
            json!({"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1", "state": "active"}),
            json!({"destination_cidr": "0.0.0.0/0", "gateway_id": "igw-1", "state": "blackhole"}),
        ] {
            let f = run(
                &json!({"subnet_id": "subnet-1"}),
                &table(false, &["subnet-1"], &route),
            );
            assert_eq!(statuses(&f), [Status::Pass], "{route}");
        }
    }

    #[test]
    fn fails_on_a_public_ip_even_when_route_tables_are_unreadable() {
        let gap = testing::denied("ec2", "us-east-1", "DescribeRouteTables");
        let f = run(
            &json!({"subnet_id": "subnet-1", "public_ip_address": "198.51.100.4"}),
            &gap,
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("198.51.100.4"), "{}", f[0].message);
        let f = run(&json!({"subnet_id": "subnet-1"}), &gap);
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_the_subnet_is_not_listed_or_not_returned() {
        let route = json!({"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1"});
        for fields in [json!({"subnet_id": "subnet-404"}), json!({})] {
            let f = run(&fields, &table(true, &[], &route));
            assert_eq!(statuses(&f), [Status::Unknown], "{fields}");
        }
    }

    #[test]
    fn judges_the_launch_template_version_in_use() {
        let mut v = template_version(2, json!(null));
        v["data"]["known"]["associate_public_ip"] = json!(true);
        let f = testing::run(
            &super::META,
            region(
                json!({"clusters": nodegroup_with_template("2"), "launch_template_versions": [v]}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.kind, "AwsEc2LaunchTemplate");
        assert!(f[0].message.contains("version 2"), "{}", f[0].message);
    }
}
