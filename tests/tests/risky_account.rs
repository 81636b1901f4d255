//! End to end against a moto account seeded with every risk the core checks
//! look for (`mocks/seed.py --account risky`). One moto server serves every
//! test in this file.

use std::sync::OnceLock;

use eksposture_e2e::{findings, gap_keys, scratch_dir, status_on, str_at, summarize, Scenario};

static RISKY: OnceLock<Scenario> = OnceLock::new();

fn risky() -> &'static Scenario {
    RISKY.get_or_init(|| Scenario::start("risky"))
}

fn seeded(pointer: &str) -> String {
    str_at(risky().cluster("risky"), pointer).to_string()
}

fn instance_arns() -> Vec<String> {
    risky().cluster("risky")["instances"]
        .as_array()
        .expect("seeded instances")
        .iter()
        .map(|i| str_at(i, "/arn").to_string())
        .collect()
}

/// How a finding's resource id must match the seeded resource.
enum Id {
    Exact(String),
    /// The resource is a launch-template version: its id is the template's
    /// ARN, possibly with the version appended.
    StartsWith(String),
}

impl Id {
    fn matches(&self, id: &str) -> bool {
        match self {
            Id::Exact(e) => id == e,
            Id::StartsWith(p) => id.starts_with(p.as_str()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Id::Exact(e) => e.clone(),
            Id::StartsWith(p) => format!("{p}*"),
        }
    }
}

/// Every seeded risk and the resource its check must fail on.
fn expected_failures() -> Vec<(&'static str, Id)> {
    let cluster = seeded("/cluster/arn");
    let mut out = vec![
        ("eks-endpoint-not-open-to-world", Id::Exact(cluster.clone())),
        ("eks-endpoint-private", Id::Exact(cluster.clone())),
        ("eks-secrets-encrypted", Id::Exact(cluster)),
        (
            "ec2-node-imdsv2-required",
            Id::StartsWith(seeded("/launch_template/arn")),
        ),
        (
            "ec2-node-sg-no-world-ingress",
            Id::Exact(seeded("/node_security_group/arn")),
        ),
        (
            "iam-node-role-least-privilege",
            Id::Exact(seeded("/node_role/arn")),
        ),
        ("iam-irsa-trust-scoped", Id::Exact(seeded("/irsa_role_arn"))),
        (
            "ecr-scan-on-push-enabled",
            Id::Exact(seeded("/repository/arn")),
        ),
        ("ecr-images-scanned", Id::Exact(seeded("/image/arn"))),
    ];
    for arn in instance_arns() {
        out.push(("ec2-node-imdsv2-required", Id::Exact(arn.clone())));
        out.push(("ec2-node-imds-hop-limit", Id::Exact(arn.clone())));
        out.push(("path-pod-to-node-role", Id::Exact(arn)));
    }
    out
}

#[test]
fn risky_account_audit_exits_3() {
    risky().audit().assert_code(3);
}

#[test]
fn each_seeded_risk_fails_on_the_resource_that_carries_it() {
    let report = risky().report();
    let mut missing = Vec::new();
    for (check, id) in expected_failures() {
        let hit = findings(&report, check).into_iter().find(|f| {
            f["status"] == "fail" && f["resource"]["id"].as_str().is_some_and(|r| id.matches(r))
        });
        match hit {
            None => missing.push(format!("{check} on {}", id.describe())),
            Some(f) => assert!(
                f["evidence"].as_array().is_some_and(|e| !e.is_empty()),
                "{check} fails on {} without evidence: {f}",
                id.describe()
            ),
        }
    }
    assert!(
        missing.is_empty(),
        "no FAIL finding for:\n  {}\nfindings:\n{}",
        missing.join("\n  "),
        summarize(&report)
    );
}

#[test]
fn the_scan_is_complete() {
    // What moto lacks (access entries, add-ons, Pod Identity, cluster
    // versions, Inspector coverage) is served in AWS's wire shapes by
    // mocks/wire_layer.py, so nothing is left unread. (Before the layer,
    // moto's 404s for those were not_supported gaps.)
    let report = risky().report();
    assert_eq!(
        report["gaps"],
        serde_json::json!([]),
        "gaps on the risky account"
    );
}

#[track_caller]
fn status(check: &str, id: &str) -> String {
    status_on(&risky().report(), check, id)
}

fn access_entry(holder: &str) -> String {
    seeded(&format!("/access_entries/{holder}"))
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{}:role/{name}", eksposture_e2e::ACCOUNT_ID)
}

#[test]
fn the_eks_api_data_moto_lacks_reaches_the_checks() {
    let cluster = seeded("/cluster/arn");
    for (check, id, expected) in [
        // An IAM user (the creator) holds cluster admin.
        (
            "eks-cluster-admin-access-restricted",
            access_entry("risky-deployer"),
            "fail",
        ),
        ("eks-creator-admin-removed", cluster.clone(), "fail"),
        // accessConfig.authenticationMode API.
        ("eks-auth-mode-api", cluster.clone(), "pass"),
        ("eks-deletion-protection-enabled", cluster.clone(), "fail"),
        // vpc-cni without network policy.
        ("eks-network-policy-enforced", cluster.clone(), "fail"),
        // 1.31 is in extended support by the served versions.
        ("eks-version-supported", cluster, "fail"),
        // A Pod Identity role trusted with no condition.
        (
            "eks-pod-identity-trust-scoped",
            role("risky-pod-exporter"),
            "fail",
        ),
    ] {
        assert_eq!(status(check, &id), expected, "{check} on {id}");
    }
    let instances = instance_arns();
    // Inspector covers the first node only.
    assert_eq!(status("inspector-nodes-covered", &instances[0]), "pass");
    assert_eq!(status("inspector-nodes-covered", &instances[1]), "fail");
}

/// An admin entry held by a role any GitHub Actions workflow of any
/// repository can assume (`repo:*`).
#[test]
fn an_admin_role_trusted_by_any_github_repository_fails() {
    assert_eq!(
        status(
            "eks-cluster-admin-access-restricted",
            &access_entry("risky-github-deploy")
        ),
        "fail"
    );
}

/// `kubernetesGroups` on a role the whole account can assume: what the
/// group may do is in Kubernetes RBAC, out of the AWS API's sight.
#[test]
fn kubernetes_groups_on_a_broad_holder_are_unknown() {
    assert_eq!(
        status(
            "eks-cluster-admin-access-restricted",
            &access_entry("risky-platform")
        ),
        "unknown"
    );
}

/// A Pod Identity association chaining to a role in another account
/// (`targetRoleArn`): what the pods finally hold, the target role's power,
/// cannot be read here. The association's own role (in the account, only
/// read access) is judged on its own.
#[test]
fn a_cross_account_pod_identity_target_is_unknown() {
    assert_eq!(
        status(
            "iam-workload-role-least-privilege",
            "arn:aws:iam::999999999999:role/partner-data-writer"
        ),
        "unknown"
    );
    assert_eq!(
        status(
            "iam-workload-role-least-privilege",
            &role("risky-pod-exporter")
        ),
        "pass"
    );
}

#[test]
fn summary_counts_match_the_findings() {
    let report = risky().report();
    let all = report["findings"].as_array().expect("findings array");
    let count = |status: &str| all.iter().filter(|f| f["status"] == status).count() as u64;
    let summary = &report["summary"];
    assert_eq!(summary["fail"], count("fail"), "fail count");
    assert_eq!(summary["pass"], count("pass"), "pass count");
    assert_eq!(summary["unknown"], count("unknown"), "unknown count");
    for severity in ["critical", "high", "medium", "low", "informational"] {
        let failing = all
            .iter()
            .filter(|f| f["status"] == "fail" && f["severity"] == severity)
            .count() as u64;
        assert_eq!(
            summary["by_severity"][severity], failing,
            "failing {severity}"
        );
    }
    assert_eq!(report["scan"]["account_id"], "123456789012");
    assert_eq!(report["scan"]["regions"], serde_json::json!(["us-east-1"]));
}

#[test]
fn saved_inventory_reproduces_the_live_findings() {
    let dir = scratch_dir("inventory");
    let inventory = dir.join("inv.json");
    let inventory = inventory.to_str().expect("utf-8 temp path");
    risky()
        .server
        .run("collect", &["--out", inventory, "--max-attempts", "1"])
        .assert_code(0);
    let offline =
        eksposture_e2e::run_eksposture(&["audit", "--inventory", inventory, "--output", "json"]);
    offline.assert_code(3);
    let _ = std::fs::remove_dir_all(&dir);

    let live = risky().report();
    let offline = offline.json();
    assert_eq!(offline["summary"], live["summary"], "summaries differ");
    assert_eq!(gap_keys(&offline), gap_keys(&live), "gaps differ");
    let (offline, live) = (
        offline["findings"].as_array().cloned().unwrap_or_default(),
        live["findings"].as_array().cloned().unwrap_or_default(),
    );
    assert_eq!(offline.len(), live.len(), "finding counts differ");
    for (o, l) in offline.iter().zip(&live) {
        assert_eq!(o, l, "first differing finding (offline, live)");
    }
}

#[test]
fn audit_sends_only_read_operations() {
    let server = &risky().server;
    server.start_recording();
    let run = server.run_audit(&["--output", "json", "--max-attempts", "1"]);
    let calls = server.stop_recording();
    run.assert_code(3);

    let services: std::collections::BTreeSet<&str> =
        calls.iter().map(|c| c.service.as_str()).collect();
    for service in ["sts", "eks", "ec2", "iam", "ecr", "inspector2"] {
        assert!(
            services.contains(service),
            "no {service} call recorded: {services:?}"
        );
    }
    // GetCallerIdentity goes through moto's recorder; the others are
    // answered by the wire layer, which writes them to the recorder too.
    for (service, operation) in [
        ("sts", "GetCallerIdentity"),
        ("eks", "ListAccessEntries"),
        ("eks", "DescribeAccessEntry"),
        ("eks", "ListAssociatedAccessPolicies"),
        ("eks", "DescribeAddon"),
        ("eks", "DescribePodIdentityAssociation"),
        ("eks", "DescribeClusterVersions"),
        ("inspector2", "ListCoverage"),
    ] {
        assert!(
            calls
                .iter()
                .any(|c| c.service == service && c.operation == operation),
            "no {service} {operation} recorded"
        );
    }
    let writes: Vec<String> = calls
        .iter()
        .filter(|c| !c.is_read())
        .map(|c| format!("{} {} ({} {})", c.service, c.operation, c.method, c.path))
        .collect();
    assert!(
        writes.is_empty(),
        "non-read operations sent:\n  {}",
        writes.join("\n  ")
    );
}

#[test]
fn table_output_names_the_failing_checks_and_no_gaps() {
    let run = risky().server.run_audit(&["--max-attempts", "1"]);
    run.assert_code(3);
    let table = &run.stdout;
    let failing: std::collections::BTreeSet<&str> =
        expected_failures().iter().map(|(c, _)| *c).collect();
    for check in failing {
        assert!(table.contains(check), "table lacks {check}:\n{table}");
    }
    // The scan is complete (see the_scan_is_complete): no gap rows.
    for operation in ["ListAccessEntries", "ListAddons", "ListCoverage"] {
        assert!(
            !table.contains(operation),
            "table shows a gap for {operation}:\n{table}"
        );
    }
    assert!(
        !table.contains('\u{1b}'),
        "NO_COLOR output has ANSI escapes"
    );
}
