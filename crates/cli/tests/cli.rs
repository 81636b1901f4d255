//! The `eksposture` binary as users and scripts see it: arguments, output
//! streams, files and exit codes. Offline only: every AWS setting is pointed
//! at nothing.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const CHECK: &str = "eks-endpoint-not-open-to-world";
const CLUSTER_ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/prod";

fn eksposture() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eksposture"));
    c.env("AWS_CONFIG_FILE", "/nonexistent/eksposture-tests/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/eksposture-tests/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "EKSPOSTURE_OUTPUT",
        "EKSPOSTURE_FAIL_ON",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str]) -> Output {
    eksposture().args(args).output().expect("the binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The one `error: ...` line a failed command prints.
fn one_error_line(o: &Output) -> String {
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    lines[0].to_string()
}

fn inventory(gaps: &str) -> String {
    format!(
        r#"{{"schema_version": "1",
  "scan": {{"account_id": "111122223333", "partition": "aws", "regions": ["us-east-1"],
           "started_at": "2025-01-02T03:04:05Z", "finished_at": "2025-01-02T03:04:09Z"}},
  "gaps": [{gaps}],
  "regions": {{"us-east-1": {{"clusters": {{"known": [{{"name": "prod",
    "arn": "{CLUSTER_ARN}",
    "config": {{"known": {{"endpoint_public_access": true, "public_access_cidrs": ["0.0.0.0/0"]}}}}}}]}}}}}}}}"#
    )
}

const A_GAP: &str = r#"{"service": "eks", "region": "us-east-1", "operation": "ListAccessEntries",
  "reason": "not_supported", "message": "HTTP 404 with no AWS error code"}"#;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn version_prints_name_and_version() {
    let o = run(&["--version"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o),
        format!("eksposture {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn checks_lists_the_registry() {
    let o = run(&["checks"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with(CHECK))
        .expect("check listed");
    assert!(line.contains("high"), "{line}");
}

#[test]
fn checks_as_json_carries_the_metadata() {
    let o = run(&["checks", "--output", "json"]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == CHECK)
        .unwrap();
    assert_eq!(c["severity"], "high");
    assert_eq!(c["resource_type"], "AwsEksCluster");
    assert!(c["title"].as_str().unwrap().contains("should"));
    assert!(c["compliance"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "AWS-FSBP:EKS.1"));
}

#[test]
fn explain_prints_the_documentation() {
    let o = run(&["explain", CHECK]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("## What it checks"), "{out}");
    assert!(out.contains("## Remediation"), "{out}");
}

#[test]
fn explain_of_an_unknown_id_is_a_usage_error() {
    let o = run(&["explain", "nope"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        one_error_line(&o),
        "error: unknown check id \"nope\" (run `eksposture checks` to list them)"
    );
}

#[test]
fn unknown_check_id_is_rejected_before_anything_is_read() {
    let o = run(&["audit", "--checks", "nope", "--inventory", "x.json"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        one_error_line(&o),
        "error: unknown check id \"nope\" (run `eksposture checks` to list them)"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn failing_finding_exits_3_with_the_finding_in_json() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--output", "json"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema_version"], "1");
    assert_eq!(v["scan"]["account_id"], "111122223333");
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == CHECK)
        .expect("finding present");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["resource"]["id"], CLUSTER_ARN);
    assert!(v["summary"]["by_severity"]["high"].as_u64().unwrap() >= 1);
}

#[test]
fn fail_on_never_exits_0_when_complete() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--fail-on", "never"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn fail_on_never_exits_4_when_the_scan_has_gaps() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(A_GAP));
    let o = run(&["audit", "--inventory", &inv, "--fail-on", "never"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stdout(&o).contains("ListAccessEntries"));
}

#[test]
fn failures_below_the_threshold_do_not_fail_the_run() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--fail-on",
        "critical",
        "--checks",
        CHECK,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["audit", "--inventory", &inv, "--fail-on", "critical"]);
    assert_ne!(code(&o), 3);
}

#[test]
fn failures_at_the_threshold_fail_the_run_even_with_gaps() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(A_GAP));
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--fail-on",
        "high",
        "--checks",
        CHECK,
    ]);
    assert_eq!(code(&o), 3);
}

