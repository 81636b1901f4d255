use eksposture_model::{Graph, Observed};

use super::{account_ref, scanning, status_evidence, Scanning};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every scanned region, the account's Amazon Inspector status
    /// (`BatchGetAccountStatus`), reported on the resource
    /// `arn:<partition>:inspector2:<region>:<account>:account`: **fail** when
    /// EC2 or ECR scanning is `DISABLED`, `DISABLING`, `SUSPENDED` or
    /// `SUSPENDING` (or, with no per-resource status, the account state is);
    /// **pass** when both EC2 and ECR scanning are `ENABLED`; **unknown**
    /// when the status could not be read, or neither is off and one is
    /// `ENABLING`, unrecognised, or not reported (an empty answer, as moto
    /// gives for an account never enabled, is not "disabled").
    ///
    /// ## Rationale
    ///
    /// Inspector is the AWS-native scanner for known vulnerabilities in node
    /// operating systems and packages (EC2) and in container images (ECR).
    /// Without it nobody learns that a node or an image in use carries a
    /// critical CVE. AWS FSBP Inspector.1/.2 require both; NIST SP 800-190
    /// and PCI DSS 6.3 / 11.3 require vulnerability identification for
    /// images and hosts.
    ///
    /// ## Remediation
    ///
    /// `aws inspector2 enable --resource-types EC2 ECR --account-ids
    /// <account>` in every region (or from the delegated administrator for
    /// the organization), and keep the SSM agent on nodes for agent-based
    /// scanning.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"inspector": {"account_status": {"known": {
    ///   "state": "ENABLED", "ec2": "DISABLED", "ecr": "ENABLED"}}}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"inspector": {"account_status": {"known": {
    ///   "state": "ENABLED", "ec2": "ENABLED", "ecr": "ENABLED"}}}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"inspector": {"account_status": {"known": {}}}}}}
    /// ```
    id: "inspector-enabled",
    title: "Amazon Inspector EC2 and ECR scanning should be enabled in every region",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsAccount",
    remediation: "Enable Amazon Inspector EC2 and ECR scanning in every region (aws inspector2 enable --resource-types EC2 ECR).",
    compliance: ["CIS-EKS-1.8:5.1.1", "AWS-FSBP:Inspector.1", "AWS-FSBP:Inspector.2", "NIST-800-190:4.1.1", "NIST-800-190:4.5.3", "PCI-DSS-4.0:6.3.1", "PCI-DSS-4.0:11.3.1", "EKS-BPG:image", "EKS-BPG:infrastructure"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for region in g.scanned_regions() {
        let inspector = g.inspector(region);
        let resource = account_ref(g, region);
        if let Observed::Unknown(gap) = &inspector.account_status {
            out.unknown(
                resource,
                &format!("the Inspector2 account status in {region}"),
                gap,
                vec![],
            );
            continue;
        }
        let evidence = vec![status_evidence(g, region)];
        let (mut off, mut undecided) = (Vec::new(), Vec::new());
        for label in ["EC2", "ECR"] {
            match scanning(inspector, label) {
                Scanning::Enabled => {}
                Scanning::Off(why) => off.push(why),
                Scanning::Undecided(why) => undecided.push(why),
                // The account status was read: checked above.
                Scanning::Unread(_) => undecided.push(format!("{label} scanning status unread")),
            }
        }
        if !off.is_empty() {
            out.fail(
                resource,
                format!(
                    "Amazon Inspector does not scan everything in {region}: {}",
                    off.join("; ")
                ),
                evidence,
            );
        } else if !undecided.is_empty() {
            out.unknown_because(
                resource,
                format!(
                    "Amazon Inspector scanning in {region} cannot be judged: {}",
                    undecided.join("; ")
                ),
                evidence,
            );
        } else {
            out.pass(
                resource,
                format!("Amazon Inspector scans EC2 and ECR in {region}"),
                evidence,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::inspector::fixtures::{not_supported, status};
    use crate::testing::{self, statuses};

    fn run(account_status: Value) -> Vec<Finding> {
        let mut r = json!({"regions": {"us-east-1": {"inspector": {}}}});
        r["regions"]["us-east-1"]["inspector"]["account_status"] = account_status;
        testing::run(&super::META, r)
    }

    #[test]
    fn fails_when_ecr_scanning_is_suspended_and_names_it() {
        let f = run(status("ENABLED", "SUSPENDED"));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:inspector2:us-east-1:111122223333:account"
        );
        assert_eq!(f[0].resource.kind, "AwsAccount");
        assert!(
            f[0].message.ends_with("ECR scanning is SUSPENDED"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fails_when_the_account_is_disabled_without_resource_statuses() {
        let f = run(json!({"known": {"state": "DISABLED"}}));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn passes_when_both_are_enabled() {
        assert_eq!(statuses(&run(status("ENABLED", "ENABLED"))), [Status::Pass]);
    }

    #[test]
    fn unknown_not_disabled_when_moto_answers_no_account_entry() {
        // moto answers `[]` before `Enable`: the collector keeps every field None.
        let f = run(json!({"known": {}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("reported no EC2 scanning status"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_enabling_or_unreadable_or_the_region_was_not_collected() {
        assert_eq!(
            statuses(&run(status("ENABLING", "ENABLED"))),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&run(not_supported("BatchGetAccountStatus"))),
            [Status::Unknown]
        );
        let f = testing::run(&super::META, json!({}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
