//! EKS Pod Identity: which roles the clusters' associations hand to pods.
//! How narrowly a role's trust lets the Pod Identity service assume it is
//! `eksposture_policy::trust::pod_identity`.

use std::collections::BTreeMap;

use eksposture_model::graph::ClusterView;
use eksposture_model::{Evidence, Graph, PodIdentityAssociation, ResourceRef};

use crate::support::{cluster_evidence, cluster_ref};
use crate::Findings;

/// One association that hands a role to a service account.
pub struct PodIdentityUse<'a> {
    pub cluster: ClusterView<'a>,
    pub association: &'a PodIdentityAssociation,
}

impl PodIdentityUse<'_> {
    /// The association's ARN, else a stable id under the cluster's ARN.
    pub fn id(&self) -> String {
        match &self.association.association_arn {
            Some(arn) if !arn.is_empty() => arn.clone(),
            _ => format!(
                "{}/podidentityassociation/{}",
                self.cluster.cluster.arn, self.association.association_id
            ),
        }
    }

    /// The cluster, then the association.
    pub fn evidence(&self) -> [Evidence; 2] {
        let a = self.association;
        let detail = format!(
            "Pod Identity association for service account {}/{} of cluster {}",
            a.namespace, a.service_account, self.cluster.cluster.name
        );
        [
            cluster_evidence(&self.cluster),
            Evidence::new("AwsEksPodIdentityAssociation", self.id(), detail),
        ]
    }
}

/// The roles of every cluster's Pod Identity associations, by role ARN.
/// Emits an unknown finding for each cluster whose associations could not be
/// listed and each association whose role could not be read; regions whose
/// clusters could not be listed are left to the caller.
pub fn pod_identity_roles<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
) -> BTreeMap<&'a str, Vec<PodIdentityUse<'a>>> {
    let mut roles: BTreeMap<&str, Vec<PodIdentityUse<'_>>> = BTreeMap::new();
    for c in g.clusters() {
        let associations = match c.cluster.pod_identity_associations.as_result() {
            Ok(a) => a,
            Err(gap) => {
                let what = format!(
                    "the Pod Identity associations of cluster {}",
                    c.cluster.name
                );
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
                continue;
            }
        };
        for association in associations {
            let u = PodIdentityUse {
                cluster: c,
                association,
            };
            match association.role_arn.as_result() {
                Ok(arn) => roles.entry(arn.as_str()).or_default().push(u),
                Err(gap) => {
                    let res = ResourceRef::new("AwsEksPodIdentityAssociation", u.id(), c.region);
                    let what = format!(
                        "the role of the Pod Identity association for {}/{} of cluster {}",
                        association.namespace, association.service_account, c.cluster.name
                    );
                    out.unknown(res, &what, gap, u.evidence().to_vec());
                }
            }
        }
    }
    roles
}
