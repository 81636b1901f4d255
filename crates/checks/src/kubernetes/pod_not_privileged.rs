use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read: the
    /// pod templates of Deployments, DaemonSets, StatefulSets, Jobs and
    /// CronJobs, and pods without a controller (a controller's pods are
    /// counted on it). **fail** when a container (init, app or ephemeral)
    /// sets `securityContext.privileged: true`, naming it; **pass**
    /// otherwise (unset is `false`). **unknown** when the cluster's API
    /// could not be read (one finding per cluster), when a workload kind
    /// could not be listed (one finding per kind and cluster), and for a
    /// workload whose pod spec came without containers.
    ///
    /// What EKS installs (`aws-node`, `kube-proxy`, the CSI drivers' node
    /// agents and the other add-ons' workloads, recognised by namespace,
    /// kind and name) is privileged by design and not judged. Fargate
    /// refuses privileged pods, so a Fargate pod can only fail here while
    /// it is pending; its spec is judged as written all the same, because
    /// the same template runs privileged on EC2 nodes once a Fargate
    /// profile stops matching it.
    ///
    /// ## Rationale
    ///
    /// A privileged container has every capability and the host's devices:
    /// it is root on the node, with the node's instance role and every other
    /// pod on it within reach (CIS EKS 4.2.1, NIST SP 800-190 4.4.3).
    ///
    /// ## Remediation
    ///
    /// Remove `privileged: true`; add only the capabilities the container
    /// needs, and enforce the `baseline` Pod Security Standard on the
    /// namespace so it cannot come back.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4", "privileged": true}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "StatefulSet": {"known": []}, "Job": {"known": []}, "CronJob": {"known": []},
    ///     "DaemonSet": {"known": [{"kind": "DaemonSet", "namespace": "kube-system", "name": "aws-node",
    ///       "spec": {"containers": [{"name": "aws-node", "image": "amazon-k8s-cni:v1.19", "privileged": true}]}}]},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4", "privileged": false}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-not-privileged",
    title: "Kubernetes containers should not run privileged",
    severity: High,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Remove securityContext.privileged: true (add only the capabilities needed) and enforce the baseline Pod Security Standard on the namespace.",
    compliance: ["CIS-EKS-1.8:4.2.1", "NIST-800-190:4.4.3", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, |c| {
            (c.privileged == Some(true)).then(|| "privileged".into())
        });
        verdict(
            out,
            s,
            &bad,
            "runs privileged containers, root on their node",
            "no container runs privileged",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{container, kube, unreachable, workload, DEPLOYMENT_API};
    use crate::testing::{self, statuses};

    #[test]
    fn fails_on_the_controller_with_its_pod_count() {
        let pod = |name: &str| {
            let mut p = workload(
                "Pod",
                "payments",
                name,
                json!({}),
                &[container("agent", json!({"privileged": true}))],
            );
            p["owner"] = json!("ReplicaSet/api-7d9f8c6b5");
            p
        };
        let f = testing::run(
            &super::META,
            kube(json!({"workloads": {
                "Deployment": {"known": [workload("Deployment", "payments", "api", json!({}),
                    &[container("app", json!({})), container("agent", json!({"privileged": true}))])]},
                "Pod": {"known": [pod("api-7d9f8c6b5-x1"), pod("api-7d9f8c6b5-x2")]}
            }})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, DEPLOYMENT_API);
        assert_eq!(
            f[0].message,
            "Deployment payments/api (2 pods): runs privileged containers, root on their node: agent (privileged)"
        );
    }

    #[test]
    fn passes_and_skips_what_eks_installs() {
        let aws_node = workload(
            "DaemonSet",
            "kube-system",
            "aws-node",
            json!({}),
            &[container("aws-node", json!({"privileged": true}))],
        );
        let api = workload(
            "Deployment",
            "payments",
            "api",
            json!({}),
            &[container("app", json!({"privileged": false}))],
        );
        let f = testing::run(
            &super::META,
            kube(
                json!({"workloads": {"DaemonSet": {"known": [aws_node]}, "Deployment": {"known": [api]}}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        let f = testing::run(&super::META, unreachable());
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("unreachable"), "{}", f[0].message);
    }
}
