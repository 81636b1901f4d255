//! The Security Hub import: batching, FailedFindings handling, CreatedAt
//! carry-over and the archive rule, against mocked responses.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_securityhub::operation::batch_import_findings::{
    BatchImportFindingsError, BatchImportFindingsOutput,
};
use aws_sdk_securityhub::operation::get_findings::{GetFindingsError, GetFindingsOutput};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, ImportFindingsError, RecordState, Resource, Severity, SeverityLabel,
};
use aws_sdk_securityhub::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::asff::{AsffFinding, AsffResource, AsffSeverity, SCHEMA_VERSION};
use tokio::time::Instant;

use super::*;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const NOW: &str = "2026-11-02T00:00:00Z";

fn product() -> String {
    product_arn("aws", REGION, ACCOUNT)
}

fn delivery(complete: &[&str]) -> Delivery {
    Delivery {
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        regions: vec![REGION.into()],
        complete_checks: complete.iter().map(|c| (*c).to_string()).collect(),
        now: NOW.into(),
    }
}

fn finding(check: &str, resource: &str) -> AsffFinding {
    AsffFinding {
        schema_version: SCHEMA_VERSION.into(),
        id: format!("eksposture/{check}/{resource}"),
        product_arn: product(),
        product_name: None,
        company_name: None,
        generator_id: format!("eksposture/{check}"),
        aws_account_id: ACCOUNT.into(),
        types: vec!["Software and Configuration Checks/AWS Security Best Practices".into()],
        first_observed_at: Some("2026-11-01T00:00:00Z".into()),
        last_observed_at: None,
        created_at: "2026-11-01T00:00:00Z".into(),
        updated_at: "2026-11-01T00:00:09Z".into(),
        severity: AsffSeverity {
            label: "HIGH".into(),
            original: Some("high".into()),
        },
        title: "t".into(),
        description: "d".into(),
        remediation: None,
        product_fields: BTreeMap::new(),
        resources: vec![AsffResource {
            kind: "AwsEcrRepository".into(),
            id: resource.into(),
            partition: Some("aws".into()),
            region: Some(REGION.into()),
            details: None,
        }],
        compliance: None,
        workflow: None,
        record_state: Some("ACTIVE".into()),
        finding_provider_fields: None,
    }
}

fn sdk(f: &AsffFinding) -> AwsSecurityFinding {
    AwsSecurityFinding::builder()
        .schema_version(&f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .created_at("2025-01-01T00:00:00Z")
        .first_observed_at("2025-01-01T00:00:00Z")
        .updated_at("2025-01-01T00:00:09Z")
        .title(&f.title)
        .description(&f.description)
        .severity(Severity::builder().label(SeverityLabel::High).build())
        .resources(
            Resource::builder()
                .r#type("AwsEcrRepository")
                .id(&f.resources[0].id)
                .region(f.resources[0].region.clone().unwrap_or_default())
                .build(),
        )
        .record_state(RecordState::Active)
        .product_fields("aws/securityhub/ProductName", "Default")
        .product_fields("eksposture/CheckId", "x")
        .build()
}

fn client(rules: &[&Rule]) -> Client {
    eksposture_aws::mock_client!(aws_sdk_securityhub, REGION, rules)
}

fn no_existing() -> Rule {
    mock!(Client::get_findings).then_output(|| GetFindingsOutput::builder().build())
}

fn accept_all() -> Rule {
    mock!(Client::batch_import_findings).then_output(|| {
        BatchImportFindingsOutput::builder()
            .success_count(1)
            .failed_count(0)
            .build()
    })
}

fn unlimited() -> RateLimiter {
    RateLimiter::new(1e9, 1e9)
}

async fn run(rules: &[&Rule], findings: Vec<AsffFinding>, d: &Delivery) -> DeliveryReport {
    let c = client(rules);
    deliver_with(&|_: &str| c.clone(), findings, d, &unlimited()).await
}

// ---------------------------------------------------------------- batching

#[tokio::test]
async fn a_hundred_and_one_findings_take_two_calls() {
    let (get, import) = (no_existing(), accept_all());
    let findings = (0..101)
        .map(|i| finding("ecr-tags-immutable", &format!("r{i}")))
        .collect();
    let r = run(&[&get, &import], findings, &delivery(&[])).await;
    assert_eq!(import.num_calls(), 2);
    assert_eq!((r.imported, r.updated, r.archived), (101, 0, 0));
    assert!(r.is_complete(), "{r:?}");
}

fn items(sizes: &[usize]) -> Vec<(String, Vec<u8>)> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("f{i}"), vec![b'x'; *n]))
        .collect()
}

