use eksposture_model::graph::ClusterView;
use eksposture_model::{AccessEntry, AwsAuth, Evidence, Graph, Observed};

use super::access::{
    admin_grants, bound_groups, entry_evidence, entry_ref, holder, judge_principal, Holder,
    Verdict, ADMIN_POLICY, CLUSTER_ADMIN_POLICY, MASTERS,
};
use crate::emit::gap_evidence;
use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Who holds cluster-wide admin over every EKS cluster, through access
    /// entries and through the `aws-auth` ConfigMap.
    ///
    /// An access entry is **admin** when it has `AmazonEKSClusterAdminPolicy`
    /// or `AmazonEKSAdminPolicy` associated at cluster scope (or is in
    /// `system:masters`). An admin entry **fails** when its principal is
    /// held broadly, judged by every way it can be acted as:
    ///
    /// - an IAM user (long-lived keys), or a principal of another account;
    /// - a role whose trust policy lets a whole account (`:root`, bare id),
    ///   anyone (`"*"`, `NotPrincipal`) or a named principal of another
    ///   account call `sts:AssumeRole`, unless the statement pins
    ///   `aws:PrincipalArn`, `aws:userid` or `aws:username` to exact values;
    /// - `sts:AssumeRoleWithWebIdentity` from GitHub Actions
    ///   (`token.actions.githubusercontent.com`) without a `:sub` condition
    ///   or with one that leaves the owner or repository open (`repo:*`,
    ///   `repo:org/*`): any or many repositories' workflows; from an EKS
    ///   cluster's OIDC provider with a wildcard or absent `:sub` (every
    ///   service account of that cluster); from any other OIDC provider
    ///   without a `:sub` condition or with `*` (every user of the provider
    ///   or app; a `:sub` pattern in another provider's format is unknown);
    /// - a service that runs customer code with the role's credentials
    ///   (`ec2.amazonaws.com`: every process on an instance with the
    ///   profile, and whoever can launch one with it; `lambda`, `ecs-tasks`,
    ///   `codebuild`, `glue`, `sagemaker`, `states`, `ssm`, App Runner,
    ///   MWAA, EventBridge Scheduler; `pods.eks.amazonaws.com` unless scoped
    ///   to one service account).
    ///
    /// It **passes** when only named principals can act as the role: roles
    /// of the account, the users a SAML identity provider maps to it (IAM
    /// Identity Center permission sets), one GitHub repository's
    /// workflows, one service account, the EKS control plane.
    ///
    /// An entry (admin or not) whose `kubernetesGroups` hold groups other
    /// than `system:` ones, on a broad holder, is **unknown**, naming the
    /// groups: their authority is in RBAC bindings the AWS API cannot show
    /// (a ClusterRoleBinding may make them cluster-admin). A non-admin entry
    /// otherwise **passes**.
    ///
    /// A cluster in the `CONFIG_MAP` or `API_AND_CONFIG_MAP` authentication
    /// mode (or whose mode DescribeCluster did not return) also grants
    /// access through `kube-system/aws-auth`, which only the Kubernetes API
    /// shows: unless one of its access entries already fails, the cluster is
    /// **unknown** with the `kubernetes`/`aws-auth` gap (reason `not_read`)
    /// that marks the scan incomplete. When an inventory holds the
    /// ConfigMap, its `mapRoles`/`mapUsers` entries in `system:masters` are
    /// judged like admin entries and other groups like `kubernetesGroups`;
    /// `mapAccounts` (every principal of an account) is unknown, and so is
    /// a `CONFIG_MAP` cluster's creator, whose `system:masters` mapping is
    /// in no ConfigMap. A cluster in `API` mode with no access entries
    /// passes.
    ///
    /// **unknown** also: one finding for a cluster whose access entries
    /// could not be listed (moto: always), and for an entry whose associated
    /// policies, policy scope, role or trust policy could not be read, whose
    /// role is not in the account's list, or whose trust grants a service
    /// or an OIDC subject pattern eksposture cannot judge.
    ///
    /// ## Rationale
    ///
    /// Cluster-wide admin through an access entry is full control of every
    /// workload, secret and node of the cluster. Held by an IAM user it rests
    /// on long-lived access keys; held by a role any principal of an account
    /// may assume, it is as wide as the loosest IAM policy in that account;
    /// held from another account, it is outside this account's control;
    /// held by a role any GitHub repository's workflow can assume, it is
    /// anyone's.
    ///
    /// ## Remediation
    ///
    /// Grant cluster admin only to dedicated roles whose trust names the
    /// principals allowed to assume them (SSO permission-set roles, a
    /// break-glass role pinned by `aws:PrincipalArn`, one repository's
    /// deployment workflow); delete the other entries (`aws eks
    /// delete-access-entry`) or associate narrower, namespace-scoped
    /// policies. Move `aws-auth` mappings to access entries and switch the
    /// cluster to the `API` authentication mode.
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
    /// A role any GitHub repository's workflow can assume (`repo:*`):
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "deploy",
    ///   "arn": "arn:aws:iam::111122223333:role/deploy",
    ///   "trust_policy": {"known": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ///     "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    ///     "Action": "sts:AssumeRoleWithWebIdentity",
    ///     "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}]}}}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API"}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/deploy",
    ///     "access_policies": {"known": [{"scope_type": "cluster",
    ///       "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}]}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API"}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/dev",
    ///     "detail": {"known": {"kubernetes_groups": []}},
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
    ///
    /// A `CONFIG_MAP` cluster: no access entries, and `aws-auth` not read:
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "CONFIG_MAP"}},
    ///   "access_entries": {"known": []},
    ///   "aws_auth": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "aws-auth", "reason": "not_read",
    ///     "message": "cluster prod: the Kubernetes API is not read"}}}]}}}}
    /// ```
    ///
    /// `kubernetesGroups` on a role of another account, with no access
    /// policy:
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API"}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::444455556666:role/ops",
    ///     "detail": {"known": {"kubernetes_groups": ["admins"]}},
    ///     "access_policies": {"known": []}}]}}]}}}}
    /// ```
    id: "eks-cluster-admin-access-restricted",
    title: "EKS cluster-wide admin access entries should be held only by narrowly trusted roles of the account",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEksAccessEntry",
    remediation: "Hold cluster-scoped AmazonEKSClusterAdminPolicy/AmazonEKSAdminPolicy only through roles of this account whose trust names their principals; remove user, cross-account, account-wide, any-repository and compute-service trusts; move aws-auth mappings to access entries.",
    compliance: ["CIS-EKS-1.8:4.1.1", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "NIST-800-190:4.3.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region} (and their access entries)");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        let (entries, failed) = match c.cluster.access_entries.as_result() {
            Err(gap) => {
                let what = format!("the access entries of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
                (None, false)
            }
            Ok(entries) => {
                let mut failed = false;
                for e in entries {
                    failed |= judge(g, out, &c, e);
                }
                (Some(entries.as_slice()), failed)
            }
        };
        judge_cluster(g, out, &c, entries, failed);
    }
}

