//! End to end: the ECS collector against the demo account
//! (`mocks/seed.py --account demo`), which runs one risky and one hardened
//! ECS service next to the two EKS clusters. Reads the inventory that
//! `eksposture collect --out` writes. One moto server serves every test in
//! this file.

use std::sync::OnceLock;

use eksposture_e2e::{scratch_dir, str_at, Scenario, REGION};
use serde_json::Value;

static DEMO: OnceLock<Scenario> = OnceLock::new();
/// The inventory file's text, collected once.
static INVENTORY: OnceLock<String> = OnceLock::new();

fn demo() -> &'static Scenario {
    DEMO.get_or_init(|| Scenario::start("demo"))
}

fn inventory_text() -> &'static str {
    INVENTORY.get_or_init(|| {
        let dir = scratch_dir("ecs-inventory");
        let path = dir.join("inv.json");
        let path_str = path.to_str().expect("utf-8 temp path");
        demo()
            .server
            .run("collect", &["--out", path_str, "--max-attempts", "1"])
            .assert_code(0);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let _ = std::fs::remove_dir_all(&dir);
        text
    })
}

fn seeded_ecs(cluster: &str) -> &'static Value {
    &demo().cluster(cluster)["ecs"]
}

/// The collected task definitions of the region; panics when unknown.
fn task_definitions() -> Vec<Value> {
    let inventory: Value = serde_json::from_str(inventory_text()).expect("inventory is JSON");
    let observed = &inventory["regions"][REGION]["ecs_task_definitions"];
    observed["known"]
        .as_array()
        .unwrap_or_else(|| panic!("ECS task definitions are not known: {observed}"))
        .clone()
}

/// The collected task definition a seeded ECS service runs, with its detail.
fn collected(cluster: &str) -> (Value, Value) {
    let ecs = seeded_ecs(cluster);
    let arn = str_at(ecs, "/task_definition_arn");
    let all = task_definitions();
    let td = all
        .iter()
        .find(|t| t["arn"] == arn)
        .unwrap_or_else(|| panic!("no task definition {arn} in {all:#?}"))
        .clone();
    assert_eq!(
        td["used_by"],
        serde_json::json!([str_at(ecs, "/service_arn")]),
        "used_by of {arn}"
    );
    let detail = td["detail"]["known"].clone();
    assert!(detail.is_object(), "detail of {arn} is not known: {td}");
    (td, detail)
}

