//! IAM policy documents: decoding (plain, URL-encoded, double-encoded),
//! parsing, identity-policy evaluation, least-privilege questions and IRSA
//! trust analysis, on arbitrary text.

use eksposture_policy::{
    allows, decode_document, federated_trusts, has_wildcard, oidc_provider_of,
    open_to_any_principal, principal_allows_any_aws, provider_from_issuer, wildcard_match,
    ActionSpec, Decision, Policy, PolicySet, ResourceSpec,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

const QUERIES: [(&str, &str); 6] = [
    ("s3:GetObject", "arn:aws:s3:::bucket/key"),
    ("iam:PassRole", "arn:aws:iam::123456789012:role/node"),
    ("sts:AssumeRoleWithWebIdentity", "*"),
    ("ec2:DescribeInstances", "*"),
    ("IAM:CreateUser", "arn:aws:iam::123456789012:user/x"),
    ("", ""),
];

/// Feeds `data` (as UTF-8 text) through every public entry point of
/// `eksposture-policy`; panics only on a bug.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = oidc_provider_of(text);
    let _ = provider_from_issuer(text);
    let _ = has_wildcard(text);

    let decoded = decode_document(text);
    check_encodings_round_trip(text, decoded.as_ref().ok());
    let Ok(value) = decoded else {
        return;
    };
    let parsed = Policy::parse(&value);
    assert_eq!(
        parsed.as_ref().ok(),
        Policy::from_raw(text).as_ref().ok(),
        "from_raw disagrees with decode_document + parse"
    );
    if let Err(e) = &parsed {
        let _ = e.to_string();
    }
    if let Ok(policy) = parsed {
        evaluate(&policy);
    }
}

/// A plain JSON document decodes to the same value when URL-encoded once
/// or twice, as IAM and some tooling store it.
fn check_encodings_round_trip(text: &str, plain: Option<&serde_json::Value>) {
    let Some(plain) = plain else { return };
    if !text.starts_with('{') || text.trim() != text {
        return;
    }
    let once = utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    let twice = utf8_percent_encode(&once, NON_ALPHANUMERIC).to_string();
    assert_eq!(
        decode_document(&once).ok().as_ref(),
        Some(plain),
        "encoded once"
    );
    assert_eq!(
        decode_document(&twice).ok().as_ref(),
        Some(plain),
        "encoded twice"
    );
}

fn evaluate(policy: &Policy) {
    let single = std::slice::from_ref(policy);
    let set: PolicySet = [("fuzz", policy.clone())].into_iter().collect();

    // The policy's own patterns as actions and resources: hostile text for
    // the matcher, and values that are sure to match something.
    let mut actions: Vec<&str> = QUERIES.iter().map(|(a, _)| *a).collect();
    let mut resources: Vec<&str> = QUERIES.iter().map(|(_, r)| *r).collect();
    for statement in &policy.statements {
        match &statement.action {
            ActionSpec::Action(p) | ActionSpec::NotAction(p) => {
                actions.extend(p.iter().map(String::as_str).take(4));
            }
        }
        match &statement.resource {
            Some(ResourceSpec::Resource(p) | ResourceSpec::NotResource(p)) => {
                resources.extend(p.iter().map(String::as_str).take(4));
            }
            None => {}
        }
        for condition in &statement.conditions {
            let _ = (
                condition.qualifier(),
                condition.if_exists(),
                condition.base_operator(),
            );
        }
        if let Some(principal) = &statement.principal {
            let _ = format!("{principal:?}");
        }
    }
    actions.truncate(16);
    resources.truncate(16);
    for action in &actions {
        for resource in &resources {
            let decision = allows(single, action, resource);
            assert_eq!(decision, set.allows(action, resource));
            if decision == Decision::Allow {
                assert!(decision.may_allow());
            }
        }
        // The matcher must agree with itself on identical text.
        if !has_wildcard(action) {
            assert!(wildcard_match(action, action, false));
            assert!(wildcard_match(action, action, true));
        }
        let _ = set.grants_action_on_any_resource(action);
    }
    if let Some(grant) = set.grants_full_admin() {
        let _ = grant.to_string();
    }
    for grant in set.wildcard_service_actions() {
        let _ = grant.to_string();
    }

    let trusts = federated_trusts(policy);
    for trust in &trusts {
        let _ = trust.subject.is_scoped();
        assert!(oidc_provider_of(&trust.provider_arn).is_some());
    }
    assert_eq!(
        open_to_any_principal(policy).is_some(),
        principal_allows_any_aws(policy)
    );
}
