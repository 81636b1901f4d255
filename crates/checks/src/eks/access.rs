//! Access entries: how to name them, which of their associated access
//! policies grant admin over the whole cluster, how widely the principal
//! that holds one can be acted as, and the verdict on a principal's admin
//! or Kubernetes-group access (shared with `aws-auth` mappings).

use eksposture_model::graph::{ClusterView, Lookup};
use eksposture_model::{AccessEntry, AssociatedAccessPolicy, Evidence, Gap, Graph, ResourceRef};
use eksposture_policy::trust::{assumers, broad, Assumer};

use crate::iam::{parse_document, role_evidence};

/// Maps to the Kubernetes `cluster-admin` ClusterRole (the access the cluster
/// creator is bootstrapped with).
pub const CLUSTER_ADMIN_POLICY: &str = "AmazonEKSClusterAdminPolicy";
/// Maps to the Kubernetes `admin` ClusterRole.
pub const ADMIN_POLICY: &str = "AmazonEKSAdminPolicy";

/// The access policy's name: AWS-owned policies are
/// `arn:<partition>:eks::aws:cluster-access-policy/<name>` in every partition.
pub fn policy_name(arn: &str) -> Option<&str> {
    arn.split_once(":cluster-access-policy/")
        .map(|(_, name)| name)
}

/// The entry's ARN when `DescribeAccessEntry` returned it, else a stable id
/// under the cluster's ARN naming the principal.
pub fn entry_id(c: &ClusterView<'_>, e: &AccessEntry) -> String {
    match e.detail.known().and_then(|d| d.arn.as_deref()) {
        Some(arn) if !arn.is_empty() => arn.to_string(),
        _ => format!("{}/access-entry/{}", c.cluster.arn, e.principal_arn),
    }
}

pub fn entry_ref(c: &ClusterView<'_>, e: &AccessEntry) -> ResourceRef {
    ResourceRef::new("AwsEksAccessEntry", entry_id(c, e), c.region)
}

pub fn entry_evidence(c: &ClusterView<'_>, e: &AccessEntry, detail: impl Into<String>) -> Evidence {
    Evidence::new("AwsEksAccessEntry", entry_id(c, e), detail)
}

/// Which of `names` an entry's policies grant, split by scope.
#[derive(Debug, Default)]
pub struct AdminGrants<'a> {
    /// Associated with `accessScope.type = cluster`.
    pub cluster_wide: Vec<&'a AssociatedAccessPolicy>,
    /// Associated without a scope in the answer: cannot tell.
    pub scope_unknown: Vec<&'a AssociatedAccessPolicy>,
}

impl AdminGrants<'_> {
    /// The names of the cluster-wide grants, for messages.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self
            .cluster_wide
            .iter()
            .filter_map(|p| policy_name(&p.policy_arn))
            .collect();
        names.join(", ")
    }
}

/// The policies among `names` in `policies`, by scope; namespace-scoped ones
/// are left out.
pub fn admin_grants<'a>(policies: &'a [AssociatedAccessPolicy], names: &[&str]) -> AdminGrants<'a> {
    let mut out = AdminGrants::default();
    for p in policies {
        if !policy_name(&p.policy_arn).is_some_and(|n| names.contains(&n)) {
            continue;
        }
        match p.scope_type.as_deref() {
            Some(s) if s.eq_ignore_ascii_case("cluster") => out.cluster_wide.push(p),
            Some(_) => {}
            None => out.scope_unknown.push(p),
        }
    }
    out
}

/// The Kubernetes group that is cluster-admin by definition: the API
/// server grants it everything, whatever the RBAC bindings say.
pub const MASTERS: &str = "system:masters";

/// The groups among `groups` whose authority only RBAC bindings define:
/// every group but the `system:` ones, which Kubernetes and EKS bind
/// themselves (`system:masters` is cluster-admin and judged as such;
/// `system:nodes`, `system:bootstrappers` are what nodes join with).
pub fn bound_groups(groups: &[String]) -> Vec<&str> {
    groups
        .iter()
        .map(String::as_str)
        .filter(|g| !g.starts_with("system:"))
        .collect()
}

/// Who can act as the principal of an access entry or aws-auth mapping.
pub enum Holder<'a> {
    /// More than named principals: the text says who (an IAM user's keys,
    /// another account, a trust open to an account, anyone, any GitHub
    /// repository, code run by a compute service).
    Broad(String),
    /// A role of the scanned account whose trust names who may assume it:
    /// the text says whom.
    Narrow(String),
    /// The text says what could not be read or judged, with the failed read
    /// if any.
    Unread(String, Option<&'a Gap>),
}

