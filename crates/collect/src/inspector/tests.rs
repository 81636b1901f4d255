//! Inspector2 mappings, and the collector against mocked responses.

use aws_sdk_inspector2::operation::batch_get_account_status::BatchGetAccountStatusOutput;
use aws_sdk_inspector2::operation::list_coverage::ListCoverageOutput;
use aws_sdk_inspector2::operation::list_findings::ListFindingsOutput;
use aws_sdk_inspector2::types::{
    AccountState, CoverageResourceType, CoveredResource, ErrorCode, FailedAccount, Finding,
    FindingStatus, FindingType, Resource, ResourceState, ResourceType, ScanStatus, ScanStatusCode,
    ScanStatusReason, ScanType, Severity, State, Status,
};
use aws_sdk_inspector2::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::DateTime;
use eksposture_model::{GapReason, InspectorFindingCount, InspectorStatus};

use super::{status_of, FindingCounts};
use crate::Ctx;

const ACCOUNT: &str = "123456789012";

fn ctx() -> Ctx {
    crate::testutil::ctx("us-east-1", ACCOUNT)
}

fn client(rules: &[&Rule]) -> Client {
    eksposture_aws::mock_client!(aws_sdk_inspector2, "us-east-1", rules)
}

fn state(status: Status) -> State {
    State::builder()
        .status(status)
        .error_code(ErrorCode::AlreadyEnabled)
        .error_message("")
        .build()
        .unwrap()
}

