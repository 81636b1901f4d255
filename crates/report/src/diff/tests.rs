use eksposture_model::{
    Evidence, Finding, Inventory, ResourceRef, ScanInfo, Severity, Status, Suppression,
};

use super::{diff, render_diff_json, render_diff_table, Absence, Change, Diff, DiffError, State};
use crate::{build, render_json, render_table_with, Report, TableOptions};

const ACCOUNT: &str = "111122223333";
const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

fn report(regions: &[&str], started: &str, findings: Vec<Finding>) -> Report {
    report_of(ACCOUNT, regions, started, findings)
}

fn report_of(account: &str, regions: &[&str], started: &str, findings: Vec<Finding>) -> Report {
    let inventory = Inventory {
        schema_version: "1".into(),
        scan: ScanInfo {
            account_id: account.into(),
            partition: "aws".into(),
            regions: regions.iter().map(|r| (*r).to_string()).collect(),
            started_at: started.into(),
            finished_at: started.replace(":00Z", ":09Z"),
        },
        gaps: Vec::new(),
        iam: eksposture_model::Iam::default(),
        regions: std::collections::BTreeMap::new(),
    };
    build(&inventory, findings, "0.1.0")
}

fn old(findings: Vec<Finding>) -> Report {
    report(&[EAST], "2025-01-01T00:00:00Z", findings)
}

fn new(findings: Vec<Finding>) -> Report {
    report(&[EAST], "2025-02-01T00:00:00Z", findings)
}

fn repo(name: &str) -> String {
    format!("arn:aws:ecr:{EAST}:{ACCOUNT}:repository/{name}")
}

fn cluster(region: &str, name: &str) -> String {
    format!("arn:aws:eks:{region}:{ACCOUNT}:cluster/{name}")
}

const MUTABLE: &str = "ecr-tags-immutable";
const OPEN: &str = "eks-endpoint-not-open-to-world";

fn severity_of(check: &str) -> Severity {
    match check {
        OPEN => Severity::High,
        MUTABLE => Severity::Low,
        _ => Severity::Medium,
    }
}

fn f(check: &str, id: &str, status: Status) -> Finding {
    let region = id.split(':').nth(3).unwrap_or("global").to_string();
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity: severity_of(check),
        kind: crate::tests::kind_of(check),
        status,
        message: format!("{status} on {}", id.rsplit(':').next().unwrap_or(id)),
        account_id: String::new(),
        resource: ResourceRef::new("AwsResource", id, region),
        evidence: vec![Evidence::new("AwsResource", id, "detail")],
        remediation: "Fix it.".into(),
        compliance: Vec::new(),
        suppressed: None,
    }
}

fn suppressed(mut finding: Finding) -> Finding {
    finding.suppressed = Some(Suppression {
        reason: "accepted until the migration".into(),
        expires: Some("2025-06-30".into()),
        entry: "eksposture.toml#1".into(),
    });
    finding
}

fn run(before: Vec<Finding>, after: Vec<Finding>) -> Diff {
    diff(&old(before), &new(after)).unwrap()
}

fn ids(list: &[Change]) -> Vec<(&str, &str)> {
    list.iter()
        .map(|c| (c.check_id.as_str(), c.resource.id.as_str()))
        .collect()
}

fn only(list: &[Change]) -> &Change {
    assert_eq!(list.len(), 1, "{list:#?}");
    &list[0]
}

#[test]
fn a_failure_of_a_resource_not_reported_before_is_new() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
        vec![
            f(MUTABLE, &repo("web"), Status::Fail),
            f(MUTABLE, &repo("api"), Status::Fail),
        ],
    );
    let c = only(&d.new);
    assert_eq!(c.resource.id, repo("api"));
    assert_eq!((c.before, c.after), (State::Absent, State::Fail));
    assert_eq!(c.absent_because, Some(Absence::ResourceNotReported));
    assert_eq!(ids(&d.unchanged), [(MUTABLE, repo("web").as_str())]);
    assert_eq!((d.counts.new, d.counts.unchanged), (1, 1));
}

#[test]
fn a_failure_that_passed_or_was_unknown_before_is_new() {
    let d = run(
        vec![
            f(MUTABLE, &repo("api"), Status::Pass),
            f(MUTABLE, &repo("web"), Status::Unknown),
        ],
        vec![
            f(MUTABLE, &repo("api"), Status::Fail),
            f(MUTABLE, &repo("web"), Status::Fail),
        ],
    );
    let before: Vec<State> = d.new.iter().map(|c| c.before).collect();
    assert_eq!(before, [State::Pass, State::Unknown]);
    assert!(d.new.iter().all(|c| c.absent_because.is_none()));
}

