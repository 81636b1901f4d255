//! Test support shared by every service module: a context and SDK clients
//! whose calls are answered by `aws-smithy-mocks` rules (no network, no
//! retries, so an error rule is seen once).

use std::borrow::Borrow;
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode};

use crate::{Ctx, GapSink, Limits};

/// A collection context for one region of account `account`.
pub fn ctx(region: &str, account: &str) -> Ctx {
    Ctx {
        region: region.into(),
        account_id: account.into(),
        partition: "aws".into(),
        sdk: SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build(),
        gaps: Arc::new(GapSink::default()),
        limits: Arc::new(Limits::default()),
        progress: None,
    }
}

/// Answers each call with the first rule that matches it (a rule only
/// matches its own operation).
pub fn interceptor<R: Borrow<Rule>>(rules: &[R]) -> MockResponseInterceptor {
    rules.iter().fold(
        MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, r| i.with_rule(r.borrow()),
    )
}

/// `mock_client!(aws_sdk_x, "region", rules)`: a client of that SDK crate
/// served by `rules` (`&[Rule]` or `&[&Rule]`).
macro_rules! mock_client {
    ($sdk:ident, $region:expr, $rules:expr) => {
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region($sdk::config::Region::new($region))
                .credentials_provider($sdk::config::Credentials::new(
                    "AKID", "SECRET", None, None, "test",
                ))
                .retry_config($sdk::config::retry::RetryConfig::disabled())
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor($crate::testutil::interceptor($rules))
                .build(),
        )
    };
}
pub(crate) use mock_client;
