//! What EKS itself installs into a cluster: the node agents and
//! controllers of the default networking add-ons (`vpc-cni`'s `aws-node`,
//! `kube-proxy`, `coredns`), of the AWS-managed EKS add-ons (CSI drivers,
//! Pod Identity agent, node monitoring, GuardDuty runtime monitoring,
//! CloudWatch observability) and of EKS Auto Mode.
//!
//! The reduced inventory keeps no labels (`eks.amazonaws.com/component`,
//! `app.kubernetes.io/managed-by: EKS`), so they are recognised by
//! namespace, controller kind and name, the names the add-ons' manifests
//! give them. These run privileged, on the host network or with host
//! paths by design; judging them would fail every EKS cluster the same
//! way, so the pod checks skip them and say so in their documentation.
//! A workload that takes one of these names in one of these namespaces is
//! skipped too: the names are the add-ons' own, which a user replacing an
//! add-on keeps.

/// `(namespace, kind, name)` of what EKS installs.
const EKS_INSTALLED: &[(&str, &str, &str)] = &[
    ("kube-system", "DaemonSet", "aws-node"),
    ("kube-system", "DaemonSet", "aws-node-windows"),
    ("kube-system", "DaemonSet", "kube-proxy"),
    ("kube-system", "DaemonSet", "kube-proxy-windows"),
    ("kube-system", "DaemonSet", "ebs-csi-node"),
    ("kube-system", "DaemonSet", "ebs-csi-node-windows"),
    ("kube-system", "DaemonSet", "efs-csi-node"),
    ("kube-system", "DaemonSet", "fsx-csi-node"),
    ("kube-system", "DaemonSet", "s3-csi-node"),
    ("kube-system", "DaemonSet", "eks-pod-identity-agent"),
    ("kube-system", "DaemonSet", "eks-node-monitoring-agent"),
    ("kube-system", "Deployment", "coredns"),
    ("kube-system", "Deployment", "ebs-csi-controller"),
    ("kube-system", "Deployment", "efs-csi-controller"),
    ("kube-system", "Deployment", "fsx-csi-controller"),
    ("kube-system", "Deployment", "snapshot-controller"),
    ("amazon-guardduty", "DaemonSet", "aws-guardduty-agent"),
    ("amazon-cloudwatch", "DaemonSet", "cloudwatch-agent"),
    ("amazon-cloudwatch", "DaemonSet", "fluent-bit"),
    ("amazon-cloudwatch", "DaemonSet", "fluent-bit-windows"),
    ("amazon-cloudwatch", "DaemonSet", "dcgm-exporter"),
    ("amazon-cloudwatch", "DaemonSet", "neuron-monitor"),
    (
        "amazon-cloudwatch",
        "Deployment",
        "amazon-cloudwatch-observability-controller-manager",
    ),
];

/// Namespaces that hold what EKS installs: the namespace checks (network
/// policy, Pod Security admission) do not judge them, because the node
/// agents in them need the host and must stay reachable.
pub const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "amazon-guardduty",
    "amazon-cloudwatch",
];

/// Whether a controller (or, for a `ReplicaSet` whose Deployment could not
/// be read, the Deployment its name comes from) is one EKS installs.
pub fn installed_by_eks(namespace: &str, kind: &str, name: &str) -> bool {
    let (kind, name) = match kind {
        "ReplicaSet" => (
            "Deployment",
            super::workloads::deployment_of(name).unwrap_or(name),
        ),
        _ => (kind, name),
    };
    EKS_INSTALLED.contains(&(namespace, kind, name))
}

#[cfg(test)]
mod tests {
    use super::installed_by_eks;

    #[test]
    fn recognises_eks_add_ons_by_namespace_kind_and_name() {
        assert!(installed_by_eks("kube-system", "DaemonSet", "aws-node"));
        assert!(installed_by_eks(
            "kube-system",
            "ReplicaSet",
            "coredns-5d8f7c9b6"
        ));
        assert!(!installed_by_eks("default", "DaemonSet", "aws-node"));
        assert!(!installed_by_eks("kube-system", "Deployment", "aws-node"));
        assert!(!installed_by_eks("kube-system", "Pod", "coredns"));
    }
}
