use eksposture_model::{Evidence, Graph};

use super::{ecr_scan_verdict, image_evidence, ScanVerdict};
use crate::emit::gap_evidence;
use crate::support::{image_label, image_ref, repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every image of every ECR repository (`DescribeImages`):
    ///
    /// - **pass** when ECR reports a scan status `COMPLETE` (basic scan) or
    ///   `ACTIVE` (enhanced, continuous Inspector scanning), or when the
    ///   region's Inspector2 coverage (`ListCoverage`) lists the image
    ///   (`AWS_ECR_CONTAINER_IMAGE`, by image ARN or digest) with scan status
    ///   `ACTIVE` — even if ECR says it was never scanned. Inspector's
    ///   `ACTIVE` also covers an image whose first scan is still pending; the
    ///   inventory keeps no reason code to tell them apart.
    /// - **fail** when ECR confirms the image was never scanned (no
    ///   `imageScanStatus`) or its scan ended `FAILED`, `UNSUPPORTED_IMAGE`,
    ///   `SCAN_ELIGIBILITY_EXPIRED`, `FINDINGS_UNAVAILABLE`, `LIMIT_EXCEEDED`,
    ///   `IMAGE_ARCHIVED` or `IMAGE_SIZE_EXCEEDED` (the message names it),
    ///   and Inspector does not cover it.
    /// - **unknown** when a scan is `IN_PROGRESS` or `PENDING` (not yet a
    ///   completed scan), the status is unrecognised or could not be read,
    ///   the repository's images could not be listed (one finding for the
    ///   repository, type `AwsEcrRepository`), or the region's repositories
    ///   could not be listed.
    ///
    /// Unreadable Inspector coverage does not turn ECR's answer into unknown:
    /// under enhanced scanning ECR reports Inspector's status in the image's
    /// own `imageScanStatus`. A repository with no images yields no finding:
    /// nothing was evaluated. A completed basic scan passes however old it
    /// is: this check asks whether the image was scanned;
    /// `ecr-images-no-critical-vulns` does not rest a pass on a basic scan
    /// older than 30 days.
    ///
    /// ## Rationale
    ///
    /// An image nobody scanned may carry known, exploitable CVEs into the
    /// cluster. CIS 5.1.1, NIST SP 800-190 §4.1.1 and PCI DSS 6.3.1/11.3.1
    /// ask that every image be scanned for vulnerabilities.
    ///
    /// ## Remediation
    ///
    /// Enable enhanced scanning (Inspector, continuous) for the registry, or
    /// basic scan on push; scan existing images with `aws ecr start-image-scan`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"], "scan": {"known": null}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "scan": {"known": {"status": "COMPLETE"}}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "scan": {"known": {"status": "IN_PROGRESS"}}}]}}]}}}}
    /// ```
    id: "ecr-images-scanned",
    title: "ECR images should have a completed vulnerability scan",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcrContainerImage",
    remediation: "Enable enhanced (Inspector) or basic scan-on-push scanning for the registry and scan existing images (aws ecr start-image-scan).",
    compliance: ["CIS-EKS-1.8:5.1.1", "NIST-800-190:4.1.1", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:11.3.1", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        out.unknown(
            repositories_of_region_ref(g, region),
            "the region's ECR repositories",
            gap,
            vec![],
        );
    }
    for r in g.repositories() {
        let repo = r.repository;
        let images = match repo.images.as_result() {
            Ok(images) => images,
            Err(gap) => {
                let ev = Evidence::new(
                    "AwsEcrRepository",
                    &repo.arn,
                    format!("repository {}", repo.name),
                );
                let what = format!("the images of repository {}", repo.name);
                out.unknown(repository_ref(&r), &what, gap, vec![ev]);
                continue;
            }
        };
        for image in images {
            let res = image_ref(r.region, repo, image);
            let label = image_label(repo, image);
            let mut evidence = vec![image_evidence(repo, image)];
            let verdict = match ecr_scan_verdict(image) {
                ScanVerdict::Scanned(m) => {
                    out.pass(res, format!("image {label} is scanned ({m})"), evidence);
                    continue;
                }
                other => other,
            };
            match g.inspector_image_coverage(r.region, repo, image) {
                Ok(coverage) => {
                    if let Some(cov) = coverage {
                        evidence.push(Evidence::new(
                            "Inspector2Coverage",
                            &cov.resource_id,
                            "scanStatus=ACTIVE",
                        ));
                        let msg =
                            format!("image {label} is under active Amazon Inspector scanning");
                        out.pass(res, msg, evidence);
                        continue;
                    }
                    evidence.push(Evidence::new(
                        "Inspector2Coverage",
                        Graph::image_arn(repo, image),
                        "not covered",
                    ));
                }
                // ECR reflects enhanced (Inspector) scanning in the image's
                // own scan status, so ECR's answer stands without coverage.
                Err(gap) => evidence.push(gap_evidence(gap)),
            }
            match verdict {
                ScanVerdict::NotScanned(m) => {
                    out.fail(
                        res,
                        format!("image {label} has no completed scan: {m}"),
                        evidence,
                    );
                }
                ScanVerdict::Undecided(m) | ScanVerdict::Scanned(m) => {
                    let msg = format!("whether image {label} has a completed scan is unknown: {m}");
                    out.unknown_because(res, msg, evidence);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses, REPO_API};

    fn run(images: &Value, coverage: &Value) -> Vec<Finding> {
        let mut inv = testing::repository(json!({"images": images}));
        inv["regions"]["us-east-1"]["inspector"] = json!({"coverage": coverage});
        testing::run(&super::META, inv)
    }

    /// One image `sha256:aa` with the given scan, and Inspector coverage.
    fn image(scan: &Value, coverage: &Value) -> Vec<Finding> {
        run(
            &json!({"known": [{"digest": "sha256:aa", "scan": scan}]}),
            coverage,
        )
    }

    fn status(s: &str) -> Value {
        json!({"known": {"status": s}})
    }

    fn covered(resource_id: &str) -> Value {
        json!({"known": [{"resource_id": resource_id,
            "resource_type": "AWS_ECR_CONTAINER_IMAGE", "scan_status": "ACTIVE"}]})
    }

    /// ECR's "never scanned": DescribeImages returned no imageScanStatus.
    fn never() -> Value {
        json!({"known": null})
    }

    #[test]
    fn fails_when_ecr_confirms_never_scanned() {
        let f = image(&never(), &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, format!("{REPO_API}/sha256:aa"));
        assert_eq!(f[0].resource.kind, "AwsEcrContainerImage");
    }

    #[test]
    fn fails_and_names_the_status_when_image_unsupported_or_too_large() {
        for s in ["UNSUPPORTED_IMAGE", "IMAGE_SIZE_EXCEEDED"] {
            let f = image(&status(s), &json!({"known": []}));
            assert_eq!(statuses(&f), [Status::Fail], "{s}");
            assert!(f[0].message.contains(s));
        }
    }

    #[test]
    fn passes_on_completed_basic_scan_and_continuous_enhanced_scanning() {
        for s in ["COMPLETE", "ACTIVE"] {
            assert_eq!(
                statuses(&image(&status(s), &json!({"known": []}))),
                [Status::Pass]
            );
        }
    }

    #[test]
    fn passes_when_inspector_covers_an_image_ecr_says_was_never_scanned() {
        let f = image(&never(), &covered(&format!("{REPO_API}/sha256:aa")));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Inspector2Coverage"));
    }

    #[test]
    fn same_digest_in_another_repository_is_not_coverage() {
        let other = "arn:aws:ecr:us-east-1:111122223333:repository/other/sha256:aa";
        assert_eq!(statuses(&image(&never(), &covered(other))), [Status::Fail]);
    }

    #[test]
    fn unknown_while_scan_in_progress() {
        let f = image(&status("IN_PROGRESS"), &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("not yet complete"));
    }

    #[test]
    fn unknown_when_scan_status_unreadable() {
        let gap = testing::denied("ecr", "us-east-1", "DescribeImages");
        assert_eq!(
            statuses(&image(&gap, &json!({"known": []}))),
            [Status::Unknown]
        );
    }

    #[test]
    fn one_unknown_for_a_repository_whose_images_could_not_be_listed() {
        let gap = json!({"unknown": {"service": "ecr", "region": "us-east-1",
            "operation": "DescribeImages", "reason": "throttled", "message": "slow"}});
        let f = run(&gap, &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            (f[0].resource.kind.as_str(), f[0].resource.id.as_str()),
            ("AwsEcrRepository", REPO_API)
        );
    }

    #[test]
    fn no_finding_for_a_repository_without_images() {
        assert!(run(&json!({"known": []}), &json!({"known": []})).is_empty());
    }
}
