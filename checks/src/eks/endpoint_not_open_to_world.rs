use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **fail** when the public API endpoint is enabled
    /// and `publicAccessCidrs` contains `0.0.0.0/0` or `::/0`; **pass** when the
    /// public endpoint is disabled or restricted to specific CIDRs;
    /// **unknown** when `DescribeCluster` failed or did not return the
    /// endpoint settings, or the region's clusters could not be listed.
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
    resource_type: "AwsEksCluster",
    remediation: "Disable the public endpoint (endpointPublicAccess=false, endpointPrivateAccess=true) or restrict publicAccessCidrs to known networks.",
    compliance: ["CIS-EKS-1.8:5.4.1", "AWS-FSBP:EKS.1", "NIST-800-190:4.3.2", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "EKS-BPG:network"],
}

pub const WORLD: [&str; 2] = ["0.0.0.0/0", "::/0"];

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        out.unknown(
            clusters_of_region_ref(g, region),
            "the region's EKS clusters",
            gap,
            vec![],
        );
    }
    for c in g.clusters() {
        let config = match c.cluster.config.as_result() {
            Ok(config) => config,
            Err(gap) => {
                out.unknown(
                    cluster_ref(&c),
                    "the cluster configuration",
                    gap,
                    vec![cluster_evidence(&c)],
                );
                continue;
            }
        };
        let evidence =
            |detail: String| vec![Evidence::new("AwsEksCluster", &c.cluster.arn, detail)];
        match (config.endpoint_public_access, &config.public_access_cidrs) {
            (Some(false), _) => out.pass(
                cluster_ref(&c),
                "the public endpoint is disabled",
                evidence("endpointPublicAccess=false".into()),
            ),
            (Some(true), Some(cidrs)) => {
                let open: Vec<&str> = cidrs
                    .iter()
                    .map(String::as_str)
                    .filter(|c| WORLD.contains(c))
                    .collect();
                if open.is_empty() {
                    out.pass(
                        cluster_ref(&c),
                        format!("the public endpoint is restricted to {}", cidrs.join(", ")),
                        evidence(format!("publicAccessCidrs={}", cidrs.join(","))),
                    );
                } else {
                    out.fail(
                        cluster_ref(&c),
                        format!(
                            "cluster {} exposes its API endpoint to the internet ({})",
                            c.cluster.name,
                            open.join(", ")
                        ),
                        evidence(format!(
                            "endpointPublicAccess=true, publicAccessCidrs={}",
                            cidrs.join(",")
                        )),
                    );
                }
            }
            (Some(true), None) => out.unknown_because(
                cluster_ref(&c),
                "the public endpoint is on but DescribeCluster returned no publicAccessCidrs",
                evidence("endpointPublicAccess=true".into()),
            ),
            (None, _) => out.unknown_because(
                cluster_ref(&c),
                "DescribeCluster returned no endpointPublicAccess setting",
                vec![cluster_evidence(&c)],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::testing::{eval, statuses};

    fn cluster(config: &serde_json::Value) -> serde_json::Value {
        json!({"regions": {"us-east-1": {"clusters": {"known": [{"name": "c",
            "arn": "arn:aws:eks:us-east-1:111122223333:cluster/c", "config": config}]}}}})
    }

    fn check() -> &'static crate::Check {
        crate::find(super::META.id).unwrap()
    }

    #[test]
    fn fails_when_public_and_open_to_ipv6_world() {
        let f = eval(
            check(),
            cluster(
                &json!({"known": {"endpoint_public_access": true, "public_access_cidrs": ["10.0.0.0/8", "::/0"]}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/c"
        );
        assert!(f[0].message.contains("::/0"));
    }

    #[test]
    fn passes_when_public_endpoint_disabled() {
        let f = eval(
            check(),
            cluster(
                &json!({"known": {"endpoint_public_access": false, "endpoint_private_access": true}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_endpoint_flag_missing() {
        let f = eval(check(), cluster(&json!({"known": {}})));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_for_region_whose_clusters_could_not_be_listed() {
        let f = eval(
            check(),
            json!({"regions": {"us-east-1": {"clusters": {"unknown": {"service": "eks",
            "region": "us-east-1", "operation": "ListClusters", "reason": "access_denied", "message": "denied"}}}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/*"
        );
    }
}
