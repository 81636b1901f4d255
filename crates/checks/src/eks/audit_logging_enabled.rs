use eksposture_model::text::plural;
use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

/// The control-plane log types this check requires.
const REQUIRED: [&str; 2] = ["audit", "authenticator"];

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **pass** when the control-plane log types
    /// `audit` and `authenticator` are both enabled (`logging.clusterLogging`
    /// entries with `enabled: true`); **fail** when either is off, the
    /// message naming which; **unknown** when `DescribeCluster` failed or
    /// returned no `logging` block, and when the region's clusters could not
    /// be listed. The other types (`api`, `controllerManager`, `scheduler`)
    /// are reported in the evidence but not required.
    ///
    /// ## Rationale
    ///
    /// The Kubernetes audit log is the only record of who did what through
    /// the API server (read a secret, exec into a pod, bind a role); the
    /// authenticator log maps each request to the IAM principal behind it.
    /// Without them an intrusion cannot be detected or investigated. EKS
    /// sends neither to CloudWatch Logs unless enabled.
    ///
    /// ## Remediation
    ///
    /// `aws eks update-cluster-config --name <cluster> --logging
    /// '{"clusterLogging":[{"types":["audit","authenticator"],"enabled":true}]}'`,
    /// and give the log group `/aws/eks/<cluster>/cluster` a retention that
    /// meets your policy.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"enabled_log_types": ["api", "audit"]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"enabled_log_types": ["audit", "authenticator"]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"version": "1.31"}}}]}}}}
    /// ```
    id: "eks-audit-logging-enabled",
    title: "EKS clusters should send audit and authenticator control-plane logs to CloudWatch Logs",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Enable the `audit` and `authenticator` control-plane log types (aws eks update-cluster-config --logging).",
    compliance: ["CIS-EKS-1.8:2.1.1", "AWS-FSBP:EKS.8", "PCI-DSS-4.0:10.2.1", "EKS-BPG:detective"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(enabled) = config.enabled_log_types.as_deref() else {
            out.unknown_because(
                cluster_ref(&c),
                format!("DescribeCluster returned no logging configuration for cluster {name}"),
                vec![cluster_evidence(&c)],
            );
            return;
        };
        let on = |t: &str| enabled.iter().any(|e| e.eq_ignore_ascii_case(t));
        let off: Vec<&str> = REQUIRED.into_iter().filter(|t| !on(t)).collect();
        let detail = format!(
            "enabled control-plane log types: {}",
            if enabled.is_empty() {
                "none".to_string()
            } else {
                enabled.join(", ")
            }
        );
        let evidence = vec![Evidence::new("AwsEksCluster", &c.cluster.arn, detail)];
        if off.is_empty() {
            out.pass(
                cluster_ref(&c),
                format!("cluster {name} logs audit and authenticator events"),
                evidence,
            );
        } else {
            let what = plural(off.len(), "log is", "logs are");
            out.fail(
                cluster_ref(&c),
                format!("cluster {name}: the {} {what} off", off.join(" and ")),
                evidence,
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

    fn logging(types: &Value) -> Value {
        json!({"known": {"enabled_log_types": types}})
    }

    #[test]
    fn fails_and_names_both_when_all_logging_is_off() {
        let f = run(&logging(&json!([])));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "cluster c: the audit and authenticator logs are off"
        );
        assert!(f[0].evidence[0].detail.ends_with("none"));
    }

    #[test]
    fn fails_when_only_authenticator_is_off() {
        let f = run(&logging(&json!(["api", "audit", "scheduler"])));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].message, "cluster c: the authenticator log is off");
    }

    #[test]
    fn passes_when_audit_and_authenticator_are_on() {
        let f = run(&logging(&json!(["authenticator", "audit", "api"])));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_logging_block_not_returned() {
        let f = run(&json!({"known": {}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("no logging configuration"));
    }

    #[test]
    fn unknown_when_describe_cluster_failed() {
        let f = run(&testing::denied("eks", "us-east-1", "DescribeCluster"));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
