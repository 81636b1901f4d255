//! Scan-to-scan diff against moto: audit the risky account, fix one risk and
//! add two through boto3, audit again with `--baseline` and `--fail-on-new`,
//! and compare the two reports with `eksposture diff`.

use eksposture_e2e::{run_eksposture, run_python, scratch_dir, str_at, Scenario, REGION};
use serde_json::Value;

/// Makes the risky repository immutable (a fix), creates a new mutable
/// repository and opens the cluster's additional security group to the
/// world on 443 (two new risks).
const MUTATE: &str = r#"
import sys, boto3
endpoint, fixed_repo, new_repo, group_id, region = sys.argv[1:]
kw = dict(endpoint_url=endpoint, region_name=region,
          aws_access_key_id="testing", aws_secret_access_key="testing")
ecr = boto3.client("ecr", **kw)
ec2 = boto3.client("ec2", **kw)
ecr.put_image_tag_mutability(repositoryName=fixed_repo, imageTagMutability="IMMUTABLE")
ecr.create_repository(repositoryName=new_repo, imageTagMutability="MUTABLE")
ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
"#;

fn mutate(risky: &Scenario, new_repo: &str) {
    let c = risky.cluster("risky");
    let endpoint = risky.server.endpoint();
    run_python(
        &[
            "-c",
            MUTATE,
            &endpoint,
            str_at(c, "/repository/name"),
            new_repo,
            str_at(c, "/cluster_security_group/group_id"),
            REGION,
        ],
        "mutating moto",
    );
}

fn keys(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|c| {
            (
                str_at(c, "/check_id").to_string(),
                str_at(c, "/resource/id").to_string(),
            )
        })
        .collect()
}

fn has(list: &Value, check: &str, resource: &str) -> bool {
    keys(list).iter().any(|(c, r)| c == check && r == resource)
}

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_fix_and_new_risks_show_as_resolved_and_new() {
    let risky = Scenario::start("risky");
    let dir = scratch_dir("diff");
    let old = dir.join("old.json");
    let new = dir.join("new.json");
    let (old_arg, new_arg) = (old.to_str().unwrap(), new.to_str().unwrap());
    let audit = |extra: &[&str]| {
        let mut args = vec!["--output", "json", "--max-attempts", "1"];
        args.extend_from_slice(extra);
        risky.server.run_audit(&args)
    };

    audit(&["--output-file", old_arg]).assert_code(3);
    let c = risky.cluster("risky");
    let fixed_repo = str_at(c, "/repository/arn").to_string();
    let new_repo = fixed_repo.replace("risky-app", "risky-new");
    let open_group = str_at(c, "/cluster_security_group/arn").to_string();
    let cluster = str_at(c, "/cluster/arn").to_string();
    let baseline = read(&old);
    assert!(has_status(
        &baseline,
        "ecr-tags-immutable",
        &fixed_repo,
        "fail"
    ));
    assert!(has_status(
        &baseline,
        "eks-cluster-sg-no-world-ingress",
        &open_group,
        "pass"
    ));

    mutate(&risky, "risky-new");

    // Every failure of the baseline still fails but one: only the new ones
    // fail the run.
    audit(&[
        "--baseline",
        old_arg,
        "--fail-on-new",
        "--output-file",
        new_arg,
    ])
    .assert_code(3);
    let report = read(&new);
    let d = &report["diff"];
    assert_eq!(d["baseline"]["file"], old_arg);
    assert_eq!(d["baseline"]["started_at"], baseline["scan"]["started_at"]);
    assert_eq!(
        keys(&d["resolved"]),
        [("ecr-tags-immutable".to_string(), fixed_repo.clone())],
        "{d:#}"
    );
    assert!(
        has(&d["new"], "eks-cluster-sg-no-world-ingress", &open_group),
        "{d:#}"
    );
    assert!(has(&d["new"], "ecr-tags-immutable", &new_repo), "{d:#}");
    for c in d["new"].as_array().unwrap() {
        assert_eq!(c["after"], "fail");
        if c["resource"]["id"] == open_group.as_str() {
            assert_eq!(c["before"], "pass");
        } else {
            assert_eq!(c["resource"]["id"], new_repo.as_str(), "{c}");
            assert_eq!(
                (&c["before"], &c["absent_because"]),
                (&"absent".into(), &"resource_not_reported".into())
            );
        }
    }
    // Two scans of an unchanged moto: nothing dropped out of sight.
    assert_eq!(d["counts"]["gone"], 0, "{d:#}");
    assert_eq!(d["counts"]["now_unknown"], 0, "{d:#}");
    let unchanged =
        report["summary"]["fail"].as_u64().unwrap() - d["counts"]["new"].as_u64().unwrap();
    assert_eq!(d["counts"]["unchanged"].as_u64(), Some(unchanged));
    assert!(has_status(
        &report,
        "eks-endpoint-not-open-to-world",
        &cluster,
        "fail"
    ));
    assert!(!has(&d["new"], "eks-endpoint-not-open-to-world", &cluster));

    // New failures are high (the security group) and medium (the
    // repository): below a critical threshold only incompleteness is left.
    let incomplete = if report["gaps"].as_array().unwrap().is_empty() {
        0
    } else {
        4
    };
    audit(&[
        "--baseline",
        old_arg,
        "--fail-on-new",
        "--fail-on",
        "critical",
    ])
    .assert_code(incomplete);
    // Against itself nothing is new.
    audit(&["--baseline", new_arg, "--fail-on-new"]).assert_code(incomplete);
    // Without --fail-on-new every failure counts, as before.
    audit(&["--baseline", new_arg]).assert_code(3);

    let run = run_eksposture(&["diff", old_arg, new_arg, "--output", "json"]);
    run.assert_code(3);
    let diff = run.json();
    for list in ["new", "resolved", "gone", "now_unknown", "now_suppressed"] {
        assert_eq!(keys(&diff[list]), keys(&d[list]), "{list}");
    }
    assert_eq!(diff["counts"], d["counts"]);
    run_eksposture(&["diff", old_arg, new_arg, "--fail-on", "critical"]).assert_code(0);
    let table = run_eksposture(&["diff", old_arg, new_arg]);
    table.assert_code(3);
    assert!(
        table.stdout.contains("repository/risky-app") && table.stdout.contains("resolved"),
        "{}",
        table.stdout
    );
    // Reversed, the fix is a new failure and the new risks are gone or
    // resolved, never the other way round.
    let back = run_eksposture(&["diff", new_arg, old_arg, "--output", "json"]);
    back.assert_code(3);
    let back = back.json();
    assert_eq!(
        keys(&back["new"]),
        [("ecr-tags-immutable".to_string(), fixed_repo)]
    );
    assert!(has(
        &back["resolved"],
        "eks-cluster-sg-no-world-ingress",
        &open_group
    ));
    assert!(has(&back["gone"], "ecr-tags-immutable", &new_repo));
    let _ = std::fs::remove_dir_all(&dir);
}

fn has_status(report: &Value, check: &str, resource: &str, status: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check_id"] == check && f["resource"]["id"] == resource && f["status"] == status)
}
