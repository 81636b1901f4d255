//! Condition values that narrow a grant to no one in particular: a value of
//! a "who or where from" key whose wildcard lets any account match.
//!
//! [`crate::principals`] counts a condition on such a key as narrowing unless
//! a value matches everything (`*`, `0.0.0.0/0`). A value can leave the
//! account open and still not be all wildcards: `arn:aws:iam::*:role/*` in
//! `aws:PrincipalArn` admits every role of every account, and
//! `arn:aws:iam::*:role/deploy` every account's role of that name (anyone
//! can create one). [`pinning_keys`] keeps only the narrowing keys with a
//! condition whose every value pins an account, an organisation or a
//! network.
//!
//! - ARNs (`aws:PrincipalArn`, `aws:SourceArn`): a wildcard in the account
//!   field, an empty account field (S3 bucket names are anyone's to take)
//!   or a value too short to have one. Under `StringLike` a wildcard before
//!   the account field spans it too (`*` matches `:`); `ArnLike` and
//!   `ArnEquals` match each of the six fields separately.
//! - Account, organisation, VPC and endpoint ids (`aws:PrincipalAccount`,
//!   `aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:SourceOrgID`,
//!   `aws:SourceVpc`, `aws:SourceVpce`): any wildcard (`o-*`).
//! - Organisation paths (`aws:PrincipalOrgPaths`, `aws:SourceOrgPaths`): a
//!   wildcard in the organisation id, the first path segment.
//! - `aws:userid`: a wildcard before the first `:` (the unique id, or the
//!   account of a federated user).
//! - `aws:username`: always; IAM user names are unique only within an
//!   account, so every account can create the user named.
//!
//! Wildcards count only under operators that read them (`StringLike`,
//! `ArnLike`, `ArnEquals` and their negations): `StringEquals` compares
//! `*` literally.

use eksposture_model::wildcard::has_wildcard;

use crate::document::{ActionSpec, Condition, Effect, Policy, PrincipalSpec, Statement};
use crate::principals::BroadStatement;

/// Whether `value`, under `operator` (`StringLike`, `ArnNotLike`, ...; set
/// qualifier and `IfExists` removed), lets a condition on `key` match
/// requests from any account.
pub fn spans_accounts(key: &str, operator: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if key == "aws:username" {
        return true;
    }
    let op = operator.to_ascii_lowercase();
    let per_field = op.starts_with("arn");
    if !(per_field || op.ends_with("like")) || !has_wildcard(value) {
        return false;
    }
    match key.as_str() {
        "aws:principalarn" | "aws:sourcearn" => arn_spans_accounts(value, per_field),
        "aws:principalorgpaths" | "aws:sourceorgpaths" => {
            has_wildcard(value.split('/').next().unwrap_or(value))
        }
        "aws:userid" => has_wildcard(value.split(':').next().unwrap_or(value)),
        "aws:principalaccount"
        | "aws:sourceaccount"
        | "aws:principalorgid"
        | "aws:sourceorgid"
        | "aws:sourcevpc"
        | "aws:sourcevpce" => true,
        _ => false,
    }
}

/// `arn:partition:service:region:account:resource` with a wildcard: does it
/// leave the account open?
fn arn_spans_accounts(value: &str, per_field: bool) -> bool {
    let fields: Vec<&str> = value.splitn(6, ':').collect();
    let [first @ .., account, _resource] = fields.as_slice() else {
        return true;
    };
    account.is_empty()
        || has_wildcard(account)
        || (!per_field && first.iter().any(|f| has_wildcard(f)))
}

/// Whether a condition's values all pin an account (none
/// [`spans_accounts`]).
fn pins(c: &Condition) -> bool {
    !c.values
        .iter()
        .any(|v| spans_accounts(&c.key, c.base_operator(), v))
}

