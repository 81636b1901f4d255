use super::*;
use crate::document::Policy;
use serde_json::{json, Value};

fn set(policies: &[(&str, Value)]) -> PolicySet {
    policies
        .iter()
        .map(|(source, doc)| (*source, Policy::parse(doc).unwrap()))
        .collect()
}

fn administrator_access() -> Value {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})
}

/// The shape of AmazonEKSWorkerNodePolicy.
fn worker_node_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "WorkerNodePermissions", "Effect": "Allow",
        "Action": ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeRouteTables",
                   "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVolumes",
                   "ec2:DescribeVolumesModifications", "ec2:DescribeVpcs", "eks:DescribeCluster",
                   "eks-auth:AssumeRoleForPodIdentity"],
        "Resource": "*"}]})
}

#[test]
fn administrator_access_is_full_admin() {
    let grant = set(&[(
        "arn:aws:iam::aws:policy/AdministratorAccess",
        administrator_access(),
    )])
    .grants_full_admin()
    .unwrap();
    assert_eq!(grant.source, "arn:aws:iam::aws:policy/AdministratorAccess");
    assert_eq!(grant.matched_actions, ["*"]);
    assert!(!grant.conditional);
}

#[test]
fn worker_node_policy_is_not_admin_and_grants_no_pass_role() {
    let set = set(&[("AmazonEKSWorkerNodePolicy", worker_node_policy())]);
    assert_eq!(set.grants_full_admin(), None);
    assert_eq!(set.grants_action_on_any_resource("iam:PassRole"), None);
    assert!(set.wildcard_service_actions().is_empty());
    let describe = set
        .grants_action_on_any_resource("eks:DescribeCluster")
        .unwrap();
    assert_eq!(describe.sid.as_deref(), Some("WorkerNodePermissions"));
}

#[test]
fn star_colon_star_is_admin_but_service_scoped_resource_is_not() {
    let admin = set(&[(
        "p",
        json!({"Statement": {"Effect": "Allow", "Action": "*:*", "Resource": "arn:*"}}),
    )]);
    assert!(admin.grants_full_admin().is_some());
    let s3_only = set(&[(
        "p",
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}}),
    )]);
    assert_eq!(s3_only.grants_full_admin(), None);
}

#[test]
fn not_action_on_every_resource_is_admin_like() {
    // PowerUserAccess: everything but IAM and Organizations.
    let power_user = set(&[(
        "PowerUserAccess",
        json!({"Statement": {
        "Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}}),
    )]);
    let grant = power_user.grants_full_admin().unwrap();
    assert!(grant.matched_actions.is_empty());
    assert!(matches!(grant.actions, ActionSpec::NotAction(_)));
}

#[test]
fn not_action_star_grants_nothing() {
    let nothing = set(&[(
        "p",
        json!({"Statement": {"Effect": "Allow", "NotAction": "*", "Resource": "*"}}),
    )]);
    assert_eq!(nothing.grants_full_admin(), None);
    assert!(nothing.wildcard_service_actions().is_empty());
}

#[test]
fn admin_cancelled_by_unconditional_deny_of_everything() {
    let denied = set(&[
        ("admin", administrator_access()),
        (
            "guardrail",
            json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}),
        ),
    ]);
    assert_eq!(denied.grants_full_admin(), None);
    assert!(denied.wildcard_service_actions().is_empty());
    assert_eq!(denied.grants_action_on_any_resource("s3:GetObject"), None);
}

#[test]
fn admin_survives_conditional_or_partial_deny() {
    let conditional = set(&[
        ("admin", administrator_access()),
        (
            "mfa",
            json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}}),
        ),
    ]);
    assert!(conditional.grants_full_admin().is_some());
    let partial = set(&[
        ("admin", administrator_access()),
        (
            "deny-s3",
            json!({"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}}),
        ),
    ]);
    assert!(partial.grants_full_admin().is_some());
}

#[test]
fn conditional_admin_is_reported_as_conditional() {
    let conditional = set(&[(
        "p",
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}}),
    )]);
    assert!(conditional.grants_full_admin().unwrap().conditional);
}

#[test]
fn unconditional_grant_is_preferred_as_evidence() {
    let both = set(&[
        (
            "conditional",
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}),
        ),
        ("plain", administrator_access()),
    ]);
    assert_eq!(both.grants_full_admin().unwrap().source, "plain");
}

#[test]
fn pass_role_on_star_is_granted_on_any_resource() {
    let set = set(&[(
        "inline:ci",
        json!({"Statement": [
        {"Sid": "Pass", "Effect": "Allow", "Action": ["ec2:RunInstances", "iam:Pass*"], "Resource": "*"}]}),
    )]);
    let grant = set.grants_action_on_any_resource("iam:PassRole").unwrap();
    assert_eq!(grant.matched_actions, ["iam:Pass*"]);
    assert_eq!(grant.sid.as_deref(), Some("Pass"));
    assert_eq!(grant.source, "inline:ci");
}

