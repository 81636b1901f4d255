use std::collections::BTreeMap;
use std::fmt::Write as _;

use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, Role};

use eksposture_policy::principals::unnarrowed;
use eksposture_policy::trust::pod_identity::{pod_identity_trusts, PodTrustScope};

use crate::emit::gap_evidence;
use crate::iam::{
    parse_document, pod_identity_roles, role_evidence, role_or_unknown, roles_trusting_pods,
    PodCredentials, PodIdentityUse,
};
use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every role of the account whose trust policy lets
    /// `pods.eks.amazonaws.com` call `sts:AssumeRole`, whether or not an
    /// association uses it yet, and every role an EKS Pod Identity
    /// association names: its trust policy. The EKS User Guide's trust lets `pods.eks.amazonaws.com`
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
    /// - An association may chain to a target role (`targetRoleArn`,
    ///   cross-account role chaining): EKS assumes the association's role,
    ///   then the target role, and the pods get the target role's
    ///   credentials. A target role of the scanned account **fails** when its
    ///   trust admits broad principals as above.
    /// - **pass** when every such statement is scoped and no broad principal
    ///   is trusted (a role that does not trust the service at all passes
    ///   with a note: the association cannot obtain its credentials).
    /// - **unknown** when the trust policy could not be read or parsed (for a
    ///   role no association names: when its text names the service, or its
    ///   trust could not be read at all), the role list could not be read
    ///   (on each cluster) or lacks the role, a cluster's associations (moto:
    ///   not supported) or an association's role could not be read, and for
    ///   a region whose clusters could not be listed; and, for a role whose
    ///   own trust is scoped, when an association chains to a target role in
    ///   **another account** (its trust and policies are in an account this
    ///   scan did not read), when whether it chains to one was not read, or
    ///   when an in-account target role's trust could not be read.
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
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}, "target_role_arn": {"known": null}}]}}]}}}}
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
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}, "target_role_arn": {"known": null}}]}}]}}}}
    /// ```
    ///
    /// A role no association uses yet is judged too:
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "spare", "arn": "arn:aws:iam::111122223333:role/spare",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    ///     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": []}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    ///
    /// A scoped role whose association chains to a role of another account:
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "trust_policy": {"known": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    ///     "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": {"ArnEquals": {
    ///       "aws:SourceArn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"},
    ///     "target_role_arn": {"known": "arn:aws:iam::444455556666:role/data"}, "external_id": "e-1"}]}}]}}}}
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
    let pods = pod_identity_roles(g, out);
    if let Some(gap) = g.roles_gap() {
        // Any role may trust the Pod Identity service.
        for c in g.clusters() {
            let what = "the account's IAM roles (the roles Pod Identity can assume)";
            out.unknown(cluster_ref(&c), what, gap, vec![cluster_evidence(&c)]);
        }
    }
    // Role ARN -> (role, the associations that use it).
    let mut judged: BTreeMap<&str, (&Role, Vec<&PodIdentityUse<'_>>)> = BTreeMap::new();
    for (arn, uses) in &pods {
        let ev: Vec<Evidence> = uses.iter().flat_map(PodIdentityUse::evidence).collect();
        if let Some(role) = role_or_unknown(g, out, arn, "Pod Identity role", ev) {
            judged
                .entry(role.arn.as_str())
                .or_insert((role, Vec::new()))
                .1
                .extend(uses);
        }
    }
    let trusting = roles_trusting_pods(g);
    for role in trusting.roles {
        judged
            .entry(role.arn.as_str())
            .or_insert((role, Vec::new()));
    }
    for (role, why) in trusting.unread {
        if judged.contains_key(role.arn.as_str()) {
            continue; // judged below, with its associations
        }
        let ev = vec![role_evidence(role, format!("role {}", role.role_name))];
        match why {
            Ok(gap) => {
                let what = format!(
                    "the trust policy of role {} (it may trust pods.eks.amazonaws.com)",
                    role.role_name
                );
                out.unknown(role_ref(role), &what, gap, ev);
            }
            Err(e) => {
                let msg = format!(
                    "the trust policy of role {} names pods.eks.amazonaws.com but cannot be parsed: {e}",
                    role.role_name
                );
                out.unknown_because(role_ref(role), msg, ev);
            }
        }
    }
    for (role, uses) in judged.into_values() {
        judge(g, out, role, &uses);
    }
}

/// One role's trust, and the target roles its associations chain to.
fn judge(g: &Graph<'_>, out: &mut Findings, role: &Role, uses: &[&PodIdentityUse<'_>]) {
    let name = &role.role_name;
    let mut ev: Vec<Evidence> = uses.iter().flat_map(|u| u.evidence()).collect();
    ev.push(role_evidence(role, format!("Pod Identity role {name}")));
    let doc = match role.trust_policy.as_result() {
        Ok(doc) => doc,
        Err(gap) => {
            let what = format!("the trust policy of role {name}");
            out.unknown(role_ref(role), &what, gap, ev);
            return;
        }
    };
    let policy = match parse_document(doc) {
        Ok(p) => p,
        Err(e) => {
            let msg = format!("the trust policy of role {name} cannot be parsed: {e}");
            out.unknown_because(role_ref(role), msg, ev);
            return;
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
                "role {name} can be assumed by pods.eks.amazonaws.com with no cluster or service-account condition ({}): any Pod Identity association in any cluster of account {} can hand it to pods",
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
        problems.push(format!(
            "role {name} can be assumed by {}",
            breadth.describe()
        ));
    }
    let (target_problems, unknown) = targets(g, uses, &mut ev);
    problems.extend(target_problems);
    if !problems.is_empty() {
        let mut msg = problems.join("; ");
        if !unknown.is_empty() {
            let _ = write!(msg, " (also unknown: {})", unknown.join("; "));
        }
        out.fail(role_ref(role), msg, ev);
    } else if !unknown.is_empty() {
        let msg = format!(
            "the trust of role {name} is scoped, but {}",
            unknown.join("; ")
        );
        out.unknown_because(role_ref(role), msg, ev);
    } else if scopes.is_empty() {
        let msg = format!("role {name} does not trust pods.eks.amazonaws.com: its Pod Identity associations cannot obtain credentials");
        out.pass(role_ref(role), msg, ev);
    } else {
        let only: Vec<String> = scopes.iter().map(PodTrustScope::describe).collect();
        let mut msg = format!(
            "Pod Identity can assume role {name} only for {}",
            only.join("; ")
        );
        if uses.is_empty() {
            msg.push_str(" (no association uses it yet)");
        }
        out.pass(role_ref(role), msg, ev);
    }
}

/// What the target roles of the associations add: broad principals in the
/// trust of an in-account target (problems), and targets whose trust was not
/// read (unknown), with their evidence.
fn targets(
    g: &Graph<'_>,
    uses: &[&PodIdentityUse<'_>],
    ev: &mut Vec<Evidence>,
) -> (Vec<String>, Vec<String>) {
    let (mut problems, mut unknown) = (Vec::new(), Vec::new());
    for u in uses {
        let who = u.describe();
        let target = match u.credentials(g) {
            PodCredentials::Role => continue,
            PodCredentials::Unread(gap) => {
                ev.push(gap_evidence(gap));
                unknown.push(format!(
                    "whether the association for {who} chains to a target role could not be read ({}: {})",
                    gap.reason.as_str(),
                    gap.operation
                ));
                continue;
            }
            PodCredentials::ForeignTarget { arn, account } => {
                unknown.push(format!(
                    "the association for {who} hands its pods target role {arn} of account {account}, which this scan did not read (its trust and policies are unknown)"
                ));
                continue;
            }
            PodCredentials::Target(arn) => arn,
        };
        let role = match g.role(target) {
            Lookup::Found(role) => role,
            Lookup::Unknown(gap) => {
                ev.push(gap_evidence(gap));
                unknown.push(format!(
                    "target role {target} of the association for {who} could not be read"
                ));
                continue;
            }
            Lookup::Missing => {
                unknown.push(format!("target role {target} of the association for {who} is not in the account's role list"));
                continue;
            }
        };
        ev.push(role_evidence(
            role,
            format!(
                "target role {} of the association for {who}",
                role.role_name
            ),
        ));
        let policy = match role.trust_policy.as_result().map(parse_document) {
            Ok(Ok(policy)) => policy,
            Ok(Err(e)) => {
                unknown.push(format!(
                    "the trust policy of target role {} cannot be parsed: {e}",
                    role.role_name
                ));
                continue;
            }
            Err(gap) => {
                ev.push(gap_evidence(gap));
                unknown.push(format!(
                    "the trust policy of target role {} could not be read",
                    role.role_name
                ));
                continue;
            }
        };
        for breadth in unnarrowed(&policy, "sts:AssumeRole") {
            ev.push(Evidence::new(
                "AwsIamRoleTrustPolicy",
                &role.arn,
                format!("Allow sts:AssumeRole to {}", breadth.describe()),
            ));
            problems.push(format!(
                "its association for {who} chains to target role {}, which {} can assume",
                role.role_name,
                breadth.describe()
            ));
        }
    }
    (problems, unknown)
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(trust: &Value) -> Vec<Finding> {
        run_with(trust, &json!({"known": null}), &[])
    }

    /// Role `app` with `trust`, used by association a-1 whose
    /// `target_role_arn` is `target`; `more` roles besides.
    fn run_with(trust: &Value, target: &Value, more: &[Value]) -> Vec<Finding> {
        let mut roles = vec![
            json!({"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
            "trust_policy": trust}),
        ];
        roles.extend(more.iter().cloned());
        let mut association = json!({"association_id": "a-1",
            "association_arn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-1",
            "namespace": "web", "service_account": "app",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}});
        if !target.is_null() {
            association["target_role_arn"] = target.clone();
        }
        testing::run(
            &super::META,
            json!({"iam": {"roles": {"known": roles}},
                "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                    "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                    "pod_identity_associations": {"known": [association]}}]}}}}),
        )
    }

    fn scoped() -> Value {
        pods(
            &json!({"ArnEquals": {"aws:SourceArn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}),
        )
    }

    fn role(name: &str, trust: &Value) -> Value {
        json!({"role_name": name, "arn": format!("arn:aws:iam::111122223333:role/{name}"), "trust_policy": trust})
    }

    #[test]
    fn judges_roles_no_association_uses_yet() {
        let spare = role("spare", &pods(&json!({})));
        let narrow = role("narrow", &scoped());
        let unrelated = role(
            "ec2",
            &json!({"known": {"Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}),
        );
        let f = run_with(
            &scoped(),
            &json!({"known": null}),
            &[spare, narrow, unrelated],
        );
        let ids: Vec<(&str, Status)> = f
            .iter()
            .map(|f| (f.resource.id.as_str(), f.status))
            .collect();
        assert_eq!(
            ids,
            [
                ("arn:aws:iam::111122223333:role/app", Status::Pass),
                ("arn:aws:iam::111122223333:role/narrow", Status::Pass),
                ("arn:aws:iam::111122223333:role/spare", Status::Fail),
            ]
        );
        assert!(
            f[1].message.contains("no association uses it yet"),
            "{}",
            f[1].message
        );
        assert!(
            f[2].message.contains("any Pod Identity association"),
            "{}",
            f[2].message
        );
    }

    #[test]
    fn unknown_for_a_role_whose_trust_cannot_be_read_and_on_each_cluster_without_the_role_list() {
        let gap = json!({"unknown": {"service": "iam", "region": "global", "operation": "GetRole",
            "reason": "error", "message": "x"}});
        let f = run_with(&scoped(), &json!({"known": null}), &[role("hidden", &gap)]);
        assert_eq!(statuses(&f), [Status::Pass, Status::Unknown]);
        assert!(
            f[1].message.contains("it may trust pods.eks.amazonaws.com"),
            "{}",
            f[1].message
        );
        let f = testing::run(
            &super::META,
            json!({"iam": {"roles": testing::denied("iam", "global", "GetAccountAuthorizationDetails")},
                "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                    "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                    "pod_identity_associations": {"known": []}}]}}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.kind, "AwsEksCluster");
    }

    #[test]
    fn unknown_when_an_association_chains_to_a_role_of_another_account_or_was_not_described() {
        let foreign = json!({"known": "arn:aws:iam::444455556666:role/data"});
        let f = run_with(&scoped(), &foreign, &[]);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("target role arn:aws:iam::444455556666:role/data of account 444455556666, which this scan did not read"),
            "{}",
            f[0].message
        );
        // An inventory from before targets were collected.
        let f = run_with(&scoped(), &Value::Null, &[]);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message
                .contains("chains to a target role could not be read"),
            "{}",
            f[0].message
        );
        // An unscoped trust still fails: more reads could not fix it.
        let f = run_with(&pods(&json!({})), &foreign, &[]);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("also unknown"), "{}", f[0].message);
    }

    #[test]
    fn an_in_account_target_role_is_judged_by_its_trust() {
        let target = json!({"known": "arn:aws:iam::111122223333:role/data"});
        let narrow = role(
            "data",
            &json!({"known": {"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"sts:ExternalId": "e-1"}}}]}}),
        );
        assert_eq!(
            statuses(&run_with(&scoped(), &target, &[narrow])),
            [Status::Pass]
        );
        let broad = role(
            "data",
            &json!({"known": {"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]}}),
        );
        let f = run_with(&scoped(), &target, &[broad]);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("chains to target role data, which every principal of account 111122223333 can assume"),
            "{}",
            f[0].message
        );
        let f = run_with(&scoped(), &target, &[]);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("is not in the account's role list"),
            "{}",
            f[0].message
        );
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