#[test]
fn table_report_names_the_resource_without_colour_when_piped() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--checks", CHECK]);
    assert_eq!(code(&o), 3);
    let out = stdout(&o);
    assert!(out.contains("cluster/prod") && out.contains(CHECK), "{out}");
    assert!(out.contains("account 111122223333"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn malformed_inventory_is_one_line_naming_file_and_position() {
    let fx = Fixture::new();
    let inv = fx.file(
        "broken.json",
        "{\n  \"schema_version\": \"1\",\n  oops\n}\n",
    );
    let o = run(&["audit", "--inventory", &inv]);
    assert_eq!(code(&o), 2);
    let line = one_error_line(&o);
    assert!(
        line.contains("broken.json") && line.contains("line 3 column 3"),
        "{line}"
    );
}

#[test]
fn wrong_schema_version_is_a_usage_error() {
    let fx = Fixture::new();
    let inv = fx.file(
        "inventory.json",
        &inventory("").replacen("\"1\"", "\"7\"", 1),
    );
    let o = run(&["audit", "--inventory", &inv]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        one_error_line(&o),
        format!("error: {inv} has schema_version \"7\"; this eksposture reads \"1\" — re-run eksposture collect")
    );
}

#[test]
fn missing_inventory_file_is_a_usage_error() {
    let o = run(&["audit", "--inventory", "/nonexistent/inventory.json"]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o).contains("cannot read inventory /nonexistent/inventory.json"));
}

#[test]
fn inventory_with_aws_flags_is_a_usage_error() {
    let o = run(&["audit", "--inventory", "x.json", "--region", "us-east-1"]);
    assert_eq!(code(&o), 2);
    let o = run(&["audit", "--inventory", "x.json", "--profile", "prod"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let out = fx.path("report.json");
    fs::write(&out, "previous report").unwrap();
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "json",
        "--output-file",
        &out,
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let v: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["tool"]["name"], "eksposture");
    assert_eq!(entries(fx.dir.path()), ["inventory.json", "report.json"]);
}

#[test]
fn several_outputs_go_into_the_output_directory() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let dir = fx.path("out/daily");
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "table,json",
        "--output",
        "csv",
        "--output-dir",
        &dir,
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let dir = Path::new(&dir);
    assert_eq!(
        entries(dir),
        ["eksposture.csv", "eksposture.json", "eksposture.txt"]
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("eksposture.json")).unwrap()).unwrap();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check_id"] == CHECK && f["status"] == "fail"));
    let table = fs::read_to_string(dir.join("eksposture.txt")).unwrap();
    assert!(
        table.contains("account 111122223333") && !table.contains('\u{1b}'),
        "{table}"
    );
    let csv = fs::read_to_string(dir.join("eksposture.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let at = |row: &csv::StringRecord, name: &str| {
        row[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    let fails: Vec<_> = rows.iter().filter(|r| at(r, "status") == "fail").collect();
    assert_eq!(Some(fails.len() as u64), json["summary"]["fail"].as_u64());
    assert!(fails
        .iter()
        .any(|r| at(r, "check_id") == CHECK && at(r, "resource_id") == CLUSTER_ARN));
    assert_eq!(rows.len(), json["findings"].as_array().unwrap().len());
}

#[test]
fn csv_goes_to_stdout_alone() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--output", "csv"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("account_id,partition,region,check_id,"));
}

#[test]
fn several_outputs_without_a_directory_are_a_usage_error() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--output", "table,json"]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o).contains("--output-dir"));
    let out = fx.path("r.json");
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "table,json",
        "--output-file",
        &out,
    ]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o).contains("--output-file takes one format"));
    assert_eq!(entries(fx.dir.path()), ["inventory.json"]);
}

#[test]
fn output_file_in_a_missing_directory_fails_and_leaves_nothing() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let out = fx.path("missing/report.json");
    let o = run(&["audit", "--inventory", &inv, "--output-file", &out]);
    assert_eq!(code(&o), 2);
    let line = one_error_line(&o);
    assert!(line.contains(&out), "{line}");
    assert!(o.stdout.is_empty());
    assert_eq!(entries(fx.dir.path()), ["inventory.json"]);
}

#[test]
fn no_region_anywhere_means_nothing_could_be_scanned() {
    let o = run(&["audit"]);
    assert_eq!(code(&o), 1);
    assert!(one_error_line(&o).contains("region"));
}

#[test]
fn invalid_region_means_nothing_could_be_scanned() {
    let o = run(&["audit", "--region", "moon-base"]);
    assert_eq!(code(&o), 1);
    assert!(one_error_line(&o).contains("moon-base"));
}

