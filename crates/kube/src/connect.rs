//! A read-only Kubernetes client for one cluster: its endpoint and
//! certificate authority (from `DescribeCluster` or a kubeconfig), timeouts,
//! and a bearer token that the caller can replace while the client is in
//! use (an EKS token is good for 15 minutes; a long read outlives it).

use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{header, HeaderValue, Request};

use crate::requests::CountLayer;

/// How long a TCP and TLS connection may take: a private endpoint seen from
/// outside its VPC never answers, and the scan must not wait minutes on it.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may wait for its answer (one page of a list).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the cluster endpoint {0:?} is not a URL")]
    Endpoint(String),
    #[error("the cluster's certificate authority is not base64-encoded PEM: {0}")]
    CertificateAuthority(String),
    #[error("cannot build the Kubernetes client: {0}")]
    Client(String),
}

/// Where a cluster's API server is and which CA signs its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// DER certificates.
    pub ca: Vec<Vec<u8>>,
}

impl Endpoint {
    /// From `DescribeCluster`'s `endpoint` and `certificateAuthority.data`
    /// (base64 of a PEM bundle).
    pub fn from_eks(url: &str, certificate_authority: &str) -> Result<Endpoint, ConnectError> {
        let pem = STANDARD
            .decode(certificate_authority.trim())
            .map_err(|e| ConnectError::CertificateAuthority(e.to_string()))?;
        let pem = String::from_utf8(pem)
            .map_err(|e| ConnectError::CertificateAuthority(e.to_string()))?;
        Ok(Endpoint {
            url: url.to_string(),
            ca: pem_certificates(&pem)?,
        })
    }
}

/// The DER bodies of the `CERTIFICATE` blocks of a PEM text.
pub fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>, ConnectError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = body.find(END) else {
            return Err(ConnectError::CertificateAuthority(
                "a certificate has no END line".into(),
            ));
        };
        let b64: String = body[..end].split_whitespace().collect();
        out.push(
            STANDARD
                .decode(b64)
                .map_err(|e| ConnectError::CertificateAuthority(e.to_string()))?,
        );
        rest = &body[end + END.len()..];
    }
    if out.is_empty() {
        return Err(ConnectError::CertificateAuthority(
            "it holds no certificate".into(),
        ));
    }
    Ok(out)
}

/// The bearer token every request carries; replaced in place.
#[derive(Clone, Default)]
pub struct Bearer(Arc<RwLock<String>>);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer(..)")
    }
}

impl Bearer {
    pub fn new(token: impl Into<String>) -> Bearer {
        Bearer(Arc::new(RwLock::new(token.into())))
    }

    pub fn set(&self, token: impl Into<String>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = token.into();
    }

    fn header(&self) -> Option<HeaderValue> {
        let token = self.0.read().unwrap_or_else(PoisonError::into_inner);
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// Sets `Authorization: Bearer <current token>` on each request.
#[derive(Clone)]
struct BearerLayer(Bearer);

impl<S> tower::Layer<S> for BearerLayer {
    type Service = BearerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BearerService {
            inner,
            bearer: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct BearerService<S> {
    inner: S,
    bearer: Bearer,
}

impl<S, B> tower::Service<Request<B>> for BearerService<S>
where
    S: tower::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if let Some(value) = self.bearer.header() {
            req.headers_mut().insert(header::AUTHORIZATION, value);
        }
        self.inner.call(req)
    }
}

/// A client for `endpoint` that sends `bearer`'s current token.
pub fn client(endpoint: &Endpoint, bearer: &Bearer) -> Result<kube::Client, ConnectError> {
    let url = endpoint
        .url
        .parse::<http::Uri>()
        .map_err(|_| ConnectError::Endpoint(endpoint.url.clone()))?;
    if url.scheme_str() != Some("https") || url.host().is_none() {
        return Err(ConnectError::Endpoint(endpoint.url.clone()));
    }
    let mut config = kube::Config::new(url);
    config.root_cert = Some(endpoint.ca.clone());
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    config.write_timeout = Some(READ_TIMEOUT);
    client_from(config, Some(bearer))
}

/// A client from a kube-rs configuration (a kubeconfig context brings its
/// own credentials; `bearer` is for the EKS token).
pub fn client_from(
    mut config: kube::Config,
    bearer: Option<&Bearer>,
) -> Result<kube::Client, ConnectError> {
    config.connect_timeout = config.connect_timeout.or(Some(CONNECT_TIMEOUT));
    config.read_timeout = config.read_timeout.or(Some(READ_TIMEOUT));
    // kube-rs retries 429/503 for us; our own pacing is per cluster.
    let builder = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| ConnectError::Client(e.to_string()))?;
    let builder = builder.with_layer(&CountLayer);
    Ok(match bearer {
        Some(bearer) => builder.with_layer(&BearerLayer(bearer.clone())).build(),
        None => builder.build(),
    })
}

#[cfg(test)]
mod tests {
    use super::{pem_certificates, Endpoint};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    #[test]
    fn reads_the_ca_bundle_eks_returns() {
        let der1 = b"first certificate".to_vec();
        let der2 = b"second".to_vec();
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\r\n{}\r\n-----END CERTIFICATE-----\n",
            STANDARD.encode(&der1),
            STANDARD.encode(&der2)
        );
        let e = Endpoint::from_eks(
            "https://X.gr7.us-east-1.eks.amazonaws.com",
            &STANDARD.encode(pem),
        )
        .unwrap();
        assert_eq!(e.ca, vec![der1, der2]);
        for bad in ["not base64!", &STANDARD.encode("no pem here")] {
            let err = Endpoint::from_eks("https://x", bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("the cluster's certificate authority"),
                "{err}"
            );
        }
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\nAAAA").is_err());
    }
}
