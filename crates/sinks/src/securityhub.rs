//! `audit --security-hub`: imports the scan's ASFF findings into AWS
//! Security Hub, the account's default product for custom findings, in each
//! finding's region.
//!
//! Per region: `GetFindings` learns what an earlier run left ACTIVE, so a
//! finding keeps the `CreatedAt`/`FirstObservedAt` it was first seen with;
//! the scan's findings (failing and passing: a finding fixed since the last
//! run is updated to `PASSED`/`RESOLVED`) and the archive records are sent
//! with `BatchImportFindings` in batches of at most 100 findings and 6 MB.
//!
//! Archiving is conservative: an earlier finding missing from this scan is
//! archived only when its check ran completely (selected, and no `unknown`
//! finding anywhere: every check reports `unknown` for a read it could not
//! make) and its account and region were scanned. A partial scan never
//! archives what it could not see.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
};
use aws_sdk_securityhub::Client;
use aws_smithy_types::body::SdkBody;
use eksposture_model::asff::{
    product_arn, AsffCompliance, AsffFinding, AsffRecommendation, AsffRemediation, AsffResource,
    AsffSeverity, RECORD_ACTIVE, RECORD_ARCHIVED,
};
use tokio::time::Instant;

use eksposture_aws::{account_config, error, paging, Options};

/// `BatchImportFindings` accepts at most 100 findings and 6 MB per request.
pub const MAX_BATCH_FINDINGS: usize = 100;
pub const MAX_BATCH_BYTES: usize = 6 * 1024 * 1024;
/// "The throttle rate limit is 10 TPS per account per Region, with a burst
/// of 30 TPS." Regions are sent one after the other, so one bucket keeps
/// every region within its limit.
pub const RATE_PER_SECOND: f64 = 10.0;
pub const BURST: f64 = 30.0;
/// Rounds of resending findings that failed for a passing reason.
const RETRY_ROUNDS: u32 = 4;
const GENERATOR_PREFIX: &str = "eksposture/";

/// What `audit --security-hub` sends, apart from the scan: its only writes.
pub const OPERATIONS: &[&str] = &["securityhub:BatchImportFindings", "securityhub:GetFindings"];

/// What the import needs to know about the scan.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub account_id: String,
    pub partition: String,
    /// The regions the scan read; Security Hub is read in each of them.
    pub regions: Vec<String>,
    /// Checks that ran completely: selected, and no `unknown` finding.
    /// Only their earlier findings may be archived.
    pub complete_checks: BTreeSet<String>,
    /// RFC 3339: the `UpdatedAt` of archive records.
    pub now: String,
}

/// A finding Security Hub did not take, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// What the import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Findings Security Hub did not have before.
    pub imported: usize,
    /// Findings of an earlier run, updated.
    pub updated: usize,
    /// Earlier findings whose resource is gone, now `ARCHIVED`.
    pub archived: usize,
    pub failed: Vec<Failed>,
    /// Calls that failed as a whole: `region: operation: reason`.
    pub errors: Vec<String>,
}

impl DeliveryReport {
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.errors.is_empty()
    }
}

/// Imports `findings` (rendered by `eksposture_report::asff`) into Security
/// Hub with the credentials and endpoint of `opts`.
pub async fn deliver(
    opts: &Options,
    findings: Vec<AsffFinding>,
    delivery: &Delivery,
) -> DeliveryReport {
    let sdk = match account_config(opts).await {
        Ok(sdk) => sdk,
        Err(e) => {
            return DeliveryReport {
                errors: vec![format!("cannot reach account {}: {e}", delivery.account_id)],
                ..DeliveryReport::default()
            }
        }
    };
    let client_for = |region: &str| {
        eksposture_aws::client!(
            aws_sdk_securityhub,
            &sdk,
            eksposture_aws::Region::new(region.to_string())
        )
    };
    Box::pin(deliver_with(
        &client_for,
        findings,
        delivery,
        &RateLimiter::new(RATE_PER_SECOND, BURST),
    ))
    .await
}

