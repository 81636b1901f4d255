//! API objects to the inventory's reduced types: only what the checks use
//! is kept, and nothing of a Secret or of a literal environment value.

use std::collections::BTreeMap;

use eksposture_model::kubernetes as m;
use eksposture_model::secrets::scan_env;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Labels EKS and Kubernetes put on what they install themselves.
const SYSTEM_LABELS: [(&str, Option<&str>); 2] = [
    ("kubernetes.io/bootstrapping", Some("rbac-defaults")),
    ("eks.amazonaws.com/component", None),
];

fn name(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn namespace(meta: &ObjectMeta) -> String {
    meta.namespace.clone().unwrap_or_default()
}

fn is_system(meta: &ObjectMeta) -> bool {
    let labels = meta.labels.as_ref();
    SYSTEM_LABELS.iter().any(|(k, v)| {
        labels
            .and_then(|l| l.get(*k))
            .is_some_and(|value| v.is_none_or(|v| v == value))
    })
}

fn annotations_with(meta: &ObjectMeta, prefixes: &[&str]) -> BTreeMap<String, String> {
    meta.annotations
        .iter()
        .flatten()
        .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub fn namespace_of(ns: core::Namespace) -> m::Namespace {
    m::Namespace {
        name: name(&ns.metadata),
        pod_security: ns
            .metadata
            .labels
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.starts_with("pod-security.kubernetes.io/"))
            .collect(),
    }
}

/// `aws:///us-east-1a/i-0123456789abcdef0` → `i-0123456789abcdef0`.
pub fn instance_id(provider_id: &str) -> Option<String> {
    let rest = provider_id.strip_prefix("aws://")?;
    let id = rest.rsplit('/').next()?;
    id.starts_with("i-").then(|| id.to_string())
}

pub fn node_of(node: core::Node) -> m::Node {
    let label = |k: &str| {
        node.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(k))
            .cloned()
    };
    let provider_id = node.spec.as_ref().and_then(|s| s.provider_id.clone());
    m::Node {
        name: name(&node.metadata),
        instance_id: provider_id.as_deref().and_then(instance_id),
        provider_id,
        nodegroup: label("eks.amazonaws.com/nodegroup"),
        compute_type: label("eks.amazonaws.com/compute-type"),
        kubelet_version: node
            .status
            .and_then(|s| s.node_info)
            .map(|i| i.kubelet_version),
    }
}

fn env_of(env: Vec<core::EnvVar>) -> Vec<m::EnvVar> {
    env.into_iter()
        .map(|e| {
            let (source, looks_secret) = match (&e.value, &e.value_from) {
                (_, Some(from)) if from.secret_key_ref.is_some() => ("secretKeyRef", false),
                (_, Some(from)) if from.config_map_key_ref.is_some() => ("configMapKeyRef", false),
                (_, Some(from)) if from.field_ref.is_some() => ("fieldRef", false),
                (_, Some(_)) => ("resourceFieldRef", false),
                (value, None) => (
                    "literal",
                    scan_env(&e.name, value.as_deref().unwrap_or_default()).is_some(),
                ),
            };
            m::EnvVar {
                name: e.name,
                source: source.to_string(),
                looks_secret,
            }
        })
        .collect()
}

fn env_from_of(sources: Vec<core::EnvFromSource>) -> Vec<String> {
    sources
        .into_iter()
        .filter_map(|s| match (s.secret_ref, s.config_map_ref) {
            (Some(secret), _) => Some(format!("secret/{}", secret.name)),
            (None, Some(cm)) => Some(format!("configMap/{}", cm.name)),
            (None, None) => None,
        })
        .collect()
}

struct ContainerParts {
    name: String,
    image: Option<String>,
    security: Option<core::SecurityContext>,
    env: Option<Vec<core::EnvVar>>,
    env_from: Option<Vec<core::EnvFromSource>>,
    mounts: Option<Vec<core::VolumeMount>>,
}

fn container_of(role: &str, c: ContainerParts) -> m::Container {
    let sc = c.security.unwrap_or_default();
    let caps = sc.capabilities.unwrap_or_default();
    m::Container {
        name: c.name,
        role: role.to_string(),
        image: c.image.unwrap_or_default(),
        privileged: sc.privileged,
        allow_privilege_escalation: sc.allow_privilege_escalation,
        run_as_non_root: sc.run_as_non_root,
        run_as_user: sc.run_as_user,
        read_only_root_filesystem: sc.read_only_root_filesystem,
        capabilities_add: caps.add.unwrap_or_default(),
        capabilities_drop: caps.drop.unwrap_or_default(),
        env: env_of(c.env.unwrap_or_default()),
        env_from: env_from_of(c.env_from.unwrap_or_default()),
        volume_mounts: c
            .mounts
            .into_iter()
            .flatten()
            .map(|m| (m.name, m.mount_path))
            .collect(),
    }
}

