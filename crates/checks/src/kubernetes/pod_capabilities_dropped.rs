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
    /// `securityContext.capabilities.drop` holds neither `ALL` nor `NET_RAW`,
    /// or when it adds `NET_RAW` back: it keeps the container runtime's
    /// default set, which includes `NET_RAW`. **pass** when every container
    /// drops `ALL` (or at least `NET_RAW`, and does not add it). **unknown**
    /// when the cluster's API could not be read, a workload kind could not
    /// be listed, or a pod spec came without containers. What EKS installs
    /// is not judged.
    ///
    /// ## Rationale
    ///
    /// containerd grants every container 14 capabilities unless told
    /// otherwise; `NET_RAW` among them lets a compromised container craft
    /// packets: ARP and DNS spoofing of its neighbours on the node
    /// (CIS EKS 4.2.7 and 4.2.9, NIST SP 800-190 4.4.3). The `restricted`
    /// Pod Security Standard requires dropping `ALL`.
    ///
    /// ## Remediation
    ///
    /// Add `capabilities: {drop: ["ALL"]}` to every container's
    /// `securityContext`, adding back only what it needs
    /// (`NET_BIND_SERVICE`).
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
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4", "capabilities_drop": ["ALL"]}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-capabilities-dropped",
    title: "Kubernetes containers should drop ALL capabilities (at least NET_RAW)",
    severity: Low,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Add capabilities: {drop: [\"ALL\"]} to every container's securityContext, adding back only NET_BIND_SERVICE where needed.",
    compliance: ["CIS-EKS-1.8:4.2.7", "CIS-EKS-1.8:4.2.9", "NIST-800-190:4.4.3", "EKS-BPG:pods"],
}

fn keeps_net_raw(c: &Container) -> Option<String> {
    let dropped: Vec<String> = c.capabilities_drop.iter().map(|d| capability(d)).collect();
    if c.capabilities_add
        .iter()
        .any(|a| matches!(capability(a).as_str(), "NET_RAW" | "ALL"))
    {
        return Some("adds NET_RAW back".into());
    }
    if dropped.iter().any(|d| d == "ALL" || d == "NET_RAW") {
        return None;
    }
    Some(if dropped.is_empty() {
        "drops nothing: keeps the runtime's defaults, NET_RAW among them".into()
    } else {
        format!("drops {} but not ALL or NET_RAW", dropped.join(", "))
    })
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, keeps_net_raw);
        verdict(
            out,
            s,
            &bad,
            "containers keep default capabilities",
            "every container drops ALL or NET_RAW",
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
    fn fails_when_nothing_or_too_little_is_dropped_or_net_raw_is_added_back() {
        for fields in [
            json!({}),
            json!({"capabilities_drop": ["SYS_ADMIN"]}),
            json!({"capabilities_drop": ["ALL"], "capabilities_add": ["NET_RAW"]}),
        ] {
            let f = testing::run(
                &super::META,
                deployment(&[container("app", fields.clone())]),
            );
            assert_eq!(statuses(&f), [Status::Fail], "{fields}");
        }
    }

    #[test]
    fn passes_when_all_or_net_raw_is_dropped() {
        for drop in [json!(["all"]), json!(["CAP_NET_RAW"])] {
            let c = container("app", json!({"capabilities_drop": drop}));
            assert_eq!(verdicts(&super::META, deployment(&[c])), [Status::Pass]);
        }
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