pub(crate) async fn deliver_with(
    client_for: &(dyn Fn(&str) -> Client + Send + Sync),
    findings: Vec<AsffFinding>,
    d: &Delivery,
    limiter: &RateLimiter,
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let mut by_region: BTreeMap<String, Vec<AsffFinding>> =
        d.regions.iter().map(|r| (r.clone(), Vec::new())).collect();
    for f in findings {
        match region_of_product(&f.product_arn) {
            Some(r) => by_region.entry(r.to_string()).or_default().push(f),
            None => report.failed.push(Failed {
                code: "InvalidInput".into(),
                message: format!("ProductArn {:?} names no region", f.product_arn),
                id: f.id,
            }),
        }
    }
    for (region, mut ours) in by_region {
        let client = client_for(&region);
        let product = product_arn(&d.partition, &region, &d.account_id);
        let existing =
            match Box::pin(existing_findings(&client, &product, &d.account_id, limiter)).await {
                Ok(e) => e,
                Err(e) => {
                    // Without the earlier findings nothing may be archived, and
                    // CreatedAt cannot be kept: import anyway, and say so.
                    report.errors.push(format!("{region}: GetFindings: {e}"));
                    BTreeMap::new()
                }
            };
        let mut kinds = carry_over(&mut ours, &existing);
        let importing: BTreeSet<&str> = ours.iter().map(|f| f.id.as_str()).collect();
        let archive = archive_records(existing.values(), &importing, &region, d);
        for f in &archive {
            kinds.insert(f.id.clone(), Kind::Archived);
        }
        ours.extend(archive);
        let sent = import(&client, &region, ours, limiter, &mut report).await;
        for id in sent {
            match kinds.get(&id) {
                Some(Kind::Imported) => report.imported += 1,
                Some(Kind::Updated) => report.updated += 1,
                Some(Kind::Archived) => report.archived += 1,
                None => {}
            }
        }
    }
    report
}

/// Keeps the first-seen times of the findings Security Hub already has, and
/// tells which are new and which are updates.
fn carry_over(
    ours: &mut [AsffFinding],
    existing: &BTreeMap<String, AsffFinding>,
) -> BTreeMap<String, Kind> {
    let mut kinds = BTreeMap::new();
    for f in ours {
        if let Some(old) = existing.get(&f.id) {
            f.created_at.clone_from(&old.created_at);
            if old.first_observed_at.is_some() {
                f.first_observed_at.clone_from(&old.first_observed_at);
            }
            kinds.insert(f.id.clone(), Kind::Updated);
        } else {
            kinds.insert(f.id.clone(), Kind::Imported);
        }
    }
    kinds
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Imported,
    Updated,
    Archived,
}

fn region_of_product(arn: &str) -> Option<&str> {
    eksposture_model::arn::parse(arn)
        .map(|a| a.region)
        .filter(|r| !r.is_empty())
}

