use super::*;
use serde_json::json;

fn statement(value: &Value) -> Result<Statement, PolicyError> {
    Policy::parse(&json!({"Version": "2012-10-17", "Statement": value}))
        .map(|mut p| p.statements.remove(0))
}

#[test]
fn statement_may_be_a_single_object_or_an_array() {
    let one = Policy::parse(
        &json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
    )
    .unwrap();
    assert_eq!(one.statements.len(), 1);
    let two = Policy::parse(&json!({"Version": "2012-10-17", "Id": "x", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}))
    .unwrap();
    assert_eq!(two.version.as_deref(), Some("2012-10-17"));
    assert_eq!(two.id.as_deref(), Some("x"));
    assert_eq!(two.statements[1].effect, Effect::Deny);
}

#[test]
fn string_or_array_fields_accept_both_shapes() {
    let scalar = statement(&json!({"Effect": "Allow", "Action": "a:B", "Resource": "r",
        "Principal": {"AWS": "arn:aws:iam::1:root"},
        "Condition": {"StringEquals": {"k": "v"}}}))
    .unwrap();
    let array = statement(
        &json!({"Effect": "Allow", "Action": ["a:B"], "Resource": ["r"],
        "Principal": {"AWS": ["arn:aws:iam::1:root"]},
        "Condition": {"StringEquals": {"k": ["v"]}}}),
    )
    .unwrap();
    assert_eq!(scalar, array);
    let not =
        statement(&json!({"Effect": "Deny", "NotAction": ["a:B", "c:D"], "NotResource": "r"}))
            .unwrap();
    assert_eq!(
        not.action,
        ActionSpec::NotAction(vec!["a:B".into(), "c:D".into()])
    );
    assert_eq!(
        not.resource,
        Some(ResourceSpec::NotResource(vec!["r".into()]))
    );
}

#[test]
fn principal_types_are_parsed() {
    let s = statement(&json!({"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "a", "Service": ["ec2.amazonaws.com", "eks.amazonaws.com"],
                      "Federated": "f", "CanonicalUser": "c"}}))
    .unwrap();
    let Some(PrincipalSpec::Principal(Principal::Specific(p))) = s.principal else {
        panic!("expected specific principal");
    };
    assert_eq!(p.aws, ["a"]);
    assert_eq!(p.service, ["ec2.amazonaws.com", "eks.amazonaws.com"]);
    assert_eq!(p.federated, ["f"]);
    assert_eq!(p.canonical_user, ["c"]);
    let any = statement(&json!({"Effect": "Allow", "Action": "x:Y", "NotPrincipal": "*"})).unwrap();
    assert_eq!(
        any.principal,
        Some(PrincipalSpec::NotPrincipal(Principal::Any))
    );
    assert!(Principal::Any.is_anyone());
}

