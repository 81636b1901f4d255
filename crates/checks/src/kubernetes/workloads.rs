//! The workloads the pod checks judge, one per controller: pods and
//! controllers' pod templates resolved through their owners.

use std::collections::BTreeMap;

use eksposture_model::graph::ClusterView;
use eksposture_model::kubernetes::{object_id, Container, PodSpec, Workload};
use eksposture_model::{Evidence, Gap, Kubernetes, Observed, ResourceRef};

use super::system::installed_by_eks;
use crate::support::cluster_evidence;

/// The resource type of pods and controllers (`Other` in ASFF, with this
/// name as `eksposture/ResourceType`).
pub const WORKLOAD_TYPE: &str = "KubernetesWorkload";

/// The kinds the collector reads pod specs of: pods, then the controllers
/// whose pod templates stand for their pods.
pub const KINDS: [&str; 6] = [
    "Pod",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
];

/// `(apiVersion, plural)` of a workload kind.
pub fn api_of(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "Pod" => ("v1", "pods"),
        "Deployment" => ("apps/v1", "deployments"),
        "DaemonSet" => ("apps/v1", "daemonsets"),
        "StatefulSet" => ("apps/v1", "statefulsets"),
        "ReplicaSet" => ("apps/v1", "replicasets"),
        "Job" => ("batch/v1", "jobs"),
        "CronJob" => ("batch/v1", "cronjobs"),
        _ => return None,
    })
}

/// One thing the pod checks judge: a controller's pod template, the pods
/// of an owner whose template was not read (judged by the first pod's
/// spec), or a pod without a controller.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub cluster: ClusterView<'a>,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub spec: &'a PodSpec,
    /// Running pods it stands for (1 for a pod judged alone); `None` when
    /// the cluster's pods could not be listed.
    pub pods: Option<usize>,
    /// A pod judged alone: its owner (`Node/<name>` for a static pod's
    /// mirror, a custom resource), if it has one.
    pub owner: Option<&'a str>,
}

impl Subject<'_> {
    /// `<cluster ARN>/<API path>` of the object.
    pub fn id(&self) -> String {
        let (version, plural) = api_of(self.kind).unwrap_or(("v1", "pods"));
        object_id(
            &self.cluster.cluster.arn,
            version,
            plural,
            Some(self.namespace),
            self.name,
        )
    }

    pub fn resource(&self) -> ResourceRef {
        ResourceRef::new(WORKLOAD_TYPE, self.id(), self.cluster.region)
    }

    /// `Deployment payments/api (3 pods)`, `Pod default/debug`.
    pub fn label(&self) -> String {
        let pods = match (self.kind, self.pods) {
            ("Pod", _) | (_, None) => String::new(),
            (_, Some(1)) => " (1 pod)".to_string(),
            (_, Some(n)) => format!(" ({n} pods)"),
        };
        format!("{} {}/{}{pods}", self.kind, self.namespace, self.name)
    }

    /// The cluster, then the workload.
    pub fn evidence(&self) -> Vec<Evidence> {
        let what = match self.kind {
            "Pod" => format!(
                "pod {}/{} of cluster {}, {}{}",
                self.namespace,
                self.name,
                self.cluster.cluster.name,
                self.owner.map_or_else(
                    || "without a controller".to_string(),
                    |o| format!("owned by {o}")
                ),
                if self.on_fargate() {
                    ", on Fargate"
                } else {
                    ""
                }
            ),
            kind => format!(
                "{kind} {}/{} of cluster {}, {}",
                self.namespace,
                self.name,
                self.cluster.cluster.name,
                self.pods.map_or_else(
                    || "running pods not listed".to_string(),
                    |n| format!("{n} running pod(s)")
                )
            ),
        };
        vec![
            cluster_evidence(&self.cluster),
            Evidence::new(WORKLOAD_TYPE, self.id(), what),
        ]
    }

    /// Whether the pod was scheduled by EKS's Fargate scheduler.
    pub fn on_fargate(&self) -> bool {
        self.spec.scheduler_name.as_deref() == Some("fargate-scheduler")
    }
}

