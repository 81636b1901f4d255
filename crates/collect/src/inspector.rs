//! Inspector2: account status, coverage and active critical/high findings.
//!
//! Coverage and findings are filtered to the scanned account: a delegated
//! administrator account would otherwise page through every member
//! account's findings. When `BatchGetAccountStatus` says Inspector is
//! `DISABLED` for the account in the region, nothing is covered and there are
//! no findings: both are known to be empty and are not asked for (a
//! disabled Inspector can refuse them with `AccessDeniedException`, which
//! would read as a missing permission and mark every scan incomplete).

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use aws_sdk_inspector2::error::BuildError;
use aws_sdk_inspector2::operation::batch_get_account_status::BatchGetAccountStatusOutput;
use aws_sdk_inspector2::types::{
    CoverageFilterCriteria, CoverageStringComparison, CoverageStringFilter, ErrorCode,
    FilterCriteria, Finding, FindingStatus, ResourceType, Severity, StringComparison, StringFilter,
};
use aws_sdk_inspector2::Client;
use eksposture_model::{
    CoveredResource, GapReason, Inspector, InspectorFindingCount, InspectorStatus, Observed,
};

use crate::service::{Rest, Service};
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "inspector2",
    concurrency: 4,
    operations: &["BatchGetAccountStatus", "ListCoverage", "ListFindings"],
    rest: &[
        Rest {
            operation: "BatchGetAccountStatus",
            method: "POST",
            uri: "/status/batch/get",
        },
        Rest {
            operation: "ListCoverage",
            method: "POST",
            uri: "/coverage/list",
        },
        Rest {
            operation: "ListFindings",
            method: "POST",
            uri: "/findings/list",
        },
    ],
};

const RESOURCE_TYPES: [&str; 2] = ["AWS_EC2_INSTANCE", "AWS_ECR_CONTAINER_IMAGE"];

pub async fn collect(ctx: &Ctx) -> Inspector {
    let client = eksposture_aws::client!(aws_sdk_inspector2, &ctx.sdk, ctx.region());
    collect_with(ctx, &client).await
}

pub(crate) async fn collect_with(ctx: &Ctx, client: &Client) -> Inspector {
    // Boxed: each holds an SDK call future, and side by side they would make
    // every caller's future tens of kilobytes.
    let account_status = Box::pin(account_status(ctx, client)).await;
    if account_status
        .known()
        .is_some_and(|s| s.state.as_deref() == Some("DISABLED"))
    {
        return Inspector {
            account_status,
            coverage: Observed::Known(Vec::new()),
            finding_counts: Observed::Known(Vec::new()),
        };
    }
    let (coverage, finding_counts) = tokio::join!(
        Box::pin(coverage(ctx, client)),
        Box::pin(finding_counts(ctx, client)),
    );
    Inspector {
        account_status,
        coverage,
        finding_counts,
    }
}

/// `BatchGetAccountStatus` for the scanned account. The account id is
/// passed explicitly: moto answers 500 without it.
async fn account_status(ctx: &Ctx, client: &Client) -> Observed<InspectorStatus> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .batch_get_account_status()
            .account_ids(&ctx.account_id)
            .send()
            .await
    };
    match out {
        Ok(o) => match status_of(&o, &ctx.account_id) {
            Ok(s) => Observed::Known(s),
            Err((reason, message)) => {
                Observed::Unknown(ctx.gap(SERVICE.name, "BatchGetAccountStatus", reason, message))
            }
        },
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "BatchGetAccountStatus", &e)),
    }
}

/// The account's status from a `BatchGetAccountStatus` answer.
///
/// Real Inspector2 answers a never-enabled account with an entry whose
/// status is `DISABLED`; moto answers `[]` until `Enable` is called. An answer
/// with neither an entry nor a failure for the account is therefore `Known`
/// with every field `None`: checks must read `None` as "status not reported"
/// (unknown), never as enabled or disabled.
pub(crate) fn status_of(
    out: &BatchGetAccountStatusOutput,
    account_id: &str,
) -> Result<InspectorStatus, (GapReason, String)> {
    let entry = out
        .accounts()
        .iter()
        .find(|a| a.account_id() == account_id)
        .or_else(|| out.accounts().first());
    if let Some(a) = entry {
        let resources = a.resource_state();
        return Ok(InspectorStatus {
            state: a.state().map(|s| s.status().as_str().to_string()),
            ec2: resources
                .and_then(|r| r.ec2())
                .map(|s| s.status().as_str().to_string()),
            ecr: resources
                .and_then(|r| r.ecr())
                .map(|s| s.status().as_str().to_string()),
        });
    }
    if let Some(f) = out
        .failed_accounts()
        .iter()
        .find(|f| f.account_id() == account_id)
    {
        let reason = if *f.error_code() == ErrorCode::AccessDenied {
            GapReason::AccessDenied
        } else {
            GapReason::Error
        };
        return Err((
            reason,
            format!("{}: {}", f.error_code().as_str(), f.error_message()),
        ));
    }
    Ok(InspectorStatus::default())
}

