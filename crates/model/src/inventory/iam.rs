//! IAM: roles with their policies, instance profiles, managed policies and
//! OIDC providers (account-wide).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Tags;
use crate::observed::Observed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Iam {
    /// `GetAccountAuthorizationDetails` (roles).
    pub roles: Observed<Vec<Role>>,
    /// From the same call.
    pub instance_profiles: Observed<Vec<InstanceProfile>>,
    /// Every managed policy attached to a collected role, customer or AWS managed.
    pub managed_policies: Vec<ManagedPolicy>,
    /// `ListOpenIDConnectProviders`.
    pub oidc_providers: Observed<Vec<OidcProvider>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub role_name: String,
    pub arn: String,
    pub path: Option<String>,
    /// The decoded trust policy (IAM returns it URL-encoded or as plain JSON).
    pub trust_policy: Observed<Value>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_policy_arns: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    pub instance_profile_arns: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InlinePolicy {
    pub name: String,
    pub document: Observed<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub default_version_id: Option<String>,
    /// The default version's document.
    pub document: Observed<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceProfile {
    pub name: String,
    pub arn: String,
    pub role_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcProvider {
    pub arn: String,
    /// Issuer host and path without `https://`, as IAM stores it.
    pub url: String,
}
