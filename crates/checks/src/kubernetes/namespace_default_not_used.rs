use eksposture_model::Graph;

use super::for_each_cluster;
use super::namespaces::{namespace_ref, workload_list, NamespaceView};
use super::workloads::subjects;
use crate::support::cluster_evidence;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// The `default` namespace of every cluster whose Kubernetes API was
    /// read. **fail** when workloads of the user's run in it (pod templates
    /// of controllers, pods without one), naming them; **pass** when none
    /// does and every workload kind was read. **unknown** when the cluster's
    /// API could not be read, or when no workload was found there but a
    /// workload kind could not be listed (one finding per unread kind, on
    /// the namespace). The `kubernetes` Service and its endpoints, which
    /// every cluster has in `default`, are not workloads.
    ///
    /// ## Rationale
    ///
    /// Everything that lands in `default` shares one set of RBAC bindings,
    /// network policies, quotas and Pod Security level, usually none: it is
    /// where quick tests become production. Namespaces are the boundary
    /// every other control is scoped by (CIS EKS 4.5.2, NIST SP 800-190
    /// 4.3.4).
    ///
    /// ## Remediation
    ///
    /// Create a namespace per application or team, move the workloads
    /// there, and keep `default` empty (a Pod Security `restricted` label
    /// and a deny-all NetworkPolicy on it keep it so).
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "default", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []}, "Deployment": {"known": []},
    ///     "Pod": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///       "operation": "list pods", "reason": "access_denied", "message": "forbidden"}}}}}}]}}}}
    /// ```
    id: "kubernetes-namespace-default-not-used",
    title: "Kubernetes workloads should not run in the default namespace",
    severity: Low,
    kind: Configuration,
    resource_type: "KubernetesNamespace",
    remediation: "Move the workloads to namespaces of their own and keep default empty.",
    compliance: ["CIS-EKS-1.8:4.5.2", "NIST-800-190:4.3.4", "EKS-BPG:multitenancy"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster(g, out, |out, c, k| {
        let (all, unread) = subjects(c, k);
        let view = NamespaceView {
            cluster: c,
            kubernetes: k,
            name: "default",
            workloads: all
                .into_iter()
                .filter(|s| s.namespace == "default")
                .collect(),
        };
        if !view.workloads.is_empty() {
            let msg = format!(
                "{} workload(s) run in namespace default of cluster {}: {}",
                view.workloads.len(),
                c.cluster.name,
                workload_list(&view.workloads)
            );
            out.fail(view.resource(), msg, view.evidence());
        } else if unread.is_empty() {
            let msg = format!(
                "no workload runs in namespace default of cluster {}",
                c.cluster.name
            );
            out.pass(namespace_ref(c, "default"), msg, view.evidence());
        } else {
            for u in unread {
                out.unknown(
                    namespace_ref(c, "default"),
                    &u.what(),
                    &u.gap,
                    vec![cluster_evidence(&c)],
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, kube, workload, workloads,
    };
    use crate::testing::{self, statuses};

    #[test]
    fn fails_naming_the_workloads_in_default() {
        let pod = workload(
            "Pod",
            "default",
            "debug",
            json!({}),
            &[container("sh", json!({}))],
        );
        let f = testing::run(&super::META, workloads("Pod", &[pod]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/c/api/v1/namespaces/default"
        );
        assert!(
            f[0].message.ends_with("cluster c: Pod debug"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_default_is_empty_and_everything_was_read() {
        let f = testing::run(&super::META, kube(json!({})));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_a_kind_or_the_api_is_unread() {
        let gap = json!({"service": "kubernetes", "region": "us-east-1", "operation": "list cronjobs",
            "reason": "not_supported", "message": "batch/v1 not served"});
        let f = testing::run(
            &super::META,
            kube(json!({"workloads": {"CronJob": {"unknown": gap}}})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_unknown_when_unreachable(&super::META);
    }
}