/// Judges one access entry; `true` when it fails.
fn judge(g: &Graph<'_>, out: &mut Findings, c: &ClusterView<'_>, e: &AccessEntry) -> bool {
    let who = &e.principal_arn;
    let name = &c.cluster.name;
    let mut ev = vec![
        cluster_evidence(c),
        entry_evidence(c, e, format!("access entry of {who} on cluster {name}")),
    ];
    let policies = match e.access_policies.as_result() {
        Ok(p) => p,
        Err(gap) => {
            out.unknown(
                entry_ref(c, e),
                &format!("the access policies of {who} on cluster {name}"),
                gap,
                ev,
            );
            return false;
        }
    };
    let grants = admin_grants(policies, &[CLUSTER_ADMIN_POLICY, ADMIN_POLICY]);
    let detail = e.detail.as_result();
    let groups = detail.map_or_else(|_| Vec::new(), |d| bound_groups(&d.kubernetes_groups));
    let admin = if !grants.cluster_wide.is_empty() {
        Some(format!(
            "{who} holds {} at cluster scope on cluster {name}",
            grants.describe()
        ))
    } else if detail.is_ok_and(|d| d.kubernetes_groups.iter().any(|g| g == MASTERS)) {
        Some(format!("{who} is in {MASTERS} on cluster {name}"))
    } else {
        None
    };
    if admin.is_none() && !grants.scope_unknown.is_empty() {
        let msg = format!(
            "{who} holds an admin access policy on cluster {name} whose scope EKS did not return"
        );
        out.unknown_because(entry_ref(c, e), msg, ev);
        return false;
    }
    ev.extend(grants.cluster_wide.iter().map(|p| {
        Evidence::new(
            "AwsEksAccessPolicy",
            &p.policy_arn,
            "associated at cluster scope",
        )
    }));
    if !groups.is_empty() {
        ev.push(entry_evidence(
            c,
            e,
            format!("kubernetesGroups: {}", groups.join(", ")),
        ));
    }
    let verdict = match judge_principal(g, who, admin.as_deref(), &groups, &mut ev) {
        Some(v) => v,
        None => no_authority(g, who, name, detail.err(), &mut ev),
    };
    emit(out, entry_ref(c, e), verdict, ev)
}