#[test]
fn collect_into_a_missing_directory_fails_before_collecting() {
    let o = run(&[
        "collect",
        "--out",
        "/nonexistent/dir/inv.json",
        "--region",
        "us-east-1",
    ]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o).contains("/nonexistent/dir/inv.json"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&["audit", "--fail-on", "sometimes"])), 2);
    assert_eq!(code(&run(&["audit", "--output", "xml"])), 2);
    assert_eq!(code(&run(&["collect"])), 2);
    assert_eq!(code(&run(&["frobnicate"])), 2);
}

#[test]
fn checks_as_markdown_is_the_generated_catalogue() {
    let o = run(&["checks", "--output", "markdown"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md"))
        .expect("docs/checks.md exists");
    assert_eq!(
        stdout(&o),
        docs,
        "docs/checks.md differs from `checks --output markdown`"
    );
}

#[test]
fn compliance_view_maps_findings_to_controls() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "json",
        "--compliance",
        "cis-eks,aws-fsbp",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let views = v["compliance"].as_array().expect("compliance views");
    assert_eq!(views.len(), 2);
    assert_eq!(views[0]["framework"], "CIS-EKS-1.8");
    let control = |view: &Value, id: &str| {
        view["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("control {id}"))
    };
    assert_eq!(control(&views[0], "5.4.1")["status"], "fail");
    assert_eq!(control(&views[0], "3.1.1")["status"], "not_covered");
    assert_eq!(control(&views[1], "EKS.1")["status"], "fail");

    let table = run(&["audit", "--inventory", &inv, "--compliance", "cis-eks"]);
    assert!(stdout(&table).contains("Compliance: CIS Amazon EKS Benchmark v1.8"));
    // Without the flag the report keeps the plain contract.
    let plain = run(&["audit", "--inventory", &inv, "--output", "json"]);
    let v: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    assert!(v.get("compliance").is_none());
}

#[test]
fn unknown_compliance_framework_is_a_usage_error() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--compliance", "sox"]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o).contains("unknown compliance framework \"sox\""));
}

/// The `inventory` fixture with the cluster endpoint open to `cidr`.
fn inventory_open_to(cidr: &str, gaps: &str) -> String {
    inventory(gaps).replace("0.0.0.0/0", cidr)
}

