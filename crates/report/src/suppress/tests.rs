use std::collections::BTreeMap;

use eksposture_model::{
    Finding, Inventory, ResourceRef, ScanInfo, Severity, Status, Tags, SCHEMA_VERSION,
};

use super::glob::{glob, resource_matches};
use super::{apply, Date, EntryMatches, SuppressionError, Suppressions};
use crate::{build, render_json, render_table_with, Report, TableOptions};

const FILE: &str = "eksposture.toml";
const ACCOUNT: &str = "123456789012";

fn parse(text: &str) -> Result<Suppressions, SuppressionError> {
    Suppressions::parse(FILE, text)
}

/// The error's one line.
fn error(text: &str) -> String {
    let e = parse(text).expect_err("the file is rejected");
    let line = e.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    line
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

// ------------------------------------------------------------ parsing

#[test]
fn parses_every_key_with_lines_and_both_date_forms() {
    let s = parse(
        r#"# accepted risks
[[suppress]]
check = "ecr-tags-immutable"
resource = "arn:aws:ecr:*:123456789012:repository/legacy-*"
tags = { team = "legacy" }
reason = "  Legacy images are rebuilt weekly; tracked in SEC-123  "
expires = 2026-12-31

[[suppress]]
check = "eks-*"
reason = "lab account"
expires = "2026-02-28"
"#,
    )
    .unwrap();
    assert_eq!(s.file, FILE);
    assert_eq!(s.entries.len(), 2);
    let a = &s.entries[0];
    assert_eq!((a.number, a.line), (1, 2));
    assert_eq!(a.check, "ecr-tags-immutable");
    assert_eq!(
        a.resource.as_deref(),
        Some("arn:aws:ecr:*:123456789012:repository/legacy-*")
    );
    assert_eq!(
        a.tags,
        BTreeMap::from([("team".to_string(), "legacy".to_string())])
    );
    assert_eq!(
        a.reason,
        "Legacy images are rebuilt weekly; tracked in SEC-123"
    );
    assert_eq!(a.expires, Some(date("2026-12-31")));
    let b = &s.entries[1];
    assert_eq!((b.number, b.line), (2, 9));
    assert_eq!((b.resource.as_deref(), b.tags.len()), (None, 0));
    assert_eq!(b.expires, Some(date("2026-02-28")));
    assert_eq!(s.entry_id(b), "eksposture.toml#2");
}

#[test]
fn a_file_without_entries_suppresses_nothing() {
    assert!(parse("").unwrap().entries.is_empty());
    assert!(parse("# nothing accepted yet\n")
        .unwrap()
        .entries
        .is_empty());
}

#[test]
fn invalid_toml_names_the_line() {
    let e = error("[[suppress]]\ncheck = \"x\nreason = \"r\"\n");
    assert!(e.starts_with("eksposture.toml:2: invalid TOML:"), "{e}");
}

#[test]
fn an_impossible_toml_date_is_a_toml_error_on_its_line() {
    let e = error("[[suppress]]\ncheck = \"x\"\nreason = \"r\"\nexpires = 2026-02-30\n");
    assert!(e.starts_with("eksposture.toml:4: invalid TOML:"), "{e}");
}

#[test]
fn unknown_top_level_keys_and_misspelt_tables_are_errors() {
    let e = error("[[supress]]\ncheck = \"x\"\nreason = \"r\"\n");
    assert_eq!(
        e,
        "eksposture.toml:1: unknown key `supress`: this file holds only [[suppress]] entries"
    );
    let e = error("[suppress]\ncheck = \"x\"\nreason = \"r\"\n");
    assert!(
        e.starts_with(
            "eksposture.toml:1: `suppress` must be a list of entries: write [[suppress]]"
        ),
        "{e}"
    );
}

#[test]
fn an_unknown_entry_key_names_entry_and_line_and_lists_the_keys() {
    let e = error(
        "[[suppress]]\ncheck = \"a\"\nreason = \"r\"\n\n[[suppress]]\ncheck = \"b\"\nreson = \"typo\"\n",
    );
    assert_eq!(
        e,
        "eksposture.toml:7: entry 2: unknown key `reson`: an entry takes check, resource, tags, reason and expires"
    );
}

#[test]
fn the_reason_is_mandatory_and_not_blank() {
    let e = error("[[suppress]]\ncheck = \"ecr-tags-immutable\"\n");
    assert!(
        e.starts_with("eksposture.toml:1: entry 1: `reason` is missing: every suppression needs one, e.g. reason = "),
        "{e}"
    );
    let e = error("[[suppress]]\ncheck = \"a\"\nreason = \"   \"\n");
    assert!(
        e.starts_with("eksposture.toml:3: entry 1: `reason` is empty"),
        "{e}"
    );
    let e = error("[[suppress]]\ncheck = \"a\"\nreason = 42\n");
    assert!(
        e.starts_with("eksposture.toml:3: entry 1: `reason` must be a string"),
        "{e}"
    );
}

#[test]
fn the_check_is_mandatory() {
    let e = error("[[suppress]]\nresource = \"arn:aws:ecr:*:*:repository/x\"\nreason = \"r\"\n");
    assert!(
        e.starts_with(
            "eksposture.toml:1: entry 1: `check` is missing: check = \"ecr-tags-immutable\""
        ),
        "{e}"
    );
    let e = error("[[suppress]]\ncheck = \"\"\nreason = \"r\"\n");
    assert!(
        e.starts_with("eksposture.toml:2: entry 1: `check` must be a check id"),
        "{e}"
    );
}

#[test]
fn an_entry_that_would_suppress_everything_is_refused() {
    for text in [
        "[[suppress]]\ncheck = \"*\"\nreason = \"r\"\n",
        "[[suppress]]\ncheck = \"**\"\nresource = \"*\"\nreason = \"r\"\n",
    ] {
        let e = error(text);
        assert!(
            e.starts_with(
                "eksposture.toml:1: entry 1: this entry would suppress every finding: name a check"
            ),
            "{e}"
        );
    }
    // Narrowed by resource or tags, a `*` check is fine.
    assert!(parse("[[suppress]]\ncheck = \"*\"\nresource = \"arn:aws:ecr:*:*:repository/lab-*\"\nreason = \"r\"\n").is_ok());
    assert!(
        parse("[[suppress]]\ncheck = \"*\"\ntags = { env = \"lab\" }\nreason = \"r\"\n").is_ok()
    );
}

#[test]
fn bad_expiry_dates_say_how_to_write_one() {
    for (text, line) in [
        ("expires = \"2026-02-30\"", 4),
        ("expires = \"31/12/2026\"", 4),
        ("expires = 2026-12-31T10:00:00Z", 4),
        ("expires = 20261231", 4),
    ] {
        let e = error(&format!(
            "[[suppress]]\ncheck = \"a\"\nreason = \"r\"\n{text}\n"
        ));
        assert_eq!(
            e,
            format!("eksposture.toml:{line}: entry 1: `expires` must be a date: expires = 2026-12-31 (or \"2026-12-31\"), the last day the entry applies")
        );
    }
}

#[test]
fn a_partial_arn_resource_is_refused() {
    let e = error("[[suppress]]\ncheck = \"a\"\nresource = \"arn:aws:ecr:*\"\nreason = \"r\"\n");
    assert!(
        e.starts_with("eksposture.toml:3: entry 1: `resource` \"arn:aws:ecr:*\" is not a whole ARN: write all six fields"),
        "{e}"
    );
    let e = error("[[suppress]]\ncheck = \"a\"\nresource = 7\nreason = \"r\"\n");
    assert!(
        e.starts_with("eksposture.toml:3: entry 1: `resource` must be a resource ARN"),
        "{e}"
    );
}

#[test]
fn tags_must_be_a_non_empty_table_of_strings() {
    for (tags, expect) in [
        (
            "tags = \"team=legacy\"",
            "`tags` must be a table of tag values",
        ),
        ("tags = {}", "`tags` is empty"),
        ("tags = { team = 1 }", "tag `team` must have a string value"),
    ] {
        let e = error(&format!(
            "[[suppress]]\ncheck = \"a\"\n{tags}\nreason = \"r\"\n"
        ));
        assert!(
            e.starts_with(&format!("eksposture.toml:3: entry 1: {expect}")),
            "{e}"
        );
    }
    // The sub-table form works as well as the inline one.
    let s = parse("[[suppress]]\ncheck = \"a\"\nreason = \"r\"\n[suppress.tags]\nteam = \"x\"\n")
        .unwrap();
    assert_eq!(s.entries[0].tags["team"], "x");
}

#[test]
fn check_patterns_must_match_a_known_check() {
    let s = parse(
        "[[suppress]]\ncheck = \"ecr-*\"\nreason = \"r\"\n\n[[suppress]]\ncheck = \"ecr-tag-immutable\"\nreason = \"r\"\n",
    )
    .unwrap();
    let known = ["ecr-tags-immutable", "eks-endpoint-private"];
    let e = s.check_ids(&known).unwrap_err();
    assert_eq!(
        e.to_string(),
        "eksposture.toml:5: entry 2: check \"ecr-tag-immutable\" matches no check id: run `eksposture checks` to list them"
    );
    assert!(s
        .check_ids(&["ecr-tags-immutable", "ecr-tag-immutable"])
        .is_ok());
}

// ------------------------------------------------------------ globs and dates

#[test]
fn glob_star_question_mark_and_literals() {
    assert!(glob("ecr-*", "ecr-tags-immutable"));
    assert!(glob("ecr-*", "ecr-"));
    assert!(glob("*", ""));
    assert!(glob("*-immutable", "ecr-tags-immutable"));
    assert!(glob("e?r-*-immutable", "ecr-tags-immutable"));
    assert!(glob("*tags*", "ecr-tags-immutable"));
    assert!(!glob("ecr-*", "eks-endpoint-private"));
    assert!(!glob("ecr-?", "ecr-"));
    assert!(!glob("ECR-*", "ecr-tags-immutable"));
    assert!(!glob("ecr-tags", "ecr-tags-immutable"));
    assert!(glob("a*b*c", "aXbYbZc"));
    assert!(!glob("a*b*c", "aXbYbZ"));
}

#[test]
fn arn_patterns_match_field_by_field_and_the_last_field_spans_slashes() {
    let repo = |name: &str| format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}");
    let p = format!("arn:aws:ecr:*:{ACCOUNT}:repository/legacy-*");
    assert!(resource_matches(&p, &repo("legacy-app")));
    assert!(resource_matches(&p, &repo("legacy-team/app")));
    assert!(!resource_matches(&p, &repo("web")));
    // The last field is everything after the fifth colon.
    assert!(resource_matches(
        "arn:aws:logs:*:*:log-group:/aws/eks/*",
        "arn:aws:logs:us-east-1:1:log-group:/aws/eks/prod/cluster:*"
    ));
    // A `*` in the region cannot swallow the account.
    assert!(!resource_matches(
        "arn:aws:ecr:*9012:*:repository/web",
        &repo("web")
    ));
    assert!(resource_matches(
        "arn:aws:iam::*:role/eks-*",
        "arn:aws:iam::1:role/eks-node"
    ));
    assert!(!resource_matches(
        "arn:aws:iam::*:role/eks-*",
        "arn:aws:iam::1:role/app"
    ));
    // ARN patterns never match ids that are not ARNs.
    assert!(!resource_matches("arn:aws:*:*:*:*", "123456789012"));
    // Other patterns match the whole id, `*` spanning everything.
    assert!(resource_matches("*legacy*", &repo("legacy-app")));
    assert!(resource_matches("1234*", ACCOUNT));
}

