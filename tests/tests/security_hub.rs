//! `--output asff` and `audit --security-hub` against moto: the import,
//! a fix turning PASSED/RESOLVED, a deleted resource archived, a check left
//! out by `--checks` untouched, and an earlier finding of a check moto
//! leaves `unknown` never archived. Security Hub is read back with boto3
//! (`mocks/securityhub.py`): the tests crate does not use the SDK.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use eksposture_e2e::{
    free_port, python, run_eksposture_with_env, run_python, scratch_dir, str_at, workspace_root,
    MotoServer, Scenario, ACCOUNT_ID, REGION,
};
use serde_json::{json, Value};

fn helper(server: &MotoServer, args: &[&str]) -> Value {
    let script = workspace_root().join("mocks").join("securityhub.py");
    let endpoint = server.endpoint();
    let mut full = vec![
        script.to_str().expect("a UTF-8 path"),
        "--endpoint",
        endpoint.as_str(),
        "--region",
        REGION,
    ];
    full.extend_from_slice(args);
    let out = run_python(&full, &format!("securityhub.py {args:?}"));
    serde_json::from_str(&out).expect("securityhub.py prints JSON")
}

/// Every finding in moto's Security Hub, by Id.
fn hub(server: &MotoServer) -> BTreeMap<String, Value> {
    helper(server, &["findings"])
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|f| (str_at(f, "/Id").to_string(), f.clone()))
        .collect()
}

fn boto3(server: &MotoServer, code: &str, args: &[&str]) {
    let endpoint = server.endpoint();
    let mut full = vec!["-c", code, endpoint.as_str(), REGION];
    full.extend_from_slice(args);
    run_python(&full, "boto3");
}

const ECR: &str = r#"
import sys, boto3
endpoint, region, action, repo = sys.argv[1:]
ecr = boto3.client("ecr", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
if action == "immutable":
    ecr.put_image_tag_mutability(repositoryName=repo, imageTagMutability="IMMUTABLE")
elif action == "create":
    ecr.create_repository(repositoryName=repo, imageTagMutability="MUTABLE")
else:
    ecr.delete_repository(repositoryName=repo, force=True)
"#;

fn id(check: &str, resource: &str) -> String {
    format!("eksposture/{check}/{resource}")
}

fn field<'a>(f: &'a Value, pointer: &str) -> &'a str {
    str_at(f, pointer)
}

/// An ASFF finding an earlier eksposture run would have left: a check this
/// scan reports as unknown, about an image this scan does not see.
fn earlier_finding(check: &str, resource: &str) -> Value {
    let product = format!("arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:product/{ACCOUNT_ID}/default");
    json!([{
        "SchemaVersion": "2018-10-08",
        "Id": id(check, resource),
        "ProductArn": product,
        "GeneratorId": format!("eksposture/{check}"),
        "AwsAccountId": ACCOUNT_ID,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2025-01-01T00:00:00Z",
        "UpdatedAt": "2025-01-01T00:00:09Z",
        "Severity": {"Label": "HIGH", "Original": "high"},
        "Title": "t",
        "Description": "d",
        "Resources": [{"Type": "AwsEcrContainerImage", "Id": resource, "Partition": "aws", "Region": REGION}],
        "Compliance": {"Status": "FAILED"},
        "RecordState": "ACTIVE"
    }])
}

