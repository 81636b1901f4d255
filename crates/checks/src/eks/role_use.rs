//! Who else uses a cluster's IAM role: other clusters, nodes (nodegroups and
//! node instances), Fargate profiles, Pod Identity associations, and the
//! principals its trust policy admits besides the EKS service. The graph
//! finds the uses ([`Graph::eks_role_uses`], [`Graph::node_roles`]); this
//! file judges the trust policy and words the rest.

use std::collections::BTreeSet;

use eksposture_model::arn::same_role;
use eksposture_model::graph::{ClusterView, EksRoleUse, EksRoleUseUnread};
use eksposture_model::{Evidence, Gap, Graph, Observed, PodIdentityAssociation, Role};
use eksposture_policy::{Effect, Policy, Principal, PrincipalSpec};

use crate::emit::gap_evidence;
use crate::iam::{node_role_use_evidence, parse_document, PodIdentityUse};

/// The service principal a cluster role is meant for.
pub const CLUSTER_SERVICE: &str = "eks.amazonaws.com";

/// Who an IAM trust policy's `Allow` statements admit besides
/// `eks.amazonaws.com`, one phrase each.
pub fn foreign_principals(trust: &Policy) -> Vec<String> {
    let mut out = BTreeSet::new();
    for s in trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        match &s.principal {
            None => {}
            Some(PrincipalSpec::NotPrincipal(_)) => {
                out.insert("every principal but those its NotPrincipal names".to_string());
            }
            Some(PrincipalSpec::Principal(Principal::Any)) => {
                out.insert("any principal (\"*\")".to_string());
            }
            Some(PrincipalSpec::Principal(Principal::Specific(p))) => {
                out.extend(p.aws.iter().map(|a| format!("AWS principal {a}")));
                let other = p
                    .service
                    .iter()
                    .filter(|s| !s.eq_ignore_ascii_case(CLUSTER_SERVICE));
                out.extend(other.map(|s| format!("service {s}")));
                out.extend(
                    p.federated
                        .iter()
                        .map(|f| format!("federated principal {f}")),
                );
                out.extend(
                    p.canonical_user
                        .iter()
                        .map(|u| format!("canonical user {u}")),
                );
            }
        }
    }
    out.into_iter().collect()
}

/// Records that the pods of an association receive the role: as the
/// association's role, or as its `target` role.
fn pods_receive(s: &mut RoleSharing, c: ClusterView<'_>, a: &PodIdentityAssociation, target: bool) {
    let name = &c.cluster.name;
    let sa = format!("{}/{}", a.namespace, a.service_account);
    let (what, how) = if target {
        (
            "target role",
            "as the target role of a Pod Identity association",
        )
    } else {
        ("role", "through Pod Identity")
    };
    let ev = Evidence::new(
        "AwsEksPodIdentityAssociation",
        PodIdentityUse {
            cluster: c,
            association: a,
        }
        .id(),
        format!("Pod Identity {what} of service account {sa} in cluster {name}"),
    );
    s.shared(
        format!("pods of service account {sa} in cluster {name} receive it {how}"),
        ev,
    );
}

/// Pod Identity associations that chain to the role as their target role
/// (`targetRoleArn`): their pods receive its credentials. An association
/// whose role was read but whose target was not (an inventory from before
/// targets were collected) may do so. Associations whose role could not be
/// read are already unread uses of [`Graph::eks_role_uses`].
fn pod_identity_targets(g: &Graph<'_>, role_arn: &str, s: &mut RoleSharing) {
    for c in g.clusters() {
        let Observed::Known(list) = &c.cluster.pod_identity_associations else {
            continue;
        };
        for a in list.iter().filter(|a| a.role_arn.is_known()) {
            match &a.target_role_arn {
                Observed::Known(Some(target)) if same_role(target, role_arn) => {
                    pods_receive(s, c, a, true);
                }
                Observed::Known(_) => {}
                Observed::Unknown(gap) => s.unread(
                    format!(
                        "the target role of the Pod Identity association for {}/{} in cluster {}",
                        a.namespace, a.service_account, c.cluster.name
                    ),
                    Some(gap),
                ),
            }
        }
    }
}

/// What sharing a role was found, and what could not be read.
#[derive(Default)]
pub struct RoleSharing {
    /// One phrase per reason the role is not dedicated to the cluster.
    pub reasons: Vec<String>,
    /// The resources behind those reasons.
    pub evidence: Vec<Evidence>,
    /// What could not be read and might hold another use.
    pub unread: Vec<String>,
    /// The failed reads behind `unread`.
    pub gaps: BTreeSet<Evidence>,
}

impl RoleSharing {
    fn shared(&mut self, reason: String, evidence: Evidence) {
        self.reasons.push(reason);
        self.evidence.push(evidence);
    }

    fn unread(&mut self, what: String, gap: Option<&Gap>) {
        if !self.unread.contains(&what) {
            self.unread.push(what);
        }
        self.gaps.extend(gap.map(gap_evidence));
    }
}