/// An entry with no admin policy and no bound group: a pass, unless its
/// Kubernetes groups could not be read and a broad (or unread) holder
/// might hold them.
fn no_authority<'a>(
    g: &Graph<'a>,
    who: &str,
    name: &str,
    detail_gap: Option<&'a eksposture_model::Gap>,
    ev: &mut Vec<Evidence>,
) -> Verdict<'a> {
    let none = format!("{who} holds no admin access policy at cluster scope on cluster {name}");
    let Some(gap) = detail_gap else {
        return Verdict::Pass(none);
    };
    // A pass cites no failed read: the gap is evidence of an unknown only.
    match holder(g, who, ev) {
        Holder::Narrow(_) => Verdict::Pass(none),
        Holder::Broad(why) => Verdict::Unknown(
            format!("{none}, but its Kubernetes groups could not be read (DescribeAccessEntry), and {why}"),
            Some(gap),
        ),
        Holder::Unread(why, _) => Verdict::Unknown(
            format!("{none}, but its Kubernetes groups could not be read (DescribeAccessEntry), and who can act as it is unknown: {why}"),
            Some(gap),
        ),
    }
}

/// Emits a verdict; `true` when it is a failure.
fn emit(
    out: &mut Findings,
    resource: eksposture_model::ResourceRef,
    verdict: Verdict<'_>,
    mut ev: Vec<Evidence>,
) -> bool {
    match verdict {
        Verdict::Pass(msg) => out.pass(resource, msg, ev),
        Verdict::Fail(msg) => {
            out.fail(resource, msg, ev);
            return true;
        }
        Verdict::Unknown(msg, gap) => {
            if let Some(gap) = gap {
                let cited = gap_evidence(gap);
                if !ev.contains(&cited) {
                    ev.push(cited);
                }
            }
            out.unknown_because(resource, msg, ev);
        }
    }
    false
}

/// The authentication mode, upper-cased; `None` when unknown.
fn mode(c: &ClusterView<'_>) -> Option<String> {
    c.cluster
        .config
        .known()
        .and_then(|cfg| cfg.authentication_mode.as_deref())
        .map(|m| m.trim().to_ascii_uppercase())
}

