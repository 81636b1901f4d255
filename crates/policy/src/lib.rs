//! IAM policy documents for eksposture: decoding (plain or URL-encoded JSON),
//! parsing every "string or array" shape IAM accepts, IAM wildcard matching,
//! identity-policy evaluation without a request context, least-privilege
//! questions ("is this admin?", "who can pass any role?") answered with the
//! statements as evidence, and IRSA trust-policy scoping.
//!
//! Pure and synchronous; works on `serde_json::Value` and never names the AWS SDK.

mod decode;
mod document;
mod error;
mod eval;
mod grants;
mod trust;

pub use decode::decode_document;
pub use document::{
    ActionSpec, Condition, Effect, Policy, Principal, PrincipalSpec, Principals, ResourceSpec,
    SetQualifier, Statement,
};
pub use eksposture_model::wildcard::{has_wildcard, wildcard_match};
pub use error::{Location, PolicyError};
pub use eval::{allows, Decision, Grant, PolicySet, SourcedPolicy};
pub use trust::{
    federated_trusts, oidc_provider_of, open_to_any_principal, principal_allows_any_aws,
    provider_from_issuer, FederatedTrust, ServiceAccount, SubjectScope,
};
