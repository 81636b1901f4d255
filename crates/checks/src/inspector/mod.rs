//! Amazon Inspector checks: whether Inspector scans the account's nodes and
//! images in each region, whether it covers each node, and what it found
//! there. The per-region status and the per-node verdicts they share live
//! here; the graph finds a node's coverage and findings.

pub mod enabled;
pub mod nodes_covered;
pub mod nodes_no_critical_findings;

use eksposture_model::graph::NodeView;
use eksposture_model::{
    Evidence, Gap, Graph, Inspector, InspectorFindingCount, Observed, ResourceRef,
};

use crate::emit::gap_evidence;
use crate::support::instance_evidence;

/// Inspector2 has no ARN for an account's enablement in a region; this
/// stable id, `arn:<partition>:inspector2:<region>:<account>:account`,
/// stands for it.
pub fn account_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    let id = format!(
        "arn:{}:inspector2:{region}:{}:account",
        g.partition(),
        g.account_id()
    );
    ResourceRef::new("AwsAccount", id, region)
}

/// The account's Inspector2 status in a region, as evidence.
pub fn status_evidence(g: &Graph<'_>, region: &str) -> Evidence {
    let id = account_ref(g, region).id;
    match &g.inspector(region).account_status {
        Observed::Unknown(gap) => gap_evidence(gap),
        Observed::Known(s) => {
            let v = |o: &Option<String>| o.clone().unwrap_or_else(|| "not reported".into());
            let detail = format!(
                "Inspector2 in {region}: account {}, EC2 scanning {}, ECR scanning {}",
                v(&s.state),
                v(&s.ec2),
                v(&s.ecr)
            );
            Evidence::new("AwsAccount", id, detail)
        }
    }
}

/// What `BatchGetAccountStatus` says about scanning one resource type.
#[derive(Debug)]
pub enum Scanning<'a> {
    Enabled,
    /// Disabled, suspended or being turned off; the text says which.
    Off(String),
    /// Being enabled, an unrecognised status, or none reported.
    Undecided(String),
    Unread(&'a Gap),
}

/// `EC2` or `ECR` scanning in a region. An unreported resource status
/// follows an account state that is off; otherwise it is undecided (moto
/// answers `[]` for an account never enabled).
pub fn scanning<'a>(inspector: &'a Inspector, label: &str) -> Scanning<'a> {
    let s = match &inspector.account_status {
        Observed::Unknown(gap) => return Scanning::Unread(gap),
        Observed::Known(s) => s,
    };
    let field = if label == "EC2" { &s.ec2 } else { &s.ecr };
    let off = |v: &str| matches!(v, "DISABLED" | "DISABLING" | "SUSPENDED" | "SUSPENDING");
    match (field.as_deref(), s.state.as_deref()) {
        (Some("ENABLED"), _) => Scanning::Enabled,
        (Some(v), _) if off(v) => Scanning::Off(format!("{label} scanning is {v}")),
        (Some("ENABLING"), _) => {
            Scanning::Undecided(format!("{label} scanning is ENABLING, not yet active"))
        }
        (Some(v), _) => {
            Scanning::Undecided(format!("{label} scanning status {v:?} is unrecognised"))
        }
        (None, Some(v)) if off(v) => Scanning::Off(format!(
            "Inspector is {v} for the account, so {label} scanning is off"
        )),
        (None, _) => Scanning::Undecided(format!(
            "BatchGetAccountStatus reported no {label} scanning status"
        )),
    }
}

/// A node's entry in Inspector's coverage list.
#[derive(Debug)]
pub enum Coverage<'a> {
    /// Listed with scan status `ACTIVE`.
    Active,
    /// Listed with another status, or none (`None`).
    NotActive(Option<&'a str>),
    /// The list was read and the node is not in it.
    Absent,
    Unread(&'a Gap),
}

/// Inspector's view of one node: its region's EC2 scanning, its coverage
/// and its active critical/high findings.
pub struct NodeInspection<'a> {
    pub ec2: Scanning<'a>,
    pub coverage: Coverage<'a>,
    /// `Ok(None)`: the findings were read and none is on this node.
    pub counts: Result<Option<&'a InspectorFindingCount>, &'a Gap>,
}

pub fn inspect_node<'a>(g: &Graph<'a>, node: &NodeView<'_>) -> NodeInspection<'a> {
    let coverage = match g.inspector_coverage_of(node) {
        Err(gap) => Coverage::Unread(gap),
        Ok(entries) => {
            if entries
                .iter()
                .any(|c| c.scan_status.as_deref() == Some("ACTIVE"))
            {
                Coverage::Active
            } else if let Some(c) = entries.first() {
                Coverage::NotActive(c.scan_status.as_deref())
            } else {
                Coverage::Absent
            }
        }
    };
    let counts = g.inspector_findings_of(node);
    let inspector = g.inspector(node.region);
    NodeInspection {
        ec2: scanning(inspector, "EC2"),
        coverage,
        counts,
    }
}

impl NodeInspection<'_> {
    /// The node with its coverage and findings, then the region's status.
    pub fn evidence(&self, g: &Graph<'_>, node: &NodeView<'_>) -> Vec<Evidence> {
        let mut instance = instance_evidence(node);
        let coverage = match &self.coverage {
            Coverage::Active => "Inspector coverage: scan status ACTIVE".to_string(),
            Coverage::NotActive(s) => format!(
                "Inspector coverage: scan status {}",
                s.unwrap_or("not returned")
            ),
            Coverage::Absent => "not in Inspector coverage".to_string(),
            Coverage::Unread(_) => "Inspector coverage not read".to_string(),
        };
        let findings = match self.counts {
            Ok(Some(c)) => format!(
                "active Inspector findings: {} critical, {} high",
                c.critical, c.high
            ),
            Ok(None) => "no active critical or high Inspector findings".to_string(),
            Err(_) => "Inspector findings not read".to_string(),
        };
        instance.detail = format!("{}; {coverage}; {findings}", instance.detail);
        let mut out = vec![instance, status_evidence(g, node.region)];
        if let Coverage::Unread(gap) = self.coverage {
            out.push(gap_evidence(gap));
        }
        out
    }
}

/// Inventory fragments for the inspector tests.
#[cfg(test)]
pub mod fixtures {
    use serde_json::{json, Value};

    /// Region us-east-1 with one running node `i-1` of cluster `prod` and the
    /// given Inspector data.
    pub fn node_region(inspector: Value) -> Value {
        let mut r = json!({"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
            {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
             "state": "running", "tags": {"eks:cluster-name": "prod"}}]}}}});
        r["regions"]["us-east-1"]["inspector"] = inspector;
        r
    }

    /// An Inspector object with the given fields.
    pub fn inspector<const N: usize>(fields: [(&str, Value); N]) -> Value {
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn status(ec2: &str, ecr: &str) -> Value {
        json!({"known": {"state": "ENABLED", "ec2": ec2, "ecr": ecr}})
    }

    pub fn covered(scan_status: &str) -> Value {
        json!({"known": [{"resource_id": "i-1", "resource_type": "AWS_EC2_INSTANCE", "scan_status": scan_status}]})
    }

    pub fn not_supported(operation: &str) -> Value {
        json!({"unknown": {"service": "inspector2", "region": "us-east-1", "operation": operation,
            "reason": "not_supported", "message": "404 with no error code"}})
    }
}
