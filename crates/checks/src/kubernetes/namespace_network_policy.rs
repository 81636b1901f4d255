use eksposture_model::{Graph, Observed};

use super::namespaces::for_each_namespace;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every namespace of every cluster whose Kubernetes API was read that
    /// holds workloads of the user's (pod templates of controllers, pods
    /// without one; the namespaces where EKS's own agents run,
    /// `kube-system`, `kube-public`, `kube-node-lease`, `amazon-guardduty`
    /// and `amazon-cloudwatch`, are not judged). **pass** when a
    /// NetworkPolicy in it selects every pod (an empty `podSelector`), the
    /// base of a default-deny. **fail** when it has no NetworkPolicy, or
    /// only policies that select some pods, naming them. **unknown** when
    /// the cluster's API could not be read, NetworkPolicies could not be
    /// listed (one finding per namespace), or a workload kind could not be
    /// listed (one finding per unread kind: the namespaces it occupies are
    /// not known).
    ///
    /// Whether the cluster enforces policies at all is
    /// `eks-network-policy-enforced`'s question: without an engine, the
    /// policies this check asks for are accepted and ignored.
    ///
    /// ## Rationale
    ///
    /// Without a policy selecting every pod, a pod no policy names accepts
    /// traffic from anywhere in the cluster, and a new workload is open by
    /// default: one compromised pod reaches every other namespace's
    /// databases and admin ports (CIS EKS 4.3.2, NIST SP 800-190 4.3.3).
    ///
    /// ## Remediation
    ///
    /// Apply a default-deny NetworkPolicy (`podSelector: {}`, `policyTypes:
    /// [Ingress, Egress]`) to each namespace, then allow the flows each
    /// workload needs.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "network_policies": {"known": []},
    ///     "workloads": {"Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token",
    ///     "network_policies": {"known": [{"namespace": "payments", "name": "default-deny",
    ///       "selects_all_pods": true, "policy_types": ["Ingress", "Egress"]}]},
    ///     "workloads": {"Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///       "Job": {"known": []}, "CronJob": {"known": []},
    ///       "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///         "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token",
    ///     "network_policies": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///       "operation": "list networkpolicies", "reason": "access_denied", "message": "forbidden"}},
    ///     "workloads": {"Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///       "Job": {"known": []}, "CronJob": {"known": []},
    ///       "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///         "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    id: "kubernetes-namespace-network-policy",
    title: "Kubernetes namespaces with workloads should have a NetworkPolicy selecting all their pods",
    severity: Medium,
    kind: Configuration,
    resource_type: "KubernetesNamespace",
    remediation: "Apply a default-deny NetworkPolicy (podSelector: {}) to each namespace, then allow the flows each workload needs.",
    compliance: ["CIS-EKS-1.8:4.3.2", "NIST-800-190:4.3.3", "PCI-DSS-4.0:1.3.1", "EKS-BPG:network"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_namespace(g, out, |out, ns| {
        let policies = match &ns.kubernetes.network_policies {
            Observed::Known(p) => p,
            Observed::Unknown(gap) => {
                let what = format!("the NetworkPolicies of {}", ns.label());
                out.unknown(ns.resource(), &what, gap, ns.evidence());
                return;
            }
        };
        let mine: Vec<_> = policies.iter().filter(|p| p.namespace == ns.name).collect();
        if let Some(all) = mine.iter().find(|p| p.selects_all_pods) {
            let msg = format!(
                "{}: NetworkPolicy {} selects every pod ({})",
                ns.label(),
                all.name,
                all.policy_types.join(", ")
            );
            out.pass(ns.resource(), msg, ns.evidence());
        } else if mine.is_empty() {
            out.fail(
                ns.resource(),
                format!("{}: no NetworkPolicy", ns.label()),
                ns.evidence(),
            );
        } else {
            let names: Vec<&str> = mine.iter().map(|p| p.name.as_str()).collect();
            let msg = format!(
                "{}: no NetworkPolicy selects every pod (only {}); pods none selects are open",
                ns.label(),
                names.join(", ")
            );
            out.fail(ns.resource(), msg, ns.evidence());
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::kubernetes::fixtures::{assert_unknown_when_unreachable, container, kube, workload};
    use crate::testing::{self, statuses};

    fn run(policies: &Value) -> Vec<eksposture_model::Finding> {
        let d = |ns: &str| {
            workload(
                "Deployment",
                ns,
                "api",
                json!({}),
                &[container("a", json!({}))],
            )
        };
        let frag = kube(json!({"network_policies": policies,
            "workloads": {"Deployment": {"known": [d("payments"), d("kube-system")]}}}));
        testing::run(&super::META, frag)
    }

    #[test]
    fn fails_without_a_policy_or_with_partial_ones() {
        let f = run(&json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .ends_with("(Deployment api (0 pods)): no NetworkPolicy"),
            "{}",
            f[0].message
        );
        let partial = json!({"known": [{"namespace": "payments", "name": "web-only", "selects_all_pods": false}]});
        assert_eq!(statuses(&run(&partial)), [Status::Fail]);
    }

    #[test]
    fn passes_with_a_policy_selecting_all_pods_and_skips_kube_system() {
        let p =
            json!({"known": [{"namespace": "payments", "name": "deny", "selects_all_pods": true}]});
        let f = run(&p);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/c/api/v1/namespaces/payments"
        );
    }

    #[test]
    fn unknown_when_policies_or_the_api_are_unread() {
        let gap = json!({"unknown": {"service": "kubernetes", "region": "us-east-1",
            "operation": "list networkpolicies", "reason": "access_denied", "message": "forbidden"}});
        assert_eq!(statuses(&run(&gap)), [Status::Unknown]);
        assert_unknown_when_unreachable(&super::META);
    }
}