fn coverage_filter(account_id: &str) -> Result<CoverageFilterCriteria, BuildError> {
    let mut b = CoverageFilterCriteria::builder().account_id(
        CoverageStringFilter::builder()
            .comparison(CoverageStringComparison::Equals)
            .value(account_id)
            .build()?,
    );
    for t in RESOURCE_TYPES {
        b = b.resource_type(
            CoverageStringFilter::builder()
                .comparison(CoverageStringComparison::Equals)
                .value(t)
                .build()?,
        );
    }
    Ok(b.build())
}

/// `ListCoverage` for EC2 instances and ECR images (moto: NI-404, which the
/// error classification turns into `not_supported`).
async fn coverage(ctx: &Ctx, client: &Client) -> Observed<Vec<CoveredResource>> {
    let filter = match coverage_filter(&ctx.account_id) {
        Ok(f) => f,
        Err(e) => {
            return Observed::Unknown(ctx.gap(
                SERVICE.name,
                "ListCoverage",
                GapReason::Error,
                e.to_string(),
            ))
        }
    };
    let mut covered = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .list_coverage()
                .filter_criteria(filter.clone())
                .max_results(200)
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListCoverage", &e)),
        };
        covered.extend(page.covered_resources().iter().map(|r| {
            CoveredResource {
                resource_id: r.resource_id().to_string(),
                resource_type: r.resource_type().as_str().to_string(),
                scan_status: r
                    .scan_status()
                    .map(|s| s.status_code().as_str().to_string()),
            }
        }));
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => {
                return Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "ListCoverage",
                    GapReason::Error,
                    m,
                ))
            }
        }
    }
    covered.sort_by(|a, b| {
        (&a.resource_id, &a.resource_type).cmp(&(&b.resource_id, &b.resource_type))
    });
    Observed::Known(covered)
}

fn finding_filter(account_id: &str) -> Result<FilterCriteria, BuildError> {
    let eq = |v: &str| {
        StringFilter::builder()
            .comparison(StringComparison::Equals)
            .value(v)
            .build()
    };
    let mut b = FilterCriteria::builder()
        .aws_account_id(eq(account_id)?)
        .finding_status(eq("ACTIVE")?)
        .severity(eq("CRITICAL")?)
        .severity(eq("HIGH")?);
    for t in RESOURCE_TYPES {
        b = b.resource_type(eq(t)?);
    }
    Ok(b.build())
}

/// Critical and high findings per (resource id, resource type).
#[derive(Default)]
pub(crate) struct FindingCounts(BTreeMap<(String, String), (u32, u32)>);

impl FindingCounts {
    /// Counts active CRITICAL/HIGH findings on EC2 instances and ECR images.
    /// Real Inspector2 applies the same filter server-side; moto ignores
    /// `filterCriteria`, so it is applied again here.
    pub(crate) fn add(&mut self, findings: &[Finding]) {
        for f in findings {
            if *f.status() != FindingStatus::Active {
                continue;
            }
            let critical = match f.severity() {
                Severity::Critical => true,
                Severity::High => false,
                _ => continue,
            };
            for r in f.resources() {
                if !matches!(
                    r.r#type(),
                    ResourceType::AwsEc2Instance | ResourceType::AwsEcrContainerImage
                ) {
                    continue;
                }
                let n = self
                    .0
                    .entry((r.id().to_string(), r.r#type().as_str().to_string()))
                    .or_default();
                if critical {
                    n.0 = n.0.saturating_add(1);
                } else {
                    n.1 = n.1.saturating_add(1);
                }
            }
        }
    }

    /// Sorted by resource id, then type.
    pub(crate) fn into_counts(self) -> Vec<InspectorFindingCount> {
        self.0
            .into_iter()
            .map(
                |((resource_id, resource_type), (critical, high))| InspectorFindingCount {
                    resource_id,
                    resource_type,
                    critical,
                    high,
                },
            )
            .collect()
    }
}

async fn finding_counts(ctx: &Ctx, client: &Client) -> Observed<Vec<InspectorFindingCount>> {
    let filter = match finding_filter(&ctx.account_id) {
        Ok(f) => f,
        Err(e) => {
            return Observed::Unknown(ctx.gap(
                SERVICE.name,
                "ListFindings",
                GapReason::Error,
                e.to_string(),
            ))
        }
    };
    let mut counts = FindingCounts::default();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .list_findings()
                .filter_criteria(filter.clone())
                .max_results(100)
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListFindings", &e)),
        };
        counts.add(page.findings());
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => {
                return Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "ListFindings",
                    GapReason::Error,
                    m,
                ))
            }
        }
    }
    Observed::Known(counts.into_counts())
}
