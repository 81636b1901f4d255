use eksposture_model::{
    Evidence, Graph, Observed, RegistryScanning, Repository, RepositoryScanning, Status,
};

use super::{automatic_scanning_rule, registry_scanning_evidence};
use crate::emit::gap_evidence;
use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, the scanning ECR applies to it: its
    /// effective `scanFrequency` (`BatchGetRepositoryScanningConfiguration`,
    /// ECR's own resolution of the registry rules) where AWS answered it,
    /// with the region's registry scanning configuration
    /// (`GetRegistryScanningConfiguration`):
    ///
    /// - `CONTINUOUS_SCAN` or `SCAN_ON_PUSH`: **pass**.
    /// - `MANUAL`: **fail** under `ENHANCED` scanning (the repository's own
    ///   `scanOnPush` does not apply); under `BASIC` scanning **pass** when
    ///   the repository has `scanOnPush=true` (basic scanning honours it),
    ///   **fail** when `false`, **unknown** when not returned; with the
    ///   registry configuration unread, **fail** when `scanOnPush=false`
    ///   (no scanning under either type), else **unknown**.
    ///
    /// Where the effective configuration was not read (the call failed: its
    /// gap is in the evidence), the verdict is derived from the registry
    /// rules as the ECR user guide documents them:
    ///
    /// - registry **`ENHANCED`** (Amazon Inspector): **pass** when a
    ///   `CONTINUOUS_SCAN` or `SCAN_ON_PUSH` rule has a filter matching the
    ///   repository name, else **fail**. The repository's own `scanOnPush`
    ///   does not count: under enhanced scanning, repositories that match no
    ///   filter have scanning disabled.
    /// - registry **`BASIC`**: **pass** when a `SCAN_ON_PUSH` rule's filter
    ///   matches the repository (registry-level basic scan on push) or the
    ///   repository has `scanOnPush=true`; **fail** when neither does and
    ///   `scanOnPush=false`; **unknown** when no rule matches and
    ///   `DescribeRepositories` returned no `scanOnPush`.
    /// - **unknown** when the registry configuration could not be read (even
    ///   with `scanOnPush=true`, which an enhanced registry would ignore) or
    ///   names an unrecognised scan type, and when the region's repositories
    ///   could not be listed.
    ///
    /// Filters follow the ECR rules: without `*` a filter matches names that
    /// contain it; with `*` it must match the whole name. `MANUAL` rules and
    /// rules with no filters match nothing. The derivation is a fallback,
    /// not a guess: it reads the same rules ECR resolves, by ECR's
    /// documented semantics, and the failed call still marks the scan
    /// incomplete.
    ///
    /// ## Rationale
    ///
    /// Images that are never scanned ship their known CVEs to the cluster
    /// unnoticed. Scanning on push (or continuously) is the control CIS 5.1.1,
    /// AWS FSBP ECR.1 and NIST SP 800-190 §4.1.1 ask for.
    ///
    /// ## Remediation
    ///
    /// Prefer registry-level rules, e.g. `aws ecr put-registry-scanning-configuration
    /// --scan-type ENHANCED --rules '[{"scanFrequency":"CONTINUOUS_SCAN",
    /// "repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]'`; with
    /// basic scanning, a `SCAN_ON_PUSH` rule with filter `*`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {
    ///   "registry_scanning": {"known": {"scan_type": "ENHANCED", "rules": [
    ///     {"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": ["team-a/*"]}]}},
    ///   "repositories": {"known": [{"name": "team-b/api", "scan_on_push": true,
    ///     "arn": "arn:aws:ecr:us-east-1:111122223333:repository/team-b/api"}]}}}}
    /// ```
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {
    ///   "registry_scanning": {"known": {"scan_type": "ENHANCED", "rules": [
    ///     {"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": ["*"]}]}},
    ///   "repositories": {"known": [{"name": "api", "scan_on_push": true,
    ///     "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///     "scanning": {"known": {"scan_frequency": "MANUAL", "applied_filters": []}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {
    ///   "registry_scanning": {"known": {"scan_type": "ENHANCED", "rules": []}},
    ///   "repositories": {"known": [{"name": "api", "scan_on_push": false,
    ///     "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
    ///     "scanning": {"known": {"scan_frequency": "CONTINUOUS_SCAN", "applied_filters": ["*"]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {
    ///   "registry_scanning": {"known": {"scan_type": "BASIC", "rules": [
    ///     {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": ["*"]}]}},
    ///   "repositories": {"known": [{"name": "api", "scan_on_push": false,
    ///     "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api"}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {
    ///   "registry_scanning": {"unknown": {"service": "ecr", "region": "us-east-1",
    ///     "operation": "GetRegistryScanningConfiguration", "reason": "access_denied",
    ///     "message": "AccessDeniedException"}},
    ///   "repositories": {"known": [{"name": "api", "scan_on_push": false,
    ///     "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api"}]}}}}
    /// ```
    id: "ecr-scan-on-push-enabled",
    title: "ECR repositories should scan images on push or continuously",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Add a registry scanning rule (ENHANCED CONTINUOUS_SCAN/SCAN_ON_PUSH, or BASIC SCAN_ON_PUSH) whose filter matches the repository.",
    compliance: ["CIS-EKS-1.8:5.1.1", "AWS-FSBP:ECR.1", "NIST-800-190:4.1.1", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:11.3.1", "EKS-BPG:image"],
}

/// The verdict on ECR's effective scan frequency for a repository.
fn effective(
    repo: &Repository,
    frequency: &str,
    registry: &Observed<RegistryScanning>,
) -> (Status, String) {
    let name = &repo.name;
    let scan_type = registry.known().map(|r| r.scan_type.as_str());
    match (frequency, scan_type, repo.scan_on_push) {
        ("CONTINUOUS_SCAN" | "SCAN_ON_PUSH", _, _) => (
            Status::Pass,
            format!("repository {name} is scanned: ECR applies scanFrequency {frequency} to it"),
        ),
        ("MANUAL", Some("ENHANCED"), flag) => (
            Status::Fail,
            format!("repository {name} is not scanned: ECR applies scanFrequency MANUAL to it under enhanced scanning (its own scanOnPush={} does not apply)", flag.map_or_else(|| "unset".to_string(), |f| f.to_string())),
        ),
        ("MANUAL", Some("BASIC"), Some(true)) => (
            Status::Pass,
            format!("repository {name} scans on push (its own scanOnPush=true, basic scanning)"),
        ),
        ("MANUAL", Some("BASIC") | None, Some(false)) => (
            Status::Fail,
            format!("repository {name} is not scanned: ECR applies scanFrequency MANUAL to it and its own scanOnPush is false"),
        ),
        ("MANUAL", Some("BASIC"), None) => (
            Status::Unknown,
            format!("ECR applies scanFrequency MANUAL to repository {name} and DescribeRepositories returned no scanOnPush for it"),
        ),
        ("MANUAL", None, _) => (
            Status::Unknown,
            format!("ECR applies scanFrequency MANUAL to repository {name}; whether its own scanOnPush applies depends on the registry scan type, which could not be read"),
        ),
        ("MANUAL", Some(other), _) => (
            Status::Unknown,
            format!("whether repository {name} is scanned is unknown: the registry scan type {other:?} is unrecognised"),
        ),
        (other, _, _) => (
            Status::Unknown,
            format!("ECR applies an unrecognised scanFrequency {other:?} to repository {name}"),
        ),
    }
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
        let Some(registry_scanning) = g.registry_scanning(r.region) else {
            continue;
        };
        let repo = r.repository;
        let flag = repo
            .scan_on_push
            .map_or_else(|| "unset".to_string(), |f| f.to_string());
        let mut evidence = vec![Evidence::new(
            "AwsEcrRepository",
            &repo.arn,
            format!("repository {}, scanOnPush={flag}", repo.name),
        )];
        match &repo.scanning {
            Observed::Known(RepositoryScanning {
                scan_frequency: Some(frequency),
                applied_filters,
            }) => {
                evidence.push(Evidence::new(
                    "AwsEcrRepository",
                    &repo.arn,
                    format!(
                        "BatchGetRepositoryScanningConfiguration: scanFrequency={frequency}, appliedScanFilters=[{}]",
                        applied_filters.join(",")
                    ),
                ));
                if let Observed::Unknown(gap) = registry_scanning {
                    evidence.push(gap_evidence(gap));
                }
                let (status, msg) = effective(repo, frequency, registry_scanning);
                out.emit(status, repository_ref(&r), msg, evidence);
                continue;
            }
            Observed::Known(_) => {}
            Observed::Unknown(gap) => evidence.push(gap_evidence(gap)),
        }
        let scanning = match registry_scanning {
            Observed::Known(s) => s,
            Observed::Unknown(gap) => {
                evidence.push(gap_evidence(gap));
                out.unknown_because(
                    repository_ref(&r),
                    format!(
                        "whether repository {} is scanned is unknown: the registry scanning configuration could not be read ({}: {}), and its rules decide whether scanOnPush={flag} applies",
                        repo.name,
                        gap.reason.as_str(),
                        gap.operation
                    ),
                    evidence,
                );
                continue;
            }
        };
        let rule = automatic_scanning_rule(scanning, &repo.name);
        evidence.push(registry_scanning_evidence(
            g, r.region, repo, scanning, rule,
        ));
        if let Some((rule, filter)) = rule {
            let msg = format!(
                "repository {} is scanned by the {} registry rule {} with filter {filter:?}",
                repo.name, scanning.scan_type, rule.scan_frequency
            );
            out.pass(repository_ref(&r), msg, evidence);
            continue;
        }
        let res = repository_ref(&r);
        match (scanning.scan_type.as_str(), repo.scan_on_push) {
            ("ENHANCED", _) => out.fail(
                res,
                format!(
                    "repository {} matches no enhanced scanning rule, so it is not scanned (its own scanOnPush={flag} does not apply under enhanced scanning)",
                    repo.name
                ),
                evidence,
            ),
            ("BASIC", Some(true)) => out.pass(
                res,
                format!("repository {} scans on push (its own scanOnPush=true, basic scanning)", repo.name),
                evidence,
            ),
            ("BASIC", Some(false)) => out.fail(
                res,
                format!("repository {} does not scan on push and no registry rule covers it", repo.name),
                evidence,
            ),
            ("BASIC", None) => out.unknown_because(
                res,
                format!("no registry rule covers repository {} and DescribeRepositories returned no scanOnPush for it", repo.name),
                evidence,
            ),
            (other, _) => out.unknown_because(
                res,
                format!("whether repository {} is scanned is unknown: the registry scan type {other:?} is unrecognised", repo.name),
                evidence,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    /// Repository `team-a/api` with the given `scan_on_push`, under a
    /// registry scanning configuration.
    fn run(scanning: &Value, scan_on_push: Option<bool>) -> Vec<Finding> {
        testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"registry_scanning": scanning,
            "repositories": {"known": [{"name": "team-a/api", "scan_on_push": scan_on_push,
            "arn": "arn:aws:ecr:us-east-1:111122223333:repository/team-a/api"}]}}}}),
        )
    }

    fn registry(scan_type: &str, freq: &str, filters: &[&str]) -> Value {
        json!({"known": {"scan_type": scan_type,
            "rules": [{"scan_frequency": freq, "repository_filters": filters}]}})
    }

    #[test]
    fn fails_under_enhanced_scanning_when_no_filter_matches_even_with_repo_flag() {
        let f = run(
            &registry("ENHANCED", "SCAN_ON_PUSH", &["team-b*"]),
            Some(true),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("does not apply under enhanced"));
    }

    #[test]
    fn fails_under_basic_scanning_when_flag_off_and_only_manual_rule() {
        let f = run(&registry("BASIC", "MANUAL", &["*"]), Some(false));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn fails_when_basic_registry_has_continuous_rule_which_basic_does_not_support() {
        let f = run(&registry("BASIC", "CONTINUOUS_SCAN", &["*"]), Some(false));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn passes_on_enhanced_continuous_rule_with_substring_filter() {
        let f = run(
            &registry("ENHANCED", "CONTINUOUS_SCAN", &["api"]),
            Some(false),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.detail.contains("CONTINUOUS_SCAN")));
    }

    #[test]
    fn passes_on_basic_registry_scan_on_push_filter() {
        let f = run(&registry("BASIC", "SCAN_ON_PUSH", &["team-a/*"]), None);
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn passes_on_repository_flag_under_basic_scanning() {
        let f = run(
            &json!({"known": {"scan_type": "BASIC", "rules": []}}),
            Some(true),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_basic_and_repository_flag_missing() {
        let f = run(&registry("BASIC", "SCAN_ON_PUSH", &[]), None);
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_registry_configuration_unreadable_even_with_repo_flag() {
        let gap = testing::denied("ecr", "us-east-1", "GetRegistryScanningConfiguration");
        let f = run(&gap, Some(true));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
    }

    #[test]
    fn unknown_for_region_whose_repositories_could_not_be_listed() {
        let gap = json!({"unknown": {"service": "ecr", "region": "us-east-1",
            "operation": "DescribeRepositories", "reason": "throttled", "message": "slow"}});
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"repositories": gap}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:ecr:us-east-1:111122223333:repository/*"
        );
    }

    /// Repository `team-a/api` as above, with ECR's effective scan frequency.
    fn run_effective(
        scanning: &Value,
        scan_on_push: Option<bool>,
        frequency: &str,
    ) -> Vec<Finding> {
        testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"registry_scanning": scanning,
            "repositories": {"known": [{"name": "team-a/api", "scan_on_push": scan_on_push,
            "arn": "arn:aws:ecr:us-east-1:111122223333:repository/team-a/api",
            "scanning": {"known": {"scan_frequency": frequency, "applied_filters": []}}}]}}}}),
        )
    }

    #[test]
    fn aws_effective_frequency_wins_over_the_derivation() {
        // The registry rule would match, but ECR says MANUAL.
        let enhanced = registry("ENHANCED", "CONTINUOUS_SCAN", &["team-a/*"]);
        let f = run_effective(&enhanced, Some(true), "MANUAL");
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.detail.contains("scanFrequency=MANUAL")));
        // No rule would match, but ECR says it scans continuously.
        let none = registry("ENHANCED", "CONTINUOUS_SCAN", &["team-b/*"]);
        let f = run_effective(&none, Some(false), "CONTINUOUS_SCAN");
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn effective_manual_follows_the_flag_under_basic_and_fails_without_it_when_unread() {
        let basic = json!({"known": {"scan_type": "BASIC", "rules": []}});
        let unread = testing::denied("ecr", "us-east-1", "GetRegistryScanningConfiguration");
        let table = [
            (&basic, Some(true), "MANUAL", Status::Pass),
            (&basic, Some(false), "MANUAL", Status::Fail),
            (&basic, None, "MANUAL", Status::Unknown),
            (&basic, Some(true), "SCAN_ON_PUSH", Status::Pass),
            (&unread, Some(false), "MANUAL", Status::Fail),
            (&unread, Some(true), "MANUAL", Status::Unknown),
            (&unread, None, "SCAN_ON_PUSH", Status::Pass),
            (&unread, None, "WEEKLY", Status::Unknown),
        ];
        for (registry, flag, frequency, want) in table {
            let f = run_effective(registry, flag, frequency);
            assert_eq!(statuses(&f), [want], "{registry} {flag:?} {frequency}");
        }
    }

    #[test]
    fn an_unread_effective_configuration_falls_back_to_the_rules_with_its_gap() {
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {
            "registry_scanning": registry("ENHANCED", "CONTINUOUS_SCAN", &["team-a/*"]),
            "repositories": {"known": [{"name": "team-a/api", "scan_on_push": false,
            "arn": "arn:aws:ecr:us-east-1:111122223333:repository/team-a/api",
            "scanning": testing::denied("ecr", "us-east-1", "BatchGetRepositoryScanningConfiguration")}]}}}}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
    }
}
