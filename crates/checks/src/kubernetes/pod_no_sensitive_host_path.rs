use eksposture_model::Graph;

use super::{for_each_workload, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it): its `hostPath` volumes. **fail** when one is a
    /// sensitive path of the node, naming the volume and path: the host's
    /// root `/`, `/etc`, `/root`, `/home`, `/boot`, the container runtime
    /// sockets (`/var/run/docker.sock`, `/run/containerd/containerd.sock`,
    /// `/var/run/crio/crio.sock`, `/var/run/dockershim.sock`) and their
    /// directories, or anything under `/proc`, `/sys`, `/dev`,
    /// `/var/lib/kubelet`, `/etc/kubernetes`, `/var/lib/containerd`,
    /// `/var/lib/docker` or `/var/log`; a parent of any of these (`/var`,
    /// `/run`) fails too. Other host paths (`/etc/ssl/certs`, `/tmp`) pass.
    /// **pass** when it has no such volume. **unknown** when the cluster's
    /// API could not be read, a workload kind could not be listed, or a pod
    /// spec came without containers. What EKS installs (the CNI and CSI
    /// node agents mount host paths by design) is not judged; Fargate
    /// refuses `hostPath` volumes, and a Fargate pod's spec is judged as
    /// written.
    ///
    /// ## Rationale
    ///
    /// The runtime socket starts a privileged container on the node; the
    /// kubelet's directory holds every pod's service-account tokens and
    /// secrets; `/etc` and `/` rewrite the node; `/var/log` with a symlink
    /// reads any file of the node. Each is a node takeover from one pod
    /// (NIST SP 800-190 4.4.3 and 4.5.4, EKS Best Practices Guide, pod
    /// security).
    ///
    /// ## Remediation
    ///
    /// Replace `hostPath` volumes with `emptyDir`, ConfigMaps, CSI volumes
    /// or the Kubernetes API; where a node agent truly needs one, mount the
    /// narrowest path `readOnly` and isolate the agent in its own namespace.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "DaemonSet": {"known": [{"kind": "DaemonSet", "namespace": "ci", "name": "builder",
    ///       "spec": {"host_paths": {"sock": "/var/run/docker.sock"},
    ///         "containers": [{"name": "build", "image": "docker:27"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "Deployment": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "DaemonSet": {"known": [{"kind": "DaemonSet", "namespace": "monitoring", "name": "agent",
    ///       "spec": {"host_paths": {"certs": "/etc/ssl/certs"},
    ///         "containers": [{"name": "agent", "image": "agent:2"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-no-sensitive-host-path",
    title: "Kubernetes pods should not mount sensitive node paths or container runtime sockets",
    severity: High,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Replace hostPath volumes with emptyDir, ConfigMaps or CSI volumes; where a node agent needs one, mount the narrowest path readOnly.",
    compliance: ["NIST-800-190:4.4.3", "NIST-800-190:4.5.4", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

/// Paths that are sensitive themselves (and so are their parents).
const EXACT: &[&str] = &[
    "/",
    "/etc",
    "/root",
    "/home",
    "/boot",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/dockershim.sock",
];

/// Trees that are sensitive with everything under them.
const TREES: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/log",
    "/run/containerd",
    "/var/run/containerd",
    "/run/crio",
    "/var/run/crio",
];

/// Whether a host path is, contains or lies under a sensitive one.
pub fn sensitive(path: &str) -> bool {
    let trimmed = path.trim().trim_end_matches('/');
    let p = if trimmed.is_empty() { "/" } else { trimmed };
    let under =
        |parent: &str, child: &str| parent == "/" || child.starts_with(&format!("{parent}/"));
    EXACT.iter().chain(TREES).any(|s| p == *s || under(p, s)) || TREES.iter().any(|t| under(t, p))
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad: Vec<String> = s
            .spec
            .host_paths
            .iter()
            .filter(|(_, path)| sensitive(path))
            .map(|(volume, path)| format!("{volume} ({path})"))
            .collect();
        verdict(
            out,
            s,
            &bad,
            "mounts sensitive node paths",
            "mounts no sensitive node path",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use super::sensitive;
    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, verdicts, workload, workloads,
    };
    use crate::testing::{self, statuses};

    #[test]
    fn knows_sockets_trees_and_their_parents() {
        for p in [
            "/",
            "/etc/",
            "/var/run/docker.sock",
            "/var",
            "/run",
            "/var/lib/kubelet/pods",
            "/proc/1",
            "/var/log",
        ] {
            assert!(sensitive(p), "{p}");
        }
        for p in ["/etc/ssl/certs", "/tmp", "/var/lib/app", "/opt/data"] {
            assert!(!sensitive(p), "{p}");
        }
    }

    #[test]
    fn fails_naming_the_volume_and_path() {
        let d = workload(
            "DaemonSet",
            "ci",
            "builder",
            json!({"host_paths": {"sock": "/run/containerd/containerd.sock"}}),
            &[container("b", json!({}))],
        );
        let f = testing::run(&super::META, workloads("DaemonSet", &[d]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .ends_with("sock (/run/containerd/containerd.sock)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_harmless_host_paths() {
        let d = workload(
            "DaemonSet",
            "m",
            "agent",
            json!({"host_paths": {"tmp": "/tmp"}}),
            &[container("a", json!({}))],
        );
        assert_eq!(
            verdicts(&super::META, workloads("DaemonSet", &[d])),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