/// `container (detail)` for each container `judge` has something to say about.
pub fn offenders(
    spec: &PodSpec,
    mut judge: impl FnMut(&Container) -> Option<String>,
) -> Vec<String> {
    spec.containers
        .iter()
        .filter_map(|c| judge(c).map(|d| format!("{} ({d})", c.name)))
        .collect()
}

/// A kind whose list could not be read, with its gap (a kind absent from
/// the inventory is unread, never empty).
pub struct Unread<'a> {
    pub kind: &'static str,
    pub gap: Gap,
    pub cluster: ClusterView<'a>,
}

impl Unread<'_> {
    /// The kind's list across the cluster, `<cluster ARN>/apis/apps/v1/deployments`.
    pub fn resource(&self) -> ResourceRef {
        let (version, plural) = api_of(self.kind).unwrap_or(("v1", "pods"));
        let prefix = if version.contains('/') { "apis" } else { "api" };
        let id = format!("{}/{prefix}/{version}/{plural}", self.cluster.cluster.arn);
        ResourceRef::new(WORKLOAD_TYPE, id, self.cluster.region)
    }

    pub fn what(&self) -> String {
        let covered = if self.kind == "Pod" {
            "pods without a controller are not judged, and controllers' pod counts are missing"
        } else {
            "their pod templates are not judged"
        };
        format!(
            "the {}s of cluster {} ({covered})",
            self.kind, self.cluster.cluster.name
        )
    }

    /// For the namespace checks: the namespaces the kind's objects occupy.
    pub fn namespaces_what(&self) -> String {
        format!(
            "the {}s of cluster {} (and so the namespaces they occupy)",
            self.kind, self.cluster.cluster.name
        )
    }
}

/// A Job a CronJob created, named `<cronjob>-<scheduled time in minutes>`:
/// the CronJob it belongs to, when that CronJob was read.
fn cron_parent<'a>(templates: &Templates<'a>, ns: &str, job: &'a str) -> Option<&'a str> {
    let (base, suffix) = job.rsplit_once('-')?;
    let digits = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit());
    (digits && templates.contains_key(&("CronJob", ns, base))).then_some(base)
}

/// The Deployment a ReplicaSet was made for: its name is
/// `<deployment>-<pod-template-hash>`, the hash up to 10 characters of the
/// alphabet Kubernetes encodes it in (no vowels, no 0, 1 or 3).
pub fn deployment_of(replica_set: &str) -> Option<&str> {
    const HASH: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let (deployment, hash) = replica_set.rsplit_once('-')?;
    let hashed = (1..=10).contains(&hash.len()) && hash.bytes().all(|b| HASH.contains(&b));
    hashed.then_some(deployment)
}

type Templates<'a> = BTreeMap<(&'a str, &'a str, &'a str), &'a Workload>;

/// The controller whose template stands for a pod owned by `owner`
/// (`ReplicaSet/api-7d9f8c6b5`), as `(kind, name)`.
fn controller<'a>(
    templates: &Templates<'a>,
    ns: &str,
    owner: &'a str,
) -> Option<(&'a str, &'a str)> {
    let (kind, name) = owner.split_once('/')?;
    let found = |kind: &'a str, name: &'a str| {
        templates
            .contains_key(&(kind, ns, name))
            .then_some((kind, name))
    };
    match kind {
        "ReplicaSet" => found("Deployment", deployment_of(name)?),
        "Job" => match cron_parent(templates, ns, name) {
            Some(cron) => Some(("CronJob", cron)),
            None => found("Job", name),
        },
        "DaemonSet" | "StatefulSet" | "CronJob" => found(kind, name),
        _ => None,
    }
}

