use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **pass** when `deletionProtection` is `true`;
    /// **fail** when it is `false`; **unknown** when `DescribeCluster` did
    /// not return the field (older API versions and moto omit it: absence is
    /// not "off"), when `DescribeCluster` failed, and when the region's
    /// clusters could not be listed.
    ///
    /// ## Rationale
    ///
    /// `DeleteCluster` removes the control plane, its etcd state (every
    /// Kubernetes object and secret) and its access configuration at once,
    /// with no undo. Deletion protection makes a deliberate
    /// `UpdateClusterConfig` call a precondition, which stops accidental
    /// deletion by automation and slows down a destructive attacker.
    ///
    /// ## Remediation
    ///
    /// `aws eks update-cluster-config --name <cluster> --deletion-protection`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"deletion_protection": false}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"deletion_protection": true}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"version": "1.33"}}}]}}}}
    /// ```
    id: "eks-deletion-protection-enabled",
    title: "EKS clusters should have deletion protection enabled",
    severity: Low,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Enable deletion protection (aws eks update-cluster-config --deletion-protection).",
    compliance: ["EKS-BPG:infrastructure"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(on) = config.deletion_protection else {
            let msg = format!(
                "DescribeCluster returned no deletionProtection setting for cluster {name}"
            );
            out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            return;
        };
        let ev = vec![Evidence::new(
            "AwsEksCluster",
            &c.cluster.arn,
            format!("cluster {name}: deletionProtection={on}"),
        )];
        if on {
            out.pass(
                cluster_ref(&c),
                format!("cluster {name} has deletion protection on"),
                ev,
            );
        } else {
            out.fail(
                cluster_ref(&c),
                format!(
                    "cluster {name} can be deleted without first turning off deletion protection"
                ),
                ev,
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn run(config: &Value) -> Vec<Finding> {
        testing::run(&super::META, testing::cluster(json!({"config": config})))
    }

    #[test]
    fn fails_when_deletion_protection_off() {
        let f = run(&json!({"known": {"deletion_protection": false}}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].evidence[0].detail.contains("deletionProtection=false"));
    }

    #[test]
    fn passes_when_deletion_protection_on() {
        assert_eq!(
            statuses(&run(&json!({"known": {"deletion_protection": true}}))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_deletion_protection_not_returned() {
        // moto and older API versions omit the field: absence is not "off".
        let f = run(&json!({"known": {"version": "1.33", "endpoint_public_access": false}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("no deletionProtection"));
    }

    #[test]
    fn unknown_when_describe_cluster_failed() {
        let f = run(&json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "DescribeCluster", "reason": "throttled", "message": "slow down"}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
