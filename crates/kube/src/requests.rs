//! What the Kubernetes reads sent (`audit --stats`), counted by a layer
//! every client carries: requests by operation (`kubernetes:list pods`),
//! throttled answers and other failures. Process-wide, like the AWS side's
//! counts: one process runs one audit.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use http::{Request, Response};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests by `kubernetes:<operation>`.
    pub requests: BTreeMap<String, u64>,
    /// 429 answers.
    pub throttles: u64,
    /// Other failures: error statuses, timeouts, connections that failed.
    pub errors: u64,
}

static COUNTS: Mutex<Counts> = Mutex::new(Counts {
    requests: BTreeMap::new(),
    throttles: 0,
    errors: 0,
});

/// A copy of the counts.
pub fn snapshot() -> Counts {
    COUNTS.lock().map(|c| c.clone()).unwrap_or_default()
}

fn with(f: impl FnOnce(&mut Counts)) {
    if let Ok(mut c) = COUNTS.lock() {
        f(&mut c);
    }
}

/// The operation a request path stands for: `version`, `discovery`,
/// `list <resource>`, `get aws-auth`.
pub fn operation(path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["version"] => "version".to_string(),
        [.., "configmaps", name] => format!("get configmaps/{name}"),
        // /api/v1/<resource>, /apis/<group>/<version>/<resource>
        ["api", _, resource] | ["apis", _, _, resource] => format!("list {resource}"),
        _ => "discovery".to_string(),
    }
}

/// Counts every request of the client it wraps.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountLayer;

impl<S> tower::Layer<S> for CountLayer {
    type Service = Counting<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Counting(inner)
    }
}

#[derive(Clone)]
pub struct Counting<S>(S);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqB, ResB> tower::Service<Request<ReqB>> for Counting<S>
where
    S: tower::Service<Request<ReqB>, Response = Response<ResB>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let op = format!("kubernetes:{}", operation(req.uri().path()));
        with(|c| *c.requests.entry(op).or_insert(0) += 1);
        let answer = self.0.call(req);
        Box::pin(async move {
            let result = answer.await;
            match &result {
                Ok(r) if r.status().as_u16() == 429 => with(|c| c.throttles += 1),
                Ok(r) if r.status().as_u16() >= 400 => with(|c| c.errors += 1),
                Ok(_) => {}
                Err(_) => with(|c| c.errors += 1),
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::operation;

    #[test]
    fn names_the_operations_the_reader_sends() {
        assert_eq!(operation("/version"), "version");
        assert_eq!(operation("/apis/batch/v1"), "discovery");
        assert_eq!(operation("/api/v1/pods"), "list pods");
        assert_eq!(operation("/apis/apps/v1/deployments"), "list deployments");
        assert_eq!(
            operation("/api/v1/namespaces/kube-system/configmaps/aws-auth"),
            "get configmaps/aws-auth"
        );
    }
}
