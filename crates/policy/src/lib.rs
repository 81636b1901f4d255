//! The one home of IAM reasoning for eksposture: decoding policy documents
//! (plain or URL-encoded JSON), parsing every "string or array" shape IAM
//! accepts, identity-policy evaluation without a request context,
//! least-privilege questions ("is this admin?", "who can pass any role?")
//! answered with the statements as evidence ([`power`]), who a resource or
//! trust policy admits beyond named principals ([`principals`]), and how
//! narrowly IRSA and Pod Identity trust policies scope a role ([`trust`]).
//!
//! Pure and synchronous; works on `serde_json::Value` and plain types, and
//! never names the AWS SDK. Wildcard matching is `eksposture_model::wildcard`,
//! re-exported here.

pub mod account_wildcards;
mod decode;
mod document;
mod error;
mod eval;
mod grants;
pub mod power;
pub mod principals;
pub mod trust;

pub use decode::decode_document;
pub use document::{
    ActionSpec, Condition, Effect, Policy, Principal, PrincipalSpec, Principals, ResourceSpec,
    SetQualifier, Statement,
};
pub use eksposture_model::wildcard::{has_wildcard, wildcard_match};
pub use error::{Location, PolicyError};
pub use eval::{allows, Decision, Grant, PolicySet, SourcedPolicy};
pub use principals::{open_to_any_principal, principal_allows_any_aws};
pub use trust::irsa::{
    federated_trusts, oidc_provider_of, provider_from_issuer, FederatedTrust, ServiceAccount,
    SubjectScope,
};
