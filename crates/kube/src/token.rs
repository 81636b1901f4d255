//! The bearer token EKS's authenticator accepts, made in-process exactly as
//! `aws eks get-token` (and aws-iam-authenticator) make it.
//!
//! The token is `k8s-aws-v1.` followed by the unpadded base64url encoding of
//! a SigV4-presigned `GET` URL of STS `GetCallerIdentity` on the regional
//! STS endpoint. The header `x-k8s-aws-id: <cluster name>` is among the
//! signed headers but not in the URL: the authenticator adds it back with
//! the name of the cluster it serves, so a token made for one cluster does
//! not verify for another. `X-Amz-Expires` is 60 (what the CLI sends); the
//! authenticator ignores it and accepts a token for 15 minutes from its
//! `X-Amz-Date`, so a long read makes a new token well before that
//! ([`REFRESH_AFTER`]).

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The prefix the authenticator recognises.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// The header that binds a token to one cluster.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// How long the presigned URL says it is valid (the CLI's value).
const EXPIRES_IN: Duration = Duration::from_mins(1);
/// The authenticator accepts a token for 15 minutes after it was signed;
/// a token older than this is replaced before the next request.
pub const REFRESH_AFTER: Duration = Duration::from_mins(14);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot make an EKS token: the STS endpoint {0:?} is not an https:// or http:// URL")]
    Endpoint(String),
    #[error("cannot make an EKS token: signing failed: {0}")]
    Sign(String),
}

/// A bearer token and when it was signed.
#[derive(Clone)]
pub struct Token {
    pub value: String,
    pub signed_at: SystemTime,
}

impl std::fmt::Debug for Token {
    // The value is a credential: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Whether the token must be replaced at `now`.
    pub fn is_stale(&self, now: SystemTime) -> bool {
        now.duration_since(self.signed_at)
            .map_or(true, |age| age >= REFRESH_AFTER)
    }
}

/// The regional STS endpoint of `region` in its partition, as the CLI uses
/// it for `get-token` (the global endpoint is not used: a token signed for
/// `us-east-1` on `sts.amazonaws.com` is accepted only by some
/// authenticator versions).
pub fn sts_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("us-iso-") {
        "c2s.ic.gov"
    } else if region.starts_with("us-isob-") {
        "sc2s.sgov.gov"
    } else {
        "amazonaws.com"
    };
    format!("https://sts.{region}.{suffix}")
}

/// Makes the token for `cluster` from `credentials`, signing for `region` on
/// `endpoint` (normally [`sts_endpoint`]) at `now`.
pub fn eks_token(
    credentials: &Credentials,
    region: &str,
    endpoint: &str,
    cluster: &str,
    now: SystemTime,
) -> Result<Token, TokenError> {
    let base = endpoint.trim_end_matches('/');
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(TokenError::Endpoint(endpoint.to_string()));
    }
    let url = format!("{base}/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(EXPIRES_IN);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| TokenError::Sign(e.to_string()))?
        .into();
    let headers = [(CLUSTER_ID_HEADER, cluster)];
    // The payload hash is that of the empty body, as botocore's SigV4 query
    // auth computes it for STS (`UNSIGNED-PAYLOAD` is S3's presigning).
    let signable = SignableRequest::new("GET", &url, headers.into_iter(), SignableBody::Bytes(&[]))
        .map_err(|e| TokenError::Sign(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| TokenError::Sign(e.to_string()))?
        .into_parts();
    let mut request = http::Request::get(&url)
        .body(())
        .map_err(|e| TokenError::Sign(e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let presigned = request.uri().to_string();
    Ok(Token {
        value: format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(presigned)),
        signed_at: now,
    })
}

#[cfg(test)]
mod tests;
