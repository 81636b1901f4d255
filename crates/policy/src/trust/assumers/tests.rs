use serde_json::{json, Value};

use super::{assumers, broad, Assumer};
use crate::Policy;

const OWN: &str = "111122223333";

fn judge(statements: &Value) -> Vec<Assumer> {
    let p = Policy::parse(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
    assumers(&p, OWN)
}

fn one(principal: &Value, action: &str, condition: Option<Value>) -> Assumer {
    let mut st = json!({"Effect": "Allow", "Action": action, "Principal": principal});
    if let Some(c) = condition {
        st["Condition"] = c;
    }
    let mut all = judge(&json!([st]));
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn assume(principal: &Value, condition: Option<Value>) -> Assumer {
    one(principal, "sts:AssumeRole", condition)
}

fn text(a: &Assumer) -> &str {
    match a {
        Assumer::Named(t) | Assumer::Broad(t) | Assumer::Unjudged(t) => t,
    }
}

fn is_broad(a: &Assumer) -> bool {
    matches!(a, Assumer::Broad(_))
}

fn is_named(a: &Assumer) -> bool {
    matches!(a, Assumer::Named(_))
}

const GITHUB: &str = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const SUB: &str = "token.actions.githubusercontent.com:sub";

fn github(condition: Option<Value>) -> Assumer {
    one(
        &json!({"Federated": GITHUB}),
        "sts:AssumeRoleWithWebIdentity",
        condition,
    )
}

#[test]
fn trust_open_to_accounts_or_anyone_is_broad() {
    assert!(is_broad(&assume(&json!("*"), None)));
    let root = assume(&json!({"AWS": "arn:aws:iam::111122223333:root"}), None);
    assert_eq!(
        root,
        Assumer::Broad("every principal of account 111122223333 (its own account)".into())
    );
    let other = assume(&json!({"AWS": ["444455556666"]}), None);
    assert!(text(&other).contains("another account"));
    let mfa = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
    let with_mfa = assume(&json!({"AWS": "arn:aws:iam::111122223333:root"}), Some(mfa));
    assert!(text(&with_mfa).contains("aws:MultiFactorAuthPresent do not narrow"));
    let not = judge(&json!([{"Effect": "Allow", "Action": "sts:AssumeRole",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"}}]));
    assert!(is_broad(&not[0]));
}

#[test]
fn trust_naming_principals_of_the_account_is_named() {
    assert!(is_named(&assume(
        &json!({"AWS": "arn:aws:iam::111122223333:role/admin"}),
        None
    )));
    let pinned =
        json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/breakglass"}});
    assert!(is_named(&assume(&json!({"AWS": OWN}), Some(pinned))));
    let wildcard = json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}});
    assert!(is_broad(&assume(&json!({"AWS": OWN}), Some(wildcard))));
    // A deleted principal, which IAM shows by its unique id.
    assert!(is_named(&assume(&json!({"AWS": "AROAEXAMPLEID"}), None)));
}

#[test]
fn a_named_principal_of_another_account_is_broad() {
    let a = assume(
        &json!({"AWS": "arn:aws:iam::444455556666:role/deployer"}),
        None,
    );
    assert!(is_broad(&a));
    assert!(text(&a).contains("another account (444455556666)"));
}

#[test]
fn github_actions_without_sub_or_with_open_owner_is_any_repository() {
    let none = github(Some(
        json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}),
    ));
    assert!(is_broad(&none));
    assert!(text(&none).contains("any repository on GitHub"), "{none:?}");
    for pattern in ["repo:*", "*", "repo:*/infra:ref:refs/heads/main"] {
        let a = github(Some(json!({"StringLike": {SUB: pattern}})));
        assert!(is_broad(&a), "{pattern}: {a:?}");
        assert!(text(&a).contains("any repository on GitHub"), "{pattern}");
    }
    let org = github(Some(json!({"StringLike": {SUB: "repo:acme/*:*"}})));
    assert!(is_broad(&org));
    assert!(text(&org).contains("several repositories"));
    // One open value among named ones opens the whole condition.
    let mixed = github(Some(
        json!({"StringLike": {SUB: ["repo:acme/infra:*", "repo:*"]}}),
    ));
    assert!(is_broad(&mixed));
}

#[test]
fn github_actions_of_named_repositories_is_named() {
    let one_repo = github(Some(json!({"StringLike": {SUB: "repo:acme/infra:*"}})));
    assert_eq!(
        one_repo,
        Assumer::Named("GitHub Actions workflows of repository acme/infra".into())
    );
    let exact = github(Some(
        json!({"StringEqualsIfExists": {SUB: "repo:acme/infra:environment:prod"}}),
    ));
    assert!(is_named(&exact));
    // ANDed with an open condition, the named one still bounds it.
    let anded = github(Some(json!({"StringLike": {SUB: "repo:*"},
        "StringEquals": {SUB: "repo:acme/infra:ref:refs/heads/main"}})));
    assert!(is_named(&anded));
    // A negated operator restricts nothing.
    let negated = github(Some(json!({"StringNotLike": {SUB: "repo:evil/*"}})));
    assert!(is_broad(&negated));
}

#[test]
fn github_actions_with_a_customised_subject_is_unjudged() {
    let a = github(Some(
        json!({"StringLike": {SUB: "repository_owner_id:42:repository_id:*"}}),
    ));
    assert!(matches!(a, Assumer::Unjudged(_)), "{a:?}");
}

#[test]
fn another_clusters_irsa_trust_is_judged_by_its_sub() {
    let provider = "oidc.eks.us-east-1.amazonaws.com/id/ABC";
    let arn = format!("arn:aws:iam::111122223333:oidc-provider/{provider}");
    let irsa = |c: Option<Value>| {
        one(
            &json!({"Federated": arn}),
            "sts:AssumeRoleWithWebIdentity",
            c,
        )
    };
    let open = irsa(None);
    assert!(is_broad(&open));
    assert!(text(&open).contains("every service account"));
    let wildcard = irsa(Some(
        json!({"StringLike": {format!("{provider}:sub"): "system:serviceaccount:*"}}),
    ));
    assert!(is_broad(&wildcard));
    let named = irsa(Some(
        json!({"StringEquals": {format!("{provider}:sub"): "system:serviceaccount:ops:admin"}}),
    ));
    assert!(is_named(&named));
}

#[test]
fn generic_oidc_needs_an_exact_sub() {
    let cognito = |c: Option<Value>| {
        one(
            &json!({"Federated": "cognito-identity.amazonaws.com"}),
            "sts:AssumeRoleWithWebIdentity",
            c,
        )
    };
    let aud_only = cognito(Some(
        json!({"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}}),
    ));
    assert!(is_broad(&aud_only));
    let named = cognito(Some(
        json!({"StringEquals": {"cognito-identity.amazonaws.com:sub": "us-east-1:id"}}),
    ));
    assert!(is_named(&named));
    let star = cognito(Some(
        json!({"StringLike": {"cognito-identity.amazonaws.com:sub": "*"}}),
    ));
    assert!(is_broad(&star));
    // A pattern in a format eksposture does not know (GitLab's project
    // path) is not judged either way.
    let gitlab = one(
        &json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/gitlab.com"}),
        "sts:AssumeRoleWithWebIdentity",
        Some(json!({"StringLike": {"gitlab.com:sub": "project_path:acme/infra:*"}})),
    );
    assert!(matches!(gitlab, Assumer::Unjudged(_)), "{gitlab:?}");
}

#[test]
fn github_enterprise_issuers_read_like_github() {
    let provider = "token.actions.githubusercontent.com/acme";
    let a = one(
        &json!({"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{provider}")}),
        "sts:AssumeRoleWithWebIdentity",
        Some(json!({"StringLike": {format!("{provider}:sub"): "repo:acme/infra:*"}})),
    );
    assert!(is_named(&a), "{a:?}");
}

#[test]
fn saml_names_the_idp_users() {
    let sso = one(
        &json!({"Federated": "arn:aws:iam::111122223333:saml-provider/AWSSSO_abc_DO_NOT_DELETE"}),
        "sts:AssumeRoleWithSAML",
        None,
    );
    assert!(is_named(&sso));
    assert!(text(&sso).contains("IAM Identity Center"));
    let okta = one(
        &json!({"Federated": "arn:aws:iam::111122223333:saml-provider/okta"}),
        "sts:AssumeRoleWithSAML",
        None,
    );
    assert!(text(&okta).contains("SAML identity provider okta"));
    // A SAML provider under a web-identity action grants nothing.
    assert!(judge(
        &json!([{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"}}])
    )
    .is_empty());
}

#[test]
fn code_running_services_are_broad_fixed_use_named_others_unjudged() {
    for svc in [
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "ec2.amazonaws.com.cn",
    ] {
        let a = assume(&json!({"Service": svc}), None);
        assert!(is_broad(&a), "{svc}: {a:?}");
    }
    assert!(
        text(&assume(&json!({"Service": "ec2.amazonaws.com"}), None)).contains("instance profile")
    );
    assert!(is_named(&assume(
        &json!({"Service": "eks.amazonaws.com"}),
        None
    )));
    assert!(matches!(
        assume(&json!({"Service": "example.amazonaws.com"}), None),
        Assumer::Unjudged(_)
    ));
}

#[test]
fn pod_identity_is_named_only_for_one_service_account() {
    let pods = |c: Option<Value>| {
        let mut st = json!({"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Principal": {"Service": "pods.eks.amazonaws.com"}});
        if let Some(c) = c {
            st["Condition"] = c;
        }
        judge(&json!([st, st]))
    };
    let open = pods(None);
    assert_eq!(open.len(), 1, "the same scope once: {open:?}");
    assert!(is_broad(&open[0]));
    let one_sa = pods(Some(json!({"StringEquals": {
        "aws:RequestTag/kubernetes-namespace": "ops",
        "aws:RequestTag/kubernetes-service-account": "admin"}})));
    assert!(is_named(&one_sa[0]), "{one_sa:?}");
}

#[test]
fn broad_lists_only_the_broad_grants() {
    let all = judge(&json!([
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": "arn:aws:iam::111122223333:role/a", "Service": "ec2.amazonaws.com"}},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*"}
    ]));
    assert_eq!(all.len(), 2);
    assert_eq!(broad(&all).len(), 1);
}
