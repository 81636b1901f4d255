//! The client against a real kube-apiserver: the CA and token it is given,
//! and what the server answers for a token with no grants and a bad one.

mod support;

use eksposture_kube::connect::{client, pem_certificates, Bearer, Endpoint};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};

fn endpoint(s: &support::KubeServer) -> Endpoint {
    Endpoint {
        url: s.url().to_string(),
        ca: pem_certificates(&s.ca_pem()).expect("CA"),
    }
}

fn status(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

#[tokio::test]
async fn lists_with_the_token_and_ca_it_is_given_and_a_replaced_token_applies() {
    let Some(s) = support::server() else { return };
    let bearer = Bearer::new(s.admin_token());
    let c = client(&endpoint(s), &bearer).expect("client");
    let names: Vec<String> = Api::<Namespace>::all(c.clone())
        .list(&ListParams::default())
        .await
        .expect("list namespaces")
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    assert!(names.iter().any(|n| n == "kube-system"), "{names:?}");

    // The same client, the token replaced: the reader has no grants.
    bearer.set(s.reader_token());
    let denied = Api::<Namespace>::all(c.clone())
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(status(&denied), Some(403), "{denied}");

    bearer.set("not-a-token");
    let unauthenticated = Api::<Namespace>::all(c)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(status(&unauthenticated), Some(401), "{unauthenticated}");
}

#[tokio::test]
async fn refuses_a_server_whose_certificate_another_ca_signed() {
    let Some(s) = support::server() else { return };
    let mut e = endpoint(s);
    // A CA that did not sign the server's certificate: the connection fails
    // before any request is sent.
    e.ca = pem_certificates(include_str!("support/other-ca.pem")).expect("CA");
    let c = client(&e, &Bearer::new(s.admin_token())).expect("client");
    let err = Api::<Namespace>::all(c)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(status(&err), None, "{err}");
}
