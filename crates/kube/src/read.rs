//! Reading one cluster: every list paginated (`limit`/`continue`, 500 a
//! page), a bounded number of lists at a time, each kind's failure a gap of
//! its own, and the EKS token replaced before it ages out.

use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use eksposture_model::{Gap, GapReason};
use kube::api::{Api, ListParams};
use kube::Resource;
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, Semaphore};

use crate::connect::Bearer;
use crate::kinds::Kind;
use crate::token::{eks_token, Token};

/// Objects per page: the API server's own default page size for kubectl.
pub const PAGE: u32 = 500;
/// Lists of one cluster in flight at once.
pub const CONCURRENCY: usize = 4;

/// How requests authenticate.
pub enum Auth {
    /// A token made from the scan's AWS credentials (`aws eks get-token`).
    Eks(EksTokens),
    /// A kubeconfig context: kube-rs brings its own credentials (token,
    /// client certificate, exec plugin) and refreshes them.
    Kubeconfig,
}

/// Makes EKS tokens for one cluster and keeps the bearer current.
pub struct EksTokens {
    pub credentials: SharedCredentialsProvider,
    pub region: String,
    pub sts_endpoint: String,
    pub cluster: String,
    pub bearer: Bearer,
    current: Mutex<Option<Token>>,
}

impl EksTokens {
    pub fn new(
        credentials: SharedCredentialsProvider,
        region: &str,
        sts_endpoint: &str,
        cluster: &str,
        bearer: Bearer,
    ) -> EksTokens {
        EksTokens {
            credentials,
            region: region.to_string(),
            sts_endpoint: sts_endpoint.to_string(),
            cluster: cluster.to_string(),
            bearer,
            current: Mutex::new(None),
        }
    }

    /// Makes a new token when there is none or it is about to age out.
    pub async fn refresh(&self) -> Result<(), String> {
        let mut current = self.current.lock().await;
        let now = SystemTime::now();
        if current.as_ref().is_some_and(|t| !t.is_stale(now)) {
            return Ok(());
        }
        let creds = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| format!("no AWS credentials to make the EKS token: {e}"))?;
        let token = eks_token(&creds, &self.region, &self.sts_endpoint, &self.cluster, now)
            .map_err(|e| e.to_string())?;
        self.bearer.set(token.value.clone());
        *current = Some(token);
        Ok(())
    }
}

/// One cluster's Kubernetes API and how to read it.
pub struct Reader {
    pub client: kube::Client,
    pub auth: Auth,
    /// For gaps.
    pub region: String,
    pub cluster: String,
    limit: Semaphore,
}

impl Reader {
    pub fn new(client: kube::Client, auth: Auth, region: &str, cluster: &str) -> Reader {
        Reader {
            client,
            auth,
            region: region.to_string(),
            cluster: cluster.to_string(),
            limit: Semaphore::new(CONCURRENCY),
        }
    }

    /// Makes the EKS token current before a request.
    pub async fn authenticate(&self, operation: &str) -> Result<(), Gap> {
        match &self.auth {
            Auth::Eks(tokens) => tokens
                .refresh()
                .await
                .map_err(|m| self.gap(operation, GapReason::Error, m)),
            Auth::Kubeconfig => Ok(()),
        }
    }

    pub fn gap(&self, operation: &str, reason: GapReason, message: impl Into<String>) -> Gap {
        Gap::new("kubernetes", &self.region, operation, reason, message)
    }

    /// Every object of kind `K` in every namespace, each page mapped by
    /// `map` as it arrives (the API objects are dropped page by page). An
    /// expired continue token (410 Gone: the list changed for longer than
    /// etcd keeps its compaction window) restarts the list once; the second
    /// time it is a gap.
    pub async fn list<K, T>(&self, kind: &Kind, map: impl Fn(K) -> T) -> Result<Vec<T>, Gap>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let resource = kind.name();
        let operation = format!("list {resource}");
        let _permit = self
            .limit
            .acquire()
            .await
            .map_err(|_| self.gap(&operation, GapReason::Error, "the scan was cancelled"))?;
        let api: Api<K> = Api::all(self.client.clone());
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut restarted = false;
        loop {
            self.authenticate(&operation).await?;
            let mut params = ListParams::default().limit(PAGE);
            if let Some(token) = &next {
                params = params.continue_token(token);
            }
            match api.list(&params).await {
                Ok(page) => {
                    out.extend(page.items.into_iter().map(&map));
                    match page.metadata.continue_ {
                        Some(token) if !token.is_empty() => next = Some(token),
                        _ => return Ok(out),
                    }
                }
                Err(kube::Error::Api(status))
                    if status.code == 410 && !restarted && next.is_some() =>
                {
                    restarted = true;
                    next = None;
                    out.clear();
                }
                Err(e) => {
                    return Err(self.error_gap(&operation, &resource, &e));
                }
            }
        }
    }

    /// The gap for a failed request.
    pub fn error_gap(&self, operation: &str, resource: &str, e: &kube::Error) -> Gap {
        let (reason, message) = match e {
            kube::Error::Api(status) => match status.code {
                401 => (
                    GapReason::AccessDenied,
                    format!(
                        "the API server of cluster {} rejected the scanner's credentials (401 {})",
                        self.cluster, status.message
                    ),
                ),
                403 => (
                    GapReason::AccessDenied,
                    format!("the scanner may not {operation} (403 {})", status.message),
                ),
                404 => (
                    GapReason::NotSupported,
                    format!("the API server does not serve {resource} (404)"),
                ),
                410 => (
                    GapReason::Error,
                    format!(
                        "{resource} changed faster than it could be read: the continue token expired twice (410)"
                    ),
                ),
                429 => (GapReason::Throttled, format!("429 {}", status.message)),
                code => (GapReason::Error, format!("{code} {}", status.message)),
            },
            other if is_connection(other) => (
                GapReason::Unreachable,
                format!(
                    "cannot reach the API server of cluster {}: {other}. A private endpoint is reachable only from inside its VPC (or a peered network): run the scan there, or pass --kubeconfig with a context that reaches it",
                    self.cluster
                ),
            ),
            other => (GapReason::Error, other.to_string()),
        };
        self.gap(operation, reason, message)
    }
}

/// A transport failure (connect, TLS, timeout) rather than an answer.
fn is_connection(e: &kube::Error) -> bool {
    matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_))
}

#[cfg(test)]
mod tests;