#[test]
fn condition_values_are_stringified_and_flattened() {
    let s = statement(
        &json!({"Effect": "Allow", "Action": "x:Y", "Resource": "*", "Condition": {
        "Bool": {"aws:SecureTransport": true},
        "NumericLessThan": {"s3:max-keys": [10, 2.5]},
        "StringLike": {"a": "x*", "b": ["y", "z"]}}}),
    )
    .unwrap();
    let flat: Vec<(&str, &str, Vec<&str>)> = s
        .conditions
        .iter()
        .map(|c| {
            (
                c.operator.as_str(),
                c.key.as_str(),
                c.values.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        flat,
        [
            ("Bool", "aws:SecureTransport", vec!["true"]),
            ("NumericLessThan", "s3:max-keys", vec!["10", "2.5"]),
            ("StringLike", "a", vec!["x*"]),
            ("StringLike", "b", vec!["y", "z"]),
        ]
    );
}

#[test]
fn condition_operator_is_split_into_qualifier_base_and_if_exists() {
    let c = |operator: &str| Condition {
        operator: operator.into(),
        key: "k".into(),
        values: vec![],
    };
    let full = c("ForAnyValue:StringLikeIfExists");
    assert_eq!(full.qualifier(), Some(SetQualifier::ForAnyValue));
    assert_eq!(full.base_operator(), "StringLike");
    assert!(full.if_exists());
    let plain = c("StringEquals");
    assert_eq!(
        (plain.qualifier(), plain.base_operator(), plain.if_exists()),
        (None, "StringEquals", false)
    );
    assert_eq!(
        c("ForAllValues:StringEquals").qualifier(),
        Some(SetQualifier::ForAllValues)
    );
}

#[test]
fn empty_sid_is_treated_as_absent() {
    let s = statement(&json!({"Sid": "", "Effect": "Allow", "Action": "x:Y"})).unwrap();
    assert_eq!(s.sid, None);
    assert_eq!(s.resource, None);
    assert!(s.matches_resource("anything"));
}

#[test]
fn effect_must_be_exactly_allow_or_deny() {
    for effect in ["allow", "Permit", ""] {
        let err = statement(&json!({"Effect": effect, "Action": "x:Y"})).unwrap_err();
        assert!(
            matches!(err, PolicyError::InvalidEffect { .. }),
            "{effect}: {err}"
        );
    }
    let err = statement(&json!({"Action": "x:Y"})).unwrap_err();
    assert!(matches!(
        err,
        PolicyError::MissingField {
            field: "Effect",
            ..
        }
    ));
}

#[test]
fn action_is_required_and_exclusive_with_not_action() {
    let missing = statement(&json!({"Effect": "Allow", "Resource": "*"})).unwrap_err();
    assert!(matches!(missing, PolicyError::MissingField { .. }));
    let both =
        statement(&json!({"Effect": "Allow", "Action": "a:B", "NotAction": "c:D"})).unwrap_err();
    assert_eq!(
        both.to_string(),
        "Statement[0]: Action and NotAction cannot both be present"
    );
    let resources = statement(
        &json!({"Effect": "Allow", "Action": "a:B", "Resource": "*", "NotResource": "x"}),
    );
    assert!(matches!(
        resources,
        Err(PolicyError::ConflictingFields { .. })
    ));
}

#[test]
fn wrong_types_are_errors_naming_the_field() {
    let err = statement(&json!({"Effect": "Allow", "Action": 3})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Statement[0]: Action must be a string or an array of strings, got a number"
    );
    let err = statement(&json!({"Effect": "Allow", "Action": ["a:B", null]})).unwrap_err();
    assert!(err.to_string().contains("Action"));
    let err = statement(&json!({"Effect": "Allow", "Action": "a:B",
        "Condition": {"StringEquals": {"k": {"nested": 1}}}}))
    .unwrap_err();
    assert!(
        err.to_string().contains("Condition.StringEquals.k"),
        "{err}"
    );
    let err =
        statement(&json!({"Effect": "Allow", "Action": "a:B", "Condition": {"StringEquals": "k"}}))
            .unwrap_err();
    assert!(err.to_string().contains("Condition.StringEquals"), "{err}");
}

#[test]
fn principal_must_be_star_or_a_known_type_map() {
    let err =
        statement(&json!({"Effect": "Allow", "Action": "a:B", "Principal": "arn:aws:iam::1:root"}))
            .unwrap_err();
    assert!(matches!(err, PolicyError::InvalidType { .. }), "{err}");
    let err = statement(&json!({"Effect": "Allow", "Action": "a:B", "Principal": {"Aws": "*"}}))
        .unwrap_err();
    assert!(matches!(err, PolicyError::UnknownPrincipalType { ref kind, .. } if kind == "Aws"));
}

#[test]
fn malformed_documents_are_errors_not_panics() {
    for doc in [
        json!(null),
        json!([]),
        json!("policy"),
        json!({}),
        json!({"Statement": "x"}),
        json!({"Statement": [1]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "a:B", "Actions": "c:D"}]}),
        json!({"Version": 2012, "Statement": []}),
        json!({"Statement": [], "Extra": true}),
    ] {
        assert!(Policy::parse(&doc).is_err(), "{doc}");
    }
}

#[test]
fn error_location_names_the_statement_index() {
    let err = Policy::parse(&json!({"Statement": [
        {"Effect": "Allow", "Action": "a:B"},
        {"Effect": "Allow", "Action": "a:B", "Bogus": 1}]}))
    .unwrap_err();
    assert_eq!(err.to_string(), "Statement[1]: unknown field \"Bogus\"");
}

#[test]
fn empty_statement_list_is_a_valid_policy_that_grants_nothing() {
    let policy = Policy::parse(&json!({"Version": "2012-10-17", "Statement": []})).unwrap();
    assert!(policy.statements.is_empty());
}

#[test]
fn from_raw_decodes_then_parses() {
    let policy = Policy::from_raw(
        "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D",
    )
    .unwrap();
    assert_eq!(
        policy.statements[0].action,
        ActionSpec::Action(vec!["*".into()])
    );
    assert!(Policy::from_raw("%7Bnope").is_err());
}