#[test]
fn findings_are_imported_updated_resolved_and_archived_only_when_proven_gone() {
    let risky = Scenario::start("risky");
    let server = &risky.server;
    let c = risky.cluster("risky");
    let app_repo = str_at(c, "/repository/arn").to_string();
    let app_name = str_at(c, "/repository/name").to_string();
    let extra_name = "risky-extra";
    let extra_repo = app_repo.replace(&app_name, extra_name);
    let dir = scratch_dir("security-hub");

    // An earlier run's finding for a check that is `unknown` on this account
    // (the risky image was never scanned, so whether it has critical
    // findings is not known).
    let gone_image = format!(
        "arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/decommissioned/sha256:{}",
        "0".repeat(64)
    );
    let old = dir.join("old.json");
    std::fs::write(
        &old,
        earlier_finding("ecr-images-no-critical-vulns", &gone_image).to_string(),
    )
    .unwrap();
    let imported = helper(server, &["import", old.to_str().unwrap()]);
    assert_eq!(imported["SuccessCount"], 1, "{imported}");
    boto3(server, ECR, &["create", extra_name]);

    // First import.
    let first = server.run_audit(&["--max-attempts", "1", "--output", "json", "--security-hub"]);
    first.assert_code(3);
    let report = first.json();
    assert!(
        first.stderr.contains("eksposture: Security Hub: "),
        "{}",
        first.stderr
    );
    let findings = hub(server);
    let mut expected: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| id(field(f, "/check_id"), field(f, "/resource/id")))
        .collect();
    expected.sort();
    expected.dedup();
    let summary = format!(
        "eksposture: Security Hub: {} imported, 0 updated, 0 archived, 0 failed",
        expected.len()
    );
    assert!(first.stderr.contains(&summary), "{}", first.stderr);
    assert_eq!(
        findings.len(),
        expected.len() + 1,
        "ours and the earlier one"
    );
    for i in &expected {
        let f = findings
            .get(i)
            .unwrap_or_else(|| panic!("{i} was not imported"));
        assert_eq!(
            f["ProductArn"],
            format!("arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:product/{ACCOUNT_ID}/default")
        );
        assert_eq!(f["AwsAccountId"], ACCOUNT_ID);
        assert_eq!(f["RecordState"], "ACTIVE");
        assert_eq!(f["SchemaVersion"], "2018-10-08");
        assert_eq!(f["CreatedAt"], report["scan"]["started_at"]);
    }
    let tags = &findings[&id("ecr-tags-immutable", &app_repo)];
    assert_eq!(tags["Compliance"]["Status"], "FAILED");
    assert_eq!(tags["Workflow"]["Status"], "NEW");
    assert_eq!(tags["Severity"]["Label"], "MEDIUM");
    assert_eq!(tags["Resources"][0]["Type"], "AwsEcrRepository");
    assert_eq!(
        tags["Resources"][0]["Details"]["AwsEcrRepository"]["ImageTagMutability"],
        "MUTABLE"
    );
    assert_eq!(
        findings[&id("ecr-tags-immutable", &extra_repo)]["Compliance"]["Status"],
        "FAILED"
    );
    let created = tags["CreatedAt"].clone();

    // Fix one risk: the same finding, now PASSED and RESOLVED, created when first seen.
    boto3(server, ECR, &["immutable", &app_name]);
    let second = server.run_audit(&["--max-attempts", "1", "--output", "json", "--security-hub"]);
    second.assert_code(3);
    let summary = format!(
        "eksposture: Security Hub: 0 imported, {} updated, 0 archived, 0 failed",
        expected.len()
    );
    assert!(second.stderr.contains(&summary), "{}", second.stderr);
    let findings = hub(server);
    let tags = &findings[&id("ecr-tags-immutable", &app_repo)];
    assert_eq!(tags["Compliance"]["Status"], "PASSED");
    assert_eq!(tags["Workflow"]["Status"], "RESOLVED");
    assert_eq!(tags["Severity"]["Label"], "INFORMATIONAL");
    assert_eq!(tags["CreatedAt"], created);
    assert_ne!(tags["UpdatedAt"], created);

    // Delete a repository and leave ecr-lifecycle-policy out: the deleted
    // repository's findings of the checks that ran are archived; the
    // lifecycle-policy one is untouched, and so is the earlier finding.
    boto3(server, ECR, &["delete", extra_name]);
    let lifecycle = findings[&id("ecr-lifecycle-policy", &extra_repo)].clone();
    let checks: Vec<&str> = [
        "ecr-tags-immutable",
        "ecr-scan-on-push-enabled",
        "ecr-repo-not-public",
        "ecr-images-no-critical-vulns",
        "eks-endpoint-private",
    ]
    .to_vec();
    let third = server.run_audit(&[
        "--max-attempts",
        "1",
        "--output",
        "json",
        "--security-hub",
        "--checks",
        &checks.join(","),
    ]);
    third.assert_code(3);
    let after = hub(server);
    for check in [
        "ecr-tags-immutable",
        "ecr-scan-on-push-enabled",
        "ecr-repo-not-public",
    ] {
        let f = &after[&id(check, &extra_repo)];
        assert_eq!(f["RecordState"], "ARCHIVED", "{check}: {f:#}");
    }
    assert_eq!(after[&id("ecr-lifecycle-policy", &extra_repo)], lifecycle);
    let earlier = &after[&id("ecr-images-no-critical-vulns", &gone_image)];
    assert_eq!(earlier["RecordState"], "ACTIVE", "{earlier:#}");
    assert_eq!(earlier["UpdatedAt"], "2025-01-01T00:00:09Z");
    assert!(
        third.stderr.contains(" 3 archived, 0 failed"),
        "{}",
        third.stderr
    );
    // The scan itself reports that check as unknown.
    assert!(third.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check_id"] == "ecr-images-no-critical-vulns" && f["status"] == "unknown"));
}

