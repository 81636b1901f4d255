use std::fmt::Write as _;

use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph};

use super::role_use::{cluster_role_sharing, CLUSTER_SERVICE};
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, its cluster IAM role (`roleArn`). **fail** when
    /// the role is not dedicated to that cluster: it is also the cluster role
    /// of another cluster (any region), a node role (of a nodegroup, or of a
    /// node instance through its instance profile), the pod execution role of
    /// a Fargate profile, the role or target role of a Pod Identity
    /// association, or its trust
    /// policy's `Allow` statements admit any principal besides the service
    /// `eks.amazonaws.com` (other services such as `ec2.amazonaws.com`, AWS
    /// accounts, users or roles, OIDC providers, so IRSA, or `*`); every
    /// reason is named. Roles are compared by account and name. **pass** when
    /// none of that holds and everything was read: the trust admits
    /// `eks.amazonaws.com` only (with `sts:AssumeRole` / `sts:TagSession`).
    /// **unknown** when no reason fails and something that could hold one
    /// was not read: `DescribeCluster` returned no `roleArn`, the IAM roles
    /// or the role's trust policy could not be read (or the role is not
    /// among them), another cluster's configuration, a cluster's nodegroups,
    /// Fargate profiles or Pod Identity associations (moto implements no
    /// `ListPodIdentityAssociations`) or an association's target role, a
    /// nodegroup's configuration, or, when
    /// the role sits in an instance profile, the node instances of a region.
    ///
    /// ## Rationale
    ///
    /// The cluster role lets the EKS control plane manage network interfaces,
    /// security groups and load balancers in the account. Shared with nodes,
    /// pods or another cluster, it mixes workloads of different sensitivity
    /// under one identity (NIST SP 800-190 4.3.4): whoever can use it for one
    /// purpose holds the permissions of all, a node compromise yields the
    /// control plane's permissions, and its policies cannot be narrowed for
    /// one cluster without breaking another.
    ///
    /// ## Remediation
    ///
    /// Create one role per cluster, trusted only by `eks.amazonaws.com`, with
    /// `AmazonEKSClusterPolicy` attached; give nodes, Fargate profiles and
    /// workloads their own roles. The cluster role cannot be changed after
    /// creation, so a shared one means migrating to a new cluster, or at
    /// least removing the other uses and trust entries.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "eks", "arn": "arn:aws:iam::111122223333:role/eks",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
    ///     "Principal": {"Service": ["eks.amazonaws.com", "ec2.amazonaws.com"]}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"role_arn": "arn:aws:iam::111122223333:role/eks"}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "eks", "arn": "arn:aws:iam::111122223333:role/eks",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
    ///     "Principal": {"Service": "eks.amazonaws.com"}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"role_arn": "arn:aws:iam::111122223333:role/eks"}},
    ///   "nodegroups": {"known": []}, "fargate_profiles": {"known": []},
    ///   "pod_identity_associations": {"known": []}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"known": [{"role_name": "eks", "arn": "arn:aws:iam::111122223333:role/eks",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
    ///     "Principal": {"Service": "eks.amazonaws.com"}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"role_arn": "arn:aws:iam::111122223333:role/eks"}},
    ///   "nodegroups": {"known": []}, "fargate_profiles": {"known": []},
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    id: "eks-cluster-role-dedicated",
    title: "Each EKS cluster should have its own cluster IAM role, trusted only by eks.amazonaws.com",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Give each cluster its own role trusted only by eks.amazonaws.com; use separate roles for nodes, Fargate profiles and workloads.",
    compliance: ["NIST-800-190:4.3.4", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

/// The first few items, then how many more.
fn listed(items: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > SHOWN {
        let _ = write!(text, "; and {} more", items.len() - SHOWN);
    }
    text
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(role_arn) = config.role_arn.as_deref() else {
            let msg = format!("DescribeCluster returned no roleArn for cluster {name}");
            return out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
        };
        let role = match g.role(role_arn) {
            Lookup::Found(role) => Ok(role),
            Lookup::Unknown(gap) => Err((
                "the account's IAM roles (the role's trust policy)".to_string(),
                Some(gap),
            )),
            Lookup::Missing => Err((
                format!("role {role_arn}, which is not in the account's role list"),
                None,
            )),
        };
        let role_id = role
            .as_ref()
            .map_or(role_arn, |r| r.arn.as_str())
            .to_string();
        let role_name = eksposture_model::arn::resource_name(&role_id)
            .unwrap_or(&role_id)
            .to_string();
        let sharing = cluster_role_sharing(g, &c, role_arn, role);
        let mut evidence = vec![
            cluster_evidence(&c),
            Evidence::new(
                "AwsIamRole",
                &role_id,
                format!("cluster role of cluster {name}"),
            ),
        ];
        let subject = format!("cluster role {role_name} of cluster {name}");
        if !sharing.reasons.is_empty() {
            evidence.extend(sharing.evidence);
            let msg = format!(
                "{subject} is not dedicated to it: {}",
                listed(&sharing.reasons)
            );
            out.fail(cluster_ref(&c), msg, evidence);
        } else if !sharing.unread.is_empty() {
            evidence.extend(sharing.gaps);
            let msg = format!(
                "{subject} serves nothing else as far as was read, but these could not be read: {}",
                listed(&sharing.unread)
            );
            out.unknown_because(cluster_ref(&c), msg, evidence);
        } else {
            let msg = format!("{subject} is trusted by {CLUSTER_SERVICE} only and serves no other cluster, node, Fargate profile or Pod Identity association");
            out.pass(cluster_ref(&c), msg, evidence);
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ROLE: &str = "arn:aws:iam::111122223333:role/eks";

    fn trust(principal: Value) -> Value {
        let mut t = json!({"known": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]}});
        t["known"]["Statement"][0]["Principal"] = principal;
        t
    }

    /// Cluster `name` using role `eks`, with everything read and empty,
    /// then `over` merged over its fields.
    fn cluster(name: &str, region: &str, over: Value) -> Value {
        let mut c = json!({"name": name, "arn": format!("arn:aws:eks:{region}:111122223333:cluster/{name}"),
            "config": {"known": {"role_arn": ROLE}}, "nodegroups": {"known": []},
            "fargate_profiles": {"known": []}, "pod_identity_associations": {"known": []}});
        if let Value::Object(fields) = over {
            for (k, v) in fields {
                c[k.as_str()] = v;
            }
        }
        c
    }

    fn inventory(trust: Value, profiles: Value, regions: Value) -> Value {
        let mut role = json!({"role_name": "eks", "arn": ROLE});
        role["trust_policy"] = trust;
        role["instance_profile_arns"] = profiles;
        let mut inv = json!({"iam": {"roles": {"known": [role]}}});
        inv["regions"] = regions;
        inv
    }

    fn one_region(trust: Value, over: Value) -> Value {
        inventory(
            trust,
            json!([]),
            json!({"us-east-1": {"clusters": {"known": [cluster("prod", "us-east-1", over)]}}}),
        )
    }

    fn eks_only() -> Value {
        trust(json!({"Service": "eks.amazonaws.com"}))
    }

    fn unread(op: &str) -> Value {
        json!({"unknown": {"service": "eks", "region": "us-east-1", "operation": op, "reason": "not_supported", "message": "404"}})
    }

    #[test]
    fn fails_for_both_clusters_sharing_a_role_across_regions() {
        let regions = json!({"us-east-1": {"clusters": {"known": [cluster("prod", "us-east-1", json!({}))]}},
            "eu-west-1": {"clusters": {"known": [cluster("dev", "eu-west-1",
                json!({"config": {"known": {"role_arn": "arn:aws:iam::111122223333:role/team/EKS"}}}))]}}});
        let f = testing::run(&super::META, inventory(eks_only(), json!([]), regions));
        assert_eq!(statuses(&f), [Status::Fail, Status::Fail]);
        assert!(
            f[1].message
                .ends_with("it is also the cluster role of cluster dev (eu-west-1)"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn fails_as_node_role_even_when_pod_identity_is_unreadable() {
        let over = json!({"pod_identity_associations": unread("ListPodIdentityAssociations"),
            "nodegroups": {"known": [{"name": "ng", "config": {"known": {"arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1", "node_role": ROLE}}}]}});
        let f = testing::run(&super::META, one_region(eks_only(), over));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("node role") && f[0].message.contains("1 nodegroup(s)"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence.iter().any(|e| e.kind == "AwsEksNodegroup"),
            "{:#?}",
            f[0].evidence
        );
    }

    #[test]
    fn fails_when_fargate_pod_identity_or_trust_share_the_role() {
        let fargate = json!({"fargate_profiles": {"known": [{"name": "fp", "pod_execution_role_arn": ROLE}]}});
        let pods = json!({"pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "ns",
            "service_account": "sa", "role_arn": {"known": ROLE}, "target_role_arn": {"known": null}}]}});
        let target = json!({"pod_identity_associations": {"known": [{"association_id": "a-2", "namespace": "ns",
            "service_account": "sa", "role_arn": {"known": "arn:aws:iam::111122223333:role/hop"},
            "target_role_arn": {"known": ROLE}}]}});
        for (trust, over) in [
            (eks_only(), fargate),
            (eks_only(), pods),
            (eks_only(), target),
            (
                trust(json!({"Service": ["eks.amazonaws.com", "ec2.amazonaws.com"]})),
                json!({}),
            ),
            (
                trust(json!({"AWS": "arn:aws:iam::444455556666:root"})),
                json!({}),
            ),
            (trust(json!("*")), json!({})),
        ] {
            let f = testing::run(&super::META, one_region(trust, over.clone()));
            assert_eq!(statuses(&f), [Status::Fail], "{over}: {f:#?}");
        }
    }

    #[test]
    fn passes_when_dedicated_and_trusted_by_eks_only() {
        let f = testing::run(&super::META, one_region(eks_only(), json!({})));
        assert_eq!(statuses(&f), [Status::Pass], "{f:#?}");
        assert_eq!(f[0].evidence[1].id, ROLE);
    }

    #[test]
    fn unknown_when_a_list_that_could_share_the_role_is_unreadable() {
        for over in [
            json!({"pod_identity_associations": unread("ListPodIdentityAssociations")}),
            json!({"fargate_profiles": unread("ListFargateProfiles")}),
            json!({"nodegroups": unread("ListNodegroups")}),
            json!({"config": {"known": {}}}),
            // An association whose target role was not collected.
            json!({"pod_identity_associations": {"known": [{"association_id": "a-3", "namespace": "ns",
                "service_account": "sa", "role_arn": {"known": "arn:aws:iam::111122223333:role/hop"}}]}}),
        ] {
            let f = testing::run(&super::META, one_region(eks_only(), over.clone()));
            assert_eq!(statuses(&f), [Status::Unknown], "{over}");
        }
        let f = testing::run(
            &super::META,
            one_region(unread("GetAccountAuthorizationDetails"), json!({})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("the trust policy of role eks"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unread_instances_matter_only_for_a_role_in_an_instance_profile() {
        let regions = || {
            json!({"us-east-1": {"clusters": {"known": [cluster("prod", "us-east-1", json!({}))]},
            "instances": unread("DescribeInstances")}})
        };
        let f = testing::run(&super::META, inventory(eks_only(), json!([]), regions()));
        assert_eq!(statuses(&f), [Status::Pass]);
        let profile = json!(["arn:aws:iam::111122223333:instance-profile/eks"]);
        let f = testing::run(&super::META, inventory(eks_only(), profile, regions()));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
