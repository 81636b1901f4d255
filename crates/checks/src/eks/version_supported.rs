use eksposture_model::{Evidence, Graph};

use super::calendar;
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, whether its Kubernetes version is in EKS
    /// **standard** support. First from the region's `DescribeClusterVersions`
    /// answer: `STANDARD_SUPPORT` **passes**; `EXTENDED_SUPPORT` and
    /// `UNSUPPORTED` **fail**. When that answer could not be read, does not
    /// list the version or gives it no status, from eksposture's dated copy
    /// of the EKS release calendar (1.23 to 1.35, as of 2026-02) compared
    /// with the scan's start time (`scan.started_at`, never the clock):
    /// **pass** before the version's end-of-standard-support day (00:00 UTC),
    /// **fail** from then on; a version older than 1.23 fails once 1.23's
    /// standard support has ended. **unknown** when `DescribeCluster` failed
    /// or returned no version, when the version is newer than the calendar
    /// (or not a `1.x` version) and the API did not say, when the scan's
    /// start time is not an RFC 3339 timestamp, and when the region's
    /// clusters could not be listed.
    ///
    /// Severity is medium, where AWS FSBP EKS.2 says high: a version in
    /// extended support still gets AWS security patches, so a failure here
    /// is mostly a deadline (a forced control-plane upgrade when extended
    /// support ends) and a cost (extended support bills extra per cluster
    /// hour); a version past extended support is upgraded by EKS itself.
    ///
    /// ## Rationale
    ///
    /// Upstream Kubernetes stops patching a minor version after about a year;
    /// EKS patches it for 14 months of standard support and 12 more of paid
    /// extended support, then upgrades the control plane on its own schedule,
    /// which can break workloads that were never tested on the new version.
    ///
    /// ## Remediation
    ///
    /// Upgrade one minor version at a time: `aws eks update-cluster-version
    /// --name <cluster> --kubernetes-version <next>`, then the nodegroups and
    /// add-ons; check deprecated APIs first.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {
    ///   "cluster_versions": {"known": [{"version": "1.31", "status": "EXTENDED_SUPPORT",
    ///     "end_of_extended_support": "2026-11-26T00:00:00Z"}]},
    ///   "clusters": {"known": [{"name": "prod",
    ///     "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///     "config": {"known": {"version": "1.31"}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"version": "1.34"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"version": "1.36"}}}]}}}}
    /// ```
    id: "eks-version-supported",
    title: "EKS clusters should run a Kubernetes version in standard support",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Upgrade the cluster (one minor version at a time) to a Kubernetes version in EKS standard support, then its nodes and add-ons.",
    compliance: ["AWS-FSBP:EKS.2", "PCI-DSS-4.0:6.3.3", "NIST-800-190:4.4.1", "EKS-BPG:infrastructure"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    let started = g.started_at();
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(version) = config.version.as_deref() else {
            let msg = format!("DescribeCluster returned no Kubernetes version for cluster {name}");
            out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            return;
        };
        let mut ev = vec![Evidence::new(
            "AwsEksCluster",
            &c.cluster.arn,
            format!("cluster {name}: Kubernetes {version}"),
        )];
        let (status, why) = calendar::judge(g, c.region, version, started, &mut ev);
        let msg = format!("cluster {name} runs Kubernetes {version}{why}");
        out.emit(status, cluster_ref(&c), msg, ev);
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    /// Cluster `c` on `version`, scanned at `started`, with `versions` as
    /// the region's DescribeClusterVersions answer (`null`: not collected).
    fn run(version: &str, started: &str, versions: &Value) -> Vec<Finding> {
        let mut account = testing::cluster(json!({"config": {"known": {"version": version}}}));
        if !versions.is_null() {
            account["regions"]["us-east-1"]["cluster_versions"] = json!({"known": versions});
        }
        account["scan"] = json!({"started_at": started});
        testing::run(&super::META, account)
    }

    const NOV_2026: &str = "2026-11-01T00:00:00Z";

    fn api(version: &str, status: &str) -> Value {
        json!([{"version": version, "status": status}])
    }

    #[test]
    fn fails_in_extended_support_and_says_it_costs() {
        for status in ["EXTENDED_SUPPORT", "extended-support"] {
            let f = run("1.33", NOV_2026, &api("1.33", status));
            assert_eq!(statuses(&f), [Status::Fail], "{status}");
            assert!(f[0].message.contains("extra charge"), "{}", f[0].message);
        }
        let f = run("1.22", NOV_2026, &api("1.22", "UNSUPPORTED"));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn api_status_wins_over_the_calendar() {
        let f = run("1.31", NOV_2026, &api("1.31", "STANDARD_SUPPORT"));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn falls_back_to_the_calendar_when_the_api_does_not_list_the_version() {
        let f = run("1.31", NOV_2026, &api("1.34", "STANDARD_SUPPORT"));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("since 2025-11-26"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.detail.contains("does not list")));
    }

    #[test]
    fn calendar_is_compared_with_the_scan_start_not_the_clock() {
        let at = |v: &str, started: &str| statuses(&run(v, started, &Value::Null));
        assert_eq!(at("1.31", "2025-11-25T23:59:59Z"), [Status::Pass]);
        assert_eq!(at("1.31", "2025-11-26T00:00:00Z"), [Status::Fail]);
        assert_eq!(at("1.19", NOV_2026), [Status::Fail]);
    }

    #[test]
    fn unknown_when_newer_than_the_calendar_or_scan_time_unparsable() {
        let f = run("1.36", NOV_2026, &json!([]));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("calendar (as of 2026-02"),
            "{}",
            f[0].message
        );
        let f = run("1.31", "last tuesday", &Value::Null);
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_version_not_returned() {
        let f = testing::run(
            &super::META,
            testing::cluster(json!({"config": {"known": {}}})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
