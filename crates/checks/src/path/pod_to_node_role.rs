use eksposture_model::{Evidence, Graph, Status};

use crate::iam::{instance_role, InstanceRole};
use crate::imds::{self, Answer, Source};
use crate::support::{instance_gaps, instance_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every live node instance (not `terminated` or `shutting-down`):
    /// can a pod reach IMDS, and is the role IMDS would hand it (instance
    /// profile -> role) over-broad in the sense of
    /// `iam-node-role-least-privilege`? Pods reach IMDS when `HttpEndpoint`
    /// is `enabled` and either `HttpTokens` is `optional` (IMDSv1 ignores the
    /// hop limit) or `HttpPutResponseHopLimit` exceeds 1; they do not when
    /// `HttpEndpoint` is `disabled` or `HttpTokens=required` with hop limit
    /// 1. Otherwise reach is unknown: a setting DescribeInstances did not
    /// return (AWS always returns all three) or an unrecognised value. The
    /// same judgement as `ec2-node-imdsv2-required` and
    /// `ec2-node-imds-hop-limit` make of an instance.
    ///
    /// | IMDS from pods \ node role | over-broad | within baseline / no role | unknown |
    /// | --- | --- | --- | --- |
    /// | reachable | **fail** | pass | unknown |
    /// | blocked | pass | pass | pass |
    /// | unknown | unknown | pass | unknown |
    ///
    /// The role is unknown when the instance profile, the role list or the
    /// role is unreadable or missing, or a policy document is unread and
    /// nothing risky was found. A node without an instance profile has no
    /// role to hand out. Regions whose clusters or instances could not be
    /// listed give an unknown per region or cluster.
    ///
    /// ## Rationale
    ///
    /// With IMDS reachable, every pod on the node, whatever its own service
    /// account, can fetch the node role's credentials: a compromised web pod
    /// becomes the node role. When that role is admin or can pass roles,
    /// read secrets or push images, one container escape-free exploit is an
    /// account compromise.
    ///
    /// ## Remediation
    ///
    /// Require IMDSv2 with hop limit 1 on the nodes (launch template
    /// `HttpTokens=required`, `HttpPutResponseHopLimit=1`) and cut the node
    /// role down to the worker-node baseline; give pods IRSA / Pod Identity.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"instance_profiles": {"known": [{"name": "node", "arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "role_arns": ["arn:aws:iam::111122223333:role/node"]}]},
    ///  "roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "inline_policies": [{"name": "admin", "document": {"known": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///   "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 2, "http_endpoint": "enabled"}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///   "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 1, "http_endpoint": "enabled"}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"instance_profiles": {"known": [{"name": "node", "arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "role_arns": ["arn:aws:iam::111122223333:role/node"]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///   "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "metadata_options": {"http_tokens": "optional", "http_endpoint": "enabled"}}]}}}}
    /// ```
    id: "path-pod-to-node-role",
    title: "Pods should not be able to obtain an over-broad node role from IMDS",
    severity: Critical,
    kind: AttackPath { tactic: CredentialAccess, entry: Configuration },
    resource_type: "AwsEc2Instance",
    remediation: "Require IMDSv2 with hop limit 1 on nodes and reduce the node role to the worker-node baseline; use IRSA or Pod Identity for pods.",
    compliance: ["NIST-800-190:4.3.5", "NIST-800-190:4.4.3", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in instance_gaps(g) {
        u.emit(out);
    }
    for n in g.live_nodes() {
        let reach = imds::pods_reach(n.instance.metadata_options.as_ref(), Source::Instance);
        let imds = match &reach {
            Answer::Yes(why) => format!("pods reach IMDS: {why}"),
            Answer::No(why) => format!("pods cannot reach IMDS: {why}"),
            Answer::Unknown(why) => format!("IMDS reach unknown: {why}"),
        };
        let cluster_arn = g
            .cluster(n.region, n.cluster_name)
            .map_or(n.cluster_name, |c| c.arn.as_str());
        let mut ev = vec![
            Evidence::new(
                "AwsEksCluster",
                cluster_arn,
                format!("cluster {}", n.cluster_name),
            ),
            Evidence::new(
                "AwsEc2Instance",
                &n.instance.arn,
                format!("node {}: {imds}", n.instance.instance_id),
            ),
        ];
        let role = instance_role(g, n.instance.iam_instance_profile_arn.as_deref(), &mut ev);
        let id = &n.instance.instance_id;
        let (status, message) = match (reach, role) {
            (Answer::No(why), _) => (Status::Pass, format!("pods on node {id} cannot reach IMDS ({why})")),
            (_, InstanceRole::Limited(what)) => (Status::Pass, format!("node {id}: {what}")),
            (Answer::Yes(why), InstanceRole::OverBroad(name, power)) => {
                let becomes = if power.is_admin() {
                    format!("a full administrator of account {}", g.account_id())
                } else {
                    format!("able to: {}", power.describe())
                };
                (Status::Fail, format!("any pod on node {id} ({why}) can take node role {name} from IMDS and becomes {becomes}"))
            }
            (Answer::Yes(why), InstanceRole::Unknown(what)) => {
                (Status::Unknown, format!("pods on node {id} reach IMDS ({why}); {what}"))
            }
            (Answer::Unknown(why), InstanceRole::OverBroad(name, power)) => (
                Status::Unknown,
                format!("node role {name} of node {id} grants {}; whether pods reach IMDS is unknown: {why}", power.describe()),
            ),
            (Answer::Unknown(why), InstanceRole::Unknown(what)) => {
                (Status::Unknown, format!("node {id}: IMDS reach unknown ({why}); {what}"))
            }
        };
        out.emit(status, instance_ref(n), message, ev);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::*;
    use crate::testing::{self, statuses};

    const PROFILE: &str = "arn:aws:iam::111122223333:instance-profile/node";

    /// Node i-1 of cluster prod with the given IMDS options and instance
    /// profile -> node role (`None`: the roles could not be listed).
    fn account(imds: &Value, role: Option<&Value>, managed: &Value) -> Value {
        let roles = role.map_or_else(
            || testing::denied("iam", "global", "GetAccountAuthorizationDetails"),
            |r| json!({"known": [r]}),
        );
        json!({"iam": {"roles": roles, "managed_policies": managed,
                "instance_profiles": {"known": [{"name": "node", "arn": PROFILE, "role_arns": [NODE_ROLE_ARN]}]}},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": CLUSTER_ARN}]},
                "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": PROFILE, "metadata_options": imds}]}}}})
    }

    fn run(imds: &Value, role: Option<&Value>, managed: &Value) -> Vec<Finding> {
        testing::run(&super::META, account(imds, role, managed))
    }

    fn open_imds() -> Value {
        json!({"http_tokens": "optional", "http_endpoint": "enabled"})
    }

    #[test]
    fn truth_table_of_imds_reach_and_node_role_power() {
        use Status::{Fail, Pass, Unknown};
        let mut policies = baseline_managed();
        policies.as_array_mut().unwrap().extend(
            managed(&[("AdministratorAccess", admin())])
                .as_array()
                .unwrap()
                .clone(),
        );
        // Columns: admin role, baseline role, role with an uncollected policy, roles unlisted.
        let roles = [
            Some(node_role(&["AdministratorAccess"], &[])),
            Some(node_role(&BASELINE, &[])),
            Some(node_role(&["NotCollected"], &[])),
            None,
        ];
        let table = [
            (open_imds(), [Fail, Pass, Unknown, Unknown]),
            (
                json!({"http_tokens": "required", "http_put_response_hop_limit": 2, "http_endpoint": "enabled"}),
                [Fail, Pass, Unknown, Unknown],
            ),
            (
                json!({"http_tokens": "required", "http_put_response_hop_limit": 1}),
                [Pass, Pass, Pass, Pass],
            ),
            (
                json!({"http_tokens": "optional", "http_endpoint": "disabled"}),
                [Pass, Pass, Pass, Pass],
            ),
            (
                json!({"http_endpoint": "enabled"}),
                [Unknown, Pass, Unknown, Unknown],
            ),
            (
                json!({"http_tokens": "optional"}),
                [Unknown, Pass, Unknown, Unknown],
            ),
        ];
        for (imds, row) in &table {
            for (role, want) in roles.iter().zip(row) {
                let f = run(imds, role.as_ref(), &policies);
                assert_eq!(statuses(&f), [*want], "IMDS {imds}, role {role:?}: {f:#?}");
            }
        }
    }

    #[test]
    fn fail_says_any_pod_becomes_administrator_with_the_full_chain() {
        let policies = managed(&[("AdministratorAccess", admin())]);
        let f = run(
            &open_imds(),
            Some(&node_role(&["AdministratorAccess"], &[])),
            &policies,
        );
        assert!(
            f[0].message
                .contains("becomes a full administrator of account 111122223333"),
            "{}",
            f[0].message
        );
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEksCluster",
                "AwsEc2Instance",
                "AwsIamInstanceProfile",
                "AwsIamRole",
                "AwsIamPolicy"
            ]
        );
    }

    #[test]
    fn fail_lists_the_grants_a_pod_gains_when_not_admin() {
        let role = node_role(&[], &[("pass", allow("iam:PassRole", "*"))]);
        let f = run(&open_imds(), Some(&role), &json!([]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("able to: iam:PassRole on any IAM role"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_per_cluster_when_instances_unlisted_and_terminated_nodes_skipped() {
        let mut a = account(&open_imds(), None, &json!([]));
        a["regions"]["us-east-1"]["instances"]["known"][0]["state"] = json!("terminated");
        assert!(testing::run(&super::META, a.clone()).is_empty());
        a["regions"]["us-east-1"]["instances"] =
            testing::denied("ec2", "us-east-1", "DescribeInstances");
        let f = testing::run(&super::META, a);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.id, format!("{CLUSTER_ARN}/nodes/*"));
    }
}