/// The ACTIVE findings eksposture left in this product, by Id.
async fn existing_findings(
    client: &Client,
    product: &str,
    account: &str,
    limiter: &RateLimiter,
) -> Result<BTreeMap<String, AsffFinding>, String> {
    let equals = |v: &str| {
        StringFilter::builder()
            .value(v)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .product_arn(equals(product))
        .aws_account_id(equals(account))
        .record_state(equals(RECORD_ACTIVE))
        .build();
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        limiter.acquire().await;
        let page = client
            .get_findings()
            .filters(filters.clone())
            .max_results(100)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| error::describe(&e))?;
        // The filters are applied here too: an endpoint may ignore them
        // (moto does), and nothing of another product may be archived.
        for f in page.findings() {
            let Some(f) = from_sdk(f) else { continue };
            let ours = f.product_arn == product
                && f.aws_account_id == account
                && f.record_state.as_deref().unwrap_or(RECORD_ACTIVE) == RECORD_ACTIVE
                && f.generator_id.starts_with(GENERATOR_PREFIX);
            if ours {
                out.insert(f.id.clone(), f);
            }
        }
        match paging::next_token(token.as_deref(), page.next_token().map(str::to_string))? {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// Archive records for the earlier findings of `region` that this import
/// does not renew, as far as the scan proves their resource gone: the
/// check ran completely and the finding's account and region were scanned.
pub fn archive_records<'a>(
    existing: impl IntoIterator<Item = &'a AsffFinding>,
    importing: &BTreeSet<&str>,
    region: &str,
    d: &Delivery,
) -> Vec<AsffFinding> {
    existing
        .into_iter()
        .filter(|f| !importing.contains(f.id.as_str()))
        .filter(|f| {
            f.generator_id
                .strip_prefix(GENERATOR_PREFIX)
                .is_some_and(|check| d.complete_checks.contains(check))
        })
        .filter(|f| f.aws_account_id == d.account_id)
        .filter(|f| {
            let resource_region = f
                .resources
                .first()
                .and_then(|r| r.region.as_deref())
                .unwrap_or(region);
            d.regions.iter().any(|r| r == region) && d.regions.iter().any(|r| r == resource_region)
        })
        .map(|f| {
            let mut a = f.clone();
            a.record_state = Some(RECORD_ARCHIVED.to_string());
            a.updated_at.clone_from(&d.now);
            // Security Hub keeps the workflow of an existing finding.
            a.workflow = None;
            a
        })
        .collect()
}

/// Sends `findings` in batches, resends the ones that failed for a passing
/// reason, and records the rest in `report`. Returns the Ids Security Hub took.
async fn import(
    client: &Client,
    region: &str,
    findings: Vec<AsffFinding>,
    limiter: &RateLimiter,
    report: &mut DeliveryReport,
) -> Vec<String> {
    let mut accepted = Vec::new();
    let mut pending: Vec<(String, Vec<u8>)> = Vec::new();
    for f in findings {
        match serde_json::to_vec(&f) {
            Ok(json) => pending.push((f.id, json)),
            Err(e) => report.failed.push(Failed {
                id: f.id,
                code: "InvalidInput".into(),
                message: format!("cannot serialise the finding: {e}"),
            }),
        }
    }
    for round in 0..RETRY_ROUNDS {
        if pending.is_empty() {
            break;
        }
        if round > 0 {
            tokio::time::sleep(Duration::from_millis(250 << round)).await;
        }
        let mut retry = Vec::new();
        for batch in batches(&pending) {
            let batch = &pending[batch];
            limiter.acquire().await;
            let outcome = send_batch(client, batch).await;
            let last_round = round + 1 == RETRY_ROUNDS;
            match outcome {
                Ok(failed) => {
                    let failed_ids: BTreeSet<&str> = failed.iter().map(|f| f.id.as_str()).collect();
                    accepted.extend(
                        batch
                            .iter()
                            .filter(|(id, _)| !failed_ids.contains(id.as_str()))
                            .map(|(id, _)| id.clone()),
                    );
                    for f in failed {
                        if is_retryable(&f.code) && !last_round {
                            if let Some(item) = batch.iter().find(|(id, _)| *id == f.id) {
                                retry.push(item.clone());
                            }
                        } else {
                            report.failed.push(f);
                        }
                    }
                }
                Err((code, message)) => {
                    if is_retryable(&code) && !last_round {
                        retry.extend(batch.iter().cloned());
                    } else {
                        report.errors.push(format!(
                            "{region}: BatchImportFindings: {message} ({} findings not imported)",
                            batch.len()
                        ));
                        report.failed.extend(batch.iter().map(|(id, _)| Failed {
                            id: id.clone(),
                            code: code.clone(),
                            message: message.clone(),
                        }));
                    }
                }
            }
        }
        pending = retry;
    }
    accepted
}

/// One `BatchImportFindings` call. Its body is the findings' JSON exactly
/// as `--output asff` writes it: the SDK's `AwsSecurityFinding` is the same
/// ASFF, so the request is built around a placeholder and its body replaced
/// before signing, sparing a field-by-field copy into ~40 nested SDK types.
async fn send_batch(
    client: &Client,
    batch: &[(String, Vec<u8>)],
) -> Result<Vec<Failed>, (String, String)> {
    let body = batch_body(batch);
    let length = body.len().to_string();
    let result = client
        .batch_import_findings()
        .findings(AwsSecurityFinding::builder().build())
        .customize()
        .mutate_request(move |req| {
            *req.body_mut() = SdkBody::from(body.clone());
            req.headers_mut().insert("content-length", length.clone());
        })
        .send()
        .await;
    match result {
        Ok(out) => Ok(out
            .failed_findings()
            .iter()
            .map(|f| Failed {
                id: f.id().unwrap_or_default().to_string(),
                code: f.error_code().unwrap_or_default().to_string(),
                message: f.error_message().unwrap_or_default().to_string(),
            })
            .collect()),
        Err(e) => {
            use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
            let code = e
                .as_service_error()
                .and_then(|s| s.code())
                .unwrap_or("Error")
                .to_string();
            Err((code, error::describe(&e)))
        }
    }
}

/// `{"Findings":[…]}` from the findings' JSON.
pub fn batch_body(batch: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = b"{\"Findings\":[".to_vec();
    for (i, (_, json)) in batch.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(json);
    }
    body.extend_from_slice(b"]}");
    body
}