#[test]
fn dates_parse_strictly_and_order() {
    assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
    for bad in [
        "2025-02-29",
        "1900-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-1-01",
        "2026-01-1x",
        "2026/01/01",
        "",
        "२०२६-०१-०१",
    ] {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
    assert!(date("2000-02-29") < date("2000-03-01"));
    assert!(date("2025-12-31") < date("2026-01-01"));
}

#[test]
fn dates_from_unix_seconds_are_utc_calendar_days() {
    for (secs, day) in [
        (0, "1970-01-01"),
        (86_399, "1970-01-01"),
        (86_400, "1970-01-02"),
        (951_782_400, "2000-02-29"),
        (1_709_164_800, "2024-02-29"),
        (1_735_689_599, "2024-12-31"),
        (1_735_689_600, "2025-01-01"),
        (4_102_444_800, "2100-01-01"),
    ] {
        assert_eq!(Date::from_unix_seconds(secs).to_string(), day, "{secs}");
    }
}

// ------------------------------------------------------------ matching

fn repo_arn(name: &str) -> String {
    format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}")
}

fn cluster_arn(name: &str) -> String {
    format!("arn:aws:eks:us-east-1:{ACCOUNT}:cluster/{name}")
}

fn finding(check: &str, severity: Severity, status: Status, kind: &str, id: &str) -> Finding {
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity,
        kind: crate::tests::kind_of(check),
        status,
        message: format!("{check} is {status} for {id}"),
        account_id: String::new(),
        resource: ResourceRef::new(kind, id, "us-east-1"),
        evidence: vec![],
        remediation: "Fix it.".into(),
        compliance: vec![],
        suppressed: None,
    }
}

