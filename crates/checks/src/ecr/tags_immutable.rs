use eksposture_model::wildcard::is_all_stars;
use eksposture_model::{Evidence, Graph, Status, TagExclusionFilter};

use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, its `imageTagMutability` and, for the
    /// `*_WITH_EXCLUSION` settings, its `imageTagMutabilityExclusionFilters`
    /// (`DescribeRepositories`):
    ///
    /// - **fail** on `MUTABLE`; on `MUTABLE_WITH_EXCLUSION` (tags are mutable
    ///   except those matching the filters) unless a filter matches every
    ///   tag; and on `IMMUTABLE_WITH_EXCLUSION` whose filters include one
    ///   that matches every tag (`*`): every tag is excepted, so every tag is
    ///   mutable.
    /// - **pass** on `IMMUTABLE`; on `IMMUTABLE_WITH_EXCLUSION` whose filters
    ///   are narrower than "every tag" (`latest`, `dev-*`), with a note
    ///   naming them; and on `MUTABLE_WITH_EXCLUSION` with a filter matching
    ///   every tag (nothing is left mutable).
    /// - **unknown** when the setting was not returned or is unrecognised, a
    ///   `*_WITH_EXCLUSION` setting came without its filters or with a filter
    ///   type other than `WILDCARD`, and for a region whose repositories
    ///   could not be listed.
    ///
    /// A `WILDCARD` filter holds only `[0-9a-zA-Z._-]` and `*`, at most five
    /// per repository: only a filter made of `*` alone matches every tag (a
    /// set of five filters with a literal character each cannot cover every
    /// one-character tag).
    ///
    /// Narrow exclusions pass: the tags a release is deployed by (`v1.4.2`)
    /// stay immutable, and the excepted tags are the moving ones (`latest`)
    /// whose mutability is their purpose; deploying by such a tag is what
    /// to avoid. Security Hub's ECR.2 accepts only `IMMUTABLE` and fails
    /// every `*_WITH_EXCLUSION` repository: where this check passes one, the
    /// message names the excepted tags so the difference can be judged.
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
    /// filters for the few tags that must move, never `*`), and deploy by
    /// digest or by version tag.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "tag_mutability": "MUTABLE"}]}}}}
    /// ```
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
    ///   "tag_mutability_exclusion_filters": [{"filter_type": "WILDCARD", "filter": "*"}]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "tag_mutability": "IMMUTABLE"}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
    ///   "tag_mutability_exclusion_filters": [{"filter_type": "WILDCARD", "filter": "latest"}]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api"}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}]}}}}
    /// ```
    id: "ecr-tags-immutable",
    title: "ECR repositories should have immutable image tags",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Set imageTagMutability to IMMUTABLE (aws ecr put-image-tag-mutability) and deploy images by digest or version tag.",
    compliance: ["AWS-FSBP:ECR.2", "NIST-800-190:4.2.2", "EKS-BPG:image"],
}

