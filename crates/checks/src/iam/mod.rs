//! IAM checks, and the graph walks they share: which roles a cluster's OIDC
//! provider can assume ([`irsa_providers`], [`irsa_trusts`]), which roles
//! Pod Identity associations hand to pods ([`pod_identity_roles`]), and a
//! role's policies gathered for `eksposture_policy::power` ([`role_power`]).
//! The IAM reasoning itself (power, trust scoping, broad principals) is
//! `eksposture_policy`'s.

pub mod fargate_pod_role_least_privilege;
pub mod irsa_trust_scoped;
pub mod node_role_least_privilege;
pub mod node_role_no_cni_policy;
pub mod workload_role_least_privilege;

// Helpers shared by the service's checks (the registry test knows a check
// by its `declare_check!`, not by its name).
#[cfg(test)]
pub(crate) mod fixtures;
mod irsa;
mod pod_identity;
mod power;

use std::collections::BTreeSet;

use eksposture_model::graph::{Lookup, NodeRoleUse, ProfileRole};
use eksposture_model::{Evidence, Graph, Role};

use crate::emit::gap_evidence;
use crate::support::{instance_evidence, instance_ref, node_gaps, Unread};
use eksposture_policy::power::{Power, RolePower};
use eksposture_policy::Policy;
use serde_json::Value;

pub use irsa::{
    describe_trust, irsa_providers, irsa_trusts, scoped_message, IrsaProvider, TrustRead,
};
pub use pod_identity::{
    pod_identity_roles, roles_trusting_pods, PodCredentials, PodIdentityUse, PodTrustingRoles,
};
pub use power::{role_power, PowerVerdict};

/// Evidence naming a policy of a role: its ARN, or an id under the role for
/// an inline policy.
pub fn policy_evidence(role: &Role, source: &str, detail: String) -> Evidence {
    match source.strip_prefix("inline:") {
        Some(name) => Evidence::new(
            "AwsIamRoleInlinePolicy",
            format!("{}/inline-policy/{name}", role.arn),
            detail,
        ),
        None => Evidence::new("AwsIamPolicy", source, detail),
    }
}

pub fn role_evidence(role: &Role, detail: impl Into<String>) -> Evidence {
    Evidence::new("AwsIamRole", &role.arn, detail)
}

/// Parses a decoded document, or one still held as (URL-encoded) text.
pub fn parse_document(doc: &Value) -> Result<Policy, String> {
    Policy::from_document(doc).map_err(|e| e.to_string())
}

/// The chain from clusters to what makes a role a node role: each cluster,
/// then the nodegroups and (at most ten) instances that use the role.
pub fn node_role_use_evidence(g: &Graph<'_>, uses: &BTreeSet<NodeRoleUse>) -> Vec<Evidence> {
    const MAX_INSTANCES: usize = 10;
    let mut out = Vec::new();
    let mut clusters = BTreeSet::new();
    for u in uses {
        if clusters.insert((&u.region, &u.cluster_name)) {
            let arn = g
                .cluster(&u.region, &u.cluster_name)
                .map_or_else(|| u.cluster_name.clone(), |c| c.arn.clone());
            out.push(Evidence::new(
                "AwsEksCluster",
                arn,
                format!("cluster {} ({})", u.cluster_name, u.region),
            ));
        }
    }
    let instances = uses.iter().filter(|u| u.via_kind == "instance").count();
    for u in uses.iter().filter(|u| u.via_kind == "nodegroup") {
        out.push(Evidence::new(
            "AwsEksNodegroup",
            &u.via_id,
            format!("node role of a nodegroup of cluster {}", u.cluster_name),
        ));
    }
    for u in uses
        .iter()
        .filter(|u| u.via_kind == "instance")
        .take(MAX_INSTANCES)
    {
        out.push(Evidence::new(
            "AwsEc2Instance",
            &u.via_id,
            format!(
                "instance profile role of a node of cluster {}",
                u.cluster_name
            ),
        ));
    }
    if instances > MAX_INSTANCES {
        out.push(Evidence::new(
            "AwsEc2Instance",
            "...",
            format!("and {} more node instances", instances - MAX_INSTANCES),
        ));
    }
    out
}

