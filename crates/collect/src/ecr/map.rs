//! Pure mappings from ECR SDK types to the inventory model.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsOutput;
use aws_sdk_ecr::types::{
    FindingSeverity, ImageDetail, ImageScanningConfiguration, RegistryScanningConfiguration,
    RepositoryScanningConfiguration,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use eksposture_model::{
    Image, ImageScan, Observed, RegistryScanning, Repository, RepositoryScanning, ScanningRule,
    TagExclusionFilter,
};

pub(crate) fn rfc3339(t: &DateTime) -> Option<String> {
    t.fmt(Format::DateTime).ok()
}

/// A repository's own settings; its policy, lifecycle policy and images are
/// filled in by their own calls.
pub(crate) fn repository(r: &aws_sdk_ecr::types::Repository) -> Repository {
    let encryption = r.encryption_configuration();
    Repository {
        name: r.repository_name().unwrap_or_default().to_string(),
        arn: r.repository_arn().unwrap_or_default().to_string(),
        uri: r.repository_uri().map(str::to_string),
        registry_id: r.registry_id().map(str::to_string),
        scan_on_push: r
            .image_scanning_configuration()
            .map(ImageScanningConfiguration::scan_on_push),
        tag_mutability: r.image_tag_mutability().map(|m| m.as_str().to_string()),
        tag_mutability_exclusion_filters: r.image_tag_mutability_exclusion_filters.as_ref().map(
            |filters| {
                filters
                    .iter()
                    .map(|f| TagExclusionFilter {
                        filter_type: f.filter_type().as_str().to_string(),
                        filter: f.filter().to_string(),
                    })
                    .collect()
            },
        ),
        encryption_type: encryption.map(|e| e.encryption_type().as_str().to_string()),
        kms_key: encryption.and_then(|e| e.kms_key()).map(str::to_string),
        ..Repository::default()
    }
}

fn severity_counts(counts: Option<&HashMap<FindingSeverity, i32>>) -> BTreeMap<String, i64> {
    counts
        .into_iter()
        .flatten()
        .map(|(severity, n)| (severity.as_str().to_string(), i64::from(*n)))
        .collect()
}

/// An image as `DescribeImages` reports it. `scan` is `Some` when the
/// response carried a scan status; `None` means "ask
/// `DescribeImageScanFindings`": ECR omits the status for images that were
/// never scanned, and moto omits it always.
pub(crate) fn image(d: &ImageDetail) -> (Image, Option<ImageScan>) {
    let mut tags: Vec<String> = d.image_tags().to_vec();
    tags.sort();
    let image = Image {
        digest: d.image_digest().unwrap_or_default().to_string(),
        tags,
        pushed_at: d.image_pushed_at().and_then(rfc3339),
        size_bytes: d.image_size_in_bytes(),
        ..Image::default()
    };
    let scan = d.image_scan_status().and_then(|s| {
        let summary = d.image_scan_findings_summary();
        Some(ImageScan {
            status: s.status()?.as_str().to_string(),
            description: s.description().map(str::to_string),
            completed_at: summary
                .and_then(|f| f.image_scan_completed_at())
                .and_then(rfc3339),
            vulnerability_source_updated_at: summary
                .and_then(|f| f.vulnerability_source_updated_at())
                .and_then(rfc3339),
            finding_counts: severity_counts(summary.and_then(|f| f.finding_severity_counts())),
        })
    });
    (image, scan)
}

/// Which images without a scan status to look up: at most `max`, the most
/// recently pushed first (images with no push time last, then by digest),
/// as indices into `details`.
pub(crate) fn scan_lookups(details: &[(Image, Option<ImageScan>)], max: usize) -> BTreeSet<usize> {
    let mut unscanned: Vec<usize> = (0..details.len())
        .filter(|&i| details[i].1.is_none())
        .collect();
    // RFC 3339 UTC text of one format orders as the times do.
    unscanned.sort_by(|&a, &b| {
        let (a, b) = (&details[a].0, &details[b].0);
        b.pushed_at
            .cmp(&a.pushed_at)
            .then_with(|| a.digest.cmp(&b.digest))
    });
    unscanned.into_iter().take(max).collect()
}

/// The scan `DescribeImageScanFindings` reports. moto sends no
/// `imageScanStatus` with its findings: a response with findings is a
/// completed scan.
pub(crate) fn scan_findings(out: &DescribeImageScanFindingsOutput) -> ImageScan {
    let status = out.image_scan_status();
    let findings = out.image_scan_findings();
    ImageScan {
        status: status
            .and_then(|s| s.status())
            .map_or_else(|| "COMPLETE".to_string(), |s| s.as_str().to_string()),
        description: status.and_then(|s| s.description()).map(str::to_string),
        completed_at: findings
            .and_then(|f| f.image_scan_completed_at())
            .and_then(rfc3339),
        vulnerability_source_updated_at: findings
            .and_then(|f| f.vulnerability_source_updated_at())
            .and_then(rfc3339),
        finding_counts: severity_counts(findings.and_then(|f| f.finding_severity_counts())),
    }
}

/// The registry scanning configuration; `None` when the response carries
/// no scan type (never observed from AWS: left unknown, not BASIC).
pub(crate) fn registry_scanning(
    c: Option<&RegistryScanningConfiguration>,
) -> Option<RegistryScanning> {
    let c = c?;
    Some(RegistryScanning {
        scan_type: c.scan_type()?.as_str().to_string(),
        rules: c
            .rules()
            .iter()
            .map(|r| ScanningRule {
                scan_frequency: r.scan_frequency().as_str().to_string(),
                repository_filters: r
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_string())
                    .collect(),
            })
            .collect(),
    })
}

