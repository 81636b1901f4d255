//! Every kind the scanner reads, once: the reader lists exactly these, and
//! `eksposture permissions --kubernetes` grants exactly these (`get`,
//! `list`), so the read role and the code cannot drift apart. Secrets are
//! not here and never will be: the scanner neither lists nor gets them.

use std::fmt::Write;

/// One kind, by API group (`""` for the core group) and plural resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub group: &'static str,
    pub resource: &'static str,
}

impl Kind {
    /// As kubectl names it: `pods`, `deployments.apps`.
    pub fn name(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

const fn kind(group: &'static str, resource: &'static str) -> Kind {
    Kind { group, resource }
}

pub const NAMESPACES: Kind = kind("", "namespaces");
pub const NODES: Kind = kind("", "nodes");
pub const PODS: Kind = kind("", "pods");
pub const SERVICE_ACCOUNTS: Kind = kind("", "serviceaccounts");
pub const SERVICES: Kind = kind("", "services");
pub const DEPLOYMENTS: Kind = kind("apps", "deployments");
pub const DAEMON_SETS: Kind = kind("apps", "daemonsets");
pub const STATEFUL_SETS: Kind = kind("apps", "statefulsets");
pub const JOBS: Kind = kind("batch", "jobs");
pub const CRON_JOBS: Kind = kind("batch", "cronjobs");
pub const ROLES: Kind = kind("rbac.authorization.k8s.io", "roles");
pub const CLUSTER_ROLES: Kind = kind("rbac.authorization.k8s.io", "clusterroles");
pub const ROLE_BINDINGS: Kind = kind("rbac.authorization.k8s.io", "rolebindings");
pub const CLUSTER_ROLE_BINDINGS: Kind = kind("rbac.authorization.k8s.io", "clusterrolebindings");
pub const NETWORK_POLICIES: Kind = kind("networking.k8s.io", "networkpolicies");
pub const INGRESSES: Kind = kind("networking.k8s.io", "ingresses");
pub const VALIDATING_WEBHOOKS: Kind = kind(
    "admissionregistration.k8s.io",
    "validatingwebhookconfigurations",
);
pub const MUTATING_WEBHOOKS: Kind = kind(
    "admissionregistration.k8s.io",
    "mutatingwebhookconfigurations",
);

/// What is listed, cluster-wide.
pub const LISTED: [Kind; 18] = [
    NAMESPACES,
    NODES,
    PODS,
    SERVICE_ACCOUNTS,
    SERVICES,
    DEPLOYMENTS,
    DAEMON_SETS,
    STATEFUL_SETS,
    JOBS,
    CRON_JOBS,
    ROLES,
    CLUSTER_ROLES,
    ROLE_BINDINGS,
    CLUSTER_ROLE_BINDINGS,
    NETWORK_POLICIES,
    INGRESSES,
    VALIDATING_WEBHOOKS,
    MUTATING_WEBHOOKS,
];

/// The one ConfigMap read, by name: `kube-system/aws-auth`.
pub const AWS_AUTH: (&str, &str) = ("kube-system", "aws-auth");

/// One rule of the read role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub group: &'static str,
    pub resources: Vec<&'static str>,
    pub verbs: &'static [&'static str],
    pub resource_names: &'static [&'static str],
}

/// The read role's rules, one per API group in the order of [`LISTED`],
/// then the aws-auth ConfigMap by name.
pub fn rules() -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for k in LISTED {
        match out.iter_mut().find(|r| r.group == k.group) {
            Some(rule) => rule.resources.push(k.resource),
            None => out.push(Rule {
                group: k.group,
                resources: vec![k.resource],
                verbs: &["get", "list"],
                resource_names: &[],
            }),
        }
    }
    out.push(Rule {
        group: "",
        resources: vec!["configmaps"],
        verbs: &["get"],
        resource_names: &[AWS_AUTH.1],
    });
    out
}

/// The group the read role is bound to; an access entry's
/// `kubernetesGroups` puts the scanner's IAM role in it.
pub const READERS_GROUP: &str = "eksposture-readers";

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The ClusterRole and ClusterRoleBinding, as YAML for `kubectl apply -f -`.
pub fn read_role_yaml() -> String {
    let mut out = String::from(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: eksposture-reader\nrules:\n",
    );
    for r in rules() {
        let _ = writeln!(
            out,
            "- apiGroups: {}\n  resources: {}\n  verbs: {}",
            list(&[r.group]),
            list(&r.resources),
            list(r.verbs)
        );
        if !r.resource_names.is_empty() {
            let _ = writeln!(out, "  resourceNames: {}", list(r.resource_names));
        }
    }
    let _ = write!(
        out,
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: eksposture-reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: eksposture-reader\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: {READERS_GROUP}\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{read_role_yaml, rules, LISTED};

    #[test]
    fn the_read_role_is_read_only_and_never_names_secrets() {
        for r in rules() {
            assert!(
                r.verbs.iter().all(|v| matches!(*v, "get" | "list")),
                "{r:?}"
            );
            assert!(!r.resources.iter().any(|x| x.contains("secret")), "{r:?}");
        }
        let granted: usize = rules().iter().map(|r| r.resources.len()).sum();
        assert_eq!(
            granted,
            LISTED.len() + 1,
            "every listed kind, plus aws-auth"
        );
        let yaml = read_role_yaml();
        assert!(
            yaml.contains(
                "resources: [\"configmaps\"]\n  verbs: [\"get\"]\n  resourceNames: [\"aws-auth\"]"
            ),
            "{yaml}"
        );
        assert!(!yaml.contains("secrets") && !yaml.contains("watch") && !yaml.contains('*'));
    }
}