fn report() -> Report {
    let inventory = Inventory {
        schema_version: SCHEMA_VERSION.into(),
        scan: ScanInfo {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            started_at: "2026-06-30T10:00:00Z".into(),
            finished_at: "2026-06-30T10:00:04Z".into(),
        },
        gaps: vec![],
        iam: eksposture_model::Iam::default(),
        regions: BTreeMap::new(),
    };
    let findings = vec![
        finding(
            "ecr-tags-immutable",
            Severity::Low,
            Status::Fail,
            "AwsEcrRepository",
            &repo_arn("legacy-app"),
        ),
        finding(
            "ecr-tags-immutable",
            Severity::Low,
            Status::Fail,
            "AwsEcrRepository",
            &repo_arn("web"),
        ),
        finding(
            "ecr-lifecycle-policy",
            Severity::Low,
            Status::Unknown,
            "AwsEcrRepository",
            &repo_arn("legacy-app"),
        ),
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Fail,
            "AwsEksCluster",
            &cluster_arn("lab"),
        ),
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Pass,
            "AwsEksCluster",
            &cluster_arn("prod"),
        ),
        finding(
            "eks-secrets-encrypted",
            Severity::Medium,
            Status::Fail,
            "AwsEksCluster",
            &cluster_arn("prod"),
        ),
    ];
    build(&inventory, findings, "0.1.0")
}

