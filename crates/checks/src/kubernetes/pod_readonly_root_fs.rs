use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it). **fail** when a container does not set
    /// `securityContext.readOnlyRootFilesystem: true` (unset is writable),
    /// naming it; **pass** when every container does. **unknown** when the
    /// cluster's API could not be read, a workload kind could not be
    /// listed, or a pod spec came without containers. What EKS installs is
    /// not judged.
    ///
    /// ## Rationale
    ///
    /// A writable root filesystem lets an intruder drop tools, replace
    /// binaries and persist across process restarts; a read-only one, with
    /// `emptyDir` volumes for the paths that must be written, makes a
    /// container immutable at run time (NIST SP 800-190 4.4.3 and 4.4.4,
    /// EKS Best Practices Guide, pod security).
    ///
    /// ## Remediation
    ///
    /// Set `securityContext.readOnlyRootFilesystem: true` on every
    /// container and mount `emptyDir` volumes where it writes (`/tmp`,
    /// caches).
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
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
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4",
    ///         "read_only_root_filesystem": true}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-readonly-root-fs",
    title: "Kubernetes containers should run with a read-only root filesystem",
    severity: Low,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and mount emptyDir volumes where it must write.",
    compliance: ["NIST-800-190:4.4.3", "NIST-800-190:4.4.4", "EKS-BPG:pods"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, |c| match c.read_only_root_filesystem {
            Some(true) => None,
            Some(false) => Some("readOnlyRootFilesystem=false".into()),
            None => Some("readOnlyRootFilesystem unset".into()),
        });
        verdict(
            out,
            s,
            &bad,
            "containers have a writable root filesystem",
            "every container's root filesystem is read-only",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, deployment, verdicts,
    };
    use crate::testing::{self, statuses};

    #[test]
    fn fails_naming_writable_containers() {
        let f = testing::run(
            &super::META,
            deployment(&[
                container("app", json!({"read_only_root_filesystem": true})),
                container("sidecar", json!({})),
            ]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .ends_with(": sidecar (readOnlyRootFilesystem unset)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_every_root_filesystem_is_read_only() {
        let c = container("app", json!({"read_only_root_filesystem": true}));
        assert_eq!(verdicts(&super::META, deployment(&[c])), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
