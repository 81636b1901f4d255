use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, ResourceRef, Status};

use crate::ec2::{lb_ingress, lb_verdict, security_group_arn, world_ingress_any_port_but_lb};
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// The security groups of every cluster's control plane: the cluster
    /// security group (`clusterSecurityGroupId`, which EKS creates and also
    /// attaches to managed nodes) and the additional security groups
    /// (`securityGroupIds`), once per region and group. **fail** when an
    /// ingress rule admits a CIDR of prefix length 0 (`0.0.0.0/0`, `::/0`)
    /// on any port or protocol (443 included: unlike nodes, nothing on the
    /// control-plane network interfaces should be reachable from the whole
    /// internet); every opened port is named, and a rule admitting TCP 443
    /// is said to reach the private API endpoint. **pass** when no rule
    /// does.
    /// **unknown** when no rule fails but a rule admits a managed prefix list
    /// (its entries are not read) or a world-open rule came without its
    /// protocol or port range; when the region's security groups could not
    /// be read or a referenced group is not among those read; when
    /// `DescribeCluster` failed or the region's clusters could not be listed;
    /// and, for the cluster itself, when `DescribeCluster` returned no
    /// `clusterSecurityGroupId` (moto never returns it): the additional
    /// groups are still judged.
    ///
    /// A world-open NodePort rule that a load balancer controller manages
    /// (TCP or UDP within 30000-32767, its source described
    /// `kubernetes.io/rule/nlb/client=<lb>`, `kubernetes.io/rule/nlb/health=<lb>`
    /// or `elbv2.k8s.aws/targetGroupBinding=shared`) is judged by the nodes
    /// that carry the group, as in `ec2-node-sg-no-world-ingress`: the
    /// in-tree service controller writes its NLB rules on the security group
    /// of the target instances, which for managed nodes is the cluster
    /// security group. **fail** when such a node has a public IPv4 address;
    /// **pass** (naming the load balancer) when no node carrying the group
    /// can be reached from the internet, the control-plane interfaces
    /// serving nothing on NodePorts; **unknown** when a node's reach, or
    /// which nodes carry the group, cannot be told.
    ///
    /// ## Rationale
    ///
    /// These groups guard the elastic network interfaces through which the
    /// control plane reaches the nodes and through which the private API
    /// endpoint is served (on TCP 443 only); the cluster security group also
    /// sits on every managed node. A world-open rule on 443 exposes the
    /// private endpoint beyond what the endpoint's own CIDR restrictions
    /// say, and a world-open rule on other ports exposes the nodes that
    /// carry the group.
    ///
    /// ## Remediation
    ///
    /// Revoke the rule (`aws ec2 revoke-security-group-ingress`); admit only
    /// the node security groups, your VPC or specific admin networks.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"cluster_security_group_id": "sg-c"}}}]},
    ///   "security_groups": {"known": [{"group_id": "sg-c", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-c",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"cluster_security_group_id": "sg-c"}}}]},
    ///   "security_groups": {"known": [{"group_id": "sg-c", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-c",
    ///     "ingress": [{"ip_protocol": "-1", "referenced_group_ids": ["sg-c"]}]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"security_group_ids": []}}}]},
    ///   "security_groups": {"known": []}}}}
    /// ```
    ///
    /// An NLB's client rule on the cluster security group of managed nodes
    /// in a private subnet (a NAT route only):
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"cluster_security_group_id": "sg-c"}}}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1", "security_group_ids": ["sg-c"]}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1", "state": "active"}]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-c", "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-c",
    ///     "ingress": [{"ip_protocol": "tcp", "from_port": 31380, "to_port": 31380, "ipv4_ranges": ["0.0.0.0/0"],
    ///       "range_descriptions": {"0.0.0.0/0": "kubernetes.io/rule/nlb/client=a1b2c3d4e5f6"}},
    ///       {"ip_protocol": "-1", "referenced_group_ids": ["sg-c"]}]}]}}}}
    /// ```
    id: "eks-cluster-sg-no-world-ingress",
    title: "EKS control-plane security groups should not admit the internet on any port",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2SecurityGroup",
    remediation: "Revoke every ingress rule from 0.0.0.0/0 or ::/0 on the cluster security group and the additional control-plane security groups; admit node security groups or known networks only.",
    compliance: ["AWS-FSBP:EC2.18", "AWS-FSBP:EC2.19", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "NIST-800-190:4.3.2", "EKS-BPG:network"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let mut groups: BTreeMap<(String, String), BTreeSet<Evidence>> = BTreeMap::new();
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let mut add = |id: &str, role: &str| {
            let by = Evidence::new(
                "AwsEksCluster",
                &c.cluster.arn,
                format!("cluster {name} ({role})"),
            );
            groups
                .entry((c.region.to_string(), id.to_string()))
                .or_default()
                .insert(by);
        };
        match &config.cluster_security_group_id {
            Some(id) => add(id, "cluster security group"),
            None => out.unknown_because(
                cluster_ref(&c),
                format!("DescribeCluster returned no clusterSecurityGroupId for cluster {name}, so its cluster security group could not be judged"),
                vec![cluster_evidence(&c)],
            ),
        }
        for id in &config.security_group_ids {
            add(id, "additional control-plane security group");
        }
    });
    for ((region, id), users) in groups {
        let mut evidence: Vec<Evidence> = users.into_iter().collect();
        let found = g.security_group(&region, &id);
        let arn = match found {
            Lookup::Found(sg) if !sg.arn.is_empty() => sg.arn.clone(),
            _ => security_group_arn(g, &region, &id),
        };
        let resource = ResourceRef::new("AwsEc2SecurityGroup", &arn, &region);
        let sg = match found {
            Lookup::Found(sg) => sg,
            Lookup::Unknown(gap) => {
                out.unknown(resource, &format!("security group {id}"), gap, evidence);
                continue;
            }
            Lookup::Missing => {
                let msg = format!("control-plane security group {id} is not among the groups DescribeSecurityGroups returned (deleted, or never created)");
                out.unknown_because(resource, msg, evidence);
                continue;
            }
        };
        let open = world_ingress_any_port_but_lb(sg);
        let label = sg
            .group_name
            .as_deref()
            .map_or_else(|| id.clone(), |n| format!("{id} ({n})"));
        let lines = |lines: &[String]| {
            lines
                .iter()
                .map(|l| Evidence::new("AwsEc2SecurityGroup", &arn, l))
                .collect::<Vec<_>>()
        };
        let lb = lb_ingress(sg);
        let lb = (open.ports.is_empty() && !lb.rules.is_empty())
            .then(|| lb_verdict(g, &region, &id, &arn, &lb))
            .filter(|v| v.status != Status::Pass || open.undecided.is_empty());
        if !open.ports.is_empty() {
            evidence.extend(lines(&open.rules));
            let endpoint = if open.api_port {
                ", which reaches the private API endpoint served on tcp 443"
            } else {
                ""
            };
            let msg = format!(
                "control-plane security group {label} admits {} to {}{endpoint}",
                open.sources.join(" and "),
                open.ports.join(", ")
            );
            out.fail(resource, msg, evidence);
        } else if let Some(v) = lb {
            evidence.extend(v.evidence);
            let msg = format!("control-plane security group {label} {}", v.message);
            out.emit(v.status, resource, msg, evidence);
        } else if let Some(first) = open.undecided.first() {
            let msg =
                format!("control-plane security group {label} may admit the internet: {first}");
            evidence.extend(lines(&open.undecided));
            out.unknown_because(resource, msg, evidence);
        } else {
            let detail = format!(
                "{} ingress rules, none from 0.0.0.0/0 or ::/0",
                sg.ingress.len()
            );
            evidence.push(Evidence::new("AwsEc2SecurityGroup", &arn, detail));
            let msg = format!(
                "control-plane security group {label} admits nothing from 0.0.0.0/0 or ::/0"
            );
            out.pass(resource, msg, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/prod";

    /// Cluster prod with `config`, and groups sg-c / sg-x with their ingress.
    fn fixture(config: Value, c_rules: Value, x_rules: Value) -> Value {
        let sg = |id: &str, rules: Value| {
            let mut sg = json!({"group_id": id, "group_name": format!("{id}-name"),
                "arn": format!("arn:aws:ec2:us-east-1:111122223333:security-group/{id}")});
            sg["ingress"] = rules;
            sg
        };
        let mut cluster = json!({"name": "prod", "arn": ARN});
        cluster["config"] = json!({"known": null});
        cluster["config"]["known"] = config;
        let groups = Value::Array(vec![sg("sg-c", c_rules), sg("sg-x", x_rules)]);
        json!({"regions": {"us-east-1": {"clusters": {"known": [cluster]},
            "security_groups": {"known": groups}}}})
    }

    fn both() -> Value {
        json!({"cluster_security_group_id": "sg-c", "security_group_ids": ["sg-x"]})
    }

    #[test]
    fn fails_on_world_https_that_the_node_check_would_allow() {
        let rules = json!([{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ipv6_ranges": ["::/0"]}]);
        let f = testing::run(&super::META, fixture(both(), json!([]), rules));
        assert_eq!(statuses(&f), [Status::Pass, Status::Fail]);
        assert_eq!(
            f[1].resource.id,
            "arn:aws:ec2:us-east-1:111122223333:security-group/sg-x"
        );
        assert_eq!(
            f[1].message,
            "control-plane security group sg-x (sg-x-name) admits ::/0 to tcp 443, \
             which reaches the private API endpoint served on tcp 443"
        );
        assert_eq!(f[1].evidence[0].id, ARN);
    }

    #[test]
    fn names_every_port_a_world_rule_opens() {
        let rules = json!([{"ip_protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"]},
            {"ip_protocol": "udp", "from_port": 53, "to_port": 53, "ipv4_ranges": ["0.0.0.0/0"]}]);
        let f = testing::run(&super::META, fixture(both(), rules, json!([])));
        assert_eq!(statuses(&f), [Status::Fail, Status::Pass]);
        assert!(
            f[0].message.ends_with(
                "admits 0.0.0.0/0 to all traffic, udp 53, which reaches the private API endpoint served on tcp 443"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_only_private_and_group_sources() {
        let rules = json!([{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["10.0.0.0/8"]},
            {"ip_protocol": "-1", "referenced_group_ids": ["sg-c"]}]);
        let f = testing::run(&super::META, fixture(both(), rules.clone(), rules));
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass]);
    }

    #[test]
    fn unknown_when_cluster_security_group_id_missing() {
        let config = json!({"security_group_ids": ["sg-x"]});
        let open = json!([{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ipv4_ranges": ["0.0.0.0/0"]}]);
        let f = testing::run(&super::META, fixture(config.clone(), open, json!([])));
        // Sorted by resource id: the security group's ARN (ec2) first.
        assert_eq!(statuses(&f), [Status::Pass, Status::Unknown], "{f:#?}");
        assert_eq!(f[1].resource.id, ARN);
        assert!(
            f[1].message.contains("no clusterSecurityGroupId"),
            "{}",
            f[1].message
        );
        let f = testing::run(
            &super::META,
            fixture(
                config,
                json!([]),
                json!([{"ip_protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"]}]),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail, Status::Unknown]);
    }

    #[test]
    fn unknown_when_groups_unreadable_missing_or_behind_a_prefix_list() {
        let mut v = fixture(
            json!({"cluster_security_group_id": "sg-gone"}),
            json!([]),
            json!([]),
        );
        let f = testing::run(&super::META, v.clone());
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("sg-gone is not among"),
            "{}",
            f[0].message
        );
        v["regions"]["us-east-1"]["security_groups"] =
            testing::denied("ec2", "us-east-1", "DescribeSecurityGroups");
        assert_eq!(statuses(&testing::run(&super::META, v)), [Status::Unknown]);
        let listed = json!([{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "prefix_list_ids": ["pl-1"]}]);
        let f = testing::run(&super::META, fixture(both(), listed, json!([])));
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass]);
    }

    /// [`fixture`] with node i-1 (public IPv4 `ip`) carrying sg-c in
    /// subnet-1, whose main route table sends 0.0.0.0/0 to `target`.
    fn with_node(c_rules: Value, ip: Option<&str>, target: &str) -> Value {
        let mut v = fixture(both(), c_rules, json!([]));
        let r = &mut v["regions"]["us-east-1"];
        r["instances"] = json!({"known": [{"instance_id": "i-1", "tags": {"eks:cluster-name": "prod"},
            "public_ip_address": ip, "subnet_id": "subnet-1", "security_group_ids": ["sg-c"]}]});
        crate::ec2::fixtures::routed_subnet(r, target);
        v
    }

    fn nlb_client(port: i32) -> Value {
        json!({"ip_protocol": "tcp", "from_port": port, "to_port": port, "ipv4_ranges": ["0.0.0.0/0"],
            "range_descriptions": {"0.0.0.0/0": "kubernetes.io/rule/nlb/client=a1b2c3d4e5f6"}})
    }

    #[test]
    fn an_nlb_nodeport_rule_passes_on_private_nodes_and_never_names_the_endpoint() {
        let f = testing::run(
            &super::META,
            with_node(json!([nlb_client(31380)]), None, "nat-1"),
        );
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass], "{f:#?}");
        assert!(
            f[0].message.contains("load balancer a1b2c3d4e5f6"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("endpoint"), "{}", f[0].message);
    }

    #[test]
    fn an_nlb_nodeport_rule_fails_on_a_public_node_without_naming_the_endpoint() {
        let rules = json!([nlb_client(31380)]);
        let f = testing::run(&super::META, with_node(rules, Some("203.0.113.7"), "igw-1"));
        assert_eq!(statuses(&f), [Status::Fail, Status::Pass], "{f:#?}");
        assert!(
            f[0].message
                .contains("node i-1 has the public IPv4 address"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("endpoint"), "{}", f[0].message);
    }

    #[test]
    fn an_nlb_nodeport_rule_is_unknown_when_the_nodes_cannot_be_judged() {
        let mut v = with_node(json!([nlb_client(31380)]), None, "nat-1");
        v["regions"]["us-east-1"]["route_tables"] =
            testing::denied("ec2", "us-east-1", "DescribeRouteTables");
        let f = testing::run(&super::META, v);
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass], "{f:#?}");
        let mut v = with_node(json!([nlb_client(31380)]), None, "nat-1");
        v["regions"]["us-east-1"]["instances"] =
            testing::denied("ec2", "us-east-1", "DescribeInstances");
        let f = testing::run(&super::META, v);
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass], "{f:#?}");
        assert!(
            f[0].message.contains("the instances of region us-east-1"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn the_description_does_not_excuse_https_or_a_non_nodeport() {
        let mut https = nlb_client(443);
        https["from_port"] = json!(443);
        let f = testing::run(&super::META, with_node(json!([https]), None, "nat-1"));
        assert_eq!(statuses(&f), [Status::Fail, Status::Pass], "{f:#?}");
        assert!(
            f[0].message
                .ends_with("reaches the private API endpoint served on tcp 443"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn one_finding_for_a_group_shared_by_two_clusters() {
        let mut v = fixture(both(), json!([]), json!([]));
        let second = json!({"name": "dev", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/dev",
            "config": {"known": {"cluster_security_group_id": "sg-c"}}});
        v["regions"]["us-east-1"]["clusters"]["known"]
            .as_array_mut()
            .unwrap()
            .push(second);
        let f = testing::run(&super::META, v);
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass]);
        assert_eq!(f[0].evidence.len(), 3, "{:#?}", f[0].evidence);
    }
}
