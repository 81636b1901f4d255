use serde_json::{json, Value};

use super::*;

fn narrowing(doc: &serde_json::Value) -> Vec<(Breadth, Vec<String>)> {
    let p = Policy::parse(doc).unwrap();
    broad_statements(&p)
        .into_iter()
        .map(|b| (b.breadth, b.narrowed_by))
        .collect()
}

#[test]
fn org_id_narrows_but_secure_transport_and_wildcards_do_not() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringLike": {"aws:PrincipalAccount": "*"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
         "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}]});
    let got = narrowing(&doc);
    assert_eq!(got[0], (Breadth::Anyone, vec!["aws:PrincipalOrgID".into()]));
    assert!(got[1].1.is_empty() && got[2].1.is_empty());
}

#[test]
fn deny_unless_in_organisation_narrows_the_allows_it_covers() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]},
        {"Effect": "Allow", "Principal": "*", "Action": "ecr:*"},
        {"Effect": "Deny", "Principal": "*", "Action": "ecr:Batch*",
         "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "ecr:GetDownloadUrlForLayer",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]});
    let got = narrowing(&doc);
    assert_eq!(got[0].1, ["aws:PrincipalOrgID", "aws:SourceVpce"]);
    assert!(got[1].1.is_empty(), "ecr:* is not covered by ecr:Batch*");
}

#[test]
fn account_roots_and_not_principal_are_broad_but_named_roles_are_not() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "222233334444",
            "arn:aws:iam::111122223333:role/x"]}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let breadths: Vec<Breadth> = narrowing(&doc).into_iter().map(|(b, _)| b).collect();
    assert_eq!(
        breadths,
        [
            Breadth::Account("111122223333".into()),
            Breadth::Account("222233334444".into()),
            Breadth::AllBut(vec!["arn:aws:iam::111122223333:role/x".into()]),
        ]
    );
}

fn resource_policy(statement: &Value) -> Policy {
    Policy::parse(&json!({"Statement": [statement]})).unwrap()
}

#[test]
fn star_principals_without_condition_allow_any_aws() {
    for principal in [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": ["arn:aws:iam::1:root", "*"]}),
    ] {
        let policy = resource_policy(&json!({"Sid": "Public", "Effect": "Allow",
            "Principal": principal, "Action": "ecr:BatchGetImage"}));
        assert!(principal_allows_any_aws(&policy), "{principal}");
        assert_eq!(
            open_to_any_principal(&policy).unwrap().sid.as_deref(),
            Some("Public")
        );
    }
}

#[test]
fn not_principal_allow_is_open_to_any_principal() {
    let policy = resource_policy(&json!({"Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "ecr:*"}));
    assert!(principal_allows_any_aws(&policy));
}

#[test]
fn restricted_star_principal_or_deny_or_named_account_is_not_open() {
    for statement in [
        json!({"Effect": "Allow", "Principal": "*", "Action": "ecr:*",
               "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}),
        json!({"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}),
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "ecr:*"}),
        json!({"Effect": "Allow", "Principal": {"Service": "*"}, "Action": "ecr:*"}),
    ] {
        assert!(
            !principal_allows_any_aws(&resource_policy(&statement)),
            "{statement}"
        );
    }
}

#[test]
fn unnarrowed_lists_the_breadths_that_may_call_the_action_without_narrowing() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "sts:TagSession"}]});
    let p = Policy::parse(&doc).unwrap();
    assert_eq!(
        unnarrowed(&p, "sts:AssumeRole"),
        [Breadth::Account("111122223333".into())]
    );
}
