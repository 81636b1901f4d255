//! IAM: roles, instance profiles, policies, node roles and who uses a role.

use serde_json::Value;

use super::{lookup, Graph, Lookup, NodeRoleMap, NodeRoleUse};
use crate::inventory::{ManagedPolicy, OidcProvider, Role};
use crate::observed::{Gap, GapReason, Observed};

/// [`Graph::instance_profile_role`].
#[derive(Debug, Clone)]
pub enum ProfileRole<'a> {
    /// The instance profiles could not be read.
    Unread(&'a Gap),
    /// The instance profiles were read and this one is not among them.
    Missing,
    /// The profile's roles, and the first one looked up (`None`: it holds
    /// no role, so IMDS serves no role credentials).
    Listed {
        roles: &'a [String],
        role: Option<(&'a str, Lookup<'a, Role>)>,
    },
}

impl<'a> Graph<'a> {
    pub fn role(&self, arn: &str) -> Lookup<'a, Role> {
        match &self.inventory.iam.roles {
            Observed::Unknown(g) => Lookup::Unknown(g),
            Observed::Known(_) => self
                .roles_by_arn
                .get(arn)
                .copied()
                // Instance profiles and nodegroups may name a role by an ARN
                // whose path differs in case or form; the name is unique.
                .or_else(|| {
                    crate::arn::resource_name(arn).and_then(|n| self.roles_by_name.get(n).copied())
                })
                .map_or(Lookup::Missing, Lookup::Found),
        }
    }

    pub fn roles(&self) -> &'a [Role] {
        self.inventory
            .iam
            .roles
            .known()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The roles of an instance profile.
    pub fn instance_profile_roles(&self, profile_arn: &str) -> Lookup<'a, Vec<String>> {
        match &self.inventory.iam.instance_profiles {
            Observed::Unknown(g) => Lookup::Unknown(g),
            Observed::Known(profiles) => profiles
                .iter()
                .find(|p| p.arn == profile_arn)
                .map_or(Lookup::Missing, |p| Lookup::Found(&p.role_arns)),
        }
    }

    /// The role whose credentials IMDS serves on an instance with this
    /// instance profile: the profile's role (a profile holds at most one).
    pub fn instance_profile_role(&self, profile_arn: &str) -> ProfileRole<'a> {
        match self.instance_profile_roles(profile_arn) {
            Lookup::Unknown(gap) => ProfileRole::Unread(gap),
            Lookup::Missing => ProfileRole::Missing,
            Lookup::Found(roles) => ProfileRole::Listed {
                roles,
                role: roles.first().map(|arn| (arn.as_str(), self.role(arn))),
            },
        }
    }

    pub fn managed_policy(&self, arn: &str) -> Option<&'a ManagedPolicy> {
        self.policies_by_arn.get(arn).copied()
    }

    /// Every permission policy document of a role, labelled by source
    /// (`inline:<name>` or the managed policy's ARN).
    pub fn role_policies(&self, role: &'a Role) -> Vec<(String, Observed<&'a Value>)> {
        let mut out = Vec::new();
        for p in &role.inline_policies {
            out.push((format!("inline:{}", p.name), p.document.as_ref()));
        }
        for arn in &role.attached_policy_arns {
            let doc = match self.managed_policy(arn) {
                Some(p) => p.document.as_ref(),
                None => Observed::Unknown(Gap::new(
                    "iam",
                    "global",
                    "GetPolicyVersion",
                    GapReason::Error,
                    format!("managed policy {arn} was not collected"),
                )),
            };
            out.push((arn.clone(), doc));
        }
        out
    }

    /// Node roles and what uses them: nodegroup node roles, and the roles of
    /// node instances' instance profiles. Node instances whose instance
    /// profile could not be read are in the second list (instance ARN, gap).
    pub fn node_roles(&self) -> (&NodeRoleMap, &[(String, &'a Gap)]) {
        (&self.node_roles, &self.unread_node_profiles)
    }

    /// [`Graph::node_roles`], computed once by [`Graph::new`].
    pub(super) fn find_node_roles(&self) -> (NodeRoleMap, Vec<(String, &'a Gap)>) {
        let mut roles = NodeRoleMap::new();
        let mut unknown = Vec::new();
        for ng in self.nodegroups() {
            if let Some(role) = ng.config().and_then(|c| c.node_role.as_ref()) {
                roles.entry(role.clone()).or_default().insert(NodeRoleUse {
                    region: ng.region.to_string(),
                    cluster_name: ng.cluster.name.clone(),
                    via_kind: "nodegroup",
                    via_id: ng.id(),
                });
            }
        }
        for node in &self.nodes {
            let Some(profile) = &node.instance.iam_instance_profile_arn else {
                continue;
            };
            match self.instance_profile_roles(profile) {
                Lookup::Found(arns) => {
                    for arn in arns {
                        roles.entry(arn.clone()).or_default().insert(NodeRoleUse {
                            region: node.region.to_string(),
                            cluster_name: node.cluster_name.to_string(),
                            via_kind: "instance",
                            via_id: node.instance.arn.clone(),
                        });
                    }
                }
                Lookup::Unknown(g) => unknown.push((node.instance.arn.clone(), g)),
                Lookup::Missing => {}
            }
        }
        (roles, unknown)
    }

    /// The IAM OIDC provider registered for a cluster's issuer URL.
    pub fn oidc_provider_for_issuer(&self, issuer: &str) -> Lookup<'a, OidcProvider> {
        let host_path = issuer.trim_start_matches("https://").trim_end_matches('/');
        lookup(
            Some(&self.inventory.iam.oidc_providers),
            |p: &OidcProvider| {
                p.url.trim_start_matches("https://").trim_end_matches('/') == host_path
            },
        )
    }

    /// Roles whose trust policy names the given OIDC provider as a federated
    /// principal (IRSA roles for that cluster).
    pub fn roles_trusting_provider(&self, provider_arn: &str) -> Vec<&'a Role> {
        self.roles()
            .iter()
            .filter(|r| {
                r.trust_policy
                    .known()
                    .is_some_and(|t| federated_principals(t).iter().any(|p| p == provider_arn))
            })
            .collect()
    }

    /// Why the account's roles are unknown, when they are.
    pub fn roles_gap(&self) -> Option<&'a Gap> {
        self.inventory.iam.roles.gap()
    }
}

/// `Principal.Federated` values of every statement of a trust policy.
fn federated_principals(trust: &Value) -> Vec<String> {
    let statements = match trust.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for s in statements {
        match s.get("Principal").and_then(|p| p.get("Federated")) {
            Some(Value::String(p)) => out.push(p.clone()),
            Some(Value::Array(ps)) => {
                out.extend(ps.iter().filter_map(Value::as_str).map(String::from));
            }
            _ => {}
        }
    }
    out
}