#[test]
fn batches_hold_at_most_100_findings() {
    let b = batches(&items(&[10; 250]));
    assert_eq!(b, [0..100, 100..200, 200..250]);
    assert!(batches(&[]).is_empty());
}

#[test]
fn batches_stay_within_6_mb() {
    let all = items(&[200 * 1024; 70]);
    let b = batches(&all);
    assert!(b.len() >= 3, "{b:?}");
    let mut next = 0;
    for r in &b {
        assert_eq!(r.start, next, "contiguous");
        next = r.end;
        let body = batch_body(&all[r.clone()]);
        assert!(body.len() <= MAX_BATCH_BYTES, "{} bytes", body.len());
        // As full as the limit allows: one more finding would not fit.
        if r.end < all.len() {
            assert!(batch_body(&all[r.start..=r.end]).len() > MAX_BATCH_BYTES);
        }
    }
    assert_eq!(next, all.len());
    let body = batch_body(&items(&[1, 2]));
    assert_eq!(body, b"{\"Findings\":[x,xx]}");
}

// ---------------------------------------------------------------- failures

#[tokio::test]
async fn failed_findings_are_retried_when_throttled_and_reported_otherwise() {
    let get = no_existing();
    let (a, b, c) = (
        finding("ecr-x", "a"),
        finding("ecr-x", "b"),
        finding("ecr-x", "c"),
    );
    let (ida, idb) = (a.id.clone(), b.id.clone());
    let import = mock!(Client::batch_import_findings)
        .sequence()
        .output(move || {
            BatchImportFindingsOutput::builder()
                .success_count(1)
                .failed_count(2)
                .failed_findings(
                    ImportFindingsError::builder()
                        .id(&ida)
                        .error_code("ThrottlingException")
                        .error_message("Rate exceeded")
                        .build(),
                )
                .failed_findings(
                    ImportFindingsError::builder()
                        .id(&idb)
                        .error_code("InvalidInput")
                        .error_message("Finding does not adhere to ASFF")
                        .build(),
                )
                .build()
        })
        .output(|| {
            BatchImportFindingsOutput::builder()
                .success_count(1)
                .failed_count(0)
                .build()
        })
        .build();
    let r = run(&[&get, &import], vec![a, b.clone(), c], &delivery(&[])).await;
    assert_eq!(
        import.num_calls(),
        2,
        "the throttled finding is resent once"
    );
    assert_eq!(r.imported, 2);
    assert_eq!(
        r.failed,
        [Failed {
            id: b.id,
            code: "InvalidInput".into(),
            message: "Finding does not adhere to ASFF".into(),
        }]
    );
    assert!(r.errors.is_empty());
}

#[tokio::test]
async fn a_refused_call_fails_every_finding_of_its_batch() {
    let get = no_existing();
    let import = mock!(Client::batch_import_findings).then_error(|| {
        BatchImportFindingsError::generic(
            ErrorMetadata::builder()
                .code("InvalidAccessException")
                .message("Account 123456789012 is not subscribed to AWS Security Hub")
                .build(),
        )
    });
    let r = run(
        &[&get, &import],
        vec![finding("ecr-x", "a"), finding("ecr-x", "b")],
        &delivery(&[]),
    )
    .await;
    assert_eq!(import.num_calls(), 1, "not retryable");
    assert_eq!(r.imported, 0);
    assert_eq!(r.failed.len(), 2);
    assert_eq!(r.failed[0].code, "InvalidAccessException");
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0].starts_with("us-east-1: BatchImportFindings: InvalidAccessException: "),
        "{:?}",
        r.errors
    );
    assert!(!r.is_complete());
}

