//! Test fragments: a cluster `c` whose Kubernetes API answered, with
//! every workload kind read (empty unless given).

use serde_json::{json, Value};

use eksposture_model::Status;

use crate::testing::{self, cluster, merge, statuses};
use crate::CheckMeta;

/// Cluster `c` with `kubernetes` fields merged over every kind read empty.
pub fn kube(fields: Value) -> Value {
    let mut k = json!({
        "connection": "eks-token",
        "namespaces": {"known": []},
        "network_policies": {"known": []},
        "workloads": {"Pod": {"known": []}, "Deployment": {"known": []},
            "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
            "Job": {"known": []}, "CronJob": {"known": []}}
    });
    // Each kind's `Observed` is replaced whole, never merged.
    let Value::Object(fields) = fields else {
        panic!("kube fields are an object")
    };
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("workloads", Value::Object(kinds)) => {
                for (kind, list) in kinds {
                    k["workloads"][kind] = list;
                }
            }
            (_, value) => k[key] = value,
        }
    }
    cluster(json!({"kubernetes": {"known": k}}))
}

/// Cluster `c` with these workloads of one kind.
pub fn workloads(kind: &str, list: &[Value]) -> Value {
    kube(json!({"workloads": {kind: {"known": list}}}))
}

/// A workload whose pod spec has `spec` fields and these containers.
pub fn workload(kind: &str, ns: &str, name: &str, spec: Value, containers: &[Value]) -> Value {
    let mut spec = spec;
    spec["containers"] = json!(containers);
    json!({"kind": kind, "namespace": ns, "name": name, "spec": spec})
}

/// Deployment `payments/api` with these containers.
pub fn deployment(containers: &[Value]) -> Value {
    workloads(
        "Deployment",
        &[workload(
            "Deployment",
            "payments",
            "api",
            json!({}),
            containers,
        )],
    )
}

/// A container `name` with `fields` (image `nginx@sha256:...` unless given).
pub fn container(name: &str, fields: Value) -> Value {
    let mut c = json!({"name": name, "role": "app", "image": "nginx@sha256:0123"});
    merge(&mut c, fields);
    c
}

pub const DEPLOYMENT_API: &str =
    "arn:aws:eks:us-east-1:111122223333:cluster/c/apis/apps/v1/namespaces/payments/deployments/api";

/// Cluster `c` whose Kubernetes API could not be reached.
pub fn unreachable() -> Value {
    cluster(
        json!({"kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
        "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}),
    )
}

/// The statuses of one check's findings over a fragment.
pub fn verdicts(meta: &'static CheckMeta, fragment: Value) -> Vec<Status> {
    statuses(&testing::run(meta, fragment))
}

/// A cluster whose API could not be reached is one unknown citing its gap.
pub fn assert_unknown_when_unreachable(meta: &'static CheckMeta) {
    let f = testing::run(meta, unreachable());
    assert_eq!(statuses(&f), [Status::Unknown], "{}", meta.id);
    assert!(
        f[0].message.contains("unreachable: GET /version"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].resource.id, crate::testing::CLUSTER_C);
}
