use eksposture_model::Graph;

use super::images::{resolve, Resolved};
use crate::ecr::{image_criticals, image_evidence, Criticals};
use crate::ecs::for_each_task_definition;
use crate::emit::gap_evidence;
use crate::support::image_label;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Images that something in the account is shown to run, with critical
    /// vulnerabilities. "In use" means what the inventory can prove: the
    /// image is named by a container of a task definition that an ECS
    /// service runs (current, deploying and task-set revisions; whether the
    /// service has running tasks is not collected). Which images EKS pods
    /// run is not visible (eksposture does not call the Kubernetes API, and
    /// Inspector's per-image in-use data is not collected), so pods are not
    /// evaluated here; `ecr-images-no-critical-vulns` covers every image.
    /// A container's image must be in a private ECR repository of the
    /// scanned account and region, named by digest or by tag (`latest` when
    /// none; a tag is resolved to the image carrying it at the scan, and
    /// ECS may run the digest the tag had at deployment). Criticals are
    /// judged as in `ecr-images-no-critical-vulns`: ECR's scan summary and
    /// Inspector's active findings. Per task definition: **fail** when a
    /// container's image has a critical finding; **pass** when every
    /// container's image has a completed scan without one; **unknown** when
    /// no container fails but an image is outside the account's private ECR
    /// (other registries and accounts are not scanned), in a region not
    /// scanned, cannot be found (deleted or retagged), was not scanned, or
    /// its repository, images or Inspector data could not be read; and when
    /// the region's services or the task definition could not be read.
    ///
    /// ## Rationale
    ///
    /// A critical CVE (Inspector's CRITICAL, CVSS 9 and above) in an image
    /// at rest is a risk; in an image a service runs it is an exposure now.
    /// The severity mirrors Inspector's own rating of running code.
    ///
    /// ## Remediation
    ///
    /// Rebuild the image on a patched base with updated dependencies, push
    /// it, register a task definition revision naming it (by digest) and
    /// update the service.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:v1"}]}}}]},
    ///   "repositories": {"known": [{"name": "web", "arn": "arn:aws:ecr:us-east-1:111122223333:repository/web",
    ///     "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
    ///       "scan": {"known": {"status": "COMPLETE", "finding_counts": {"CRITICAL": 2, "HIGH": 1}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web@sha256:aa"}]}}}]},
    ///   "repositories": {"known": [{"name": "web", "arn": "arn:aws:ecr:us-east-1:111122223333:repository/web",
    ///     "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
    ///       "scan": {"known": {"status": "COMPLETE", "completed_at": "2026-10-25T00:00:00Z",
    ///         "finding_counts": {"HIGH": 1}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "image": "nginx:1.25"}]}}}]}}}}
    /// ```
    id: "path-vulnerable-image-in-use",
    title: "Images that ECS services run should have no critical vulnerabilities",
    severity: Critical,
    kind: AttackPath { tactic: InitialAccess, entry: Vulnerability },
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Rebuild the image on a patched base, push it, register a task definition revision naming it by digest, and update the service.",
    compliance: ["CIS-EKS-1.8:5.1.1", "NIST-800-190:4.1.1", "NIST-800-190:4.4.4", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:6.3.3", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let mut ev = v.evidence();
        let (mut bad, mut unsure, mut clean) = (Vec::new(), Vec::new(), Vec::new());
        for c in &v.detail.containers {
            let Some(reference) = c.image.as_deref() else {
                unsure.push(format!(
                    "container {} has no image in the DescribeTaskDefinition answer",
                    c.name
                ));
                continue;
            };
            ev.push(v.container_evidence(c, &format!("image {reference}")));
            let (region, repo, image, via) = match resolve(g, reference) {
                Resolved::Image {
                    region,
                    repo,
                    image,
                    via,
                } => (region, repo, image, via),
                Resolved::Unknown(why, gap) => {
                    ev.extend(gap.map(gap_evidence));
                    unsure.push(format!("container {}: {why}", c.name));
                    continue;
                }
            };
            ev.push(image_evidence(repo, image));
            let runs = format!(
                "container {} runs {} ({via})",
                c.name,
                image_label(repo, image)
            );
            match image_criticals(g, region, repo, image, &mut ev) {
                Criticals::Found(counts) => bad.push(format!("{runs} with {}", counts.join("; "))),
                Criticals::None { sources, high } => clean.push(format!(
                    "{runs}: no critical, {high} high ({})",
                    sources.join(", ")
                )),
                Criticals::Unscanned(why) => {
                    unsure.push(format!("{runs}, which no completed scan covers: {why}"));
                }
            }
        }
        let label = v.label();
        if !bad.is_empty() {
            let msg = format!("task definition {label}, run by an ECS service, runs images with critical vulnerabilities: {}", bad.join("; "));
            out.fail(v.resource(), msg, ev);
        } else if !unsure.is_empty() {
            let msg = format!(
                "whether task definition {label} runs critically vulnerable images is unknown: {}",
                unsure.join("; ")
            );
            out.unknown_because(v.resource(), msg, ev);
        } else {
            // The pass rests on the scans that were read; a source that could
            // not be read (e.g. Inspector coverage) is not part of it.
            ev.retain(|e| e.kind != "Gap");
            out.pass(
                v.resource(),
                format!("task definition {label}: {}", clean.join("; ")),
                ev,
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ecs::fixtures::{container, region, task_definition};
    use crate::testing::{self, statuses};

    const IMAGE_ARN: &str = "arn:aws:ecr:us-east-1:111122223333:repository/web/sha256:aa";

    /// Service prod/web runs container app with `image`; repository web
    /// holds sha256:aa tagged v1 with ECR scan `scan`; Inspector as given.
    fn run(image: &str, scan: &Value, inspector: &Value) -> Vec<Finding> {
        let td = task_definition(&[container("app", &json!({"image": image}))], &json!(null));
        let mut inv = region(&[td]);
        inv["regions"]["us-east-1"]["inspector"] = inspector.clone();
        inv["regions"]["us-east-1"]["repositories"] = json!({"known": [{"name": "web",
            "arn": "arn:aws:ecr:us-east-1:111122223333:repository/web",
            "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"], "scan": scan}]}}]});
        testing::run(&super::META, inv)
    }

    const BY_TAG: &str = "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:v1";

    #[test]
    fn fails_on_inspector_criticals_of_the_image_a_service_runs_with_the_chain() {
        let insp = json!({"coverage": {"known": []}, "finding_counts": {"known": [{"resource_id": IMAGE_ARN,
            "resource_type": "AWS_ECR_CONTAINER_IMAGE", "critical": 3, "high": 4}]}});
        let f = run(BY_TAG, &json!({"known": null}), &insp);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.ends_with("container app runs web:v1 (tag v1 as of the scan) with 3 critical and 4 high (Amazon Inspector)"), "{}", f[0].message);
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEcsService",
                "AwsEcsTaskDefinition",
                "AwsEcsContainerDefinition",
                "AwsEcrContainerImage",
                "Inspector2Findings"
            ]
        );
    }

    #[test]
    fn passes_when_the_digest_pinned_image_scanned_clean() {
        let scan = json!({"known": {"status": "COMPLETE", "completed_at": "2026-10-25T00:00:00Z", "finding_counts": {"HIGH": 2}}});
        let f = run(
            "111122223333.dkr.ecr.us-east-1.amazonaws.com/web@sha256:aa",
            &scan,
            &json!({}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_for_unscanned_missing_foreign_or_unreadable_images_never_pass() {
        let clean = json!({"known": {"status": "COMPLETE", "completed_at": "2026-10-25T00:00:00Z", "finding_counts": {}}});
        for (image, scan) in [
            (BY_TAG, json!({"known": null})),
            (
                "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:v2",
                clean.clone(),
            ),
            (
                "111122223333.dkr.ecr.us-east-1.amazonaws.com/web",
                clean.clone(),
            ),
            (
                "444455556666.dkr.ecr.us-east-1.amazonaws.com/web:v1",
                clean.clone(),
            ),
            (
                "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:v1",
                clean.clone(),
            ),
            ("nginx:1.25", clean.clone()),
        ] {
            let f = run(image, &scan, &json!({}));
            assert_eq!(statuses(&f), [Status::Unknown], "{image}: {f:#?}");
        }
    }
}
