//! Who uses an IAM role besides its owner: clusters (as their cluster role),
//! Fargate profiles (pod execution role), Pod Identity associations, and
//! instances that are not nodes (through an instance profile holding it);
//! each with what could not be read to tell.

use std::collections::BTreeSet;

use super::{ClusterView, Graph, NodegroupView};
use crate::arn::same_role;
use crate::inventory::{FargateProfile, PodIdentityAssociation, ProfileAssociation};
use crate::observed::{Gap, Observed};

/// An EKS resource that hands out a role.
#[derive(Debug, Clone, Copy)]
pub enum EksRoleUse<'a> {
    /// The cluster role of a cluster.
    Cluster(ClusterView<'a>),
    /// The pod execution role of a Fargate profile.
    FargateProfile(ClusterView<'a>, &'a FargateProfile),
    /// The role pods of a service account receive through Pod Identity.
    PodIdentity(ClusterView<'a>, &'a PodIdentityAssociation),
}

/// What could not be read, and so might hold another [`EksRoleUse`].
#[derive(Debug, Clone, Copy)]
pub enum EksRoleUseUnread<'a> {
    /// The clusters of a region.
    Clusters(&'a str, &'a Gap),
    /// `DescribeCluster` of a cluster.
    ClusterConfig(ClusterView<'a>, &'a Gap),
    /// `DescribeCluster` returned no role ARN.
    ClusterRoleUnset(ClusterView<'a>),
    FargateProfiles(ClusterView<'a>, &'a Gap),
    /// `DescribeFargateProfile` returned no pod execution role.
    FargateRoleUnset(ClusterView<'a>, &'a FargateProfile),
    PodIdentityAssociations(ClusterView<'a>, &'a Gap),
    PodIdentityRole(ClusterView<'a>, &'a PodIdentityAssociation, &'a Gap),
    /// The nodegroups of a cluster (their node roles).
    Nodegroups(ClusterView<'a>, &'a Gap),
    /// `DescribeNodegroup` of a nodegroup (its node role).
    NodegroupConfig(NodegroupView<'a>, &'a Gap),
}

/// [`Graph::eks_role_uses`], each list in the order of a walk over regions,
/// clusters and nodegroups.
#[derive(Debug, Default)]
pub struct EksRoleUses<'a> {
    pub uses: Vec<EksRoleUse<'a>>,
    pub unread: Vec<EksRoleUseUnread<'a>>,
}

