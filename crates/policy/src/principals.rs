//! Who a resource policy or a trust policy admits beyond named principals:
//! anyone (`"*"`, `{"AWS": "*"}`), everyone but a few (`NotPrincipal`), or a
//! whole account (`arn:aws:iam::<id>:root`, `<id>`); and the conditions that
//! narrow such a grant back to an organisation, account, principal, source
//! or network.
//!
//! A condition narrows only with a positive operator (`StringEquals`,
//! `StringLike`, `ArnEquals`, `ArnLike`, `IpAddress`, `Bool`) on a key that
//! names who or where the request comes from, without `IfExists` (absent
//! key: the statement applies), without `ForAllValues:` (vacuously true when
//! the key is absent), and with no value that matches everything (`*`,
//! `0.0.0.0/0`). A `Deny` open to anyone with the negated operator on such a
//! key (`StringNotEquals aws:PrincipalOrgID`, ...) narrows every `Allow`
//! whose actions it covers: that is the documented "deny unless in my
//! organisation" pattern. Other conditions (`aws:SecureTransport`,
//! `aws:CurrentTime`, ...) narrow nothing about who.

use eksposture_model::wildcard::has_wildcard;

use crate::document::{
    ActionSpec, Condition, Effect, Policy, Principal, PrincipalSpec, SetQualifier, Statement,
};

const NARROWING_KEYS: [&str; 15] = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
    "aws:PrincipalIsAWSService",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:userid",
    "aws:username",
];

/// Who a broad statement admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breadth {
    Anyone,
    /// `NotPrincipal`: everyone but these.
    AllBut(Vec<String>),
    /// Every principal of an account whose own policies allow the action.
    Account(String),
}

impl Breadth {
    pub fn describe(&self) -> String {
        match self {
            Breadth::Anyone => "any principal (\"*\")".into(),
            Breadth::AllBut(p) => format!("every principal but {} (NotPrincipal)", p.join(", ")),
            Breadth::Account(a) => format!("every principal of account {a}"),
        }
    }
}

/// An `Allow` statement open beyond named principals.
pub struct BroadStatement<'p> {
    pub statement: &'p Statement,
    pub breadth: Breadth,
    /// Condition keys that narrow it (its own, or an anyone-`Deny`'s);
    /// empty when nothing does.
    pub narrowed_by: Vec<String>,
}

/// Every `Allow` statement of a policy open to anyone, to all but a few, or
/// to whole accounts (one entry per account), with what narrows it.
pub fn broad_statements(policy: &Policy) -> Vec<BroadStatement<'_>> {
    let mut out = Vec::new();
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let breadths = match &s.principal {
            Some(PrincipalSpec::NotPrincipal(p)) => vec![Breadth::AllBut(named(p))],
            Some(PrincipalSpec::Principal(p)) if p.is_anyone() => vec![Breadth::Anyone],
            Some(PrincipalSpec::Principal(Principal::Specific(p))) => p
                .aws
                .iter()
                .filter_map(|a| account_of(a))
                .map(Breadth::Account)
                .collect(),
            _ => Vec::new(),
        };
        for breadth in breadths {
            let mut narrowed_by: Vec<String> = s
                .conditions
                .iter()
                .filter(|c| narrows(c, false))
                .map(|c| c.key.clone())
                .collect();
            narrowed_by.extend(denied_unless(policy, s));
            narrowed_by.sort();
            narrowed_by.dedup();
            out.push(BroadStatement {
                statement: s,
                breadth,
                narrowed_by,
            });
        }
    }
    out
}

/// Who beyond named principals an `Allow` lets call `action` with nothing
/// narrowing it: one entry per such statement and breadth.
pub fn unnarrowed(policy: &Policy, action: &str) -> Vec<Breadth> {
    broad_statements(policy)
        .into_iter()
        .filter(|b| b.narrowed_by.is_empty() && b.statement.matches_action(action))
        .map(|b| b.breadth)
        .collect()
}

/// The actions of a statement as written: `ecr:BatchGetImage, ecr:GetDownloadUrlForLayer`.
pub fn actions_text(s: &Statement) -> String {
    match &s.action {
        ActionSpec::Action(a) => a.join(", "),
        ActionSpec::NotAction(a) => format!("every action but {}", a.join(", ")),
    }
}

