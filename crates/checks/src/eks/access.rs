//! Access entries: how to name them, which of their associated access
//! policies grant admin over the whole cluster, and how widely the role that
//! holds one can be assumed.

use eksposture_model::graph::{ClusterView, Lookup};
use eksposture_model::{AccessEntry, AssociatedAccessPolicy, Evidence, Gap, Graph, ResourceRef};
use eksposture_policy::trust::trust_breadth;

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

/// Who can act as the principal of an access entry.
pub enum Holder<'a> {
    /// More than named principals: the text says who (an IAM user's keys,
    /// another account, a trust open to an account or anyone).
    Broad(String),
    /// A role of the scanned account whose trust names its principals.
    Narrow,
    /// The text says what could not be read, with the failed read if any.
    Unread(String, Option<&'a Gap>),
}

/// Classifies an access entry's principal, pushing the role (when one is
/// judged) onto the evidence.
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
    let broad = trust_breadth(&policy, g.account_id());
    if broad.is_empty() {
        ev.push(role_evidence(
            role,
            "trust policy names the principals that may assume it",
        ));
        Holder::Narrow
    } else {
        let who = broad.join("; ");
        ev.push(role_evidence(role, format!("trust policy admits {who}")));
        Holder::Broad(format!("its trust policy lets {who} assume it"))
    }
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
