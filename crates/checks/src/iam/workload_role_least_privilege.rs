use std::collections::BTreeMap;

use eksposture_model::{Evidence, Graph, ResourceRef, Role};
use eksposture_policy::power::GrantClass;

use super::{
    irsa_providers, irsa_trusts, pod_identity_roles, role_evidence, role_or_unknown, role_power,
    PowerVerdict, TrustRead,
};
use crate::support::{cluster_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload role: IRSA roles (trusting a cluster's IAM OIDC
    /// provider for `sts:AssumeRoleWithWebIdentity`) and the roles of EKS Pod
    /// Identity associations. Their permission policies are judged by
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
    /// be read, and for a region whose clusters could not be listed.
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
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}}]}}]}}}}
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
    ///     "role_arn": {"known": "arn:aws:iam::111122223333:role/app"}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
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

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let providers = irsa_providers(g, out);
    let pods = pod_identity_roles(g, out);
    if let Some(gap) = g.roles_gap() {
        for p in providers.values() {
            for c in &p.clusters {
                out.unknown(
                    cluster_ref(c),
                    "the account's IAM roles (its IRSA roles)",
                    gap,
                    p.evidence(),
                );
            }
        }
        for (arn, uses) in &pods {
            let ev = uses
                .iter()
                .flat_map(super::PodIdentityUse::evidence)
                .collect();
            out.unknown(
                ResourceRef::new("AwsIamRole", *arn, "global"),
                "the account's IAM roles",
                gap,
                ev,
            );
        }
        return;
    }
    // Role ARN -> (role, IRSA?, Pod Identity?, how it is used).
    let mut workload: BTreeMap<&str, (&Role, bool, bool, Vec<Evidence>)> = BTreeMap::new();
    for (arn, uses) in &pods {
        let ev: Vec<Evidence> = uses
            .iter()
            .flat_map(super::PodIdentityUse::evidence)
            .collect();
        if let Some(role) = role_or_unknown(g, out, arn, "Pod Identity role", ev.clone()) {
            let entry =
                workload
                    .entry(role.arn.as_str())
                    .or_insert((role, false, true, Vec::new()));
            entry.3.extend(ev);
        }
    }
    for role in g.roles().iter().filter(|_| !providers.is_empty()) {
        let is_pod_role = workload.contains_key(role.arn.as_str());
        match irsa_trusts(role, &providers) {
            TrustRead::Trusts(trusts) if !trusts.is_empty() => {
                let entry =
                    workload
                        .entry(role.arn.as_str())
                        .or_insert((role, true, false, Vec::new()));
                entry.1 = true;
                let mut arns: Vec<&str> = trusts.iter().map(|t| t.provider_arn.as_str()).collect();
                arns.sort_unstable();
                arns.dedup();
                entry
                    .3
                    .extend(arns.iter().flat_map(|a| providers[a].evidence()));
            }
            TrustRead::Trusts(_) => {}
            _ if is_pod_role => {}
            TrustRead::Unknown(gap) => {
                let what = format!(
                    "the trust policy of role {} (it may be an IRSA role)",
                    role.role_name
                );
                out.unknown(
                    role_ref(role),
                    &what,
                    gap,
                    vec![role_evidence(role, "role")],
                );
            }
            TrustRead::Unparsable(reason) => {
                let msg = format!(
                    "the trust policy of role {} names a cluster's OIDC provider but cannot be parsed: {reason}",
                    role.role_name
                );
                out.unknown_because(role_ref(role), msg, vec![role_evidence(role, "IRSA role")]);
            }
        }
    }
    for (role, irsa, pod, mut evidence) in workload.into_values() {
        let kind = match (irsa, pod) {
            (true, true) => "IRSA and Pod Identity role",
            (true, false) => "IRSA role",
            _ => "Pod Identity role",
        };
        let who = format!("{kind} {}", role.role_name);
        let power = role_power(g, role).retain(|r| {
            matches!(
                r.class,
                GrantClass::Admin | GrantClass::ServiceWildcard | GrantClass::PrivilegeEscalation
            )
        });
        evidence.push(role_evidence(role, who.clone()));
        evidence.extend(power.evidence(role));
        let (status, message) = power.judge_against(&who, LIMIT);
        out.emit(status, role_ref(role), message, evidence);
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
            "role_arn": {"known": "arn:aws:iam::111122223333:role/pod"}}]})
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
    fn unknown_per_cluster_when_associations_cannot_be_listed() {
        let gap = json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}});
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &allow("s3:*", "*"),
            &gap,
        );
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass]);
        assert_eq!(f[0].resource.kind, "AwsEksCluster");
    }

    #[test]
    fn unknown_when_an_association_role_is_not_in_the_role_list() {
        let missing = json!({"known": [{"association_id": "a-2", "namespace": "web", "service_account": "x",
            "role_arn": {"known": "arn:aws:iam::111122223333:role/gone"}}]});
        let f = run(
            &allow("s3:GetObject", "arn:aws:s3:::b/*"),
            &json!({"Statement": []}),
            &missing,
        );
        assert_eq!(statuses(&f), [Status::Unknown, Status::Pass]);
        assert_eq!(f[0].resource.id, "arn:aws:iam::111122223333:role/gone");
    }
}
