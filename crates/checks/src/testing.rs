//! Test support: inventories from small JSON fragments, and the runner for
//! the `## Examples` of each check's documentation.

use eksposture_model::{Finding, Inventory, Status};
use serde_json::{json, Value};

use crate::{Check, CheckMeta};

/// The inventory every fragment is merged into: one account, one region,
/// and nothing else known.
pub fn base() -> Value {
    json!({
        "schema_version": "1",
        "scan": {
            "account_id": "111122223333",
            "partition": "aws",
            "regions": ["us-east-1"],
            "started_at": "2026-11-01T00:00:00Z",
            "finished_at": "2026-11-01T00:00:10Z"
        }
    })
}

/// Merges `from` into `into`: objects key by key, anything else replaced.
pub fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// An inventory from a fragment merged into [`base`].
pub fn inventory(fragment: Value) -> Inventory {
    let mut v = base();
    merge(&mut v, fragment);
    serde_json::from_value(v).expect("fragment is a valid inventory")
}

/// Runs one check over a fragment.
pub fn eval(check: &'static Check, fragment: Value) -> Vec<Finding> {
    let inv = inventory(fragment);
    crate::run(&inv, &[check])
}

/// The statuses of the findings, for compact assertions.
pub fn statuses(findings: &[Finding]) -> Vec<Status> {
    findings.iter().map(|f| f.status).collect()
}

/// Asserts an example behaves as its tag says: `fail` yields a failure;
/// `pass` only passes; `unknown` an unknown and no pass or fail.
pub fn run_example(check: &'static Check, kind: &str, json: &str) {
    let fragment: Value = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("{}: example `{kind}` is not JSON: {e}", check.meta.id));
    let findings = eval(check, fragment);
    let st = statuses(&findings);
    let ok = match kind {
        "fail" => st.contains(&Status::Fail),
        "pass" => !st.is_empty() && st.iter().all(|s| *s == Status::Pass),
        "unknown" => {
            st.contains(&Status::Unknown)
                && !st.contains(&Status::Fail)
                && !st.contains(&Status::Pass)
        }
        other => panic!("{}: unknown example kind {other}", check.meta.id),
    };
    assert!(
        ok,
        "{}: example `{kind}` produced {st:?}: {findings:#?}",
        check.meta.id
    );
}

/// The findings of the check `meta` declares over a fragment: what every
/// check's tests run. The check is found through the registry, so this
/// also fails for a check that is not registered.
pub fn run(meta: &'static CheckMeta, fragment: Value) -> Vec<Finding> {
    let check = crate::find(meta.id).unwrap_or_else(|| panic!("{} is not registered", meta.id));
    eval(check, fragment)
}

/// A read of `operation` that AWS denied, as the inventory records it.
pub fn denied(service: &str, region: &str, operation: &str) -> Value {
    json!({"unknown": {"service": service, "region": region, "operation": operation,
        "reason": "access_denied", "message": "denied"}})
}

pub const CLUSTER_C: &str = "arn:aws:eks:us-east-1:111122223333:cluster/c";

/// A fragment with one EKS cluster, `c` in us-east-1, with `fields`
/// (`config`, `access_entries`, ...).
pub fn cluster(fields: Value) -> Value {
    let mut cluster = json!({"name": "c", "arn": CLUSTER_C});
    merge(&mut cluster, fields);
    json!({"regions": {"us-east-1": {"clusters": {"known": [cluster]}}}})
}

pub const REPO_API: &str = "arn:aws:ecr:us-east-1:111122223333:repository/api";

/// A fragment with one ECR repository, `api` in us-east-1, with `fields`.
pub fn repository(fields: Value) -> Value {
    let mut repository = json!({"name": "api", "arn": REPO_API});
    merge(&mut repository, fields);
    json!({"regions": {"us-east-1": {"repositories": {"known": [repository]}}}})
}