fn named(p: &Principal) -> Vec<String> {
    match p {
        Principal::Any => vec!["*".into()],
        Principal::Specific(p) => p
            .aws
            .iter()
            .chain(&p.service)
            .chain(&p.federated)
            .cloned()
            .collect(),
    }
}

/// `123456789012` or `arn:<partition>:iam::123456789012:root`.
pub(crate) fn account_of(principal: &str) -> Option<String> {
    let id = principal
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::"))
        .and_then(|(_, rest)| rest.strip_suffix(":root"))
        .unwrap_or(principal);
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
}

/// The narrowing keys of the anyone-`Deny` statements with a negated
/// narrowing condition, when together they cover every action of `allow`
/// (each action by at least one of them); empty otherwise.
fn denied_unless(policy: &Policy, allow: &Statement) -> Vec<String> {
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|d| {
            d.effect == Effect::Deny
                && matches!(&d.principal, Some(PrincipalSpec::Principal(p)) if p.is_anyone())
                && d.conditions.iter().any(|c| narrows(c, true))
        })
        .collect();
    let actions: Vec<&str> = match &allow.action {
        ActionSpec::Action(actions) => actions.iter().map(String::as_str).collect(),
        ActionSpec::NotAction(_) => vec!["*"],
    };
    let mut keys = Vec::new();
    for action in actions {
        let covering: Vec<&&Statement> =
            denies.iter().filter(|d| d.matches_action(action)).collect();
        if covering.is_empty() {
            return Vec::new();
        }
        keys.extend(
            covering
                .iter()
                .flat_map(|d| d.conditions.iter().filter(|c| narrows(c, true)))
                .map(|c| c.key.clone()),
        );
    }
    keys
}

/// Whether a condition narrows who may make the request: positively in an
/// `Allow` (`negated: false`), or as the negated test of a `Deny`.
fn narrows(c: &Condition, negated: bool) -> bool {
    let key = NARROWING_KEYS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&c.key));
    let op = c.base_operator().to_ascii_lowercase();
    let operator_ok = if negated {
        matches!(
            op.as_str(),
            "stringnotequals"
                | "stringnotequalsignorecase"
                | "stringnotlike"
                | "arnnotequals"
                | "arnnotlike"
                | "notipaddress"
        ) || (op == "bool" && c.values.iter().all(|v| v.eq_ignore_ascii_case("false")))
    } else {
        !c.if_exists()
            && c.qualifier() != Some(SetQualifier::ForAllValues)
            && (matches!(
                op.as_str(),
                "stringequals"
                    | "stringequalsignorecase"
                    | "stringlike"
                    | "arnequals"
                    | "arnlike"
                    | "ipaddress"
            ) || (op == "bool" && c.values.iter().all(|v| v.eq_ignore_ascii_case("true"))))
    };
    let matches_everything = |v: &String| {
        v.trim().ends_with("/0") || (has_wildcard(v) && v.chars().all(|ch| ch == '*' || ch == '?'))
    };
    key.is_some() && operator_ok && !c.values.is_empty() && !c.values.iter().any(matches_everything)
}

/// The first unconditional `Allow` statement open to any principal:
/// `Principal` `"*"`, an `AWS` list containing `"*"`, or a `NotPrincipal`
/// (everyone but the listed principals).
pub fn open_to_any_principal(policy: &Policy) -> Option<&Statement> {
    policy.statements.iter().find(|s| {
        s.effect == Effect::Allow
            && !s.is_conditional()
            && match &s.principal {
                Some(PrincipalSpec::Principal(p)) => p.is_anyone(),
                Some(PrincipalSpec::NotPrincipal(_)) => true,
                None => false,
            }
    })
}

/// Whether some unconditional `Allow` statement admits any AWS principal;
/// see [`open_to_any_principal`] for the statement itself.
pub fn principal_allows_any_aws(policy: &Policy) -> bool {
    open_to_any_principal(policy).is_some()
}

#[cfg(test)]
mod tests;
