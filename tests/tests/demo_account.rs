//! The README demo account (`mocks/seed.py --account demo`, what
//! `scripts/demo.sh` audits): the risky and the hardened cluster side by side,
//! with what moto lacks served by the wire-shape layer.

use eksposture_e2e::{findings, str_at, summarize, Scenario};

#[test]
fn demo_account_fails_only_the_risky_cluster_control_plane() {
    let demo = Scenario::start("demo");
    demo.audit().assert_code(3);
    let report = demo.report();
    // The demo ends with a complete scan: exit 3 is the risky cluster's
    // failures, not gaps.
    assert_eq!(report["gaps"], serde_json::json!([]), "the demo has gaps");
    let risky = str_at(demo.cluster("risky"), "/cluster/arn");
    let hardened = str_at(demo.cluster("hardened"), "/cluster/arn");
    for check in [
        "eks-endpoint-not-open-to-world",
        "eks-endpoint-private",
        "eks-secrets-encrypted",
    ] {
        let status_on = |arn: &str| {
            findings(&report, check)
                .iter()
                .find(|f| f["resource"]["id"] == arn)
                .map(|f| f["status"].as_str().unwrap_or_default().to_string())
        };
        assert_eq!(
            status_on(risky).as_deref(),
            Some("fail"),
            "{check} on {risky}\n{}",
            summarize(&report)
        );
        assert_eq!(
            status_on(hardened).as_deref(),
            Some("pass"),
            "{check} on {hardened}\n{}",
            summarize(&report)
        );
    }
}
