use eksposture_model::graph::ClusterView;
use eksposture_model::{Evidence, Graph, LogGroup, Observed};

use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, its control-plane log group
    /// `/aws/eks/<cluster>/cluster`. **pass** when the group keeps logs 365
    /// days or more, or never expires them (no retention set); **fail** when
    /// its retention is shorter than 365 days, and when control-plane logging
    /// is on (DescribeCluster lists enabled log types) but the group does not
    /// exist: the control plane writes its logs nowhere that keeps them (the
    /// group was deleted, and with it the audit history). **unknown** when
    /// the log group could not be read, when the group does not exist and
    /// whether logging is on is unknown (DescribeCluster failed or returned
    /// no `logging` block), and when the region's clusters could not be
    /// listed. A cluster with logging off and no log group gets no finding
    /// here: there is nothing to retain, and `eks-audit-logging-enabled`
    /// reports it.
    ///
    /// ## Rationale
    ///
    /// Intrusions are often found months after they began; the Kubernetes
    /// audit and authenticator logs are the record of who did what through
    /// the API server. PCI DSS 10.5.1 asks for 12 months of audit log
    /// history. CloudWatch deletes events past the group's retention, so a
    /// short retention destroys that record.
    ///
    /// ## Remediation
    ///
    /// `aws logs put-retention-policy --log-group-name /aws/eks/<cluster>/cluster
    /// --retention-in-days 365` (or longer), or export the logs to an archive
    /// (S3 with Object Lock) kept for at least a year.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "log_group": {"known": {"name": "/aws/eks/prod/cluster", "retention_days": 90}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "log_group": {"known": {"name": "/aws/eks/prod/cluster"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "log_group": {"unknown": {"service": "logs", "region": "us-east-1",
    ///     "operation": "DescribeLogGroups", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "eks-log-retention",
    title: "EKS control-plane log groups should keep logs for at least 365 days",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Set the retention of /aws/eks/<cluster>/cluster to 365 days or more (aws logs put-retention-policy), or archive the logs for at least a year.",
    compliance: ["PCI-DSS-4.0:10.5.1", "EKS-BPG:detective"],
}

/// PCI DSS 10.5.1: twelve months of audit log history.
const MIN_DAYS: i32 = 365;

fn group_evidence(g: &Graph<'_>, c: &ClusterView<'_>, lg: &LogGroup, detail: String) -> Evidence {
    let arn = lg.arn.clone().unwrap_or_else(|| {
        format!(
            "arn:{}:logs:{}:{}:log-group:{}",
            g.partition(),
            c.region,
            g.account_id(),
            lg.name
        )
    });
    Evidence::new("AwsLogsLogGroup", arn, detail)
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        let name = &c.cluster.name;
        let group = format!("/aws/eks/{name}/cluster");
        let mut evidence = vec![cluster_evidence(&c)];
        match &c.cluster.log_group {
            Observed::Unknown(gap) => {
                out.unknown(
                    cluster_ref(&c),
                    &format!("log group {group} of cluster {name}"),
                    gap,
                    evidence,
                );
            }
            Observed::Known(Some(lg)) => {
                let kept = lg
                    .retention_days
                    .map_or_else(|| "never expire".to_string(), |d| format!("{d} days"));
                evidence.push(group_evidence(g, &c, lg, format!("retention: {kept}")));
                let msg = format!("logs in {} of cluster {name}: retention {kept}", lg.name);
                match lg.retention_days {
                    Some(d) if d < MIN_DAYS => {
                        let msg = format!("{msg}, less than {MIN_DAYS} days");
                        out.fail(cluster_ref(&c), msg, evidence);
                    }
                    _ => out.pass(cluster_ref(&c), msg, evidence),
                }
            }
            Observed::Known(None) => {
                let logging = c
                    .cluster
                    .config
                    .as_result()
                    .map(|cfg| cfg.enabled_log_types.as_deref());
                match logging {
                    Ok(Some([])) => {}
                    Ok(Some(types)) => {
                        evidence[0].detail =
                            format!("cluster {name}, logging enabled for {}", types.join(", "));
                        let msg = format!("cluster {name} sends {} logs to {group}, but that log group does not exist: no log history is kept", types.join(", "));
                        out.fail(cluster_ref(&c), msg, evidence);
                    }
                    Ok(None) => {
                        let msg = format!("log group {group} does not exist and DescribeCluster returned no logging block for cluster {name}, so whether logs are lost is unknown");
                        out.unknown_because(cluster_ref(&c), msg, evidence);
                    }
                    Err(gap) => {
                        let what = format!("log group {group} does not exist; whether cluster {name} has logging on");
                        out.unknown(cluster_ref(&c), &what, gap, evidence);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn cluster(config: Value, log_group: Value) -> Value {
        let mut c =
            json!({"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"});
        c["config"] = config;
        c["log_group"] = log_group;
        json!({"regions": {"us-east-1": {"clusters": {"known": [c]}}}})
    }

    fn group(retention: Value) -> Value {
        let mut g = json!({"known": {"name": "/aws/eks/prod/cluster"}});
        g["known"]["retention_days"] = retention;
        g
    }

    fn logging(types: Value) -> Value {
        let mut c = json!({"known": {}});
        c["known"]["enabled_log_types"] = types;
        c
    }

    #[test]
    fn fails_when_retention_is_shorter_than_a_year() {
        let f = testing::run(
            &super::META,
            cluster(logging(json!(["audit"])), group(json!(180))),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "logs in /aws/eks/prod/cluster of cluster prod: retention 180 days, less than 365 days"
        );
        assert_eq!(
            f[0].evidence[1].id,
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/eks/prod/cluster"
        );
    }

    #[test]
    fn passes_at_a_year_or_when_logs_never_expire() {
        for retention in [json!(365), json!(3653), json!(null)] {
            let f = testing::run(
                &super::META,
                cluster(logging(json!([])), group(retention.clone())),
            );
            assert_eq!(statuses(&f), [Status::Pass], "{retention}");
        }
    }

    #[test]
    fn fails_when_logging_is_on_but_the_group_is_gone() {
        let f = testing::run(
            &super::META,
            cluster(
                logging(json!(["audit", "authenticator"])),
                json!({"known": null}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("does not exist"), "{}", f[0].message);
    }

    #[test]
    fn no_finding_when_logging_is_off_and_there_is_no_group() {
        let f = testing::run(
            &super::META,
            cluster(logging(json!([])), json!({"known": null})),
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn unknown_when_group_unreadable_or_logging_state_unknown() {
        let denied = testing::denied("logs", "us-east-1", "DescribeLogGroups");
        let unread = json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "DescribeCluster", "reason": "throttled", "message": "slow down"}});
        for (config, lg) in [
            (logging(json!(["audit"])), denied),
            (unread, json!({"known": null})),
            (json!({"known": {}}), json!({"known": null})),
        ] {
            let f = testing::run(&super::META, cluster(config.clone(), lg));
            assert_eq!(statuses(&f), [Status::Unknown], "{config}");
        }
    }
}
