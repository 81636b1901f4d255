use eksposture_model::{Evidence, Graph, Status};
use eksposture_policy::power::Power;
use eksposture_policy::SubjectScope;

use super::gains;
use crate::iam::{
    describe_trust, irsa_providers, irsa_trusts, role_evidence, role_power, scoped_message,
    IrsaProvider, PowerVerdict, TrustRead,
};
use crate::support::{cluster_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every IRSA role: a role whose trust policy allows
    /// `sts:AssumeRoleWithWebIdentity` to the IAM OIDC provider of a
    /// cluster's issuer (trust read as in `iam-irsa-trust-scoped`). **fail**
    /// when a trust statement does not pin `<issuer>:sub` to named service
    /// accounts (a `StringLike` wildcard, or no `:sub` condition; a condition
    /// on another issuer's claim under `IfExists` restricts nothing, and
    /// under a plain operator admits no token at all: see
    /// `iam-irsa-trust-scoped`) **and** the
    /// role's policies grant administrator access, a whole-service wildcard,
    /// or privilege escalation and lateral movement (IAM writes, the EKS
    /// access API, `ssm:SendCommand`, ...), secret, KMS, S3 read or ECR write
    /// actions on every resource (judged as in
    /// `iam-node-role-least-privilege`).
    /// **pass** when every statement names exact service accounts, or the
    /// role grants none of that. **unknown** when the trust is unscoped and a
    /// policy or the permissions boundary could not be read; for a role
    /// whose trust policy could not be read or parsed (it may be an IRSA
    /// role) and whose permissions are over-broad or unreadable (one that
    /// grants nothing risky cannot end this path and is not reported); and,
    /// per cluster, when the clusters, their issuers, the OIDC providers or
    /// the roles could not be read. The declared severity is critical, the
    /// case where the role is an account administrator: the message says
    /// whether a pod becomes one, or lists the narrower grants it gains.
    ///
    /// ## Rationale
    ///
    /// An unscoped trust lets any pod that obtains a projected
    /// service-account token for `sts.amazonaws.com` (any pod spec can
    /// mount one) assume the role. With admin-like power behind it, one
    /// compromised or malicious workload in any namespace owns the account.
    ///
    /// ## Remediation
    ///
    /// Pin `<issuer>:sub` with `StringEquals` to
    /// `system:serviceaccount:<namespace>:<name>`, and cut the role down to
    /// what that workload needs.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringLike": {"oidc.eks.us-east-1.amazonaws.com/id/A:sub": "system:serviceaccount:*"}}}]}},
    ///   "inline_policies": [{"name": "admin", "document": {"known": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// `IfExists` on another cluster's issuer restricts nothing, so any
    /// service account becomes an administrator:
    ///
    /// ```json,fail
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringLikeIfExists": {"oidc.eks.us-east-1.amazonaws.com/id/B:sub": "system:serviceaccount:web:app"}}}]}},
    ///   "inline_policies": [{"name": "admin", "document": {"known": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/A:sub": "system:serviceaccount:web:app"}}}]}},
    ///   "inline_policies": [{"name": "admin", "document": {"known": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"}}]}},
    ///   "attached_policy_arns": ["arn:aws:iam::111122223333:policy/not-collected"]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    id: "path-irsa-wildcard-to-broad-role",
    title: "IRSA roles with admin-like power should be assumable only by named service accounts",
    severity: Critical,
    kind: AttackPath { tactic: PrivilegeEscalation, entry: Configuration },
    resource_type: "AwsIamRole",
    remediation: "Pin <issuer>:sub with StringEquals to system:serviceaccount:<namespace>:<name> and reduce the role to what that workload needs.",
    compliance: ["CIS-EKS-1.8:5.2.1", "NIST-800-190:4.3.2", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let providers = irsa_providers(g, out);
    if let Some(gap) = g.roles_gap() {
        for p in providers.values() {
            for c in &p.clusters {
                out.unknown(cluster_ref(c), "the account's IAM roles", gap, p.evidence());
            }
        }
        return;
    }
    let every_provider = || -> Vec<Evidence> {
        providers
            .values()
            .flat_map(IrsaProvider::evidence)
            .collect()
    };
    for role in g.roles() {
        let name = &role.role_name;
        let (trusts, unread) = match irsa_trusts(role, &providers) {
            TrustRead::Trusts(t) if t.is_empty() => continue,
            TrustRead::Trusts(t) => (t, None),
            TrustRead::Unknown(gap) => (
                Vec::new(),
                Some(format!(
                    "its trust policy could not be read ({}: {})",
                    gap.reason.as_str(),
                    gap.operation
                )),
            ),
            TrustRead::Unparsable(why) => (
                Vec::new(),
                Some(format!(
                    "its trust policy names a cluster's OIDC provider but cannot be parsed: {why}"
                )),
            ),
        };
        let mut ev = if unread.is_some() {
            every_provider()
        } else {
            let mut arns: Vec<&str> = trusts.iter().map(|t| t.provider_arn.as_str()).collect();
            arns.sort_unstable();
            arns.dedup();
            arns.iter().flat_map(|a| providers[a].evidence()).collect()
        };
        ev.push(role_evidence(role, format!("IRSA role {name}")));
        let (mut open, mut scoped) = (Vec::new(), Vec::new());
        for t in &trusts {
            let scope = describe_trust(t);
            let detail = format!("AssumeRoleWithWebIdentity for {}: {scope}", t.provider);
            ev.push(Evidence::new("AwsIamRoleTrustPolicy", &role.arn, detail));
            let line = format!(
                "{scope} of cluster {}",
                providers[t.provider_arn.as_str()].cluster_names()
            );
            if t.subject.is_scoped() {
                let closed = matches!(t.subject, SubjectScope::Unassumable { .. });
                scoped.push((line, closed));
            } else {
                open.push(line);
            }
        }
        if unread.is_none() && open.is_empty() {
            out.pass(role_ref(role), scoped_message(name, &scoped), ev);
            continue;
        }
        let power = role_power(g, role);
        ev.extend(power.evidence(role));
        let who = open.join("; ");
        let (status, message) = match (power.verdict(), &unread) {
            (Power::WithinBaseline, Some(_)) => continue,
            (Power::WithinBaseline, None) => (
                Status::Pass,
                format!("role {name} can be assumed by {who}, but grants nothing admin-like"),
            ),
            (Power::OverBroad, None) => (
                Status::Fail,
                format!(
                    "role {name} can be assumed by {who}: any such pod {}",
                    gains(g, &power)
                ),
            ),
            (Power::OverBroad, Some(why)) => (
                Status::Unknown,
                format!("role {name} grants {}, and {why}", power.describe()),
            ),
            (Power::Unknown, None) => (
                Status::Unknown,
                format!(
                    "role {name} can be assumed by {who}, but {} could not be read",
                    power.unread_summary()
                ),
            ),
            (Power::Unknown, Some(why)) => (
                Status::Unknown,
                format!(
                    "role {name}: {why}, and {} could not be read",
                    power.unread_summary()
                ),
            ),
        };
        out.emit(status, role_ref(role), message, ev);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::{admin, allow};
    use crate::testing::{self, statuses};

    const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/A";
    const PROVIDER: &str =
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A";

    /// Role `app` trusting the provider with `condition`, holding `policy`;
    /// `trust` null for an unreadable trust policy.
    fn run(condition: &Value, policy: &Value, readable_trust: bool) -> Vec<Finding> {
        let trust = if readable_trust {
            json!({"known": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": PROVIDER}, "Condition": condition}]}})
        } else {
            json!({"unknown": {"service": "iam", "region": "global", "operation": "GetAccountAuthorizationDetails",
                "reason": "error", "message": "malformed"}})
        };
        let inv = json!({"iam": {"oidc_providers": {"known": [{"arn": PROVIDER, "url": ISSUER}]},
            "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": trust,
                "inline_policies": [{"name": "p", "document": {"known": policy}}]}]}},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                "config": {"known": {"oidc_issuer": format!("https://{ISSUER}")}}}]}}}});
        testing::run(&super::META, inv)
    }

    fn wildcard() -> Value {
        json!({"StringLike": {format!("{ISSUER}:sub"): "system:serviceaccount:*"}})
    }

    #[test]
    fn fails_when_any_service_account_becomes_admin_or_gains_broad_grants() {
        let f = run(&wildcard(), &admin(), true);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("any such pod becomes a full administrator of account 111122223333"),
            "{}",
            f[0].message
        );
        let aud_only = json!({"StringEquals": {format!("{ISSUER}:aud"): "sts.amazonaws.com"}});
        let f = run(
            &aud_only,
            &allow("secretsmanager:GetSecretValue", "*"),
            true,
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains(
                "gains secretsmanager:GetSecretValue on any secret (not full administrator access)"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_scoped_to_one_service_account_or_not_broad() {
        let named =
            json!({"StringEquals": {format!("{ISSUER}:sub"): "system:serviceaccount:web:app"}});
        assert_eq!(statuses(&run(&named, &admin(), true)), [Status::Pass]);
        let scoped = allow("s3:GetObject", "arn:aws:s3:::web-assets/*");
        assert_eq!(statuses(&run(&wildcard(), &scoped, true)), [Status::Pass]);
    }

    /// A condition on cluster B's issuer in a trust of cluster A's provider.
    fn other_issuer(operator: &str) -> Value {
        json!({operator: {"oidc.eks.us-east-1.amazonaws.com/id/B:sub": "system:serviceaccount:web:app"}})
    }

    #[test]
    fn another_issuers_sub_under_if_exists_opens_the_role_and_under_a_plain_operator_closes_it() {
        let f = run(&other_issuer("StringEqualsIfExists"), &admin(), true);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("restricts nothing")
                && f[0].message.contains("becomes a full administrator"),
            "{}",
            f[0].message
        );
        let f = run(&other_issuer("StringEquals"), &admin(), true);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message
                .contains("cannot be assumed through IRSA: no token of the provider"),
            "{}",
            f[0].message
        );
        let narrow = allow("s3:GetObject", "arn:aws:s3:::b/*");
        let f = run(&other_issuer("StringLikeIfExists"), &narrow, true);
        assert_eq!(statuses(&f), [Status::Pass]);
        // The same open trust, with a policy document that cannot be parsed.
        let f = run(
            &other_issuer("StringLikeIfExists"),
            &json!("%%not json"),
            true,
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_the_trust_is_unreadable_and_the_role_is_broad_silent_when_not() {
        let f = run(&json!({}), &admin(), false);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("trust policy could not be read"),
            "{}",
            f[0].message
        );
        assert!(run(&json!({}), &allow("ec2:DescribeInstances", "*"), false).is_empty());
    }
}
