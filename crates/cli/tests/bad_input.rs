//! Bad input the user can give, beyond what tests/cli.rs covers: every case
//! ends in one actionable `error: ` line on stderr (no panic, no backtrace,
//! no SDK debug dump) and the documented exit code (2 usage, 1 nothing could
//! be scanned). Offline: the AWS endpoint is a closed loopback port, an
//! unresolvable name, or never reached.
//!
//! Not here: a region moto does not know (it answers every regional call
//! with HTTP 500) needs a server, so it is tested against moto in
//! tests/tests/fault_injection.rs. A read-only output directory cannot be
//! tested as root (root writes anyway); `/proc` stands in for it.

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Command, Output};

fn eksposture() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eksposture"));
    c.env("AWS_CONFIG_FILE", "/nonexistent/eksposture-tests/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/eksposture-tests/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // A panic would print its backtrace: make it impossible to miss.
        .env("RUST_BACKTRACE", "1");
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "EKSPOSTURE_OUTPUT",
        "EKSPOSTURE_FAIL_ON",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c
}

/// With dummy static credentials (for cases that must get past the
/// credential chain).
fn with_keys() -> Command {
    let mut c = eksposture();
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    c
}

fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().expect("the binary runs")
}

/// A loopback port nothing listens on.
fn closed_endpoint() -> String {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    format!("http://127.0.0.1:{port}")
}

/// Asserts the exit code and that stderr is exactly one `error: ` line
/// (no panic, no backtrace) with nothing on stdout; returns the line.
#[track_caller]
fn one_error(o: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(
        o.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    lines[0].to_string()
}

#[track_caller]
fn assert_contains(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part:?} not in: {line}");
    }
}

// ------------------------------------------------------------ credentials

#[test]
fn unknown_profile_names_the_profile_the_files_and_how_to_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    fs::write(
        &config,
        "[default]\nregion = us-east-1\n[profile staging]\nregion = eu-west-1\n",
    )
    .unwrap();
    let mut cmd = eksposture();
    cmd.env("AWS_CONFIG_FILE", &config);
    let o = run(
        cmd,
        &["audit", "--profile", "prod", "--region", "us-east-1"],
    );
    let line = one_error(&o, 1);
    assert_contains(
        &line,
        &[
            "profile \"prod\" is not defined",
            config.to_str().unwrap(),
            "aws configure list-profiles",
        ],
    );
}

#[test]

fn unknown_profile_from_aws_profile_is_the_same_error() {
    let mut cmd = eksposture();
    cmd.env("AWS_PROFILE", "prod");
    let o = run(
        cmd,
        &[
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &closed_endpoint(),
        ],
    );
    assert_contains(&one_error(&o, 1), &["profile \"prod\" is not defined"]);
}

#[test]
fn missing_credentials_exit_1_and_say_where_credentials_come_from() {
    // No keys, no profile files, no instance metadata: the chain is empty.
    let o = run(
        eksposture(),
        &[
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &closed_endpoint(),
            "--max-attempts",
            "1",
        ],
    );
    let line = one_error(&o, 1);
    assert_contains(&line, &["no credentials", "--profile"]);
}

