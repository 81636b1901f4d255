use eksposture_model::{Graph, Observed};

use super::namespaces::for_each_namespace;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every namespace of every cluster whose Kubernetes API was read that
    /// holds workloads of the user's (the namespaces where EKS's own agents
    /// run, `kube-system`, `kube-public`, `kube-node-lease`,
    /// `amazon-guardduty` and `amazon-cloudwatch`, are not judged: the node
    /// agents there need `privileged`). **pass** when its
    /// `pod-security.kubernetes.io/enforce` label is `baseline` or
    /// `restricted`. **fail** when the label is absent (EKS sets no
    /// cluster-wide default, so admission enforces nothing) or
    /// `privileged`. **unknown** when the cluster's API could not be read,
    /// Namespaces could not be listed (one finding per namespace), a
    /// namespace with workloads was not in the list read, or a workload kind
    /// could not be listed (one finding per unread kind).
    ///
    /// A policy engine (Kyverno, Gatekeeper) may enforce the same rules
    /// instead; such a cluster fails here, and the pod checks show what
    /// actually runs. Suppress this check for namespaces where you have
    /// verified that.
    ///
    /// ## Rationale
    ///
    /// Pod Security admission is the built-in gate that stops privileged,
    /// host-namespace and host-path pods from being created at all; without
    /// an `enforce` label, anyone who may create a pod in the namespace may
    /// create one that owns its node (CIS EKS 4.2.1, NIST SP 800-190 4.4.3,
    /// EKS Best Practices Guide, pod security).
    ///
    /// ## Remediation
    ///
    /// `kubectl label namespace <ns> pod-security.kubernetes.io/enforce=baseline`
    /// (or `restricted`), after checking with `--dry-run=server` which pods
    /// it would reject.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token",
    ///     "namespaces": {"known": [{"name": "payments",
    ///       "pod_security": {"pod-security.kubernetes.io/enforce": "privileged"}}]},
    ///     "workloads": {"Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token",
    ///     "namespaces": {"known": [{"name": "kube-system"}, {"name": "payments",
    ///       "pod_security": {"pod-security.kubernetes.io/enforce": "restricted"}}]},
    ///     "workloads": {"Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///       "Job": {"known": []}, "CronJob": {"known": []},
    ///       "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///         "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-namespace-pod-security-enforced",
    title: "Kubernetes namespaces with workloads should enforce the baseline or restricted Pod Security Standard",
    severity: Medium,
    kind: Configuration,
    resource_type: "KubernetesNamespace",
    remediation: "Label the namespace pod-security.kubernetes.io/enforce=baseline (or restricted) after a server-side dry run.",
    compliance: ["CIS-EKS-1.8:4.2.1", "NIST-800-190:4.4.3", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_namespace(g, out, |out, ns| {
        let namespaces = match &ns.kubernetes.namespaces {
            Observed::Known(n) => n,
            Observed::Unknown(gap) => {
                let what = format!("the labels of {}", ns.label());
                out.unknown(ns.resource(), &what, gap, ns.evidence());
                return;
            }
        };
        let Some(found) = namespaces.iter().find(|n| n.name == ns.name) else {
            let msg = format!(
                "{}: not in the namespace list read, its labels are unknown",
                ns.label()
            );
            out.unknown_because(ns.resource(), msg, ns.evidence());
            return;
        };
        match found
            .pod_security
            .get(ENFORCE)
            .map(|l| l.trim().to_ascii_lowercase())
        {
            Some(level) if level == "baseline" || level == "restricted" => {
                let msg = format!("{}: Pod Security admission enforces {level}", ns.label());
                out.pass(ns.resource(), msg, ns.evidence());
            }
            Some(level) => {
                let msg = format!(
                    "{}: Pod Security admission enforces {level}, which admits any pod",
                    ns.label()
                );
                out.fail(ns.resource(), msg, ns.evidence());
            }
            None => {
                let msg = format!("{}: no {ENFORCE} label, so any pod is admitted", ns.label());
                out.fail(ns.resource(), msg, ns.evidence());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::kubernetes::fixtures::{assert_unknown_when_unreachable, container, kube, workload};
    use crate::testing::{self, statuses};

    fn run(namespaces: &Value) -> Vec<eksposture_model::Finding> {
        let d = workload(
            "Deployment",
            "payments",
            "api",
            json!({}),
            &[container("a", json!({}))],
        );
        testing::run(
            &super::META,
            kube(json!({"namespaces": namespaces, "workloads": {"Deployment": {"known": [d]}}})),
        )
    }

    fn labelled(level: Option<&str>) -> Value {
        let labels = level.map_or(
            json!({}),
            |l| json!({"pod-security.kubernetes.io/enforce": l}),
        );
        json!({"known": [{"name": "payments", "pod_security": labels}]})
    }

    #[test]
    fn fails_when_absent_or_privileged() {
        assert_eq!(statuses(&run(&labelled(None))), [Status::Fail]);
        let f = run(&labelled(Some("privileged")));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("enforces privileged"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_baseline_or_restricted() {
        assert_eq!(statuses(&run(&labelled(Some("baseline")))), [Status::Pass]);
        assert_eq!(
            statuses(&run(&labelled(Some("restricted")))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_namespaces_are_unread_or_missing() {
        let gap = json!({"unknown": {"service": "kubernetes", "region": "us-east-1",
            "operation": "list namespaces", "reason": "access_denied", "message": "forbidden"}});
        assert_eq!(statuses(&run(&gap)), [Status::Unknown]);
        assert_eq!(statuses(&run(&json!({"known": []}))), [Status::Unknown]);
        assert_unknown_when_unreachable(&super::META);
    }
}