#[test]
fn a_failure_of_a_check_absent_before_says_the_check_was_not_reported() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Pass)],
        vec![
            f(MUTABLE, &repo("web"), Status::Pass),
            f(OPEN, &cluster(EAST, "prod"), Status::Fail),
        ],
    );
    assert_eq!(only(&d.new).absent_because, Some(Absence::CheckNotReported));
}

#[test]
fn a_failure_in_a_region_not_scanned_before_says_so() {
    let before = old(vec![f(OPEN, &cluster(EAST, "prod"), Status::Fail)]);
    let after = report(
        &[WEST, EAST],
        "2025-02-01T00:00:00Z",
        vec![
            f(OPEN, &cluster(EAST, "prod"), Status::Fail),
            f(OPEN, &cluster(WEST, "eu"), Status::Fail),
        ],
    );
    let d = diff(&before, &after).unwrap();
    let c = only(&d.new);
    assert_eq!(c.resource.id, cluster(WEST, "eu"));
    assert_eq!(c.absent_because, Some(Absence::RegionNotScanned));
}

#[test]
fn a_failure_that_passes_now_is_resolved() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
        vec![f(MUTABLE, &repo("web"), Status::Pass)],
    );
    let c = only(&d.resolved);
    assert_eq!((c.before, c.after), (State::Fail, State::Pass));
    assert_eq!(c.message, "fail on repository/web");
    assert!(d.new.is_empty() && d.unchanged.is_empty());
}

#[test]
fn a_failure_that_is_unknown_now_is_not_resolved() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
        vec![f(MUTABLE, &repo("web"), Status::Unknown)],
    );
    assert!(d.resolved.is_empty());
    let c = only(&d.now_unknown);
    assert_eq!((c.before, c.after), (State::Fail, State::Unknown));
    assert_eq!(c.message, "unknown on repository/web");
}

#[test]
fn a_failure_covered_by_a_region_wide_unknown_is_unknown_now_not_gone() {
    let wildcard = format!("arn:aws:eks:{EAST}:{ACCOUNT}:cluster/*");
    let d = run(
        vec![f(OPEN, &cluster(EAST, "prod"), Status::Fail)],
        vec![f(OPEN, &wildcard, Status::Unknown)],
    );
    assert!(d.gone.is_empty() && d.resolved.is_empty());
    let c = only(&d.now_unknown);
    assert_eq!(c.resource.id, cluster(EAST, "prod"));
    assert_eq!(c.after, State::Unknown);
    assert_eq!(c.message, "unknown on cluster/*");
}

#[test]
fn a_failing_resource_no_longer_reported_is_gone_not_resolved() {
    let d = run(
        vec![
            f(MUTABLE, &repo("web"), Status::Fail),
            f(MUTABLE, &repo("api"), Status::Fail),
        ],
        vec![f(MUTABLE, &repo("api"), Status::Fail)],
    );
    assert!(d.resolved.is_empty());
    let c = only(&d.gone);
    assert_eq!(c.resource.id, repo("web"));
    assert_eq!((c.before, c.after), (State::Fail, State::Absent));
    assert_eq!(c.absent_because, Some(Absence::ResourceNotReported));
}

#[test]
fn a_check_not_reported_now_is_told_apart_from_a_gone_resource() {
    let d = run(
        vec![
            f(MUTABLE, &repo("web"), Status::Fail),
            f(OPEN, &cluster(EAST, "prod"), Status::Fail),
        ],
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
    );
    let c = only(&d.gone);
    assert_eq!(c.check_id, OPEN);
    assert_eq!(c.absent_because, Some(Absence::CheckNotReported));
}

#[test]
fn a_region_not_scanned_now_is_gone_for_that_reason() {
    let before = report(
        &[WEST, EAST],
        "2025-01-01T00:00:00Z",
        vec![
            f(OPEN, &cluster(EAST, "prod"), Status::Fail),
            f(OPEN, &cluster(WEST, "eu"), Status::Fail),
        ],
    );
    let after = new(vec![f(OPEN, &cluster(EAST, "prod"), Status::Fail)]);
    let d = diff(&before, &after).unwrap();
    let c = only(&d.gone);
    assert_eq!(c.resource.id, cluster(WEST, "eu"));
    assert_eq!(c.absent_because, Some(Absence::RegionNotScanned));
}

#[test]
fn a_suppressed_failure_counts_as_not_failing() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
        vec![suppressed(f(MUTABLE, &repo("web"), Status::Fail))],
    );
    assert!(d.resolved.is_empty() && d.unchanged.is_empty() && d.new.is_empty());
    let c = only(&d.now_suppressed);
    assert_eq!((c.before, c.after), (State::Fail, State::Suppressed));
    assert_eq!(c.suppression.as_ref().unwrap().entry, "eksposture.toml#1");
}