fn cluster_tags() -> BTreeMap<String, Tags> {
    let tags = |team: &str| Tags::from([("team".to_string(), team.to_string())]);
    BTreeMap::from([
        (cluster_arn("lab"), tags("lab")),
        (cluster_arn("prod"), tags("platform")),
    ])
}

/// Applies `text` on `today` with the clusters' tags.
fn applied(text: &str, today: &str) -> Report {
    let mut r = report();
    let file = parse(text).unwrap();
    let tags = cluster_tags();
    apply(&mut r, &file, date(today), &|id| tags.get(id));
    r
}

fn marked(r: &Report) -> Vec<(String, String, String)> {
    r.findings
        .iter()
        .filter_map(|f| {
            let s = f.suppressed.as_ref()?;
            let name = f.resource.id.rsplit('/').next().unwrap_or_default();
            Some((f.check_id.clone(), name.to_string(), s.entry.clone()))
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

const LEGACY: &str = r#"
[[suppress]]
check = "ecr-*"
resource = "arn:aws:ecr:*:123456789012:repository/legacy-*"
reason = "legacy images are rebuilt weekly (SEC-123)"
expires = 2026-06-30
"#;

#[test]
fn check_and_resource_globs_mark_every_matching_finding_but_count_only_failures() {
    let before = report();
    assert_eq!((before.summary.fail, before.summary.suppressed), (4, 0));
    let r = applied(LEGACY, "2026-06-30");
    assert_eq!(
        marked(&r),
        [
            t("ecr-tags-immutable", "legacy-app", "eksposture.toml#1"),
            t("ecr-lifecycle-policy", "legacy-app", "eksposture.toml#1"),
        ]
    );
    let s = r
        .findings
        .iter()
        .find_map(|f| f.suppressed.clone())
        .unwrap();
    assert_eq!(s.reason, "legacy images are rebuilt weekly (SEC-123)");
    assert_eq!(s.expires.as_deref(), Some("2026-06-30"));
    // The unknown finding is marked but still counted as unknown.
    assert_eq!(
        (
            r.summary.fail,
            r.summary.suppressed,
            r.summary.unknown,
            r.summary.pass
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(r.summary.by_severity.low, 1);
    let section = r.suppressions.as_ref().unwrap();
    assert_eq!(section.entries, 1);
    assert_eq!(
        section.matched,
        [EntryMatches {
            entry: "eksposture.toml#1".into(),
            check: "ecr-*".into(),
            findings: 2,
            failing: 1,
        }]
    );
    assert!(section.expired.is_empty() && section.unmatched.is_empty());
}

#[test]
fn an_entry_applies_on_its_expiry_day_and_expires_the_day_after() {
    let on_the_day = applied(LEGACY, "2026-06-30");
    assert_eq!(marked(&on_the_day).len(), 2);
    let after = applied(LEGACY, "2026-07-01");
    assert!(marked(&after).is_empty());
    assert_eq!(after.summary.fail, 4);
    let section = after.suppressions.as_ref().unwrap();
    assert!(section.matched.is_empty() && section.unmatched.is_empty());
    assert_eq!(section.expired.len(), 1);
    assert_eq!(section.expired[0].expires.as_deref(), Some("2026-06-30"));
    assert_eq!(
        section.warnings(),
        ["suppression eksposture.toml#1 (check ecr-*, resource arn:aws:ecr:*:123456789012:repository/legacy-*) expired on 2026-06-30 and no longer applies: renew or remove it"]
    );
}

#[test]
fn tags_match_the_resource_tags_with_glob_values() {
    let r = applied(
        "[[suppress]]\ncheck = \"eks-*\"\ntags = { team = \"la?\" }\nreason = \"lab cluster\"\n",
        "2026-01-01",
    );
    assert_eq!(
        marked(&r),
        [t(
            "eks-endpoint-not-open-to-world",
            "lab",
            "eksposture.toml#1"
        )]
    );
    assert_eq!(r.summary.fail, 3);
    // A tag the resource lacks, or with another value, does not match.
    let r = applied(
        "[[suppress]]\ncheck = \"eks-*\"\ntags = { team = \"lab\", env = \"dev\" }\nreason = \"r\"\n",
        "2026-01-01",
    );
    assert!(marked(&r).is_empty());
    let unmatched = &r.suppressions.as_ref().unwrap().unmatched;
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].note, None);
}

#[test]
fn a_tag_entry_cannot_match_resources_whose_tags_are_unknown_and_says_so() {
    let r = applied(
        "[[suppress]]\ncheck = \"ecr-tags-immutable\"\ntags = { team = \"legacy\" }\nreason = \"r\"\n",
        "2026-01-01",
    );
    assert!(marked(&r).is_empty());
    let section = r.suppressions.as_ref().unwrap();
    assert_eq!(
        section.unmatched[0].note.as_deref(),
        Some("2 findings match its check and resource, but tags are unknown for their resources (tags are read for AwsEksCluster, AwsEksNodegroup, AwsEc2Instance, AwsIamRole only)")
    );
    assert_eq!(
        section.warnings(),
        ["suppression eksposture.toml#1 (check ecr-tags-immutable, tags team=legacy) matched no finding: 2 findings match its check and resource, but tags are unknown for their resources (tags are read for AwsEksCluster, AwsEksNodegroup, AwsEc2Instance, AwsIamRole only)"]
    );
}

#[test]
fn the_first_matching_entry_wins_and_a_shadowed_entry_is_reported() {
    let r = applied(
        r#"
[[suppress]]
check = "eks-secrets-encrypted"
resource = "arn:aws:eks:*:*:cluster/prod"
reason = "first"

[[suppress]]
check = "eks-*"
tags = { team = "*" }
reason = "second"

[[suppress]]
check = "eks-secrets-encrypted"
reason = "third"
"#,
        "2026-01-01",
    );
    assert_eq!(
        marked(&r),
        [
            t("eks-endpoint-not-open-to-world", "lab", "eksposture.toml#2"),
            t(
                "eks-endpoint-not-open-to-world",
                "prod",
                "eksposture.toml#2"
            ),
            t("eks-secrets-encrypted", "prod", "eksposture.toml#1"),
        ]
    );
    let section = r.suppressions.as_ref().unwrap();
    let matched: Vec<(&str, u64, u64)> = section
        .matched
        .iter()
        .map(|m| (m.entry.as_str(), m.findings, m.failing))
        .collect();
    assert_eq!(
        matched,
        [("eksposture.toml#1", 1, 1), ("eksposture.toml#2", 2, 1)]
    );
    assert_eq!(section.unmatched.len(), 1);
    assert_eq!(section.unmatched[0].entry, "eksposture.toml#3");
    assert_eq!(
        section.unmatched[0].note.as_deref(),
        Some("every finding it matches is already suppressed by eksposture.toml#1")
    );
    assert_eq!((r.summary.fail, r.summary.suppressed), (2, 2));
}

#[test]
fn an_entry_for_a_check_without_findings_is_unmatched_with_a_note() {
    let r = applied(
        "[[suppress]]\ncheck = \"iam-*\"\nreason = \"r\"\nexpires = \"2027-01-01\"\n",
        "2026-01-01",
    );
    let u = &r.suppressions.as_ref().unwrap().unmatched[0];
    assert_eq!(u.expires.as_deref(), Some("2027-01-01"));
    assert_eq!(
        u.note.as_deref(),
        Some("this scan has no finding of a check matching \"iam-*\"")
    );
}

#[test]
fn suppressing_every_failure_at_the_threshold_clears_it() {
    let mut r = report();
    assert!(r.fails_at_or_above(Severity::High));
    let file = parse(
        "[[suppress]]\ncheck = \"eks-endpoint-not-open-to-world\"\nresource = \"arn:aws:eks:us-east-1:123456789012:cluster/*\"\nreason = \"r\"\n",
    )
    .unwrap();
    apply(&mut r, &file, date("2026-01-01"), &|_| None);
    assert!(!r.fails_at_or_above(Severity::High));
    assert!(r.fails_at_or_above(Severity::Medium));
    assert_eq!(r.failing().count(), 3);
    assert!(r.failing().all(|f| f.suppressed.is_none()));
}

#[test]
fn applying_again_replaces_earlier_marks() {
    let mut r = applied(LEGACY, "2026-06-30");
    let none = parse("").unwrap();
    apply(&mut r, &none, date("2026-06-30"), &|_| None);
    assert!(marked(&r).is_empty());
    assert_eq!(r.summary, report().summary);
    assert_eq!(r.suppressions.as_ref().unwrap().entries, 0);
}

// ------------------------------------------------------------ rendering

fn mixed() -> Report {
    applied(
        r#"
[[suppress]]
check = "ecr-*"
resource = "arn:aws:ecr:*:123456789012:repository/legacy-*"
reason = "legacy images are rebuilt weekly (SEC-123)"
expires = 2026-12-31

[[suppress]]
check = "eks-*"
tags = { team = "lab" }
reason = "lab cluster, torn down nightly"

[[suppress]]
check = "eks-secrets-encrypted"
reason = "waiting for the KMS key"
expires = 2026-01-31

[[suppress]]
check = "iam-*"
reason = "no longer needed?"
"#,
        "2026-06-30",
    )
}

#[test]
fn json_carries_marks_and_the_section_and_reads_back() {
    let r = mixed();
    let json = render_json(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["suppressed"], 2);
    assert_eq!(v["summary"]["fail"], 2);
    let sup = &v["suppressions"];
    assert_eq!(sup["file"], FILE);
    assert_eq!(sup["entries"], 4);
    assert_eq!(sup["matched"].as_array().unwrap().len(), 2);
    assert_eq!(sup["expired"][0]["entry"], "eksposture.toml#3");
    assert_eq!(sup["expired"][0]["expires"], "2026-01-31");
    assert_eq!(sup["unmatched"][0]["entry"], "eksposture.toml#4");
    assert_eq!(sup["unmatched"][0]["reason"], "no longer needed?");
    assert!(sup["unmatched"][0].get("resource").is_none());
    let lab = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["id"] == cluster_arn("lab").as_str())
        .unwrap();
    assert_eq!(lab["suppressed"]["entry"], "eksposture.toml#2");
    assert_eq!(
        lab["suppressed"]["reason"],
        "lab cluster, torn down nightly"
    );
    assert!(lab["suppressed"].get("expires").is_none());
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn table_shows_suppressed_findings_apart_with_reasons_and_warnings() {
    let out = render_table_with(
        &mixed(),
        TableOptions {
            color: false,
            width: Some(120),
        },
    );
    insta::assert_snapshot!(out);
}