#[test]
fn service_wide_arn_patterns_count_as_any_resource() {
    for (action, resource) in [
        ("s3:GetObject", "arn:aws:s3:::*"),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:*:*:*",
        ),
        ("kms:Decrypt", "arn:*:kms:*:*:*"),
        ("ecr:PutImage", "arn:aws:ecr:*"),
        ("ecr:PutImage", "arn:aws:*"),
        ("iam:PassRole", "arn:aws:iam::*:*"),
    ] {
        let set = set(&[(
            "p",
            json!({"Statement": {"Effect": "Allow", "Action": action, "Resource": resource}}),
        )]);
        assert!(
            set.grants_action_on_any_resource(action).is_some(),
            "{action} on {resource}"
        );
    }
}

#[test]
fn specific_or_other_service_arn_patterns_are_not_any_resource() {
    for (action, resource) in [
        ("s3:GetObject", "arn:aws:s3:::bucket/*"),
        ("iam:PassRole", "arn:aws:iam::*:role/*"),
        ("iam:PassRole", "arn:aws:iam::123456789012:*"),
        ("kms:Decrypt", "arn:aws:s3:::*"),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:*:*"),
        ("kms:Decrypt", "arn:aws:kms"),
        ("kms:Decrypt", "arn:aws:km*:*:*:*"),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:*:*:secret:*",
        ),
    ] {
        let set = set(&[(
            "p",
            json!({"Statement": {"Effect": "Allow", "Action": action, "Resource": resource}}),
        )]);
        assert_eq!(
            set.grants_action_on_any_resource(action),
            None,
            "{action} on {resource}"
        );
    }
}

#[test]
fn action_on_any_resource_cancelled_only_by_covering_unconditional_deny() {
    let allow = (
        "allow",
        json!({"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}}),
    );
    let covering = set(&[
        allow.clone(),
        (
            "deny",
            json!({"Statement": {
        "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:*"}}),
        ),
    ]);
    assert_eq!(covering.grants_action_on_any_resource("kms:Decrypt"), None);
    let one_key = set(&[
        allow.clone(),
        (
            "deny",
            json!({"Statement": {
        "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/k"}}),
        ),
    ]);
    assert!(one_key
        .grants_action_on_any_resource("kms:Decrypt")
        .is_some());
    let not_resource = set(&[
        allow,
        (
            "deny",
            json!({"Statement": {
        "Effect": "Deny", "Action": "kms:Decrypt", "NotResource": "arn:aws:kms:us-east-1:1:key/k"}}),
        ),
    ]);
    assert!(not_resource
        .grants_action_on_any_resource("kms:Decrypt")
        .is_some());
}

#[test]
fn allow_with_not_resource_counts_as_any_resource() {
    let set = set(&[(
        "p",
        json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
        "NotResource": "arn:aws:s3:::private/*"}}),
    )]);
    assert!(set.grants_action_on_any_resource("s3:GetObject").is_some());
}

#[test]
fn wildcard_service_actions_lists_service_and_global_wildcards() {
    let set = set(&[
        (
            "inline:a",
            json!({"Statement": [
            {"Sid": "Iam", "Effect": "Allow", "Action": ["iam:*", "ec2:Describe*"], "Resource": "*"},
            {"Sid": "Bucket", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            {"Sid": "DenyOneRepo", "Effect": "Deny", "Action": "ecr:*", "Resource": "arn:aws:ecr:*:*:repository/x"}]}),
        ),
        ("admin", administrator_access()),
    ]);
    let grants = set.wildcard_service_actions();
    let summary: Vec<(Option<&str>, &[String])> = grants
        .iter()
        .map(|g| (g.sid.as_deref(), g.matched_actions.as_slice()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some("Iam"), &["iam:*".to_owned()][..]),
            (Some("Bucket"), &["s3:*".to_owned()][..]),
            (None, &["*".to_owned()][..]),
        ]
    );
}

#[test]
fn wildcard_service_action_dropped_when_whole_service_is_denied() {
    let set = set(&[(
        "p",
        json!({"Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "IAM:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}),
    )]);
    let grants = set.wildcard_service_actions();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].matched_actions, ["s3:*"]);
}

#[test]
fn deny_of_everything_but_a_few_actions_cancels_admin() {
    let set = set(&[
        ("admin", administrator_access()),
        (
            "boundary-like",
            json!({"Statement": {"Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"}}),
        ),
    ]);
    assert_eq!(set.grants_full_admin(), None);
}

#[test]
fn any_resource_rule_covers_all_star_and_arn_forms() {
    assert!(covers_any_resource("*", None));
    assert!(covers_any_resource("**", Some("s3")));
    assert!(covers_any_resource("arn:*", None));
    assert!(covers_any_resource("arn:aws:*", None));
    assert!(covers_any_resource("arn:aws:*:*:*:*", None));
    assert!(!covers_any_resource("arn:aws:s3:::*", None));
    assert!(covers_any_resource("arn:aws-cn:S3:::*", Some("s3")));
    assert!(!covers_any_resource("arn:aws:s3:::*/*", Some("s3")));
    assert!(!covers_any_resource("arn:aws:s3:::", Some("s3")));
    assert!(!covers_any_resource("bucket/*", Some("s3")));
}
