use std::sync::{Arc, Mutex};

use aws_config::{Region, SdkConfig};
use eksposture_model::{Gap, GapReason};

use crate::service::Limits;

/// Receives collection progress (the CLI draws a progress bar with it).
pub trait Progress: Send + Sync {
    fn set_total(&self, total: u64);
    fn step(&self, label: &str);
}

/// Every gap recorded during the scan.
#[derive(Default)]
pub struct GapSink(Mutex<Vec<Gap>>);

impl GapSink {
    pub fn push(&self, gap: Gap) {
        if let Ok(mut v) = self.0.lock() {
            v.push(gap);
        }
    }

    /// Withdraws a gap a later read filled in.
    pub fn remove(&self, gap: &Gap) {
        if let Ok(mut v) = self.0.lock() {
            v.retain(|g| g != gap);
        }
    }

    pub fn take(&self) -> Vec<Gap> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// What a service collector needs for one region.
#[derive(Clone)]
pub struct Ctx {
    pub region: String,
    pub account_id: String,
    pub partition: String,
    pub sdk: SdkConfig,
    pub gaps: Arc<GapSink>,
    pub limits: Arc<Limits>,
    pub progress: Option<Arc<dyn Progress>>,
}

impl Ctx {
    pub fn region(&self) -> Region {
        Region::new(self.region.clone())
    }

    /// Records a gap for this region and returns it for the `Observed`.
    pub fn gap(
        &self,
        service: &str,
        operation: &str,
        reason: GapReason,
        message: impl Into<String>,
    ) -> Gap {
        let g = Gap::new(service, self.region.clone(), operation, reason, message);
        self.gaps.push(g.clone());
        g
    }

    /// Records a gap for an SDK error.
    pub fn sdk_gap<E, R>(
        &self,
        service: &str,
        operation: &str,
        err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
    ) -> Gap
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: eksposture_aws::RawStatus + std::fmt::Debug + 'static,
    {
        let (reason, message) = eksposture_aws::classify(err);
        self.gap(service, operation, reason, message)
    }

    pub fn step(&self, label: &str) {
        if let Some(p) = &self.progress {
            p.step(label);
        }
    }

    pub fn ec2_arn(&self, kind: &str, id: &str) -> String {
        eksposture_model::arn::ec2(&self.partition, &self.region, &self.account_id, kind, id)
    }
}
