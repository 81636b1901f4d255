//! Who else uses a node role: nodes of other clusters, and instances that
//! are not nodes at all (through an instance profile holding the role).

use std::collections::BTreeSet;

use eksposture_model::{Evidence, Gap, Graph, Observed};

/// Instances that are not nodes of any cluster and use one of a role's
/// instance profiles, and what kept that from being known.
#[derive(Debug, Default)]
pub struct OtherUsers {
    /// (instance id, evidence) of every non-node instance using the role.
    pub instances: Vec<(String, Evidence)>,
    /// Why more such instances may exist unseen: (reason, failed read).
    pub undecided: Vec<(String, Option<Gap>)>,
}

impl OtherUsers {
    /// `i-1, i-2 and 3 more` for at most `max` instances; `None` for none.
    pub fn listed(&self, max: usize) -> Option<String> {
        if self.instances.is_empty() {
            return None;
        }
        let ids: Vec<&str> = self
            .instances
            .iter()
            .take(max)
            .map(|(id, _)| id.as_str())
            .collect();
        let more = self.instances.len().saturating_sub(max);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        Some(format!("{}{tail}", ids.join(", ")))
    }
}

/// The instance profiles holding a role: from the account's instance-profile
/// list and from the role's own `InstanceProfileList`.
fn profiles_of(g: &Graph<'_>, role_arn: &str, out: &mut OtherUsers) -> BTreeSet<String> {
    let mut profiles = BTreeSet::new();
    let role = g.role(role_arn).found();
    if let Some(role) = role {
        profiles.extend(role.instance_profile_arns.iter().cloned());
    }
    match &g.inventory.iam.instance_profiles {
        Observed::Known(list) => profiles.extend(
            list.iter()
                .filter(|p| p.role_arns.iter().any(|r| r == role_arn))
                .map(|p| p.arn.clone()),
        ),
        Observed::Unknown(gap) if role.is_none() => out.undecided.push((
            "the instance profiles holding it could not be read".into(),
            Some(gap.clone()),
        )),
        Observed::Unknown(_) => {}
    }
    profiles
}

/// Instances that use a node role's instance profiles and are not nodes,
/// from `DescribeIamInstanceProfileAssociations` in every region. A region
/// whose associations could not be read leaves the answer undecided when it
/// has nodes (the collector reads associations there); a region whose
/// instances could not be listed cannot tell nodes from other instances.
pub fn other_users(g: &Graph<'_>, role_arn: &str) -> OtherUsers {
    let mut out = OtherUsers::default();
    let profiles = profiles_of(g, role_arn, &mut out);
    for (region, data) in &g.inventory.regions {
        let has_nodes = g.nodes().iter().any(|n| n.region == region);
        let associations = match &data.instance_profile_associations {
            Observed::Known(list) => list,
            Observed::Unknown(gap) => {
                if has_nodes {
                    let why = format!(
                        "the instance-profile associations of region {region} could not be read"
                    );
                    out.undecided.push((why, Some(gap.clone())));
                }
                continue;
            }
        };
        for a in associations
            .iter()
            .filter(|a| profiles.contains(&a.instance_profile_arn))
        {
            if g.node(&a.instance_id).is_some() {
                continue;
            }
            if let Some(gap) = data.instances.gap() {
                let why = format!("instance {} uses its instance profile, and the instances of region {region} could not be listed to tell whether it is a node", a.instance_id);
                out.undecided.push((why, Some(gap.clone())));
                continue;
            }
            let state = a.state.as_deref();
            match state {
                Some("associated" | "associating") => {}
                Some("disassociated" | "disassociating") => continue,
                _ => {
                    let why = format!(
                        "instance {} has an association in state {} with its instance profile",
                        a.instance_id,
                        state.unwrap_or("(not returned)")
                    );
                    out.undecided.push((why, None));
                    continue;
                }
            }
            let arn = if a.instance_arn.is_empty() {
                eksposture_model::arn::ec2(
                    g.partition(),
                    region,
                    g.account_id(),
                    "instance",
                    &a.instance_id,
                )
            } else {
                a.instance_arn.clone()
            };
            let detail = format!(
                "instance {} in {region}, not a node of any cluster, uses instance profile {} ({})",
                a.instance_id,
                a.instance_profile_arn,
                state.unwrap_or_default()
            );
            out.instances.push((
                a.instance_id.clone(),
                Evidence::new("AwsEc2Instance", arn, detail),
            ));
        }
    }
    out
}
