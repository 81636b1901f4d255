use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::*;

const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn read(doc: &Value) -> Result<Policy, String> {
    Policy::parse(doc).map_err(|e| e.to_string())
}

/// The power of a role in `partition` and `regions` with these policies
/// (each `(source, document)`), for account 111122223333.
fn power_in(
    partition: &str,
    regions: &[&str],
    policies: &[(&str, Value)],
    boundary: Option<ReadPolicy>,
) -> RolePower {
    let regions: BTreeSet<&str> = regions.iter().copied().collect();
    let account = Account {
        partition,
        id: "111122223333",
        regions: &regions,
    };
    let policies = policies.iter().map(|(s, d)| ((*s).to_string(), read(d)));
    role_power(&account, policies, boundary)
}

fn power(policies: &[(&str, Value)]) -> RolePower {
    power_in("aws", &["us-east-1"], policies, None)
}

fn labels(p: &RolePower) -> Vec<String> {
    p.risky.iter().map(RiskyGrant::describe).collect()
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

#[test]
fn administrator_access_is_full_admin_and_hides_narrower_grants() {
    let p = power(&[(ADMIN_ARN, allow("*", "*"))]);
    assert_eq!(p.verdict(), Power::OverBroad);
    assert!(p.is_admin());
    assert_eq!(labels(&p), ["full administrator access (* on *)"]);
    assert_eq!(p.risky[0].statements[0].0, ADMIN_ARN);
}

#[test]
fn service_wildcards_and_sensitive_actions_are_each_reported_once() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:network-interface/*"},
        {"Effect": "Allow", "Action": ["iam:PassRole", "sts:AssumeRole"], "Resource": "arn:aws:iam::*:role/*"},
        {"Effect": "Allow", "Action": "ecr:*Upload*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:*:secret:app-*"}]});
    let p = power(&[("inline:mixed", doc)]);
    assert_eq!(labels(&p), [
        "s3:* on any resource",
        "iam:PassRole, sts:AssumeRole on any IAM role",
        "ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload on any ECR repository (conditional)",
    ]);
}

#[test]
fn unconditional_deny_cancels_a_grant() {
    let doc = json!({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]});
    assert_eq!(power(&[("inline:p", doc)]).verdict(), Power::WithinBaseline);
}

#[test]
fn unread_policy_makes_a_clean_role_unknown_but_not_a_risky_one() {
    let regions = BTreeSet::new();
    let account = Account {
        partition: "aws",
        id: "111122223333",
        regions: &regions,
    };
    let missing = || {
        (
            "arn:aws:iam::aws:policy/Missing".to_string(),
            Err("not collected".to_string()),
        )
    };
    let p = role_power(&account, [missing()], None);
    assert_eq!(p.verdict(), Power::Unknown);
    assert_eq!(
        p.unread_summary(),
        "arn:aws:iam::aws:policy/Missing (not collected)"
    );
    let risky = ("inline:p".to_string(), read(&allow("s3:GetObject", "*")));
    assert_eq!(
        role_power(&account, [missing(), risky], None).verdict(),
        Power::OverBroad
    );
}

#[test]
fn permissions_boundary_limits_the_grants_and_an_unread_one_leaves_them_unknown() {
    let admin = [("inline:admin", allow("*", "*"))];
    let boundary = (
        "arn:aws:iam::aws:policy/Boundary".to_string(),
        read(&allow("s3:*", "*")),
    );
    let p = power_in("aws", &[], &admin, Some(boundary));
    assert_eq!(labels(&p), ["s3:* on any resource"]);
    let unread = (
        "arn:aws:iam::aws:policy/Boundary".to_string(),
        Err("denied".to_string()),
    );
    let p = power_in("aws", &[], &admin, Some(unread));
    assert_eq!(p.verdict(), Power::Unknown);
    assert_eq!(
        p.boundary_unreadable,
        Some(Unreadable {
            source: "arn:aws:iam::aws:policy/Boundary".into(),
            reason: "denied".into()
        })
    );
}

#[test]
fn ssm_exemption_holds_only_for_the_aws_managed_arn_of_the_accounts_partition() {
    let ssm = allow("ssm:GetParameter", "*");
    let managed =
        |partition: &str| format!("arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore");
    let within = power_in("aws-cn", &[], &[(&managed("aws-cn"), ssm.clone())], None);
    assert_eq!(within.verdict(), Power::WithinBaseline);
    let other = power_in("aws-cn", &[], &[(&managed("aws"), ssm)], None);
    assert_eq!(labels(&other), ["ssm:GetParameter on any SSM parameter"]);
}

#[test]
fn regional_grants_are_probed_in_the_accounts_regions_or_us_east_1() {
    let secrets = [(
        "inline:p",
        allow(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:*:secret:*",
        ),
    )];
    let label = ["secretsmanager:GetSecretValue on any secret"];
    assert_eq!(
        labels(&power_in(
            "aws",
            &["us-east-1", "eu-west-1"],
            &secrets,
            None
        )),
        label
    );
    assert_eq!(labels(&power_in("aws", &[], &secrets, None)), label);
    assert!(power_in("aws", &["eu-west-1"], &secrets, None)
        .risky
        .is_empty());
}

#[test]
fn eks_access_api_remote_commands_and_code_updates_are_privilege_escalation() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssm:StartSession", "ec2-instance-connect:SendSSHPublicKey"],
         "Resource": "arn:aws:ec2:*:*:instance/*"},
        {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "arn:aws:lambda:*:*:function:*"}]});
    let p = power(&[("inline:p", doc)]);
    assert_eq!(
        labels(&p),
        [
            "eks:CreateAccessEntry on any EKS cluster",
            "eks:AssociateAccessPolicy on any EKS access entry",
            "ssm:StartSession, ec2-instance-connect:SendSSHPublicKey on any EC2 instance",
            "lambda:UpdateFunctionCode on any Lambda function",
        ]
    );
    assert!(p
        .risky
        .iter()
        .all(|r| r.class == GrantClass::PrivilegeEscalation));
    assert!(
        p.risky[1].why.contains("AmazonEKSClusterAdminPolicy"),
        "{}",
        p.risky[1].why
    );
    assert!(
        p.risky[2].why.contains("opens a shell on any instance"),
        "{}",
        p.risky[2].why
    );
}

#[test]
fn a_grant_on_named_clusters_or_instances_is_not_on_any() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": "eks:CreateAccessEntry", "Resource": "arn:aws:eks:us-east-1:111122223333:cluster/dev"},
        {"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}]});
    assert_eq!(power(&[("inline:p", doc)]).verdict(), Power::WithinBaseline);
}

#[test]
fn send_command_counts_only_with_the_shell_document_on_any_instance() {
    let own_document = json!({"Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": [
        "arn:aws:ec2:*:*:instance/*", "arn:aws:ssm:*:111122223333:document/RestartApp"]}]});
    assert_eq!(
        power(&[("inline:p", own_document)]).verdict(),
        Power::WithinBaseline
    );
    let shell = json!({"Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": [
        "arn:aws:ec2:*:*:instance/*", "arn:aws:ssm:*::document/AWS-RunShellScript"]}]});
    assert_eq!(
        labels(&power(&[("inline:p", shell)])),
        ["ssm:SendCommand on any EC2 instance"]
    );
    assert_eq!(
        labels(&power(&[("inline:p", allow("ssm:SendCommand", "*"))])),
        ["ssm:SendCommand on any EC2 instance"]
    );
}

#[test]
fn ecs_execute_command_needs_both_the_cluster_and_the_task() {
    let task_only = allow("ecs:ExecuteCommand", "arn:aws:ecs:*:*:task/*");
    assert_eq!(
        power(&[("inline:p", task_only)]).verdict(),
        Power::WithinBaseline
    );
    let both = json!({"Statement": [{"Effect": "Allow", "Action": "ecs:ExecuteCommand", "Resource": [
        "arn:aws:ecs:*:*:cluster/*", "arn:aws:ecs:*:*:task/*"]}]});
    assert_eq!(
        labels(&power(&[("inline:p", both)])),
        ["ecs:ExecuteCommand on any ECS task"]
    );
}

#[test]
fn every_listed_action_is_reported_on_star() {
    for entry in SENSITIVE {
        let p = power(&[("inline:p", allow(entry.action, "*"))]);
        assert_eq!(p.risky.len(), 1, "{}", entry.action);
        assert!(
            p.risky[0].label.starts_with(entry.action),
            "{}",
            p.risky[0].label
        );
        assert_eq!(p.risky[0].why, entry.why);
    }
}
