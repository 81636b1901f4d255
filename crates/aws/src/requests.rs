//! What a scan sent (`audit --stats`): every operation and every attempt of
//! every SDK client, counted by one interceptor that each client carries.
//! The counts are process-wide: one process runs one audit.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The counts so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// HTTP requests (attempts) by `service:Operation`, with the IAM
    /// service prefix (`ec2`, `logs`, `inspector2`, ...).
    pub requests: BTreeMap<String, u64>,
    /// Operations called (each may take several attempts).
    pub operations: u64,
    /// Answers that said the caller is throttled.
    pub throttles: u64,
    /// Other failed attempts: error statuses, timeouts, connection errors.
    pub errors: u64,
}

impl Counts {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Attempts beyond each operation's first.
    pub fn retries(&self) -> u64 {
        self.total_requests().saturating_sub(self.operations)
    }

    pub fn by_service(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (op, n) in &self.requests {
            let service = op.split_once(':').map_or(op.as_str(), |(s, _)| s);
            *out.entry(service.to_string()).or_insert(0) += n;
        }
        out
    }
}

static COUNTS: Mutex<Counts> = Mutex::new(Counts {
    requests: BTreeMap::new(),
    operations: 0,
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

/// The SDK's service names (`EC2`, `CloudWatch Logs`) as IAM prefixes.
fn service_prefix(sdk_name: &str) -> String {
    let name: String = sdk_name
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match name.as_str() {
        "cloudwatchlogs" => "logs".to_string(),
        _ => name,
    }
}

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>().map_or_else(
        || "unknown:unknown".to_string(),
        |m| format!("{}:{}", service_prefix(m.service()), m.name()),
    )
}

/// Whether a failed answer is a throttling error, in any protocol: HTTP 429,
/// or a throttling code in `x-amzn-ErrorType` (JSON protocols) or in the
/// body (`<Code>` of XML protocols, `__type`/`code` of JSON ones).
pub fn is_throttling(response: &HttpResponse) -> bool {
    if response.status().as_u16() == 429 {
        return true;
    }
    let named = |text: &str| {
        crate::error::THROTTLED.iter().any(|code| {
            text.contains(&format!("<Code>{code}</Code>"))
                || text.contains(&format!("\"{code}\""))
                || text.contains(&format!("#{code}\""))
                || text.split([':', '#']).any(|part| part.trim() == *code)
        })
    };
    if response
        .headers()
        .get("x-amzn-ErrorType")
        .is_some_and(named)
    {
        return true;
    }
    response
        .body()
        .bytes()
        .and_then(|b| std::str::from_utf8(b).ok())
        .is_some_and(named)
}

/// Counts every operation and attempt of the client it is added to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorder;

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "eksposture-stats"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        with(|c| c.operations += 1);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(cfg);
        with(|c| *c.requests.entry(op).or_insert(0) += 1);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match context.response() {
            // No answer: a timeout or a connection that failed.
            None => with(|c| c.errors += 1),
            Some(r) if r.status().as_u16() >= 400 => {
                if is_throttling(r) {
                    with(|c| c.throttles += 1);
                } else {
                    with(|c| c.errors += 1);
                }
            }
            Some(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn response(status: u16, header: Option<&str>, body: &str) -> HttpResponse {
        let mut r = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.to_string()),
        );
        if let Some(h) = header {
            r.headers_mut().insert("x-amzn-ErrorType", h.to_string());
        }
        r
    }

    #[test]
    fn throttling_is_recognised_in_every_protocol() {
        // EC2 query protocol.
        assert!(is_throttling(&response(
            503,
            None,
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>"
        )));
        // IAM and STS.
        assert!(is_throttling(&response(
            400,
            None,
            "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"
        )));
        // awsJson: header and __type.
        assert!(is_throttling(&response(
            400,
            Some("ThrottlingException:http://internal.amazon.com/coral/"),
            "{}"
        )));
        assert!(is_throttling(&response(
            400,
            None,
            r#"{"__type":"com.amazonaws.ecr#ThrottlingException","message":"Rate exceeded"}"#
        )));
        // REST-JSON.
        assert!(is_throttling(&response(429, None, "{}")));
        // Not throttling.
        assert!(!is_throttling(&response(
            400,
            None,
            "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"
        )));
        assert!(!is_throttling(&response(
            500,
            None,
            "<html>Throttling docs</html>"
        )));
    }

    #[test]
    fn sdk_service_names_become_iam_prefixes() {
        assert_eq!(service_prefix("CloudWatch Logs"), "logs");
        assert_eq!(service_prefix("EC2"), "ec2");
        assert_eq!(service_prefix("Inspector2"), "inspector2");
    }

    #[test]
    fn retries_are_attempts_beyond_the_first() {
        let c = Counts {
            requests: BTreeMap::from([
                ("ec2:DescribeVpcs".to_string(), 3),
                ("eks:ListClusters".to_string(), 1),
            ]),
            operations: 2,
            throttles: 2,
            errors: 0,
        };
        assert_eq!((c.total_requests(), c.retries()), (4, 2));
        assert_eq!(c.by_service()["ec2"], 3);
    }
}