/// Every use of `role_arn` besides being the cluster role of `me`. `role` is
/// the role as IAM returned it (`Err` says why it is not known): its trust
/// policy is judged, and node instances matter only when the role is in an
/// instance profile.
pub fn cluster_role_sharing(
    g: &Graph<'_>,
    me: &ClusterView<'_>,
    role_arn: &str,
    role: Result<&Role, (String, Option<&Gap>)>,
) -> RoleSharing {
    let mut s = RoleSharing::default();
    let known = role.as_ref().ok().copied();
    match role {
        Ok(role) => match role.trust_policy.as_result() {
            Ok(doc) => match parse_document(doc) {
                Ok(policy) => {
                    for p in foreign_principals(&policy) {
                        let ev = Evidence::new(
                            "AwsIamRole",
                            &role.arn,
                            format!("trust policy allows {p}"),
                        );
                        s.shared(format!("its trust policy allows {p}"), ev);
                    }
                }
                Err(e) => s.unread(
                    format!(
                        "the trust policy of role {} (unparsable: {e})",
                        role.role_name
                    ),
                    None,
                ),
            },
            Err(gap) => s.unread(
                format!("the trust policy of role {}", role.role_name),
                Some(gap),
            ),
        },
        Err((what, gap)) => s.unread(what, gap),
    }
    let uses = g.eks_role_uses(role_arn);
    // Its own cluster role is the use the role is for.
    let mine = |c: &ClusterView<'_>| c.cluster.arn == me.cluster.arn;
    for u in uses.uses {
        match u {
            EksRoleUse::Cluster(c) if mine(&c) => {}
            EksRoleUse::Cluster(c) => {
                let (name, region) = (&c.cluster.name, c.region);
                let ev = Evidence::new(
                    "AwsEksCluster",
                    &c.cluster.arn,
                    format!("cluster {name} ({region}) uses it as its cluster role"),
                );
                s.shared(
                    format!("it is also the cluster role of cluster {name} ({region})"),
                    ev,
                );
            }
            EksRoleUse::FargateProfile(c, p) => {
                let name = &c.cluster.name;
                let id = p
                    .arn
                    .clone()
                    .unwrap_or_else(|| format!("{}/fargateprofile/{}", c.cluster.arn, p.name));
                let ev = Evidence::new(
                    "AwsEksFargateProfile",
                    id,
                    format!(
                        "Fargate profile {} of cluster {name}: pod execution role",
                        p.name
                    ),
                );
                s.shared(
                    format!(
                        "it is the pod execution role of Fargate profile {} of cluster {name}",
                        p.name
                    ),
                    ev,
                );
            }
            EksRoleUse::PodIdentity(c, a) => pods_receive(&mut s, c, a, false),
        }
    }
    pod_identity_targets(g, role_arn, &mut s);
    for u in uses.unread {
        match u {
            EksRoleUseUnread::Clusters(region, gap) => {
                s.unread(format!("the EKS clusters of region {region}"), Some(gap));
            }
            EksRoleUseUnread::ClusterConfig(c, gap) => s.unread(
                format!(
                    "the configuration of cluster {} ({})",
                    c.cluster.name, c.region
                ),
                Some(gap),
            ),
            EksRoleUseUnread::ClusterRoleUnset(c) if mine(&c) => {}
            EksRoleUseUnread::ClusterRoleUnset(c) => s.unread(
                format!(
                    "the cluster role of cluster {} ({})",
                    c.cluster.name, c.region
                ),
                None,
            ),
            EksRoleUseUnread::FargateProfiles(c, gap) => s.unread(
                format!("the Fargate profiles of cluster {}", c.cluster.name),
                Some(gap),
            ),
            EksRoleUseUnread::FargateRoleUnset(c, p) => s.unread(
                format!(
                    "the pod execution role of Fargate profile {} of cluster {}",
                    p.name, c.cluster.name
                ),
                None,
            ),
            EksRoleUseUnread::PodIdentityAssociations(c, gap) => s.unread(
                format!(
                    "the Pod Identity associations of cluster {}",
                    c.cluster.name
                ),
                Some(gap),
            ),
            EksRoleUseUnread::PodIdentityRole(c, a, gap) => s.unread(
                format!(
                    "the role of Pod Identity association {} of cluster {}",
                    a.association_id, c.cluster.name
                ),
                Some(gap),
            ),
            EksRoleUseUnread::Nodegroups(c, gap) => s.unread(
                format!("the nodegroups of cluster {}", c.cluster.name),
                Some(gap),
            ),
            EksRoleUseUnread::NodegroupConfig(ng, gap) => s.unread(
                format!(
                    "the node role of nodegroup {} of cluster {}",
                    ng.nodegroup.name, ng.cluster.name
                ),
                Some(gap),
            ),
        }
    }
    node_uses(g, role_arn, known, &mut s);
    s
}

/// Nodegroups and node instances that use the role. Instances can only use
/// a role through an instance profile, so unreadable instances matter only
/// when the role is in one (or the role itself is unknown).
fn node_uses(g: &Graph<'_>, role_arn: &str, role: Option<&Role>, s: &mut RoleSharing) {
    let (roles, unread_profiles) = g.node_roles();
    for (arn, uses) in roles.iter().filter(|(arn, _)| same_role(arn, role_arn)) {
        let nodegroups = uses.iter().filter(|u| u.via_kind == "nodegroup").count();
        let instances = uses.len() - nodegroups;
        let clusters: BTreeSet<&str> = uses.iter().map(|u| u.cluster_name.as_str()).collect();
        let clusters = clusters.into_iter().collect::<Vec<_>>().join(", ");
        let mut via = Vec::new();
        if nodegroups > 0 {
            via.push(format!("{nodegroups} nodegroup(s)"));
        }
        if instances > 0 {
            via.push(format!("{instances} node instance(s)"));
        }
        s.reasons.push(format!(
            "it is the node role {arn} of {} of cluster(s) {clusters}",
            via.join(" and ")
        ));
        s.evidence.extend(node_role_use_evidence(g, uses));
    }
    if role.is_some_and(|r| r.instance_profile_arns.is_empty()) {
        return;
    }
    for (region, gap) in g.node_listing_gaps() {
        s.unread(
            format!("the instances of region {region} (nodes may use the role's instance profile)"),
            Some(gap),
        );
    }
    for (instance, gap) in unread_profiles {
        s.unread(
            format!("the instance profile of node {instance}"),
            Some(gap),
        );
    }
}
