//! The cluster's own half: what its Kubernetes API answered, per object
//! kind, reduced to the fields the checks use. Every kind is an
//! [`Observed`] of its own: a read role that may list pods but not roles
//! leaves only the RBAC checks `unknown`.
//!
//! Nothing here holds a Secret or a literal environment value: an
//! environment variable is kept as its name and where its value comes from,
//! and for a literal only whether it looks like a secret (decided when it
//! was read).
//!
//! Objects are identified by their API path under the cluster's ARN
//! ([`object_id`]), e.g.
//! `arn:aws:eks:us-east-1:111122223333:cluster/prod/apis/apps/v1/namespaces/payments/deployments/api`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::observed::Observed;

/// What one cluster's Kubernetes API answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kubernetes {
    /// How the scanner authenticated: `eks-token` (a token made from the
    /// scan's own AWS credentials) or `kubeconfig:<context>`.
    pub connection: String,
    /// `GET /version`'s `gitVersion`.
    #[serde(default)]
    pub server_version: Option<String>,
    #[serde(default)]
    pub namespaces: Observed<Vec<Namespace>>,
    #[serde(default)]
    pub nodes: Observed<Vec<Node>>,
    /// Pods and the pod templates of Deployments, DaemonSets, StatefulSets,
    /// Jobs and CronJobs, by kind (`Pod`, `Deployment`, ...): a kind the
    /// server does not serve (CronJob `batch/v1` before 1.21) or may not be
    /// read is a gap of its own.
    #[serde(default)]
    pub workloads: BTreeMap<String, Observed<Vec<Workload>>>,
    #[serde(default)]
    pub service_accounts: Observed<Vec<ServiceAccount>>,
    #[serde(default)]
    pub roles: Observed<Vec<Role>>,
    #[serde(default)]
    pub cluster_roles: Observed<Vec<Role>>,
    #[serde(default)]
    pub role_bindings: Observed<Vec<RoleBinding>>,
    #[serde(default)]
    pub cluster_role_bindings: Observed<Vec<RoleBinding>>,
    #[serde(default)]
    pub network_policies: Observed<Vec<NetworkPolicy>>,
    #[serde(default)]
    pub services: Observed<Vec<Service>>,
    #[serde(default)]
    pub ingresses: Observed<Vec<Ingress>>,
    /// Names of the validating and mutating admission webhook
    /// configurations (to recognise a policy engine).
    #[serde(default)]
    pub admission_webhooks: Observed<Vec<String>>,
}

impl Kubernetes {
    /// Per kind read, its gap or `None` when it was read.
    pub fn kind_gaps(&self) -> Vec<Option<&crate::Gap>> {
        [
            self.namespaces.gap(),
            self.nodes.gap(),
            self.service_accounts.gap(),
            self.roles.gap(),
            self.cluster_roles.gap(),
            self.role_bindings.gap(),
            self.cluster_role_bindings.gap(),
            self.network_policies.gap(),
            self.services.gap(),
            self.ingresses.gap(),
            self.admission_webhooks.gap(),
        ]
        .into_iter()
        .chain(self.workloads.values().map(Observed::gap))
        .collect()
    }

    /// The gap of every kind that could not be read.
    pub fn gaps(&self) -> Vec<&crate::Gap> {
        self.kind_gaps().into_iter().flatten().collect()
    }
}

