use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config, is_world_cidr};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **fail** when the public API endpoint is enabled
    /// (`endpointPublicAccess=true`) and `publicAccessCidrs` contains a CIDR
    /// of prefix length 0 (`0.0.0.0/0`, `::/0`); **pass** when the public
    /// endpoint is disabled, or enabled with a non-empty `publicAccessCidrs`
    /// that has no such CIDR; **unknown** when `DescribeCluster` failed,
    /// returned no `endpointPublicAccess`, or returned the public endpoint
    /// on without (or with an empty) `publicAccessCidrs`, and when the
    /// region's clusters could not be listed.
    ///
    /// ## Rationale
    ///
    /// An endpoint open to the internet exposes the Kubernetes API server to
    /// credential stuffing, token theft replay and every future API-server
    /// vulnerability. The EKS Best Practices Guide and CIS 5.4.1 ask for the
    /// endpoint to be private or limited to known networks.
    ///
    /// ## Remediation
    ///
    /// `aws eks update-cluster-config --name <cluster> --resources-vpc-config
    /// endpointPublicAccess=false,endpointPrivateAccess=true`, or restrict
    /// `publicAccessCidrs` to your admin networks.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"endpoint_public_access": true,
    ///     "public_access_cidrs": ["0.0.0.0/0"]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"endpoint_public_access": true,
    ///     "public_access_cidrs": ["203.0.113.0/24"]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "DescribeCluster", "reason": "access_denied",
    ///     "message": "AccessDeniedException"}}}]}}}}
    /// ```
    id: "eks-endpoint-not-open-to-world",
    title: "EKS cluster API endpoints should not be open to the whole internet",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Disable the public endpoint (endpointPublicAccess=false, endpointPrivateAccess=true) or restrict publicAccessCidrs to known networks.",
    compliance: ["CIS-EKS-1.8:5.4.1", "AWS-FSBP:EKS.1", "NIST-800-190:4.3.2", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "EKS-BPG:network"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let evidence =
            |detail: String| vec![Evidence::new("AwsEksCluster", &c.cluster.arn, detail)];
        let cidrs = config.public_access_cidrs.as_deref().unwrap_or_default();
        match config.endpoint_public_access {
            Some(false) => out.pass(
                cluster_ref(&c),
                format!("cluster {name} has its public endpoint disabled"),
                evidence("endpointPublicAccess=false".into()),
            ),
            Some(true) if cidrs.is_empty() => out.unknown_because(
                cluster_ref(&c),
                format!("cluster {name} has its public endpoint on, but DescribeCluster returned no publicAccessCidrs"),
                evidence("endpointPublicAccess=true".into()),
            ),
            Some(true) => {
                let detail = format!(
                    "endpointPublicAccess=true, publicAccessCidrs={}",
                    cidrs.join(",")
                );
                let open: Vec<&str> = cidrs
                    .iter()
                    .map(String::as_str)
                    .filter(|c| is_world_cidr(c))
                    .collect();
                if open.is_empty() {
                    let msg = format!(
                        "cluster {name} restricts its public endpoint to {}",
                        cidrs.join(", ")
                    );
                    out.pass(cluster_ref(&c), msg, evidence(detail));
                } else {
                    let msg = format!(
                        "cluster {name} exposes its API endpoint to the internet ({})",
                        open.join(", ")
                    );
                    out.fail(cluster_ref(&c), msg, evidence(detail));
                }
            }
            None => out.unknown_because(
                cluster_ref(&c),
                format!("DescribeCluster returned no endpointPublicAccess setting for cluster {name}"),
                vec![cluster_evidence(&c)],
            ),
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::testing::{self, statuses};

    fn cluster(config: &serde_json::Value) -> serde_json::Value {
        testing::cluster(json!({"config": config}))
    }

    #[test]
    fn fails_when_public_and_open_to_ipv6_world() {
        let f = testing::run(
            &super::META,
            cluster(
                &json!({"known": {"endpoint_public_access": true, "public_access_cidrs": ["10.0.0.0/8", "::/0"]}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, testing::CLUSTER_C);
        assert!(f[0].message.contains("::/0"));
    }

    #[test]
    fn passes_when_public_endpoint_disabled() {
        let f = testing::run(
            &super::META,
            cluster(
                &json!({"known": {"endpoint_public_access": false, "endpoint_private_access": true}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn passes_and_names_the_cidrs_when_restricted() {
        let f = testing::run(
            &super::META,
            cluster(
                &json!({"known": {"endpoint_public_access": true, "public_access_cidrs": ["203.0.113.0/24"]}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(
            f[0].message,
            "cluster c restricts its public endpoint to 203.0.113.0/24"
        );
    }

    #[test]
    fn unknown_not_pass_when_public_and_cidrs_empty_or_missing() {
        for cidrs in [json!([]), json!(null)] {
            let f = testing::run(
                &super::META,
                cluster(
                    &json!({"known": {"endpoint_public_access": true, "public_access_cidrs": cidrs}}),
                ),
            );
            assert_eq!(statuses(&f), [Status::Unknown], "{cidrs}");
        }
    }

    #[test]
    fn unknown_when_endpoint_flag_missing() {
        let f = testing::run(&super::META, cluster(&json!({"known": {}})));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_for_region_whose_clusters_could_not_be_listed() {
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"clusters": testing::denied("eks", "us-east-1", "ListClusters")}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/*"
        );
    }
}
