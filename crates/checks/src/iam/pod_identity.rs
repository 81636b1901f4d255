//! EKS Pod Identity: which roles the clusters' associations hand to pods,
//! where a target role (cross-account role chaining) takes over, and which
//! roles of the account trust the Pod Identity service at all. How narrowly
//! a role's trust lets the service assume it is
//! `eksposture_policy::trust::pod_identity`.

use std::collections::BTreeMap;

use eksposture_model::graph::ClusterView;
use eksposture_model::{
    arn, Evidence, Gap, Graph, Observed, PodIdentityAssociation, ResourceRef, Role,
};
use eksposture_policy::trust::pod_identity::{pod_identity_trusts, POD_IDENTITY_SERVICE};

use super::parse_document;
use crate::support::{cluster_evidence, cluster_ref};
use crate::Findings;

/// Whose credentials the pods of an association receive.
pub enum PodCredentials<'a> {
    /// The association's role: it has no target role.
    Role,
    /// The target role, in the scanned account: EKS assumes the
    /// association's role, then the target role, and hands the pods the
    /// target role's credentials (EKS API, `targetRoleArn`).
    Target(&'a str),
    /// A target role of another account, whose trust and policies this scan
    /// did not read.
    ForeignTarget { arn: &'a str, account: &'a str },
    /// `DescribePodIdentityAssociation` was not read: whether a target role
    /// takes over is unknown.
    Unread(&'a Gap),
}

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

    /// `service account web/app of cluster prod`.
    pub fn describe(&self) -> String {
        let a = self.association;
        format!(
            "service account {}/{} of cluster {}",
            a.namespace, a.service_account, self.cluster.cluster.name
        )
    }

    /// Whose credentials the pods get, judged against the scanned account.
    pub fn credentials(&self, g: &Graph<'_>) -> PodCredentials<'_> {
        match &self.association.target_role_arn {
            Observed::Known(None) => PodCredentials::Role,
            Observed::Known(Some(target)) => match arn::parse(target) {
                Some(parts) if parts.account != g.account_id() => PodCredentials::ForeignTarget {
                    arn: target,
                    account: parts.account,
                },
                _ => PodCredentials::Target(target),
            },
            Observed::Unknown(gap) => PodCredentials::Unread(gap),
        }
    }

    /// The cluster, then the association (with its target role, if any).
    pub fn evidence(&self) -> [Evidence; 2] {
        let a = self.association;
        let target = match &a.target_role_arn {
            Observed::Known(Some(t)) => format!(", target role {t}"),
            _ => String::new(),
        };
        let detail = format!("Pod Identity association for {}{target}", self.describe());
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

/// The roles of the account whose trust policy lets `pods.eks.amazonaws.com`
/// call `sts:AssumeRole`, whether or not an association uses them yet (anyone
/// allowed `eks:CreatePodIdentityAssociation` and `iam:PassRole` can bind
/// one), and the roles whose trust could not be read or parsed and so may
/// trust the service.
#[derive(Default)]
pub struct PodTrustingRoles<'a> {
    pub roles: Vec<&'a Role>,
    /// The role, and the gap or parse error that hides its trust.
    pub unread: Vec<(&'a Role, Result<&'a Gap, String>)>,
}

/// [`PodTrustingRoles`] of the account's role list (empty when it is unread).
pub fn roles_trusting_pods<'a>(g: &Graph<'a>) -> PodTrustingRoles<'a> {
    let mut out = PodTrustingRoles::default();
    for role in g.roles() {
        let doc = match role.trust_policy.as_result() {
            Ok(doc) => doc,
            Err(gap) => {
                out.unread.push((role, Ok(gap)));
                continue;
            }
        };
        match parse_document(doc) {
            Ok(policy) => {
                if !pod_identity_trusts(&policy).is_empty() {
                    out.roles.push(role);
                }
            }
            // Only a document that names the service may trust it.
            Err(e) => {
                if doc
                    .to_string()
                    .to_ascii_lowercase()
                    .contains(POD_IDENTITY_SERVICE)
                {
                    out.unread.push((role, Err(e)));
                }
            }
        }
    }
    out
}
