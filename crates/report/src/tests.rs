use eksposture_model::{
    CheckKind, Evidence, Finding, Gap, GapReason, Inventory, ResourceRef, ScanInfo, Severity,
    Status,
};
use serde_json::Value;

use crate::{build, render_json, render_table_with, Report, TableOptions};

const ACCOUNT: &str = "111122223333";

/// The kind the registry declares for `check_id` (configuration for ids it
/// does not know), as a finding of that check carries it.
pub(crate) fn kind_of(check_id: &str) -> CheckKind {
    eksposture_checks::find(check_id).map_or(CheckKind::Configuration, |c| c.meta.kind)
}

fn inventory(regions: &[&str], gaps: Vec<Gap>) -> Inventory {
    Inventory {
        schema_version: "1".into(),
        scan: ScanInfo {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: regions.iter().map(|r| (*r).to_string()).collect(),
            started_at: "2025-01-02T03:04:05Z".into(),
            finished_at: "2025-01-02T03:04:09Z".into(),
        },
        gaps,
        iam: eksposture_model::Iam::default(),
        regions: std::collections::BTreeMap::new(),
    }
}

fn finding(
    check: &str,
    severity: Severity,
    status: Status,
    kind: &str,
    id: &str,
    message: &str,
) -> Finding {
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity,
        kind: crate::tests::kind_of(check),
        status,
        message: message.into(),
        account_id: String::new(),
        resource: ResourceRef::new(kind, id, "us-east-1"),
        evidence: vec![Evidence::new(kind, id, "detail")],
        remediation: "Fix it.".into(),
        compliance: vec!["CIS-EKS-1.8:5.4.1".into()],
        suppressed: None,
    }
}

fn cluster_arn(name: &str) -> String {
    format!("arn:aws:eks:us-east-1:{ACCOUNT}:cluster/{name}")
}

fn sample_findings() -> Vec<Finding> {
    vec![
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Pass,
            "AwsEksCluster",
            &cluster_arn("staging"),
            "the public endpoint is restricted to 203.0.113.0/24",
        ),
        finding(
            "ecr-tags-immutable",
            Severity::Low,
            Status::Fail,
            "AwsEcrRepository",
            &format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/web"),
            "repository web allows tags to be overwritten (MUTABLE)",
        ),
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Fail,
            "AwsEksCluster",
            &cluster_arn("prod"),
            "cluster prod exposes its API endpoint to the internet (0.0.0.0/0)",
        ),
        finding(
            "path-pod-to-node-role",
            Severity::Critical,
            Status::Fail,
            "AwsEksCluster",
            &cluster_arn("prod"),
            "any pod on nodegroup workers can reach IMDS (hop limit 2) and become role eks-node-admin, which grants AdministratorAccess",
        ),
        finding(
            "eks-secrets-encrypted",
            Severity::Medium,
            Status::Unknown,
            "AwsEksCluster",
            &cluster_arn("legacy"),
            "the cluster configuration could not be read (access_denied: DescribeCluster)",
        ),
    ]
}

fn sample_gaps() -> Vec<Gap> {
    vec![
        Gap::new(
            "eks",
            "us-east-1",
            "ListAccessEntries",
            GapReason::NotSupported,
            "HTTP 404 with no AWS error code: the endpoint does not implement this operation",
        ),
        Gap::new(
            "eks",
            "us-east-1",
            "DescribeCluster",
            GapReason::AccessDenied,
            "AccessDeniedException: User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-east-1:111122223333:cluster/legacy",
        ),
    ]
}

fn sample() -> Report {
    build(
        &inventory(&["us-east-1"], sample_gaps()),
        sample_findings(),
        "0.1.0",
    )
}

fn plain(report: &Report) -> String {
    render_table_with(
        report,
        TableOptions {
            color: false,
            width: Some(120),
        },
    )
}

#[test]
fn findings_are_ordered_by_severity_then_status_then_check_then_resource() {
    let r = sample();
    let order: Vec<(Severity, Status, &str)> = r
        .findings
        .iter()
        .map(|f| (f.severity, f.status, f.check_id.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (Severity::Critical, Status::Fail, "path-pod-to-node-role"),
            (
                Severity::High,
                Status::Fail,
                "eks-endpoint-not-open-to-world"
            ),
            (
                Severity::High,
                Status::Pass,
                "eks-endpoint-not-open-to-world"
            ),
            (Severity::Medium, Status::Unknown, "eks-secrets-encrypted"),
            (Severity::Low, Status::Fail, "ecr-tags-immutable"),
        ]
    );
}

#[test]
fn order_does_not_depend_on_input_order() {
    let mut reversed = sample_findings();
    reversed.reverse();
    let a = build(&inventory(&["us-east-1"], sample_gaps()), reversed, "0.1.0");
    assert_eq!(a, sample());
}

