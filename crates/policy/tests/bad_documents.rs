//! Hostile and unusual policy documents through the crate's public API, for
//! the cases the unit tests (src/*/tests.rs, src/decode.rs) leave out:
//! double encoding end to end, malformed JSON behind URL encoding, inputs
//! that would exhaust the stack, `NotAction` evaluation and `NotPrincipal`
//! trusts. Every bad document must be an error, never a panic, and every
//! good one must evaluate as IAM would.

use eksposture_policy::{
    allows, decode_document, federated_trusts, open_to_any_principal, Decision, Policy,
    PolicyError, PolicySet,
};
use serde_json::json;
use std::fmt::Write as _;

/// [`allows`] over one policy.
fn decide(p: &Policy, action: &str, resource: &str) -> Decision {
    allows(std::slice::from_ref(p), action, resource)
}

/// RFC 3986 encoding as IAM does it: everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

const ADMIN_BUT_IAM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#;

#[test]
fn double_encoded_document_parses_to_the_same_policy_as_plain() {
    let plain = Policy::from_raw(ADMIN_BUT_IAM).unwrap();
    let once = Policy::from_raw(&encode(ADMIN_BUT_IAM)).unwrap();
    let twice = Policy::from_raw(&encode(&encode(ADMIN_BUT_IAM))).unwrap();
    assert_eq!(plain, once);
    assert_eq!(plain, twice);
}

#[test]
fn a_percent_sign_inside_a_plain_document_is_data_not_encoding() {
    // A plain document is never percent-decoded, even when its values
    // contain `%XX`-looking text (a resource name, a condition value).
    let raw = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25/%7Bx%7D"}}"#;
    let p = Policy::from_raw(raw).unwrap();
    assert_eq!(
        decide(&p, "s3:GetObject", "arn:aws:s3:::b/100%25/%7Bx%7D"),
        Decision::Allow
    );
    assert_eq!(
        decide(&p, "s3:GetObject", "arn:aws:s3:::b/100%/{x}"),
        Decision::ImplicitDeny
    );
    // Encoded once by IAM, the same literal survives one decoding round.
    let p = Policy::from_raw(&encode(raw)).unwrap();
    assert_eq!(
        decide(&p, "s3:GetObject", "arn:aws:s3:::b/100%25/%7Bx%7D"),
        Decision::Allow
    );
}

#[test]
fn malformed_json_behind_url_encoding_is_a_json_error() {
    for text in [
        r#"{"Statement": [{"Effect": "Allow",}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*"}"#,
        r"{'Statement': []}",
        "{\"Statement\": []}\u{0}",
        r#"{"Statement": []} trailing"#,
    ] {
        for raw in [text.to_string(), encode(text), encode(&encode(text))] {
            let err = Policy::from_raw(&raw).unwrap_err();
            assert!(matches!(err, PolicyError::Json(_)), "{raw}: {err:?}");
            let message = err.to_string();
            assert!(
                message.starts_with("policy document is not valid JSON") && !message.contains('\n'),
                "{raw}: {message}"
            );
        }
    }
}