#[test]
fn collect_without_credentials_writes_no_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inv.json");
    let o = run(
        eksposture(),
        &[
            "collect",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &closed_endpoint(),
            "--max-attempts",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_contains(&one_error(&o, 1), &["no credentials"]);
    assert!(!out.exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ------------------------------------------------------------ regions and endpoints

#[test]
fn region_names_that_are_not_region_shaped_are_refused_before_any_call() {
    for region in ["US-EAST-1", "us-east-1/../x", "us east 1", "eu-west-1;id"] {
        let o = run(
            with_keys(),
            &[
                "audit",
                "--region",
                region,
                "--endpoint-url",
                &closed_endpoint(),
            ],
        );
        let line = one_error(&o, 1);
        assert_contains(
            &line,
            &[&format!("invalid region name \"{region}\""), "us-east-1"],
        );
    }
}

#[test]

fn one_bad_region_among_good_ones_is_refused() {
    let o = run(
        with_keys(),
        &[
            "audit",
            "--region",
            "us-east-1,moon-base",
            "--endpoint-url",
            &closed_endpoint(),
        ],
    );
    assert_contains(&one_error(&o, 1), &["moon-base"]);
}

#[test]
fn an_empty_region_is_no_region() {
    let o = run(
        with_keys(),
        &[
            "audit",
            "--region",
            "",
            "--endpoint-url",
            &closed_endpoint(),
        ],
    );
    assert_contains(&one_error(&o, 1), &["no AWS region", "--region"]);
}

#[test]
fn an_unresolvable_endpoint_exits_1_naming_the_lookup_failure() {
    let o = run(
        with_keys(),
        &[
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://no-such-host.invalid",
            "--max-attempts",
            "1",
        ],
    );
    let line = one_error(&o, 1);
    assert_contains(
        &line,
        &["STS GetCallerIdentity failed", "endpoint is reachable"],
    );
}

#[test]
fn an_endpoint_with_an_unsupported_scheme_is_a_usage_error() {
    let o = run(
        with_keys(),
        &[
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "ftp://127.0.0.1:9",
            "--max-attempts",
            "1",
        ],
    );
    assert_contains(
        &one_error(&o, 2),
        &["--endpoint-url", "ftp://127.0.0.1:9", "http://host:port"],
    );
}

#[test]

fn a_malformed_endpoint_url_is_a_usage_error() {
    let o = run(
        with_keys(),
        &[
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "not a url",
            "--max-attempts",
            "1",
        ],
    );
    let line = one_error(&o, 2);
    assert_contains(&line, &["--endpoint-url", "not a url"]);
    assert!(!line.contains("SdkBody"), "{line}");
}

// ------------------------------------------------------------ inventories

fn inventory_error(text: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.json");
    fs::write(&path, text).unwrap();
    let o = run(
        eksposture(),
        &["audit", "--inventory", path.to_str().unwrap()],
    );
    (one_error(&o, 2), path.to_str().unwrap().to_string())
}

#[test]
fn an_empty_inventory_file_is_not_json() {
    let (line, path) = inventory_error(b"");
    assert_contains(&line, &[&path, "is not valid JSON"]);
}

#[test]
fn a_binary_inventory_file_is_refused() {
    let garbage: Vec<u8> = (0u8..=255).rev().cycle().take(600).collect();
    let (line, path) = inventory_error(&garbage);
    assert_contains(&line, &[&path]);
}

#[test]
fn json_without_schema_version_is_not_an_inventory() {
    let (line, path) = inventory_error(br#"{"regions": {}}"#);
    assert_contains(
        &line,
        &[&path, "no schema_version", "eksposture collect --out FILE"],
    );
}

#[test]
fn a_report_given_as_inventory_is_named_for_what_it_is() {
    let (line, _) = inventory_error(
        br#"{"schema_version": "1", "tool": {"name": "eksposture", "version": "0.1.0"},
            "scan": {"account_id": "111122223333", "partition": "aws", "regions": ["us-east-1"],
                     "started_at": "2025-01-02T03:04:05Z", "finished_at": "2025-01-02T03:04:09Z"},
            "summary": {"fail": 0, "pass": 0, "unknown": 0, "suppressed": 0, "by_severity": {}},
            "gaps": [], "findings": []}"#,
    );
    assert_contains(
        &line,
        &[
            "is an eksposture report, not an inventory",
            "eksposture collect",
        ],
    );
}

#[test]

fn a_json_array_is_not_an_inventory_and_the_error_says_what_to_do() {
    let (line, path) = inventory_error(b"[1, 2]");
    assert_contains(
        &line,
        &[&path, "not an eksposture inventory", "eksposture collect"],
    );
    assert!(!line.contains("Probe"), "{line}");
}

#[test]

fn a_numeric_schema_version_is_explained() {
    let (line, _) = inventory_error(br#"{"schema_version": 1, "regions": {}}"#);
    assert_contains(&line, &["string"]);
}

#[test]
fn an_inventory_from_a_future_version_says_which_versions_are_read() {
    let (line, path) = inventory_error(br#"{"schema_version": "2", "regions": {}}"#);
    assert_contains(
        &line,
        &[
            &path,
            "schema_version \"2\"",
            "reads \"1\"",
            "eksposture collect",
        ],
    );
}

// ------------------------------------------------------------ checks

#[test]
fn an_unknown_id_among_known_ones_is_named() {
    let o = run(
        eksposture(),
        &[
            "audit",
            "--checks",
            "eks-endpoint-private,eks-endpont-not-open-to-world",
            "--inventory",
            "/nonexistent/inventory.json",
        ],
    );
    assert_contains(
        &one_error(&o, 2),
        &[
            "unknown check id \"eks-endpont-not-open-to-world\"",
            "eksposture checks",
        ],
    );
}

#[test]
fn an_empty_check_list_is_a_usage_error() {
    for checks in ["", "eks-endpoint-private,"] {
        let o = run(
            eksposture(),
            &[
                "audit",
                "--checks",
                checks,
                "--inventory",
                "/nonexistent/inventory.json",
            ],
        );
        assert_contains(&one_error(&o, 2), &["check id", "eksposture checks"]);
    }
}

// ------------------------------------------------------------ outputs

const INVENTORY: &str = r#"{"schema_version": "1",
  "scan": {"account_id": "111122223333", "partition": "aws", "regions": ["us-east-1"],
           "started_at": "2025-01-02T03:04:05Z", "finished_at": "2025-01-02T03:04:09Z"},
  "gaps": [], "regions": {}}"#;

fn audit_inventory_to(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inventory.json");
    fs::write(&inv, INVENTORY).unwrap();
    let mut all = vec!["audit", "--inventory", inv.to_str().unwrap()];
    all.extend_from_slice(args);
    run(eksposture(), &all)
}

#[test]
fn an_output_file_under_proc_is_refused_naming_the_path() {
    let o = audit_inventory_to(&["--output", "json", "--output-file", "/proc/x/y"]);
    assert_contains(&one_error(&o, 2), &["cannot write /proc/x/y", "/proc/x"]);
}

#[test]
fn an_output_file_that_is_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().to_str().unwrap();
    let o = audit_inventory_to(&["--output-file", target]);
    assert_contains(&one_error(&o, 2), &[target, "is a directory"]);
}

#[test]
fn an_output_dir_that_is_a_file_or_cannot_be_created_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    fs::write(&file, "x").unwrap();
    let file = file.to_str().unwrap();
    let o = audit_inventory_to(&["--output", "json,csv", "--output-dir", file]);
    assert_contains(&one_error(&o, 2), &[file, "not a directory"]);
    assert_eq!(fs::read_to_string(file).unwrap(), "x");

    let o = audit_inventory_to(&["--output", "json,csv", "--output-dir", "/proc/x"]);
    assert_contains(&one_error(&o, 2), &["/proc/x"]);
}

// ------------------------------------------------------------ accounts

#[test]
fn malformed_account_ids_are_usage_errors_before_any_call() {
    for id in ["12345", "abcdefghijkl", "1234567890123", "12345678901x"] {
        // No credentials at all: the id is checked first.
        let o = run(
            eksposture(),
            &[
                "audit",
                "--region",
                "us-east-1",
                "--role-name",
                "EksPostureAudit",
                "--accounts",
                &format!("111122223333,{id}"),
            ],
        );
        let line = one_error(&o, 2);
        assert_contains(
            &line,
            &[
                &format!("invalid account id \"{id}\""),
                "--accounts",
                "12 digits",
            ],
        );
    }
}

#[test]
fn accounts_without_a_role_name_is_a_usage_error() {
    let o = run(
        eksposture(),
        &[
            "audit",
            "--region",
            "us-east-1",
            "--accounts",
            "111122223333",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("--role-name"),
        "{err}"
    );
}
