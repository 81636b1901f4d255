//! Who else uses a node role: instances that are not nodes at all (through
//! an instance profile holding the role), as the graph finds them, in words.

use eksposture_model::graph::ProfileUseUnread;
use eksposture_model::{Evidence, Gap, Graph};

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

/// Instances that use a node role's instance profiles and are not nodes
/// ([`Graph::instance_profile_users`]), in words.
pub fn other_users(g: &Graph<'_>, role_arn: &str) -> OtherUsers {
    let mut out = OtherUsers::default();
    let users = g.instance_profile_users(role_arn);
    for unread in users.unread {
        out.undecided.push(match unread {
            ProfileUseUnread::InstanceProfiles(gap) => (
                "the instance profiles holding it could not be read".into(),
                Some(gap.clone()),
            ),
            ProfileUseUnread::Associations(region, gap) => (
                format!("the instance-profile associations of region {region} could not be read"),
                Some(gap.clone()),
            ),
            ProfileUseUnread::Instances(region, a, gap) => (
                format!("instance {} uses its instance profile, and the instances of region {region} could not be listed to tell whether it is a node", a.instance_id),
                Some(gap.clone()),
            ),
            ProfileUseUnread::State(a) => (
                format!(
                    "instance {} has an association in state {} with its instance profile",
                    a.instance_id,
                    a.state.as_deref().unwrap_or("(not returned)")
                ),
                None,
            ),
        });
    }
    for (region, a) in users.instances {
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
            a.state.as_deref().unwrap_or_default()
        );
        out.instances.push((
            a.instance_id.clone(),
            Evidence::new("AwsEc2Instance", arn, detail),
        ));
    }
    out
}
