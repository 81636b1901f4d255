use std::collections::{BTreeMap, BTreeSet};

use eksposture_model::{Evidence, Gap, Graph, ResourceRef, Role};
use eksposture_policy::power::GrantClass;
use eksposture_policy::SubjectScope;

use super::{
    irsa_providers, irsa_trusts, pod_identity_roles, role_evidence, role_or_unknown, role_power,
    roles_trusting_pods, IrsaProvider, PodCredentials, PodIdentityUse, PowerVerdict, TrustRead,
};
use crate::support::{cluster_evidence, cluster_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload role: IRSA roles (trusting a cluster's IAM OIDC
    /// provider for `sts:AssumeRoleWithWebIdentity` in a statement some
    /// token of the provider can satisfy, as `iam-irsa-trust-scoped` reads
    /// it), the roles of EKS Pod
    /// Identity associations and every role whose trust lets
    /// `pods.eks.amazonaws.com` assume it (an association can be created for
    /// it at any time), and the target roles associations chain to
    /// (`targetRoleArn`: the pods get the target role's credentials, not
    /// those of the association's role, which is judged only when it trusts
    /// the service or serves an association without a target). Their permission policies are judged by
    /// content as in `iam-node-role-least-privilege`, but only the grants no
    /// workload needs count: **fail** on full administrator access, a
    /// whole-service wildcard (`s3:*`, `iam:*`, ...) on every resource, or
    /// privilege escalation or lateral movement on every resource of its
    /// type (`iam:PassRole`, `iam:CreateRole`, `iam:AttachRolePolicy`,
    /// `iam:PutRolePolicy`, `iam:CreateAccessKey`, `iam:CreatePolicyVersion`,
    /// `sts:AssumeRole`, ...; the EKS access API, such as
    /// `eks:CreateAccessEntry` and `eks:AssociateAccessPolicy` on every
    /// cluster; `ssm:SendCommand`, `ssm:StartSession` or
    /// `ec2-instance-connect:SendSSHPublicKey` on every instance;
    /// `lambda:UpdateFunctionCode` on every function, ...: the list of
    /// `iam-node-role-least-privilege`); conditional grants count and are
    /// marked.
    /// Reading every secret, parameter or object, `kms:Decrypt` or ECR pushes
    /// on `*` may be a workload's job (a secrets operator, a CI builder) and
    /// are not judged here. **Pass** when every policy was read and none of
    /// those is granted. **Unknown** when a policy (or the boundary of a role
    /// with such grants) could not be read, the role list could not be read
    /// (one finding per cluster with an OIDC provider and per Pod Identity
    /// role), the role is not in it, a role's trust policy is unreadable (it
    /// may be an IRSA role), a cluster's configuration, Pod Identity
    /// associations (moto: not supported) or an association's role could not
    /// be read, and for a region whose clusters could not be listed; on the
    /// target role when an association chains to a role of **another
    /// account** (its policies are in an account this scan did not read),
    /// and on the association when whether it chains to one was not read.
    ///
    /// ## Rationale
    ///
    /// A workload role is one compromised pod away from an attacker. With
    /// admin, a service-wide wildcard or the power to pass or assume any
    /// role, that pod owns the account, not just its own data.
    ///
    /// ## Remediation
    ///
    /// Replace wildcard and IAM-write grants with the actions the workload
    /// calls, on the resources it uses; never grant `iam:PassRole` or
    /// `sts:AssumeRole` on `*`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "inline_policies": [{"name": "p", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}, "target_role_arn": {"known": null}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "inline_policies": [{"name": "p", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::assets/*"}]}}}]}]},
    ///   "oidc_providers": {"known": []}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}},
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}, "target_role_arn": {"known": null}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    ///
    /// An association whose pods get a role of another account:
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app",
    ///   "inline_policies": [{"name": "p", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::444455556666:role/data"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"},
    ///     "target_role_arn": {"known": "arn:aws:iam::444455556666:role/data"}, "external_id": "e-1"}]}}]}}}}
    /// ```
    id: "iam-workload-role-least-privilege",
    title: "IRSA and Pod Identity roles should not grant admin, wildcard or privilege-escalation power",
    severity: High,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Scope the workload role's policies to the actions and resources it uses; remove admin, service wildcards and iam:PassRole / sts:AssumeRole on *.",
    compliance: ["AWS-FSBP:IAM.1", "AWS-FSBP:IAM.21", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "EKS-BPG:iam"],
}

const LIMIT: &str = "the workload limit (no admin, service-wide wildcard or privilege escalation on every resource)";

/// A role pods can obtain, and how.
struct Workload<'a> {
    role: &'a Role,
    irsa: bool,
    /// The role of a Pod Identity association, or a role that trusts
    /// `pods.eks.amazonaws.com`.
    pod: bool,
    /// The target role an association chains to.
    target: bool,
    evidence: Vec<Evidence>,
}