#[test]
fn inventory_lists_exactly_the_task_definitions_services_run() {
    let mut arns: Vec<String> = task_definitions()
        .iter()
        .map(|t| str_at(t, "/arn").to_string())
        .collect();
    arns.sort();
    let mut expected = vec![
        str_at(seeded_ecs("hardened"), "/task_definition_arn").to_string(),
        str_at(seeded_ecs("risky"), "/task_definition_arn").to_string(),
    ];
    expected.sort();
    assert_eq!(arns, expected);
    let inventory: Value = serde_json::from_str(inventory_text()).expect("inventory is JSON");
    let ecs_gaps: Vec<&Value> = inventory["gaps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["service"] == "ecs")
        .collect();
    assert!(ecs_gaps.is_empty(), "ECS gaps on moto: {ecs_gaps:?}");
}

#[test]
fn risky_task_definition_carries_its_risks() {
    let ecs = seeded_ecs("risky");
    let (_, detail) = collected("risky");
    let role = str_at(ecs, "/role_arn");
    assert_eq!(detail["family"], str_at(ecs, "/family"));
    assert_eq!(detail["revision"], ecs["revision"]);
    assert_eq!(detail["execution_role_arn"], role);
    assert_eq!(detail["task_role_arn"], role);
    assert_eq!(
        detail["requires_compatibilities"],
        serde_json::json!(["EC2"])
    );
    let container = &detail["containers"][0];
    assert_eq!(container["name"], "web");
    assert_eq!(container["privileged"], true);
    assert!(
        container["readonly_root_filesystem"].is_null(),
        "unset readonlyRootFilesystem must stay unset: {container}"
    );
    assert!(container["user"].is_null(), "no user was set: {container}");
    assert_eq!(
        container["environment_names"],
        serde_json::json!(["DB_PASSWORD", "LOG_LEVEL"])
    );
    assert_eq!(
        container["environment_secret_hints"],
        serde_json::json!([{"kind": "secret-named-variable", "location": "DB_PASSWORD"}])
    );
    assert_eq!(container["secret_refs"], serde_json::json!([]));
}

#[test]
fn hardened_task_definition_is_read_as_hardened() {
    let ecs = seeded_ecs("hardened");
    let (_, detail) = collected("hardened");
    assert_eq!(
        detail["execution_role_arn"],
        str_at(ecs, "/execution_role_arn")
    );
    assert_eq!(detail["task_role_arn"], str_at(ecs, "/task_role_arn"));
    assert_eq!(detail["network_mode"], "awsvpc");
    assert_eq!(
        detail["requires_compatibilities"],
        serde_json::json!(["FARGATE"])
    );
    let container = &detail["containers"][0];
    assert_eq!(container["privileged"], false);
    assert_eq!(container["readonly_root_filesystem"], true);
    assert_eq!(container["user"], "1000");
    assert_eq!(
        container["environment_names"],
        serde_json::json!(["LOG_LEVEL"])
    );
    assert_eq!(container["environment_secret_hints"], serde_json::json!([]));
    assert_eq!(container["secret_refs"], serde_json::json!(["DB_PASSWORD"]));
}

#[test]
fn plain_environment_values_never_reach_the_inventory_file() {
    let secret = str_at(seeded_ecs("risky"), "/env_secret/value");
    let text = inventory_text();
    assert!(
        !text.contains(secret),
        "the inventory file holds the DB_PASSWORD value"
    );
    // Not the harmless values either: no environment value is kept at all.
    assert!(!text.contains("\"debug\""), "an environment value was kept");
}

/// The other collectors the check catalogue added, read from the same
/// inventory: KMS (the hardened cluster's secrets key), CloudWatch Logs
/// (control-plane log groups), EC2 VPCs and instance-profile associations,
/// and EKS cluster versions (which moto lacks; the wire layer serves them).
#[test]
fn catalogue_collectors_fill_the_inventory() {
    let inventory: Value = serde_json::from_str(inventory_text()).expect("inventory is JSON");
    let region = &inventory["regions"][REGION];
    let clusters = region["clusters"]["known"]
        .as_array()
        .expect("clusters known");
    let cluster = |name: &str| {
        clusters
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no cluster {name}"))
    };

    // KMS: DescribeKey and GetKeyRotationStatus on the configured key.
    let key_arn = str_at(demo().cluster("hardened"), "/kms_key_arn");
    let key = &cluster("hardened")["secrets_key"]["known"];
    assert_eq!(key["arn"], key_arn, "secrets key: {key}");
    assert_eq!(key["key_state"], "Enabled");
    assert!(key["rotation_enabled"]["known"].is_boolean(), "{key}");
    assert!(
        cluster("risky")["secrets_key"].is_null(),
        "risky has no key"
    );

    // Logs: the seed creates no control-plane log group for risky, and says
    // so; hardened's keeps a year of logs.
    assert_eq!(
        cluster("risky")["log_group"],
        serde_json::json!({"known": null}),
        "log group of risky"
    );
    let hardened_logs = &cluster("hardened")["log_group"]["known"];
    assert_eq!(
        hardened_logs["name"], "/aws/eks/hardened/cluster",
        "{hardened_logs}"
    );
    assert_eq!(hardened_logs["retention_days"], 365, "{hardened_logs}");

    // VPCs: both seeded VPCs and the region's default VPC.
    let vpcs = region["vpcs"]["known"].as_array().expect("vpcs known");
    assert!(vpcs.iter().any(|v| v["is_default"] == true), "{vpcs:?}");
    assert!(vpcs.len() >= 3, "{vpcs:?}");

    // Instance-profile associations: every seeded node with its profile.
    let associations = region["instance_profile_associations"]["known"]
        .as_array()
        .expect("associations known");
    for name in ["risky", "hardened"] {
        let seeded = demo().cluster(name);
        let profile = str_at(seeded, "/instance_profile_arn");
        for i in seeded["instances"].as_array().expect("seeded instances") {
            let id = str_at(i, "/id");
            assert!(
                associations
                    .iter()
                    .any(|a| a["instance_id"] == id && a["instance_profile_arn"] == profile),
                "no association of {id} with {profile}: {associations:?}"
            );
        }
    }

    // Cluster versions: moto has none; the wire layer serves
    // DescribeClusterVersions (includeAll, so the unsupported ones too).
    let versions = region["cluster_versions"]["known"]
        .as_array()
        .unwrap_or_else(|| panic!("cluster versions known: {}", region["cluster_versions"]));
    let status = |v: &str| {
        versions
            .iter()
            .find(|x| x["version"] == v)
            .map(|x| x["status"].clone())
    };
    assert_eq!(
        status("1.34"),
        Some("STANDARD_SUPPORT".into()),
        "{versions:?}"
    );
    assert_eq!(status("1.28"), Some("UNSUPPORTED".into()), "{versions:?}");
}
