use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, its authentication mode
    /// (`accessConfig.authenticationMode`): **fail** on `CONFIG_MAP`;
    /// **pass** on `API`, and on `API_AND_CONFIG_MAP` with a message saying
    /// the `aws-auth` ConfigMap is still honoured; **unknown** when
    /// `DescribeCluster` failed or returned no authentication mode (moto
    /// never returns one), and when the region's clusters could not be
    /// listed.
    ///
    /// `API_AND_CONFIG_MAP` passes because every access entry is then
    /// visible and auditable through the EKS API, and it is the mode a
    /// migration off `aws-auth` must go through. Whether `aws-auth` still
    /// grants anything is inside the cluster, out of the AWS API's sight:
    /// this check names the residual risk instead of failing, and
    /// `eks-cluster-admin-access-restricted` judges what the ConfigMap
    /// grants (unknown, with a `kubernetes`/`aws-auth` gap, while it is not
    /// read). Switch to `API` once `aws-auth` is empty.
    ///
    /// ## Rationale
    ///
    /// In `CONFIG_MAP` mode, who can reach the cluster (and as which
    /// Kubernetes groups, `system:masters` included) lives only in the
    /// `aws-auth` ConfigMap: AWS APIs, IAM Access Analyzer and AWS Config
    /// cannot see it, changes to it leave no CloudTrail record, and anyone
    /// who can edit it can grant themselves cluster-admin. Access entries
    /// are managed with IAM-authorised, CloudTrail-logged EKS API calls.
    ///
    /// ## Remediation
    ///
    /// Recreate each `aws-auth` mapping as an access entry, then `aws eks
    /// update-cluster-config --name <cluster> --access-config
    /// authenticationMode=API_AND_CONFIG_MAP`, and later
    /// `authenticationMode=API` (the change is one-way).
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "CONFIG_MAP"}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"version": "1.31"}}}]}}}}
    /// ```
    id: "eks-auth-mode-api",
    title: "EKS clusters should manage access with EKS access entries rather than the aws-auth ConfigMap",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Migrate aws-auth mappings to access entries and set authenticationMode to API_AND_CONFIG_MAP, then API.",
    compliance: ["CIS-EKS-1.8:5.5.1", "PCI-DSS-4.0:7.2.1", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(mode) = config.authentication_mode.as_deref() else {
            let msg = format!("DescribeCluster returned no authentication mode for cluster {name}");
            out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            return;
        };
        let ev = vec![Evidence::new(
            "AwsEksCluster",
            &c.cluster.arn,
            format!("cluster {name}: authenticationMode={mode}"),
        )];
        match mode.trim().to_ascii_uppercase().as_str() {
            "CONFIG_MAP" => out.fail(
                cluster_ref(&c),
                format!("cluster {name} grants access only through the aws-auth ConfigMap, invisible to AWS APIs and CloudTrail"),
                ev,
            ),
            "API" => out.pass(
                cluster_ref(&c),
                format!("cluster {name} grants access only through EKS access entries"),
                ev,
            ),
            "API_AND_CONFIG_MAP" => out.pass(
                cluster_ref(&c),
                format!("cluster {name} uses EKS access entries but still honours the aws-auth ConfigMap; switch to API once aws-auth is empty"),
                ev,
            ),
            _ => out.unknown_because(
                cluster_ref(&c),
                format!("cluster {name} reports an authentication mode eksposture does not know: {mode}"),
                ev,
            ),
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

    fn mode(m: &str) -> Value {
        json!({"known": {"authentication_mode": m}})
    }

    #[test]
    fn fails_on_config_map_mode() {
        let f = run(&mode("CONFIG_MAP"));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].evidence[0]
            .detail
            .contains("authenticationMode=CONFIG_MAP"));
    }

    #[test]
    fn passes_on_api_mode() {
        assert_eq!(statuses(&run(&mode("API"))), [Status::Pass]);
    }

    #[test]
    fn passes_on_api_and_config_map_but_names_aws_auth() {
        let f = run(&mode("API_AND_CONFIG_MAP"));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0]
            .message
            .contains("still honours the aws-auth ConfigMap"));
    }

    #[test]
    fn unknown_when_mode_not_returned_as_moto_does() {
        let f = run(&json!({"known": {"endpoint_public_access": true}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(statuses(&run(&mode("SOMETHING_NEW"))), [Status::Unknown]);
    }
}
