use eksposture_model::kubernetes::Container;
use eksposture_model::Graph;

use super::{capability, for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it). **fail** when a container's
    /// `securityContext.capabilities.add` names any capability other than
    /// `NET_BIND_SERVICE` (the one the `restricted` Pod Security Standard
    /// allows), naming them; `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`,
    /// `SYS_MODULE`, `NET_RAW` and `ALL` are the dangerous ones. **pass**
    /// when no container adds another. **unknown** when the cluster's API
    /// could not be read, a workload kind could not be listed, or a pod spec
    /// came without containers. What EKS installs (`aws-node` adds
    /// `NET_ADMIN`) is not judged.
    ///
    /// ## Rationale
    ///
    /// Each capability is a slice of root: `SYS_ADMIN` mounts filesystems
    /// and is the classic container escape, `NET_ADMIN` rewrites the node's
    /// routing, `SYS_PTRACE` reads other processes' memory, `NET_RAW` spoofs
    /// packets on the pod network (CIS EKS 4.2.8 and 4.2.7, NIST SP 800-190
    /// 4.4.3).
    ///
    /// ## Remediation
    ///
    /// Remove the capabilities from `capabilities.add` (bind ports above
    /// 1024 instead of adding `NET_BIND_SERVICE` where possible), drop
    /// `ALL`, and enforce the `restricted` Pod Security Standard.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4",
    ///         "capabilities_add": ["SYS_ADMIN"]}]}}]}}}}}]}}}}
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
    ///         "capabilities_add": ["NET_BIND_SERVICE"], "capabilities_drop": ["ALL"]}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-no-added-capabilities",
    title: "Kubernetes containers should not add Linux capabilities beyond NET_BIND_SERVICE",
    severity: High,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Remove the capabilities from securityContext.capabilities.add, drop ALL, and enforce the restricted Pod Security Standard.",
    compliance: ["CIS-EKS-1.8:4.2.8", "CIS-EKS-1.8:4.2.7", "NIST-800-190:4.4.3", "EKS-BPG:pods"],
}

fn added(c: &Container) -> Option<String> {
    let extra: Vec<String> = c
        .capabilities_add
        .iter()
        .map(|a| capability(a))
        .filter(|a| a != "NET_BIND_SERVICE")
        .collect();
    (!extra.is_empty()).then(|| format!("adds {}", extra.join(", ")))
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, added);
        verdict(
            out,
            s,
            &bad,
            "containers add Linux capabilities",
            "no container adds a capability beyond NET_BIND_SERVICE",
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
    fn fails_naming_added_capabilities_in_any_spelling() {
        let c = container(
            "app",
            json!({"capabilities_add": ["cap_sys_admin", "NET_RAW", "NET_BIND_SERVICE"]}),
        );
        let f = testing::run(&super::META, deployment(&[c]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("app (adds SYS_ADMIN, NET_RAW)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_only_net_bind_service() {
        let c = container("app", json!({"capabilities_add": ["NET_BIND_SERVICE"]}));
        assert_eq!(verdicts(&super::META, deployment(&[c])), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