#[test]
fn an_unreachable_security_hub_exits_5_after_writing_the_report() {
    // The scan reads moto; Security Hub alone points at a closed port.
    let risky = Scenario::start("risky");
    let closed = format!("http://127.0.0.1:{}", free_port());
    let endpoint = risky.server.endpoint();
    let run = run_eksposture_with_env(
        &[
            "audit",
            "--max-attempts",
            "1",
            "--output",
            "json",
            "--security-hub",
        ],
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ENDPOINT_URL_SECURITYHUB", closed.as_str()),
        ],
    );
    run.assert_code(5);
    assert!(run.json()["findings"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    assert!(
        run.stderr
            .contains("eksposture: Security Hub: 0 imported, 0 updated, 0 archived, "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Security Hub: error: us-east-1: GetFindings: "),
        "{}",
        run.stderr
    );
    assert!(
        hub(&risky.server).is_empty(),
        "nothing reached moto's Security Hub"
    );
}

/// What the e2e test can check without the report crate: the fields
/// BatchImportFindings requires, and the documented limits.
fn check_asff(f: &Value) {
    let text = |k: &str, max: usize| {
        let v = f[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} missing: {f:#}"));
        assert!(!v.trim().is_empty(), "{k} blank");
        assert!(v.chars().count() <= max, "{k} longer than {max}");
    };
    text("SchemaVersion", 64);
    text("Id", 512);
    text("ProductArn", 2048);
    text("GeneratorId", 512);
    text("AwsAccountId", 12);
    text("CreatedAt", 64);
    text("UpdatedAt", 64);
    text("Title", 256);
    text("Description", 1024);
    assert_eq!(f["SchemaVersion"], "2018-10-08");
    let types = f["Types"].as_array().expect("Types");
    assert!((1..=50).contains(&types.len()));
    let resources = f["Resources"].as_array().expect("Resources");
    assert!((1..=32).contains(&resources.len()));
    for r in resources {
        assert!(r["Type"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r["Id"].as_str().is_some_and(|t| !t.is_empty()));
    }
    assert!(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
        .contains(&f["Severity"]["Label"].as_str().unwrap_or_default()));
    let reqs = f["Compliance"]["RelatedRequirements"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(reqs <= 32);
    let fields = f["ProductFields"]
        .as_object()
        .map_or(0, serde_json::Map::len);
    assert!(fields <= 50);
    assert!(serde_json::to_vec(f).unwrap().len() <= 240 * 1024);
}

#[test]
fn output_asff_is_a_json_array_botocore_accepts() {
    let risky = Scenario::start("risky");
    let file = scratch_dir("asff").join("f.json");
    let run = risky.server.run_audit(&[
        "--max-attempts",
        "1",
        "--output",
        "asff",
        "--output-file",
        file.to_str().unwrap(),
    ]);
    run.assert_code(3);
    let text = std::fs::read_to_string(&file).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let all = all.as_array().expect("a JSON array");
    assert!(all.len() > 20, "{} findings", all.len());
    for f in all {
        check_asff(f);
    }
    let mut ids: Vec<&str> = all.iter().map(|f| str_at(f, "/Id")).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "Ids are unique");
    // botocore's model of BatchImportFindings: every key and type as AWS has them.
    let verdict = validate_with_botocore(&file);
    assert_eq!(verdict["errors"], json!([]), "{verdict:#}");
    assert_eq!(verdict["findings"], all.len());
}

fn validate_with_botocore(file: &Path) -> Value {
    let script = workspace_root().join("mocks").join("securityhub.py");
    let out = Command::new(python())
        .arg(&script)
        .args(["validate", file.to_str().unwrap()])
        .output()
        .expect("python runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "securityhub.py validate: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
