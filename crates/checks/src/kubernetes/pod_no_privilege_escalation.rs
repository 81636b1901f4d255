use eksposture_model::kubernetes::Container;
use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it). **fail** when a container does not set
    /// `securityContext.allowPrivilegeEscalation: false`: unset means
    /// `true` in Kubernetes, and a privileged container always escalates.
    /// **pass** when every container sets it to `false`. **unknown** when
    /// the cluster's API could not be read, a workload kind could not be
    /// listed, or a pod spec came without containers. What EKS installs is
    /// not judged.
    ///
    /// ## Rationale
    ///
    /// Without `no_new_privs`, a process in the container can gain more
    /// privileges than its parent through setuid binaries or file
    /// capabilities: a compromised non-root process becomes root in the
    /// container, one step from the node (CIS EKS 4.2.5, NIST SP 800-190
    /// 4.4.3). The `restricted` Pod Security Standard requires `false`.
    ///
    /// ## Remediation
    ///
    /// Set `securityContext.allowPrivilegeEscalation: false` on every
    /// container and enforce the `restricted` Pod Security Standard.
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
    ///         "allow_privilege_escalation": false}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "access_denied", "message": "Unauthorized"}}}]}}}}
    /// ```
    id: "kubernetes-pod-no-privilege-escalation",
    title: "Kubernetes containers should set allowPrivilegeEscalation to false",
    severity: Medium,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container and enforce the restricted Pod Security Standard.",
    compliance: ["CIS-EKS-1.8:4.2.5", "NIST-800-190:4.4.3", "EKS-BPG:pods"],
}

fn escalates(c: &Container) -> Option<String> {
    match (c.privileged, c.allow_privilege_escalation) {
        (Some(true), _) => Some("privileged, which always escalates".into()),
        (_, Some(false)) => None,
        (_, Some(true)) => Some("allowPrivilegeEscalation=true".into()),
        (_, None) => Some("allowPrivilegeEscalation unset, which is true".into()),
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, escalates);
        verdict(
            out,
            s,
            &bad,
            "containers may gain privileges",
            "every container sets allowPrivilegeEscalation=false",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{assert_unknown_when_unreachable, container, deployment};
    use crate::testing::{self, statuses};

    #[test]
    fn fails_when_unset_or_true_or_privileged() {
        let f = testing::run(
            &super::META,
            deployment(&[
                container("a", json!({})),
                container("b", json!({"allow_privilege_escalation": true})),
                container(
                    "c",
                    json!({"allow_privilege_escalation": false, "privileged": true}),
                ),
                container("d", json!({"allow_privilege_escalation": false})),
            ]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with(": a (allowPrivilegeEscalation unset, which is true), b (allowPrivilegeEscalation=true), c (privileged, which always escalates)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_every_container_forbids_it() {
        let f = testing::run(
            &super::META,
            deployment(&[container("a", json!({"allow_privilege_escalation": false}))]),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
