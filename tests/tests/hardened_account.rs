//! End to end against a moto account where every seeded risk is fixed
//! (`mocks/seed.py --account hardened`). One moto server serves every test
//! in this file.

use std::sync::OnceLock;

use eksposture_e2e::{findings, str_at, summarize, Scenario, CORE_CHECKS};
use serde_json::Value;

static HARDENED: OnceLock<Scenario> = OnceLock::new();

fn hardened() -> &'static Scenario {
    HARDENED.get_or_init(|| Scenario::start("hardened"))
}

fn seeded(pointer: &str) -> String {
    str_at(hardened().cluster("hardened"), pointer).to_string()
}

#[test]
fn hardened_account_scan_is_complete_and_clean() {
    // Every check of the catalogue, with what moto lacks (access entries,
    // add-ons, Pod Identity, cluster versions, Inspector coverage,
    // DescribeCluster's accessConfig, ECR scan status) served in AWS's wire
    // shapes by mocks/wire_layer.py: nothing fails, nothing is unknown and
    // the scan has no gaps, so the exit code is 0. (Before the layer, moto's
    // 404s for those operations left gaps and the scan exited 4.)
    let run = hardened().audit();
    run.assert_code(0);
    let report = run.json();
    assert_eq!(
        report["gaps"],
        serde_json::json!([]),
        "gaps on the hardened account"
    );
    let not_passing: Vec<String> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["status"] != "pass")
        .map(|f| format!("{} {} {}", f["status"], f["check_id"], f["message"]))
        .collect();
    assert!(
        not_passing.is_empty(),
        "findings that do not pass on the hardened account:\n  {}",
        not_passing.join("\n  ")
    );
}

#[test]
fn no_core_check_fails_on_the_hardened_account() {
    let report = hardened().report();
    let failing: Vec<&Value> = CORE_CHECKS
        .iter()
        .flat_map(|c| findings(&report, c))
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(
        failing.is_empty(),
        "failing findings on the hardened account:\n{}",
        serde_json::to_string_pretty(&failing).unwrap_or_default()
    );
}

#[test]
fn fixed_resources_pass_their_checks() {
    let report = hardened().report();
    let cluster = seeded("/cluster/arn");
    let mut expected = vec![
        ("eks-endpoint-not-open-to-world", cluster.clone()),
        ("eks-endpoint-private", cluster.clone()),
        ("eks-secrets-encrypted", cluster),
        (
            "ec2-node-sg-no-world-ingress",
            seeded("/node_security_group/arn"),
        ),
        ("iam-node-role-least-privilege", seeded("/node_role/arn")),
        ("iam-irsa-trust-scoped", seeded("/irsa_role_arn")),
        ("iam-irsa-trust-scoped", seeded("/cni_role_arn")),
        ("ecr-scan-on-push-enabled", seeded("/repository/arn")),
        ("ecr-images-scanned", seeded("/image/arn")),
    ];
    for instance in hardened().cluster("hardened")["instances"]
        .as_array()
        .expect("seeded instances")
    {
        let arn = str_at(instance, "/arn").to_string();
        for check in [
            "ec2-node-imdsv2-required",
            "ec2-node-imds-hop-limit",
            "path-pod-to-node-role",
        ] {
            expected.push((check, arn.clone()));
        }
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|(check, id)| {
            !findings(&report, check)
                .iter()
                .any(|f| f["status"] == "pass" && f["resource"]["id"] == id.as_str())
        })
        .map(|(check, id)| format!("{check} on {id}"))
        .collect();
    assert!(
        missing.is_empty(),
        "no PASS finding for:\n  {}\nfindings:\n{}",
        missing.join("\n  "),
        summarize(&report)
    );
}

#[test]
fn launch_template_in_use_passes_imdsv2() {
    let report = hardened().report();
    let template = seeded("/launch_template/arn");
    assert!(
        findings(&report, "ec2-node-imdsv2-required")
            .iter()
            .any(|f| {
                f["status"] == "pass"
                    && f["resource"]["id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with(&template))
            }),
        "no PASS for launch template {template}:\n{}",
        summarize(&report)
    );
}

#[test]
fn unreadable_data_is_a_gap_and_never_a_pass() {
    let report = hardened().report();
    let gaps: Vec<String> = report["gaps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            format!(
                "{}:{}:{}",
                str_at(g, "/service"),
                str_at(g, "/region"),
                str_at(g, "/operation")
            )
        })
        .collect();
    for f in report["findings"].as_array().expect("findings array") {
        let gap_evidence: Vec<&Value> = f["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                e["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("gap"))
            })
            .collect();
        if gap_evidence.is_empty() {
            continue;
        }
        assert_ne!(
            f["status"], "pass",
            "a finding that rests on a failed read passes: {f}"
        );
        for e in gap_evidence {
            let id = str_at(e, "/id");
            assert!(
                gaps.iter().any(|g| g == id),
                "finding cites gap {id} that the report's gaps do not list ({gaps:?}): {f}"
            );
        }
    }
}