/// What the cluster grants beyond its access entries: nothing in `API`
/// mode; otherwise whatever `aws-auth` maps. `entries` is `None` when they
/// could not be listed; `failed` when one of them failed.
fn judge_cluster(
    g: &Graph<'_>,
    out: &mut Findings,
    c: &ClusterView<'_>,
    entries: Option<&[AccessEntry]>,
    failed: bool,
) {
    let name = &c.cluster.name;
    let mode = mode(c);
    if mode.as_deref() == Some("API") {
        if entries.is_some_and(<[AccessEntry]>::is_empty) {
            let msg = format!("cluster {name} has no access entries, and its API authentication mode ignores the aws-auth ConfigMap");
            out.pass(cluster_ref(c), msg, vec![cluster_evidence(c)]);
        }
        return;
    }
    let shown = mode.as_deref().unwrap_or("not returned by DescribeCluster");
    match &c.cluster.aws_auth {
        // An entry's failure already says the cluster fails; the gap still
        // marks the scan incomplete.
        Observed::Unknown(_) if failed => {}
        Observed::Unknown(gap) => {
            let what = format!(
                "the aws-auth ConfigMap of cluster {name} (authentication mode {shown}), which also grants access to it,"
            );
            out.unknown(cluster_ref(c), &what, gap, vec![cluster_evidence(c)]);
        }
        Observed::Known(aws_auth) => {
            judge_aws_auth(g, out, c, aws_auth, mode.as_deref(), entries.unwrap_or(&[]));
        }
    }
}

