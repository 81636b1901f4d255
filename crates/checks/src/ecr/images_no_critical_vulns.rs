use eksposture_model::{Evidence, Graph};

use super::{image_criticals, image_evidence, Criticals};
use crate::support::{image_label, image_ref, repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every image of every ECR repository, the findings of its
    /// vulnerability scans: the `CRITICAL` count of ECR's scan findings
    /// summary (basic scan `COMPLETE`, or enhanced scanning `ACTIVE`, whose
    /// summary is Inspector's), and the active `CRITICAL` findings Amazon
    /// Inspector (`ListFindings`) reports on the image (resource id = the
    /// image ARN `<repository ARN>/<digest>`, or its digest).
    ///
    /// - **fail** when either counts at least one critical finding, however
    ///   old the scan; the message gives the critical and high counts and
    ///   their source.
    /// - **pass** when a current scan shows no critical finding: ECR's scan
    ///   is `ACTIVE` (continuous enhanced scanning), or `COMPLETE` at most
    ///   30 days (`SCAN_MAX_AGE_DAYS`) before the scan's start
    ///   (`scan.started_at`; the age is counted from the earlier of
    ///   `imageScanCompletedAt` and `vulnerabilitySourceUpdatedAt`), or
    ///   Inspector's coverage lists the image `ACTIVE` and its findings were
    ///   read.
    /// - **unknown** when no current scan covers the image: never scanned,
    ///   scan in progress, failed or unsupported (an unscanned image has no
    ///   findings only because nobody looked; `ecr-images-scanned` reports
    ///   that), a `COMPLETE` scan older than 30 days or without a completion
    ///   time (a basic scan is never repeated by itself, and misses every
    ///   vulnerability published after it ran); and when its scan status or
    ///   the repository's images could not be read, and for a region whose
    ///   repositories could not be listed.
    ///
    /// ## Rationale
    ///
    /// A critical CVE in an image is exploitable in every pod that runs it.
    /// CIS 5.1.1, NIST SP 800-190 §4.1.1 and PCI DSS 6.3.3 ask that known
    /// vulnerabilities be found and fixed before images are deployed.
    ///
    /// ## Remediation
    ///
    /// Rebuild the image on a patched base image and updated dependencies,
    /// push it, redeploy, and expire the vulnerable image.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
    ///     "scan": {"known": {"status": "COMPLETE", "finding_counts": {"CRITICAL": 2, "HIGH": 5}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
    ///     "scan": {"known": {"status": "COMPLETE", "completed_at": "2026-10-25T00:00:00Z",
    ///       "finding_counts": {"MEDIUM": 3}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"], "scan": {"known": null}}]}}]}}}}
    /// ```
    ///
    /// A basic scan from August, read by a scan started on 1 November:
    ///
    /// ```json,unknown
    /// {"scan": {"started_at": "2026-11-01T00:00:00Z"},
    ///  "regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
    ///     "scan": {"known": {"status": "COMPLETE", "completed_at": "2026-08-01T00:00:00Z",
    ///       "finding_counts": {"MEDIUM": 3}}}}]}}]}}}}
    /// ```
    id: "ecr-images-no-critical-vulns",
    title: "ECR images should have no critical vulnerabilities",
    severity: High,
    kind: Vulnerability,
    resource_type: "AwsEcrContainerImage",
    remediation: "Rebuild on a patched base image with updated dependencies, redeploy, and expire the vulnerable image.",
    compliance: ["CIS-EKS-1.8:5.1.1", "NIST-800-190:4.1.1", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:6.3.3", "PCI-DSS-4.0:11.3.1", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        let what = "the region's ECR repositories";
        out.unknown(repositories_of_region_ref(g, region), what, gap, vec![]);
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
            let label = image_label(repo, image);
            let mut ev = vec![image_evidence(repo, image)];
            let res = image_ref(r.region, repo, image);
            match image_criticals(g, r.region, repo, image, &mut ev) {
                Criticals::Found(found) => {
                    let msg = format!("image {label} has {} findings", found.join("; "));
                    out.fail(res, msg, ev);
                }
                Criticals::None { sources, high } => {
                    let msg = format!(
                        "image {label} has no critical findings ({}; {high} high)",
                        sources.join(", ")
                    );
                    // The pass rests on the scans that were read; a source
                    // that could not be read (Inspector coverage) is not part of it.
                    ev.retain(|e| e.kind != "Gap");
                    out.pass(res, msg, ev);
                }
                Criticals::Unscanned(why) => {
                    let msg = format!(
                        "no current scan shows whether image {label} has critical findings: {why}"
                    );
                    out.unknown_because(res, msg, ev);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const IMAGE: &str = "arn:aws:ecr:us-east-1:111122223333:repository/api/sha256:aa";

    fn run(scan: &Value, inspector: &Value) -> Vec<Finding> {
        let mut inv = testing::repository(
            json!({"images": {"known": [{"digest": "sha256:aa", "tags": ["v1"], "scan": scan}]}}),
        );
        inv["regions"]["us-east-1"]["inspector"] = inspector.clone();
        testing::run(&super::META, inv)
    }

    /// A basic scan completed a week before the scan's start (2026-11-01).
    fn complete(counts: &Value) -> Value {
        completed_at("2026-10-25T00:00:00Z", counts)
    }

    fn completed_at(at: &str, counts: &Value) -> Value {
        json!({"known": {"status": "COMPLETE", "completed_at": at, "finding_counts": counts}})
    }

    fn inspector(critical: u32, high: u32) -> Value {
        json!({"coverage": {"known": [{"resource_id": IMAGE, "resource_type": "AWS_ECR_CONTAINER_IMAGE", "scan_status": "ACTIVE"}]},
            "finding_counts": {"known": [{"resource_id": IMAGE, "resource_type": "AWS_ECR_CONTAINER_IMAGE",
                "critical": critical, "high": high}]}})
    }

    #[test]
    fn fails_on_ecr_critical_count_and_reports_high_too() {
        let f = run(&complete(&json!({"CRITICAL": 2, "HIGH": 5})), &json!({}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, IMAGE);
        assert!(
            f[0].message.contains("2 critical and 5 high (ECR scan)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fails_on_inspector_findings_even_when_ecr_never_scanned() {
        let f = run(&json!({"known": null}), &inspector(1, 0));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Inspector2Findings"));
    }

    #[test]
    fn passes_on_completed_scan_or_active_inspector_coverage_without_critical() {
        let f = run(&complete(&json!({"HIGH": 1})), &json!({}));
        assert_eq!(statuses(&f), [Status::Pass]);
        let covered_clean = json!({"coverage": {"known": [{"resource_id": IMAGE,
            "resource_type": "AWS_ECR_CONTAINER_IMAGE", "scan_status": "ACTIVE"}]}, "finding_counts": {"known": []}});
        let f = run(&json!({"known": null}), &covered_clean);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("Amazon Inspector"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_never_scanned_or_in_progress_never_a_pass() {
        let f = run(
            &json!({"known": null}),
            &json!({"finding_counts": {"known": []}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("never scanned"), "{}", f[0].message);
        let f = run(&json!({"known": {"status": "IN_PROGRESS"}}), &json!({}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_inspector_coverage_is_active_but_findings_unreadable() {
        let mut insp = inspector(0, 0);
        insp["finding_counts"] = testing::denied("inspector2", "us-east-1", "ListFindings");
        let f = run(&json!({"known": null}), &insp);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
    }

    #[test]
    fn fails_on_criticals_found_by_an_old_scan() {
        let f = run(
            &completed_at("2025-01-01T00:00:00Z", &json!({"CRITICAL": 1})),
            &json!({}),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn passes_on_a_scan_within_thirty_days_or_continuous_scanning_of_any_age() {
        // 30 days and some hours before 2026-11-01T00:00:00Z: 30 whole days.
        let f = run(
            &completed_at("2026-10-01T12:00:00Z", &json!({})),
            &json!({}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        let active = json!({"known": {"status": "ACTIVE", "completed_at": "2025-01-01T00:00:00Z",
            "finding_counts": {"HIGH": 1}}});
        assert_eq!(statuses(&run(&active, &json!({}))), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_basic_scan_is_stale_or_undated() {
        let f = run(
            &completed_at("2026-09-30T23:00:00Z", &json!({"HIGH": 1})),
            &json!({}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("31 days before this scan started"),
            "{}",
            f[0].message
        );
        // Fresh completion, but matched against vulnerability data from June.
        let old_data = json!({"known": {"status": "COMPLETE", "completed_at": "2026-10-30T00:00:00Z",
            "vulnerability_source_updated_at": "2026-06-01T00:00:00Z", "finding_counts": {}}});
        assert_eq!(statuses(&run(&old_data, &json!({}))), [Status::Unknown]);
        let undated = json!({"known": {"status": "COMPLETE", "finding_counts": {}}});
        let f = run(&undated, &json!({}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("no completion time"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn a_stale_scan_with_current_inspector_coverage_passes_on_inspector() {
        let f = run(
            &completed_at("2025-01-01T00:00:00Z", &json!({})),
            &inspector(0, 2),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("(Amazon Inspector; 2 high)"),
            "{}",
            f[0].message
        );
    }
}