#[test]
fn a_suppression_that_no_longer_applies_makes_the_failure_new() {
    let d = run(
        vec![suppressed(f(MUTABLE, &repo("web"), Status::Fail))],
        vec![f(MUTABLE, &repo("web"), Status::Fail)],
    );
    let c = only(&d.new);
    assert_eq!((c.before, c.after), (State::Suppressed, State::Fail));
    assert_eq!(
        c.suppression.as_ref().unwrap().reason,
        "accepted until the migration"
    );
    assert!(d.new_at_or_above(Severity::Low));
}

#[test]
fn states_that_never_fail_are_not_changes() {
    let d = run(
        vec![
            f(MUTABLE, &repo("a"), Status::Pass),
            f(MUTABLE, &repo("b"), Status::Unknown),
            suppressed(f(MUTABLE, &repo("c"), Status::Fail)),
            f(MUTABLE, &repo("d"), Status::Pass),
        ],
        vec![
            f(MUTABLE, &repo("a"), Status::Pass),
            f(MUTABLE, &repo("b"), Status::Pass),
            suppressed(f(MUTABLE, &repo("c"), Status::Fail)),
            f(MUTABLE, &repo("e"), Status::Unknown),
        ],
    );
    assert_eq!(d.counts, super::DiffCounts::default());
}

#[test]
fn the_most_alarming_finding_speaks_for_a_repeated_key() {
    let d = run(
        vec![f(MUTABLE, &repo("web"), Status::Pass)],
        vec![
            f(MUTABLE, &repo("web"), Status::Pass),
            f(MUTABLE, &repo("web"), Status::Fail),
            f(MUTABLE, &repo("web"), Status::Unknown),
        ],
    );
    assert_eq!(only(&d.new).after, State::Fail);
}

#[test]
fn reports_of_different_accounts_are_refused() {
    let other = report_of("444455556666", &[EAST], "2025-02-01T00:00:00Z", vec![]);
    let e = diff(&old(vec![]), &other).unwrap_err();
    assert_eq!(
        e,
        DiffError::AccountMismatch {
            old: "111122223333 (aws)".into(),
            new: "444455556666 (aws)".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "the reports are of different accounts (old: 111122223333 (aws), new: 444455556666 (aws)); a diff compares two scans of one account"
    );
}

#[test]
fn new_at_or_above_follows_the_threshold() {
    let d = run(vec![], vec![f(MUTABLE, &repo("web"), Status::Fail)]);
    assert!(d.new_at_or_above(Severity::Low));
    assert!(!d.new_at_or_above(Severity::Medium));
    let b = d.into_baseline();
    assert!(b.new_at_or_above(Severity::Informational));
    assert!(!b.new_at_or_above(Severity::High));
}

fn mixed() -> (Vec<Finding>, Vec<Finding>) {
    let before = vec![
        f(MUTABLE, &repo("fixed"), Status::Fail),
        f(MUTABLE, &repo("kept"), Status::Fail),
        f(MUTABLE, &repo("deleted"), Status::Fail),
        f(OPEN, &cluster(EAST, "prod"), Status::Fail),
        f(OPEN, &cluster(EAST, "dev"), Status::Pass),
        f(MUTABLE, &repo("waived"), Status::Fail),
    ];
    let after = vec![
        f(MUTABLE, &repo("fixed"), Status::Pass),
        f(MUTABLE, &repo("kept"), Status::Fail),
        f(MUTABLE, &repo("added"), Status::Fail),
        f(OPEN, &cluster(EAST, "prod"), Status::Unknown),
        f(OPEN, &cluster(EAST, "dev"), Status::Fail),
        suppressed(f(MUTABLE, &repo("waived"), Status::Fail)),
    ];
    (before, after)
}

#[test]
fn lists_are_sorted_by_severity_then_check_then_resource() {
    let (before, after) = mixed();
    let d = run(before, after);
    assert_eq!(
        ids(&d.new),
        [
            (OPEN, cluster(EAST, "dev").as_str()),
            (MUTABLE, repo("added").as_str())
        ]
    );
}

#[test]
fn the_diff_does_not_depend_on_input_order() {
    let (mut before, mut after) = mixed();
    let a = run(before.clone(), after.clone());
    before.reverse();
    after.rotate_left(2);
    let b = run(before, after);
    assert_eq!(a, b);
    assert_eq!(render_diff_json(&a), render_diff_json(&b));
}

#[test]
fn json_reads_back_and_names_every_category() {
    let (before, after) = mixed();
    let d = run(before, after);
    let json = render_diff_json(&d);
    assert!(json.ends_with("}\n"));
    let back: Diff = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["counts"],
        serde_json::json!({"new": 2, "resolved": 1, "gone": 1, "now_unknown": 1,
                           "now_suppressed": 1, "unchanged": 1})
    );
    assert_eq!(v["gone"][0]["absent_because"], "resource_not_reported");
    assert!(v["new"][0].get("absent_because").is_none());
}