/// A repository's effective scanning configuration
/// (`BatchGetRepositoryScanningConfiguration`). Its `scanOnPush` is not kept:
/// the SDK reads an absent flag as `false`, and the repository's own flag is
/// `DescribeRepositories`'.
pub(crate) fn repository_scanning(c: &RepositoryScanningConfiguration) -> RepositoryScanning {
    RepositoryScanning {
        scan_frequency: c.scan_frequency().map(|f| f.as_str().to_string()),
        applied_filters: c
            .applied_scan_filters()
            .iter()
            .map(|f| f.filter().to_string())
            .collect(),
    }
}

/// Parses a repository policy; `Err` carries the parse error.
pub(crate) fn repository_policy(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Sorts a repository's images by digest (the inventory is deterministic).
pub(crate) fn sort_images(images: &mut Observed<Vec<Image>>) {
    if let Observed::Known(v) = images {
        v.sort_by(|a, b| a.digest.cmp(&b.digest).then_with(|| a.tags.cmp(&b.tags)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::types::{
        EncryptionConfiguration, EncryptionType, ImageScanFindings, ImageScanFindingsSummary,
        ImageScanStatus, ImageScanningConfiguration, ImageTagMutability,
        ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType,
        RegistryScanningRule, ScanFrequency, ScanStatus, ScanType, ScanningRepositoryFilter,
        ScanningRepositoryFilterType,
    };

    #[test]
    fn lookups_take_the_newest_unscanned_images_first() {
        let img = |digest: &str, pushed: Option<&str>| Image {
            digest: digest.into(),
            pushed_at: pushed.map(str::to_string),
            ..Image::default()
        };
        let scan = ImageScan {
            status: "COMPLETE".into(),
            ..ImageScan::default()
        };
        let details = vec![
            (img("sha256:old", Some("2023-01-01T00:00:00Z")), None),
            (img("sha256:nopush", None), None),
            (
                img("sha256:scanned", Some("2025-01-01T00:00:00Z")),
                Some(scan),
            ),
            (img("sha256:new", Some("2024-06-01T00:00:00Z")), None),
            (img("sha256:mid", Some("2024-01-01T00:00:00Z")), None),
        ];
        assert_eq!(scan_lookups(&details, 2), BTreeSet::from([3, 4]));
        assert_eq!(scan_lookups(&details, 10), BTreeSet::from([0, 1, 3, 4]));
        assert!(scan_lookups(&details, 0).is_empty());
    }

    #[test]
    fn repository_settings_are_mapped() {
        let r = aws_sdk_ecr::types::Repository::builder()
            .repository_name("app")
            .repository_arn("arn:aws:ecr:us-east-1:123456789012:repository/app")
            .repository_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/app")
            .registry_id("123456789012")
            .image_tag_mutability(ImageTagMutability::Mutable)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(true)
                    .build(),
            )
            .encryption_configuration(
                EncryptionConfiguration::builder()
                    .encryption_type(EncryptionType::Kms)
                    .kms_key("arn:aws:kms:us-east-1:123456789012:key/k")
                    .build()
                    .unwrap(),
            )
            .build();
        let m = repository(&r);
        assert_eq!(m.name, "app");
        assert_eq!(m.arn, "arn:aws:ecr:us-east-1:123456789012:repository/app");
        assert_eq!(m.registry_id.as_deref(), Some("123456789012"));
        assert_eq!(m.scan_on_push, Some(true));
        assert_eq!(m.tag_mutability.as_deref(), Some("MUTABLE"));
        assert_eq!(m.encryption_type.as_deref(), Some("KMS"));
        assert_eq!(
            m.kms_key.as_deref(),
            Some("arn:aws:kms:us-east-1:123456789012:key/k")
        );
        assert!(!m.images.is_known(), "images are filled by DescribeImages");
    }

    #[test]
    fn tag_mutability_exclusion_filters_are_mapped_and_absent_ones_stay_none() {
        let r = aws_sdk_ecr::types::Repository::builder()
            .repository_name("app")
            .image_tag_mutability(ImageTagMutability::ImmutableWithExclusion)
            .image_tag_mutability_exclusion_filters(
                ImageTagMutabilityExclusionFilter::builder()
                    .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                    .filter("latest")
                    .build()
                    .unwrap(),
            )
            .build();
        let m = repository(&r);
        assert_eq!(
            m.tag_mutability.as_deref(),
            Some("IMMUTABLE_WITH_EXCLUSION")
        );
        assert_eq!(
            m.tag_mutability_exclusion_filters,
            Some(vec![TagExclusionFilter {
                filter_type: "WILDCARD".into(),
                filter: "latest".into()
            }])
        );
        let bare = aws_sdk_ecr::types::Repository::builder()
            .repository_name("app")
            .image_tag_mutability(ImageTagMutability::ImmutableWithExclusion)
            .build();
        assert_eq!(repository(&bare).tag_mutability_exclusion_filters, None);
    }

    #[test]
    fn effective_scanning_configuration_is_mapped() {
        let c = RepositoryScanningConfiguration::builder()
            .repository_name("app")
            .scan_frequency(ScanFrequency::ContinuousScan)
            .applied_scan_filters(
                ScanningRepositoryFilter::builder()
                    .filter("*")
                    .filter_type(ScanningRepositoryFilterType::Wildcard)
                    .build()
                    .unwrap(),
            )
            .build();
        let m = repository_scanning(&c);
        assert_eq!(m.scan_frequency.as_deref(), Some("CONTINUOUS_SCAN"));
        assert_eq!(m.applied_filters, vec!["*"]);
        let bare = RepositoryScanningConfiguration::builder().build();
        assert_eq!(repository_scanning(&bare).scan_frequency, None);
    }

    #[test]
    fn repository_without_scanning_configuration_is_unknown_not_false() {
        let m = repository(
            &aws_sdk_ecr::types::Repository::builder()
                .repository_name("r")
                .build(),
        );
        assert_eq!(m.scan_on_push, None);
        assert_eq!(m.tag_mutability, None);
    }

    #[test]
    fn image_with_scan_status_carries_summary() {
        let d = ImageDetail::builder()
            .image_digest("sha256:aa")
            .image_tags("v2")
            .image_tags("latest")
            .image_size_in_bytes(1024)
            .image_pushed_at(DateTime::from_secs(1_700_000_000))
            .image_scan_status(
                ImageScanStatus::builder()
                    .status(ScanStatus::Complete)
                    .build(),
            )
            .image_scan_findings_summary(
                ImageScanFindingsSummary::builder()
                    .image_scan_completed_at(DateTime::from_secs(1_700_000_100))
                    .vulnerability_source_updated_at(DateTime::from_secs(1_700_000_000))
                    .finding_severity_counts(FindingSeverity::Critical, 2)
                    .finding_severity_counts(FindingSeverity::High, 1)
                    .build(),
            )
            .build();
        let (img, scan) = image(&d);
        assert_eq!(img.digest, "sha256:aa");
        assert_eq!(img.tags, vec!["latest", "v2"]);
        assert_eq!(img.pushed_at.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(img.size_bytes, Some(1024));
        let scan = scan.unwrap();
        assert_eq!(scan.status, "COMPLETE");
        assert_eq!(scan.completed_at.as_deref(), Some("2023-11-14T22:15:00Z"));
        assert_eq!(
            scan.vulnerability_source_updated_at.as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(scan.finding_counts.get("CRITICAL"), Some(&2));
        assert_eq!(scan.finding_counts.get("HIGH"), Some(&1));
    }

    #[test]
    fn image_without_scan_status_asks_for_a_lookup() {
        // moto's DescribeImages: digest, tags, pushedAt, size only.
        let d = ImageDetail::builder().image_digest("sha256:bb").build();
        let (img, scan) = image(&d);
        assert!(scan.is_none());
        assert!(img.tags.is_empty());
        assert!(!img.scan.is_known(), "the lookup fills the scan in");
    }

    #[test]
    fn scan_findings_without_status_are_a_completed_scan() {
        let out = DescribeImageScanFindingsOutput::builder()
            .image_scan_findings(
                ImageScanFindings::builder()
                    .finding_severity_counts(FindingSeverity::High, 1)
                    .image_scan_completed_at(DateTime::from_secs(0))
                    .vulnerability_source_updated_at(DateTime::from_secs(60))
                    .build(),
            )
            .build();
        let scan = scan_findings(&out);
        assert_eq!(scan.status, "COMPLETE");
        assert_eq!(
            scan.finding_counts,
            BTreeMap::from([("HIGH".to_string(), 1)])
        );
        assert_eq!(scan.completed_at.as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            scan.vulnerability_source_updated_at.as_deref(),
            Some("1970-01-01T00:01:00Z")
        );

        let failed = DescribeImageScanFindingsOutput::builder()
            .image_scan_status(
                ImageScanStatus::builder()
                    .status(ScanStatus::Failed)
                    .description("UnsupportedImageError")
                    .build(),
            )
            .build();
        let scan = scan_findings(&failed);
        assert_eq!(scan.status, "FAILED");
        assert_eq!(scan.description.as_deref(), Some("UnsupportedImageError"));
        assert!(scan.finding_counts.is_empty());
    }

    #[test]
    fn registry_scanning_rules_keep_their_filters() {
        let c = RegistryScanningConfiguration::builder()
            .scan_type(ScanType::Enhanced)
            .rules(
                RegistryScanningRule::builder()
                    .scan_frequency(ScanFrequency::ContinuousScan)
                    .repository_filters(
                        ScanningRepositoryFilter::builder()
                            .filter("prod-*")
                            .filter_type(ScanningRepositoryFilterType::Wildcard)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build();
        let r = registry_scanning(Some(&c)).unwrap();
        assert_eq!(r.scan_type, "ENHANCED");
        assert_eq!(r.rules.len(), 1);
        assert_eq!(r.rules[0].scan_frequency, "CONTINUOUS_SCAN");
        assert_eq!(r.rules[0].repository_filters, vec!["prod-*"]);

        let basic = RegistryScanningConfiguration::builder()
            .scan_type(ScanType::Basic)
            .build();
        assert_eq!(registry_scanning(Some(&basic)).unwrap().rules, vec![]);
        assert!(registry_scanning(None).is_none());
        assert!(
            registry_scanning(Some(&RegistryScanningConfiguration::builder().build())).is_none()
        );
    }

    #[test]
    fn repository_policy_text_must_be_json() {
        assert!(repository_policy(r#"{"Statement":[]}"#).is_ok());
        assert!(repository_policy("nope").is_err());
    }
}