/// What the pod checks judge in one cluster, EKS's own workloads left out,
/// and the kinds that could not be read.
pub fn subjects<'a>(c: ClusterView<'a>, k: &'a Kubernetes) -> (Vec<Subject<'a>>, Vec<Unread<'a>>) {
    let mut unread = Vec::new();
    let mut lists: BTreeMap<&'static str, &'a [Workload]> = BTreeMap::new();
    for kind in KINDS {
        match k.workloads.get(kind) {
            Some(Observed::Known(list)) => {
                lists.insert(kind, list);
            }
            Some(Observed::Unknown(gap)) => unread.push(Unread {
                kind,
                gap: gap.clone(),
                cluster: c,
            }),
            None => unread.push(Unread {
                kind,
                gap: Gap::absent(),
                cluster: c,
            }),
        }
    }
    let pods_read = lists.contains_key("Pod");
    let mut templates: Templates<'a> = BTreeMap::new();
    for kind in &KINDS[1..] {
        for w in lists.get(kind).copied().unwrap_or_default() {
            templates.insert((kind, &w.namespace, &w.name), w);
        }
    }
    let mut counts: BTreeMap<(&'a str, &'a str, &'a str), usize> = BTreeMap::new();
    let mut groups: BTreeMap<(&'a str, &'a str), (&'a Workload, usize)> = BTreeMap::new();
    let mut bare = Vec::new();
    for pod in lists.get("Pod").copied().unwrap_or_default() {
        let ns = pod.namespace.as_str();
        match pod.owner.as_deref() {
            // Static pods' mirrors are owned by their Node: each is its own.
            None => bare.push(pod),
            Some(owner) if owner.starts_with("Node/") => bare.push(pod),
            Some(owner) => match controller(&templates, ns, owner) {
                Some((kind, name)) => *counts.entry((kind, ns, name)).or_default() += 1,
                None => groups.entry((ns, owner)).or_insert((pod, 0)).1 += 1,
            },
        }
    }
    let mut out = Vec::new();
    for (&(kind, ns, name), w) in &templates {
        if kind == "Job" && cron_parent(&templates, ns, name).is_some() {
            continue;
        }
        let pods = pods_read.then(|| counts.get(&(kind, ns, name)).copied().unwrap_or(0));
        out.push(Subject {
            cluster: c,
            kind,
            namespace: ns,
            name,
            spec: &w.spec,
            pods,
            owner: None,
        });
    }
    for (&(ns, owner), &(pod, pods)) in &groups {
        let (kind, name) = owner.split_once('/').unwrap_or(("", owner));
        // An owner of a kind with no known API path (a custom resource):
        // its pods are judged one by one.
        if kind == "Pod" || api_of(kind).is_none() {
            bare.extend(
                lists
                    .get("Pod")
                    .copied()
                    .unwrap_or_default()
                    .iter()
                    .filter(|p| p.namespace == ns && p.owner.as_deref() == Some(owner)),
            );
            continue;
        }
        out.push(Subject {
            cluster: c,
            kind,
            namespace: ns,
            name,
            spec: &pod.spec,
            pods: Some(pods),
            owner: None,
        });
    }
    for pod in bare {
        out.push(Subject {
            cluster: c,
            kind: "Pod",
            namespace: &pod.namespace,
            name: &pod.name,
            spec: &pod.spec,
            pods: Some(1),
            owner: pod.owner.as_deref(),
        });
    }
    out.retain(|s| !installed_by_eks(s.namespace, s.kind, s.name));
    (out, unread)
}

#[cfg(test)]
mod tests {
    use eksposture_model::graph::ClusterView;
    use eksposture_model::{Cluster, Kubernetes};
    use serde_json::{json, Value};

    use super::subjects;

    fn pod(ns: &str, name: &str, owner: Option<&str>) -> Value {
        json!({"kind": "Pod", "namespace": ns, "name": name, "owner": owner,
            "spec": {"containers": [{"name": "c"}]}})
    }

    fn template(kind: &str, ns: &str, name: &str) -> Value {
        json!({"kind": kind, "namespace": ns, "name": name, "spec": {"containers": [{"name": "c"}]}})
    }

    /// `(label, id suffix)` of what is judged, and the unread kinds.
    fn judged(workloads: &Value) -> (Vec<String>, Vec<&'static str>) {
        let k: Kubernetes =
            serde_json::from_value(json!({"connection": "eks-token", "workloads": workloads}))
                .unwrap();
        let cluster = Cluster {
            name: "c".into(),
            arn: "arn:aws:eks:us-east-1:111122223333:cluster/c".into(),
            ..Cluster::default()
        };
        let view = ClusterView {
            region: "us-east-1",
            cluster: &cluster,
        };
        let (subjects, unread) = subjects(view, &k);
        let labels = subjects
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.label(),
                    s.id().rsplit("cluster/c/").next().unwrap_or_default()
                )
            })
            .collect();
        (labels, unread.iter().map(|u| u.kind).collect())
    }

    #[test]
    fn pods_count_on_their_controllers_and_cronjob_jobs_on_the_cronjob() {
        let (labels, unread) = judged(&json!({
            "Pod": {"known": [
                pod("app", "api-7d9f8c6b5-a", Some("ReplicaSet/api-7d9f8c6b5")),
                pod("app", "api-7d9f8c6b5-b", Some("ReplicaSet/api-7d9f8c6b5")),
                pod("app", "nightly-29000000-x", Some("Job/nightly-29000000")),
                pod("kube-system", "aws-node-abcde", Some("DaemonSet/aws-node")),
                pod("app", "debug", None)]},
            "Deployment": {"known": [template("Deployment", "app", "api")]},
            "DaemonSet": {"known": [template("DaemonSet", "kube-system", "aws-node")]},
            "StatefulSet": {"known": []},
            "Job": {"known": [template("Job", "app", "nightly-29000000"), template("Job", "app", "once")]},
            "CronJob": {"known": [template("CronJob", "app", "nightly")]}
        }));
        assert!(unread.is_empty());
        assert_eq!(
            labels,
            [
                "CronJob app/nightly (1 pod) apis/batch/v1/namespaces/app/cronjobs/nightly",
                "Deployment app/api (2 pods) apis/apps/v1/namespaces/app/deployments/api",
                "Job app/once (0 pods) apis/batch/v1/namespaces/app/jobs/once",
                "Pod app/debug api/v1/namespaces/app/pods/debug",
            ]
        );
    }

    #[test]
    fn pods_of_unread_owners_are_judged_per_owner_or_one_by_one() {
        let gap = json!({"unknown": {"service": "kubernetes", "region": "us-east-1",
            "operation": "list deployments", "reason": "access_denied", "message": "forbidden"}});
        let (labels, unread) = judged(&json!({
            "Pod": {"known": [
                pod("app", "api-7d9f8c6b5-a", Some("ReplicaSet/api-7d9f8c6b5")),
                pod("app", "api-7d9f8c6b5-b", Some("ReplicaSet/api-7d9f8c6b5")),
                pod("kube-system", "coredns-5d8f7c9b6-a", Some("ReplicaSet/coredns-5d8f7c9b6")),
                pod("app", "rollout-1", Some("Rollout/web")),
                pod("kube-system", "static-ip-10-0-0-1", Some("Node/ip-10-0-0-1"))]},
            "Deployment": gap
        }));
        assert_eq!(
            unread,
            ["Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"]
        );
        assert_eq!(labels, [
            "ReplicaSet app/api-7d9f8c6b5 (2 pods) apis/apps/v1/namespaces/app/replicasets/api-7d9f8c6b5",
            "Pod kube-system/static-ip-10-0-0-1 api/v1/namespaces/kube-system/pods/static-ip-10-0-0-1",
            "Pod app/rollout-1 api/v1/namespaces/app/pods/rollout-1",
        ]);
    }

    #[test]
    fn templates_carry_no_pod_count_when_pods_are_unread() {
        let (labels, unread) = judged(&json!({
            "Deployment": {"known": [template("Deployment", "app", "api")]}
        }));
        assert_eq!(
            unread,
            ["Pod", "DaemonSet", "StatefulSet", "Job", "CronJob"]
        );
        assert_eq!(
            labels,
            ["Deployment app/api apis/apps/v1/namespaces/app/deployments/api"]
        );
    }
}
