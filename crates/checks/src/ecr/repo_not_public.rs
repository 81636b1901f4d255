use eksposture_model::{Evidence, Graph, Observed};

use crate::iam::parse_document;
use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};
use eksposture_policy::account_wildcards::pinning_keys;
use eksposture_policy::principals::{actions_text, broad_statements, Breadth};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, its repository policy
    /// (`GetRepositoryPolicy`). **Fail** when an `Allow` statement admits
    /// any principal (`"Principal": "*"`, `{"AWS": "*"}`, or a
    /// `NotPrincipal`) and nothing narrows it; the message names the actions
    /// (`ecr:BatchGetImage`, ...) and says when they include a push. A
    /// statement is narrowed by a positive condition on who or where the
    /// request comes from (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
    /// `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`,
    /// `aws:SourceArn`, `aws:SourceVpce`, `aws:SourceVpc`, `aws:SourceIp`,
    /// ...; not with `IfExists`, `ForAllValues:` or a value matching
    /// everything), or by a `Deny` to anyone with the negated condition
    /// covering its actions; `aws:SecureTransport` and the like narrow
    /// nothing. A condition whose value leaves the account open narrows
    /// nothing either: `arn:aws:iam::*:role/*` (or `arn:aws:iam::*:role/ci`,
    /// a role name any account can create) in `aws:PrincipalArn` or
    /// `aws:SourceArn`, `o-*` in `aws:PrincipalOrgID`, any
    /// `aws:username` (user names are unique only within an account). A
    /// named organisation, organisation path, account, VPC or endpoint, or
    /// an ARN naming its account, stays narrowing. **Pass** when there is no policy, when it only names
    /// principals, or when every open statement is narrowed (the message
    /// names the keys). **Unknown** when the policy could not be read or
    /// parsed, and for a region whose repositories could not be listed.
    /// Grants to whole named accounts are cross-account sharing, not public.
    ///
    /// ## Rationale
    ///
    /// `Principal: "*"` on a private repository lets anyone with an AWS
    /// account pull its images (code, embedded configuration and secrets),
    /// and, with `ecr:PutImage` or `ecr:*`, replace them: a supply-chain
    /// compromise of every cluster that pulls from it.
    ///
    /// ## Remediation
    ///
    /// Name the accounts or roles that may pull, or add a condition such as
    /// `"StringEquals": {"aws:PrincipalOrgID": "o-..."}`; remove push actions
    /// from any statement not scoped to CI roles.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "policy": {"known": {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow",
    ///     "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}}}]}}}}
    /// ```
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "policy": {"known": {"Version": "2012-10-17", "Statement": [{"Sid": "roles", "Effect": "Allow",
    ///     "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    ///     "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "policy": {"known": {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow",
    ///     "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    ///     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///   "policy": {"unknown": {"service": "ecr", "region": "us-east-1",
    ///     "operation": "GetRepositoryPolicy", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "ecr-repo-not-public",
    title: "ECR repository policies should not grant access to any principal",
    severity: Critical,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Replace Principal \"*\" with the accounts or roles that need access, or add an aws:PrincipalOrgID / aws:SourceVpce condition; keep push actions to CI roles.",
    compliance: ["CIS-EKS-1.8:5.1.2", "NIST-800-190:4.2.3", "PCI-DSS-4.0:7.2.1", "EKS-BPG:image"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        let what = "the region's ECR repositories";
        out.unknown(repositories_of_region_ref(g, region), what, gap, vec![]);
    }
    for r in g.repositories() {
        let repo = r.repository;
        let name = &repo.name;
        let mut ev = vec![Evidence::new(
            "AwsEcrRepository",
            &repo.arn,
            format!("repository {name}"),
        )];
        let doc = match &repo.policy {
            Observed::Known(None) => {
                let msg = format!("repository {name} has no repository policy: only IAM principals of its account can reach it");
                ev[0].detail = "GetRepositoryPolicy: RepositoryPolicyNotFoundException".into();
                out.pass(repository_ref(&r), msg, ev);
                continue;
            }
            Observed::Known(Some(doc)) => doc,
            Observed::Unknown(gap) => {
                let what = format!("the repository policy of {name}");
                out.unknown(repository_ref(&r), &what, gap, ev);
                continue;
            }
        };
        let policy = match parse_document(doc) {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("the repository policy of {name} cannot be parsed: {e}");
                out.unknown_because(repository_ref(&r), msg, ev);
                continue;
            }
        };
        let (mut open, mut narrowed) = (Vec::new(), Vec::new());
        for b in broad_statements(&policy) {
            if matches!(b.breadth, Breadth::Account(_)) {
                continue;
            }
            let sid = b
                .statement
                .sid
                .as_deref()
                .map_or_else(String::new, |s| format!("Sid {s:?}: "));
            let push = if b.statement.matches_action("ecr:PutImage") {
                ", including push"
            } else {
                ""
            };
            let what = format!(
                "{sid}{} to {}{push}",
                actions_text(b.statement),
                b.breadth.describe()
            );
            let narrowed_by = pinning_keys(&policy, &b);
            if narrowed_by.is_empty() {
                let unpinned = if b.narrowed_by.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", under conditions on {} whose values admit any account",
                        b.narrowed_by.join(", ")
                    )
                };
                ev.push(Evidence::new(
                    "AwsEcrRepositoryPolicy",
                    &repo.arn,
                    format!("Allow {what}{unpinned}"),
                ));
                open.push(what);
            } else {
                let keys = narrowed_by.join(", ");
                ev.push(Evidence::new(
                    "AwsEcrRepositoryPolicy",
                    &repo.arn,
                    format!("Allow {what}, narrowed by {keys}"),
                ));
                narrowed.push(keys);
            }
        }
        if !open.is_empty() {
            out.fail(
                repository_ref(&r),
                format!(
                    "repository {name} is public: its policy allows {}",
                    open.join("; ")
                ),
                ev,
            );
        } else if narrowed.is_empty() {
            out.pass(
                repository_ref(&r),
                format!("the repository policy of {name} grants access only to named principals"),
                ev,
            );
        } else {
            narrowed.sort();
            narrowed.dedup();
            let msg = format!(
                "the repository policy of {name} admits any principal only under conditions on {}",
                narrowed.join("; ")
            );
            out.pass(repository_ref(&r), msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(policy: &Value) -> Vec<Finding> {
        testing::run(&super::META, testing::repository(json!({"policy": policy})))
    }

    fn statement(principal: &Value, action: &Value, condition: &Value) -> Value {
        let mut s = json!({"Effect": "Allow", "Principal": principal, "Action": action});
        if !condition.is_null() {
            s["Condition"] = condition.clone();
        }
        json!({"known": {"Version": "2012-10-17", "Statement": [s]}})
    }

    #[test]
    fn fails_for_aws_star_and_names_the_push() {
        let f = run(&statement(
            &json!({"AWS": "*"}),
            &json!("ecr:*"),
            &Value::Null,
        ));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("ecr:* to any principal")
                && f[0].message.contains("including push"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].evidence[1].kind, "AwsEcrRepositoryPolicy");
    }

    #[test]
    fn fails_when_the_only_condition_does_not_narrow_who() {
        let cond = json!({"Bool": {"aws:SecureTransport": "true"}});
        let f = run(&statement(&json!("*"), &json!("ecr:BatchGetImage"), &cond));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(!f[0].message.contains("including push"));
    }

    #[test]
    fn fails_when_the_condition_admits_any_account() {
        for (op, key, value) in [
            ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/*"),
            (
                "StringLike",
                "aws:PrincipalArn",
                "arn:aws:iam::*:role/deploy",
            ),
            (
                "ArnLike",
                "aws:SourceArn",
                "arn:aws:codebuild:us-east-1:*:project/*",
            ),
            ("StringLike", "aws:PrincipalOrgID", "o-*"),
            ("StringEquals", "aws:username", "deploy"),
        ] {
            let cond = json!({op: {key: value}});
            let f = run(&statement(&json!("*"), &json!("ecr:BatchGetImage"), &cond));
            assert_eq!(statuses(&f), [Status::Fail], "{op} {key} {value}");
            assert!(
                f[0].evidence[1].detail.contains("admit any account"),
                "{}",
                f[0].evidence[1].detail
            );
        }
    }

    #[test]
    fn passes_when_an_account_org_or_arn_naming_the_account_narrows() {
        for (op, key, value) in [
            ("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
            ("StringEquals", "aws:SourceAccount", "111122223333"),
            ("StringEquals", "aws:PrincipalAccount", "222233334444"),
            (
                "ArnLike",
                "aws:PrincipalArn",
                "arn:aws:iam::222233334444:role/*",
            ),
        ] {
            let cond = json!({op: {key: value}});
            let f = run(&statement(&json!("*"), &json!("ecr:BatchGetImage"), &cond));
            assert_eq!(statuses(&f), [Status::Pass], "{op} {key} {value}");
            assert!(f[0].message.contains(key), "{}", f[0].message);
        }
    }

    #[test]
    fn passes_without_a_policy_or_when_narrowed_or_named() {
        assert_eq!(statuses(&run(&json!({"known": null}))), [Status::Pass]);
        let vpce = json!({"StringEquals": {"aws:SourceVpce": "vpce-0123"}});
        let f = run(&statement(&json!("*"), &json!("ecr:BatchGetImage"), &vpce));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("aws:SourceVpce"), "{}", f[0].message);
        let named = json!({"AWS": "arn:aws:iam::222233334444:root"});
        assert_eq!(
            statuses(&run(&statement(
                &named,
                &json!("ecr:BatchGetImage"),
                &Value::Null
            ))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_the_policy_is_unreadable_or_unparsable() {
        let gap = json!({"unknown": {"service": "ecr", "region": "us-east-1",
            "operation": "GetRepositoryPolicy", "reason": "error", "message": "boom"}});
        assert_eq!(statuses(&run(&gap)), [Status::Unknown]);
        let bad = json!({"known": {"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "ecr:*"}]}});
        let f = run(&bad);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("cannot be parsed"),
            "{}",
            f[0].message
        );
    }
}