#[test]
fn deeply_nested_documents_are_errors_not_stack_overflows() {
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(decode_document(&arrays).is_err());
    let statement = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"*","Resource":{}"*"{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(Policy::from_raw(&statement).is_err());
    assert!(Policy::from_raw(&encode(&statement)).is_err());
}

#[test]
fn non_object_statements_and_wrong_shapes_behind_encoding_are_errors() {
    for doc in [
        json!({"Statement": [{"Effect": "Allow", "Action": [["s3:*"]], "Resource": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": {"s3": "*"}, "Resource": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": 7}]}),
        json!({"Statement": [{"Effect": "Allow", "NotAction": [], "Resource": "*", "Action": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Condition": "aws:SecureTransport"}]}),
    ] {
        let raw = encode(&doc.to_string());
        assert!(Policy::from_raw(&raw).is_err(), "{doc}");
    }
}

fn policy(doc: &serde_json::Value) -> Policy {
    Policy::parse(doc).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

#[test]
fn not_action_allow_grants_everything_outside_the_list() {
    let p = Policy::from_raw(ADMIN_BUT_IAM).unwrap();
    let set: PolicySet = [("inline:not-iam", p.clone())].into_iter().collect();
    for action in [
        "s3:GetObject",
        "ec2:RunInstances",
        "secretsmanager:GetSecretValue",
    ] {
        assert_eq!(set.allows(action, "*"), Decision::Allow, "{action}");
    }
    // Actions compare case-insensitively, also inside NotAction.
    for action in [
        "iam:CreateUser",
        "IAM:PassRole",
        "Organizations:LeaveOrganization",
    ] {
        assert_eq!(set.allows(action, "*"), Decision::ImplicitDeny, "{action}");
    }
    // Everything-but-a-few on every resource counts as admin-like (as
    // PowerUserAccess), and as an any-resource grant of whatever it leaves in.
    assert!(set.grants_full_admin().is_some());
    assert!(set.grants_action_on_any_resource("s3:PutObject").is_some());
    assert!(set.grants_action_on_any_resource("iam:PassRole").is_none());
}

#[test]
fn not_action_deny_overrides_allow_for_everything_outside_the_list() {
    let p = policy(&json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:List*"], "Resource": "*"}]}));
    assert_eq!(decide(&p, "s3:GetObject", "*"), Decision::Allow);
    assert_eq!(
        decide(&p, "s3:ListBucket", "arn:aws:s3:::b"),
        Decision::Allow
    );
    assert_eq!(decide(&p, "ec2:RunInstances", "*"), Decision::ExplicitDeny);
    assert_eq!(decide(&p, "s3:PutObject", "*"), Decision::ExplicitDeny);
}

#[test]
fn not_action_with_not_resource_only_grants_outside_both() {
    let p = policy(
        &json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*",
        "NotResource": "arn:aws:s3:::secret/*"}}),
    );
    assert_eq!(
        decide(&p, "s3:GetObject", "arn:aws:s3:::public/a"),
        Decision::Allow
    );
    assert_eq!(
        decide(&p, "s3:GetObject", "arn:aws:s3:::secret/a"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(&p, "iam:GetRole", "arn:aws:s3:::public/a"),
        Decision::ImplicitDeny
    );
}

#[test]
fn conditional_not_action_allow_is_only_conditional() {
    let p = policy(
        &json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}}),
    );
    assert_eq!(decide(&p, "s3:GetObject", "*"), Decision::ConditionalAllow);
}

const PROVIDER_ARN: &str =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";

#[test]
fn not_principal_trust_is_open_and_names_no_federated_provider() {
    // Allow with NotPrincipal: everyone but the listed principal may call
    // AssumeRoleWithWebIdentity, so the trust is open to any principal, and
    // it is not an IRSA trust of the named provider (the provider is the one
    // principal *excluded*).
    let trust = policy(&json!({"Statement": {"Effect": "Allow",
        "NotPrincipal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity"}}));
    assert!(open_to_any_principal(&trust).is_some());
    assert!(federated_trusts(&trust).is_empty());
}

#[test]
fn deny_with_not_principal_does_not_open_the_trust() {
    // The common "deny everyone but X" pattern: the Deny narrows, it never
    // opens. The Allow names the provider and scopes :sub.
    let trust = policy(&json!({"Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
         "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ns:app"}}}]}));
    assert!(open_to_any_principal(&trust).is_none());
    let trusts = federated_trusts(&trust);
    assert_eq!(trusts.len(), 1);
    assert!(trusts[0].subject.is_scoped(), "{:?}", trusts[0].subject);
}

#[test]
fn url_encoded_trust_with_not_principal_and_wildcard_action_is_open() {
    let raw = encode(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root"]},
            "Action": "sts:*"}]})
        .to_string(),
    );
    let trust = Policy::from_raw(&raw).unwrap();
    let open = open_to_any_principal(&trust).expect("open to anyone but one account");
    assert!(open.matches_action("sts:AssumeRole"));
}
