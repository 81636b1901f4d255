//! ECR repository and image checks, and the registry-scanning rules they share.

pub mod images_no_critical_vulns;
pub mod images_scanned;
pub mod lifecycle_policy;
pub mod repo_kms_encrypted;
pub mod repo_not_public;
pub mod scan_on_push_enabled;
pub mod tags_immutable;

use eksposture_model::wildcard::wildcard_match;
use eksposture_model::{
    Evidence, Graph, Image, ImageScan, Observed, RegistryScanning, Repository, ScanningRule,
};

use crate::support::unix_seconds;

/// Whether an ECR registry scanning filter (type `WILDCARD`) selects a
/// repository. As the ECR user guide documents it ("Filters to choose which
/// repositories are scanned"): a filter *without* `*` matches every name that
/// **contains** it (`prod` matches `repo-prod-repo`); a filter *with* `*`
/// must match the whole name, each `*` standing for zero or more characters
/// (`*prod` matches `repo-prod` but not `prod-repo`). An empty filter matches
/// nothing.
pub fn scanning_filter_matches(filter: &str, repository: &str) -> bool {
    if filter.is_empty() {
        false
    } else if filter.contains('*') {
        // ECR accepts only `[a-z0-9._/-]` and `*` in a filter (API pattern
        // `^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$`), so the shared glob
        // (which would also read `?`) matches exactly ECR's `*`-only language.
        wildcard_match(filter, repository, false)
    } else {
        repository.contains(filter)
    }
}

/// The registry scanning rule, and its filter, that scans a repository
/// automatically. Under `ENHANCED` scanning `CONTINUOUS_SCAN` and
/// `SCAN_ON_PUSH` rules count (ECR enforces continuous over scan-on-push when
/// both match, so it is preferred here); under `BASIC` only `SCAN_ON_PUSH`
/// exists. `MANUAL` rules and unrecognised scan types never count.
pub fn automatic_scanning_rule<'a>(
    scanning: &'a RegistryScanning,
    repository: &str,
) -> Option<(&'a ScanningRule, &'a str)> {
    let frequencies: &[&str] = match scanning.scan_type.as_str() {
        "ENHANCED" => &["CONTINUOUS_SCAN", "SCAN_ON_PUSH"],
        "BASIC" => &["SCAN_ON_PUSH"],
        _ => &[],
    };
    frequencies.iter().find_map(|freq| {
        scanning
            .rules
            .iter()
            .filter(|r| r.scan_frequency == *freq)
            .find_map(|r| {
                r.repository_filters
                    .iter()
                    .find(|f| scanning_filter_matches(f, repository))
                    .map(|f| (r, f.as_str()))
            })
    })
}

/// The region's registry scanning configuration as evidence, naming the
/// rule and filter that matched a repository, or listing the rules when none
/// did. ECR registries have no ARN: the id is the registry (account) id.
pub fn registry_scanning_evidence(
    g: &Graph<'_>,
    region: &str,
    repo: &Repository,
    scanning: &RegistryScanning,
    matched: Option<(&ScanningRule, &str)>,
) -> Evidence {
    let detail = match matched {
        Some((rule, filter)) => format!(
            "rule {} with filter {filter:?} matches",
            rule.scan_frequency
        ),
        None if scanning.rules.is_empty() => "no rules".to_string(),
        None => {
            let rules: Vec<String> = scanning
                .rules
                .iter()
                .map(|r| format!("{}[{}]", r.scan_frequency, r.repository_filters.join(",")))
                .collect();
            format!("no matching rule (rules: {})", rules.join(" "))
        }
    };
    Evidence::new(
        "AwsEcrRegistry",
        repo.registry_id.as_deref().unwrap_or(g.account_id()),
        format!(
            "scanning configuration in {region}: scanType={}, {detail}",
            scanning.scan_type
        ),
    )
}

/// ECR's verdict on one image's scan (`DescribeImages` `imageScanStatus`),
/// before Inspector coverage is considered; each carries its reason.
pub enum ScanVerdict {
    Scanned(String),
    NotScanned(String),
    Undecided(String),
}