/// One finding for the cluster's `aws-auth` mappings: fails with every
/// mapping that fails, else unknown with every one that is unknown.
fn judge_aws_auth(
    g: &Graph<'_>,
    out: &mut Findings,
    c: &ClusterView<'_>,
    aws_auth: &AwsAuth,
    mode: Option<&str>,
    entries: &[AccessEntry],
) {
    let name = &c.cluster.name;
    let id = format!("{}/configmap/kube-system/aws-auth", c.cluster.arn);
    let mut ev = vec![cluster_evidence(c)];
    let (mut fails, mut unknowns, mut passes) = (Vec::new(), Vec::new(), 0);
    let mappings = aws_auth
        .map_roles
        .iter()
        .map(|r| (&r.rolearn, &r.groups))
        .chain(aws_auth.map_users.iter().map(|u| (&u.userarn, &u.groups)));
    for (arn, groups) in mappings {
        // EKS ignores a mapping for a principal that has an access entry.
        if mode == Some("API_AND_CONFIG_MAP") && entries.iter().any(|e| &e.principal_arn == arn) {
            continue;
        }
        let admin = groups
            .iter()
            .any(|g| g == MASTERS)
            .then(|| format!("aws-auth maps {arn} to {MASTERS}"));
        let bound = bound_groups(groups);
        ev.push(Evidence::new(
            "KubernetesConfigMap",
            &id,
            format!("maps {arn} to groups [{}]", groups.join(", ")),
        ));
        match judge_principal(g, arn, admin.as_deref(), &bound, &mut ev) {
            Some(Verdict::Fail(m)) => fails.push(m),
            Some(Verdict::Unknown(m, gap)) => {
                ev.extend(gap.map(gap_evidence));
                unknowns.push(m);
            }
            Some(Verdict::Pass(_)) | None => passes += 1,
        }
    }
    for account in &aws_auth.map_accounts {
        ev.push(Evidence::new(
            "KubernetesConfigMap",
            &id,
            format!("mapAccounts: {account}"),
        ));
        unknowns.push(format!("aws-auth mapAccounts lets every IAM principal of account {account} authenticate, with whatever RBAC bindings (not read) grant their usernames"));
    }
    let bootstrapped = c
        .cluster
        .config
        .known()
        .and_then(|cfg| cfg.bootstrap_cluster_creator_admin_permissions);
    if matches!(mode, None | Some("CONFIG_MAP")) && bootstrapped != Some(false) {
        unknowns.push("the cluster creator holds system:masters through a mapping that is in no ConfigMap, and AWS does not record who the creator was".into());
    }
    if !fails.is_empty() {
        let msg = format!("cluster {name}: {}", fails.join("; "));
        out.fail(cluster_ref(c), msg, ev);
    } else if !unknowns.is_empty() {
        let msg = format!("cluster {name}: {}", unknowns.join("; "));
        out.unknown_because(cluster_ref(c), msg, ev);
    } else {
        let msg = format!("cluster {name}: aws-auth grants cluster admin to no broadly held principal ({passes} mappings judged)");
        out.pass(cluster_ref(c), msg, ev);
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
        run_entries(&json!([entry]), "API", roles)
    }

    /// `entries` on cluster `c` in authentication `mode`, with `roles`.
    fn run_entries(entries: &Value, mode: &str, roles: &Value) -> Vec<Finding> {
        let mut account = testing::cluster(json!({"access_entries": {"known": entries},
            "config": {"known": {"authentication_mode": mode}}}));
        account["iam"] = json!({"roles": roles});
        testing::run(&super::META, account)
    }

    /// A role `admin` with `statement` as its trust.
    fn role_with(statement: &Value) -> Value {
        json!({"known": [{"role_name": "admin", "arn": ROLE,
            "trust_policy": {"known": {"Version": "2012-10-17", "Statement": [statement]}}}]})
    }

    const GITHUB: &str =
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

    fn github_trust(condition: &Value) -> Value {
        role_with(
            &json!({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": GITHUB}, "Condition": condition}),
        )
    }

    /// A non-admin entry for `principal` in Kubernetes `groups`.
    fn grouped(principal: &str, groups: &[&str]) -> Value {
        json!([{"principal_arn": principal,
            "detail": {"known": {"kubernetes_groups": groups}},
            "access_policies": {"known": []}}])
    }

    fn not_read(cluster: &str) -> Value {
        json!({"unknown": {"service": "kubernetes", "region": "us-east-1", "operation": "aws-auth",
            "reason": "not_read", "message": format!("cluster {cluster}: the Kubernetes API is not read")}})
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

    #[test]
    fn fails_for_github_actions_any_repository_and_passes_for_one() {
        let any = run(
            ROLE,
            &github_trust(&json!({"StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:*"}})),
        );
        assert_eq!(statuses(&any), [Status::Fail]);
        assert!(
            any[0].message.contains("any repository on GitHub"),
            "{}",
            any[0].message
        );
        let no_sub = run(
            ROLE,
            &github_trust(&json!({"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})),
        );
        assert_eq!(statuses(&no_sub), [Status::Fail]);
        let one = run(
            ROLE,
            &github_trust(&json!({"StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"}})),
        );
        assert_eq!(statuses(&one), [Status::Pass]);
        assert!(
            one[0].message.contains("repository acme/infra"),
            "{}",
            one[0].message
        );
    }

    #[test]
    fn judges_irsa_saml_and_service_trusts() {
        let provider = "oidc.eks.us-west-2.amazonaws.com/id/OTHER";
        let irsa = role_with(
            &json!({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{provider}")},
            "Condition": {"StringLike": {format!("{provider}:sub"): "system:serviceaccount:*"}}}),
        );
        assert_eq!(statuses(&run(ROLE, &irsa)), [Status::Fail]);
        let sso = role_with(
            &json!({"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
            "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/AWSSSO_1_DO_NOT_DELETE"}}),
        );
        let f = run(ROLE, &sso);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("IAM Identity Center"),
            "{}",
            f[0].message
        );
        let ec2 = role_with(&json!({"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"}}));
        let f = run(ROLE, &ec2);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("instance profile"),
            "{}",
            f[0].message
        );
        let unknown_service = role_with(&json!({"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "example.amazonaws.com"}}));
        assert_eq!(statuses(&run(ROLE, &unknown_service)), [Status::Unknown]);
    }

    #[test]
    fn fails_for_a_named_role_of_another_account_in_the_trust() {
        let f = run(
            ROLE,
            &role_trusting(&json!({"AWS": "arn:aws:iam::444455556666:role/deployer"})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn kubernetes_groups_on_a_broad_holder_are_unknown_naming_them() {
        let cross = run_entries(
            &grouped(
                "arn:aws:iam::444455556666:role/ops",
                &["admins", "system:viewers"],
            ),
            "API",
            &json!({"known": []}),
        );
        assert_eq!(statuses(&cross), [Status::Unknown]);
        assert!(
            cross[0].message.contains("groups admins,"),
            "{}",
            cross[0].message
        );
        assert!(!cross[0].message.contains("system:viewers"));
        assert!(cross[0].evidence.iter().all(|e| e.kind != "Gap"));
        let open = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:root"}));
        let broad = run_entries(&grouped(ROLE, &["admins"]), "API", &open);
        assert_eq!(statuses(&broad), [Status::Unknown]);
    }

    #[test]
    fn kubernetes_groups_on_a_narrow_holder_pass() {
        let named = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:role/sso-admin"}));
        let f = run_entries(&grouped(ROLE, &["admins"]), "API", &named);
        assert_eq!(statuses(&f), [Status::Pass]);
        // Only system: groups: nothing RBAC-defined to judge.
        let nodes = run_entries(
            &grouped("arn:aws:iam::444455556666:role/ops", &["system:nodes"]),
            "API",
            &json!({"known": []}),
        );
        assert_eq!(statuses(&nodes), [Status::Pass]);
    }

    #[test]
    fn unread_groups_of_a_broad_holder_are_unknown() {
        let entries = json!([{"principal_arn": "arn:aws:iam::111122223333:user/alice",
            "detail": testing::denied("eks", "us-east-1", "DescribeAccessEntry"),
            "access_policies": {"known": []}}]);
        let f = run_entries(&entries, "API", &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.id.ends_with("DescribeAccessEntry")));
        let named = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:role/sso-admin"}));
        let entries = json!([{"principal_arn": ROLE,
            "detail": testing::denied("eks", "us-east-1", "DescribeAccessEntry"),
            "access_policies": {"known": []}}]);
        let f = run_entries(&entries, "API", &named);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].evidence.iter().all(|e| e.kind != "Gap"),
            "a pass cites no failed read"
        );
    }

    #[test]
    fn config_map_modes_are_unknown_with_the_aws_auth_gap_unless_an_entry_fails() {
        let named = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:role/sso-admin"}));
        for mode in ["CONFIG_MAP", "API_AND_CONFIG_MAP"] {
            let mut account = testing::cluster(json!({"access_entries": {"known": []},
                "config": {"known": {"authentication_mode": mode}}, "aws_auth": not_read("c")}));
            account["iam"] = json!({"roles": named});
            let f = testing::run(&super::META, account);
            assert_eq!(statuses(&f), [Status::Unknown], "{mode}");
            assert_eq!(f[0].resource.id, testing::CLUSTER_C);
            assert!(
                f[0].message.contains("not_read: aws-auth"),
                "{}",
                f[0].message
            );
            assert!(f[0]
                .evidence
                .iter()
                .any(|e| e.id == "kubernetes:us-east-1:aws-auth"));
        }
        // A narrow admin entry passes, and the cluster is still unknown.
        let entry = json!({"principal_arn": ROLE,
            "access_policies": {"known": [{"policy_arn": ADMIN, "scope_type": "cluster"}]}});
        let mut account = testing::cluster(json!({"access_entries": {"known": [entry]},
            "config": {"known": {"authentication_mode": "API_AND_CONFIG_MAP"}},
            "aws_auth": not_read("c")}));
        account["iam"] = json!({"roles": named});
        let mut st = statuses(&testing::run(&super::META, account));
        st.sort_by_key(|s| format!("{s:?}"));
        assert_eq!(st, [Status::Pass, Status::Unknown]);
        // A failing entry already decides.
        let user = json!({"principal_arn": "arn:aws:iam::111122223333:user/alice",
            "access_policies": {"known": [{"policy_arn": ADMIN, "scope_type": "cluster"}]}});
        let f = testing::run(
            &super::META,
            testing::cluster(json!({"access_entries": {"known": [user]},
            "config": {"known": {"authentication_mode": "API_AND_CONFIG_MAP"}},
            "aws_auth": not_read("c")})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn an_unknown_mode_is_never_a_pass() {
        // No authentication mode (moto) and no aws-auth in the inventory.
        let f = testing::run(
            &super::META,
            testing::cluster(json!({"access_entries": {"known": []}, "config": {"known": {}}})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        let api = run_entries(&json!([]), "API", &json!({"known": []}));
        assert_eq!(statuses(&api), [Status::Pass]);
    }

    /// Cluster `c` in `mode` with aws-auth `aws_auth` (known) and `roles`.
    fn run_aws_auth(mode: &str, aws_auth: &Value, roles: &Value) -> Vec<Finding> {
        let mut account = testing::cluster(json!({"access_entries": {"known": []},
            "config": {"known": {"authentication_mode": mode,
                "bootstrap_cluster_creator_admin_permissions": false}},
            "aws_auth": {"known": aws_auth}}));
        account["iam"] = json!({"roles": roles});
        testing::run(&super::META, account)
    }

    #[test]
    fn known_aws_auth_masters_mappings_are_judged_like_admin_entries() {
        let open = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:root"}));
        let masters = json!({"map_roles": [{"rolearn": ROLE, "username": "admin",
            "groups": ["system:masters"]}]});
        let f = run_aws_auth("API_AND_CONFIG_MAP", &masters, &open);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("system:masters"), "{}", f[0].message);
        let named = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:role/sso-admin"}));
        assert_eq!(
            statuses(&run_aws_auth("API_AND_CONFIG_MAP", &masters, &named)),
            [Status::Pass]
        );
        let user = json!({"map_users": [{"userarn": "arn:aws:iam::111122223333:user/bob",
            "groups": ["system:masters"]}]});
        assert_eq!(
            statuses(&run_aws_auth("API_AND_CONFIG_MAP", &user, &named)),
            [Status::Fail]
        );
    }

    #[test]
    fn known_aws_auth_groups_accounts_and_creator_are_unknown() {
        let open = role_trusting(&json!({"AWS": "arn:aws:iam::111122223333:root"}));
        let groups = json!({"map_roles": [{"rolearn": ROLE, "groups": ["ops"]}]});
        let f = run_aws_auth("API_AND_CONFIG_MAP", &groups, &open);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("groups ops"), "{}", f[0].message);
        let accounts = json!({"map_accounts": ["444455556666"]});
        assert_eq!(
            statuses(&run_aws_auth("API_AND_CONFIG_MAP", &accounts, &open)),
            [Status::Unknown]
        );
        // CONFIG_MAP: the creator's mapping is in no ConfigMap.
        let mut account = testing::cluster(json!({"access_entries": {"known": []},
            "config": {"known": {"authentication_mode": "CONFIG_MAP"}},
            "aws_auth": {"known": {}}}));
        account["iam"] = json!({"roles": {"known": []}});
        let f = testing::run(&super::META, account);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("creator"), "{}", f[0].message);
    }

    #[test]
    fn an_access_entry_shadows_the_aws_auth_mapping_of_its_principal() {
        let entry = json!({"principal_arn": "arn:aws:iam::111122223333:user/bob",
            "detail": {"known": {}}, "access_policies": {"known": []}});
        let mut account = testing::cluster(json!({"access_entries": {"known": [entry]},
            "config": {"known": {"authentication_mode": "API_AND_CONFIG_MAP",
                "bootstrap_cluster_creator_admin_permissions": false}},
            "aws_auth": {"known": {"map_users": [{"userarn": "arn:aws:iam::111122223333:user/bob",
                "groups": ["system:masters"]}]}}}));
        account["iam"] = json!({"roles": {"known": []}});
        let f = testing::run(&super::META, account);
        assert_eq!(statuses(&f), [Status::Pass, Status::Pass]);
    }
}