fn parts(c: core::Container) -> ContainerParts {
    ContainerParts {
        name: c.name,
        image: c.image,
        security: c.security_context,
        env: c.env,
        env_from: c.env_from,
        mounts: c.volume_mounts,
    }
}

pub fn pod_spec_of(spec: core::PodSpec) -> m::PodSpec {
    let psc = spec.security_context.unwrap_or_default();
    let mut containers: Vec<m::Container> = spec
        .init_containers
        .into_iter()
        .flatten()
        .map(|c| container_of("init", parts(c)))
        .collect();
    containers.extend(
        spec.containers
            .into_iter()
            .map(|c| container_of("app", parts(c))),
    );
    containers.extend(spec.ephemeral_containers.into_iter().flatten().map(|c| {
        container_of(
            "ephemeral",
            ContainerParts {
                name: c.name,
                image: c.image,
                security: c.security_context,
                env: c.env,
                env_from: c.env_from,
                mounts: c.volume_mounts,
            },
        )
    }));
    m::PodSpec {
        // `serviceAccount` is the deprecated alias the API still fills.
        service_account: spec
            .service_account_name
            .or(spec.service_account)
            .unwrap_or_else(|| "default".to_string()),
        automount_service_account_token: spec.automount_service_account_token,
        host_network: spec.host_network.unwrap_or(false),
        host_pid: spec.host_pid.unwrap_or(false),
        host_ipc: spec.host_ipc.unwrap_or(false),
        run_as_non_root: psc.run_as_non_root,
        run_as_user: psc.run_as_user,
        host_paths: spec
            .volumes
            .into_iter()
            .flatten()
            .filter_map(|v| v.host_path.map(|h| (v.name, h.path)))
            .collect(),
        containers,
        scheduler_name: spec.scheduler_name,
    }
}

fn template(kind: &str, meta: &ObjectMeta, spec: Option<core::PodSpec>) -> m::Workload {
    m::Workload {
        kind: kind.to_string(),
        namespace: namespace(meta),
        name: name(meta),
        spec: spec.map(pod_spec_of).unwrap_or_default(),
        ..m::Workload::default()
    }
}

pub fn pod_of(pod: core::Pod) -> m::Workload {
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name));
    let image_ids = pod
        .status
        .as_ref()
        .into_iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .filter(|c| !c.image_id.is_empty())
        .map(|c| (c.name.clone(), c.image_id.clone()))
        .collect();
    m::Workload {
        owner,
        node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        image_ids,
        ..template("Pod", &pod.metadata, pod.spec)
    }
}

pub fn deployment_of(d: Deployment) -> m::Workload {
    template(
        "Deployment",
        &d.metadata,
        d.spec.and_then(|s| s.template.spec),
    )
}

pub fn daemon_set_of(d: DaemonSet) -> m::Workload {
    template(
        "DaemonSet",
        &d.metadata,
        d.spec.and_then(|s| s.template.spec),
    )
}

pub fn stateful_set_of(s: StatefulSet) -> m::Workload {
    template(
        "StatefulSet",
        &s.metadata,
        s.spec.and_then(|s| s.template.spec),
    )
}

pub fn job_of(j: Job) -> m::Workload {
    template("Job", &j.metadata, j.spec.and_then(|s| s.template.spec))
}

pub fn cron_job_of(c: CronJob) -> m::Workload {
    template(
        "CronJob",
        &c.metadata,
        c.spec
            .and_then(|s| s.job_template.spec)
            .and_then(|s| s.template.spec),
    )
}

pub fn service_account_of(sa: core::ServiceAccount) -> m::ServiceAccount {
    let meta = sa.metadata;
    m::ServiceAccount {
        namespace: namespace(&meta),
        name: name(&meta),
        role_arn: meta
            .annotations
            .and_then(|mut a| a.remove("eks.amazonaws.com/role-arn")),
        automount_service_account_token: sa.automount_service_account_token,
    }
}

fn rules_of(rules: Option<Vec<rbac::PolicyRule>>) -> Vec<m::PolicyRule> {
    rules
        .into_iter()
        .flatten()
        .map(|r| m::PolicyRule {
            api_groups: r.api_groups.unwrap_or_default(),
            resources: r.resources.unwrap_or_default(),
            verbs: r.verbs,
            resource_names: r.resource_names.unwrap_or_default(),
            non_resource_urls: r.non_resource_urls.unwrap_or_default(),
        })
        .collect()
}

pub fn role_of(r: rbac::Role) -> m::Role {
    m::Role {
        namespace: r.metadata.namespace.clone(),
        name: name(&r.metadata),
        system: is_system(&r.metadata),
        rules: rules_of(r.rules),
        aggregated: false,
    }
}