pub fn ecr_scan_verdict(image: &Image) -> ScanVerdict {
    match &image.scan {
        Observed::Unknown(gap) => ScanVerdict::Undecided(format!(
            "its scan status could not be read ({}: {})",
            gap.reason.as_str(),
            gap.operation
        )),
        Observed::Known(None) => ScanVerdict::NotScanned("ECR reports it was never scanned".into()),
        Observed::Known(Some(scan)) => {
            let why = scan
                .description
                .as_deref()
                .map_or_else(String::new, |d| format!(": {d}"));
            match scan.status.as_str() {
                "COMPLETE" | "ACTIVE" => {
                    ScanVerdict::Scanned(format!("ECR scan status {}", scan.status))
                }
                "IN_PROGRESS" | "PENDING" => {
                    ScanVerdict::Undecided(format!("its scan is {}, not yet complete", scan.status))
                }
                "FAILED"
                | "UNSUPPORTED_IMAGE"
                | "IMAGE_SIZE_EXCEEDED"
                | "SCAN_ELIGIBILITY_EXPIRED"
                | "FINDINGS_UNAVAILABLE"
                | "LIMIT_EXCEEDED"
                | "IMAGE_ARCHIVED" => {
                    ScanVerdict::NotScanned(format!("its scan status is {}{why}", scan.status))
                }
                other => {
                    ScanVerdict::Undecided(format!("its scan status {other:?} is unrecognised"))
                }
            }
        }
    }
}

/// The image, its tags and its ECR scan state, as evidence.
pub fn image_evidence(repo: &Repository, image: &Image) -> Evidence {
    let tags = if image.tags.is_empty() {
        "untagged".to_string()
    } else {
        image.tags.join(",")
    };
    let state = match &image.scan {
        Observed::Unknown(_) => "imageScanStatus unread".to_string(),
        Observed::Known(None) => "no imageScanStatus".to_string(),
        Observed::Known(Some(s)) => match &s.completed_at {
            Some(at) => format!("imageScanStatus={}, completed {at}", s.status),
            None => format!("imageScanStatus={}", s.status),
        },
    };
    Evidence::new(
        "AwsEcrContainerImage",
        Graph::image_arn(repo, image),
        format!(
            "image {} ({tags}) in repository {}; {state}",
            image.digest, repo.name
        ),
    )
}

/// How old a point-in-time scan (status `COMPLETE`) may be, in days before
/// the scan's start (`scan.started_at`, never the clock), and still show
/// that an image has no critical finding. Such a scan matched the image
/// against the vulnerabilities known when it ran; one published since is
/// not in its findings, and basic scanning never rescans an image by
/// itself. 30 days is eksposture's choice, one monthly patch cycle, not an
/// AWS or benchmark figure. Enhanced scanning in status `ACTIVE` is
/// continuous: Amazon Inspector rescans the image as new vulnerabilities
/// are published, so it is always current.
pub const SCAN_MAX_AGE_DAYS: i64 = 30;

/// What the vulnerability scans of one image say about critical findings:
/// ECR's scan findings summary (a basic scan `COMPLETE` at most
/// [`SCAN_MAX_AGE_DAYS`] old, or enhanced scanning `ACTIVE`, whose summary
/// is Inspector's) and the active findings Amazon Inspector reports on the
/// image. Criticals found by an older scan still count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criticals {
    /// `2 critical and 5 high (ECR scan)`, one per source with criticals.
    Found(Vec<String>),
    /// Current scans show none: their sources and the most high findings.
    None {
        sources: Vec<&'static str>,
        high: i64,
    },
    /// No current completed scan covers the image: why.
    Unscanned(String),
}

/// Why a `COMPLETE` ECR scan is too old to show the image has no critical
/// finding, measured at the scan's start `started_at`; `None` when it is
/// current. The findings are as of the earlier of the scan's completion and
/// its vulnerability data's last update.
fn stale_scan(scan: &ImageScan, started_at: &str) -> Option<String> {
    let as_of = [&scan.completed_at, &scan.vulnerability_source_updated_at]
        .into_iter()
        .flatten()
        .filter_map(|t| unix_seconds(t).map(|s| (s, t.as_str())))
        .min();
    let Some((as_of, when)) = as_of else {
        return Some("its ECR scan gives no completion time, so its age is unknown".into());
    };
    let Some(started) = unix_seconds(started_at) else {
        return Some(format!(
            "the scan's start time {started_at:?} is not a date, so the age of its ECR scan ({when}) is unknown"
        ));
    };
    let days = (started - as_of).div_euclid(86_400);
    (days > SCAN_MAX_AGE_DAYS).then(|| {
        format!(
            "its ECR scan is as of {when}, {days} days before this scan started: older than {SCAN_MAX_AGE_DAYS} days, it misses vulnerabilities published since"
        )
    })
}