#[test]
fn json_matches_snapshot() {
    let (before, after) = mixed();
    insta::assert_snapshot!(render_diff_json(&run(before, after)));
}

fn plain(d: &Diff) -> String {
    render_diff_table(
        d,
        TableOptions {
            color: false,
            width: Some(120),
        },
    )
}

#[test]
fn table_matches_snapshot() {
    let (before, after) = mixed();
    let mut d = run(before, after);
    d.old_scan.file = Some("old.json".into());
    d.new_scan.file = Some("new.json".into());
    insta::assert_snapshot!(plain(&d));
}

#[test]
fn table_without_changes_says_so() {
    let same = vec![f(MUTABLE, &repo("web"), Status::Fail)];
    let out = plain(&run(same.clone(), same));
    assert!(out.contains("No failing finding changed."), "{out}");
    assert!(
        out.contains(
            "Changes: 0 new, 0 resolved, 0 gone, 0 unknown now, 0 suppressed now, 1 unchanged"
        ),
        "{out}"
    );
    assert!(!out.contains("not counted as resolved"), "{out}");
}

#[test]
fn table_colours_only_when_asked() {
    let (before, after) = mixed();
    let d = run(before, after);
    assert!(!plain(&d).contains('\x1b'));
    let coloured = render_diff_table(
        &d,
        TableOptions {
            color: true,
            width: Some(120),
        },
    );
    assert!(coloured.contains('\x1b'));
}

fn audited_with_baseline() -> Report {
    let (before, after) = mixed();
    let before = old(before);
    let mut after = new(after);
    let mut d = diff(&before, &after).unwrap();
    d.old_scan.file = Some("baseline.json".into());
    after.diff = Some(d.into_baseline());
    after
}

#[test]
fn report_table_marks_new_failures_and_sums_up_the_diff() {
    let out = render_table_with(
        &audited_with_baseline(),
        TableOptions {
            color: false,
            width: Some(120),
        },
    );
    insta::assert_snapshot!(out);
}

#[test]
fn report_with_a_diff_section_reads_back() {
    let r = audited_with_baseline();
    let json = render_json(&r);
    let back = crate::parse_report("r.json", &json).unwrap();
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut keys: Vec<&str> = v["diff"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "baseline",
            "counts",
            "gone",
            "new",
            "now_suppressed",
            "now_unknown",
            "resolved"
        ]
    );
    assert_eq!(v["diff"]["baseline"]["file"], "baseline.json");
    assert_eq!(v["diff"]["baseline"]["started_at"], "2025-01-01T00:00:00Z");
}

#[test]
fn report_without_a_baseline_has_no_diff_key() {
    let json = render_json(&new(vec![]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.get("diff").is_none());
}

#[test]
fn each_finding_of_an_audited_report_knows_its_change() {
    let r = audited_with_baseline();
    let b = r.diff.as_ref().unwrap();
    let mut changes: Vec<(String, Option<&str>)> = r
        .findings
        .iter()
        .map(|f| (f.message.clone(), b.change_of(f)))
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        [
            ("fail on cluster/dev".to_string(), Some("new")),
            ("fail on repository/added".to_string(), Some("new")),
            ("fail on repository/kept".to_string(), Some("unchanged")),
            (
                "fail on repository/waived".to_string(),
                Some("now_suppressed")
            ),
            ("pass on repository/fixed".to_string(), Some("resolved")),
            ("unknown on cluster/prod".to_string(), Some("now_unknown")),
        ]
    );
}

#[test]
fn csv_carries_the_baseline_change() {
    let column = |r: &Report| {
        let text = crate::render_csv(r);
        let header = text.lines().next().unwrap().to_string();
        assert!(header.ends_with(",baseline_change"), "{header}");
        text.lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let mut with = column(&audited_with_baseline());
    with.sort();
    assert_eq!(
        with,
        [
            "new",
            "new",
            "now_suppressed",
            "now_unknown",
            "resolved",
            "unchanged"
        ]
    );
    let (_, after) = mixed();
    assert!(column(&new(after)).iter().all(String::is_empty));
}
