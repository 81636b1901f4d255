//! The ECR collector against mocked responses: "not found" answers that mean
//! "not configured", scan lookups for images without a scan status,
//! effective scanning configurations in batches, and repository keys.

use aws_sdk_ecr::operation::batch_get_repository_scanning_configuration::{
    BatchGetRepositoryScanningConfigurationError, BatchGetRepositoryScanningConfigurationOutput,
};
use aws_sdk_ecr::operation::describe_image_scan_findings::{
    DescribeImageScanFindingsError, DescribeImageScanFindingsOutput,
};
use aws_sdk_ecr::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
use aws_sdk_ecr::operation::get_lifecycle_policy::{
    GetLifecyclePolicyError, GetLifecyclePolicyOutput,
};
use aws_sdk_ecr::operation::get_registry_scanning_configuration::{
    GetRegistryScanningConfigurationError, GetRegistryScanningConfigurationOutput,
};
use aws_sdk_ecr::operation::get_repository_policy::{
    GetRepositoryPolicyError, GetRepositoryPolicyOutput,
};
use aws_sdk_ecr::types::error::{
    LifecyclePolicyNotFoundException, RepositoryPolicyNotFoundException, ScanNotFoundException,
};
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, FindingSeverity, ImageDetail, ImageScanFindings,
    ImageScanFindingsSummary, ImageScanStatus, RegistryScanningConfiguration, Repository,
    RepositoryScanningConfiguration, RepositoryScanningConfigurationFailure, ScanFrequency,
    ScanStatus, ScanType, ScanningConfigurationFailureCode,
};
use aws_sdk_ecr::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::{GapReason, Observed};

use crate::Ctx;

fn ctx() -> Ctx {
    crate::testutil::ctx("eu-west-1", "123456789012")
}

/// A client answering `rules`, and, after them, every
/// `BatchGetRepositoryScanningConfiguration` with `MANUAL` for each name.
fn client(rules: &[&Rule]) -> Client {
    let manual = scanning(ScanFrequency::Manual);
    let mut all = rules.to_vec();
    all.push(&manual);
    eksposture_aws::mock_client!(aws_sdk_ecr, "eu-west-1", all)
}

fn scanning(frequency: ScanFrequency) -> Rule {
    mock!(Client::batch_get_repository_scanning_configuration).then_compute_output(move |req| {
        let mut out = BatchGetRepositoryScanningConfigurationOutput::builder();
        for name in req.repository_names() {
            out = out.scanning_configurations(
                RepositoryScanningConfiguration::builder()
                    .repository_name(name)
                    .scan_frequency(frequency.clone())
                    .build(),
            );
        }
        out.build()
    })
}

fn kms(rules: &[&Rule]) -> aws_sdk_kms::Client {
    eksposture_aws::mock_client!(aws_sdk_kms, "eu-west-1", rules)
}

async fn collect(ctx: &Ctx, client: &Client) -> super::EcrData {
    super::collect_with(ctx, client, &kms(&[])).await
}

fn one_repository(name: &'static str) -> Rule {
    mock!(Client::describe_repositories).then_output(move || {
        DescribeRepositoriesOutput::builder()
            .repositories(
                Repository::builder()
                    .repository_name(name)
                    .repository_arn(format!(
                        "arn:aws:ecr:eu-west-1:123456789012:repository/{name}"
                    ))
                    .registry_id("123456789012")
                    .build(),
            )
            .build()
    })
}

