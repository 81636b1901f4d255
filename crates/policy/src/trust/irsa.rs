//! IRSA (IAM Roles for Service Accounts) trusts a cluster's IAM OIDC
//! provider. EKS issues tokens whose `sub` claim is
//! `system:serviceaccount:<namespace>:<name>` and whose `aud` is
//! `sts.amazonaws.com`; STS exposes them as the condition keys
//! `<provider>:sub` and `<provider>:aud`, where `<provider>` is the issuer
//! host and path (`oidc.eks.<region>.amazonaws.com/id/<ID>`). A trust without
//! a `:sub` condition lets every service account of the cluster (and any
//! other workload that gets a token from that issuer) assume the role.
//!
//! STS sets only the keys of the token's own issuer. Its `:sub` and `:aud`
//! are always there, so `...IfExists` and `ForAnyValue:`/`ForAllValues:`
//! operators on them act like the base operator. A key of another issuer
//! (`<other issuer>:sub`) is absent: a positive operator on it never holds
//! (IAM: "If the key that you specify in a policy condition is not present
//! in the request context, the values do not match and the condition is
//! false"), so the statement admits no token of this provider; an
//! `IfExists`, `ForAllValues:` or negated operator holds vacuously and
//! restricts nothing. Condition keys are case-insensitive.

use eksposture_model::wildcard::{has_wildcard, wildcard_match};
use serde_json::Value;

use crate::document::{
    Condition, Effect, Policy, Principal, PrincipalSpec, SetQualifier, Statement,
};
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
    /// A condition no token of this provider satisfies, e.g. `StringEquals`
    /// on another issuer's `:sub`: the statement admits nobody through this
    /// provider. `condition` reads `<operator> <key>`.
    Unassumable { condition: String },
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
    /// Conditions on another issuer's claims that hold for every token of
    /// this provider and so restrict nothing (`<operator> <key>`).
    pub vacuous: Vec<String>,
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
/// with `IfExists` or `ForAnyValue:` / `ForAllValues:` (a token always
/// carries one `sub` and one `aud`), scope the provider's own keys; negated
/// operators and `Null` never do. A condition on another issuer's claim
/// makes the statement [`SubjectScope::Unassumable`] for this provider when
/// it needs the key, and is listed in `vacuous` when it holds without it.
/// Conditions are ANDed, so an exact subject list is intersected with the
/// other `:sub` conditions. `Deny` statements are not considered.
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
            let foreign = foreign_conditions(statement, provider);
            let subject = match foreign
                .unassumable
                .or_else(|| own_key_absent(statement, provider))
            {
                Some(condition) => SubjectScope::Unassumable { condition },
                None => subject_scope(&constraints(statement, provider, "sub")),
            };
            trusts.push(FederatedTrust {
                provider_arn: arn.clone(),
                provider: provider.to_owned(),
                sid: statement.sid.clone(),
                subject,
                audience_restricted_to_sts: constraints(statement, provider, "aud")
                    .iter()
                    .any(Constraint::pins_sts_audience),
                vacuous: foreign.vacuous,
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

/// The issuer part of a web-identity condition key (`<issuer>:<claim>`),
/// lowercased: issuers are hosts, so the part has a `.`, unlike the service
/// prefix of a global key (`aws:`, `sts:`).
fn issuer_of(key: &str) -> Option<String> {
    let (issuer, _) = key.split_once(':')?;
    issuer
        .contains('.')
        .then(|| issuer.trim_end_matches('/').to_lowercase())
}

/// Whether a condition holds for a request that lacks its key: `IfExists`
/// and `ForAllValues:` hold vacuously, `ForAnyValue:` does not, negated
/// operators hold, `Null` holds when it asks for absence, the rest fail.
fn holds_without_key(c: &Condition) -> bool {
    if c.if_exists() {
        return true;
    }
    match c.qualifier() {
        Some(SetQualifier::ForAllValues) => return true,
        Some(SetQualifier::ForAnyValue) => return false,
        None => {}
    }
    let op = c.base_operator().to_ascii_lowercase();
    if op == "null" {
        return c.values.iter().all(|v| v.eq_ignore_ascii_case("true"));
    }
    op.contains("not")
}

#[derive(Default)]
struct Foreign {
    /// A condition that needs another issuer's key.
    unassumable: Option<String>,
    vacuous: Vec<String>,
}

/// The statement's conditions on claims of issuers other than `provider`.
fn foreign_conditions(statement: &Statement, provider: &str) -> Foreign {
    let own = provider.trim_end_matches('/').to_lowercase();
    let mut out = Foreign::default();
    for c in &statement.conditions {
        if issuer_of(&c.key).is_none_or(|issuer| issuer == own) {
            continue;
        }
        let text = format!("{} {}", c.operator, c.key);
        if holds_without_key(c) {
            out.vacuous.push(text);
        } else if out
            .unassumable
            .as_ref()
            .is_none_or(|first| !first.to_lowercase().ends_with(":sub"))
        {
            // Name a `:sub` condition when there is one: it is the usual slip.
            out.unassumable = Some(text);
        }
    }
    out
}

/// A `Null` condition asking for the provider's own `:sub` or `:aud` to be
/// absent: every token carries both, so it never holds.
fn own_key_absent(statement: &Statement, provider: &str) -> Option<String> {
    let keys = ["sub", "aud"].map(|claim| format!("{provider}:{claim}").to_lowercase());
    statement
        .conditions
        .iter()
        .find(|c| {
            keys.contains(&c.key.to_lowercase())
                && c.base_operator().eq_ignore_ascii_case("null")
                && c.qualifier().is_none()
                && !c.values.is_empty()
                && c.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
        })
        .map(|c| format!("{} {}", c.operator, c.key))
}

fn constraints<'a>(statement: &'a Statement, provider: &str, claim: &str) -> Vec<Constraint<'a>> {
    // Condition keys are case-insensitive; the provider part must name the
    // same issuer as the principal. The provider's own keys are always in
    // its tokens, so `IfExists` changes nothing.
    let key = format!("{provider}:{claim}").to_lowercase();
    statement
        .conditions
        .iter()
        .filter(|c| c.key.to_lowercase() == key && !c.values.is_empty())
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