#[test]
fn summary_counts_statuses_and_failing_severities() {
    let s = sample().summary;
    assert_eq!((s.fail, s.pass, s.unknown), (3, 1, 1));
    assert_eq!(
        (
            s.by_severity.critical,
            s.by_severity.high,
            s.by_severity.medium,
            s.by_severity.low,
            s.by_severity.informational
        ),
        (1, 1, 0, 1, 0)
    );
}

#[test]
fn threshold_counts_only_failures_at_or_above_it() {
    let r = sample();
    assert!(r.fails_at_or_above(Severity::Critical));
    let only_low = build(
        &inventory(&["us-east-1"], vec![]),
        vec![sample_findings().swap_remove(1)],
        "0.1.0",
    );
    assert!(only_low.fails_at_or_above(Severity::Low));
    assert!(!only_low.fails_at_or_above(Severity::Medium));
    assert!(only_low.is_complete());
    assert!(!r.is_complete());
}

#[test]
fn gaps_come_from_the_inventory_sorted_and_deduplicated() {
    let mut gaps = sample_gaps();
    gaps.push(gaps[0].clone());
    let r = build(&inventory(&["us-east-1"], gaps), vec![], "0.1.0");
    let ops: Vec<&str> = r.gaps.iter().map(|g| g.operation.as_str()).collect();
    assert_eq!(ops, ["DescribeCluster", "ListAccessEntries"]);
}

#[test]
fn json_matches_snapshot() {
    insta::assert_snapshot!(render_json(&sample()));
}

#[test]
fn json_ends_with_newline_and_reads_back() {
    let json = render_json(&sample());
    assert!(json.ends_with("}\n"));
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sample());
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn json_has_exactly_the_contract_keys() {
    let v: Value = serde_json::from_str(&render_json(&sample())).unwrap();
    let mut top = keys(&v);
    top.sort_unstable();
    assert_eq!(
        top,
        [
            "findings",
            "gaps",
            "scan",
            "schema_version",
            "summary",
            "tool"
        ]
    );
    assert_eq!(v["schema_version"], "1");
    assert_eq!(keys(&v["tool"]), ["name", "version"]);
    assert_eq!(v["tool"]["name"], "eksposture");
    let mut scan = keys(&v["scan"]);
    scan.sort_unstable();
    assert_eq!(
        scan,
        [
            "account_id",
            "finished_at",
            "partition",
            "regions",
            "started_at"
        ]
    );
    let mut summary = keys(&v["summary"]);
    summary.sort_unstable();
    assert_eq!(
        summary,
        ["by_severity", "fail", "pass", "suppressed", "unknown"]
    );
    let mut sev = keys(&v["summary"]["by_severity"]);
    sev.sort_unstable();
    assert_eq!(sev, ["critical", "high", "informational", "low", "medium"]);
    let mut gap = keys(&v["gaps"][0]);
    gap.sort_unstable();
    assert_eq!(gap, ["message", "operation", "reason", "region", "service"]);
    assert_eq!(v["gaps"][1]["reason"], "not_supported");
    // The first finding is the attack path, which adds `tactic` and `entry`.
    let f = &v["findings"][0];
    assert_eq!(f["check_id"], "path-pod-to-node-role");
    let mut finding = keys(f);
    finding.sort_unstable();
    assert_eq!(
        finding,
        [
            "account_id",
            "check_id",
            "compliance",
            "entry",
            "evidence",
            "kind",
            "message",
            "remediation",
            "resource",
            "severity",
            "status",
            "tactic",
            "title"
        ]
    );
    let mut resource = keys(&f["resource"]);
    resource.sort_unstable();
    assert_eq!(resource, ["id", "region", "type"]);
    let mut evidence = keys(&f["evidence"][0]);
    evidence.sort_unstable();
    assert_eq!(evidence, ["detail", "id", "type"]);
    assert_eq!(f["status"], "fail");
    assert_eq!(f["severity"], "critical");
}

#[test]
fn by_severity_lists_every_level_even_without_failures() {
    let r = build(&inventory(&["us-east-1"], vec![]), vec![], "0.1.0");
    let v: Value = serde_json::to_value(&r).unwrap();
    for level in ["critical", "high", "medium", "low", "informational"] {
        assert_eq!(v["summary"]["by_severity"][level], 0, "{level}");
    }
}

#[test]
fn table_matches_snapshot() {
    insta::assert_snapshot!(plain(&sample()));
}

#[test]
fn table_without_failures_says_so() {
    let passing = vec![sample_findings().swap_remove(0)];
    let r = build(&inventory(&["us-east-1"], vec![]), passing, "0.1.0");
    insta::assert_snapshot!(plain(&r));
}

