use std::collections::BTreeSet;

use eksposture_model::{Graph, ResourceRef};

use super::other_users;
use crate::emit::gap_evidence;
use crate::iam::{node_role_gaps, node_role_use_evidence, role_evidence};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every node role (the node role of a managed nodegroup, or the role in
    /// the instance profile of a node instance): **fail** when nodes of two
    /// or more clusters use it, or when an instance that is not a node of
    /// any cluster uses one of its instance profiles (an `associated` or
    /// `associating` entry of `DescribeIamInstanceProfileAssociations` in
    /// any scanned region); **pass** when one cluster's nodes use it and no
    /// other instance does; **unknown** when it is not shared across clusters
    /// but the associations of a region with nodes, or the instance profiles
    /// holding the role, could not be read, or an association's instance
    /// cannot be told from a node (its region's instances unlisted, or its
    /// state not returned); and, on the resource that hides a node role,
    /// when a node's instance profile or a nodegroup could not be read or a
    /// region's clusters or instances could not be listed. Regions without
    /// nodes count only when their associations were read.
    ///
    /// ## Rationale
    ///
    /// A node role holds what every node needs and every pod that reaches
    /// IMDS can use. Shared with another cluster, or with instances outside
    /// EKS, one compromise crosses the boundary: a pod in a test cluster
    /// acts as production's nodes, and a non-EKS server's credentials join
    /// the cluster as a node. NIST SP 800-190 4.3.4 asks not to mix workloads
    /// of different sensitivity on the same hosts; sharing node identity
    /// mixes them across hosts.
    ///
    /// ## Remediation
    ///
    /// Give each cluster (ideally each nodegroup) its own node role and
    /// instance profile, and give non-EKS instances roles of their own;
    /// update the cluster's access entries (or `aws-auth`) for the new role.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [
    ///   {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///     "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}},
    ///   {"name": "test", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/test", "nodegroups": {"known": [{"name": "ng",
    ///     "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}, "instance_profile_associations": {"known": []}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": []}, "instance_profiles": {"known": []}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [
    ///   {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///     "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}, "instance_profile_associations": {"known": []}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [
    ///   {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///     "config": {"known": {"node_role": "arn:aws:iam::111122223333:role/node"}}}]}}]},
    ///   "instances": {"known": []}, "instance_profile_associations": {"known": []}}}}
    /// ```
    id: "ec2-node-role-not-shared",
    title: "Node roles should not be shared across clusters or with non-EKS instances",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Give each cluster its own node role and instance profile, and non-EKS instances roles of their own.",
    compliance: ["NIST-800-190:4.3.4", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    const MAX_LISTED: usize = 10;
    for u in node_role_gaps(g) {
        u.emit(out);
    }
    let (roles, _) = g.node_roles();
    for (arn, uses) in roles {
        let mut evidence = node_role_use_evidence(g, uses);
        let role = g.role(arn).found();
        let name = role.map_or(arn.as_str(), |r| r.role_name.as_str());
        if let Some(role) = role {
            evidence.push(role_evidence(role, format!("node role {name}")));
        }
        let resource = ResourceRef::new("AwsIamRole", arn, "global");
        let clusters: BTreeSet<String> = uses
            .iter()
            .map(|u| format!("{} ({})", u.cluster_name, u.region))
            .collect();
        let clusters = clusters.into_iter().collect::<Vec<_>>();
        let others = other_users(g, arn);
        let mut shared = Vec::new();
        if clusters.len() > 1 {
            shared.push(format!(
                "by nodes of {} clusters: {}",
                clusters.len(),
                clusters.join(", ")
            ));
        }
        if let Some(list) = others.listed(MAX_LISTED) {
            shared.push(format!("by instances that are not EKS nodes: {list}"));
        }
        evidence.extend(
            others
                .instances
                .into_iter()
                .take(MAX_LISTED)
                .map(|(_, e)| e),
        );
        if !shared.is_empty() {
            out.fail(
                resource,
                format!("node role {name} is shared: used {}", shared.join("; and ")),
                evidence,
            );
        } else if !others.undecided.is_empty() {
            let why: Vec<&str> = others.undecided.iter().map(|(w, _)| w.as_str()).collect();
            evidence.extend(
                others
                    .undecided
                    .iter()
                    .filter_map(|(_, g)| g.as_ref())
                    .map(gap_evidence),
            );
            let msg = format!("node role {name} is used by cluster {} only, but whether other instances use it is unknown: {}", clusters.join(", "), why.join("; "));
            out.unknown_because(resource, msg, evidence);
        } else {
            let msg = format!(
                "node role {name} is used by nodes of cluster {} only and by no other instance",
                clusters.join(", ")
            );
            out.pass(resource, msg, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ROLE: &str = "arn:aws:iam::111122223333:role/node";
    const PROFILE: &str = "arn:aws:iam::111122223333:instance-profile/node";

    fn run(associations: &Value, profiles: &Value) -> Vec<Finding> {
        let node = json!({"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "state": "running", "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": PROFILE});
        let account = json!({"iam": {"roles": {"known": []}, "instance_profiles": profiles},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
              "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
                "config": {"known": {"node_role": ROLE}}}]}}]},
              "instances": {"known": [node]}, "instance_profile_associations": associations}}});
        testing::run(&super::META, account)
    }

    fn association(instance: &str, state: &str) -> Value {
        json!({"instance_id": instance, "instance_arn": format!("arn:aws:ec2:us-east-1:111122223333:instance/{instance}"),
            "instance_profile_arn": PROFILE, "state": state})
    }

    fn profiles() -> Value {
        json!({"known": [{"name": "node", "arn": PROFILE, "role_arns": [ROLE]}]})
    }

    #[test]
    fn fails_when_a_non_eks_instance_uses_the_node_roles_profile() {
        let f = run(
            &json!({"known": [association("i-1", "associated"), association("i-9", "associated")]}),
            &profiles(),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, ROLE);
        assert!(
            f[0].message.contains("not EKS nodes: i-9"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence.iter().any(|e| e.id.ends_with("instance/i-9")));
    }

    #[test]
    fn passes_when_only_nodes_use_it_and_disassociated_entries_are_ignored() {
        let f = run(
            &json!({"known": [association("i-1", "associated"), association("i-9", "disassociated")]}),
            &profiles(),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_associations_or_profiles_are_unreadable() {
        let gap = testing::denied("ec2", "us-east-1", "DescribeIamInstanceProfileAssociations");
        assert_eq!(statuses(&run(&gap, &profiles())), [Status::Unknown]);
        let iam_gap = testing::denied("iam", "global", "GetAccountAuthorizationDetails");
        let f = run(
            &json!({"known": [association("i-9", "associated")]}),
            &iam_gap,
        );
        // The role (via its nodegroup) and the node whose profile hides it.
        assert_eq!(statuses(&f), [Status::Unknown, Status::Unknown], "{f:#?}");
    }
}
