use serde_json::json;

use super::trust_breadth;
use crate::Policy;

fn breadth(principal: &serde_json::Value, condition: Option<serde_json::Value>) -> Vec<String> {
    let mut st = json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal});
    if let Some(c) = condition {
        st["Condition"] = c;
    }
    let p = Policy::parse(&json!({"Version": "2012-10-17", "Statement": [st]})).unwrap();
    trust_breadth(&p, "111122223333")
}

#[test]
fn trust_open_to_accounts_or_anyone_is_broad() {
    assert_eq!(breadth(&json!("*"), None).len(), 1);
    let root = breadth(&json!({"AWS": "arn:aws:iam::111122223333:root"}), None);
    assert_eq!(
        root,
        ["every principal of account 111122223333 (its own account)"]
    );
    let other = breadth(&json!({"AWS": ["444455556666"]}), None);
    assert!(other[0].contains("another account"));
    let mfa = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
    let with_mfa = breadth(&json!({"AWS": "arn:aws:iam::111122223333:root"}), Some(mfa));
    assert!(with_mfa[0].contains("aws:MultiFactorAuthPresent do not narrow"));
}

#[test]
fn trust_naming_principals_is_narrow() {
    assert!(breadth(
        &json!({"AWS": "arn:aws:iam::111122223333:role/admin"}),
        None
    )
    .is_empty());
    assert!(breadth(
        &json!({"Federated": "arn:aws:iam::111122223333:saml-provider/sso"}),
        None
    )
    .is_empty());
    let pinned =
        json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/breakglass"}});
    assert!(breadth(&json!({"AWS": "111122223333"}), Some(pinned)).is_empty());
    let wildcard = json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}});
    assert_eq!(
        breadth(&json!({"AWS": "111122223333"}), Some(wildcard)).len(),
        1
    );
}