#[test]
fn checks_left_out_by_an_option_are_named_in_the_summary_and_the_json() {
    let mut r = sample();
    for id in ["kubernetes-pod-not-privileged", "kubernetes-pod-non-root"] {
        r.summary.skipped.push(crate::Skipped {
            check: id.into(),
            by: "--no-kubernetes".into(),
        });
    }
    assert!(plain(&r).contains("\nNot run (--no-kubernetes): 2 Kubernetes checks\n"));
    assert!(!plain(&sample()).contains("Not run"));
    let v: Value = serde_json::from_str(&render_json(&r)).unwrap();
    assert_eq!(
        v["summary"]["skipped"][1]["check"],
        "kubernetes-pod-non-root"
    );
    let none: Value = serde_json::from_str(&render_json(&sample())).unwrap();
    assert!(
        none["summary"].get("skipped").is_none(),
        "absent when nothing was skipped"
    );
}

#[test]
fn table_shows_a_region_column_for_multi_region_scans() {
    let r = build(
        &inventory(&["eu-west-1", "us-east-1"], vec![]),
        sample_findings(),
        "0.1.0",
    );
    insta::assert_snapshot!(plain(&r));
}

#[test]
fn table_lines_fit_the_width() {
    let out = plain(&sample());
    for line in out
        .lines()
        .filter(|l| l.starts_with(['│', '╞', '├', '┌', '└', '╭', '╰']))
    {
        assert!(line.chars().count() <= 120, "{line}");
    }
}

#[test]
fn table_has_no_escape_codes_without_colour() {
    assert!(!plain(&sample()).contains('\x1b'));
}

#[test]
fn table_colours_severities_when_asked() {
    let out = render_table_with(
        &sample(),
        TableOptions {
            color: true,
            width: Some(120),
        },
    );
    assert!(out.contains("\x1b["));
}

#[test]
fn csv_parses_back_to_one_row_per_finding() {
    let mut report = sample();
    report.findings[0].message = "says \"hi\", then\nbreaks =1".into();
    report.findings[1].suppressed = Some(eksposture_model::Suppression {
        reason: "accepted, see SEC-1".into(),
        expires: Some("2026-12-31".into()),
        entry: "eksposture.toml#1".into(),
    });
    let text = crate::render_csv(&report);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, crate::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), report.findings.len());
    let col = column;
    for (row, f) in rows.iter().zip(&report.findings) {
        assert_eq!(&row[col("check_id")], f.check_id);
        assert_eq!(&row[col("resource_id")], f.resource.id);
        assert_eq!(&row[col("status")], f.status.as_str());
        assert_eq!(&row[col("account_id")], ACCOUNT);
    }
    assert_eq!(&rows[0][col("message")], "says \"hi\", then\nbreaks =1");
    assert_eq!(&rows[1][col("suppressed")], "true");
    assert_eq!(&rows[1][col("suppression_reason")], "accepted, see SEC-1");
    assert_eq!(&rows[1][col("suppression_expires")], "2026-12-31");
    assert_eq!(&rows[2][col("suppressed")], "false");
    assert_eq!(
        &rows[0][col("evidence")],
        format!("AwsEksCluster {}: detail", report.findings[0].resource.id)
    );
    assert_eq!(&rows[0][col("compliance")], "CIS-EKS-1.8:5.4.1");
}

fn column(name: &str) -> usize {
    crate::CSV_COLUMNS
        .iter()
        .position(|c| *c == name)
        .expect("a CSV column")
}

/// Renderers learn what kind a check is from its findings, so that a new
/// check needs no edit here: the crate's own code names no check id.
#[test]
fn the_source_names_no_check_id() {
    let patterns = [
        "\"eks-",
        "\"ec2-",
        "\"iam-",
        "\"ecr-",
        "\"ecs-",
        "\"inspector-",
        "\"path-",
        "starts_with(\"path",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut pending = vec![root];
    let mut read = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "snapshots" {
                    pending.push(path);
                }
                continue;
            }
            let source = path.extension().is_some_and(|e| e == "rs" || e == "js");
            if name == "tests.rs" || !source {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Test modules use real check ids as data.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            read += 1;
            for p in patterns {
                // `\"ecr-...` inside a string is prose (a help text's
                // example), not a literal the code matches on.
                let literal = code
                    .match_indices(p)
                    .any(|(i, _)| !code[..i].ends_with('\\'));
                assert!(
                    !literal,
                    "{} names a check id ({p}); give the check a kind instead",
                    path.display()
                );
            }
        }
    }
    assert!(read > 10, "read only {read} source files");
}
