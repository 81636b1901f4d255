use super::*;
use serde_json::{json, Value};

const PROVIDER: &str = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
const PROVIDER_ARN: &str =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const OTHER_PROVIDER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/XYZ";
const OTHER_ARN: &str =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ";

fn key(claim: &str) -> String {
    format!("{PROVIDER}:{claim}")
}

/// An IRSA trust statement for PROVIDER with the given Condition block.
fn irsa(condition: &Value) -> Policy {
    let mut statement = json!({"Effect": "Allow",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity"});
    if !condition.is_null() {
        statement["Condition"] = condition.clone();
    }
    Policy::parse(&json!({"Version": "2012-10-17", "Statement": [statement]})).unwrap()
}

fn only_scope(policy: &Policy) -> SubjectScope {
    let trusts = federated_trusts(policy);
    assert_eq!(trusts.len(), 1, "{trusts:?}");
    trusts[0].subject.clone()
}

fn single(namespace: &str, name: &str) -> SubjectScope {
    SubjectScope::SingleServiceAccount {
        namespace: namespace.into(),
        name: name.into(),
    }
}

#[test]
fn string_equals_sub_scopes_to_one_service_account() {
    let policy = irsa(&json!({"StringEquals": {
        key("sub"): "system:serviceaccount:kube-system:aws-node",
        key("aud"): "sts.amazonaws.com"}}));
    let trusts = federated_trusts(&policy);
    assert_eq!(
        trusts,
        [FederatedTrust {
            provider_arn: PROVIDER_ARN.into(),
            provider: PROVIDER.into(),
            sid: None,
            subject: single("kube-system", "aws-node"),
            audience_restricted_to_sts: true,
            vacuous: vec![],
        }]
    );
    assert!(trusts[0].subject.is_scoped());
}

#[test]
fn string_like_service_account_wildcard_is_not_scoped() {
    let policy = irsa(&json!({"StringLike": {key("sub"): "system:serviceaccount:*"}}));
    let scope = only_scope(&policy);
    assert_eq!(
        scope,
        SubjectScope::Wildcard {
            pattern: "system:serviceaccount:*".into()
        }
    );
    assert!(!scope.is_scoped());
}

#[test]
fn string_like_namespace_wildcard_and_question_mark_are_wildcards() {
    for pattern in [
        "system:serviceaccount:ns:*",
        "system:serviceaccount:ns:sa-?",
        "*",
    ] {
        let policy = irsa(&json!({"StringLike": {key("sub"): pattern}}));
        assert_eq!(
            only_scope(&policy),
            SubjectScope::Wildcard {
                pattern: pattern.into()
            }
        );
    }
}

#[test]
fn string_like_without_wildcard_is_exact() {
    let policy = irsa(&json!({"StringLike": {key("sub"): "system:serviceaccount:ns:sa"}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn set_qualified_operators_scope_like_plain_ones() {
    for operator in ["ForAnyValue:StringLike", "ForAllValues:StringEquals"] {
        let policy = irsa(&json!({operator: {key("sub"): "system:serviceaccount:ns:sa"}}));
        assert_eq!(only_scope(&policy), single("ns", "sa"), "{operator}");
    }
}

#[test]
fn string_equals_ignore_case_scopes() {
    let policy =
        irsa(&json!({"StringEqualsIgnoreCase": {key("sub"): "system:serviceaccount:ns:sa"}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn several_exact_subjects_are_still_scoped() {
    let policy = irsa(&json!({"StringEquals": {key("sub"): [
        "system:serviceaccount:b:two", "system:serviceaccount:a:one", "system:serviceaccount:a:one"]}}));
    let scope = only_scope(&policy);
    assert_eq!(
        scope,
        SubjectScope::ServiceAccounts(vec![
            ServiceAccount {
                namespace: "a".into(),
                name: "one".into()
            },
            ServiceAccount {
                namespace: "b".into(),
                name: "two".into()
            },
        ])
    );
    assert!(scope.is_scoped());
}

#[test]
fn audience_only_condition_is_unconstrained() {
    let policy = irsa(&json!({"StringEquals": {key("aud"): "sts.amazonaws.com"}}));
    let trusts = federated_trusts(&policy);
    assert_eq!(trusts[0].subject, SubjectScope::Unconstrained);
    assert!(trusts[0].audience_restricted_to_sts);
}

#[test]
fn no_condition_is_unconstrained_without_audience() {
    let trusts = federated_trusts(&irsa(&Value::Null));
    assert_eq!(trusts[0].subject, SubjectScope::Unconstrained);
    assert!(!trusts[0].audience_restricted_to_sts);
}

#[test]
fn audience_other_than_sts_is_not_restricted_to_sts() {
    let policy = irsa(&json!({"StringEquals": {key("aud"): ["sts.amazonaws.com", "other"]}}));
    assert!(!federated_trusts(&policy)[0].audience_restricted_to_sts);
}

#[test]
fn a_positive_condition_on_another_issuers_sub_makes_the_statement_unassumable() {
    // The other issuer's keys are absent from this provider's tokens, and a
    // plain operator on an absent key is false.
    let policy = irsa(&json!({"StringEquals": {
        format!("{OTHER_PROVIDER}:sub"): "system:serviceaccount:ns:sa",
        format!("{OTHER_PROVIDER}:aud"): "sts.amazonaws.com"}}));
    let trusts = federated_trusts(&policy);
    assert_eq!(
        trusts[0].subject,
        SubjectScope::Unassumable {
            condition: format!("StringEquals {OTHER_PROVIDER}:sub")
        }
    );
    assert!(trusts[0].subject.is_scoped());
    assert!(!trusts[0].audience_restricted_to_sts);
    for operator in [
        "StringLike",
        "ForAnyValue:StringLike",
        "StringEqualsIgnoreCase",
    ] {
        let policy = irsa(
            &json!({operator: {format!("{}:SUB", OTHER_PROVIDER.to_uppercase()): "system:serviceaccount:*"}}),
        );
        assert!(
            matches!(only_scope(&policy), SubjectScope::Unassumable { .. }),
            "{operator}"
        );
    }
    let null = irsa(&json!({"Null": {format!("{OTHER_PROVIDER}:sub"): "false"}}));
    assert!(matches!(
        only_scope(&null),
        SubjectScope::Unassumable { .. }
    ));
}

#[test]
fn an_if_exists_or_negated_condition_on_another_issuers_sub_restricts_nothing() {
    for operator in [
        "StringEqualsIfExists",
        "StringLikeIfExists",
        "ForAllValues:StringEquals",
        "StringNotEquals",
    ] {
        let policy = irsa(
            &json!({operator: {format!("{OTHER_PROVIDER}:sub"): "system:serviceaccount:ns:sa"}}),
        );
        let trusts = federated_trusts(&policy);
        assert_eq!(trusts[0].subject, SubjectScope::Unconstrained, "{operator}");
        assert_eq!(
            trusts[0].vacuous,
            [format!("{operator} {OTHER_PROVIDER}:sub")]
        );
    }
    // The provider's own condition still scopes next to a vacuous one.
    let policy = irsa(&json!({
        "StringEquals": {key("sub"): "system:serviceaccount:ns:sa"},
        "StringLikeIfExists": {format!("{OTHER_PROVIDER}:sub"): "*"}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn global_keys_are_not_another_issuers() {
    let policy = irsa(
        &json!({"StringEquals": {"aws:SourceAccount": "123456789012",
        "aws:RequestTag/team": "a"}}),
    );
    let trusts = federated_trusts(&policy);
    assert_eq!(trusts[0].subject, SubjectScope::Unconstrained);
    assert!(trusts[0].vacuous.is_empty());
}

#[test]
fn if_exists_on_the_providers_own_keys_acts_like_the_base_operator() {
    let policy = irsa(&json!({"StringEqualsIfExists": {
        key("sub"): "system:serviceaccount:ns:sa", key("aud"): "sts.amazonaws.com"}}));
    let trusts = federated_trusts(&policy);
    assert_eq!(trusts[0].subject, single("ns", "sa"));
    assert!(trusts[0].audience_restricted_to_sts);
    let like = irsa(&json!({"StringLikeIfExists": {key("sub"): "system:serviceaccount:ns:*"}}));
    assert_eq!(
        only_scope(&like),
        SubjectScope::Wildcard {
            pattern: "system:serviceaccount:ns:*".into()
        }
    );
    let absent = irsa(&json!({"Null": {key("sub"): "true"}}));
    assert!(matches!(
        only_scope(&absent),
        SubjectScope::Unassumable { .. }
    ));
}

#[test]
fn condition_key_matches_case_insensitively() {
    let policy = irsa(&json!({"StringEquals": {
        format!("{}:SUB", PROVIDER.to_uppercase()): "system:serviceaccount:ns:sa"}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn negated_and_null_operators_do_not_scope() {
    for operator in [
        "StringNotEquals",
        "StringNotLike",
        "ForAnyValue:StringNotLike",
    ] {
        let policy = irsa(&json!({operator: {key("sub"): "system:serviceaccount:ns:sa"}}));
        assert_eq!(
            only_scope(&policy),
            SubjectScope::Unconstrained,
            "{operator}"
        );
    }
    let null = irsa(&json!({"Null": {key("sub"): "false"}}));
    assert_eq!(only_scope(&null), SubjectScope::Unconstrained);
}

#[test]
fn positive_operator_scopes_despite_non_scoping_ones() {
    let policy = irsa(&json!({
        "StringNotEquals": {key("sub"): "system:serviceaccount:ns:other"},
        "StringEquals": {key("sub"): "system:serviceaccount:ns:sa"}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn exact_sub_intersects_with_wildcard_sub() {
    let policy = irsa(&json!({
        "StringLike": {key("sub"): "system:serviceaccount:ns:*"},
        "StringEquals": {key("sub"): ["system:serviceaccount:ns:sa", "system:serviceaccount:other:sa"]}}));
    assert_eq!(only_scope(&policy), single("ns", "sa"));
}

#[test]
fn exact_subjects_that_are_not_service_accounts_are_reported() {
    // Under StringEquals `*` is a literal, so no token can match.
    let policy = irsa(&json!({"StringEquals": {key("sub"): "system:serviceaccount:ns:*"}}));
    let scope = only_scope(&policy);
    assert_eq!(
        scope,
        SubjectScope::NonServiceAccount {
            values: vec!["system:serviceaccount:ns:*".into()]
        }
    );
    assert!(scope.is_scoped());
}

#[test]
fn empty_condition_value_list_does_not_scope() {
    let policy = irsa(&json!({"StringEquals": {key("sub"): []}}));
    assert_eq!(only_scope(&policy), SubjectScope::Unconstrained);
}

#[test]
fn multiple_statements_and_providers_are_reported_separately() {
    let policy = Policy::parse(&json!({"Statement": [
        {"Sid": "Both", "Effect": "Allow",
         "Principal": {"Federated": [PROVIDER_ARN, OTHER_ARN]},
         "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
         "Condition": {"StringEquals": {key("sub"): "system:serviceaccount:ns:sa"}}},
        {"Sid": "Loose", "Effect": "Allow", "Principal": {"Federated": OTHER_ARN},
         "Action": "sts:*",
         "Condition": {"StringLike": {format!("{OTHER_PROVIDER}:sub"): "system:serviceaccount:*:*"}}}]}))
    .unwrap();
    let summary: Vec<(Option<String>, String, SubjectScope)> = federated_trusts(&policy)
        .into_iter()
        .map(|t| (t.sid, t.provider, t.subject))
        .collect();
    assert_eq!(
        summary,
        [
            (Some("Both".into()), PROVIDER.into(), single("ns", "sa")),
            // The other provider's tokens lack PROVIDER:sub.
            (
                Some("Both".into()),
                OTHER_PROVIDER.into(),
                SubjectScope::Unassumable {
                    condition: format!("StringEquals {PROVIDER}:sub")
                }
            ),
            (
                Some("Loose".into()),
                OTHER_PROVIDER.into(),
                SubjectScope::Wildcard {
                    pattern: "system:serviceaccount:*:*".into()
                }
            ),
        ]
    );
}

#[test]
fn non_oidc_principals_other_actions_and_denies_are_ignored() {
    let policy = Policy::parse(&json!({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:saml-provider/okta"},
         "Action": "sts:AssumeRoleWithSAML"},
        {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"},
        {"Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"Federated": PROVIDER_ARN},
         "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    .unwrap();
    assert!(federated_trusts(&policy).is_empty());
}

#[test]
fn provider_helpers_extract_issuer_host_and_path() {
    assert_eq!(oidc_provider_of(PROVIDER_ARN), Some(PROVIDER));
    assert_eq!(oidc_provider_of("arn:aws:iam::1:saml-provider/x"), None);
    assert_eq!(oidc_provider_of("arn:aws:iam::1:oidc-provider/"), None);
    assert_eq!(
        provider_from_issuer("https://oidc.eks.us-east-1.amazonaws.com/id/ABC/"),
        PROVIDER
    );
    assert_eq!(provider_from_issuer(PROVIDER), PROVIDER);
}
