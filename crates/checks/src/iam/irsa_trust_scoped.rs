use eksposture_model::{Evidence, Graph};

use eksposture_policy::SubjectScope;

use super::{
    describe_trust, irsa_providers, irsa_trusts, role_evidence, scoped_message, IrsaProvider,
    TrustRead,
};
use crate::support::{cluster_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every cluster whose OIDC issuer has an IAM OIDC provider, every
    /// role whose trust policy allows `sts:AssumeRoleWithWebIdentity` to that
    /// provider (IRSA roles). **Fail** when such a statement does not pin
    /// `<issuer>:sub` to named service accounts: a `StringLike` wildcard
    /// (`system:serviceaccount:*`, `system:serviceaccount:ns:*`, `*`) or no
    /// `:sub` condition at all (`:aud`-only). **Pass** when every such
    /// statement names exact subjects (`StringEquals`
    /// `system:serviceaccount:<ns>:<name>`).
    ///
    /// A token carries only its own issuer's claims. On the provider's own
    /// `:sub` and `:aud`, `StringEqualsIfExists`/`StringLikeIfExists` and
    /// `ForAnyValue:`/`ForAllValues:` act like the base operator (the claims
    /// are always there). A condition on **another** issuer's claim (a trust
    /// for cluster A whose keys name cluster B's issuer, a copy-paste slip)
    /// is about a key the token never has: under a plain positive operator
    /// it never holds, so the statement admits no token of this provider
    /// (scoped: nobody gets in); under `...IfExists`, `ForAllValues:` or a
    /// negated operator it holds vacuously and restricts nothing, so the
    /// statement **fails** as unconditioned. Keys are matched
    /// case-insensitively, as IAM does. **Unknown** for a cluster whose
    /// configuration, the region's clusters, or the account's OIDC providers
    /// or roles could not be read, or whose `DescribeCluster` answer has no
    /// OIDC issuer; and for a role whose trust policy could not be read (it
    /// may or may not trust the provider) or names a cluster's provider but
    /// cannot be parsed. `Deny` statements are not weighed. A cluster without
    /// a provider has no IRSA roles (`eks-irsa-provider-registered`). One
    /// finding per role, naming every cluster behind the provider (clusters
    /// can share an issuer, as in moto).
    ///
    /// ## Rationale
    ///
    /// Without a `:sub` condition any pod of the cluster that mounts a
    /// projected token, in any namespace, can assume the role: one
    /// compromised workload gets every IRSA role's permissions.
    ///
    /// ## Remediation
    ///
    /// Add `"StringEquals": {"<issuer>:sub": "system:serviceaccount:<ns>:<sa>",
    /// "<issuer>:aud": "sts.amazonaws.com"}` to the trust statement.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringLike": {"oidc.eks.us-east-1.amazonaws.com/id/A:sub": "system:serviceaccount:*"}}}]}}}]}},
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
    ///    "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/A:sub": "system:serviceaccount:web:app"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// `IfExists` on another cluster's issuer restricts nothing:
    ///
    /// ```json,fail
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringEqualsIfExists": {"oidc.eks.us-east-1.amazonaws.com/id/B:sub": "system:serviceaccount:web:app"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// `IfExists` on the provider's own `:sub` scopes like `StringEquals`:
    ///
    /// ```json,pass
    /// {"iam": {"oidc_providers": {"known": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/A"}]},
    ///  "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": {"known": {"Statement": [
    ///   {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    ///    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A"},
    ///    "Condition": {"StringEqualsIfExists": {"oidc.eks.us-east-1.amazonaws.com/id/A:sub": "system:serviceaccount:web:app"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"oidc_providers": {"unknown": {"service": "iam", "region": "global",
    ///   "operation": "ListOpenIDConnectProviders", "reason": "access_denied", "message": "denied"}}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/A"}}}]}}}}
    /// ```
    id: "iam-irsa-trust-scoped",
    title: "IRSA role trust policies should name the service accounts that may assume them",
    severity: High,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Constrain <issuer>:sub with StringEquals to system:serviceaccount:<namespace>:<name> in every web-identity trust statement.",
    compliance: ["CIS-EKS-1.8:5.2.1", "NIST-800-190:4.3.2", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let providers = irsa_providers(g, out);
    if providers.is_empty() {
        return;
    }
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
        let trusts = match irsa_trusts(role, &providers) {
            TrustRead::Trusts(trusts) if trusts.is_empty() => continue,
            TrustRead::Trusts(trusts) => trusts,
            TrustRead::Unknown(gap) => {
                let mut ev = every_provider();
                ev.push(role_evidence(role, format!("role {}", role.role_name)));
                let what = format!(
                    "the trust policy of role {} (it may trust a cluster's OIDC provider)",
                    role.role_name
                );
                out.unknown(role_ref(role), &what, gap, ev);
                continue;
            }
            TrustRead::Unparsable(reason) => {
                let message = format!(
                    "the trust policy of role {} names a cluster's OIDC provider but cannot be parsed: {reason}",
                    role.role_name
                );
                let mut ev = every_provider();
                ev.push(role_evidence(role, "IRSA role"));
                out.unknown_because(role_ref(role), message, ev);
                continue;
            }
        };
        let mut arns: Vec<&str> = trusts.iter().map(|t| t.provider_arn.as_str()).collect();
        arns.sort_unstable();
        arns.dedup();
        let mut ev: Vec<Evidence> = arns.iter().flat_map(|a| providers[a].evidence()).collect();
        ev.push(role_evidence(role, format!("IRSA role {}", role.role_name)));
        let (mut bad, mut good) = (Vec::new(), Vec::new());
        for t in &trusts {
            let scope = describe_trust(t);
            let sid = t
                .sid
                .as_deref()
                .map_or_else(String::new, |s| format!("Sid {s:?}: "));
            let detail = format!("{sid}AssumeRoleWithWebIdentity for {}: {scope}", t.provider);
            ev.push(Evidence::new("AwsIamRoleTrustPolicy", &role.arn, detail));
            let line = format!(
                "{scope} (cluster {})",
                providers[t.provider_arn.as_str()].cluster_names()
            );
            if t.subject.is_scoped() {
                let closed = matches!(t.subject, SubjectScope::Unassumable { .. });
                good.push((line, closed));
            } else {
                bad.push(line);
            }
        }
        let name = &role.role_name;
        if bad.is_empty() {
            out.pass(role_ref(role), scoped_message(name, &good), ev);
        } else {
            out.fail(
                role_ref(role),
                format!("role {name} can be assumed by {}", bad.join("; ")),
                ev,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/A";
    const PROVIDER: &str =
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A";

    fn cluster(name: &str) -> Value {
        json!({"name": name, "arn": format!("arn:aws:eks:us-east-1:111122223333:cluster/{name}"),
            "config": {"known": {"oidc_issuer": format!("https://{ISSUER}")}}})
    }

    /// Two clusters sharing one issuer (as every moto cluster of a region
    /// does), role `app` with the given trust and an EC2 service role.
    fn account(trust: &Value) -> Value {
        json!({"iam": {"oidc_providers": {"known": [{"arn": PROVIDER, "url": ISSUER}]},
            "roles": {"known": [{"role_name": "app", "arn": "arn:aws:iam::111122223333:role/app", "trust_policy": trust},
                {"role_name": "ec2", "arn": "arn:aws:iam::111122223333:role/ec2", "trust_policy": {"known": {"Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}}}]}},
            "regions": {"us-east-1": {"clusters": {"known": [cluster("a"), cluster("b")]}}}})
    }

    /// Role `app` trusting the provider under `operator: {<issuer>:<claim>: value}`.
    fn run(operator: &str, claim: &str, value: &str) -> Vec<Finding> {
        let trust = json!({"known": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": PROVIDER}, "Condition": {operator: {format!("{ISSUER}:{claim}"): value}}}]}});
        testing::run(&super::META, account(&trust))
    }

    #[test]
    fn fails_once_per_role_for_service_account_wildcard_naming_both_clusters() {
        let f = run("StringLike", "sub", "system:serviceaccount:*");
        assert_eq!(statuses(&f), [Status::Fail]);
        let m = &f[0].message;
        assert!(
            m.contains("\"system:serviceaccount:*\"") && m.contains("a (us-east-1), b (us-east-1)"),
            "{m}"
        );
        assert_eq!(
            f[0].evidence
                .iter()
                .filter(|e| e.kind == "AwsEksCluster")
                .count(),
            2
        );
    }

    #[test]
    fn fails_for_namespace_wildcard_and_when_only_the_audience_is_constrained() {
        assert_eq!(
            statuses(&run("StringLike", "sub", "system:serviceaccount:web:*")),
            [Status::Fail]
        );
        let f = run("StringEquals", "aud", "sts.amazonaws.com");
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("only :aud is constrained"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_sub_names_an_exact_service_account() {
        let f = run("StringEquals", "sub", "system:serviceaccount:web:app");
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("system:serviceaccount:web:app"));
    }

    const OTHER: &str = "oidc.eks.us-east-1.amazonaws.com/id/B";

    /// Role `app` trusting the provider under `operator: {<key>: value}`.
    fn run_key(operator: &str, key: &str, value: &str) -> Vec<Finding> {
        let trust = json!({"known": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": PROVIDER}, "Condition": {operator: {key: value}}}]}});
        testing::run(&super::META, account(&trust))
    }

    #[test]
    fn if_exists_on_the_providers_own_sub_scopes_like_the_base_operator() {
        let f = run(
            "StringEqualsIfExists",
            "sub",
            "system:serviceaccount:web:app",
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        let f = run("StringLikeIfExists", "SUB", "system:serviceaccount:web:*");
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn if_exists_on_another_issuers_sub_restricts_nothing() {
        let key = format!("{OTHER}:sub");
        for operator in [
            "StringEqualsIfExists",
            "StringLikeIfExists",
            "ForAllValues:StringEquals",
        ] {
            let f = run_key(operator, &key, "system:serviceaccount:web:app");
            assert_eq!(statuses(&f), [Status::Fail], "{operator}");
            let m = &f[0].message;
            assert!(
                m.contains("any service account (no :sub condition)")
                    && m.contains(&format!("{operator} {key} restricts nothing")),
                "{m}"
            );
        }
    }

    #[test]
    fn a_plain_condition_on_another_issuers_sub_admits_no_token() {
        let key = format!("{}:SUB", OTHER.to_uppercase());
        let f = run_key("StringEquals", &key, "system:serviceaccount:web:app");
        assert_eq!(statuses(&f), [Status::Pass]);
        let m = &f[0].message;
        assert!(
            m.contains("cannot be assumed through IRSA: no token of the provider")
                && !m.contains("any service account"),
            "{m}"
        );
    }

    #[test]
    fn unknown_when_a_trust_policy_is_unreadable() {
        let gap = json!({"unknown": {"service": "iam", "region": "global", "operation": "GetRole", "reason": "error", "message": "x"}});
        let f = testing::run(&super::META, account(&gap));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.id, "arn:aws:iam::111122223333:role/app");
    }

    #[test]
    fn unknown_on_each_cluster_when_roles_cannot_be_listed_and_silent_without_provider() {
        let mut inv = account(&json!({"known": {}}));
        inv["iam"]["roles"] = testing::denied("iam", "global", "GetAccountAuthorizationDetails");
        assert_eq!(
            statuses(&testing::run(&super::META, inv.clone())),
            [Status::Unknown, Status::Unknown]
        );
        inv["iam"]["oidc_providers"] = json!({"known": []});
        assert!(testing::run(&super::META, inv).is_empty());
    }
}