impl Workload<'_> {
    fn kind(&self) -> &'static str {
        match (self.irsa, self.pod, self.target) {
            (true, true, _) => "IRSA and Pod Identity role",
            (true, false, _) => "IRSA role",
            (false, false, true) => "Pod Identity target role",
            (false, _, _) => "Pod Identity role",
        }
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let providers = irsa_providers(g, out);
    let pods = pod_identity_roles(g, out);
    if let Some(gap) = g.roles_gap() {
        roles_unread(g, out, gap, &providers, &pods);
        return;
    }
    let mut workload: BTreeMap<&str, Workload<'_>> = BTreeMap::new();
    let mut add = |role, ev: Vec<Evidence>, set: fn(&mut Workload<'_>)| {
        let w = workload.entry(arn_of(role)).or_insert(Workload {
            role,
            irsa: false,
            pod: false,
            target: false,
            evidence: Vec::new(),
        });
        set(w);
        w.evidence.extend(ev);
    };
    // Target role ARN -> the associations that chain to it.
    let mut targets: BTreeMap<&str, Vec<&PodIdentityUse<'_>>> = BTreeMap::new();
    let mut foreign: BTreeMap<(&str, &str), Vec<&PodIdentityUse<'_>>> = BTreeMap::new();
    for (arn, uses) in &pods {
        // With a target role the pods get the target's credentials, not the
        // association role's (EKS uses those only to assume the target).
        let direct: Vec<Evidence> = uses
            .iter()
            .filter(|u| {
                matches!(
                    u.credentials(g),
                    PodCredentials::Role | PodCredentials::Unread(_)
                )
            })
            .flat_map(PodIdentityUse::evidence)
            .collect();
        if !direct.is_empty() {
            if let Some(role) = role_or_unknown(g, out, arn, "Pod Identity role", direct.clone()) {
                add(role, direct, |w| w.pod = true);
            }
        }
        for u in uses {
            match u.credentials(g) {
                PodCredentials::Role => {}
                PodCredentials::Target(arn) => targets.entry(arn).or_default().push(u),
                PodCredentials::ForeignTarget { arn, account } => {
                    foreign.entry((arn, account)).or_default().push(u);
                }
                PodCredentials::Unread(gap) => {
                    let res =
                        ResourceRef::new("AwsEksPodIdentityAssociation", u.id(), u.cluster.region);
                    let what = format!(
                        "whether the Pod Identity association for {} chains to a target role",
                        u.describe()
                    );
                    out.unknown(res, &what, gap, u.evidence().to_vec());
                }
            }
        }
    }
    // One finding per target role, naming every association that chains to it.
    for (arn, uses) in targets {
        let ev: Vec<Evidence> = uses.iter().flat_map(|u| u.evidence()).collect();
        if let Some(role) = role_or_unknown(g, out, arn, "Pod Identity target role", ev.clone()) {
            add(role, ev, |w| w.target = true);
        }
    }
    for ((arn, account), uses) in foreign {
        let ev: Vec<Evidence> = uses.iter().flat_map(|u| u.evidence()).collect();
        let who: Vec<String> = uses.iter().map(|u| u.describe()).collect();
        let msg = format!(
            "Pod Identity hands target role {arn} of account {account} to the pods of {}; this scan did not read that account, so what the role grants is unknown",
            who.join(", ")
        );
        out.unknown_because(ResourceRef::new("AwsIamRole", arn, "global"), msg, ev);
    }
    let trusting = roles_trusting_pods(g);
    for role in trusting.roles {
        let ev = vec![role_evidence(role, "trusts pods.eks.amazonaws.com")];
        add(role, ev, |w| w.pod = true);
    }
    // Roles whose trust could not be read and that are not workload roles
    // for another reason: one unknown each.
    let mut unread: BTreeMap<&str, (&Role, String, Option<&Gap>)> = BTreeMap::new();
    for role in g.roles().iter().filter(|_| !providers.is_empty()) {
        match irsa_trusts(role, &providers) {
            TrustRead::Trusts(trusts) => {
                // A statement no token of the provider satisfies hands the
                // role to no pod.
                let mut arns: Vec<&str> = trusts
                    .iter()
                    .filter(|t| !matches!(t.subject, SubjectScope::Unassumable { .. }))
                    .map(|t| t.provider_arn.as_str())
                    .collect();
                arns.sort_unstable();
                arns.dedup();
                if !arns.is_empty() {
                    let ev = arns.iter().flat_map(|a| providers[a].evidence()).collect();
                    add(role, ev, |w| w.irsa = true);
                }
            }
            TrustRead::Unknown(gap) => {
                let what = format!(
                    "the trust policy of role {} (it may be an IRSA or Pod Identity role)",
                    role.role_name
                );
                unread.insert(&role.arn, (role, what, Some(gap)));
            }
            TrustRead::Unparsable(reason) => {
                let msg = format!(
                    "the trust policy of role {} names a cluster's OIDC provider but cannot be parsed: {reason}",
                    role.role_name
                );
                unread.insert(&role.arn, (role, msg, None));
            }
        }
    }
    for (role, why) in trusting.unread {
        let entry = match why {
            Ok(gap) => (
                role,
                format!(
                    "the trust policy of role {} (it may be a Pod Identity role)",
                    role.role_name
                ),
                Some(gap),
            ),
            Err(e) => (
                role,
                format!(
                    "the trust policy of role {} names pods.eks.amazonaws.com but cannot be parsed: {e}",
                    role.role_name
                ),
                None,
            ),
        };
        unread.entry(&role.arn).or_insert(entry);
    }
    for (arn, (role, what, gap)) in unread {
        if workload.contains_key(arn) {
            continue;
        }
        let ev = vec![role_evidence(role, "role")];
        match gap {
            Some(gap) => out.unknown(role_ref(role), &what, gap, ev),
            None => out.unknown_because(role_ref(role), what, ev),
        }
    }
    for mut w in workload.into_values() {
        let role = w.role;
        let who = format!("{} {}", w.kind(), role.role_name);
        let power = role_power(g, role).retain(|r| {
            matches!(
                r.class,
                GrantClass::Admin | GrantClass::ServiceWildcard | GrantClass::PrivilegeEscalation
            )
        });
        w.evidence.push(role_evidence(role, who.clone()));
        w.evidence.extend(power.evidence(role));
        let (status, message) = power.judge_against(&who, LIMIT);
        out.emit(status, role_ref(role), message, w.evidence);
    }
}

