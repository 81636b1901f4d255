use eksposture_model::kubernetes::{Container, PodSpec};
use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it), container by container, with the container's
    /// `securityContext` overriding the pod's. **fail** when the effective
    /// `runAsUser` is 0, or when neither `runAsNonRoot: true` nor a non-zero
    /// `runAsUser` is set (the container then runs as the image's `USER`,
    /// which the API does not show and which is root unless the image says
    /// otherwise). **pass** when every container has `runAsNonRoot: true`
    /// (the kubelet then refuses to start it as UID 0) or a non-zero
    /// `runAsUser`. **unknown** when the cluster's API could not be read, a
    /// workload kind could not be listed, or a pod spec came without
    /// containers. What EKS installs is not judged.
    ///
    /// ## Rationale
    ///
    /// Root in a container is root on the node as soon as one isolation
    /// layer fails (a kernel bug, a writable host mount, an added
    /// capability), and root owns every file of the container's image
    /// (CIS EKS 4.2.6, NIST SP 800-190 4.4.3).
    ///
    /// ## Remediation
    ///
    /// Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser`
    /// on the pod (or each container), build images with a numeric non-root
    /// `USER`, and enforce the `restricted` Pod Security Standard.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"run_as_non_root": true,
    ///         "containers": [{"name": "app", "image": "api:1.4", "run_as_user": 0}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"run_as_non_root": true, "run_as_user": 10001,
    ///         "containers": [{"name": "app", "image": "api:1.4"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-non-root",
    title: "Kubernetes containers should run as a non-root user",
    severity: Medium,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser on the pod or each container, and enforce the restricted Pod Security Standard.",
    compliance: ["CIS-EKS-1.8:4.2.6", "NIST-800-190:4.4.3", "NIST-800-190:4.1.2", "EKS-BPG:pods"],
}

fn root(pod: &PodSpec, c: &Container) -> Option<String> {
    let uid = c.run_as_user.or(pod.run_as_user);
    let non_root = c.run_as_non_root.or(pod.run_as_non_root);
    match (uid, non_root) {
        (Some(0), _) => Some("runAsUser 0".into()),
        (_, Some(true)) | (Some(_), _) => None,
        (None, _) => {
            Some("no runAsNonRoot and no runAsUser: the image's USER, root by default".into())
        }
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, |c| root(s.spec, c));
        verdict(
            out,
            s,
            &bad,
            "containers may run as root",
            "every container runs as a non-root user",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, workload, workloads,
    };
    use crate::testing::{self, statuses};

    fn run(pod: serde_json::Value, c: serde_json::Value) -> Vec<eksposture_model::Finding> {
        let sts = workload("StatefulSet", "data", "db", pod, &[container("db", c)]);
        testing::run(&super::META, workloads("StatefulSet", &[sts]))
    }

    #[test]
    fn fails_on_uid_zero_or_nothing_set() {
        let f = run(json!({"run_as_non_root": true}), json!({"run_as_user": 0}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("db (runAsUser 0)"),
            "{}",
            f[0].message
        );
        assert_eq!(statuses(&run(json!({}), json!({}))), [Status::Fail]);
        let overridden = run(
            json!({"run_as_non_root": true}),
            json!({"run_as_non_root": false}),
        );
        assert_eq!(statuses(&overridden), [Status::Fail]);
    }

    #[test]
    fn passes_with_run_as_non_root_or_a_non_zero_uid_at_either_level() {
        assert_eq!(
            statuses(&run(json!({"run_as_non_root": true}), json!({}))),
            [Status::Pass]
        );
        assert_eq!(
            statuses(&run(json!({}), json!({"run_as_user": 1000}))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