pub fn cluster_role_of(r: rbac::ClusterRole) -> m::Role {
    m::Role {
        namespace: None,
        name: name(&r.metadata),
        system: is_system(&r.metadata),
        rules: rules_of(r.rules),
        aggregated: r.aggregation_rule.is_some(),
    }
}

fn subjects_of(subjects: Option<Vec<rbac::Subject>>) -> Vec<m::Subject> {
    subjects
        .into_iter()
        .flatten()
        .map(|s| m::Subject {
            kind: s.kind,
            name: s.name,
            namespace: s.namespace,
        })
        .collect()
}

fn binding(
    meta: &ObjectMeta,
    role_ref: rbac::RoleRef,
    subjects: Option<Vec<rbac::Subject>>,
) -> m::RoleBinding {
    m::RoleBinding {
        namespace: meta.namespace.clone(),
        name: name(meta),
        system: is_system(meta),
        role_kind: role_ref.kind,
        role_name: role_ref.name,
        subjects: subjects_of(subjects),
    }
}

pub fn role_binding_of(b: rbac::RoleBinding) -> m::RoleBinding {
    binding(&b.metadata, b.role_ref, b.subjects)
}

/// A ClusterRoleBinding has no namespace (its metadata carries none).
pub fn cluster_role_binding_of(b: rbac::ClusterRoleBinding) -> m::RoleBinding {
    binding(&b.metadata, b.role_ref, b.subjects)
}

pub fn network_policy_of(p: net::NetworkPolicy) -> m::NetworkPolicy {
    let spec = p.spec.unwrap_or_default();
    let selector = spec.pod_selector.unwrap_or_default();
    m::NetworkPolicy {
        namespace: namespace(&p.metadata),
        name: name(&p.metadata),
        selects_all_pods: selector
            .match_labels
            .as_ref()
            .is_none_or(BTreeMap::is_empty)
            && selector
                .match_expressions
                .as_ref()
                .is_none_or(Vec::is_empty),
        // Unset, the types are Ingress, plus Egress when egress rules exist.
        policy_types: spec.policy_types.unwrap_or_else(|| {
            let mut t = vec!["Ingress".to_string()];
            if spec.egress.is_some() {
                t.push("Egress".to_string());
            }
            t
        }),
        ingress_rules: spec.ingress.map_or(0, |r| r.len()),
        egress_rules: spec.egress.map_or(0, |r| r.len()),
    }
}

fn lb_hostnames(ingress: Option<Vec<core::LoadBalancerIngress>>) -> Vec<String> {
    ingress
        .into_iter()
        .flatten()
        .filter_map(|i| i.hostname.or(i.ip))
        .collect()
}

pub fn service_of(s: core::Service) -> m::Service {
    let spec = s.spec.unwrap_or_default();
    m::Service {
        namespace: namespace(&s.metadata),
        name: name(&s.metadata),
        annotations: annotations_with(
            &s.metadata,
            &[
                "service.beta.kubernetes.io/aws-load-balancer-",
                "service.kubernetes.io/",
            ],
        ),
        kind: spec.type_.unwrap_or_else(|| "ClusterIP".to_string()),
        selector: spec.selector.unwrap_or_default(),
        load_balancer_source_ranges: spec.load_balancer_source_ranges.unwrap_or_default(),
        load_balancer_hostnames: lb_hostnames(
            s.status
                .and_then(|st| st.load_balancer)
                .and_then(|lb| lb.ingress),
        ),
    }
}

pub fn ingress_of(i: net::Ingress) -> m::Ingress {
    let spec = i.spec.unwrap_or_default();
    let mut backends: Vec<String> = spec
        .rules
        .iter()
        .flatten()
        .filter_map(|r| r.http.as_ref())
        .flat_map(|h| h.paths.iter())
        .filter_map(|p| p.backend.service.as_ref().map(|s| s.name.clone()))
        .chain(
            spec.default_backend
                .as_ref()
                .and_then(|b| b.service.as_ref())
                .map(|s| s.name.clone()),
        )
        .collect();
    backends.sort();
    backends.dedup();
    m::Ingress {
        namespace: namespace(&i.metadata),
        name: name(&i.metadata),
        annotations: annotations_with(&i.metadata, &["alb.ingress.kubernetes.io/"]),
        class: spec.ingress_class_name.or_else(|| {
            // The annotation that preceded `ingressClassName`.
            i.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/ingress.class"))
                .cloned()
        }),
        backends,
        load_balancer_hostnames: lb_hostnames(
            i.status
                .and_then(|s| s.load_balancer)
                .and_then(|lb| lb.ingress)
                .map(|v| {
                    v.into_iter()
                        .map(|x| core::LoadBalancerIngress {
                            hostname: x.hostname,
                            ip: x.ip,
                            ..Default::default()
                        })
                        .collect()
                }),
        ),
    }
}