/// The key of a role in the workload map; a function, not a closure, so the
/// borrow is tied to the graph's lifetime.
fn arn_of(role: &Role) -> &str {
    role.arn.as_str()
}

/// The role list could not be read: every workload role is unknown, on
/// each cluster (its IRSA and Pod Identity roles) and each association role.
fn roles_unread(
    g: &Graph<'_>,
    out: &mut Findings,
    gap: &Gap,
    providers: &BTreeMap<&str, IrsaProvider<'_>>,
    pods: &BTreeMap<&str, Vec<PodIdentityUse<'_>>>,
) {
    let mut done = BTreeSet::new();
    for p in providers.values() {
        for c in &p.clusters {
            done.insert(c.cluster.arn.as_str());
            out.unknown(
                cluster_ref(c),
                "the account's IAM roles (its IRSA and Pod Identity roles)",
                gap,
                p.evidence(),
            );
        }
    }
    for c in g
        .clusters()
        .filter(|c| !done.contains(c.cluster.arn.as_str()))
    {
        out.unknown(
            cluster_ref(&c),
            "the account's IAM roles (the roles Pod Identity can assume)",
            gap,
            vec![cluster_evidence(&c)],
        );
    }
    for (arn, uses) in pods {
        let ev = uses.iter().flat_map(PodIdentityUse::evidence).collect();
        out.unknown(
            ResourceRef::new("AwsIamRole", *arn, "global"),
            "the account's IAM roles",
            gap,
            ev,
        );
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::allow;
    use crate::testing::{self, statuses};

    const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/A";
    const PROVIDER: &str =
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A";

    /// Role `irsa` trusted by the cluster's provider and role `pod` used by a
    /// Pod Identity association, each with one inline document.
    fn run(irsa_doc: &Value, pod_doc: &Value, associations: &Value) -> Vec<Finding> {
        let role = |name: &str, trust: Value, doc: &Value| {
            json!({"role_name": name,
            "arn": format!("arn:aws:iam::111122223333:role/{name}"), "trust_policy": {"known": trust},
            "inline_policies": [{"name": "p", "document": {"known": doc}}]})
        };
        let irsa_trust = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": PROVIDER}}]});
        let pod_trust = json!({"Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Principal": {"Service": "pods.eks.amazonaws.com"}}]});
        testing::run(
            &super::META,
            json!({"iam": {"oidc_providers": {"known": [{"arn": PROVIDER, "url": ISSUER}]},
                "roles": {"known": [role("irsa", irsa_trust, irsa_doc), role("pod", pod_trust, pod_doc)]}},
                "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                    "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                    "config": {"known": {"oidc_issuer": format!("https://{ISSUER}")}},
                    "pod_identity_associations": associations}]}}}}),
        )
    }

    fn association() -> Value {
        json!({"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/pod"}, "target_role_arn": {"known": null}}]})
    }

    #[test]
    fn fails_on_service_wildcard_and_pass_role_but_not_on_data_reads() {
        let f = run(
            &allow("s3:*", "*"),
            &allow("iam:PassRole", "*"),
            &association(),
        );
        assert_eq!(statuses(&f), [Status::Fail, Status::Fail]);
        assert!(
            f[0].message.starts_with("IRSA role irsa grants more than"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("iam:PassRole on any IAM role"),
            "{}",
            f[1].message
        );
        assert!(f[1]
            .evidence
            .iter()
            .any(|e| e.kind == "AwsEksPodIdentityAssociation"));
        let f = run(
            &allow("secretsmanager:GetSecretValue", "*"),
            &allow("s3:GetObject", "*"),
            &association(),
        );
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass]);
    }

    #[test]
    fn fails_on_the_eks_access_api_and_remote_commands_with_the_reason_in_evidence() {
        let f = run(
            &allow("eks:CreateAccessEntry", "*"),
            &allow("ssm:StartSession", "arn:aws:ec2:*:*:instance/*"),
            &association(),
        );
        assert_eq!(statuses(&f), [Status::Fail, Status::Fail]);
        assert!(
            f[0].message
                .contains("eks:CreateAccessEntry on any EKS cluster"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("ssm:StartSession on any EC2 instance"),
            "{}",
            f[1].message
        );
        assert!(f[1]
            .evidence
            .iter()
            .any(|e| e.detail.contains("opens a shell on any instance")));
    }

    #[test]
    fn a_trust_no_token_of_the_provider_satisfies_makes_no_irsa_role() {
        // StringEquals on another issuer's :sub: the role is closed to IRSA.
        let closed = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": PROVIDER},
            "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/B:sub": "system:serviceaccount:web:app"}}}]});
        let inv = json!({"iam": {"oidc_providers": {"known": [{"arn": PROVIDER, "url": ISSUER}]},
            "roles": {"known": [{"role_name": "closed", "arn": "arn:aws:iam::111122223333:role/closed",
                "trust_policy": {"known": closed},
                "inline_policies": [{"name": "p", "document": {"known": allow("iam:PassRole", "*")}}]}]}},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                "config": {"known": {"oidc_issuer": format!("https://{ISSUER}")}},
                "pod_identity_associations": {"known": []}}]}}}});
        assert!(testing::run(&super::META, inv).is_empty());
    }

    #[test]
    fn unknown_per_cluster_when_associations_cannot_be_listed() {
        let gap = json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}});
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &allow("s3:*", "*"),
            &gap,
        );
        // Role `pod` trusts pods.eks.amazonaws.com: it is judged even when
        // no association is known to use it (before: only through one).
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass, Status::Fail]);
        assert_eq!(f[0].resource.kind, "AwsEksCluster");
        assert!(
            f[2].message
                .starts_with("Pod Identity role pod grants more than"),
            "{}",
            f[2].message
        );
    }

    fn chained(target: &Value) -> Value {
        json!({"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/pod"}, "target_role_arn": target}]})
    }

    #[test]
    fn the_target_role_of_an_association_is_judged_and_a_foreign_one_is_unknown() {
        // The in-account target is role `irsa` here, which also trusts the
        // cluster's provider.
        let f = run(
            &allow("iam:PassRole", "*"),
            &allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/irsa"),
            &chained(&json!({"known": "arn:aws:iam::111122223333:role/irsa"})),
        );
        assert_eq!(statuses(&f), [Status::Fail, Status::Pass]);
        assert!(
            f[0].message.starts_with("IRSA role irsa grants more than"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence.iter().any(|e| e
            .detail
            .contains("target role arn:aws:iam::111122223333:role/irsa")));
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &allow("sts:AssumeRole", "arn:aws:iam::444455556666:role/data"),
            &chained(&json!({"known": "arn:aws:iam::444455556666:role/data"})),
        );
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass, Status::Unknown]);
        assert_eq!(f[2].resource.id, "arn:aws:iam::444455556666:role/data");
        assert!(
            f[2].message
                .contains("of account 444455556666 to the pods of service account web/app of cluster prod; this scan did not read that account"),
            "{}",
            f[2].message
        );
        let unread = json!({"known": [{"association_id": "a-1", "namespace": "web", "service_account": "app",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/pod"}}]});
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &unread,
        );
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass, Status::Pass]);
        assert_eq!(f[0].resource.kind, "AwsEksPodIdentityAssociation");
    }

    #[test]
    fn unknown_when_an_association_role_is_not_in_the_role_list() {
        let missing = json!({"known": [{"association_id": "a-2", "namespace": "web", "service_account": "x",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/gone"}, "target_role_arn": {"known": null}}]});
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &json!({"Statement": []}),
            &missing,
        );
        // Role `pod` trusts pods.eks.amazonaws.com and grants nothing.
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass, Status::Pass]);
        assert_eq!(f[0].resource.id, "arn:aws:iam::111122223333:role/gone");
    }
}
