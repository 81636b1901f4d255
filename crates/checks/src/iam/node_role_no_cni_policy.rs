use eksposture_model::{Evidence, Graph};

use super::{node_role_gaps, node_role_use_evidence, role_evidence, role_or_unknown};
use crate::support::role_ref;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every node role (the node role of a managed nodegroup, or the role
    /// in the instance profile of a node instance), its attached managed
    /// policies: **fail** when they include the AWS managed
    /// `arn:<partition>:iam::aws:policy/AmazonEKS_CNI_Policy`, or a policy
    /// named `AmazonEKS_CNI_IPv6_Policy` (the customer managed policy the EKS
    /// guide has you create for IPv6 clusters); **pass** otherwise (the
    /// attached list is part of the role as read). The policies are matched
    /// by name: a copy of the CNI permissions under another name is judged by
    /// `iam-node-role-least-privilege`, not here. **Unknown** when the
    /// account's roles could not be listed or lack the role, and, on the
    /// resource that hides a node role, when a live node's instance profile
    /// could not be read or is not in the account's list, a nodegroup could
    /// not be described, or a cluster's nodegroups or a region's clusters or
    /// instances could not be listed.
    ///
    /// ## Rationale
    ///
    /// Only the VPC CNI (`aws-node`) needs these permissions, but on the node
    /// role every pod that reaches the instance metadata service holds them:
    /// create, attach and delete network interfaces, assign IPs, and
    /// `ec2:ModifyNetworkInterfaceAttribute` on any interface (swap the
    /// security groups of other workloads). The EKS Best Practices Guide
    /// asks for the policy on the `aws-node` service account instead, via
    /// IRSA or EKS Pod Identity.
    ///
    /// ## Remediation
    ///
    /// Create an IRSA / Pod Identity role with AmazonEKS_CNI_Policy, set it as
    /// the `vpc-cni` add-on's service account role, then detach the policy
    /// from the node role.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "attached_policy_arns": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    ///     "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "attached_policy_arns": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    ///     "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"]}]}},
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
    id: "iam-node-role-no-cni-policy",
    title: "Node IAM roles should not carry the VPC CNI policy",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Give the aws-node service account (vpc-cni add-on) its own IRSA / Pod Identity role with AmazonEKS_CNI_Policy and detach the policy from the node role.",
    compliance: ["CIS-EKS-1.8:5.2.1", "PCI-DSS-4.0:7.2.2", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in node_role_gaps(g) {
        u.emit(out);
    }
    let managed_cni = format!("arn:{}:iam::aws:policy/AmazonEKS_CNI_Policy", g.partition());
    let (roles, _) = g.node_roles();
    for (arn, uses) in roles {
        let mut evidence = node_role_use_evidence(g, uses);
        let Some(role) = role_or_unknown(g, out, arn, "node role", evidence.clone()) else {
            continue;
        };
        let cni: Vec<&String> = role
            .attached_policy_arns
            .iter()
            .filter(|p| {
                **p == managed_cni || p.rsplit('/').next() == Some("AmazonEKS_CNI_IPv6_Policy")
            })
            .collect();
        let name = &role.role_name;
        evidence.push(role_evidence(role, format!("node role {name}")));
        if cni.is_empty() {
            let msg = format!("node role {name} carries no VPC CNI policy");
            out.pass(role_ref(role), msg, evidence);
        } else {
            for p in &cni {
                evidence.push(Evidence::new(
                    "AwsIamPolicy",
                    *p,
                    format!("attached to node role {name}"),
                ));
            }
            let names: Vec<&str> = cni.iter().filter_map(|p| p.rsplit('/').next()).collect();
            let msg = format!(
                "node role {name} carries {}: every pod that reaches the node's metadata service can manage the account's network interfaces",
                names.join(", ")
            );
            out.fail(role_ref(role), msg, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::*;
    use crate::testing::{self, statuses};

    fn run(roles: &Value) -> Vec<Finding> {
        testing::run(&super::META, nodegroup_account(roles, &baseline_managed()))
    }

    #[test]
    fn fails_with_the_aws_managed_cni_policy_and_names_it() {
        let f = run(&json!({"known": [node_role(&BASELINE, &[])]}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, NODE_ROLE_ARN);
        assert!(
            f[0].message.contains("AmazonEKS_CNI_Policy"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.id == aws_policy_arn("AmazonEKS_CNI_Policy")));
    }

    #[test]
    fn fails_with_the_customer_managed_ipv6_policy() {
        let mut role = node_role(&["AmazonEKSWorkerNodePolicy"], &[]);
        role["attached_policy_arns"]
            .as_array_mut()
            .unwrap()
            .push(json!(
                "arn:aws:iam::111122223333:policy/AmazonEKS_CNI_IPv6_Policy"
            ));
        assert_eq!(statuses(&run(&json!({"known": [role]}))), [Status::Fail]);
    }

    #[test]
    fn passes_without_the_cni_policy_even_when_a_policy_is_unread() {
        let role = node_role(&["AmazonEKSWorkerNodePolicy", "NotCollected"], &[]);
        let f = run(&json!({"known": [role]}));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_roles_unreadable_or_the_role_is_not_listed() {
        let gap = testing::denied("iam", "global", "GetAccountAuthorizationDetails");
        assert_eq!(statuses(&run(&gap)), [Status::Unknown]);
        let f = run(&json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.ends_with("is not in the account's role list"));
    }
}
