use eksposture_model::graph::Lookup;
use eksposture_model::{Graph, ResourceRef};

use super::{node_role_gaps, node_role_use_evidence, role_evidence, role_power, PowerVerdict};
use crate::support::role_ref;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every node role (the node role of a managed nodegroup, or the role
    /// in the instance profile of a node instance), the documents of all its
    /// permission policies, inline and attached, judged by content rather
    /// than name. **Fail** when they grant, on every resource (`*`,
    /// `arn:aws:iam::*:role/*`, `NotResource`, ...): full administrator
    /// access; any whole-service wildcard (`iam:*`, `s3:*`, `ec2:*`, ...);
    /// privilege escalation and lateral movement (`iam:PassRole`,
    /// `iam:CreateRole`, `iam:AttachRolePolicy`, `iam:PutRolePolicy`,
    /// `iam:CreateAccessKey`, `iam:CreatePolicyVersion`, `sts:AssumeRole`,
    /// ...; the EKS access API: `eks:CreateAccessEntry`,
    /// `eks:AssociateAccessPolicy`, `eks:UpdateAccessEntry`,
    /// `eks:CreatePodIdentityAssociation`,
    /// `eks:UpdatePodIdentityAssociation`; commands, shells or code as
    /// another resource's role: `ssm:SendCommand` with
    /// `AWS-RunShellScript`, `ssm:StartSession`,
    /// `ec2-instance-connect:SendSSHPublicKey`,
    /// `lambda:UpdateFunctionCode`, `ecs:ExecuteCommand`,
    /// `cloudformation:UpdateStack`, `codebuild:StartBuild`, ...; the list
    /// and a reason for each is `eksposture_policy::power`, and the evidence
    /// gives the reason); `secretsmanager:GetSecretValue`; `ssm:GetParameter*`; `kms:Decrypt`;
    /// `s3:GetObject`; or ECR writes (`ecr:PutImage`, layer uploads,
    /// `ecr:BatchDeleteImage`, ...). Grants under a `Condition` count and are
    /// marked "(conditional)"; an unconditional `Deny` cancels a grant, and a
    /// readable permissions boundary narrows it. The AWS-managed baseline
    /// (AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy,
    /// AmazonEC2ContainerRegistryReadOnly/PullOnly,
    /// AmazonEKSWorkerNodeMinimalPolicy, CloudWatchAgentServerPolicy)
    /// grants none of these; AmazonSSMManagedInstanceCore's
    /// `ssm:GetParameter(s)` on `*` is exempted for that exact AWS-managed ARN
    /// only. **Pass** when every policy was read and nothing risky is granted.
    /// **Unknown** when the account's roles could not be listed, the role is
    /// not in the list, a policy document (or the permissions boundary of a
    /// role with risky grants) could not be read or parsed; and, on the
    /// resource that hides a node role, when a live node's instance profile
    /// could not be read or is not in the account's list (on the instance),
    /// a nodegroup could not be described, a cluster's nodegroups or a
    /// region's clusters or instances could not be listed. A risky
    /// grant in a readable policy fails even when another policy is unread:
    /// more policies can only add grants.
    ///
    /// ## Rationale
    ///
    /// Every pod that reaches the instance metadata service, and anyone who
    /// compromises a node, holds the node role. The EKS Best Practices Guide
    /// asks for node roles limited to what the kubelet, the VPC CNI and image
    /// pulls need; workload permissions belong to IRSA or Pod Identity roles.
    ///
    /// ## Remediation
    ///
    /// Detach the extra policies from the node role and give the workloads
    /// that need them their own IRSA / EKS Pod Identity roles.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "inline_policies": [{"name": "extra", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "inline_policies": [{"name": "describe", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"unknown": {"service": "iam", "region": "global",
    ///   "operation": "GetAccountAuthorizationDetails", "reason": "access_denied", "message": "denied"}}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}}}}
    /// ```
    id: "iam-node-role-least-privilege",
    title: "Node IAM roles should grant no more than the worker-node baseline",
    severity: High,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Detach policies beyond AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy and ECR read-only from the node role; give workloads IRSA or Pod Identity roles.",
    compliance: ["AWS-FSBP:IAM.1", "NIST-800-190:4.3.5", "NIST-800-190:4.5.4", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in node_role_gaps(g) {
        u.emit(out);
    }
    let (roles, _) = g.node_roles();
    for (arn, uses) in roles {
        let mut evidence = node_role_use_evidence(g, uses);
        let role = match g.role(arn) {
            Lookup::Found(role) => role,
            Lookup::Unknown(gap) => {
                let unlisted = ResourceRef::new("AwsIamRole", arn, "global");
                out.unknown(unlisted, "the account's IAM roles", gap, evidence);
                continue;
            }
            Lookup::Missing => {
                let unlisted = ResourceRef::new("AwsIamRole", arn, "global");
                let message = format!("node role {arn} is not in the account's role list");
                out.unknown_because(unlisted, message, evidence);
                continue;
            }
        };
        let power = role_power(g, role);
        evidence.push(role_evidence(role, format!("node role {}", role.role_name)));
        evidence.extend(power.evidence(role));
        let (status, message) = power.judge(&format!("node role {}", role.role_name));
        out.emit(status, role_ref(role), message, evidence);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::*;
    use crate::testing::{self, statuses};

    fn run_account(account: Value) -> Vec<Finding> {
        testing::run(&super::META, account)
    }

    fn run(role: &Value, managed: &Value) -> Vec<Finding> {
        run_account(nodegroup_account(&json!({"known": [role]}), managed))
    }

    #[test]
    fn passes_with_the_real_worker_node_cni_and_ecr_read_only_documents() {
        let attached = [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEKS_CNI_Policy",
            "AmazonEC2ContainerRegistryReadOnly",
        ];
        let f = run(&node_role(&attached, &[]), &baseline_managed());
        assert_eq!(statuses(&f), [Status::Pass], "{f:#?}");
        assert_eq!(f[0].resource.id, NODE_ROLE_ARN);
        let f = run(&node_role(&BASELINE, &[]), &baseline_managed());
        assert_eq!(
            statuses(&f),
            [Status::Pass],
            "with SSM core and CloudWatch agent: {f:#?}"
        );
    }

    #[test]
    fn fails_with_administrator_access_and_chains_the_evidence() {
        let f = run(
            &node_role(&["AdministratorAccess"], &[]),
            &managed(&[("AdministratorAccess", admin())]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("full administrator access"),
            "{}",
            f[0].message
        );
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEksCluster",
                "AwsEksNodegroup",
                "AwsIamRole",
                "AwsIamPolicy"
            ]
        );
        assert_eq!(f[0].evidence[3].id, aws_policy_arn("AdministratorAccess"));
    }

    #[test]
    fn fails_for_ec2_trusted_role_with_pass_role_on_any_resource() {
        let role = node_role(
            &["AmazonEKSWorkerNodePolicy"],
            &[("pass", allow("iam:PassRole", "*"))],
        );
        let f = run(&role, &baseline_managed());
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("iam:PassRole on any IAM role"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.id == format!("{NODE_ROLE_ARN}/inline-policy/pass")));
    }

    #[test]
    fn fails_on_conditional_grants_and_says_so() {
        let doc = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}}});
        let f = run(&node_role(&[], &[("read", doc)]), &json!([]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("s3:GetObject on any S3 object (conditional)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_a_policy_was_not_collected_or_the_role_is_not_listed() {
        let f = run(
            &node_role(&["AmazonEKSWorkerNodePolicy", "Custom"], &[]),
            &baseline_managed(),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("arn:aws:iam::aws:policy/Custom"));
        let f = run_account(nodegroup_account(&json!({"known": []}), &json!([])));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.ends_with("is not in the account's role list"));
    }

    #[test]
    fn unknown_when_a_nodegroup_or_an_instance_profile_hides_the_node_role() {
        let mut inv = nodegroup_account(&json!({"known": []}), &json!([]));
        let cluster = &mut inv["regions"]["us-east-1"]["clusters"]["known"][0];
        cluster["nodegroups"] = json!({"known": [{"name": "ng", "config": testing::denied("eks", "us-east-1", "DescribeNodegroup")}]});
        inv["iam"]["instance_profiles"] = json!({"known": []});
        inv["regions"]["us-east-1"]["instances"] = json!({"known": [{"instance_id": "i-1",
            "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "tags": {"eks:cluster-name": "prod"},
            "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/gone"}]});
        let f = run_account(inv);
        assert_eq!(statuses(&f), [Status::Unknown, Status::Unknown], "{f:#?}");
        let kinds: Vec<&str> = f.iter().map(|f| f.resource.kind.as_str()).collect();
        assert_eq!(kinds, ["AwsEc2Instance", "AwsEksNodegroup"]);
    }

    #[test]
    fn unknown_on_the_instance_when_its_instance_profile_is_unreadable() {
        let mut inv = nodegroup_account(&json!({"known": []}), &json!([]));
        inv["regions"]["us-east-1"]["clusters"]["known"][0]["nodegroups"] = json!({"known": []});
        inv["iam"]["instance_profiles"] = json!({"unknown": {"service": "iam", "region": "global",
            "operation": "GetAccountAuthorizationDetails", "reason": "throttled", "message": "slow down"}});
        inv["regions"]["us-east-1"]["instances"] = json!({"known": [{"instance_id": "i-1",
            "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "tags": {"eks:cluster-name": "prod"},
            "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node"}]});
        let f = run_account(inv);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.kind, "AwsEc2Instance");
    }
}