fn basic_registry() -> Rule {
    mock!(Client::get_registry_scanning_configuration).then_output(|| {
        GetRegistryScanningConfigurationOutput::builder()
            .scanning_configuration(
                RegistryScanningConfiguration::builder()
                    .scan_type(ScanType::Basic)
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn absent_policies_are_known_none_and_unscanned_images_are_looked_up() {
    let repos = one_repository("app");
    let no_policy = mock!(Client::get_repository_policy).then_error(|| {
        GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
            RepositoryPolicyNotFoundException::builder()
                .message("none")
                .build(),
        )
    });
    let no_lifecycle = mock!(Client::get_lifecycle_policy).then_error(|| {
        GetLifecyclePolicyError::LifecyclePolicyNotFoundException(
            LifecyclePolicyNotFoundException::builder().build(),
        )
    });
    let images = mock!(Client::describe_images)
        .match_requests(|req| {
            req.repository_name() == Some("app") && req.registry_id() == Some("123456789012")
        })
        .then_output(|| {
            DescribeImagesOutput::builder()
                // Real ECR with a scan: status and summary inline, no lookup.
                .image_details(
                    ImageDetail::builder()
                        .image_digest("sha256:cc")
                        .image_scan_status(
                            ImageScanStatus::builder()
                                .status(ScanStatus::Complete)
                                .build(),
                        )
                        .image_scan_findings_summary(
                            ImageScanFindingsSummary::builder()
                                .finding_severity_counts(FindingSeverity::Critical, 3)
                                .build(),
                        )
                        .build(),
                )
                // moto / never scanned: no status.
                .image_details(
                    ImageDetail::builder()
                        .image_digest("sha256:bb")
                        .image_tags("old")
                        .build(),
                )
                .image_details(
                    ImageDetail::builder()
                        .image_digest("sha256:aa")
                        .image_tags("new")
                        .build(),
                )
                .build()
        });
    let never_scanned = mock!(Client::describe_image_scan_findings)
        .match_requests(|req| req.image_id().and_then(|i| i.image_digest()) == Some("sha256:bb"))
        .then_error(|| {
            DescribeImageScanFindingsError::ScanNotFoundException(
                ScanNotFoundException::builder().build(),
            )
        });
    let scanned = mock!(Client::describe_image_scan_findings)
        .match_requests(|req| req.image_id().and_then(|i| i.image_digest()) == Some("sha256:aa"))
        .then_output(|| {
            DescribeImageScanFindingsOutput::builder()
                .image_scan_findings(
                    ImageScanFindings::builder()
                        .finding_severity_counts(FindingSeverity::High, 1)
                        .build(),
                )
                .build()
        });
    let registry = basic_registry();
    let ctx = ctx();
    let client = client(&[
        &repos,
        &no_policy,
        &no_lifecycle,
        &images,
        &never_scanned,
        &scanned,
        &registry,
    ]);
    let data = collect(&ctx, &client).await;

    let repos = data.repositories.known().unwrap();
    assert_eq!(repos.len(), 1);
    let repo = &repos[0];
    assert_eq!(repo.policy, Observed::Known(None));
    assert_eq!(repo.lifecycle_policy, Observed::Known(None));
    let images = repo.images.known().unwrap();
    let digests: Vec<&str> = images.iter().map(|i| i.digest.as_str()).collect();
    assert_eq!(digests, vec!["sha256:aa", "sha256:bb", "sha256:cc"]);

    let aa = images[0].scan.known().unwrap().as_ref().unwrap();
    assert_eq!(aa.status, "COMPLETE");
    assert_eq!(aa.finding_counts.get("HIGH"), Some(&1));
    assert_eq!(
        images[1].scan,
        Observed::Known(None),
        "ScanNotFoundException: never scanned"
    );
    let cc = images[2].scan.known().unwrap().as_ref().unwrap();
    assert_eq!(cc.finding_counts.get("CRITICAL"), Some(&3));
    assert_eq!(
        never_scanned.num_calls() + scanned.num_calls(),
        2,
        "no lookup for the image with a status"
    );

    assert_eq!(data.registry_scanning.known().unwrap().scan_type, "BASIC");
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn policies_are_read_and_lookup_failures_are_unknown() {
    let repos = one_repository("svc");
    let policy = mock!(Client::get_repository_policy).then_output(|| {
        GetRepositoryPolicyOutput::builder()
            .policy_text(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}"#)
            .build()
    });
    let lifecycle = mock!(Client::get_lifecycle_policy).then_output(|| {
        GetLifecyclePolicyOutput::builder()
            .lifecycle_policy_text(r#"{"rules":[]}"#)
            .build()
    });
    let images = mock!(Client::describe_images).then_output(|| {
        DescribeImagesOutput::builder()
            .image_details(ImageDetail::builder().image_digest("sha256:dd").build())
            .build()
    });
    let denied = mock!(Client::describe_image_scan_findings).then_error(|| {
        DescribeImageScanFindingsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let registry_denied = mock!(Client::get_registry_scanning_configuration).then_error(|| {
        GetRegistryScanningConfigurationError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let ctx = ctx();
    let data = collect(
        &ctx,
        &client(&[
            &repos,
            &policy,
            &lifecycle,
            &images,
            &denied,
            &registry_denied,
        ]),
    )
    .await;

    let repo = &data.repositories.known().unwrap()[0];
    let doc = repo.policy.known().unwrap().as_ref().unwrap();
    assert_eq!(doc["Statement"][0]["Principal"], "*");
    assert_eq!(
        repo.lifecycle_policy,
        Observed::Known(Some(r#"{"rules":[]}"#.to_string()))
    );
    let scan_gap = repo.images.known().unwrap()[0].scan.gap().unwrap();
    assert_eq!(scan_gap.reason, GapReason::AccessDenied);
    assert_eq!(scan_gap.operation, "DescribeImageScanFindings");
    assert_eq!(scan_gap.region, "eu-west-1");
    assert_eq!(
        data.registry_scanning.gap().unwrap().reason,
        GapReason::AccessDenied
    );
    assert_eq!(ctx.gaps.take().len(), 2);
}

#[tokio::test]
async fn describe_repositories_failure_leaves_repositories_unknown() {
    let denied = mock!(Client::describe_repositories).then_error(|| {
        aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let registry = basic_registry();
    let ctx = ctx();
    let data = collect(&ctx, &client(&[&denied, &registry])).await;
    assert_eq!(
        data.repositories.gap().unwrap().reason,
        GapReason::AccessDenied
    );
    assert!(data.registry_scanning.is_known());
}

fn no_policies() -> (Rule, Rule) {
    (
        mock!(Client::get_repository_policy).then_error(|| {
            GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
                RepositoryPolicyNotFoundException::builder().build(),
            )
        }),
        mock!(Client::get_lifecycle_policy).then_error(|| {
            GetLifecyclePolicyError::LifecyclePolicyNotFoundException(
                LifecyclePolicyNotFoundException::builder().build(),
            )
        }),
    )
}

#[tokio::test]
async fn scan_lookups_are_bounded_and_the_rest_are_unknown_not_unscanned() {
    let total = super::MAX_SCAN_LOOKUPS + 2;
    let repos = one_repository("big");
    let (no_policy, no_lifecycle) = no_policies();
    // Image n was pushed on day n: images 0 and 1 are the oldest.
    let images = mock!(Client::describe_images).then_output(move || {
        let mut out = DescribeImagesOutput::builder();
        for n in 0..total {
            out = out.image_details(
                ImageDetail::builder()
                    .image_digest(format!("sha256:{n:04}"))
                    .image_pushed_at(aws_smithy_types::DateTime::from_secs(
                        1_700_000_000 + 86_400 * i64::try_from(n).unwrap(),
                    ))
                    .build(),
            );
        }
        out.build()
    });
    let lookups = mock!(Client::describe_image_scan_findings).then_error(|| {
        DescribeImageScanFindingsError::ScanNotFoundException(
            ScanNotFoundException::builder().build(),
        )
    });
    let registry = basic_registry();
    let ctx = ctx();
    let data = collect(
        &ctx,
        &client(&[
            &repos,
            &no_policy,
            &no_lifecycle,
            &images,
            &lookups,
            &registry,
        ]),
    )
    .await;

    assert_eq!(lookups.num_calls(), super::MAX_SCAN_LOOKUPS);
    let images = data.repositories.known().unwrap()[0]
        .images
        .known()
        .unwrap();
    assert_eq!(images.len(), total);
    for old in &images[..2] {
        let gap = old.scan.gap().expect("not looked up: unknown");
        assert_eq!(gap.operation, "DescribeImageScanFindings");
        assert!(gap.message.contains("2 images"), "{}", gap.message);
    }
    assert!(images[2..].iter().all(|i| i.scan == Observed::Known(None)));
    assert_eq!(ctx.gaps.take().len(), 1, "one gap for the repository");
}

#[tokio::test]
async fn repositories_and_images_are_read_across_pages() {
    let repos = mock!(Client::describe_repositories).then_compute_output(|req| {
        let (name, next) = match req.next_token() {
            None => ("a", Some("r2")),
            Some(_) => ("b", None),
        };
        DescribeRepositoriesOutput::builder()
            .repositories(
                Repository::builder()
                    .repository_name(name)
                    .repository_arn(format!(
                        "arn:aws:ecr:eu-west-1:123456789012:repository/{name}"
                    ))
                    .build(),
            )
            .set_next_token(next.map(str::to_string))
            .build()
    });
    let (no_policy, no_lifecycle) = no_policies();
    let images = mock!(Client::describe_images).then_compute_output(|req| {
        let (digest, next) = match req.next_token() {
            None => ("sha256:p1", Some("i2")),
            Some(_) => ("sha256:p2", None),
        };
        DescribeImagesOutput::builder()
            .image_details(
                ImageDetail::builder()
                    .image_digest(digest)
                    .image_scan_status(
                        ImageScanStatus::builder()
                            .status(ScanStatus::Complete)
                            .build(),
                    )
                    .build(),
            )
            .set_next_token(next.map(str::to_string))
            .build()
    });
    let registry = basic_registry();
    let ctx = ctx();
    let data = collect(
        &ctx,
        &client(&[&repos, &no_policy, &no_lifecycle, &images, &registry]),
    )
    .await;
    let repos = data.repositories.known().unwrap();
    let names: Vec<&str> = repos.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    for r in repos {
        let digests: Vec<&str> = r
            .images
            .known()
            .unwrap()
            .iter()
            .map(|i| i.digest.as_str())
            .collect();
        assert_eq!(digests, ["sha256:p1", "sha256:p2"]);
    }
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn a_repeated_page_token_is_a_gap_not_a_short_list() {
    let repos = mock!(Client::describe_repositories).then_output(|| {
        DescribeRepositoriesOutput::builder()
            .repositories(Repository::builder().repository_name("a").build())
            .next_token("same")
            .build()
    });
    let registry = basic_registry();
    let ctx = ctx();
    let data = collect(&ctx, &client(&[&repos, &registry])).await;
    let gap = data.repositories.gap().expect("repositories unknown");
    assert_eq!(gap.operation, "DescribeRepositories");
    assert_eq!(repos.num_calls(), 2);
}

/// `n` repositories `r00`, `r01`, ... in one page, each with `encryption`.
fn repositories(n: usize, encryption: Option<EncryptionConfiguration>) -> Rule {
    mock!(Client::describe_repositories).then_output(move || {
        let mut out = DescribeRepositoriesOutput::builder();
        for i in 0..n {
            let name = format!("r{i:02}");
            out = out.repositories(
                Repository::builder()
                    .repository_arn(format!(
                        "arn:aws:ecr:eu-west-1:123456789012:repository/{name}"
                    ))
                    .repository_name(name)
                    .set_encryption_configuration(encryption.clone())
                    .build(),
            );
        }
        out.build()
    })
}

/// A client answering `rules` first; then, for every repository, no
/// policies and no images, and a basic registry.
fn quiet_client(rules: &[&Rule]) -> Client {
    let (no_policy, no_lifecycle) = no_policies();
    let no_images =
        mock!(Client::describe_images).then_output(|| DescribeImagesOutput::builder().build());
    let registry = basic_registry();
    let mut all = rules.to_vec();
    all.extend([&no_policy, &no_lifecycle, &no_images, &registry]);
    client(&all)
}

#[tokio::test]
async fn scanning_configurations_are_read_in_batches_of_twenty_five() {
    let repos = repositories(30, None);
    let continuous = scanning(ScanFrequency::ContinuousScan);
    let batch_sizes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = batch_sizes.clone();
    let sized = mock!(Client::batch_get_repository_scanning_configuration)
        .match_requests(move |req| {
            seen.lock().unwrap().push(req.repository_names().len());
            false
        })
        .then_output(|| BatchGetRepositoryScanningConfigurationOutput::builder().build());
    let ctx = ctx();
    let data = collect(&ctx, &quiet_client(&[&repos, &sized, &continuous])).await;
    let mut sizes = batch_sizes.lock().unwrap().clone();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, super::SCANNING_BATCH]);
    assert_eq!(continuous.num_calls(), 2);
    let repos = data.repositories.known().unwrap();
    assert_eq!(repos.len(), 30);
    for r in repos {
        let s = r.scanning.known().expect("read");
        assert_eq!(
            s.scan_frequency.as_deref(),
            Some("CONTINUOUS_SCAN"),
            "{}",
            r.name
        );
    }
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn scanning_failures_and_a_failed_batch_are_unknown_with_gaps() {
    let two = repositories(2, None);
    let one_missing =
        mock!(Client::batch_get_repository_scanning_configuration).then_output(|| {
            BatchGetRepositoryScanningConfigurationOutput::builder()
                .scanning_configurations(
                    RepositoryScanningConfiguration::builder()
                        .repository_name("r00")
                        .scan_frequency(ScanFrequency::ScanOnPush)
                        .build(),
                )
                .failures(
                    RepositoryScanningConfigurationFailure::builder()
                        .repository_name("r01")
                        .failure_code(ScanningConfigurationFailureCode::RepositoryNotFound)
                        .failure_reason("REPOSITORY_NOT_FOUND")
                        .build(),
                )
                .build()
        });
    let ctx = ctx();
    let rules = [&two, &one_missing];
    let data = collect(&ctx, &quiet_client(&rules)).await;
    let repos = data.repositories.known().unwrap();
    assert_eq!(
        repos[0].scanning.known().unwrap().scan_frequency.as_deref(),
        Some("SCAN_ON_PUSH")
    );
    let gap = repos[1].scanning.gap().expect("unknown");
    assert_eq!(gap.operation, "BatchGetRepositoryScanningConfiguration");
    assert!(
        gap.message.contains("REPOSITORY_NOT_FOUND"),
        "{}",
        gap.message
    );
    assert_eq!(ctx.gaps.take().len(), 1);

    let denied = mock!(Client::batch_get_repository_scanning_configuration).then_error(|| {
        BatchGetRepositoryScanningConfigurationError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    });
    let ctx = crate::testutil::ctx("eu-west-1", "123456789012");
    let rules = [&two, &denied];
    let data = collect(&ctx, &quiet_client(&rules)).await;
    for r in data.repositories.known().unwrap() {
        assert_eq!(r.scanning.gap().unwrap().reason, GapReason::AccessDenied);
    }
    assert_eq!(ctx.gaps.take().len(), 1, "one gap for the batch");
}

#[tokio::test]
async fn repository_keys_are_described_once_per_key() {
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::types::{KeyManagerType, KeyMetadata};

    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/aws-ecr";
    let kms_repos = repositories(
        3,
        Some(
            EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::Kms)
                .kms_key(KEY)
                .build()
                .unwrap(),
        ),
    );
    let describe = mock!(aws_sdk_kms::Client::describe_key)
        .match_requests(|r| r.key_id() == Some(KEY))
        .then_output(|| {
            DescribeKeyOutput::builder()
                .key_metadata(
                    KeyMetadata::builder()
                        .key_id("aws-ecr")
                        .arn(KEY)
                        .key_manager(KeyManagerType::Aws)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let ctx = ctx();
    let data = super::collect_with(&ctx, &quiet_client(&[&kms_repos]), &kms(&[&describe])).await;
    assert_eq!(
        describe.num_calls(),
        1,
        "one DescribeKey for the shared key"
    );
    for r in data.repositories.known().unwrap() {
        assert_eq!(r.kms_key_manager, Some(Observed::Known("AWS".to_string())));
    }
    assert!(ctx.gaps.take().is_empty());

    // AES256 (or no configuration): no key, nothing to describe.
    let plain = repositories(1, None);
    let ctx = crate::testutil::ctx("eu-west-1", "123456789012");
    let data = collect(&ctx, &quiet_client(&[&plain])).await;
    assert_eq!(data.repositories.known().unwrap()[0].kms_key_manager, None);
}
