//! Test support shared by every service module: a context whose SDK
//! clients are built with `eksposture_aws::mock_client!` (calls answered by
//! `aws-smithy-mocks` rules: no network, no retries).

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};

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