/// Instances that are not nodes and use one of a role's instance profiles.
#[derive(Debug, Default)]
pub struct ProfileUsers<'a> {
    /// (region, association) of every such instance whose association is
    /// `associated` or `associating`.
    pub instances: Vec<(&'a str, &'a ProfileAssociation)>,
    /// Why more such instances may exist unseen.
    pub unread: Vec<ProfileUseUnread<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub enum ProfileUseUnread<'a> {
    /// The account's instance profiles could not be read, and the role
    /// (which lists its own) is unknown.
    InstanceProfiles(&'a Gap),
    /// The associations of a region that has nodes.
    Associations(&'a str, &'a Gap),
    /// An instance uses the profile and the region's instances could not be
    /// listed to tell whether it is a node.
    Instances(&'a str, &'a ProfileAssociation, &'a Gap),
    /// An association in a state that says neither in force nor ended.
    State(&'a ProfileAssociation),
}

impl<'a> Graph<'a> {
    /// Every cluster, Fargate profile and Pod Identity association that uses
    /// `role_arn` (the ARNs compared by [`same_role`]), and what could not be
    /// read to tell.
    pub fn eks_role_uses(&self, role_arn: &str) -> EksRoleUses<'a> {
        let mut s = EksRoleUses::default();
        for (region, gap) in self.cluster_listing_gaps() {
            s.unread.push(EksRoleUseUnread::Clusters(region, gap));
        }
        for c in self.clusters() {
            match c.cluster.config.as_result() {
                Ok(cfg) => match &cfg.role_arn {
                    Some(r) if same_role(r, role_arn) => s.uses.push(EksRoleUse::Cluster(c)),
                    Some(_) => {}
                    None => s.unread.push(EksRoleUseUnread::ClusterRoleUnset(c)),
                },
                Err(gap) => s.unread.push(EksRoleUseUnread::ClusterConfig(c, gap)),
            }
            match &c.cluster.fargate_profiles {
                Observed::Known(profiles) => {
                    for p in profiles {
                        match &p.pod_execution_role_arn {
                            Some(r) if same_role(r, role_arn) => {
                                s.uses.push(EksRoleUse::FargateProfile(c, p));
                            }
                            Some(_) => {}
                            None => s.unread.push(EksRoleUseUnread::FargateRoleUnset(c, p)),
                        }
                    }
                }
                Observed::Unknown(gap) => s.unread.push(EksRoleUseUnread::FargateProfiles(c, gap)),
            }
            match &c.cluster.pod_identity_associations {
                Observed::Known(list) => {
                    for a in list {
                        match &a.role_arn {
                            Observed::Known(r) if same_role(r, role_arn) => {
                                s.uses.push(EksRoleUse::PodIdentity(c, a));
                            }
                            Observed::Known(_) => {}
                            Observed::Unknown(gap) => {
                                s.unread.push(EksRoleUseUnread::PodIdentityRole(c, a, gap));
                            }
                        }
                    }
                }
                Observed::Unknown(gap) => {
                    s.unread
                        .push(EksRoleUseUnread::PodIdentityAssociations(c, gap));
                }
            }
            if let Observed::Unknown(gap) = &c.cluster.nodegroups {
                s.unread.push(EksRoleUseUnread::Nodegroups(c, gap));
            }
        }
        for (ng, gap) in self.nodegroup_config_gaps() {
            s.unread.push(EksRoleUseUnread::NodegroupConfig(ng, gap));
        }
        s
    }

    /// Instances that use one of `role_arn`'s instance profiles and are not
    /// nodes, from `DescribeIamInstanceProfileAssociations` in every region.
    /// A region whose associations could not be read leaves the answer
    /// undecided when it has nodes (the collector reads associations there);
    /// a region whose instances could not be listed cannot tell nodes from
    /// other instances.
    pub fn instance_profile_users(&self, role_arn: &str) -> ProfileUsers<'a> {
        let mut out = ProfileUsers::default();
        // The instance profiles holding the role: from the account's list
        // and from the role's own `InstanceProfileList`.
        let mut profiles = BTreeSet::new();
        let role = self.role(role_arn).found();
        if let Some(role) = role {
            profiles.extend(role.instance_profile_arns.iter().map(String::as_str));
        }
        match &self.inventory.iam.instance_profiles {
            Observed::Known(list) => profiles.extend(
                list.iter()
                    .filter(|p| p.role_arns.iter().any(|r| r == role_arn))
                    .map(|p| p.arn.as_str()),
            ),
            Observed::Unknown(gap) if role.is_none() => {
                out.unread.push(ProfileUseUnread::InstanceProfiles(gap));
            }
            Observed::Unknown(_) => {}
        }
        for (region, data) in &self.inventory.regions {
            let region = region.as_str();
            let associations = match &data.instance_profile_associations {
                Observed::Known(list) => list,
                Observed::Unknown(gap) => {
                    if self.nodes.iter().any(|n| n.region == region) {
                        out.unread.push(ProfileUseUnread::Associations(region, gap));
                    }
                    continue;
                }
            };
            for a in associations
                .iter()
                .filter(|a| profiles.contains(a.instance_profile_arn.as_str()))
            {
                if self.node(&a.instance_id).is_some() {
                    continue;
                }
                if let Some(gap) = data.instances.gap() {
                    out.unread.push(ProfileUseUnread::Instances(region, a, gap));
                    continue;
                }
                match a.state.as_deref() {
                    Some("associated" | "associating") => out.instances.push((region, a)),
                    Some("disassociated" | "disassociating") => {}
                    _ => out.unread.push(ProfileUseUnread::State(a)),
                }
            }
        }
        out
    }
}
