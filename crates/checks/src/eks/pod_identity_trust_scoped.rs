use eksposture_model::{Evidence, Graph};

use eksposture_policy::principals::unnarrowed;
use eksposture_policy::trust::pod_identity::{pod_identity_trusts, PodTrustScope};

use crate::iam::{
    parse_document, pod_identity_roles, role_evidence, role_or_unknown, PodIdentityUse,
};
use crate::support::{clusters_of_region_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every role an EKS Pod Identity association hands to pods, its
    /// trust policy. The EKS User Guide's trust lets `pods.eks.amazonaws.com`
    /// call `sts:AssumeRole` and `sts:TagSession`, and restricts "which
    /// service accounts, namespaces, and clusters can use this role" with
    /// conditions on the session tags Pod Identity sets.
    ///
    /// - **fail** when an `Allow` statement trusting `pods.eks.amazonaws.com`
    ///   pins neither the cluster (`aws:SourceArn`,
    ///   `aws:RequestTag/eks-cluster-arn` or `aws:RequestTag/eks-cluster-name`)
    ///   nor both `aws:RequestTag/kubernetes-namespace` and
    ///   `aws:RequestTag/kubernetes-service-account`, with an exact, positive
    ///   condition (`StringEquals`/`ArnEquals`/`...Like` without wildcards, not
    ///   `IfExists` or `ForAllValues:`). `aws:SourceAccount` alone does not
    ///   scope: the role must live in the cluster's account anyway, so every
    ///   association of that account still matches. Also **fail** when the
    ///   trust lets other broad principals assume the role: anyone (`*`),
    ///   `NotPrincipal`, or a whole account (`:root`), unless a condition
    ///   narrows them (`aws:PrincipalArn`, `aws:PrincipalOrgID`, ...).
    /// - **pass** when every such statement is scoped and no broad principal
    ///   is trusted (a role that does not trust the service at all passes
    ///   with a note: the association cannot obtain its credentials).
    /// - **unknown** when the trust policy could not be read or parsed, the
    ///   role list could not be read or lacks the role, a cluster's
    ///   associations (moto: not supported) or an association's role could
    ///   not be read, and for a region whose clusters could not be listed.
    ///
    /// ## Rationale
    ///
    /// Pod Identity roles are reusable across clusters by design. Without a
    /// condition, anyone allowed `eks:CreatePodIdentityAssociation` and
    /// `iam:PassRole` on the role can bind it to any service account in any
    /// cluster of the account (a test cluster, a namespace they control), and
    /// every pod of that service account gets the role.
    ///
    /// ## Remediation
    ///
    /// Add to the trust statement `"Condition": {"StringEquals":
    /// {"aws:RequestTag/eks-cluster-arn": "<cluster ARN>",
    /// "aws:RequestTag/kubernetes-namespace": "<ns>",
    /// "aws:RequestTag/kubernetes-service-account": "<sa>"}}`, and remove
    /// account-wide or `*` principals.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    ///     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    ///     "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": {"StringEquals": {
    ///       "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///       "aws:RequestTag/kubernetes-namespace": "web", "aws:RequestTag/kubernetes-service-account": "app"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    id: "eks-pod-identity-trust-scoped",
    title: "Pod Identity role trust policies should be scoped to a cluster or service account",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Add aws:RequestTag/eks-cluster-arn, kubernetes-namespace and kubernetes-service-account conditions to the pods.eks.amazonaws.com trust statement; drop account-wide or * principals.",
    compliance: ["CIS-EKS-1.8:5.2.1", "NIST-800-190:4.3.2", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for (arn, uses) in &pod_identity_roles(g, out) {
        let mut ev: Vec<Evidence> = uses.iter().flat_map(PodIdentityUse::evidence).collect();
        let Some(role) = role_or_unknown(g, out, arn, "Pod Identity role", ev.clone()) else {
            continue;
        };
        let name = &role.role_name;
        ev.push(role_evidence(role, format!("Pod Identity role {name}")));
        let doc = match role.trust_policy.as_result() {
            Ok(doc) => doc,
            Err(gap) => {
                out.unknown(
                    role_ref(role),
                    &format!("the trust policy of role {name}"),
                    gap,
                    ev,
                );
                continue;
            }
        };
        let policy = match parse_document(doc) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("the trust policy of role {name} cannot be parsed: {e}");
                out.unknown_because(role_ref(role), msg, ev);
                continue;
            }
        };
        let trust = |detail: String| Evidence::new("AwsIamRoleTrustPolicy", &role.arn, detail);
        let scopes = pod_identity_trusts(&policy);
        let mut problems = Vec::new();
        for s in &scopes {
            ev.push(trust(format!(
                "Allow sts:AssumeRole to pods.eks.amazonaws.com: {}",
                s.describe()
            )));
            if !s.is_scoped() {
                problems.push(format!(
                    "pods.eks.amazonaws.com with no cluster or service-account condition ({}): any Pod Identity association in any cluster of account {} can hand it to pods",
                    s.describe(),
                    g.account_id()
                ));
            }
        }
        for breadth in unnarrowed(&policy, "sts:AssumeRole") {
            ev.push(trust(format!(
                "Allow sts:AssumeRole to {}",
                breadth.describe()
            )));
            problems.push(breadth.describe());
        }
        if !problems.is_empty() {
            let msg = format!("role {name} can be assumed by {}", problems.join("; "));
            out.fail(role_ref(role), msg, ev);
        } else if scopes.is_empty() {
            let msg = format!("role {name} does not trust pods.eks.amazonaws.com: its Pod Identity associations cannot obtain credentials");
            out.pass(role_ref(role), msg, ev);
        } else {
            let only: Vec<String> = scopes.iter().map(PodTrustScope::describe).collect();
            let msg = format!(
                "Pod Identity can assume role {name} only for {}",
                only.join("; ")
            );
            out.pass(role_ref(role), msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(trust: &Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            json!({"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
                "trust_policy": trust}]}},
                "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                    "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                    "pod_identity_associations": {"known": [{"association_id": "a-1",
                        "association_arn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-1",
                        "namespace": "web", "service_account": "app",
                        "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}}]}}]}}}}),
        )
    }

    fn pods(condition: &Value) -> Value {
        json!({"known": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": condition}]}})
    }

    #[test]
    fn fails_when_only_the_source_account_is_pinned() {
        let f = run(&pods(
            &json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
        ));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("any Pod Identity association"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.kind == "AwsEksPodIdentityAssociation"
                && e.id == "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-1"));
    }

    #[test]
    fn fails_when_a_scoped_trust_also_admits_the_whole_account() {
        let mut trust = pods(
            &json!({"ArnEquals": {"aws:SourceArn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}),
        );
        trust["known"]["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}));
        let f = run(&trust);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("every principal of account 111122223333"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_pinned_to_cluster_or_service_account() {
        let f = run(&pods(
            &json!({"ArnEquals": {"aws:SourceArn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}),
        ));
        assert_eq!(statuses(&f), [Status::Pass]);
        let f = run(&pods(
            &json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "web",
            "aws:RequestTag/kubernetes-service-account": "app"}}),
        ));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_trust_policy_is_unreadable() {
        let gap = json!({"unknown": {"service": "iam", "region": "global", "operation": "GetRole",
            "reason": "error", "message": "x"}});
        let f = run(&gap);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.id, "arn:aws:iam::111122223333:role/app");
    }
}
