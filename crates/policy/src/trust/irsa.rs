//! IRSA (IAM Roles for Service Accounts) trusts a cluster's IAM OIDC
//! provider. EKS issues tokens whose `sub` claim is
//! `system:serviceaccount:<namespace>:<name>` and whose `aud` is
//! `sts.amazonaws.com`; STS exposes them as the condition keys
//! `<provider>:sub` and `<provider>:aud`, where `<provider>` is the issuer
//! host and path (`oidc.eks.<region>.amazonaws.com/id/<ID>`). A trust without
//! a `:sub` condition lets every service account of the cluster (and any
//! other workload that gets a token from that issuer) assume the role.

use eksposture_model::wildcard::{has_wildcard, wildcard_match};
use serde_json::Value;

use crate::document::{Condition, Effect, Policy, Principal, PrincipalSpec, Statement};
use crate::error::PolicyError;

const WEB_IDENTITY_ACTION: &str = "sts:AssumeRoleWithWebIdentity";
const STS_AUDIENCE: &str = "sts.amazonaws.com";
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// A Kubernetes service account named by a `:sub` condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
}

/// Which token subjects a federated trust admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectScope {
    /// Exactly one service account.
    SingleServiceAccount { namespace: String, name: String },
    /// Several service accounts, each named exactly; still scoped.
    ServiceAccounts(Vec<ServiceAccount>),
    /// Exact subjects none of which is a service account: no EKS token can
    /// match (e.g. a literal `*` under `StringEquals`, or a typo).
    NonServiceAccount { values: Vec<String> },
    /// `StringLike` with `*` or `?`: many service accounts can match.
    Wildcard { pattern: String },
    /// Nothing constrains `:sub` for this provider.
    Unconstrained,
}

impl SubjectScope {
    /// Whether only exactly named subjects can assume the role.
    pub fn is_scoped(&self) -> bool {
        !matches!(
            self,
            SubjectScope::Wildcard { .. } | SubjectScope::Unconstrained
        )
    }
}

/// One OIDC provider trusted for `sts:AssumeRoleWithWebIdentity` by one
/// `Allow` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedTrust {
    /// The `Federated` principal as written.
    pub provider_arn: String,
    /// The provider's issuer host and path, as used in condition keys.
    pub provider: String,
    pub sid: Option<String>,
    pub subject: SubjectScope,
    /// `<provider>:aud` is constrained to exactly `sts.amazonaws.com`.
    pub audience_restricted_to_sts: bool,
}

/// The issuer host and path from an IAM OIDC provider ARN
/// (`arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC`).
pub fn oidc_provider_of(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    let (_, provider) = arn.split_once(":oidc-provider/")?;
    (!provider.is_empty()).then_some(provider)
}

/// The condition-key form of a cluster's OIDC issuer URL: without the
/// `https://` scheme (which EKS reports and IAM keys omit) or a trailing `/`.
pub fn provider_from_issuer(issuer_url: &str) -> &str {
    let trimmed = issuer_url.trim();
    let without_scheme = trimmed
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map_or(trimmed, |_| &trimmed[8..]);
    without_scheme.trim_end_matches('/')
}

/// Every OIDC provider an `Allow` statement trusts for
/// `sts:AssumeRoleWithWebIdentity` (wildcard actions included), with the
/// `:sub` scope and `:aud` restriction that statement imposes.
///
/// Only `StringEquals`, `StringEqualsIgnoreCase` and `StringLike`, optionally
/// with `ForAnyValue:` / `ForAllValues:` (a token always carries one `sub`),
/// scope a key. `...IfExists`, negated operators and `Null` never do, and a
/// key for another provider is ignored. Conditions are ANDed, so an exact
/// subject list is intersected with the other `:sub` conditions. `Deny`
/// statements are not considered.
pub fn federated_trusts(trust: &Policy) -> Vec<FederatedTrust> {
    let mut trusts = Vec::new();
    for statement in &trust.statements {
        if statement.effect != Effect::Allow || !statement.matches_action(WEB_IDENTITY_ACTION) {
            continue;
        }
        let Some(PrincipalSpec::Principal(Principal::Specific(principals))) = &statement.principal
        else {
            continue;
        };
        for arn in &principals.federated {
            let Some(provider) = oidc_provider_of(arn) else {
                continue;
            };
            trusts.push(FederatedTrust {
                provider_arn: arn.clone(),
                provider: provider.to_owned(),
                sid: statement.sid.clone(),
                subject: subject_scope(&constraints(statement, provider, "sub")),
                audience_restricted_to_sts: constraints(statement, provider, "aud")
                    .iter()
                    .any(Constraint::pins_sts_audience),
            });
        }
    }
    trusts
}