#[test]
fn throttling_and_internal_errors_are_retryable() {
    for c in [
        "ThrottlingException",
        "TooManyRequestsException",
        "InternalException",
        "ServiceUnavailable",
    ] {
        assert!(is_retryable(c), "{c}");
    }
    for c in [
        "InvalidInput",
        "InvalidAccessException",
        "AccessDeniedException",
        "LimitExceededException",
    ] {
        assert!(!is_retryable(c), "{c}");
    }
}

// ---------------------------------------------------------------- earlier findings

#[tokio::test]
async fn earlier_findings_keep_created_at_and_gone_ones_are_archived() {
    let kept = finding(
        "ecr-tags-immutable",
        "arn:aws:ecr:us-east-1:123456789012:repository/web",
    );
    let gone = finding(
        "ecr-tags-immutable",
        "arn:aws:ecr:us-east-1:123456789012:repository/old",
    );
    let partial = finding("eks-access", "arn:aws:eks:us-east-1:123456789012:cluster/c");
    let mut other_product = finding(
        "ecr-tags-immutable",
        "arn:aws:ecr:us-east-1:123456789012:repository/x",
    );
    other_product.product_arn = "arn:aws:securityhub:us-east-1::product/aws/inspector".into();
    let existing: Vec<AwsSecurityFinding> = [&kept, &gone, &partial, &other_product]
        .iter()
        .map(|f| sdk(f))
        .collect();
    // Two pages, to follow NextToken.
    let (first, second) = (existing[..2].to_vec(), existing[2..].to_vec());
    let page1 = mock!(Client::get_findings)
        .match_requests(|r| r.next_token().is_none())
        .then_output(move || {
            GetFindingsOutput::builder()
                .set_findings(Some(first.clone()))
                .next_token("p2")
                .build()
        });
    let page2 = mock!(Client::get_findings)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(move || {
            GetFindingsOutput::builder()
                .set_findings(Some(second.clone()))
                .build()
        });
    let import = accept_all();
    let fresh = finding(
        "ecr-lifecycle-policy",
        "arn:aws:ecr:us-east-1:123456789012:repository/web",
    );
    let r = run(
        &[&page1, &page2, &import],
        vec![kept.clone(), fresh],
        &delivery(&["ecr-tags-immutable", "ecr-lifecycle-policy"]),
    )
    .await;
    assert_eq!(page1.num_calls() + page2.num_calls(), 2);
    assert_eq!((r.imported, r.updated, r.archived), (1, 1, 1), "{r:?}");
    assert!(r.is_complete(), "{r:?}");
}

#[test]
fn carried_over_findings_keep_their_first_seen_times() {
    let mut ours = vec![finding("ecr-x", "a"), finding("ecr-x", "b")];
    let mut old = finding("ecr-x", "a");
    old.created_at = "2025-01-01T00:00:00Z".into();
    old.first_observed_at = Some("2025-01-01T00:00:01Z".into());
    let existing = BTreeMap::from([(old.id.clone(), old)]);
    let kinds = carry_over(&mut ours, &existing);
    assert_eq!(ours[0].created_at, "2025-01-01T00:00:00Z");
    assert_eq!(
        ours[0].first_observed_at.as_deref(),
        Some("2025-01-01T00:00:01Z")
    );
    assert_eq!(ours[1].created_at, "2026-11-01T00:00:00Z");
    assert_eq!(kinds[&ours[0].id], Kind::Updated);
    assert_eq!(kinds[&ours[1].id], Kind::Imported);
}

