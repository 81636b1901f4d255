//! The namespaces the namespace checks judge: those holding workloads of
//! the user's.

use std::collections::BTreeMap;

use eksposture_model::graph::ClusterView;
use eksposture_model::kubernetes::object_id;
use eksposture_model::{Evidence, Graph, Kubernetes, ResourceRef};

use super::system::SYSTEM_NAMESPACES;
use super::workloads::{subjects, Subject};
use crate::support::cluster_evidence;
use crate::Findings;

pub const NAMESPACE_TYPE: &str = "KubernetesNamespace";

/// A namespace with the workloads of the user's in it.
pub struct NamespaceView<'a> {
    pub cluster: ClusterView<'a>,
    pub kubernetes: &'a Kubernetes,
    pub name: &'a str,
    pub workloads: Vec<Subject<'a>>,
}

impl NamespaceView<'_> {
    pub fn resource(&self) -> ResourceRef {
        namespace_ref(self.cluster, self.name)
    }

    /// `namespace payments of cluster prod (Deployment api (3 pods), ...)`.
    pub fn label(&self) -> String {
        format!(
            "namespace {} of cluster {} ({})",
            self.name,
            self.cluster.cluster.name,
            workload_list(&self.workloads)
        )
    }

    /// The cluster, the namespace, then its workloads (at most 10).
    pub fn evidence(&self) -> Vec<Evidence> {
        let mut ev = vec![
            cluster_evidence(&self.cluster),
            Evidence::new(
                NAMESPACE_TYPE,
                self.resource().id,
                format!("namespace {}", self.name),
            ),
        ];
        ev.extend(
            self.workloads
                .iter()
                .take(10)
                .map(|s| s.evidence().swap_remove(1)),
        );
        ev
    }
}

/// `Deployment api (3 pods), Pod debug`, the first five and a count.
pub fn workload_list(workloads: &[Subject<'_>]) -> String {
    let mut names: Vec<String> = workloads
        .iter()
        .take(5)
        .map(|s| s.label().replacen(&format!(" {}/", s.namespace), " ", 1))
        .collect();
    if workloads.len() > 5 {
        names.push(format!("{} more", workloads.len() - 5));
    }
    names.join(", ")
}

pub fn namespace_ref(c: ClusterView<'_>, name: &str) -> ResourceRef {
    let id = object_id(&c.cluster.arn, "v1", "namespaces", None, name);
    ResourceRef::new(NAMESPACE_TYPE, id, c.region)
}

/// Calls `judge` with every namespace that holds workloads of the user's,
/// outside the namespaces EKS's own agents live in; before them, the
/// unknown findings for clusters and workload kinds that could not be read
/// (a namespace whose only workloads are of an unread kind is not known to
/// hold any).
pub fn for_each_namespace<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, &NamespaceView<'a>),
) {
    super::for_each_cluster(g, out, |out, c, k| {
        let (subjects, unread) = subjects(c, k);
        for u in unread {
            out.unknown(
                u.resource(),
                &u.namespaces_what(),
                &u.gap,
                vec![cluster_evidence(&c)],
            );
        }
        let mut by_ns: BTreeMap<&'a str, Vec<Subject<'a>>> = BTreeMap::new();
        for s in subjects {
            if !SYSTEM_NAMESPACES.contains(&s.namespace) {
                by_ns.entry(s.namespace).or_default().push(s);
            }
        }
        for (name, workloads) in by_ns {
            judge(
                out,
                &NamespaceView {
                    cluster: c,
                    kubernetes: k,
                    name,
                    workloads,
                },
            );
        }
    });
}