/// The web-identity trusts a role's trust policy document grants to any of
/// `providers` (IAM OIDC provider ARNs); empty for a role that is not an
/// IRSA role of theirs.
///
/// A document that cannot be parsed is an error only when its text names one
/// of the providers: the role may trust it. Any other unparsable trust policy
/// says nothing about these providers.
pub fn provider_trusts(
    trust_policy: &Value,
    providers: &[&str],
) -> Result<Vec<FederatedTrust>, PolicyError> {
    match Policy::from_document(trust_policy) {
        Ok(policy) => Ok(federated_trusts(&policy)
            .into_iter()
            .filter(|t| providers.contains(&t.provider_arn.as_str()))
            .collect()),
        Err(e) => {
            let text = trust_policy.to_string();
            if providers.iter().any(|arn| text.contains(arn)) {
                Err(e)
            } else {
                Ok(Vec::new())
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Equals,
    EqualsIgnoreCase,
    Like,
}

/// A condition that positively restricts one key to its values.
struct Constraint<'a> {
    kind: Kind,
    values: &'a [String],
}

impl Constraint<'_> {
    fn is_exact(&self) -> bool {
        self.kind != Kind::Like || !self.values.iter().any(|v| has_wildcard(v))
    }

    fn accepts(&self, subject: &str) -> bool {
        self.values.iter().any(|v| match self.kind {
            Kind::Equals => v == subject,
            Kind::EqualsIgnoreCase => v.to_lowercase() == subject.to_lowercase(),
            Kind::Like => wildcard_match(v, subject, false),
        })
    }

    fn pins_sts_audience(&self) -> bool {
        self.values.iter().all(|v| match self.kind {
            Kind::Equals | Kind::Like => v == STS_AUDIENCE,
            Kind::EqualsIgnoreCase => v.eq_ignore_ascii_case(STS_AUDIENCE),
        })
    }
}

fn constraints<'a>(statement: &'a Statement, provider: &str, claim: &str) -> Vec<Constraint<'a>> {
    // Condition keys are case-insensitive; the provider part must name the
    // same issuer as the principal.
    let key = format!("{provider}:{claim}").to_lowercase();
    statement
        .conditions
        .iter()
        .filter(|c| c.key.to_lowercase() == key && !c.values.is_empty() && !c.if_exists())
        .filter_map(|c| {
            Some(Constraint {
                kind: scoping_kind(c)?,
                values: &c.values,
            })
        })
        .collect()
}

fn scoping_kind(condition: &Condition) -> Option<Kind> {
    let base = condition.base_operator();
    [
        ("StringEquals", Kind::Equals),
        ("StringEqualsIgnoreCase", Kind::EqualsIgnoreCase),
        ("StringLike", Kind::Like),
    ]
    .into_iter()
    .find(|(name, _)| base.eq_ignore_ascii_case(name))
    .map(|(_, kind)| kind)
}

fn subject_scope(constraints: &[Constraint<'_>]) -> SubjectScope {
    let Some(exact) = constraints.iter().find(|c| c.is_exact()) else {
        return constraints
            .iter()
            .flat_map(|c| c.values.iter())
            .find(|v| has_wildcard(v))
            .map_or(SubjectScope::Unconstrained, |pattern| {
                SubjectScope::Wildcard {
                    pattern: pattern.clone(),
                }
            });
    };
    let mut subjects: Vec<String> = Vec::new();
    for value in exact.values {
        if constraints.iter().all(|c| c.accepts(value)) && !subjects.contains(value) {
            subjects.push(value.clone());
        }
    }
    let mut accounts: Vec<ServiceAccount> = subjects
        .iter()
        .filter_map(|s| parse_service_account(s))
        .collect();
    accounts.sort();
    accounts.dedup();
    match accounts.len() {
        0 => SubjectScope::NonServiceAccount { values: subjects },
        1 => {
            let ServiceAccount { namespace, name } = accounts.remove(0);
            SubjectScope::SingleServiceAccount { namespace, name }
        }
        _ => SubjectScope::ServiceAccounts(accounts),
    }
}

/// `system:serviceaccount:<namespace>:<name>`, as the EKS token `sub` reads.
/// Kubernetes names never contain `:`, `*` or `?`.
fn parse_service_account(subject: &str) -> Option<ServiceAccount> {
    let (namespace, name) = subject
        .strip_prefix(SERVICE_ACCOUNT_PREFIX)?
        .split_once(':')?;
    let valid = |part: &str| !part.is_empty() && !part.contains([':', '*', '?']);
    (valid(namespace) && valid(name)).then(|| ServiceAccount {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests;