/// Consecutive ranges of at most 100 findings whose request body stays
/// within 6 MB.
pub fn batches(items: &[(String, Vec<u8>)]) -> Vec<std::ops::Range<usize>> {
    const ENVELOPE: usize = b"{\"Findings\":[]}".len();
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = ENVELOPE;
    for (i, (_, json)) in items.iter().enumerate() {
        let count = i - start;
        let add = json.len() + usize::from(count > 0);
        if count > 0 && (count == MAX_BATCH_FINDINGS || size + add > MAX_BATCH_BYTES) {
            out.push(start..i);
            start = i;
            size = ENVELOPE + json.len();
        } else {
            size += add;
        }
    }
    if start < items.len() {
        out.push(start..items.len());
    }
    out
}

/// Failures worth resending: throttling and the service's own faults.
pub fn is_retryable(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    [
        "throttl",
        "toomanyrequests",
        "internal",
        "serviceunavailable",
        "timeout",
    ]
    .iter()
    .any(|p| c.contains(p))
}

/// A finding as `GetFindings` returns it, in the fields eksposture writes
/// (resource details are not read back); `None` without an Id.
pub fn from_sdk(f: &AwsSecurityFinding) -> Option<AsffFinding> {
    let s = |v: Option<&str>| v.unwrap_or_default().to_string();
    let id = f.id().filter(|i| !i.is_empty())?.to_string();
    let severity = f.severity().map(|sev| AsffSeverity {
        label: sev
            .label()
            .map_or("INFORMATIONAL", |l| l.as_str())
            .to_string(),
        original: sev.original().map(str::to_string),
    });
    Some(AsffFinding {
        schema_version: s(f.schema_version()),
        id,
        product_arn: s(f.product_arn()),
        product_name: f.product_name().map(str::to_string),
        company_name: f.company_name().map(str::to_string),
        generator_id: s(f.generator_id()),
        aws_account_id: s(f.aws_account_id()),
        types: f.types().to_vec(),
        first_observed_at: f.first_observed_at().map(str::to_string),
        last_observed_at: f.last_observed_at().map(str::to_string),
        created_at: s(f.created_at()),
        updated_at: s(f.updated_at()),
        severity: severity.unwrap_or(AsffSeverity {
            label: "INFORMATIONAL".into(),
            original: None,
        }),
        title: s(f.title()),
        description: s(f.description()),
        remediation: f
            .remediation()
            .and_then(|r| r.recommendation())
            .and_then(|r| {
                Some(AsffRemediation {
                    recommendation: AsffRecommendation {
                        text: r.text()?.to_string(),
                        url: r.url().map(str::to_string),
                    },
                })
            }),
        product_fields: f
            .product_fields()
            .map(|m| {
                m.iter()
                    // Security Hub's own keys are not the provider's to send back.
                    .filter(|(k, _)| !k.starts_with("aws/"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        resources: f
            .resources()
            .iter()
            .map(|r| AsffResource {
                kind: s(r.r#type()),
                id: s(r.id()),
                partition: r.partition().map(|p| p.as_str().to_string()),
                region: r.region().map(str::to_string),
                details: None,
            })
            .collect(),
        compliance: f.compliance().map(|c| AsffCompliance {
            status: c
                .status()
                .map_or("NOT_AVAILABLE", |s| s.as_str())
                .to_string(),
            related_requirements: c.related_requirements().to_vec(),
        }),
        workflow: None,
        record_state: f.record_state().map(|r| r.as_str().to_string()),
        finding_provider_fields: None,
    })
}

/// A token bucket: `rate` calls a second on average, `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Option<Instant>)>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimiter {
            rate,
            burst,
            state: Mutex::new((burst, None)),
        }
    }

    /// Waits until a call may be made.
    pub async fn acquire(&self) {
        loop {
            let wait = self.take(Instant::now());
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Takes a token at `now`, or says how long until one is there.
    fn take(&self, now: Instant) -> Option<Duration> {
        let Ok(mut state) = self.state.lock() else {
            return None;
        };
        let (tokens, last) = &mut *state;
        if let Some(last) = *last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            *tokens = (*tokens + refill).min(self.burst);
        }
        *last = Some(now);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests;