/// Classifies a principal by every way it can be acted as (for a role:
/// every grant of its trust policy, see [`assumers`]), pushing the role
/// (when one is judged) onto the evidence.
pub fn holder<'a>(g: &Graph<'a>, principal: &str, ev: &mut Vec<Evidence>) -> Holder<'a> {
    let Some(arn) = eksposture_model::arn::parse(principal) else {
        return Holder::Unread("its principal is not an ARN".into(), None);
    };
    if arn.resource.starts_with("user/") {
        return Holder::Broad(
            "it is an IAM user: the access rests on long-lived access keys".into(),
        );
    }
    if arn.account != g.account_id() {
        return Holder::Broad(format!("it is in another account ({})", arn.account));
    }
    if !arn.resource.starts_with("role/") {
        return Holder::Unread("it is neither an IAM user nor a role".into(), None);
    }
    let role = match g.role(principal) {
        Lookup::Found(role) => role,
        Lookup::Unknown(gap) => {
            return Holder::Unread("the IAM roles could not be read".into(), Some(gap))
        }
        Lookup::Missing => {
            return Holder::Unread("the role is not in the account's role list".into(), None)
        }
    };
    let policy = match role.trust_policy.as_result().map(parse_document) {
        Ok(Ok(policy)) => policy,
        Ok(Err(reason)) => {
            return Holder::Unread(format!("its trust policy cannot be parsed: {reason}"), None)
        }
        Err(gap) => return Holder::Unread("its trust policy could not be read".into(), Some(gap)),
    };
    let all = assumers(&policy, g.account_id());
    let wide = broad(&all);
    if !wide.is_empty() {
        let who = wide.join("; ");
        ev.push(role_evidence(role, format!("trust policy admits {who}")));
        return Holder::Broad(format!("its trust policy lets {who} assume it"));
    }
    let text =
        |pick: fn(&Assumer) -> Option<&str>| -> Vec<&str> { all.iter().filter_map(pick).collect() };
    let unjudged = text(|a| match a {
        Assumer::Unjudged(t) => Some(t),
        _ => None,
    });
    if !unjudged.is_empty() {
        let what = unjudged.join("; ");
        ev.push(role_evidence(role, format!("trust policy admits {what}")));
        return Holder::Unread(format!("its trust policy admits {what}"), None);
    }
    let named = text(|a| match a {
        Assumer::Named(t) => Some(t),
        _ => None,
    });
    let who = if named.is_empty() {
        "no one (its trust policy grants no way to assume it)".to_string()
    } else {
        named.join("; ")
    };
    ev.push(role_evidence(
        role,
        format!("trust policy admits only {who}"),
    ));
    Holder::Narrow(who)
}

/// A verdict on one principal's access to a cluster.
pub enum Verdict<'a> {
    Pass(String),
    Fail(String),
    /// With the failed read, if one is the cause.
    Unknown(String, Option<&'a Gap>),
}

/// Judges `principal` (`who`, for messages) holding `admin` (what makes it
/// cluster admin, when something does) or else membership of `groups`
/// (whose RBAC bindings are not read). `None` when it holds neither.
///
/// Admin fails on a broad holder and passes on a narrow one. Groups on a
/// broad holder are unknown, never a pass: a ClusterRoleBinding the AWS API
/// cannot show may make them cluster-admin.
pub fn judge_principal<'a>(
    g: &Graph<'a>,
    principal: &str,
    admin: Option<&str>,
    groups: &[&str],
    ev: &mut Vec<Evidence>,
) -> Option<Verdict<'a>> {
    if admin.is_none() && groups.is_empty() {
        return None;
    }
    let holder = holder(g, principal, ev);
    Some(match (admin, holder) {
        (Some(admin), Holder::Broad(why)) => Verdict::Fail(format!("{admin}, and {why}")),
        (Some(admin), Holder::Narrow(who)) => {
            Verdict::Pass(format!("{admin}, and only {who} may act as it"))
        }
        (Some(admin), Holder::Unread(why, gap)) => Verdict::Unknown(
            format!("{admin}, but who can act as it is unknown: {why}"),
            gap,
        ),
        (None, holder) => {
            let member = format!(
                "{principal} is in the Kubernetes groups {}, whose RBAC bindings eksposture does not read (a ClusterRoleBinding may make them cluster-admin)",
                groups.join(", ")
            );
            match holder {
                Holder::Broad(why) => Verdict::Unknown(format!("{member}, and {why}"), None),
                Holder::Narrow(who) => {
                    Verdict::Pass(format!("{member}, but only {who} may act as it"))
                }
                Holder::Unread(why, gap) => Verdict::Unknown(
                    format!("{member}, and who can act as it is unknown: {why}"),
                    gap,
                ),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use eksposture_model::AssociatedAccessPolicy;

    use super::{admin_grants, policy_name, ADMIN_POLICY, CLUSTER_ADMIN_POLICY};

    fn policy(name: &str, scope: Option<&str>) -> AssociatedAccessPolicy {
        AssociatedAccessPolicy {
            policy_arn: format!("arn:aws-cn:eks::aws:cluster-access-policy/{name}"),
            scope_type: scope.map(String::from),
            namespaces: vec![],
        }
    }

    #[test]
    fn splits_admin_policies_by_scope_in_any_partition() {
        let ps = [
            policy(CLUSTER_ADMIN_POLICY, Some("cluster")),
            policy(ADMIN_POLICY, Some("namespace")),
            policy(ADMIN_POLICY, None),
            policy("AmazonEKSViewPolicy", Some("cluster")),
        ];
        let g = admin_grants(&ps, &[CLUSTER_ADMIN_POLICY, ADMIN_POLICY]);
        assert_eq!(g.cluster_wide.len(), 1);
        assert_eq!(g.scope_unknown.len(), 1);
        assert_eq!(g.describe(), CLUSTER_ADMIN_POLICY);
        assert_eq!(policy_name("arn:aws:iam::aws:policy/X"), None);
    }
}
