use eksposture_model::{Evidence, Graph, Observed};

use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, whether it has a lifecycle policy
    /// (`GetLifecyclePolicy`): **fail** when ECR answers
    /// `LifecyclePolicyNotFoundException` (no policy); **pass** when a policy
    /// is set (its rule count is in the evidence when the text parses);
    /// **unknown** when the call failed, and for a region whose repositories
    /// could not be listed. What the rules expire is not judged.
    ///
    /// ## Rationale
    ///
    /// Without a lifecycle policy every image ever pushed stays pullable:
    /// old builds with known, unpatched vulnerabilities remain one
    /// `image:` line away from running again. NIST SP 800-190 §4.2.2 (stale
    /// images in registries) asks that registries be pruned of images that
    /// should no longer be used.
    ///
    /// ## Remediation
    ///
    /// `aws ecr put-lifecycle-policy --repository-name <repo>
    /// --lifecycle-policy-text file://policy.json` with rules that expire
    /// untagged images and keep only the last N releases.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "lifecycle_policy": {"known": null}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "lifecycle_policy": {"known": "{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":14},\"action\":{\"type\":\"expire\"}}]}"}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "lifecycle_policy": {"unknown": {"service": "ecr", "region": "us-east-1",
    ///     "operation": "GetLifecyclePolicy", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "ecr-lifecycle-policy",
    title: "ECR repositories should have a lifecycle policy",
    severity: Low,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Add a lifecycle policy (aws ecr put-lifecycle-policy) that expires untagged and superseded images.",
    compliance: ["AWS-FSBP:ECR.3", "NIST-800-190:4.2.2", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        let what = "the region's ECR repositories";
        out.unknown(repositories_of_region_ref(g, region), what, gap, vec![]);
    }
    for r in g.repositories() {
        let repo = r.repository;
        let name = &repo.name;
        let evidence = |detail: String| vec![Evidence::new("AwsEcrRepository", &repo.arn, detail)];
        match &repo.lifecycle_policy {
            Observed::Known(None) => out.fail(
                repository_ref(&r),
                format!("repository {name} has no lifecycle policy: old images are never expired"),
                evidence("GetLifecyclePolicy: LifecyclePolicyNotFoundException".into()),
            ),
            Observed::Known(Some(text)) => {
                let rules = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("rules").and_then(|r| r.as_array()).map(Vec::len));
                let detail = rules.map_or_else(
                    || "lifecycle policy set".to_string(),
                    |n| format!("lifecycle policy with {n} rule(s)"),
                );
                out.pass(
                    repository_ref(&r),
                    format!("repository {name} has a lifecycle policy"),
                    evidence(detail),
                );
            }
            Observed::Unknown(gap) => {
                let what = format!("the lifecycle policy of repository {name}");
                out.unknown(
                    repository_ref(&r),
                    &what,
                    gap,
                    evidence(format!("repository {name}")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(lifecycle: &Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            testing::repository(json!({"lifecycle_policy": lifecycle})),
        )
    }

    #[test]
    fn fails_when_ecr_reports_no_lifecycle_policy() {
        let f = run(&json!({"known": null}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, testing::REPO_API);
    }

    #[test]
    fn passes_with_a_policy_and_counts_its_rules() {
        let f = run(&json!({"known": "{\"rules\":[{\"rulePriority\":1},{\"rulePriority\":2}]}"}));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(f[0].evidence[0].detail, "lifecycle policy with 2 rule(s)");
    }

    #[test]
    fn unknown_when_the_policy_could_not_be_read_never_a_pass() {
        let f = run(&json!({"unknown": {"service": "ecr", "region": "us-east-1",
            "operation": "GetLifecyclePolicy", "reason": "throttled", "message": "slow down"}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("throttled"), "{}", f[0].message);
    }
}
