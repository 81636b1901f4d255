//! Turning SDK errors into gap reasons.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use eksposture_model::GapReason;

/// Access to the HTTP status of a raw response, whatever its type.
pub trait RawStatus {
    fn status_code(&self) -> Option<u16>;
}

impl RawStatus for HttpResponse {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthFailure",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "NotAuthorized",
];

pub const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "ProvisionedThroughputExceededException",
    "BandwidthLimitExceeded",
];

/// The account cannot use the service or the region at all: an opt-in region
/// that is not enabled (EC2 `OptInRequired`, HTTP 401), or a service the
/// account is not subscribed to. No permission would fix it, so it is
/// `not_supported` rather than `access_denied`.
const UNAVAILABLE: &[&str] = &[
    "OptInRequired",
    "SubscriptionRequiredException",
    "InvalidAction",
    "UnknownOperationException",
    "UnsupportedOperation",
];

/// The gap reason and a one-line message for a failed call.
///
/// An HTTP 404 or 500/501 that carries no AWS error code is an endpoint that
/// does not implement the operation (an emulator, or a region/partition
/// without the API): `not_supported`, never "resource absent".
pub fn classify<E, R>(err: &SdkError<E, R>) -> (GapReason, String)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: RawStatus + std::fmt::Debug + 'static,
{
    let (code, status) = match err {
        SdkError::ServiceError(ctx) => (ctx.err().code(), ctx.raw().status_code()),
        SdkError::ResponseError(ctx) => (None, ctx.raw().status_code()),
        _ => return (GapReason::Error, describe(err)),
    };
    let reason = reason_for(code, status);
    // Without an error code the body is whatever the endpoint sent (often an
    // HTML page with a date in it): say what happened instead, so messages
    // stay stable from scan to scan.
    let message = match (code, status) {
        (None, Some(s)) if reason == GapReason::NotSupported => {
            format!(
                "HTTP {s} with no AWS error code: the endpoint does not implement this operation"
            )
        }
        (None, Some(s)) => format!("HTTP {s} with no AWS error code"),
        _ => describe(err),
    };
    (reason, message)
}

fn reason_for(code: Option<&str>, status: Option<u16>) -> GapReason {
    match code {
        Some(c) if ACCESS_DENIED.iter().any(|a| c.eq_ignore_ascii_case(a)) => {
            GapReason::AccessDenied
        }
        Some(c) if THROTTLED.iter().any(|a| c.eq_ignore_ascii_case(a)) => GapReason::Throttled,
        Some(c)
            if c.ends_with("NotSupportedException")
                || UNAVAILABLE.iter().any(|a| c.eq_ignore_ascii_case(a)) =>
        {
            GapReason::NotSupported
        }
        Some(_) => match status {
            Some(403) => GapReason::AccessDenied,
            Some(429) => GapReason::Throttled,
            _ => GapReason::Error,
        },
        None => match status {
            Some(404 | 500 | 501) => GapReason::NotSupported,
            Some(401 | 403) => GapReason::AccessDenied,
            Some(429) => GapReason::Throttled,
            _ => GapReason::Error,
        },
    }
}

/// The AWS error code of a service error (`ResourceNotFoundException`, ...).
pub fn service_code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(ProvideErrorMetadata::code)
}

/// A one-line description of an SDK error with its cause chain.
pub fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    if let SdkError::ServiceError(ctx) = err {
        let e = ctx.err();
        match (e.code(), e.message()) {
            (Some(c), Some(m)) => return format!("{c}: {m}"),
            (Some(c), None) => return c.to_string(),
            (None, _) => {}
        }
    }
    // Display of each error in the chain, without the Debug dumps that
    // `DisplayErrorContext` appends for some dispatch failures.
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_404_without_code_is_not_supported() {
        assert_eq!(reason_for(None, Some(404)), GapReason::NotSupported);
        assert_eq!(reason_for(None, Some(500)), GapReason::NotSupported);
    }

    #[test]
    fn coded_not_found_is_an_error_not_unsupported() {
        assert_eq!(
            reason_for(Some("ResourceNotFoundException"), Some(404)),
            GapReason::Error
        );
    }

    #[test]
    fn access_denied_and_throttling_codes() {
        assert_eq!(
            reason_for(Some("AccessDeniedException"), Some(403)),
            GapReason::AccessDenied
        );
        assert_eq!(
            reason_for(Some("UnauthorizedOperation"), Some(403)),
            GapReason::AccessDenied
        );
        assert_eq!(
            reason_for(Some("Throttling"), Some(400)),
            GapReason::Throttled
        );
        assert_eq!(
            reason_for(Some("SomethingElse"), Some(403)),
            GapReason::AccessDenied
        );
        assert_eq!(
            reason_for(Some("RequestLimitExceeded"), Some(503)),
            GapReason::Throttled
        );
        assert_eq!(
            reason_for(Some("AccessDenied"), Some(403)),
            GapReason::AccessDenied
        );
    }

    #[test]
    fn opt_in_and_subscription_errors_are_not_supported_not_denied() {
        // EC2 in an opt-in region that is not enabled answers 401.
        assert_eq!(
            reason_for(Some("OptInRequired"), Some(401)),
            GapReason::NotSupported
        );
        assert_eq!(
            reason_for(Some("SubscriptionRequiredException"), Some(400)),
            GapReason::NotSupported
        );
    }

    #[test]
    fn a_timed_out_call_is_an_error_gap() {
        use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
        let err: SdkError<GetCallerIdentityError, HttpResponse> =
            SdkError::timeout_error("operation attempt timeout");
        let (reason, message) = classify(&err);
        assert_eq!(reason, GapReason::Error);
        assert!(message.contains("timeout"), "{message}");
    }
}
