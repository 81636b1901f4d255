//! The AWS SDK stays in the AWS crates: model, policy, checks and report must
//! compile without it (fast tests, offline evaluation), and only the AWS
//! plumbing, the collectors and the sinks name `aws-*` crates directly. The
//! collectors are read-only by construction: nothing they link can send
//! the scanner's writes (Security Hub, S3), which only the sinks hold. The
//! Kubernetes client stays in crates/kube, and the binary links one TLS
//! crypto provider (aws-lc-rs, the SDK's; kube-rs's default would add ring).

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

/// `(package, dependency)` for every direct dependency of every workspace
/// member, as its manifest names it.
fn direct_dependencies(meta: &Value) -> Vec<(&str, &str)> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|pkg| members.contains(pkg["id"].as_str().unwrap()))
        .flat_map(|pkg| {
            let name = pkg["name"].as_str().unwrap();
            pkg["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |dep| (name, dep["name"].as_str().unwrap()))
        })
        .collect()
}

fn is_sdk(name: &str) -> bool {
    name.starts_with("aws-sdk-") || name.starts_with("aws-config") || name.starts_with("aws-smithy")
}

/// The crates that may name the AWS SDK.
const SDK_CRATES: [&str; 3] = ["eksposture-aws", "eksposture-collect", "eksposture-sinks"];

/// The SDK crates holding the scanner's only writes.
const WRITERS: [&str; 2] = ["aws-sdk-securityhub", "aws-sdk-s3"];

#[test]
fn only_the_aws_crates_depend_on_the_aws_sdk() {
    let meta = metadata();
    for (name, dep_name) in direct_dependencies(&meta) {
        if is_sdk(dep_name) {
            assert!(
                SDK_CRATES.contains(&name),
                "{name} depends on {dep_name}: only {SDK_CRATES:?} may name the AWS SDK"
            );
        }
    }
    let graph = Graph::new(&meta);
    for krate in [
        "eksposture-model",
        "eksposture-policy",
        "eksposture-checks",
        "eksposture-report",
    ] {
        if let Some(n) = graph.reaches(krate, is_sdk) {
            panic!("{krate} pulls in {n}: keep the AWS SDK in {SDK_CRATES:?}");
        }
    }
}

#[test]
fn the_collectors_cannot_send_the_writes() {
    let meta = metadata();
    let graph = Graph::new(&meta);
    for krate in ["eksposture-aws", "eksposture-collect"] {
        if let Some(n) = graph.reaches(krate, |n| WRITERS.contains(&n)) {
            panic!("{krate} pulls in {n}: the writes belong to eksposture-sinks");
        }
    }
}

fn is_kube(name: &str) -> bool {
    name == "kube" || name.starts_with("kube-") || name == "k8s-openapi"
}

#[test]
fn only_the_kubernetes_collector_depends_on_kube_rs() {
    let meta = metadata();
    for (name, dep_name) in direct_dependencies(&meta) {
        assert!(
            !is_kube(dep_name) || name == "eksposture-kube",
            "{name} depends on {dep_name}: only eksposture-kube may name kube-rs"
        );
    }
    let graph = Graph::new(&meta);
    for krate in [
        "eksposture-model",
        "eksposture-policy",
        "eksposture-checks",
        "eksposture-report",
    ] {
        if let Some(n) = graph.reaches(krate, is_kube) {
            panic!("{krate} pulls in {n}: keep kube-rs in eksposture-kube");
        }
    }
}

/// `cargo tree -p <krate> -e normal -i <package>` for this machine's target:
/// what links `package` into `krate`, empty when nothing does.
fn inverse_tree(krate: &str, package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-p", krate, "-e", "normal", "-i", package])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo tree runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A package in no graph at all is an error rather than an empty tree.
    if !out.status.success() && stderr.contains("did not match any packages") {
        return String::new();
    }
    assert!(out.status.success(), "cargo tree failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_binary_links_one_crypto_provider() {
    for krate in ["eksposture", "eksposture-kube"] {
        let ring = inverse_tree(krate, "ring");
        assert!(ring.trim().is_empty(), "{krate} links ring:\n{ring}");
        assert!(
            !inverse_tree(krate, "aws-lc-rs").trim().is_empty(),
            "{krate} does not link aws-lc-rs: which provider does its TLS use?"
        );
    }
}

/// The resolved dependency graph of normal (non-dev, non-build) edges.
struct Graph<'a> {
    meta: &'a Value,
    members: BTreeSet<&'a str>,
    nodes: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Graph<'a> {
    fn new(meta: &'a Value) -> Self {
        let members = meta["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let nodes = meta["resolve"]["nodes"]
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
        Graph {
            meta,
            members,
            nodes,
        }
    }

    fn name_of(&self, id: &str) -> String {
        self.meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["name"].as_str().unwrap().to_string())
            .unwrap()
    }

    /// The first package matching `bad` that `krate` links, if any.
    fn reaches(&self, krate: &str, bad: impl Fn(&str) -> bool) -> Option<String> {
        let root = self
            .members
            .iter()
            .find(|id| self.name_of(id) == krate)
            .unwrap_or_else(|| panic!("{krate} is a member"));
        let mut stack = vec![*root];
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let n = self.name_of(id);
            if bad(&n) {
                return Some(n);
            }
            stack.extend(self.nodes.get(id).into_iter().flatten().copied());
        }
        None
    }
}