/// `<cluster ARN>/<API path>` of an object: `api/v1/...` for the core group,
/// `apis/<group>/<version>/...` for the others; namespaced kinds carry
/// `namespaces/<ns>/`.
pub fn object_id(
    cluster_arn: &str,
    api_version: &str,
    plural: &str,
    namespace: Option<&str>,
    name: &str,
) -> String {
    let prefix = if api_version.contains('/') {
        "apis"
    } else {
        "api"
    };
    match namespace {
        Some(ns) => format!("{cluster_arn}/{prefix}/{api_version}/namespaces/{ns}/{plural}/{name}"),
        None => format!("{cluster_arn}/{prefix}/{api_version}/{plural}/{name}"),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Namespace {
    pub name: String,
    /// Only the `pod-security.kubernetes.io/*` labels.
    pub pod_security: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    pub name: String,
    /// `spec.providerID`, e.g. `aws:///us-east-1a/i-0123456789abcdef0`.
    pub provider_id: Option<String>,
    /// The EC2 instance id from the provider id.
    pub instance_id: Option<String>,
    /// `eks.amazonaws.com/nodegroup`.
    pub nodegroup: Option<String>,
    /// `eks.amazonaws.com/compute-type` (`fargate`, `auto`, ...).
    pub compute_type: Option<String>,
    /// `status.nodeInfo.kubeletVersion`.
    pub kubelet_version: Option<String>,
}

/// A pod, or the pod template of a controller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workload {
    /// `Pod`, `Deployment`, `DaemonSet`, `StatefulSet`, `Job`, `CronJob`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// A pod's controlling owner (`ReplicaSet`, `DaemonSet`, `Job`, ...),
    /// `kind/name`; findings on owned pods are reported on the controller.
    pub owner: Option<String>,
    /// A pod's node.
    pub node_name: Option<String>,
    pub spec: PodSpec,
    /// A pod's `status.containerStatuses[].imageID`, by container name.
    pub image_ids: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PodSpec {
    /// `serviceAccountName` (`default` when unset).
    pub service_account: String,
    pub automount_service_account_token: Option<bool>,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    /// Pod-level `securityContext.runAsNonRoot` / `runAsUser`.
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    /// `hostPath` volumes: volume name → path.
    pub host_paths: BTreeMap<String, String>,
    /// Init containers first, then containers, then ephemeral ones.
    pub containers: Vec<Container>,
    /// `nodeSelector`/affinity to Fargate is not visible here; a pod's
    /// `schedulerName` `fargate-scheduler` is.
    pub scheduler_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Container {
    pub name: String,
    /// `init`, `app` or `ephemeral`.
    pub role: String,
    pub image: String,
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub read_only_root_filesystem: Option<bool>,
    pub capabilities_add: Vec<String>,
    pub capabilities_drop: Vec<String>,
    pub env: Vec<EnvVar>,
    /// `envFrom` sources: `secret/<name>` or `configMap/<name>`.
    pub env_from: Vec<String>,
    /// Volume names mounted, with their mount paths.
    pub volume_mounts: BTreeMap<String, String>,
}

/// An environment variable: its name and where the value comes from, never
/// the value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvVar {
    pub name: String,
    /// `literal`, `secretKeyRef`, `configMapKeyRef`, `fieldRef`,
    /// `resourceFieldRef`.
    pub source: String,
    /// For a literal: whether it looks like a secret, decided when read.
    pub looks_secret: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
    /// `eks.amazonaws.com/role-arn`.
    pub role_arn: Option<String>,
    pub automount_service_account_token: Option<bool>,
}

/// A Role (namespaced) or ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<PolicyRule>,
    /// A ClusterRole aggregated from others by label selectors: its rules
    /// are filled in by the controller manager.
    pub aggregated: bool,
    /// Labels that mark what EKS or Kubernetes installs
    /// (`kubernetes.io/bootstrapping`, `eks.amazonaws.com/component`).
    pub system: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleBinding {
    pub namespace: Option<String>,
    pub name: String,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    pub role_name: String,
    pub subjects: Vec<Subject>,
    pub system: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkPolicy {
    pub namespace: String,
    pub name: String,
    /// `spec.podSelector` is empty: the policy selects every pod of its
    /// namespace.
    pub selects_all_pods: bool,
    /// `Ingress`, `Egress`.
    pub policy_types: Vec<String>,
    pub ingress_rules: usize,
    pub egress_rules: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub kind: String,
    pub selector: BTreeMap<String, String>,
    /// The `service.beta.kubernetes.io/aws-load-balancer-*` and
    /// `service.kubernetes.io/*` annotations.
    pub annotations: BTreeMap<String, String>,
    pub load_balancer_source_ranges: Vec<String>,
    /// `status.loadBalancer.ingress[].hostname`.
    pub load_balancer_hostnames: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ingress {
    pub namespace: String,
    pub name: String,
    pub class: Option<String>,
    /// The `alb.ingress.kubernetes.io/*` annotations.
    pub annotations: BTreeMap<String, String>,
    /// Backend service names.
    pub backends: Vec<String>,
    pub load_balancer_hostnames: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::object_id;

    #[test]
    fn ids_are_api_paths_under_the_cluster() {
        let c = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
        assert_eq!(
            object_id(c, "apps/v1", "deployments", Some("payments"), "api"),
            "arn:aws:eks:us-east-1:111122223333:cluster/prod/apis/apps/v1/namespaces/payments/deployments/api"
        );
        assert_eq!(
            object_id(c, "v1", "nodes", None, "ip-10-0-1-2"),
            "arn:aws:eks:us-east-1:111122223333:cluster/prod/api/v1/nodes/ip-10-0-1-2"
        );
    }
}
