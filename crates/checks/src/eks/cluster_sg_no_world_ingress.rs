use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, ResourceRef};

use crate::ec2::{security_group_arn, world_ingress_any_port};
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
    /// internet); every opened port is named. **pass** when no rule does.
    /// **unknown** when no rule fails but a rule admits a managed prefix list
    /// (its entries are not read) or a world-open rule came without its
    /// protocol or port range; when the region's security groups could not
    /// be read or a referenced group is not among those read; when
    /// `DescribeCluster` failed or the region's clusters could not be listed;
    /// and, for the cluster itself, when `DescribeCluster` returned no
    /// `clusterSecurityGroupId` (moto never returns it): the additional
    /// groups are still judged.
    ///
    /// ## Rationale
    ///
    /// These groups guard the elastic network interfaces through which the
    /// control plane reaches the nodes and through which the private API
    /// endpoint is served; the cluster security group also sits on every
    /// managed node. A world-open rule there exposes the private endpoint
    /// and the nodes beyond what the endpoint's own CIDR restrictions say.
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
        let open = world_ingress_any_port(sg);
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
        if !open.ports.is_empty() {
            evidence.extend(lines(&open.rules));
            let msg = format!(
                "control-plane security group {label} admits {} to {}",
                open.sources.join(" and "),
                open.ports.join(", ")
            );
            out.fail(resource, msg, evidence);
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
            "control-plane security group sg-x (sg-x-name) admits ::/0 to tcp 443"
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
            f[0].message
                .ends_with("admits 0.0.0.0/0 to all traffic, udp 53"),
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