/// [`Criticals`] of an image of a repository of `region`, pushing the
/// Inspector findings and any failed read onto the evidence. An image is
/// scanned by Inspector when Inspector's coverage lists it `ACTIVE` or
/// reports findings on it, and its findings were read.
pub fn image_criticals(
    g: &Graph<'_>,
    region: &str,
    repo: &Repository,
    image: &Image,
    ev: &mut Vec<Evidence>,
) -> Criticals {
    // (critical, high, source) of each current scan read, and of an old one
    // that found criticals.
    let mut scans: Vec<(i64, i64, &'static str)> = Vec::new();
    let mut stale = None;
    let verdict = ecr_scan_verdict(image);
    if let (ScanVerdict::Scanned(_), Observed::Known(Some(scan))) = (&verdict, &image.scan) {
        let count = |s: &str| scan.finding_counts.get(s).copied().unwrap_or(0);
        stale = (scan.status != "ACTIVE")
            .then(|| stale_scan(scan, g.started_at()))
            .flatten();
        if stale.is_none() || count("CRITICAL") > 0 {
            scans.push((count("CRITICAL"), count("HIGH"), "ECR scan"));
        }
    }
    let covered = match g.inspector_image_coverage(region, repo, image) {
        Ok(entry) => entry.is_some(),
        Err(gap) => {
            ev.push(crate::emit::gap_evidence(gap));
            false
        }
    };
    match g.inspector_image_findings(region, repo, image) {
        Ok(hit) => {
            if let Some(c) = hit {
                let detail = format!("active findings: critical={}, high={}", c.critical, c.high);
                ev.push(Evidence::new("Inspector2Findings", &c.resource_id, detail));
            }
            if hit.is_some() || covered {
                let (c, h) = hit.map_or((0, 0), |c| (i64::from(c.critical), i64::from(c.high)));
                scans.push((c, h, "Amazon Inspector"));
            }
        }
        Err(gap) => ev.push(crate::emit::gap_evidence(gap)),
    }
    let found: Vec<String> = scans
        .iter()
        .filter(|(c, _, _)| *c > 0)
        .map(|(c, h, src)| format!("{c} critical and {h} high ({src})"))
        .collect();
    if !found.is_empty() {
        return Criticals::Found(found);
    }
    if let Some(high) = scans.iter().map(|(_, h, _)| *h).max() {
        return Criticals::None {
            sources: scans.iter().map(|(_, _, s)| *s).collect(),
            high,
        };
    }
    let (ScanVerdict::NotScanned(m) | ScanVerdict::Undecided(m) | ScanVerdict::Scanned(m)) =
        verdict;
    Criticals::Unscanned(stale.unwrap_or(m))
}

#[cfg(test)]
mod tests {
    use super::scanning_filter_matches;

    #[test]
    fn filters_match_as_the_ecr_user_guide_table_says() {
        let names = [
            "prod",
            "repo-prod",
            "prod-repo",
            "repo-prod-repo",
            "prodrepo",
        ];
        let table = [
            ("prod", [true, true, true, true, true]),
            ("*prod", [true, true, false, false, false]),
            ("prod*", [true, false, true, false, true]),
            ("*prod*", [true, true, true, true, true]),
            ("prod*repo", [false, false, true, false, true]),
        ];
        for (filter, expected) in table {
            for (name, want) in names.iter().zip(expected) {
                assert_eq!(
                    scanning_filter_matches(filter, name),
                    want,
                    "{filter} vs {name}"
                );
            }
        }
    }

    #[test]
    fn star_matches_everything_and_empty_filter_nothing() {
        assert!(scanning_filter_matches("*", "team/app"));
        assert!(scanning_filter_matches("team/*", "team/app"));
        assert!(!scanning_filter_matches("", "team/app"));
        assert!(scanning_filter_matches("a*b*c", "axxbyyc"));
        assert!(!scanning_filter_matches("a*b*c", "axxbyy"));
    }
}