/// The keys of `broad.narrowed_by` that a condition pinning an account backs:
/// a positive condition of the statement itself, or negated conditions of
/// `Deny` statements open to anyone that together cover every action of
/// the statement (as [`crate::principals`] requires of a narrowing `Deny`).
/// Empty when every narrowing condition leaves the account open: the
/// statement is public.
pub fn pinning_keys(policy: &Policy, broad: &BroadStatement<'_>) -> Vec<String> {
    let named = |c: &&Condition| {
        broad
            .narrowed_by
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.key))
            && pins(c)
    };
    let negated = |c: &Condition| c.base_operator().to_ascii_lowercase().contains("not");
    let mut keys: Vec<String> = broad
        .statement
        .conditions
        .iter()
        .filter(|c| !negated(c))
        .filter(named)
        .map(|c| c.key.clone())
        .collect();
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|d| {
            d.effect == Effect::Deny
                && matches!(&d.principal, Some(PrincipalSpec::Principal(p)) if p.is_anyone())
        })
        .collect();
    let actions: Vec<&str> = match &broad.statement.action {
        ActionSpec::Action(actions) => actions.iter().map(String::as_str).collect(),
        ActionSpec::NotAction(_) => vec!["*"],
    };
    let mut deny_keys = Vec::new();
    for action in actions {
        let pinned: Vec<String> = denies
            .iter()
            .filter(|d| d.matches_action(action))
            .flat_map(|d| d.conditions.iter().filter(|c| negated(c)).filter(named))
            .map(|c| c.key.clone())
            .collect();
        if pinned.is_empty() {
            deny_keys.clear();
            break;
        }
        deny_keys.extend(pinned);
    }
    keys.extend(deny_keys);
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::principals::broad_statements;

    #[test]
    fn arn_values_with_an_open_account_span_accounts() {
        for v in [
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::*:role/deploy",
            "arn:aws:iam::1234*:root",
            "arn:aws:iam::*",
            "arn:aws:s3:::builds-*",
            "*:role/admin",
        ] {
            assert!(spans_accounts("aws:PrincipalArn", "ArnLike", v), "{v}");
            assert!(spans_accounts("aws:SourceArn", "StringLike", v), "{v}");
        }
        for v in [
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/ci-*",
            "arn:aws:iam::111122223333:root",
        ] {
            assert!(!spans_accounts("aws:PrincipalArn", "ArnLike", v), "{v}");
            assert!(!spans_accounts("aws:PrincipalArn", "StringLike", v), "{v}");
        }
    }

    #[test]
    fn a_wildcard_before_the_account_spans_it_only_under_string_like() {
        let v = "arn:*:iam::111122223333:role/ci";
        assert!(spans_accounts("aws:PrincipalArn", "StringLike", v));
        assert!(!spans_accounts("aws:PrincipalArn", "ArnLike", v));
        assert!(!spans_accounts("aws:PrincipalArn", "ArnEquals", v));
    }

    #[test]
    fn wildcards_are_literal_under_string_equals() {
        assert!(!spans_accounts(
            "aws:PrincipalArn",
            "StringEquals",
            "arn:aws:iam::*:role/*"
        ));
    }

    #[test]
    fn ids_orgs_paths_and_user_ids() {
        assert!(spans_accounts("aws:PrincipalOrgID", "StringLike", "o-*"));
        assert!(spans_accounts("aws:SourceAccount", "StringLike", "1111*"));
        assert!(spans_accounts("aws:SourceVpce", "StringLike", "vpce-*"));
        assert!(!spans_accounts(
            "aws:PrincipalOrgID",
            "StringEquals",
            "o-a1b2c3d4e5"
        ));
        assert!(!spans_accounts(
            "aws:SourceAccount",
            "StringEquals",
            "111122223333"
        ));
        assert!(!spans_accounts(
            "aws:PrincipalOrgPaths",
            "StringLike",
            "o-a1/r-ab/*"
        ));
        assert!(spans_accounts(
            "aws:PrincipalOrgPaths",
            "StringLike",
            "o-*/r-ab/*"
        ));
        assert!(!spans_accounts(
            "aws:userid",
            "StringLike",
            "AROAEXAMPLEID:*"
        ));
        assert!(spans_accounts("aws:userid", "StringLike", "*:ci-session"));
        assert!(spans_accounts("aws:username", "StringEquals", "deploy"));
    }

    fn keys(doc: &serde_json::Value) -> Vec<Vec<String>> {
        let policy = Policy::parse(doc).unwrap();
        broad_statements(&policy)
            .iter()
            .map(|b| pinning_keys(&policy, b))
            .collect()
    }

    #[test]
    fn principal_arn_with_any_account_does_not_narrow_but_an_org_beside_it_does() {
        let open = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}}]});
        assert_eq!(keys(&open), [Vec::<String>::new()]);
        let org = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"},
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]});
        assert_eq!(keys(&org), [vec!["aws:PrincipalOrgID".to_string()]]);
    }

    #[test]
    fn a_deny_unless_any_account_role_narrows_nothing() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
            {"Effect": "Deny", "Principal": "*", "Action": "ecr:*",
             "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}}]});
        assert_eq!(keys(&doc), [Vec::<String>::new()]);
        let named = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
            {"Effect": "Deny", "Principal": "*", "Action": "ecr:*",
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}]});
        assert_eq!(keys(&named), [vec!["aws:PrincipalAccount".to_string()]]);
    }

    #[test]
    fn a_pinned_deny_that_does_not_cover_the_action_does_not_rescue_it() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
             "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository",
             "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"}}}]});
        assert_eq!(keys(&doc), [Vec::<String>::new()]);
    }
}
