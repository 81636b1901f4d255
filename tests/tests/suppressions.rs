//! Suppression files against the risky account: entries by check and ARN
//! glob and by tag mark the findings, an expired and an unmatched entry
//! warn on stderr and in the JSON, and suppressing every failure at or
//! above `--fail-on` changes the exit code.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use eksposture_e2e::{scratch_dir, str_at, summarize, Run, Scenario};
use serde_json::Value;

fn audit(risky: &Scenario, extra: &[&str]) -> Run {
    let mut args = vec!["--output", "json", "--max-attempts", "1"];
    args.extend_from_slice(extra);
    risky.server.run_audit(&args)
}

fn failing(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect()
}

fn entry_of(f: &Value) -> Option<&str> {
    f.pointer("/suppressed/entry").and_then(Value::as_str)
}

fn write(path: &Path, text: &str) -> String {
    fs::write(path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn suppressions_mark_findings_warn_and_change_the_exit_code() {
    let risky = Scenario::start("risky");
    let baseline = risky.report();
    risky.audit().assert_code(3);
    let account = str_at(&baseline, "/scan/account_id");
    let nodegroup = str_at(risky.cluster("risky"), "/nodegroup/name");
    let dir = scratch_dir("suppressions");

    let file = write(
        &dir.join("accepted.toml"),
        &format!(
            r#"
[[suppress]]
check = "ecr-*"
resource = "arn:aws:ecr:*:{account}:repository/risky-*"
reason = "risky-app is a throwaway demo image (SEC-1)"
expires = 2999-12-31

[[suppress]]
check = "ec2-node-*"
tags = {{ "eks:nodegroup-name" = "{nodegroup}" }}
reason = "nodes are replaced by the launch-template fix (SEC-2)"

[[suppress]]
check = "eks-endpoint-private"
reason = "was accepted until 2020"
expires = "2020-01-01"

[[suppress]]
check = "iam-irsa-trust-scoped"
resource = "arn:aws:iam::{account}:role/no-such-role-*"
reason = "nothing here any more"
"#
        ),
    );
    let run = audit(&risky, &["--suppressions", &file]);
    run.assert_code(3);
    let report = run.json();
    let context = summarize(&report);

    // Entry 1: every ECR finding on the seeded repository or its images.
    let repo = str_at(risky.cluster("risky"), "/repository/arn");
    let (by_arn, elsewhere): (Vec<&Value>, Vec<&Value>) = failing(&report)
        .into_iter()
        .filter(|f| f["check_id"].as_str().unwrap().starts_with("ecr-"))
        .partition(|f| f["resource"]["id"].as_str().unwrap().starts_with(repo));
    assert!(by_arn.len() >= 2, "{context}");
    for f in &by_arn {
        assert_eq!(entry_of(f), Some(format!("{file}#1").as_str()), "{f}");
        assert_eq!(f["suppressed"]["expires"], "2999-12-31");
    }
    assert!(elsewhere.iter().all(|f| entry_of(f).is_none()));
    // Entry 2: the node instances, found by their nodegroup tag; the launch
    // template (no tags collected) stays failing.
    let nodes: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["resource"]["type"] == "AwsEc2Instance"
                && f["status"] == "fail"
                && f["check_id"].as_str().unwrap().starts_with("ec2-node-")
        })
        .collect();
    assert!(nodes.len() >= 4, "{context}");
    for f in &nodes {
        assert_eq!(entry_of(f), Some(format!("{file}#2").as_str()), "{f}");
        assert_eq!(
            f["suppressed"]["reason"],
            "nodes are replaced by the launch-template fix (SEC-2)"
        );
    }
    assert!(
        failing(&report)
            .iter()
            .any(|f| f["check_id"] == "ec2-node-imdsv2-required"
                && f["resource"]["type"] == "AwsEc2LaunchTemplate"
                && entry_of(f).is_none()),
        "{context}"
    );
    // Other checks on the same instances are not covered by the check glob.
    assert!(
        failing(&report)
            .iter()
            .any(|f| f["check_id"] == "path-pod-to-node-role"
                && f["resource"]["type"] == "AwsEc2Instance"
                && entry_of(f).is_none()),
        "{context}"
    );
    // Entry 3 expired: the endpoint finding still fails.
    assert!(failing(&report)
        .iter()
        .any(|f| f["check_id"] == "eks-endpoint-private" && entry_of(f).is_none()));

    // Counts: what was failing is now failing or suppressed.
    let suppressed = failing(&report)
        .iter()
        .filter(|f| entry_of(f).is_some())
        .count() as u64;
    assert_eq!(suppressed, (by_arn.len() + nodes.len()) as u64);
    let s = &report["summary"];
    assert_eq!(s["suppressed"], suppressed);
    assert_eq!(
        s["fail"].as_u64().unwrap(),
        baseline["summary"]["fail"].as_u64().unwrap() - suppressed
    );
    assert_eq!(s["pass"], baseline["summary"]["pass"]);

    // The section and the warnings.
    let section = &report["suppressions"];
    assert_eq!(section["file"], file.as_str());
    assert_eq!(section["entries"], 4);
    let matched: Vec<&str> = section["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entry"].as_str().unwrap())
        .collect();
    assert_eq!(matched, [format!("{file}#1"), format!("{file}#2")]);
    assert_eq!(section["expired"][0]["entry"], format!("{file}#3"));
    assert_eq!(section["expired"][0]["expires"], "2020-01-01");
    assert_eq!(section["unmatched"][0]["entry"], format!("{file}#4"));
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("eksposture: warning: suppression"))
        .collect();
    assert_eq!(
        warnings,
        [
            format!("eksposture: warning: suppression {file}#3 (check eks-endpoint-private) expired on 2020-01-01 and no longer applies: renew or remove it"),
            format!("eksposture: warning: suppression {file}#4 (check iam-irsa-trust-scoped, resource arn:aws:iam::{account}:role/no-such-role-*) matched no finding"),
        ],
        "{}",
        run.stderr
    );

    // Suppress, one exact entry each, every failure at high or above: the
    // run no longer fails at --fail-on high; it is clean or incomplete.
    assert_eq!(audit(&risky, &["--fail-on", "high"]).code, Some(3));
    let mut high: Vec<(&Value, &Value)> = failing(&baseline)
        .into_iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .map(|f| (&f["check_id"], &f["resource"]["id"]))
        .collect();
    high.sort_by_key(|(c, r)| (c.to_string(), r.to_string()));
    high.dedup();
    let mut all_high = String::new();
    for (check, resource) in high {
        let _ = write!(
            all_high,
            "[[suppress]]\ncheck = {check}\nresource = {resource}\nreason = \"accepted for the test\"\n\n"
        );
    }
    let file = write(&dir.join("all-high.toml"), &all_high);
    let run = audit(&risky, &["--fail-on", "high", "--suppressions", &file]);
    let report = run.json();
    let incomplete = !report["gaps"].as_array().unwrap().is_empty();
    run.assert_code(if incomplete { 4 } else { 0 });
    assert_eq!(report["summary"]["by_severity"]["high"], 0);
    assert_eq!(report["summary"]["by_severity"]["critical"], 0);
    assert!(report["summary"]["fail"].as_u64().unwrap() > 0);
    assert!(report["suppressions"]["unmatched"]
        .as_array()
        .unwrap()
        .is_empty());

    let _ = fs::remove_dir_all(&dir);
}
