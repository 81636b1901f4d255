use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, ResourceRef, Status};

use super::{lb_ingress, lb_verdict, security_group_arn, security_group_references, world_ingress};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every security group referenced by a cluster (its additional security
    /// groups and, when DescribeCluster returns it, the cluster security
    /// group), by a nodegroup (its remote-access security group and the
    /// groups of the launch-template version it uses; `remoteAccess`
    /// source security groups are not node groups and are skipped) or by a
    /// live node instance (not `terminated` or `shutting-down`), once per
    /// region and group. **fail** when an ingress rule admits a CIDR of
    /// prefix length 0 (`0.0.0.0/0`, `::/0`) to SSH 22, RDP 3389 or the
    /// kubelet 10250 (TCP), any port of the NodePort range 30000-32767 (TCP,
    /// UDP or SCTP) or all ports (protocol `-1`, or TCP 0-65535); protocols
    /// count by name or number (`6`, `17`, `132`); every such exposure is
    /// named. **pass** when no rule does. **unknown** when no rule fails but
    /// a rule admits a managed prefix list to one of those ports (the list's
    /// entries are not read, and may be `0.0.0.0/0`), or a world-open rule
    /// came without its protocol or its port range; and when the region's
    /// security groups could not be read, a referenced group is not among
    /// those read (deleted, shared from another account, or an emulator's
    /// placeholder), or what references groups (clusters, nodegroups,
    /// instances, launch-template versions) could not be read.
    ///
    /// A world-open rule that a load balancer controller manages is judged
    /// by the nodes behind it instead: a TCP or UDP rule within the NodePort
    /// range whose world source carries the description
    /// `kubernetes.io/rule/nlb/client=<lb>` or
    /// `kubernetes.io/rule/nlb/health=<lb>` (the in-tree service
    /// controller's rules for a `type: nlb` Service, which open each
    /// NodePort to the Service's `loadBalancerSourceRanges`, `0.0.0.0/0` by
    /// default) or `elbv2.k8s.aws/targetGroupBinding=shared` (the AWS Load
    /// Balancer Controller's). An NLB preserves client addresses for
    /// instance targets, so the nodes must admit the clients themselves;
    /// that is the load balancer's intended exposure (judged on the load
    /// balancer), not the nodes', unless a node can be reached directly.
    /// **fail** when a live node carrying the group has a public IPv4
    /// address (for `0.0.0.0/0`); **pass** when every live node carrying it
    /// has none, or sits in a subnet without a route to an internet gateway,
    /// with a message naming the load balancer; **unknown** when a node in
    /// a subnet routed to an internet gateway is admitted from `::/0`
    /// (instance IPv6 addresses are not collected), a node's subnet or route
    /// table could not be read, the region's instances could not be listed,
    /// or no live node carries the group. The same descriptions on other
    /// ports or protocols count like any other rule.
    ///
    /// ## Rationale
    ///
    /// Nodes are meant to be reached through load balancers and the control
    /// plane. SSH, RDP or the kubelet open to the internet invite credential
    /// guessing and remote exploitation of the node; open NodePorts publish
    /// every NodePort service, bypassing the load balancer's controls. AWS
    /// FSBP EC2.13/14/19 and the EKS Best Practices Guide (network) forbid it.
    ///
    /// ## Remediation
    ///
    /// Revoke the rule (`aws ec2 revoke-security-group-ingress`); reach nodes
    /// through SSM Session Manager, and services through a load balancer or
    /// ingress with its own security group.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "security_group_ids": ["sg-1"]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "security_group_ids": ["sg-1"]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "security_group_ids": ["sg-gone"]}]},
    ///   "security_groups": {"known": []}}}}
    /// ```
    ///
    /// An NLB's client rule on the NodePort of nodes in a private subnet (a
    /// NAT route only), then on a node with a public IPv4 address:
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1", "security_group_ids": ["sg-1"]}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1", "state": "active"}]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 31380, "to_port": 31380, "ipv4_ranges": ["0.0.0.0/0"],
    ///       "range_descriptions": {"0.0.0.0/0": "kubernetes.io/rule/nlb/client=a1b2c3d4e5f6"}}]}]}}}}
    /// ```
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "public_ip_address": "203.0.113.7", "subnet_id": "subnet-1",
    ///     "security_group_ids": ["sg-1"]}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "gateway_id": "igw-1", "state": "active"}]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 31380, "to_port": 31380, "ipv4_ranges": ["0.0.0.0/0"],
    ///       "range_descriptions": {"0.0.0.0/0": "kubernetes.io/rule/nlb/client=a1b2c3d4e5f6"}}]}]}}}}
    /// ```
    id: "ec2-node-sg-no-world-ingress",
    title: "Node and cluster security groups should not admit the internet to SSH, RDP, the kubelet, NodePorts or all ports",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2SecurityGroup",
    remediation: "Revoke ingress from 0.0.0.0/0 and ::/0 to ports 22, 3389, 10250, 30000-32767 and all ports; use SSM Session Manager and load balancers instead.",
    compliance: ["AWS-FSBP:EC2.13", "AWS-FSBP:EC2.14", "AWS-FSBP:EC2.19", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "NIST-800-190:4.3.3", "EKS-BPG:network"],
}

