use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, ResourceRef};

use super::{security_group_arn, security_group_references, world_ingress};
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
        if !open.exposures.is_empty() {
            evidence.extend(rule_evidence(&open.rules));
            let msg = format!(
                "security group {id}{name} admits {} to {}",
                open.sources.join(" and "),
                open.exposures.join(", ")
            );
            out.fail(r, msg, evidence);
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

    use crate::ec2::fixtures::{cluster, node, region};
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