/// Writes the JSON report of an inventory and returns its path.
fn report_of(fx: &Fixture, name: &str, inventory: &str) -> String {
    let inv = fx.file(&format!("{name}.inventory.json"), inventory);
    let out = fx.path(name);
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "json",
        "--output-file",
        &out,
        "--fail-on",
        "never",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    out
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn change_ids(v: &Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("no list {list} in {v}"))
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["check_id"].as_str().unwrap(),
                c["resource"]["id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn diff_shows_a_fix_as_resolved_and_exits_0() {
    let fx = Fixture::new();
    let old = report_of(&fx, "old.json", &inventory(""));
    let new = report_of(&fx, "new.json", &inventory_open_to("203.0.113.0/24", ""));
    let o = run(&["diff", &old, &new, "--output", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        change_ids(&v, "resolved"),
        [format!("{CHECK} {CLUSTER_ARN}")]
    );
    assert_eq!(v["counts"]["new"], 0);
    assert!(v["counts"]["unchanged"].as_u64().unwrap() >= 1);
    assert_eq!(v["old_scan"]["file"], old.as_str());
    let o = run(&["diff", &old, &new]);
    assert_eq!(code(&o), 0);
    let table = stdout(&o);
    assert!(
        table.contains("resolved") && table.contains("cluster/prod") && !table.contains('\u{1b}'),
        "{table}"
    );
}

#[test]
fn diff_exits_3_for_a_new_failure_at_or_above_fail_on() {
    let fx = Fixture::new();
    let old = report_of(&fx, "old.json", &inventory_open_to("203.0.113.0/24", ""));
    let new = report_of(&fx, "new.json", &inventory(""));
    let o = run(&["diff", &old, &new, "--output", "json"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(change_ids(&v, "new"), [format!("{CHECK} {CLUSTER_ARN}")]);
    assert_eq!(v["new"][0]["before"], "pass");
    assert_eq!(code(&run(&["diff", &old, &new, "--fail-on", "high"])), 3);
    assert_eq!(
        code(&run(&["diff", &old, &new, "--fail-on", "critical"])),
        0
    );
    assert_eq!(code(&run(&["diff", &old, &new, "--fail-on", "never"])), 0);
}

#[test]
fn diff_of_bad_files_is_one_line_and_exits_2() {
    let fx = Fixture::new();
    let good = report_of(&fx, "good.json", &inventory(""));
    let inv = fx.file("inv.json", &inventory(""));
    let broken = fx.file("broken.json", "{\n  \"schema_version\": \"1\",\n  oops\n}");
    let other = fx.file(
        "other.json",
        &fs::read_to_string(&good)
            .unwrap()
            .replace("111122223333", "444455556666"),
    );
    for (args, expect) in [
        ([good.as_str(), inv.as_str()], "is an eksposture inventory, not a report"),
        ([broken.as_str(), good.as_str()], "is not valid JSON: key must be a string at line 3 column 3"),
        ([good.as_str(), "/nonexistent/r.json"], "cannot read report /nonexistent/r.json"),
        ([good.as_str(), other.as_str()], "the reports are of different accounts (old: 111122223333 (aws), new: 444455556666 (aws))"),
    ] {
        let o = run(&["diff", args[0], args[1]]);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let line = one_error_line(&o);
        assert!(line.contains(expect), "{line}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn audit_with_a_baseline_adds_the_diff_to_table_json_and_csv() {
    let fx = Fixture::new();
    let old = report_of(&fx, "old.json", &inventory_open_to("203.0.113.0/24", ""));
    let inv = fx.file("inventory.json", &inventory(""));
    let dir = fx.path("out");
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--baseline",
        &old,
        "--output",
        "table,json,csv",
        "--output-dir",
        &dir,
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let dir = Path::new(&dir);
    let v: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("eksposture.json")).unwrap()).unwrap();
    assert_eq!(v["diff"]["baseline"]["file"], old.as_str());
    assert_eq!(
        change_ids(&v["diff"], "new"),
        [format!("{CHECK} {CLUSTER_ARN}")]
    );
    assert_eq!(v["diff"]["counts"]["new"], 1);
    let table = fs::read_to_string(dir.join("eksposture.txt")).unwrap();
    let row = table
        .lines()
        .find(|l| l.contains(CHECK))
        .expect("the failing finding is listed");
    assert!(row.starts_with("│ new "), "{table}");
    assert!(
        table.contains(&format!(
            "Since the baseline {old} (scanned 2025-01-02T03:04:05Z): 1 new,"
        )),
        "{table}"
    );
    let csv = fs::read_to_string(dir.join("eksposture.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |row: &csv::StringRecord, name: &str| {
        row[header.iter().position(|h| h == name).unwrap()].to_string()
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let changes: Vec<(String, String)> = rows
        .iter()
        .filter(|r| !at(r, "baseline_change").is_empty())
        .map(|r| (at(r, "check_id"), at(r, "baseline_change")))
        .collect();
    assert!(
        changes.contains(&(CHECK.to_string(), "new".to_string())),
        "{changes:?}"
    );
    assert!(changes.iter().any(|(_, c)| c == "unchanged"), "{changes:?}");
}

#[test]
fn fail_on_new_counts_only_failures_new_since_the_baseline() {
    let fx = Fixture::new();
    let same = report_of(&fx, "same.json", &inventory(""));
    let older = report_of(&fx, "older.json", &inventory_open_to("203.0.113.0/24", ""));
    let inv = fx.file("inventory.json", &inventory(""));
    let audit = |baseline: &str, extra: &[&str]| {
        let mut args = vec![
            "audit",
            "--inventory",
            &inv,
            "--baseline",
            baseline,
            "--output",
            "json",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // Failing, but nothing new: the baseline already failed the same way.
    assert_eq!(code(&audit(&same, &[])), 3);
    assert_eq!(code(&audit(&same, &["--fail-on-new"])), 0);
    // The open endpoint is new since `older`.
    assert_eq!(code(&audit(&older, &["--fail-on-new"])), 3);
    assert_eq!(
        code(&audit(&older, &["--fail-on-new", "--fail-on", "critical"])),
        0
    );
    // Nothing new but the scan has gaps: still incomplete.
    let gappy = fx.file("gappy.json", &inventory(A_GAP));
    let o = run(&[
        "audit",
        "--inventory",
        &gappy,
        "--baseline",
        &same,
        "--fail-on-new",
    ]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
}

#[test]
fn fail_on_new_without_a_baseline_is_a_usage_error() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    let o = run(&["audit", "--inventory", &inv, "--fail-on-new"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--baseline"), "{}", stderr(&o));
}

#[test]
fn a_bad_baseline_is_refused_before_the_scan() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &inventory(""));
    // No region and no credentials: a scan would exit 1. The baseline is
    // checked first.
    let o = run(&["audit", "--baseline", &inv]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(one_error_line(&o).contains("is an eksposture inventory, not a report"));
}

#[test]
fn a_baseline_of_another_account_is_refused_after_writing_the_report() {
    let fx = Fixture::new();
    let old = report_of(
        &fx,
        "old.json",
        &inventory("").replace("111122223333", "444455556666"),
    );
    let inv = fx.file("inventory.json", &inventory(""));
    let out = fx.path("r.json");
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--baseline",
        &old,
        "--output",
        "json",
        "--output-file",
        &out,
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let line = one_error_line(&o);
    assert!(
        line.contains(&format!(
            "cannot compare with the baseline {old} (the report was written without a diff): the reports are of different accounts"
        )),
        "{line}"
    );
    let written: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["scan"]["account_id"], "111122223333");
    assert!(written.get("diff").is_none());
}

// ------------------------------------------------------------ suppressions

/// The fixture's prod cluster fails eks-endpoint-not-open-to-world,
/// eks-endpoint-private and eks-secrets-encrypted; here it carries a tag.
fn tagged_inventory(gaps: &str) -> String {
    inventory(gaps).replacen(
        r#""public_access_cidrs": ["0.0.0.0/0"]"#,
        r#""public_access_cidrs": ["0.0.0.0/0"], "tags": {"team": "web"}"#,
        1,
    )
}

/// Suppresses all three failures: two by check and ARN glob (the entry
/// expires on the scan's date, 2025-01-02, so it still applies), one by tag.
const SUPPRESS_ALL: &str = r#"
[[suppress]]
check = "eks-endpoint-*"
resource = "arn:aws:eks:*:111122223333:cluster/pro?"
reason = "public API by design, WAF in front (SEC-42)"
expires = 2025-01-02

[[suppress]]
check = "eks-secrets-encrypted"
tags = { team = "web" }
reason = "web team: KMS key arrives with the Q1 rebuild"
"#;

fn run_in(dir: &Path, args: &[&str]) -> Output {
    eksposture()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn finding<'v>(v: &'v Value, check: &str) -> &'v Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == check && f["status"] == "fail")
        .unwrap_or_else(|| panic!("{check} fails"))
}

#[test]
fn suppressing_every_failure_turns_exit_3_into_0_or_4() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &tagged_inventory(""));
    let sup = fx.file("accepted.toml", SUPPRESS_ALL);
    let o = run(&["audit", "--inventory", &inv, "--output", "json"]);
    assert_eq!(code(&o), 3);
    assert_eq!(json(&o)["summary"]["fail"], 3);

    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "json",
        "--suppressions",
        &sup,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let v = json(&o);
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(v["summary"]["suppressed"], 3);
    assert_eq!(v["summary"]["by_severity"]["high"], 0);
    let mark = &finding(&v, CHECK)["suppressed"];
    assert_eq!(mark["entry"], format!("{sup}#1"));
    assert_eq!(mark["expires"], "2025-01-02");
    assert_eq!(
        finding(&v, "eks-secrets-encrypted")["suppressed"]["entry"],
        format!("{sup}#2")
    );
    let s = &v["suppressions"];
    assert_eq!(s["file"], sup.as_str());
    assert_eq!(s["entries"], 2);
    assert_eq!(s["matched"][0]["failing"], 2);
    assert_eq!(s["matched"][1]["failing"], 1);
    assert_eq!(s["expired"].as_array().unwrap().len(), 0);
    assert_eq!(s["unmatched"].as_array().unwrap().len(), 0);

    // Nothing failing, but the scan has a gap.
    let inv = fx.file("gappy.json", &tagged_inventory(A_GAP));
    let o = run(&["audit", "--inventory", &inv, "--suppressions", &sup]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
}

#[test]
fn expired_and_unmatched_entries_warn_on_stderr_and_in_the_json() {
    let fx = Fixture::new();
    let inv = fx.file("inventory.json", &tagged_inventory(""));
    let sup = fx.file(
        "accepted.toml",
        r#"
[[suppress]]
check = "eks-endpoint-not-open-to-world"
reason = "accepted until the end of 2024"
expires = "2025-01-01"

[[suppress]]
check = "eks-secrets-encrypted"
tags = { team = "payments" }
reason = "payments team only"
"#,
    );
    let o = run(&[
        "audit",
        "--inventory",
        &inv,
        "--output",
        "json",
        "--suppressions",
        &sup,
    ]);
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            format!("eksposture: warning: suppression {sup}#1 (check eks-endpoint-not-open-to-world) expired on 2025-01-01 and no longer applies: renew or remove it"),
            format!("eksposture: warning: suppression {sup}#2 (check eks-secrets-encrypted, tags team=payments) matched no finding"),
        ]
    );
    let v = json(&o);
    assert_eq!(v["summary"]["fail"], 3);
    assert_eq!(v["summary"]["suppressed"], 0);
    assert_eq!(v["suppressions"]["expired"][0]["entry"], format!("{sup}#1"));
    assert_eq!(
        v["suppressions"]["unmatched"][0]["entry"],
        format!("{sup}#2")
    );
    assert_eq!(
        v["suppressions"]["unmatched"][0]["reason"],
        "payments team only"
    );
    assert!(finding(&v, CHECK).get("suppressed").is_none());
}

#[test]
fn a_bad_suppression_file_is_one_line_before_any_scan() {
    let fx = Fixture::new();
    // The inventory does not exist: the suppression file is read first.
    let no_inv = fx.path("missing.json");
    let bad = fx.file(
        "bad.toml",
        "[[suppress]]\ncheck = \"eks-endpoint-private\"\nreason = \"ok\"\n\n[[suppress]]\ncheck = \"eks-secrets-encrypted\"\n",
    );
    let o = run(&["audit", "--inventory", &no_inv, "--suppressions", &bad]);
    assert_eq!(code(&o), 2);
    let line = one_error_line(&o);
    assert!(
        line.starts_with(&format!(
            "error: {bad}:5: entry 2: `reason` is missing: every suppression needs one"
        )),
        "{line}"
    );

    let typo = fx.file(
        "typo.toml",
        "[[suppress]]\ncheck = \"eks-endpoint-privat\"\nreason = \"ok\"\n",
    );
    let o = run(&["audit", "--inventory", &no_inv, "--suppressions", &typo]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        one_error_line(&o),
        format!("error: {typo}:1: entry 1: check \"eks-endpoint-privat\" matches no check id: run `eksposture checks` to list them")
    );

    let missing = fx.path("nope.toml");
    let o = run(&["audit", "--inventory", &no_inv, "--suppressions", &missing]);
    assert_eq!(code(&o), 2);
    assert!(
        one_error_line(&o).starts_with(&format!("error: cannot read suppression file {missing}: "))
    );
}

#[test]
fn eksposture_toml_in_the_working_directory_is_used_unless_disabled() {
    let fx = Fixture::new();
    fx.file("inventory.json", &tagged_inventory(""));
    fx.file("eksposture.toml", SUPPRESS_ALL);
    let dir = fx.dir.path();

    let o = run_in(dir, &["audit", "--inventory", "inventory.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("No failing findings."), "{table}");
    assert!(table.contains("Suppressed (3)"), "{table}");
    assert!(table.contains("public API by design, WAF in front (SEC-42)"));
    assert!(table.contains("(eksposture.toml#2)"), "{table}");
    assert!(table.contains("Summary: 0 failing, 0 passing"), "{table}");
    assert!(table.contains(", 3 suppressed"), "{table}");
    assert!(table.contains(
        "Suppressions (eksposture.toml): 2 entries, 2 in use, 3 failing findings suppressed"
    ));

    let o = run_in(
        dir,
        &[
            "audit",
            "--inventory",
            "inventory.json",
            "--no-suppressions",
        ],
    );
    assert_eq!(code(&o), 3);
    assert!(!stdout(&o).contains("Suppress"));

    let o = run_in(
        dir,
        &[
            "audit",
            "--inventory",
            "inventory.json",
            "--no-suppressions",
            "--suppressions",
            "eksposture.toml",
        ],
    );
    assert_eq!(code(&o), 2);

    fx.file(
        "eksposture.toml",
        "[[suppress]]\ncheck = \"*\"\nreason = \"all\"\n",
    );
    let o = run_in(dir, &["audit", "--inventory", "inventory.json"]);
    assert_eq!(code(&o), 2);
    assert!(one_error_line(&o)
        .starts_with("error: eksposture.toml:1: entry 1: this entry would suppress every finding"));
}
