use eksposture_model::Graph;

use super::{inspect_node, Coverage, Scanning};
use crate::support::{instance_gaps, instance_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every live node instance against Amazon Inspector's coverage list
    /// (`ListCoverage`, resource type `AWS_EC2_INSTANCE`, named by instance
    /// id): **fail** when Inspector EC2 scanning is off in the node's region
    /// (`DISABLED`, `SUSPENDED`, ...), when the node is not in the list, or
    /// when it is listed with a scan status other than `ACTIVE`; **pass**
    /// when it is listed `ACTIVE`; **unknown** when the coverage list could
    /// not be read (moto does not implement `ListCoverage`) and scanning is
    /// not known to be off, when the entry has no scan status, and when a
    /// region's clusters or instances could not be listed.
    ///
    /// ## Rationale
    ///
    /// Enabling Inspector is not enough: a node without the SSM agent, with
    /// an unsupported OS or an instance profile lacking SSM permissions is
    /// silently not scanned, and its vulnerabilities are never reported.
    /// PCI DSS 11.3.1 and 6.3.1 require every system component to be
    /// scanned; NIST SP 800-190 4.5.3 names host OS vulnerabilities.
    ///
    /// ## Remediation
    ///
    /// Enable Inspector EC2 scanning (hybrid mode covers nodes without the
    /// SSM agent), or install and register the SSM agent and attach
    /// `AmazonSSMManagedInstanceCore` to the node role; check the coverage
    /// page in the Inspector console for the reason a node is inactive.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"account_status": {"known": {"state": "ENABLED", "ec2": "ENABLED"}},
    ///     "coverage": {"known": []}}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"account_status": {"known": {"state": "ENABLED", "ec2": "ENABLED"}},
    ///     "coverage": {"known": [{"resource_id": "i-1", "resource_type": "AWS_EC2_INSTANCE", "scan_status": "ACTIVE"}]}}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"account_status": {"known": {"state": "ENABLED", "ec2": "ENABLED"}},
    ///     "coverage": {"unknown": {"service": "inspector2", "region": "us-east-1",
    ///       "operation": "ListCoverage", "reason": "not_supported", "message": "404"}}}}}}
    /// ```
    id: "inspector-nodes-covered",
    title: "Every EKS node should be actively scanned by Amazon Inspector",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEc2Instance",
    remediation: "Enable Inspector EC2 scanning and make sure every node is covered (SSM agent registered, or agentless hybrid scanning).",
    compliance: ["NIST-800-190:4.5.3", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:11.3.1", "EKS-BPG:infrastructure"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in instance_gaps(g) {
        u.emit(out);
    }
    for node in g.live_nodes() {
        let i = inspect_node(g, node);
        let evidence = i.evidence(g, node);
        let (id, region) = (&node.instance.instance_id, node.region);
        let resource = instance_ref(node);
        match (&i.ec2, &i.coverage) {
            (Scanning::Off(why), _) => {
                out.fail(
                    resource,
                    format!("node {id} is not scanned by Amazon Inspector: {why} in {region}"),
                    evidence,
                );
            }
            (_, Coverage::Active) => {
                out.pass(
                    resource,
                    format!("node {id} is actively scanned by Amazon Inspector"),
                    evidence,
                );
            }
            (_, Coverage::NotActive(Some(s))) => {
                out.fail(resource, format!("node {id} is in Amazon Inspector's coverage with scan status {s}, not ACTIVE"), evidence);
            }
            (_, Coverage::NotActive(None)) => {
                out.unknown_because(
                    resource,
                    format!("ListCoverage returned no scan status for node {id}"),
                    evidence,
                );
            }
            (_, Coverage::Absent) => {
                out.fail(
                    resource,
                    format!("node {id} is not in Amazon Inspector's coverage list"),
                    evidence,
                );
            }
            (_, Coverage::Unread(gap)) => {
                out.unknown(
                    resource,
                    &format!("Amazon Inspector coverage of node {id}"),
                    gap,
                    evidence,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::inspector::fixtures::{covered, inspector, node_region, not_supported, status};
    use crate::testing::{self, statuses};

    fn run(account_status: Value, coverage: Value) -> Vec<Finding> {
        let r = node_region(inspector([
            ("account_status", account_status),
            ("coverage", coverage),
        ]));
        testing::run(&super::META, r)
    }

    #[test]
    fn fails_when_ec2_scanning_is_disabled_whatever_the_coverage() {
        let f = run(status("DISABLED", "ENABLED"), json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "node i-1 is not scanned by Amazon Inspector: EC2 scanning is DISABLED in us-east-1"
        );
        let f = run(status("DISABLED", "ENABLED"), not_supported("ListCoverage"));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn fails_when_absent_or_inactive() {
        assert_eq!(
            statuses(&run(status("ENABLED", "ENABLED"), json!({"known": []}))),
            [Status::Fail]
        );
        let f = run(status("ENABLED", "ENABLED"), covered("INACTIVE"));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("scan status INACTIVE"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_covered_active_and_matches_by_arn_too() {
        let f = run(status("ENABLED", "ENABLED"), covered("ACTIVE"));
        assert_eq!(statuses(&f), [Status::Pass]);
        let by_arn = json!({"known": [{"resource_id": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "resource_type": "AWS_EC2_INSTANCE", "scan_status": "ACTIVE"}]});
        assert_eq!(
            statuses(&run(status("ENABLED", "ENABLED"), by_arn)),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_per_node_when_coverage_is_not_supported() {
        let f = run(status("ENABLED", "ENABLED"), not_supported("ListCoverage"));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        );
    }
}