/// Where a node role could not be identified: [`node_gaps`], and live nodes
/// whose instance profile could not be read or is not in the account's list.
pub fn node_role_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out = node_gaps(g);
    let (_, unread_profiles) = g.node_roles();
    for (instance_arn, gap) in unread_profiles {
        if let Some(n) = g.live_nodes().find(|n| n.instance.arn == *instance_arn) {
            out.push(Unread {
                resource: instance_ref(n),
                what: format!("the instance profile of node {}", n.instance.instance_id),
                gap: Some((*gap).clone()),
                evidence: vec![instance_evidence(n)],
            });
        }
    }
    for n in g.live_nodes() {
        let Some(profile) = &n.instance.iam_instance_profile_arn else {
            continue;
        };
        if let Lookup::Missing = g.instance_profile_roles(profile) {
            out.push(Unread {
                resource: instance_ref(n),
                what: format!(
                    "the role of node {} is unknown: its instance profile {profile} is not in the account's list",
                    n.instance.instance_id
                ),
                gap: None,
                evidence: vec![instance_evidence(n)],
            });
        }
    }
    out
}

/// The role IMDS would serve on an instance, judged by [`role_power`].
pub enum InstanceRole {
    /// The role's name and what it grants.
    OverBroad(String, RolePower),
    /// No role, or one within the baseline; the text says which.
    Limited(String),
    /// The text says what could not be read.
    Unknown(String),
}

/// Follows an instance profile to its role and the role's policies, pushing
/// the instance profile, role and granting statements onto the evidence chain.
pub fn instance_role(g: &Graph<'_>, profile: Option<&str>, ev: &mut Vec<Evidence>) -> InstanceRole {
    let Some(profile) = profile else {
        return InstanceRole::Limited(
            "no instance profile, IMDS serves no role credentials".into(),
        );
    };
    let (role_arn, role) = match g.instance_profile_role(profile) {
        ProfileRole::Listed { roles, role } => {
            ev.push(Evidence::new(
                "AwsIamInstanceProfile",
                profile,
                format!("roles: {}", roles.join(", ")),
            ));
            match role {
                Some(found) => found,
                None => return InstanceRole::Limited("the instance profile holds no role".into()),
            }
        }
        ProfileRole::Unread(gap) => {
            ev.push(gap_evidence(gap));
            return InstanceRole::Unknown(format!("instance profile {profile} could not be read"));
        }
        ProfileRole::Missing => {
            return InstanceRole::Unknown(format!(
                "instance profile {profile} is not in the account's list"
            ))
        }
    };
    let role = match role {
        Lookup::Found(role) => role,
        Lookup::Unknown(gap) => {
            ev.push(gap_evidence(gap));
            return InstanceRole::Unknown(format!(
                "the IAM roles could not be read, so node role {role_arn} is unknown"
            ));
        }
        Lookup::Missing => {
            return InstanceRole::Unknown(format!(
                "node role {role_arn} is not in the account's role list"
            ))
        }
    };
    let power = role_power(g, role);
    ev.push(role_evidence(role, format!("node role {}", role.role_name)));
    ev.extend(power.evidence(role));
    match power.verdict() {
        Power::OverBroad => InstanceRole::OverBroad(role.role_name.clone(), power),
        Power::WithinBaseline => InstanceRole::Limited(format!(
            "node role {} grants nothing beyond the worker-node baseline",
            role.role_name
        )),
        Power::Unknown => InstanceRole::Unknown(format!(
            "node role {} could not be fully read: {}",
            role.role_name,
            power.unread_summary()
        )),
    }
}

/// The role an ARN names. When the account's roles could not be read, or
/// the list lacks it, emits an unknown finding on the ARN (`who` names the
/// role's use, e.g. "Fargate pod execution role") and returns `None`.
pub fn role_or_unknown<'a>(
    g: &Graph<'a>,
    out: &mut crate::Findings,
    arn: &str,
    who: &str,
    evidence: Vec<Evidence>,
) -> Option<&'a Role> {
    let unlisted = || eksposture_model::ResourceRef::new("AwsIamRole", arn, "global");
    match g.role(arn) {
        Lookup::Found(role) => Some(role),
        Lookup::Unknown(gap) => {
            out.unknown(unlisted(), "the account's IAM roles", gap, evidence);
            None
        }
        Lookup::Missing => {
            let message = format!("{who} {arn} is not in the account's role list");
            out.unknown_because(unlisted(), message, evidence);
            None
        }
    }
}