const NOT_RETURNED: &str = "is not among the groups DescribeSecurityGroups returned \
    (deleted, shared from another account, or never created)";

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let (refs, unread) = security_group_references(g);
    for u in unread {
        u.emit(out);
    }
    for ((region, id), users) in refs {
        let mut evidence: Vec<Evidence> = users.into_iter().collect();
        let resource = |arn: String| ResourceRef::new("AwsEc2SecurityGroup", arn, &region);
        let by_id = resource(security_group_arn(g, &region, &id));
        let sg = match g.security_group(&region, &id) {
            Lookup::Found(sg) => sg,
            Lookup::Unknown(gap) => {
                out.unknown(by_id, &format!("security group {id}"), gap, evidence);
                continue;
            }
            Lookup::Missing => {
                let msg = format!("referenced security group {id} {NOT_RETURNED}");
                out.unknown_because(by_id, msg, evidence);
                continue;
            }
        };
        let r = if sg.arn.is_empty() {
            by_id
        } else {
            resource(sg.arn.clone())
        };
        let arn = r.id.clone();
        let open = world_ingress(sg);
        let name = sg
            .group_name
            .as_deref()
            .map_or_else(String::new, |n| format!(" ({n})"));
        let rule_evidence = |lines: &[String]| {
            lines
                .iter()
                .map(|l| Evidence::new("AwsEc2SecurityGroup", &arn, l))
                .collect::<Vec<_>>()
        };
        let lb = lb_ingress(sg);
        let lb = (open.exposures.is_empty() && !lb.rules.is_empty())
            .then(|| lb_verdict(g, &region, &id, &arn, &lb))
            .filter(|v| v.status != Status::Pass || open.undecided.is_empty());
        if !open.exposures.is_empty() {
            evidence.extend(rule_evidence(&open.rules));
            let msg = format!(
                "security group {id}{name} admits {} to {}",
                open.sources.join(" and "),
                open.exposures.join(", ")
            );
            out.fail(r, msg, evidence);
        } else if let Some(v) = lb {
            evidence.extend(v.evidence);
            let msg = format!("security group {id}{name} {}", v.message);
            out.emit(v.status, r, msg, evidence);
        } else if let Some(first) = open.undecided.first() {
            let msg =
                format!("security group {id}{name} may admit the internet to node ports: {first}");
            evidence.extend(rule_evidence(&open.undecided));
            out.unknown_because(r, msg, evidence);
        } else {
            let detail = format!(
                "{} ingress rules, none open to the internet on those ports",
                sg.ingress.len()
            );
            evidence.push(Evidence::new("AwsEc2SecurityGroup", &arn, detail));
            let msg = format!("security group {id}{name} admits 0.0.0.0/0 and ::/0 to none of SSH, RDP, kubelet, NodePorts or all ports");
            out.pass(r, msg, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ec2::fixtures::{cluster, node, region, routed_subnet};
    use crate::testing::{self, statuses};

    /// Node i-1 in sg-1 (or `groups`), and sg-1 with `rules` as its ingress.
    fn fixture(groups: Value, rules: Value) -> Value {
        let mut n = node("i-1", json!(null));
        n["security_group_ids"] = groups;
        let mut sg = json!({"group_id": "sg-1",
            "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1"});
        sg["ingress"] = rules;
        region(json!({"instances": {"known": [n]}, "security_groups": {"known": [sg]}}))
    }

    fn one(fragment: Value, status: Status) -> Finding {
        let f = testing::run(&super::META, fragment);
        assert_eq!(statuses(&f), [status], "{f:#?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn all_ports_rule_names_ssh_and_every_other_exposure() {
        let rules = json!([{"ip_protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"]}]);
        let f = one(fixture(json!(["sg-1"]), rules), Status::Fail);
        for e in crate::ec2::EXPOSURES {
            assert!(f.message.contains(e), "{e} missing from {}", f.message);
        }
    }

    #[test]
    fn fails_for_udp_nodeports_open_to_ipv6_world_without_naming_ssh() {
        let rules = json!([{"ip_protocol": "udp", "from_port": 31000, "to_port": 31010,
            "ipv6_ranges": ["::/0"]}]);
        let f = one(fixture(json!(["sg-1"]), rules), Status::Fail);
        assert!(
            f.message.ends_with("admits ::/0 to NodePorts 30000-32767"),
            "{}",
            f.message
        );
    }

    #[test]
    fn passes_when_world_reaches_only_https_and_ssh_is_private() {
        let rules = json!([
            {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]},
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ipv4_ranges": ["10.0.0.0/8"]},
            {"ip_protocol": "udp", "from_port": 22, "to_port": 22, "ipv4_ranges": ["0.0.0.0/0"]}]);
        one(fixture(json!(["sg-1"]), rules), Status::Pass);
    }

    #[test]
    fn unknown_not_pass_when_referenced_group_is_missing() {
        let f = one(fixture(json!(["sg-gone"]), json!([])), Status::Unknown);
        assert!(
            f.message
                .starts_with("referenced security group sg-gone is not among the groups"),
            "{}",
            f.message
        );
        assert_eq!(
            f.resource.id,
            "arn:aws:ec2:us-east-1:111122223333:security-group/sg-gone"
        );
    }

    #[test]
    fn unknown_not_pass_when_a_prefix_list_reaches_ssh() {
        let rules = json!([{"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
            "prefix_list_ids": ["pl-0123"]}]);
        let f = one(fixture(json!(["sg-1"]), rules), Status::Unknown);
        assert!(f.message.contains("prefix list pl-0123"), "{}", f.message);
    }

    #[test]
    fn fails_on_protocol_number_six_and_world_wins_over_a_prefix_list() {
        let rules = json!([{"ip_protocol": "6", "from_port": 10250, "to_port": 10250,
            "ipv4_ranges": ["0.0.0.0/0"]},
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "prefix_list_ids": ["pl-1"]}]);
        let f = one(fixture(json!(["sg-1"]), rules), Status::Fail);
        assert!(
            f.message.ends_with("admits 0.0.0.0/0 to kubelet 10250"),
            "{}",
            f.message
        );
    }

    /// Node i-1 (public IPv4 `ip`) in subnet-1, whose main route table
    /// sends 0.0.0.0/0 to `target`, and sg-1 with `rules`.
    fn routed(ip: Option<&str>, target: &str, rules: Value) -> Value {
        let mut v = fixture(json!(["sg-1"]), rules);
        let r = &mut v["regions"]["us-east-1"];
        r["instances"]["known"][0]["subnet_id"] = json!("subnet-1");
        r["instances"]["known"][0]["public_ip_address"] = json!(ip);
        routed_subnet(r, target);
        v
    }

    /// A world-open rule on `port` whose `cidr` source has `description`.
    fn described(port: i32, cidr: &str, description: &str) -> Value {
        let key = if cidr.contains(':') {
            "ipv6_ranges"
        } else {
            "ipv4_ranges"
        };
        let mut rule = json!({"ip_protocol": "tcp", "from_port": port, "to_port": port,
            "range_descriptions": {cidr: description}});
        rule[key] = json!([cidr]);
        rule
    }

    const NLB: &str = "kubernetes.io/rule/nlb/client=a1b2c3d4e5f6";
    const LBC: &str = "elbv2.k8s.aws/targetGroupBinding=shared";

    #[test]
    fn load_balancer_nodeport_rules_pass_on_private_nodes_naming_the_load_balancer() {
        for desc in [NLB, "kubernetes.io/rule/nlb/health=a1b2c3d4e5f6", LBC] {
            let rules = json!([described(31380, "0.0.0.0/0", desc)]);
            let f = one(routed(None, "nat-1", rules), Status::Pass);
            assert!(
                f.message.contains("no node carrying it can be reached"),
                "{}",
                f.message
            );
            assert!(!f
                .message
                .contains("admits 0.0.0.0/0 to NodePorts 30000-32767,"));
        }
        let f = one(
            routed(None, "nat-1", json!([described(31380, "0.0.0.0/0", NLB)])),
            Status::Pass,
        );
        assert!(
            f.message.contains("for load balancer a1b2c3d4e5f6"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("node i-1 has no public IPv4 address"),
            "{}",
            f.message
        );
        let kinds: Vec<&str> = f.evidence.iter().map(|e| e.kind.as_str()).collect();
        assert!(
            kinds.contains(&"AwsEc2Subnet") && kinds.contains(&"AwsEc2RouteTable"),
            "{kinds:?}"
        );
    }

    #[test]
    fn a_node_without_public_ipv4_in_a_public_subnet_is_not_reached_over_ipv4() {
        let rules = json!([described(31380, "0.0.0.0/0", LBC)]);
        let f = one(routed(None, "igw-1", rules), Status::Pass);
        assert!(
            f.message.contains("has no public IPv4 address"),
            "{}",
            f.message
        );
    }

    #[test]
    fn load_balancer_nodeport_rules_fail_on_a_node_with_a_public_ip() {
        let rules = json!([described(31380, "0.0.0.0/0", NLB)]);
        let f = one(routed(Some("203.0.113.7"), "igw-1", rules), Status::Fail);
        assert!(
            f.message
                .contains("node i-1 has the public IPv4 address 203.0.113.7"),
            "{}",
            f.message
        );
        assert!(f.message.contains("directly"), "{}", f.message);
    }

    #[test]
    fn load_balancer_rules_are_unknown_when_the_nodes_behind_cannot_be_judged() {
        // ::/0 on a node in a subnet routed to an internet gateway: its IPv6
        // address is not collected.
        let f = one(
            routed(None, "igw-1", json!([described(31380, "::/0", LBC)])),
            Status::Unknown,
        );
        assert!(f.message.contains("IPv6 address"), "{}", f.message);
        // The node's subnet is not among those read.
        let mut v = routed(None, "nat-1", json!([described(31380, "0.0.0.0/0", NLB)]));
        v["regions"]["us-east-1"]["subnets"] = json!({"known": []});
        let f = one(v, Status::Unknown);
        assert!(
            f.message.contains("subnet subnet-1 of node i-1"),
            "{}",
            f.message
        );
        // The subnets could not be read.
        let mut v = routed(None, "nat-1", json!([described(31380, "0.0.0.0/0", NLB)]));
        v["regions"]["us-east-1"]["subnets"] =
            testing::denied("ec2", "us-east-1", "DescribeSubnets");
        let f = one(v, Status::Unknown);
        assert!(
            f.message.contains("could not be read (access_denied"),
            "{}",
            f.message
        );
        assert!(
            f.evidence.iter().any(|e| e.kind == "Gap"),
            "{:#?}",
            f.evidence
        );
        // No live node carries the group (only a cluster references it).
        let mut v = fixture(
            json!(["sg-other"]),
            json!([described(31380, "0.0.0.0/0", NLB)]),
        );
        v["regions"]["us-east-1"]["security_groups"]["known"]
            .as_array_mut()
            .unwrap()
            .push(json!({"group_id": "sg-other"}));
        v["regions"]["us-east-1"]["clusters"] = cluster(json!({}));
        v["regions"]["us-east-1"]["clusters"]["known"][0]["config"] =
            json!({"known": {"security_group_ids": ["sg-1"]}});
        let f = testing::run(&super::META, v);
        let sg1 = f.iter().find(|f| f.resource.id.ends_with("/sg-1")).unwrap();
        assert_eq!(sg1.status, Status::Unknown, "{sg1:#?}");
        assert!(
            sg1.message.contains("no live node carries"),
            "{}",
            sg1.message
        );
    }

    #[test]
    fn controller_descriptions_do_not_excuse_other_ports_or_undescribed_sources() {
        // SSH is no NodePort, whatever the description says.
        let f = one(
            routed(None, "nat-1", json!([described(22, "0.0.0.0/0", NLB)])),
            Status::Fail,
        );
        assert!(
            f.message.ends_with("admits 0.0.0.0/0 to SSH 22"),
            "{}",
            f.message
        );
        // A range reaching past the NodePorts.
        let mut wide = described(30000, "0.0.0.0/0", LBC);
        wide["to_port"] = json!(40000);
        one(routed(None, "nat-1", json!([wide])), Status::Fail);
        // Another description, and the ::/0 source of the same rule without one.
        one(
            routed(None, "nat-1", json!([described(31380, "0.0.0.0/0", "web")])),
            Status::Fail,
        );
        let mut both = described(31380, "0.0.0.0/0", NLB);
        both["ipv6_ranges"] = json!(["::/0"]);
        let f = one(routed(None, "nat-1", json!([both])), Status::Fail);
        assert!(
            f.message.ends_with("admits ::/0 to NodePorts 30000-32767"),
            "{}",
            f.message
        );
        // A prefix-list rule keeps a private load balancer rule unknown.
        let rules = json!([described(31380, "0.0.0.0/0", NLB),
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "prefix_list_ids": ["pl-1"]}]);
        let f = one(routed(None, "nat-1", rules), Status::Unknown);
        assert!(f.message.contains("prefix list pl-1"), "{}", f.message);
    }

    #[test]
    fn unknown_when_security_groups_could_not_be_read() {
        let mut v = fixture(json!(["sg-1"]), json!([]));
        v["regions"]["us-east-1"]["security_groups"] =
            testing::denied("ec2", "us-east-1", "DescribeSecurityGroups");
        one(v, Status::Unknown);
    }

    #[test]
    fn one_finding_per_group_listing_every_referrer_but_not_ssh_source_groups() {
        let mut v = fixture(json!(["sg-1"]), json!([]));
        let r = &mut v["regions"]["us-east-1"];
        r["clusters"] = cluster(json!({"remote_access_security_group": "sg-1",
            "remote_access": {"ec2_ssh_key": "k", "source_security_groups": ["sg-src"]}}));
        r["clusters"]["known"][0]["config"] = json!({"known": {"security_group_ids": ["sg-1"]}});
        let f = one(v, Status::Pass);
        let kinds: Vec<&str> = f.evidence.iter().map(|e| e.kind.as_str()).collect();
        let want = [
            "AwsEc2Instance",
            "AwsEksCluster",
            "AwsEksNodegroup",
            "AwsEc2SecurityGroup",
        ];
        assert_eq!(kinds, want);
    }
}
