use eksposture_model::{Evidence, Graph};

use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, its `imageTagMutability`
    /// (`DescribeRepositories`): **fail** on `MUTABLE`, and on
    /// `MUTABLE_WITH_EXCLUSION` (tags are mutable except those matching the
    /// repository's exclusion filters; the message says so); **pass** on
    /// `IMMUTABLE`, and on `IMMUTABLE_WITH_EXCLUSION` with a note (every tag
    /// is immutable except those matching the exclusion filters, typically
    /// `latest`; Security Hub's ECR.2 accepts only `IMMUTABLE`, so it fails
    /// such a repository where this check passes it); **unknown** when the
    /// setting was not returned or has an unrecognised value, and for a
    /// region whose repositories could not be listed.
    ///
    /// ## Rationale
    ///
    /// With mutable tags anyone who can push can silently replace the image
    /// behind `app:v1.4.2`: every node that pulls it next runs the new
    /// content, and the tag no longer identifies what was scanned and
    /// approved. NIST SP 800-190 asks that images be referenced by immutable
    /// names of discrete versions.
    ///
    /// ## Remediation
    ///
    /// `aws ecr put-image-tag-mutability --repository-name <repo>
    /// --image-tag-mutability IMMUTABLE` (or `IMMUTABLE_WITH_EXCLUSION` with
    /// filters for the few tags that must move), and deploy by digest or by
    /// version tag.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "tag_mutability": "MUTABLE"}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "tag_mutability": "IMMUTABLE"}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api"}]}}}}
    /// ```
    id: "ecr-tags-immutable",
    title: "ECR repositories should have immutable image tags",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Set imageTagMutability to IMMUTABLE (aws ecr put-image-tag-mutability) and deploy images by digest or version tag.",
    compliance: ["AWS-FSBP:ECR.2", "NIST-800-190:4.2.2", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        let what = "the region's ECR repositories";
        out.unknown(repositories_of_region_ref(g, region), what, gap, vec![]);
    }
    for r in g.repositories() {
        let repo = r.repository;
        let name = &repo.name;
        let Some(setting) = repo.tag_mutability.as_deref() else {
            let msg = format!(
                "DescribeRepositories returned no imageTagMutability for repository {name}"
            );
            let ev = Evidence::new("AwsEcrRepository", &repo.arn, format!("repository {name}"));
            out.unknown_because(repository_ref(&r), msg, vec![ev]);
            continue;
        };
        let ev = vec![Evidence::new(
            "AwsEcrRepository",
            &repo.arn,
            format!("imageTagMutability={setting}"),
        )];
        match setting {
            "IMMUTABLE" => out.pass(repository_ref(&r), format!("repository {name} has immutable tags"), ev),
            "IMMUTABLE_WITH_EXCLUSION" => out.pass(
                repository_ref(&r),
                format!("repository {name} has immutable tags, except tags matching its exclusion filters"),
                ev,
            ),
            "MUTABLE" => out.fail(
                repository_ref(&r),
                format!("repository {name} has mutable tags: a push can replace the image behind any tag"),
                ev,
            ),
            "MUTABLE_WITH_EXCLUSION" => out.fail(
                repository_ref(&r),
                format!("repository {name} has mutable tags; only tags matching its exclusion filters are immutable"),
                ev,
            ),
            other => out.unknown_because(
                repository_ref(&r),
                format!("repository {name} has an unrecognised imageTagMutability {other:?}"),
                ev,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(mutability: &Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            testing::repository(json!({"tag_mutability": mutability})),
        )
    }

    #[test]
    fn fails_when_mutable_with_or_without_exclusions() {
        assert_eq!(statuses(&run(&json!("MUTABLE"))), [Status::Fail]);
        let f = run(&json!("MUTABLE_WITH_EXCLUSION"));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("exclusion filters"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_immutable_and_notes_exclusions() {
        let f = run(&json!("IMMUTABLE"));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(f[0].resource.id, testing::REPO_API);
        let f = run(&json!("IMMUTABLE_WITH_EXCLUSION"));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("except tags matching"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_setting_missing_or_unrecognised() {
        assert_eq!(statuses(&run(&json!(null))), [Status::Unknown]);
        assert_eq!(statuses(&run(&json!("SOMETIMES"))), [Status::Unknown]);
    }

    #[test]
    fn unknown_for_a_region_whose_repositories_could_not_be_listed() {
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"repositories": testing::denied("ecr", "us-east-1", "DescribeRepositories")}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:ecr:us-east-1:111122223333:repository/*"
        );
    }
}
