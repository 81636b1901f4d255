//! Paging against a scripted API server: pages are followed to the end, an
//! expired continue token (410) restarts the list once and is a gap the
//! second time.

use std::sync::{Arc, Mutex};

use eksposture_model::GapReason;
use http::{Request, Response};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::client::Body;
use serde_json::json;

use super::{Auth, Reader, PAGE};
use crate::kinds::SERVICE_ACCOUNTS;

/// Answers each request with the next scripted `(status, body)`, recording
/// the request's query.
fn scripted(answers: Vec<(u16, serde_json::Value)>) -> (kube::Client, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let log = seen.clone();
    let service = tower::service_fn(move |req: Request<Body>| {
        log.lock()
            .unwrap()
            .push(req.uri().query().unwrap_or_default().to_string());
        let (status, body) = answers.lock().unwrap().next().expect("an answer left");
        async move {
            Ok::<_, std::convert::Infallible>(
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string().into_bytes()))
                    .unwrap(),
            )
        }
    });
    (kube::Client::new(service, "default"), seen)
}

fn page(names: &[&str], next: Option<&str>) -> (u16, serde_json::Value) {
    let items: Vec<_> = names
        .iter()
        .map(|n| json!({"metadata": {"name": n, "namespace": "ns"}}))
        .collect();
    (
        200,
        json!({"apiVersion": "v1", "kind": "ServiceAccountList",
               "metadata": {"continue": next.unwrap_or("")}, "items": items}),
    )
}

fn gone() -> (u16, serde_json::Value) {
    (
        410,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
               "reason": "Expired", "message": "The provided continue parameter is too old"}),
    )
}

async fn names(client: kube::Client) -> Result<Vec<String>, eksposture_model::Gap> {
    let r = Reader::new(client, Auth::Kubeconfig, "us-east-1", "prod");
    r.list(&SERVICE_ACCOUNTS, |sa: ServiceAccount| {
        sa.metadata.name.unwrap_or_default()
    })
    .await
}

#[tokio::test]
async fn follows_every_page() {
    let (c, seen) = scripted(vec![page(&["a", "b"], Some("t1")), page(&["c"], None)]);
    assert_eq!(names(c).await.unwrap(), ["a", "b", "c"]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].contains(&format!("limit={PAGE}")), "{seen:?}");
    assert!(seen[1].contains("continue=t1"), "{seen:?}");
}

#[tokio::test]
async fn an_expired_continue_token_restarts_the_list_once() {
    let (c, seen) = scripted(vec![
        page(&["a"], Some("t1")),
        gone(),
        page(&["a", "b"], Some("t2")),
        page(&["c"], None),
    ]);
    assert_eq!(names(c).await.unwrap(), ["a", "b", "c"], "no duplicates");
    assert!(!seen.lock().unwrap()[2].contains("continue="));
}

#[tokio::test]
async fn a_second_expiry_is_a_gap() {
    let (c, _) = scripted(vec![
        page(&["a"], Some("t1")),
        gone(),
        page(&["a"], Some("t2")),
        gone(),
    ]);
    let gap = names(c).await.unwrap_err();
    assert_eq!(gap.reason, GapReason::Error);
    assert_eq!(gap.service, "kubernetes");
    assert_eq!(gap.operation, "list serviceaccounts");
    assert!(gap.message.contains("410"), "{}", gap.message);
}
