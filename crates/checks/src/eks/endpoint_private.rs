use eksposture_model::{ClusterConfig, Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config, is_world_cidr};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **fail** when the public API endpoint is enabled
    /// at all (`endpointPublicAccess=true`), whether `publicAccessCidrs` opens
    /// it to the world or restricts it to some networks; the message says
    /// which (a CIDR of prefix length 0, such as `0.0.0.0/0` or `::/0`, is
    /// the whole internet). **pass** when the public endpoint is disabled
    /// (the message notes whether the private endpoint is on). **unknown**
    /// when `DescribeCluster` failed or returned no `endpointPublicAccess`,
    /// or the region's clusters could not be listed.
    ///
    /// The severity is medium because a CIDR-restricted endpoint is still
    /// reachable from the internet's address space; an endpoint open to
    /// `0.0.0.0/0` or `::/0` is also reported, at high severity, by
    /// `eks-endpoint-not-open-to-world`.
    ///
    /// ## Rationale
    ///
    /// CIS 5.4.2 and the EKS Best Practices Guide ask for a private endpoint
    /// with public access disabled: the API server then only answers inside
    /// the VPC (and networks peered or connected to it), so a stolen
    /// kubeconfig or an API-server vulnerability cannot be used from the
    /// internet. CIDR allow-lists shrink the exposure but depend on every
    /// listed network staying trustworthy.
    ///
    /// ## Remediation
    ///
    /// `aws eks update-cluster-config --name <cluster> --resources-vpc-config
    /// endpointPublicAccess=false,endpointPrivateAccess=true`, and reach the
    /// API through the VPC (VPN, Direct Connect, a bastion or SSM).
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"endpoint_public_access": true,
    ///     "endpoint_private_access": true,
    ///     "public_access_cidrs": ["203.0.113.0/24"]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"endpoint_public_access": false,
    ///     "endpoint_private_access": true}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"endpoint_private_access": true}}}]}}}}
    /// ```
    id: "eks-endpoint-private",
    title: "EKS cluster API endpoints should be private, with public access disabled",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Set endpointPublicAccess=false and endpointPrivateAccess=true, and reach the API server from inside the VPC.",
    compliance: ["CIS-EKS-1.8:5.4.2", "AWS-FSBP:EKS.1", "PCI-DSS-4.0:1.3.1", "EKS-BPG:network"],
}

fn private_state(config: &ClusterConfig) -> &'static str {
    match config.endpoint_private_access {
        Some(true) => "the private endpoint is on",
        Some(false) => "the private endpoint is off",
        None => "the private endpoint setting was not returned",
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let private = config
            .endpoint_private_access
            .map_or_else(|| "unset".to_string(), |p| p.to_string());
        let evidence =
            |detail: String| vec![Evidence::new("AwsEksCluster", &c.cluster.arn, detail)];
        match config.endpoint_public_access {
            Some(false) => out.pass(
                cluster_ref(&c),
                format!(
                    "cluster {name} has its public endpoint disabled; {}",
                    private_state(config)
                ),
                evidence(format!(
                    "endpointPublicAccess=false, endpointPrivateAccess={private}"
                )),
            ),
            Some(true) => {
                let cidrs = config.public_access_cidrs.as_deref();
                let exposure = match cidrs {
                    Some(cidrs) if cidrs.iter().any(|c| is_world_cidr(c)) => {
                        format!("open to the whole internet ({})", cidrs.join(", "))
                    }
                    Some(cidrs) if !cidrs.is_empty() => {
                        format!("restricted to {}", cidrs.join(", "))
                    }
                    _ => "with publicAccessCidrs not returned by DescribeCluster".to_string(),
                };
                out.fail(
                    cluster_ref(&c),
                    format!("cluster {name} has a public API endpoint, {exposure}"),
                    evidence(format!(
                        "endpointPublicAccess=true, endpointPrivateAccess={private}, publicAccessCidrs={}",
                        cidrs.map_or_else(|| "unset".to_string(), |c| c.join(","))
                    )),
                );
            }
            None => out.unknown_because(
                cluster_ref(&c),
                format!(
                    "DescribeCluster returned no endpointPublicAccess setting for cluster {name}"
                ),
                vec![cluster_evidence(&c)],
            ),
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    /// Cluster `c` whose `DescribeCluster` answer is `config`.
    fn run(config: &Value) -> Vec<Finding> {
        testing::run(&super::META, testing::cluster(json!({"config": config})))
    }

    fn public(cidrs: &[&str]) -> Value {
        json!({"known": {"endpoint_public_access": true, "endpoint_private_access": true,
            "public_access_cidrs": cidrs}})
    }

    #[test]
    fn fails_when_public_and_open_to_world_and_says_so() {
        let f = run(&public(&["0.0.0.0/0"]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("open to the whole internet"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fails_when_public_even_if_cidr_restricted() {
        let f = run(&public(&["198.51.100.7/32"]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("restricted to 198.51.100.7/32"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_public_access_disabled_and_notes_private_access() {
        let f = run(
            &json!({"known": {"endpoint_public_access": false, "endpoint_private_access": true}}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("private endpoint is on"));
        assert_eq!(
            f[0].evidence[0].detail,
            "endpointPublicAccess=false, endpointPrivateAccess=true"
        );
    }

    #[test]
    fn unknown_when_public_flag_missing() {
        let f = run(&json!({"known": {"public_access_cidrs": ["0.0.0.0/0"]}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_when_describe_cluster_failed() {
        let f = run(&json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "DescribeCluster", "reason": "throttled", "message": "rate exceeded"}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("throttled"));
    }

    #[test]
    fn unknown_for_region_whose_clusters_could_not_be_listed() {
        let gap = testing::denied("eks", "us-east-1", "ListClusters");
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"clusters": gap}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
