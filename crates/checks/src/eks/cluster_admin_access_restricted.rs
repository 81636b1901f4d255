use eksposture_model::graph::ClusterView;
use eksposture_model::{AccessEntry, Evidence, Graph};

use super::access::{
    admin_grants, entry_evidence, entry_ref, holder, Holder, ADMIN_POLICY, CLUSTER_ADMIN_POLICY,
};
use crate::emit::gap_evidence;
use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every access entry of every EKS cluster. An entry is **admin** when
    /// it has `AmazonEKSClusterAdminPolicy` or `AmazonEKSAdminPolicy`
    /// associated at cluster scope. An admin entry **fails** when its
    /// principal is an IAM user, is in another account than the scanned
    /// one, or is a role whose trust policy lets a whole account (its
    /// `:root` or bare account id) or anyone (`"*"`, `NotPrincipal`) call
    /// `sts:AssumeRole`, unless that statement pins `aws:PrincipalArn`,
    /// `aws:userid` or `aws:username` to exact values. An admin entry held
    /// by a role trusted only by named principals (roles, users, services,
    /// SAML/OIDC providers) **passes**, and so does every non-admin entry
    /// (namespace-scoped admin included). **unknown**: one finding for a
    /// cluster whose access entries could not be listed (moto: always), and
    /// for an entry whose associated policies, policy scope, role or trust
    /// policy could not be read, or whose role is not in the account's list.
    ///
    /// ## Rationale
    ///
    /// Cluster-wide admin through an access entry is full control of every
    /// workload, secret and node of the cluster. Held by an IAM user it rests
    /// on long-lived access keys; held by a role any principal of an account
    /// may assume, it is as wide as the loosest IAM policy in that account;
    /// held from another account, it is outside this account's control.
    ///
    /// ## Remediation
    ///
    /// Grant cluster admin only to dedicated roles whose trust names the
    /// principals allowed to assume them (SSO permission-set roles, a
    /// break-glass role pinned by `aws:PrincipalArn`); delete the other
    /// entries (`aws eks delete-access-entry`) or associate narrower,
    /// namespace-scoped policies.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:user/alice",
    ///     "access_policies": {"known": [{"scope_type": "cluster",
    ///       "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}]}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/dev",
    ///     "access_policies": {"known": [{"scope_type": "namespace", "namespaces": ["dev"],
    ///       "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"}]}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "access_entries": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListAccessEntries", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    id: "eks-cluster-admin-access-restricted",
    title: "EKS cluster-wide admin access entries should be held only by narrowly trusted roles of the account",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEksAccessEntry",
    remediation: "Hold cluster-scoped AmazonEKSClusterAdminPolicy/AmazonEKSAdminPolicy only through roles of this account whose trust names their principals; remove user, cross-account and account-wide-trust entries.",
    compliance: ["CIS-EKS-1.8:4.1.1", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "NIST-800-190:4.3.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region} (and their access entries)");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        match c.cluster.access_entries.as_result() {
            Err(gap) => {
                let what = format!("the access entries of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
            }
            Ok(entries) if entries.is_empty() => {
                let msg = format!("cluster {} has no access entries", c.cluster.name);
                out.pass(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            }
            Ok(entries) => entries.iter().for_each(|e| judge(g, out, &c, e)),
        }
    }
}

fn judge(g: &Graph<'_>, out: &mut Findings, c: &ClusterView<'_>, e: &AccessEntry) {
    let who = &e.principal_arn;
    let name = &c.cluster.name;
    let mut ev = vec![
        cluster_evidence(c),
        entry_evidence(c, e, format!("access entry of {who} on cluster {name}")),
    ];
    let policies = match e.access_policies.as_result() {
        Ok(p) => p,
        Err(gap) => {
            return out.unknown(
                entry_ref(c, e),
                &format!("the access policies of {who} on cluster {name}"),
                gap,
                ev,
            )
        }
    };
    let grants = admin_grants(policies, &[CLUSTER_ADMIN_POLICY, ADMIN_POLICY]);
    if grants.cluster_wide.is_empty() {
        if grants.scope_unknown.is_empty() {
            return out.pass(
                entry_ref(c, e),
                format!("{who} holds no admin access policy at cluster scope on cluster {name}"),
                ev,
            );
        }
        let msg = format!(
            "{who} holds an admin access policy on cluster {name} whose scope EKS did not return"
        );
        return out.unknown_because(entry_ref(c, e), msg, ev);
    }
    ev.extend(grants.cluster_wide.iter().map(|p| {
        Evidence::new(
            "AwsEksAccessPolicy",
            &p.policy_arn,
            "associated at cluster scope",
        )
    }));
    let admin = format!(
        "{who} holds {} at cluster scope on cluster {name}",
        grants.describe()
    );
    match holder(g, who, &mut ev) {
        Holder::Broad(why) => out.fail(entry_ref(c, e), format!("{admin}, and {why}"), ev),
        Holder::Narrow => {
            let msg = format!("{admin}, and only principals its trust policy names may assume it");
            out.pass(entry_ref(c, e), msg, ev);
        }
        Holder::Unread(why, gap) => {
            ev.extend(gap.map(gap_evidence));
            let msg = format!("{admin}, but who can act as it is unknown: {why}");
            out.unknown_because(entry_ref(c, e), msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

    /// An admin entry for `principal` on cluster `c`, with `roles` as the
    /// account's role list.
    fn run(principal: &str, roles: &Value) -> Vec<Finding> {
        let entry = json!({"principal_arn": principal,
            "detail": {"known": {"arn": "arn:aws:eks:us-east-1:111122223333:access-entry/c/role/x"}},
            "access_policies": {"known": [{"policy_arn": ADMIN, "scope_type": "cluster"}]}});
        let mut account = testing::cluster(json!({"access_entries": {"known": [entry]}}));
        account["iam"] = json!({"roles": roles});
        testing::run(&super::META, account)
    }

    fn role_trusting(principal: &Value) -> Value {
        json!({"known": [{"role_name": "admin", "arn": "arn:aws:iam::111122223333:role/admin",
            "trust_policy": {"known": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "sts:AssumeRole", "Principal": principal}]}}}]})
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/admin";

    #[test]
    fn fails_for_users_and_cross_account_principals() {
        let user = run(
            "arn:aws:iam::111122223333:user/alice",
            &json!({"known": []}),
        );
        assert_eq!(statuses(&user), [Status::Fail]);
        assert_eq!(
            user[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:access-entry/c/role/x"
        );
        let cross = run("arn:aws:iam::444455556666:role/ops", &json!({"known": []}));
        assert_eq!(statuses(&cross), [Status::Fail]);
        assert!(cross[0].message.contains("another account (444455556666)"));
    }

    #[test]
    fn fails_for_role_trusting_whole_account() {
        let f = run(
            ROLE,
            &role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:root"})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("every principal of account 111122223333"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence.iter().any(|e| e.id == ROLE));
    }

    #[test]
    fn passes_for_role_trusting_named_principals() {
        let f = run(
            ROLE,
            &role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:role/sso-admin"})),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_role_or_trust_unread() {
        let gap = testing::denied("iam", "global", "GetAccountAuthorizationDetails");
        assert_eq!(statuses(&run(ROLE, &gap)), [Status::Unknown]);
        assert_eq!(
            statuses(&run(ROLE, &json!({"known": []}))),
            [Status::Unknown]
        );
        let no_trust = json!({"known": [{"role_name": "admin", "arn": ROLE}]});
        assert_eq!(statuses(&run(ROLE, &no_trust)), [Status::Unknown]);
    }
}
