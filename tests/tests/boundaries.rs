//! The AWS SDK stays in the collector: model, policy, checks and report must
//! compile without it (fast tests, offline evaluation), and only the
//! collector names `aws-*` crates directly.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

fn is_sdk(name: &str) -> bool {
    name.starts_with("aws-sdk-") || name.starts_with("aws-config") || name.starts_with("aws-smithy")
}

#[test]
fn only_the_collector_depends_on_the_aws_sdk() {
    let meta = metadata();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Direct dependencies of every workspace package.
    for pkg in meta["packages"].as_array().unwrap() {
        if !members.contains(pkg["id"].as_str().unwrap()) {
            continue;
        }
        let name = pkg["name"].as_str().unwrap();
        for dep in pkg["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            if is_sdk(dep_name) {
                assert_eq!(
                    name, "eksposture-collect",
                    "{name} depends on {dep_name}: only the collector may name the AWS SDK"
                );
            }
        }
    }
    // Transitive closure of the SDK-free crates, over the resolved graph.
    let nodes: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let name_of = |id: &str| -> String {
        meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["name"].as_str().unwrap().to_string())
            .unwrap()
    };
    for krate in [
        "eksposture-model",
        "eksposture-policy",
        "eksposture-checks",
        "eksposture-report",
    ] {
        let root = members
            .iter()
            .find(|id| name_of(id) == krate)
            .unwrap_or_else(|| panic!("{krate} is a member"));
        let mut stack = vec![*root];
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let n = name_of(id);
            assert!(
                !is_sdk(&n),
                "{krate} pulls in {n}: keep the AWS SDK in eksposture-collect"
            );
            stack.extend(nodes.get(id).into_iter().flatten().copied());
        }
    }
}
