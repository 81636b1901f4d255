use eksposture_model::Graph;

use super::{for_each_workload, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it). **fail** when the pod spec sets `hostNetwork`,
    /// `hostPID` or `hostIPC`, naming each; **pass** when it sets none.
    /// **unknown** when the cluster's API could not be read, a workload kind
    /// could not be listed, or a pod spec came without containers.
    ///
    /// One check covers the three host namespaces: they are one decision in
    /// one place of the spec, fixed by the same edit and allowed by the same
    /// Pod Security level (none is allowed by `baseline`), so one finding per
    /// workload naming all it shares is less noise than three. The finding
    /// carries the three CIS controls.
    ///
    /// EKS's own node agents (`aws-node`, `kube-proxy`, ...) use the host
    /// network by design and are not judged. Fargate refuses host
    /// namespaces, so a Fargate pod can only fail here while pending; its
    /// spec is judged as written all the same.
    ///
    /// ## Rationale
    ///
    /// `hostNetwork` puts the pod on the node's interfaces: it reaches the
    /// instance metadata service whatever the hop limit (and so the node
    /// role's credentials), the kubelet and every port bound to localhost.
    /// `hostPID` shows and signals every process of the node and reads their
    /// environment; `hostIPC` shares the node's shared memory (CIS EKS 4.2.2
    /// to 4.2.4, NIST SP 800-190 4.4.3).
    ///
    /// ## Remediation
    ///
    /// Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec
    /// (expose ports through a Service instead) and enforce the `baseline`
    /// Pod Security Standard on the namespace.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "DaemonSet": {"known": [{"kind": "DaemonSet", "namespace": "monitoring", "name": "node-exporter",
    ///       "spec": {"host_network": true, "host_pid": true,
    ///         "containers": [{"name": "exporter", "image": "node-exporter:1.8"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "StatefulSet": {"known": []}, "Job": {"known": []}, "CronJob": {"known": []},
    ///     "DaemonSet": {"known": [{"kind": "DaemonSet", "namespace": "kube-system", "name": "kube-proxy",
    ///       "spec": {"host_network": true, "containers": [{"name": "kube-proxy", "image": "kube-proxy:v1.31"}]}}]},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "Deployment": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "DaemonSet": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///       "operation": "list daemonsets", "reason": "access_denied", "message": "forbidden"}}}}}}]}}}}
    /// ```
    id: "kubernetes-pod-no-host-namespaces",
    title: "Kubernetes pods should not share the node's network, PID or IPC namespace",
    severity: High,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec (use a Service for ports) and enforce the baseline Pod Security Standard on the namespace.",
    compliance: ["CIS-EKS-1.8:4.2.2", "CIS-EKS-1.8:4.2.3", "CIS-EKS-1.8:4.2.4", "NIST-800-190:4.4.3", "EKS-BPG:pods"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let shared: Vec<String> = [
            (s.spec.host_network, "hostNetwork"),
            (s.spec.host_pid, "hostPID"),
            (s.spec.host_ipc, "hostIPC"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
        verdict(
            out,
            s,
            &shared,
            "shares the node's namespaces",
            "shares no namespace with its node",
        );
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
    fn fails_naming_each_shared_namespace_of_a_bare_pod() {
        let pod = workload(
            "Pod",
            "default",
            "debug",
            json!({"host_pid": true, "host_ipc": true}),
            &[container("sh", json!({}))],
        );
        let f = testing::run(&super::META, workloads("Pod", &[pod]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/c/api/v1/namespaces/default/pods/debug"
        );
        assert!(
            f[0].message.ends_with("namespaces: hostPID, hostIPC"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_without_host_namespaces() {
        let job = workload(
            "Job",
            "batch",
            "report",
            json!({}),
            &[container("r", json!({}))],
        );
        let f = testing::run(&super::META, workloads("Job", &[job]));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_for_an_unread_kind_and_an_unreachable_api() {
        let gap = json!({"service": "kubernetes", "region": "us-east-1", "operation": "list statefulsets",
            "reason": "access_denied", "message": "forbidden"});
        let f = testing::run(
            &super::META,
            kube(json!({"workloads": {"StatefulSet": {"unknown": gap}}})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/c/apis/apps/v1/statefulsets"
        );
        assert_unknown_when_unreachable(&super::META);
    }
}
