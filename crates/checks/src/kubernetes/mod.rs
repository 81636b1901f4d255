//! Kubernetes checks over each cluster's own API: pods and controllers'
//! pod templates, and namespaces.
//!
//! The pod checks judge what runs, once per controller: the pod templates
//! of Deployments, DaemonSets, StatefulSets, Jobs and CronJobs, and pods
//! without a controlling owner. A pod owned by a controller is counted on
//! it (`ReplicaSet/<deployment>-<pod-template-hash>` on its Deployment,
//! `Job/<cronjob>-<minutes>` on its CronJob), so a cluster with no running
//! pods is still judged through its templates, and a Deployment with 40
//! replicas is one finding that says 40 pods. Pods whose owner was not read
//! (a bare ReplicaSet, a controller whose kind could not be listed) are
//! judged by the first pod's spec under that owner; pods owned by a custom
//! resource, and static pods' mirrors, one by one.
//!
//! What EKS installs is not judged ([`system`]). A cluster whose API could
//! not be read is one `unknown` finding citing its gap; a kind that could
//! not be listed is one `unknown` finding for that kind of that cluster.

pub mod namespace_default_not_used;
pub mod namespace_network_policy;
pub mod namespace_pod_security_enforced;
pub mod pod_capabilities_dropped;
pub mod pod_image_tag_pinned;
pub mod pod_no_added_capabilities;
pub mod pod_no_host_namespaces;
pub mod pod_no_privilege_escalation;
pub mod pod_no_secrets_in_env;
pub mod pod_no_sensitive_host_path;
pub mod pod_non_root;
pub mod pod_not_privileged;
pub mod pod_readonly_root_fs;

// Helpers shared by the service's checks.
#[cfg(test)]
mod fixtures;
mod namespaces;
mod system;
mod workloads;

use eksposture_model::graph::ClusterView;
use eksposture_model::{Graph, Kubernetes, Observed};

pub use workloads::{offenders, Subject};

use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::Findings;

/// Calls `judge` with every cluster whose Kubernetes API was read; one
/// unknown finding for every region whose clusters could not be listed and
/// every cluster whose API could not be read.
pub fn for_each_cluster<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, ClusterView<'a>, &'a Kubernetes),
) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region} (and their Kubernetes API)");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        match &c.cluster.kubernetes {
            Observed::Known(k) => judge(out, c, k),
            Observed::Unknown(gap) => {
                let what = format!("the Kubernetes API of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
            }
        }
    }
}

/// Calls `judge` with every workload the pod checks judge ([`Subject`]),
/// after the unknown findings of [`for_each_cluster`], one for each kind of
/// a cluster that could not be listed, and one for each workload whose pod
/// spec came without containers.
pub fn for_each_workload<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, &Subject<'a>),
) {
    for_each_cluster(g, out, |out, c, k| {
        let (subjects, unread) = workloads::subjects(c, k);
        for u in unread {
            out.unknown(u.resource(), &u.what(), &u.gap, vec![cluster_evidence(&c)]);
        }
        for s in &subjects {
            if s.spec.containers.is_empty() {
                let msg = format!("{}: its pod spec came without containers", s.label());
                out.unknown_because(s.resource(), msg, s.evidence());
            } else {
                judge(out, s);
            }
        }
    });
}

/// Pass when no container offends, fail naming the ones that do.
pub fn verdict(out: &mut Findings, s: &Subject<'_>, offenders: &[String], fail: &str, pass: &str) {
    if offenders.is_empty() {
        out.pass(s.resource(), format!("{}: {pass}", s.label()), s.evidence());
    } else {
        let msg = format!("{}: {fail}: {}", s.label(), offenders.join(", "));
        out.fail(s.resource(), msg, s.evidence());
    }
}

/// A capability as Kubernetes compares them: upper case, without `CAP_`.
pub fn capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}
