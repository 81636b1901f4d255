//! EKS Pod Identity: how narrowly a role's trust policy lets the Pod
//! Identity service (`pods.eks.amazonaws.com`) assume it.
//!
//! The service assumes the role with `sts:AssumeRole` + `sts:TagSession`,
//! tagging the session with `eks-cluster-arn`, `eks-cluster-name`,
//! `kubernetes-namespace`, `kubernetes-service-account`,
//! `kubernetes-pod-name` and `kubernetes-pod-uid` (EKS User Guide, "Grant
//! pods access to AWS resources based on tags"); a trust policy scopes the
//! role with `aws:RequestTag/<tag>` conditions on them, or with
//! `aws:SourceArn` naming the cluster.

use eksposture_model::wildcard::has_wildcard;

use crate::document::{Condition, Effect, Policy, Principal, PrincipalSpec, SetQualifier};

pub const POD_IDENTITY_SERVICE: &str = "pods.eks.amazonaws.com";

/// How one `Allow` statement trusting the Pod Identity service is scoped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PodTrustScope {
    pub sid: Option<String>,
    /// `key=value` of conditions pinning the cluster.
    pub cluster: Vec<String>,
    pub namespace: Option<String>,
    pub service_account: Option<String>,
    pub source_account: Option<String>,
}

impl PodTrustScope {
    /// Scoped to a cluster, or to one service account of one namespace.
    pub fn is_scoped(&self) -> bool {
        !self.cluster.is_empty() || (self.namespace.is_some() && self.service_account.is_some())
    }

    pub fn describe(&self) -> String {
        let mut parts = self.cluster.clone();
        parts.extend(self.namespace.as_ref().map(|n| format!("namespace={n}")));
        parts.extend(
            self.service_account
                .as_ref()
                .map(|s| format!("service account={s}")),
        );
        parts.extend(
            self.source_account
                .as_ref()
                .map(|a| format!("aws:SourceAccount={a}")),
        );
        let sid = self
            .sid
            .as_deref()
            .map_or_else(String::new, |s| format!("Sid {s:?}: "));
        if parts.is_empty() {
            format!("{sid}no condition")
        } else {
            format!("{sid}{}", parts.join(", "))
        }
    }
}

/// Every `Allow` statement that lets `pods.eks.amazonaws.com` call
/// `sts:AssumeRole`, with what its conditions pin.
pub fn pod_identity_trusts(policy: &Policy) -> Vec<PodTrustScope> {
    let mut out = Vec::new();
    for s in &policy.statements {
        let Some(PrincipalSpec::Principal(Principal::Specific(p))) = &s.principal else {
            continue;
        };
        let trusts_pods = p
            .service
            .iter()
            .any(|svc| svc.eq_ignore_ascii_case(POD_IDENTITY_SERVICE));
        if s.effect != Effect::Allow || !trusts_pods || !s.matches_action("sts:AssumeRole") {
            continue;
        }
        let mut scope = PodTrustScope {
            sid: s.sid.clone(),
            ..PodTrustScope::default()
        };
        for c in s.conditions.iter().filter(|c| pins(c)) {
            let value = c.values.join("|");
            match c.key.to_ascii_lowercase().as_str() {
                "aws:sourcearn"
                | "aws:requesttag/eks-cluster-arn"
                | "aws:requesttag/eks-cluster-name" => {
                    scope.cluster.push(format!("{}={value}", c.key));
                }
                "aws:requesttag/kubernetes-namespace" => scope.namespace = Some(value),
                "aws:requesttag/kubernetes-service-account" => scope.service_account = Some(value),
                "aws:sourceaccount" => scope.source_account = Some(value),
                _ => {}
            }
        }
        out.push(scope);
    }
    out
}

/// A positive, exact condition: it holds only for the values it names.
fn pins(c: &Condition) -> bool {
    let op = c.base_operator().to_ascii_lowercase();
    matches!(
        op.as_str(),
        "stringequals" | "stringequalsignorecase" | "stringlike" | "arnequals" | "arnlike"
    ) && !c.if_exists()
        && c.qualifier() != Some(SetQualifier::ForAllValues)
        && !c.values.is_empty()
        && !c.values.iter().any(|v| has_wildcard(v))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::pod_identity_trusts;
    use crate::Policy;

    fn scopes(condition: &serde_json::Value) -> Vec<(bool, String)> {
        let doc = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": condition}]});
        let p = Policy::parse(&doc).unwrap();
        pod_identity_trusts(&p)
            .into_iter()
            .map(|s| (s.is_scoped(), s.describe()))
            .collect()
    }

    #[test]
    fn cluster_or_namespace_and_service_account_scope_the_role() {
        let arn = json!({"ArnEquals": {"aws:SourceArn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}});
        assert!(scopes(&arn)[0].0);
        let sa = json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "web",
            "aws:RequestTag/kubernetes-service-account": "app"}});
        assert_eq!(
            scopes(&sa),
            [(true, "namespace=web, service account=app".to_string())]
        );
    }

    #[test]
    fn account_only_namespace_only_and_wildcards_do_not() {
        let account = json!({"StringEquals": {"aws:SourceAccount": "111122223333"}});
        assert_eq!(
            scopes(&account),
            [(false, "aws:SourceAccount=111122223333".to_string())]
        );
        let ns = json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "web"}});
        assert!(!scopes(&ns)[0].0);
        let like = json!({"StringLike": {"aws:RequestTag/eks-cluster-name": "prod-*"}});
        assert_eq!(scopes(&like), [(false, "no condition".to_string())]);
    }
}