fn enabled_account() -> BatchGetAccountStatusOutput {
    BatchGetAccountStatusOutput::builder()
        .accounts(
            AccountState::builder()
                .account_id(ACCOUNT)
                .state(state(Status::Enabled))
                .resource_state(
                    ResourceState::builder()
                        .ec2(state(Status::Enabled))
                        .ecr(state(Status::Disabled))
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn finding(severity: Severity, status: FindingStatus, resource: (&str, ResourceType)) -> Finding {
    Finding::builder()
        .finding_arn("arn:aws:inspector2:us-east-1:123456789012:finding/x")
        .aws_account_id(ACCOUNT)
        .r#type(FindingType::PackageVulnerability)
        .description("CVE")
        .severity(severity)
        .first_observed_at(DateTime::from_secs(0))
        .last_observed_at(DateTime::from_secs(0))
        .status(status)
        .resources(
            Resource::builder()
                .r#type(resource.1)
                .id(resource.0)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn account_status_reads_account_and_resource_states() {
    let s = status_of(&enabled_account(), ACCOUNT).unwrap();
    assert_eq!(
        s,
        InspectorStatus {
            state: Some("ENABLED".into()),
            ec2: Some("ENABLED".into()),
            ecr: Some("DISABLED".into()),
        }
    );
}

#[test]
fn empty_account_status_is_known_with_nothing_reported() {
    // moto before Enable; real Inspector2 reports DISABLED instead.
    let out = BatchGetAccountStatusOutput::builder()
        .set_accounts(Some(vec![]))
        .build()
        .unwrap();
    assert_eq!(
        status_of(&out, ACCOUNT).unwrap(),
        InspectorStatus::default()
    );
}

#[test]
fn failed_account_status_is_a_gap() {
    let out = BatchGetAccountStatusOutput::builder()
        .set_accounts(Some(vec![]))
        .failed_accounts(
            FailedAccount::builder()
                .account_id(ACCOUNT)
                .error_code(ErrorCode::AccessDenied)
                .error_message("no")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let (reason, message) = status_of(&out, ACCOUNT).unwrap_err();
    assert_eq!(reason, GapReason::AccessDenied);
    assert_eq!(message, "ACCESS_DENIED: no");
}

#[test]
fn findings_are_counted_per_resource_and_filtered_client_side() {
    let mut counts = FindingCounts::default();
    counts.add(&[
        finding(
            Severity::Critical,
            FindingStatus::Active,
            ("i-2", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::High,
            FindingStatus::Active,
            ("i-2", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::High,
            FindingStatus::Active,
            ("i-2", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::Critical,
            FindingStatus::Active,
            ("i-1", ResourceType::AwsEc2Instance),
        ),
        // What moto returns despite the filter:
        finding(
            Severity::Medium,
            FindingStatus::Active,
            ("i-3", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::Critical,
            FindingStatus::Closed,
            ("i-3", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::Critical,
            FindingStatus::Suppressed,
            ("i-1", ResourceType::AwsEc2Instance),
        ),
        finding(
            Severity::Critical,
            FindingStatus::Active,
            ("fn", ResourceType::AwsLambdaFunction),
        ),
    ]);
    assert_eq!(
        counts.into_counts(),
        vec![
            InspectorFindingCount {
                resource_id: "i-1".into(),
                resource_type: "AWS_EC2_INSTANCE".into(),
                critical: 1,
                high: 0,
            },
            InspectorFindingCount {
                resource_id: "i-2".into(),
                resource_type: "AWS_EC2_INSTANCE".into(),
                critical: 1,
                high: 2,
            },
        ]
    );
}

#[tokio::test]
async fn coverage_404_without_code_is_not_supported_while_status_is_known() {
    let status = mock!(Client::batch_get_account_status)
        .match_requests(|req| req.account_ids() == [ACCOUNT.to_string()])
        .then_output(enabled_account);
    // moto's NI-404: an HTML page, no error code.
    let coverage = mock!(Client::list_coverage)
        .sequence()
        .http_status(
            404,
            Some("<!doctype html><title>404 Not Found</title>".into()),
        )
        .build();
    let findings =
        mock!(Client::list_findings).then_output(|| ListFindingsOutput::builder().build());
    let ctx = ctx();
    let inspector = super::collect_with(&ctx, &client(&[&status, &coverage, &findings])).await;

    assert_eq!(
        inspector.account_status.known().unwrap().state.as_deref(),
        Some("ENABLED")
    );
    let gap = inspector.coverage.gap().expect("coverage must be unknown");
    assert_eq!(gap.reason, GapReason::NotSupported);
    assert_eq!(gap.operation, "ListCoverage");
    assert_eq!(gap.region, "us-east-1");
    assert_eq!(
        inspector.finding_counts.known().unwrap(),
        &Vec::<InspectorFindingCount>::new()
    );
    assert_eq!(ctx.gaps.take(), vec![gap.clone()]);
}

#[tokio::test]
async fn findings_are_counted_across_pages() {
    let status = mock!(Client::batch_get_account_status).then_output(enabled_account);
    let coverage = mock!(Client::list_coverage).then_output(|| {
        ListCoverageOutput::builder()
            .covered_resources(
                CoveredResource::builder()
                    .resource_type(CoverageResourceType::AwsEc2Instance)
                    .resource_id("i-1")
                    .account_id(ACCOUNT)
                    .scan_type(ScanType::Package)
                    .scan_status(
                        ScanStatus::builder()
                            .status_code(ScanStatusCode::Active)
                            .reason(ScanStatusReason::Successful)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let findings = mock!(Client::list_findings)
        .match_requests(|req| {
            let f = req.filter_criteria();
            f.is_some_and(|f| {
                f.finding_status().len() == 1
                    && f.severity().len() == 2
                    && f.resource_type().len() == 2
            })
        })
        .then_compute_output(|req| match req.next_token() {
            None => ListFindingsOutput::builder()
                .findings(finding(
                    Severity::Critical,
                    FindingStatus::Active,
                    ("i-1", ResourceType::AwsEc2Instance),
                ))
                .findings(finding(
                    Severity::High,
                    FindingStatus::Active,
                    ("i-1", ResourceType::AwsEc2Instance),
                ))
                .next_token("page-2")
                .build(),
            Some("page-2") => ListFindingsOutput::builder()
                .findings(finding(
                    Severity::High,
                    FindingStatus::Active,
                    ("i-1", ResourceType::AwsEc2Instance),
                ))
                .findings(finding(
                    Severity::Critical,
                    FindingStatus::Active,
                    (
                        "arn:aws:ecr:us-east-1:123456789012:repository/app/sha256:aa",
                        ResourceType::AwsEcrContainerImage,
                    ),
                ))
                .build(),
            Some(other) => panic!("unexpected token {other}"),
        });
    let ctx = ctx();
    let inspector = super::collect_with(&ctx, &client(&[&status, &coverage, &findings])).await;

    assert_eq!(findings.num_calls(), 2);
    let counts = inspector.finding_counts.known().unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!(
        counts[0].resource_id,
        "arn:aws:ecr:us-east-1:123456789012:repository/app/sha256:aa"
    );
    assert_eq!((counts[0].critical, counts[0].high), (1, 0));
    assert_eq!(counts[1].resource_id, "i-1");
    assert_eq!((counts[1].critical, counts[1].high), (1, 2));
    let covered = inspector.coverage.known().unwrap();
    assert_eq!(covered[0].scan_status.as_deref(), Some("ACTIVE"));
    assert_eq!(covered[0].resource_type, "AWS_EC2_INSTANCE");
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn disabled_inspector_covers_nothing_and_is_not_asked_for_findings() {
    let status = mock!(Client::batch_get_account_status).then_output(|| {
        BatchGetAccountStatusOutput::builder()
            .accounts(
                AccountState::builder()
                    .account_id(ACCOUNT)
                    .state(state(Status::Disabled))
                    .resource_state(
                        ResourceState::builder()
                            .ec2(state(Status::Disabled))
                            .ecr(state(Status::Disabled))
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    // Were they asked, a disabled Inspector could refuse them like this.
    let coverage = mock!(Client::list_coverage).then_error(|| {
        aws_sdk_inspector2::operation::list_coverage::ListCoverageError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let findings = mock!(Client::list_findings).then_error(|| {
        aws_sdk_inspector2::operation::list_findings::ListFindingsError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let ctx = ctx();
    let inspector = super::collect_with(&ctx, &client(&[&status, &coverage, &findings])).await;
    assert_eq!(
        inspector.account_status.known().unwrap().state.as_deref(),
        Some("DISABLED")
    );
    assert_eq!(inspector.coverage.known(), Some(&Vec::new()));
    assert_eq!(inspector.finding_counts.known(), Some(&Vec::new()));
    assert_eq!(coverage.num_calls() + findings.num_calls(), 0);
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn coverage_and_findings_are_filtered_to_the_scanned_account() {
    let status = mock!(Client::batch_get_account_status).then_output(enabled_account);
    let coverage = mock!(Client::list_coverage)
        .match_requests(|req| {
            req.filter_criteria()
                .is_some_and(|f| f.account_id().len() == 1 && f.account_id()[0].value() == ACCOUNT)
        })
        .then_output(|| ListCoverageOutput::builder().build());
    let findings = mock!(Client::list_findings)
        .match_requests(|req| {
            req.filter_criteria().is_some_and(|f| {
                f.aws_account_id().len() == 1 && f.aws_account_id()[0].value() == ACCOUNT
            })
        })
        .then_output(|| ListFindingsOutput::builder().build());
    let ctx = ctx();
    let inspector = super::collect_with(&ctx, &client(&[&status, &coverage, &findings])).await;
    assert!(inspector.coverage.is_known());
    assert!(inspector.finding_counts.is_known());
    assert_eq!((coverage.num_calls(), findings.num_calls()), (1, 1));
}
