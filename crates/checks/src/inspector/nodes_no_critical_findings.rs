use eksposture_model::Graph;

use super::{inspect_node, Coverage, Scanning};
use crate::support::{instance_gaps, instance_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every live node instance against Amazon Inspector's active findings
    /// (`ListFindings`, status `ACTIVE`, resource type `AWS_EC2_INSTANCE`):
    /// **fail** when the node has one or more `CRITICAL` findings (the
    /// message gives the critical and high counts); **pass** when the
    /// findings were read, none on the node is critical, and Inspector is
    /// known to look at it: the coverage list shows it `ACTIVE`;
    /// **unknown** when the findings could not be read, when the node is not
    /// (actively) covered, or when coverage could not be read — even with
    /// EC2 scanning `ENABLED`, a node without the SSM agent or on an
    /// unsupported OS is not scanned, and no finding because nobody looked
    /// is not a pass — and when a region's clusters or instances could not
    /// be listed.
    ///
    /// ## Rationale
    ///
    /// A critical vulnerability in a node's kernel, container runtime,
    /// kubelet or OS packages is a path from any pod, or from the network,
    /// to the node and to every pod and credential on it. PCI DSS 6.3.3
    /// requires critical patches within a month; NIST SP 800-190 4.5.3 names
    /// host OS component vulnerabilities.
    ///
    /// ## Remediation
    ///
    /// Update the nodegroup to the latest AMI release (`aws eks
    /// update-nodegroup-version`), or patch self-managed nodes and replace
    /// them; for findings Inspector cannot fix by AMI, follow its
    /// remediation text.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"finding_counts": {"known": [
    ///     {"resource_id": "i-1", "resource_type": "AWS_EC2_INSTANCE", "critical": 2, "high": 7}]}}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"account_status": {"known": {"state": "ENABLED", "ec2": "ENABLED"}},
    ///     "coverage": {"known": [{"resource_id": "i-1", "resource_type": "AWS_EC2_INSTANCE", "scan_status": "ACTIVE"}]},
    ///     "finding_counts": {"known": []}}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]},
    ///   "inspector": {"account_status": {"known": {"state": "ENABLED", "ec2": "ENABLED"}},
    ///     "coverage": {"known": []}, "finding_counts": {"known": []}}}}}
    /// ```
    id: "inspector-nodes-no-critical-findings",
    title: "EKS nodes should have no active critical Amazon Inspector findings",
    severity: High,
    kind: Vulnerability,
    resource_type: "AwsEc2Instance",
    remediation: "Update the nodegroup to the latest AMI release (or patch and replace self-managed nodes) to fix the critical findings.",
    compliance: ["NIST-800-190:4.5.3", "PCI-DSS-4.0:6.3.3", "PCI-DSS-4.0:11.3.1", "EKS-BPG:infrastructure"],
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
        let counts = match i.counts {
            Err(gap) => {
                out.unknown(
                    resource,
                    &format!("the Amazon Inspector findings of node {id}"),
                    gap,
                    evidence,
                );
                continue;
            }
            Ok(counts) => counts,
        };
        let (critical, high) = counts.map_or((0, 0), |c| (c.critical, c.high));
        if critical > 0 {
            let msg = format!("node {id} has {critical} active critical and {high} high Amazon Inspector findings");
            out.fail(resource, msg, evidence);
            continue;
        }
        let looked = match (&i.coverage, &i.ec2) {
            (Coverage::Active, _) => Ok("Inspector actively scans it".to_string()),
            (Coverage::Unread(_), Scanning::Enabled) => Err(format!(
                "Inspector EC2 scanning is ENABLED in {region}, but its coverage list could not be read, so whether it scans this node is not known"
            )),
            (Coverage::Unread(_), Scanning::Off(why) | Scanning::Undecided(why)) => Err(why.clone()),
            (Coverage::Unread(_), Scanning::Unread(_)) => Err("neither Inspector's coverage nor its status could be read".into()),
            (Coverage::NotActive(s), _) => Err(format!("its Inspector scan status is {}", s.unwrap_or("not returned"))),
            (Coverage::Absent, _) => Err("it is not in Inspector's coverage list".into()),
        };
        match looked {
            Ok(how) => {
                let msg = format!("node {id} has no active critical Amazon Inspector findings ({high} high); {how}");
                out.pass(resource, msg, evidence);
            }
            Err(why) => {
                let msg = format!("node {id} has no critical Amazon Inspector findings, but Inspector is not known to scan it: {why}");
                out.unknown_because(resource, msg, evidence);
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

    fn run(account_status: Value, coverage: Value, counts: Value) -> Vec<Finding> {
        let r = node_region(inspector([
            ("account_status", account_status),
            ("coverage", coverage),
            ("finding_counts", counts),
        ]));
        testing::run(&super::META, r)
    }

    fn counts(critical: u32, high: u32) -> Value {
        json!({"known": [{"resource_id": "i-1", "resource_type": "AWS_EC2_INSTANCE",
            "critical": critical, "high": high}]})
    }

    #[test]
    fn fails_with_critical_and_high_counts_even_when_coverage_is_unread() {
        let f = run(
            status("ENABLED", "ENABLED"),
            not_supported("ListCoverage"),
            counts(1, 4),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "node i-1 has 1 active critical and 4 high Amazon Inspector findings"
        );
    }

    #[test]
    fn passes_when_covered_with_only_high_findings() {
        let f = run(
            status("ENABLED", "ENABLED"),
            covered("ACTIVE"),
            counts(0, 3),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("(3 high)"), "{}", f[0].message);
    }

    #[test]
    fn unknown_when_coverage_is_unread_even_with_ec2_scanning_enabled() {
        let f = run(
            status("ENABLED", "ENABLED"),
            not_supported("ListCoverage"),
            json!({"known": []}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_not_pass_when_nobody_looked() {
        // Disabled: the collector records empty coverage and findings.
        let f = run(
            status("DISABLED", "DISABLED"),
            json!({"known": []}),
            json!({"known": []}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        let f = run(
            json!({"known": {}}),
            not_supported("ListCoverage"),
            json!({"known": []}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_findings_could_not_be_read() {
        let f = run(
            status("ENABLED", "ENABLED"),
            covered("ACTIVE"),
            not_supported("ListFindings"),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