#[test]
fn only_findings_of_complete_checks_in_scanned_regions_are_archived() {
    let renewed = finding("ecr-x", "renewed");
    let gone = finding("ecr-x", "gone");
    let incomplete = finding("eks-y", "c");
    let mut elsewhere = finding("ecr-x", "eu");
    elsewhere.resources[0].region = Some("eu-west-1".into());
    let mut other_account = finding("ecr-x", "o");
    other_account.aws_account_id = "210987654321".into();
    let mut not_ours = finding("ecr-x", "n");
    not_ours.generator_id = "someone-else/ecr-x".into();
    let existing = [
        &renewed,
        &gone,
        &incomplete,
        &elsewhere,
        &other_account,
        &not_ours,
    ];
    let importing = BTreeSet::from([renewed.id.as_str()]);
    let d = delivery(&["ecr-x"]);
    let archived = archive_records(existing, &importing, REGION, &d);
    assert_eq!(archived.len(), 1, "{archived:#?}");
    let a = &archived[0];
    assert_eq!(a.id, gone.id);
    assert_eq!(a.record_state.as_deref(), Some("ARCHIVED"));
    assert_eq!(a.updated_at, NOW);
    assert_eq!(a.created_at, gone.created_at);
    assert_eq!(a.workflow, None);

    // The same findings after a scan of eu-west-1 too.
    let mut both = delivery(&["ecr-x"]);
    both.regions.push("eu-west-1".into());
    let archived = archive_records(existing, &importing, REGION, &both);
    assert_eq!(archived.len(), 2);
    // And with no complete check, nothing.
    assert!(archive_records(existing, &importing, REGION, &delivery(&[])).is_empty());
}

#[tokio::test]
async fn unreadable_earlier_findings_archive_nothing_but_the_scan_is_imported() {
    let get = mock!(Client::get_findings).then_error(|| {
        GetFindingsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform: securityhub:GetFindings")
                .build(),
        )
    });
    let import = accept_all();
    let r = run(
        &[&get, &import],
        vec![finding("ecr-x", "a")],
        &delivery(&["ecr-x"]),
    )
    .await;
    assert_eq!((r.imported, r.archived), (1, 0));
    assert_eq!(import.num_calls(), 1);
    assert!(
        r.errors[0].starts_with("us-east-1: GetFindings: AccessDeniedException"),
        "{:?}",
        r.errors
    );
    assert!(!r.is_complete());
}

#[test]
fn sdk_findings_map_back_to_asff() {
    let f = from_sdk(&sdk(&finding("ecr-x", "a"))).unwrap();
    assert_eq!(f.id, "eksposture/ecr-x/a");
    assert_eq!(f.generator_id, "eksposture/ecr-x");
    assert_eq!(f.created_at, "2025-01-01T00:00:00Z");
    assert_eq!(f.severity.label, "HIGH");
    assert_eq!(f.record_state.as_deref(), Some("ACTIVE"));
    assert_eq!(f.resources[0].region.as_deref(), Some(REGION));
    assert_eq!(
        f.product_fields,
        BTreeMap::from([("eksposture/CheckId".to_string(), "x".to_string())]),
        "Security Hub's own keys are dropped"
    );
    assert!(from_sdk(&AwsSecurityFinding::builder().build()).is_none());
}

// ---------------------------------------------------------------- rate

#[test]
fn the_limiter_allows_a_burst_then_the_sustained_rate() {
    let l = RateLimiter::new(RATE_PER_SECOND, BURST);
    let t0 = Instant::now();
    for _ in 0..30 {
        assert_eq!(l.take(t0), None);
    }
    let wait = l.take(t0).expect("the burst is spent");
    assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
    // One second later: ten more calls, not thirty.
    let t1 = t0 + Duration::from_secs(1);
    let granted = (0..30).filter(|_| l.take(t1).is_none()).count();
    assert_eq!(granted, 10);
}
