use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::{eks_token, sts_endpoint, Token, REFRESH_AFTER, TOKEN_PREFIX};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2026-12-07T12:00:00Z.
fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_hours(499_068)
}

fn creds(session: Option<&str>) -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        SECRET,
        session.map(String::from),
        None,
        "test",
    )
}

fn url_of(token: &Token) -> String {
    let encoded = token.value.strip_prefix(TOKEN_PREFIX).expect("prefix");
    assert!(!encoded.contains('='), "unpadded: {encoded}");
    String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).expect("base64url")).expect("utf-8")
}

fn query(url: &str) -> (String, BTreeMap<String, String>) {
    let (base, q) = url.split_once('?').expect("query");
    let params = q
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("k=v");
            (k.to_string(), v.to_string())
        })
        .collect();
    (base.to_string(), params)
}

/// The signatures below are what botocore's `generate_presigned_url` gives
/// with the event hooks `aws eks get-token` registers (the `x-k8s-aws-id`
/// header signed), for the same credentials, region and time: the token is
/// the CLI's, signature included.
#[test]
fn matches_the_cli_byte_for_byte() {
    let cases = [
        (
            None,
            "ade8038dd3b999d7d450c1099649676e5f1d05a03a89f5130a263d658d010e09",
        ),
        (
            Some("SESSIONTOKEN/+="),
            "ee3a58d238fb70ef84e8de2ef2f1bdcc782673c1827c925ff32dff7fcbbbd00e",
        ),
    ];
    for (session, signature) in cases {
        let endpoint = sts_endpoint("eu-west-1");
        let token = eks_token(&creds(session), "eu-west-1", &endpoint, "prod", noon()).unwrap();
        let (base, q) = query(&url_of(&token));
        assert_eq!(base, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(q["Action"], "GetCallerIdentity");
        assert_eq!(q["Version"], "2011-06-15");
        assert_eq!(q["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(
            q["X-Amz-Credential"],
            "AKIDEXAMPLE%2F20261207%2Feu-west-1%2Fsts%2Faws4_request"
        );
        assert_eq!(q["X-Amz-Date"], "20261207T120000Z");
        assert_eq!(q["X-Amz-Expires"], "60");
        assert_eq!(q["X-Amz-SignedHeaders"], "host%3Bx-k8s-aws-id");
        assert_eq!(
            q.get("X-Amz-Security-Token").map(String::as_str),
            session.map(|_| "SESSIONTOKEN%2F%2B%3D")
        );
        assert_eq!(q["X-Amz-Signature"], signature, "session token {session:?}");
    }
}

#[test]
fn a_token_is_bound_to_its_cluster() {
    let endpoint = sts_endpoint("eu-west-1");
    let a = eks_token(&creds(None), "eu-west-1", &endpoint, "prod", noon()).unwrap();
    let b = eks_token(&creds(None), "eu-west-1", &endpoint, "staging", noon()).unwrap();
    let sig = |t: &Token| query(&url_of(t)).1["X-Amz-Signature"].clone();
    assert_ne!(sig(&a), sig(&b));
}

#[test]
fn endpoints_follow_the_partition() {
    assert_eq!(
        sts_endpoint("us-east-1"),
        "https://sts.us-east-1.amazonaws.com"
    );
    assert_eq!(
        sts_endpoint("cn-north-1"),
        "https://sts.cn-north-1.amazonaws.com.cn"
    );
    assert_eq!(
        sts_endpoint("us-gov-west-1"),
        "https://sts.us-gov-west-1.amazonaws.com"
    );
    let local = eks_token(
        &creds(None),
        "us-east-1",
        "http://127.0.0.1:5000/",
        "c",
        noon(),
    )
    .unwrap();
    assert!(url_of(&local).starts_with("http://127.0.0.1:5000/?Action=GetCallerIdentity&"));
    let err = eks_token(&creds(None), "us-east-1", "sts.example", "c", noon()).unwrap_err();
    assert!(err.to_string().contains("\"sts.example\""), "{err}");
}

#[test]
fn is_replaced_before_the_authenticator_stops_accepting_it() {
    let endpoint = sts_endpoint("us-east-1");
    let t = eks_token(&creds(None), "us-east-1", &endpoint, "c", noon()).unwrap();
    assert!(!t.is_stale(noon() + Duration::from_mins(1)));
    assert!(t.is_stale(noon() + REFRESH_AFTER));
    assert!(REFRESH_AFTER < Duration::from_mins(15));
    // A clock that went backwards cannot prove the token fresh.
    assert!(t.is_stale(noon() - Duration::from_secs(1)));
    assert!(
        !format!("{t:?}").contains("k8s-aws"),
        "Debug hides the value"
    );
}
