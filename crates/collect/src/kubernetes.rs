//! The cluster's own half, read after the AWS side: each cluster the EKS
//! collector described is read through crate eksposture-kube (the only one
//! that names kube-rs), a few clusters at a time, with the scan's own
//! credentials. Its gaps join the scan's; the aws-auth ConfigMap it reads
//! replaces the `not_read` gap the EKS collector left for it.

use std::sync::Arc;

use aws_config::SdkConfig;
use eksposture_kube::eks::{read_cluster, Access, EksCluster};
use eksposture_kube::kubeconfig::Contexts;
use eksposture_model::{Cluster, Gap, Observed, RegionInventory};
use futures::StreamExt;

use crate::context::GapSink;

/// Clusters whose Kubernetes API is read at once.
const CLUSTERS_AT_ONCE: usize = 4;

/// The IAM principal behind a caller ARN: an assumed role's session ARN
/// (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) names its role
/// without the role's path, which STS does not return.
pub fn principal_of(caller_arn: &str) -> String {
    let Some((prefix, rest)) = caller_arn.split_once(":assumed-role/") else {
        return caller_arn.to_string();
    };
    let role = rest.split('/').next().unwrap_or_default();
    let prefix = prefix.replacen(":sts:", ":iam:", 1);
    format!("{prefix}:role/{role}")
}

pub struct Reading<'a> {
    pub sdk: &'a SdkConfig,
    pub caller_arn: &'a str,
    pub contexts: Option<Arc<Contexts>>,
    pub gaps: &'a GapSink,
}

/// Reads every described cluster of every region in place.
pub async fn read_all(regions: &mut [(String, RegionInventory)], how: &Reading<'_>) {
    let Some(credentials) = how.sdk.credentials_provider() else {
        // Not reached after a session that identified itself; never a pass.
        for (region, data) in regions.iter_mut() {
            for c in data.clusters.known_mut().into_iter().flatten() {
                let gap = Gap::new(
                    "kubernetes",
                    region.as_str(),
                    "connect",
                    eksposture_model::GapReason::Error,
                    "no AWS credentials to make an EKS token with",
                );
                how.gaps.push(gap.clone());
                c.kubernetes = Observed::Unknown(gap);
            }
        }
        return;
    };
    let access = Access {
        credentials,
        sts_endpoint: how.sdk.endpoint_url().map(str::to_string),
        principal: principal_of(how.caller_arn),
        contexts: how.contexts.clone(),
    };
    let mut clusters: Vec<(&str, &mut Cluster)> = Vec::new();
    for (region, data) in regions.iter_mut() {
        for c in data.clusters.known_mut().into_iter().flatten() {
            clusters.push((region.as_str(), c));
        }
    }
    futures::stream::iter(clusters)
        .for_each_concurrent(CLUSTERS_AT_ONCE, |(region, cluster)| {
            let access = &access;
            async move { read_one(region, cluster, access, how.gaps).await }
        })
        .await;
}

async fn read_one(region: &str, cluster: &mut Cluster, access: &Access, gaps: &GapSink) {
    // Without DescribeCluster's answer there is no endpoint to connect to:
    // its gap (already among the scan's) is the cause.
    if let Observed::Unknown(gap) = &cluster.config {
        cluster.kubernetes = Observed::Unknown(gap.clone());
        return;
    }
    let config = cluster.config.known();
    let mode = config.and_then(|c| c.authentication_mode.as_deref());
    let target = EksCluster {
        arn: &cluster.arn,
        name: &cluster.name,
        region,
        endpoint: config.and_then(|c| c.endpoint.as_deref()),
        certificate_authority: config.and_then(|c| c.certificate_authority.as_deref()),
        // In `API` mode EKS ignores the ConfigMap.
        read_aws_auth: mode != Some("API"),
    };
    let read = read_cluster(&target, access).await;
    match &read.kubernetes {
        Observed::Unknown(gap) => gaps.push(gap.clone()),
        Observed::Known(k) => k.gaps().into_iter().cloned().for_each(|g| gaps.push(g)),
    }
    if let Some(aws_auth) = read.aws_auth {
        if let Observed::Unknown(not_read) = &cluster.aws_auth {
            gaps.remove(not_read);
        }
        if let Observed::Unknown(gap) = &aws_auth {
            gaps.push(gap.clone());
        }
        cluster.aws_auth = aws_auth;
    }
    cluster.kubernetes = read.kubernetes;
}

/// Marks every cluster's Kubernetes half as skipped by the user's choice.
pub fn skip_all(regions: &mut [(String, RegionInventory)]) {
    for (region, data) in regions {
        for c in data.clusters.known_mut().into_iter().flatten() {
            c.kubernetes = Observed::Unknown(Gap::kubernetes_skipped(region.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::principal_of;

    #[test]
    fn an_assumed_role_session_is_its_role() {
        assert_eq!(
            principal_of("arn:aws:sts::111122223333:assumed-role/scanner/eksposture-1"),
            "arn:aws:iam::111122223333:role/scanner"
        );
        assert_eq!(
            principal_of("arn:aws-cn:sts::111122223333:assumed-role/r/s"),
            "arn:aws-cn:iam::111122223333:role/r"
        );
        assert_eq!(
            principal_of("arn:aws:iam::111122223333:user/alice"),
            "arn:aws:iam::111122223333:user/alice"
        );
    }
}