/// The verdict and message for a `*_WITH_EXCLUSION` setting.
fn with_exclusion(
    name: &str,
    setting: &str,
    filters: Option<&[TagExclusionFilter]>,
) -> (Status, String) {
    let filters = match filters {
        Some(f) if !f.is_empty() => f,
        _ => {
            return (
                Status::Unknown,
                format!("DescribeRepositories returned no imageTagMutabilityExclusionFilters for repository {name} ({setting}): which tags are excepted is unknown"),
            )
        }
    };
    if let Some(f) = filters.iter().find(|f| f.filter_type != "WILDCARD") {
        return (
            Status::Unknown,
            format!(
                "repository {name} has an exclusion filter of unrecognised type {:?}",
                f.filter_type
            ),
        );
    }
    // `*` stands for any characters: only a filter of `*` alone matches
    // every tag.
    let every = filters.iter().find(|f| is_all_stars(&f.filter));
    let list: Vec<&str> = filters.iter().map(|f| f.filter.as_str()).collect();
    let list = list.join(", ");
    match (setting, every) {
        ("IMMUTABLE_WITH_EXCLUSION", Some(f)) => (
            Status::Fail,
            format!("repository {name} is {setting} but its exclusion filter {:?} matches every tag: every tag is mutable", f.filter),
        ),
        ("IMMUTABLE_WITH_EXCLUSION", None) => (
            Status::Pass,
            format!("repository {name} has immutable tags, except tags matching its exclusion filters {list}"),
        ),
        (_, Some(f)) => (
            Status::Pass,
            format!("repository {name} is {setting} but its exclusion filter {:?} matches every tag: every tag is immutable", f.filter),
        ),
        (_, None) => (
            Status::Fail,
            format!("repository {name} has mutable tags; only tags matching its exclusion filters {list} are immutable"),
        ),
    }
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
        let filters = repo.tag_mutability_exclusion_filters.as_deref();
        let detail = match filters {
            Some(f) => {
                let f: Vec<&str> = f.iter().map(|f| f.filter.as_str()).collect();
                format!(
                    "imageTagMutability={setting}, imageTagMutabilityExclusionFilters=[{}]",
                    f.join(", ")
                )
            }
            None => format!("imageTagMutability={setting}"),
        };
        let ev = vec![Evidence::new("AwsEcrRepository", &repo.arn, detail)];
        let (status, msg) = match setting {
            "IMMUTABLE" => (Status::Pass, format!("repository {name} has immutable tags")),
            "MUTABLE" => (
                Status::Fail,
                format!("repository {name} has mutable tags: a push can replace the image behind any tag"),
            ),
            "IMMUTABLE_WITH_EXCLUSION" | "MUTABLE_WITH_EXCLUSION" => with_exclusion(name, setting, filters),
            other => (
                Status::Unknown,
                format!("repository {name} has an unrecognised imageTagMutability {other:?}"),
            ),
        };
        out.emit(status, repository_ref(&r), msg, ev);
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

    /// A `*_WITH_EXCLUSION` repository with these `WILDCARD` filters.
    fn excluding(setting: &str, filters: &[&str]) -> Vec<Finding> {
        let filters: Vec<Value> = filters
            .iter()
            .map(|f| json!({"filter_type": "WILDCARD", "filter": f}))
            .collect();
        testing::run(
            &super::META,
            testing::repository(json!({"tag_mutability": setting,
                "tag_mutability_exclusion_filters": filters})),
        )
    }

    #[test]
    fn fails_when_mutable_or_mutable_with_narrow_exclusions() {
        assert_eq!(statuses(&run(&json!("MUTABLE"))), [Status::Fail]);
        let f = excluding("MUTABLE_WITH_EXCLUSION", &["v*", "release-*"]);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("exclusion filters v*, release-*"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fails_when_an_immutability_exclusion_matches_every_tag() {
        for every in ["*", "**"] {
            let f = excluding("IMMUTABLE_WITH_EXCLUSION", &["latest", every]);
            assert_eq!(statuses(&f), [Status::Fail], "{every}");
            assert!(
                f[0].message.contains("every tag is mutable"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn passes_when_immutable_or_immutable_with_narrow_exclusions() {
        let f = run(&json!("IMMUTABLE"));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(f[0].resource.id, testing::REPO_API);
        for narrow in [&["latest"][..], &["dev-*", "*-snapshot"], &["*latest*"]] {
            let f = excluding("IMMUTABLE_WITH_EXCLUSION", narrow);
            assert_eq!(statuses(&f), [Status::Pass], "{narrow:?}");
            assert!(
                f[0].message
                    .contains("except tags matching its exclusion filters"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn passes_when_a_mutability_exclusion_matches_every_tag() {
        let f = excluding("MUTABLE_WITH_EXCLUSION", &["*"]);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("every tag is immutable"),
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
    fn unknown_when_exclusion_filters_are_missing_or_of_an_unknown_type() {
        for setting in ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"] {
            let f = run(&json!(setting));
            assert_eq!(statuses(&f), [Status::Unknown], "{setting}");
            assert!(
                f[0].message.contains("which tags are excepted"),
                "{}",
                f[0].message
            );
            assert_eq!(statuses(&excluding(setting, &[])), [Status::Unknown]);
        }
        let f = testing::run(
            &super::META,
            testing::repository(json!({"tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                "tag_mutability_exclusion_filters": [{"filter_type": "REGEX", "filter": "v.*"}]})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
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
