//! EKS: clusters, nodegroups, Fargate profiles, access entries, add-ons,
//! Pod Identity associations, and the Kubernetes versions EKS supports. Each
//! cluster's control-plane log group (CloudWatch Logs) and secrets key (KMS)
//! are read with the cluster, since only the cluster names them.
//!
//! Every list is paginated; every describe runs concurrently under the
//! shared EKS concurrency bound. A failed call makes only the narrowest value
//! it feeds unknown (one nodegroup's `DescribeNodegroup` failing leaves the
//! other nodegroups and the cluster known).
//!
//! A resource listed and then answered with `ResourceNotFoundException` by
//! its describe call was deleted in between (a cluster torn down during the
//! scan). EKS has then said it does not exist, so it is left out rather than
//! reported with unknown settings and a gap: a gap would mark the scan
//! incomplete over something that is no longer there. To keep that answer
//! from leaving gaps behind, a cluster's other calls wait for its
//! `DescribeCluster` (and an access entry's policies for its describe).

mod map;
#[cfg(test)]
pub(crate) mod tests;

use aws_sdk_eks::Client;
use eksposture_model::{
    AccessEntry, Addon, AwsAuth, Cluster, ClusterConfig, ClusterVersionInfo, FargateProfile,
    GapReason, KmsKey, Nodegroup, Observed, PodIdentityAssociation,
};
use futures::future::join_all;

pub use map::{
    map_access_entry, map_access_policy, map_addon, map_cluster, map_cluster_versions,
    map_fargate_profile, map_nodegroup,
};

use crate::service::{Rest, Service};
use crate::Ctx;
use eksposture_aws::error::service_code;

pub const SERVICE: Service = Service {
    name: "eks",
    concurrency: 8,
    operations: &[
        "DescribeAccessEntry",
        "DescribeAddon",
        "DescribeCluster",
        "DescribeClusterVersions",
        "DescribeFargateProfile",
        "DescribeNodegroup",
        "DescribePodIdentityAssociation",
        "ListAccessEntries",
        "ListAddons",
        "ListAssociatedAccessPolicies",
        "ListClusters",
        "ListFargateProfiles",
        "ListNodegroups",
        "ListPodIdentityAssociations",
    ],
    rest: &[
        Rest {
            operation: "DescribeAccessEntry",
            method: "GET",
            uri: "/clusters/{name}/access-entries/{principalArn}",
        },
        Rest {
            operation: "DescribeAddon",
            method: "GET",
            uri: "/clusters/{name}/addons/{addonName}",
        },
        Rest {
            operation: "DescribeCluster",
            method: "GET",
            uri: "/clusters/{name}",
        },
        Rest {
            operation: "DescribeClusterVersions",
            method: "GET",
            uri: "/cluster-versions",
        },
        Rest {
            operation: "DescribeFargateProfile",
            method: "GET",
            uri: "/clusters/{name}/fargate-profiles/{fargateProfileName}",
        },
        Rest {
            operation: "DescribeNodegroup",
            method: "GET",
            uri: "/clusters/{name}/node-groups/{nodegroupName}",
        },
        Rest {
            operation: "DescribePodIdentityAssociation",
            method: "GET",
            uri: "/clusters/{clusterName}/pod-identity-associations/{associationId}",
        },
        Rest {
            operation: "ListAccessEntries",
            method: "GET",
            uri: "/clusters/{name}/access-entries",
        },
        Rest {
            operation: "ListAddons",
            method: "GET",
            uri: "/clusters/{name}/addons",
        },
        Rest {
            operation: "ListAssociatedAccessPolicies",
            method: "GET",
            uri: "/clusters/{name}/access-entries/{principalArn}/access-policies",
        },
        Rest {
            operation: "ListClusters",
            method: "GET",
            uri: "/clusters",
        },
        Rest {
            operation: "ListFargateProfiles",
            method: "GET",
            uri: "/clusters/{name}/fargate-profiles",
        },
        Rest {
            operation: "ListNodegroups",
            method: "GET",
            uri: "/clusters/{name}/node-groups",
        },
        Rest {
            operation: "ListPodIdentityAssociations",
            method: "GET",
            uri: "/clusters/{clusterName}/pod-identity-associations",
        },
    ],
};

/// The answer of a describe call for a resource deleted since it was listed.
const NOT_FOUND: &str = "ResourceNotFoundException";

fn gone<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    service_code(err) == Some(NOT_FOUND)
}

/// The clients the EKS collector reads through: EKS itself, CloudWatch Logs
/// for the control-plane log groups, KMS for the secrets keys.
#[derive(Clone)]
pub struct Clients {
    pub eks: Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub kms: aws_sdk_kms::Client,
}

impl Clients {
    pub fn new(ctx: &Ctx) -> Self {
        Clients {
            eks: eksposture_aws::client!(aws_sdk_eks, &ctx.sdk, ctx.region()),
            logs: crate::logs::client(ctx),
            kms: crate::kms::client(ctx),
        }
    }
}

/// What EKS tells about one region.
pub struct EksData {
    pub clusters: Observed<Vec<Cluster>>,
    /// Read only when the region has clusters, the only thing the versions
    /// are judged against: `Known([])` when it has none, and the cluster
    /// list's own gap when that list is unknown.
    pub cluster_versions: Observed<Vec<ClusterVersionInfo>>,
}

pub async fn collect(ctx: &Ctx) -> EksData {
    collect_with(ctx, &Clients::new(ctx)).await
}

/// Every cluster of the region, read through `clients`, and the Kubernetes
/// versions EKS supports.
pub async fn collect_with(ctx: &Ctx, clients: &Clients) -> EksData {
    let clusters = clusters(ctx, clients).await;
    let cluster_versions = match &clusters {
        Observed::Known(list) if list.is_empty() => Observed::Known(Vec::new()),
        Observed::Known(_) => cluster_versions(ctx, &clients.eks).await,
        Observed::Unknown(g) => Observed::Unknown(g.clone()),
    };
    EksData {
        clusters,
        cluster_versions,
    }
}

async fn clusters(ctx: &Ctx, clients: &Clients) -> Observed<Vec<Cluster>> {
    let client = &clients.eks;
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_clusters()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let mut names = match listed {
        Ok(n) => n,
        Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListClusters", &e)),
    };
    names.sort();
    names.dedup();
    let clusters = join_all(names.iter().map(|n| cluster(ctx, clients, n))).await;
    Observed::Known(clusters.into_iter().flatten().collect())
}

/// `DescribeClusterVersions` with `includeAll`: without it EKS leaves out
/// the versions past extended support, the very ones a check must flag.
async fn cluster_versions(ctx: &Ctx, client: &Client) -> Observed<Vec<ClusterVersionInfo>> {
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .describe_cluster_versions()
            .include_all(true)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    match listed {
        Ok(list) => Observed::Known(map_cluster_versions(&list)),
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeClusterVersions", &e)),
    }
}

fn missing(ctx: &Ctx, operation: &str, what: &str) -> eksposture_model::Gap {
    ctx.gap(
        SERVICE.name,
        operation,
        GapReason::Error,
        format!("the response carried no {what}"),
    )
}

/// `None` when the cluster was deleted after `ListClusters`.
async fn cluster(ctx: &Ctx, clients: &Clients, name: &str) -> Option<Cluster> {
    let client = &clients.eks;
    let (arn, config) = describe_cluster(ctx, client, name).await?;
    // Access entries exist only under the API authentication modes; EKS
    // answers `InvalidRequestException` for a CONFIG_MAP-only cluster.
    let config_map_only = config
        .known()
        .and_then(|c| c.authentication_mode.as_deref())
        == Some("CONFIG_MAP");
    let (
        nodegroups,
        fargate_profiles,
        access_entries,
        addons,
        pod_identity_associations,
        log_group,
        secrets_key,
    ) = tokio::join!(
        nodegroups(ctx, client, name),
        fargate_profiles(ctx, client, name),
        access_entries(ctx, client, name, config_map_only),
        addons(ctx, client, name),
        pod_identities(ctx, client, name),
        crate::logs::cluster_log_group(ctx, &clients.logs, name),
        secrets_key(ctx, &clients.kms, &config),
    );
    let aws_auth = aws_auth(ctx, name, &config);
    Some(Cluster {
        name: name.to_string(),
        arn,
        config,
        nodegroups,
        fargate_profiles,
        access_entries,
        addons,
        pod_identity_associations,
        log_group,
        secrets_key,
        aws_auth,
        // Read after the AWS side (crate eksposture-kube), when enabled.
        kubernetes: Observed::default(),
    })
}

/// What the `kube-system/aws-auth` ConfigMap grants: nothing in the `API`
/// authentication mode, where EKS ignores it. In the other modes (and when
/// DescribeCluster returned no mode) only the Kubernetes API shows it, and
/// that is not read: a `kubernetes`/`aws-auth` gap of reason `not_read`
/// says so, and marks the scan incomplete. When DescribeCluster itself
/// failed, its gap is the cause and the ConfigMap's state cites it.
fn aws_auth(ctx: &Ctx, cluster: &str, config: &Observed<ClusterConfig>) -> Observed<AwsAuth> {
    let mode = match config {
        Observed::Known(c) => c.authentication_mode.as_deref(),
        Observed::Unknown(gap) => return Observed::Unknown(gap.clone()),
    };
    let why = match mode {
        Some(m) if m.eq_ignore_ascii_case("API") => return Observed::Known(AwsAuth::default()),
        Some(m) => format!("its authentication mode {m} honours"),
        None => "DescribeCluster returned no authentication mode, so it may honour".into(),
    };
    Observed::Unknown(ctx.gap(
        "kubernetes",
        "aws-auth",
        GapReason::NotRead,
        format!("cluster {cluster}: {why} the kube-system/aws-auth ConfigMap, and the Kubernetes API is not read"),
    ))
}

/// The KMS key named by the encryption entry that covers `secrets`: `None`
/// when there is none. When the configuration itself is unknown, so is
/// whether a key is configured: `Some(Unknown)` keeps a check from reading
/// that as "no key".
async fn secrets_key(
    ctx: &Ctx,
    client: &aws_sdk_kms::Client,
    config: &Observed<ClusterConfig>,
) -> Option<Observed<KmsKey>> {
    let config = match config {
        Observed::Known(c) => c,
        Observed::Unknown(g) => return Some(Observed::Unknown(g.clone())),
    };
    let key_arn = config
        .encryption_config
        .iter()
        .filter(|e| e.resources.iter().any(|r| r == "secrets"))
        .find_map(|e| e.key_arn.as_deref())?;
    Some(crate::kms::secrets_key(ctx, client, key_arn).await)
}

/// The cluster's ARN (from the response, else built from its name) and its
/// configuration; `None` when EKS says the cluster no longer exists.
async fn describe_cluster(
    ctx: &Ctx,
    client: &Client,
    name: &str,
) -> Option<(String, Observed<ClusterConfig>)> {
    let fallback = format!(
        "arn:{}:eks:{}:{}:cluster/{name}",
        ctx.partition, ctx.region, ctx.account_id
    );
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client.describe_cluster().name(name).send().await
    };
    Some(match out {
        Ok(o) => match o.cluster {
            Some(c) => (
                c.arn.clone().unwrap_or(fallback),
                Observed::Known(map_cluster(&c)),
            ),
            None => (
                fallback,
                Observed::Unknown(missing(ctx, "DescribeCluster", "cluster")),
            ),
        },
        Err(e) if gone(&e) => return None,
        Err(e) => (
            fallback,
            Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeCluster", &e)),
        ),
    })
}

async fn nodegroups(ctx: &Ctx, client: &Client, cluster: &str) -> Observed<Vec<Nodegroup>> {
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_nodegroups()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let mut names = match listed {
        Ok(n) => n,
        Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListNodegroups", &e)),
    };
    names.sort();
    names.dedup();
    let describe = |name: String| async move {
        let out = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(&name)
                .send()
                .await
        };
        let fallback_arn = format!(
            "arn:{}:eks:{}:{}:nodegroup/{cluster}/{name}",
            ctx.partition, ctx.region, ctx.account_id
        );
        let config = match out {
            Ok(o) => match o.nodegroup {
                Some(n) => Observed::Known(map_nodegroup(&n, &fallback_arn)),
                None => Observed::Unknown(missing(ctx, "DescribeNodegroup", "nodegroup")),
            },
            Err(e) if gone(&e) => return None,
            Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeNodegroup", &e)),
        };
        Some(Nodegroup { name, config })
    };
    let found = join_all(names.into_iter().map(describe)).await;
    Observed::Known(found.into_iter().flatten().collect())
}

/// The model keeps no per-profile unknown, so one failed describe makes the
/// whole list unknown rather than dropping that profile.
async fn fargate_profiles(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
) -> Observed<Vec<FargateProfile>> {
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_fargate_profiles()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let mut names = match listed {
        Ok(n) => n,
        Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListFargateProfiles", &e)),
    };
    names.sort();
    names.dedup();
    let describe = |name: String| async move {
        let out = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_fargate_profile()
                .cluster_name(cluster)
                .fargate_profile_name(&name)
                .send()
                .await
        };
        match out {
            Ok(o) => match o.fargate_profile {
                Some(p) => Ok(Some(map_fargate_profile(&name, &p))),
                None => Err(missing(ctx, "DescribeFargateProfile", "Fargate profile")),
            },
            Err(e) if gone(&e) => Ok(None),
            Err(e) => Err(ctx.sdk_gap(SERVICE.name, "DescribeFargateProfile", &e)),
        }
    };
    join_all(names.into_iter().map(describe))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map(|found| found.into_iter().flatten().collect())
        .into()
}

async fn access_entries(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
    config_map_only: bool,
) -> Observed<Vec<AccessEntry>> {
    if config_map_only {
        return Observed::Known(Vec::new());
    }
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_access_entries()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let mut principals = match listed {
        Ok(n) => n,
        // The authentication mode was not known (DescribeCluster failed):
        // EKS's own answer says the cluster has no access entries.
        Err(e) if config_map_refusal(&e) => return Observed::Known(Vec::new()),
        Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListAccessEntries", &e)),
    };
    principals.sort();
    principals.dedup();
    let entry = |principal_arn: String| async move {
        let detail = {
            let out = {
                let _permit = ctx.limits.permit(&SERVICE).await;
                client
                    .describe_access_entry()
                    .cluster_name(cluster)
                    .principal_arn(&principal_arn)
                    .send()
                    .await
            };
            match out {
                Ok(o) => match o.access_entry {
                    Some(e) => Observed::Known(map_access_entry(&e)),
                    None => Observed::Unknown(missing(ctx, "DescribeAccessEntry", "access entry")),
                },
                Err(e) if gone(&e) => return None,
                Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeAccessEntry", &e)),
            }
        };
        let access_policies = {
            let out = {
                let _permit = ctx.limits.permit(&SERVICE).await;
                client
                    .list_associated_access_policies()
                    .cluster_name(cluster)
                    .principal_arn(&principal_arn)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
                    .await
            };
            match out {
                Ok(list) => {
                    let mut p: Vec<_> = list.iter().map(map_access_policy).collect();
                    p.sort_by(|a, b| a.policy_arn.cmp(&b.policy_arn));
                    Observed::Known(p)
                }
                Err(e) if gone(&e) => return None,
                Err(e) => {
                    Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListAssociatedAccessPolicies", &e))
                }
            }
        };
        Some(AccessEntry {
            principal_arn,
            detail,
            access_policies,
        })
    };
    let found = join_all(principals.into_iter().map(entry)).await;
    Observed::Known(found.into_iter().flatten().collect())
}

/// EKS's `InvalidRequestException` for access-entry calls on a cluster whose
/// authentication mode is `CONFIG_MAP`.
fn config_map_refusal<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    service_code(err) == Some("InvalidRequestException")
        && err
            .as_service_error()
            .and_then(ProvideErrorMetadata::message)
            .is_some_and(|m| m.contains("authentication mode"))
}

async fn addons(ctx: &Ctx, client: &Client, cluster: &str) -> Observed<Vec<Addon>> {
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_addons()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let mut names = match listed {
        Ok(n) => n,
        Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListAddons", &e)),
    };
    names.sort();
    names.dedup();
    let describe = |name: String| async move {
        let out = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_addon()
                .cluster_name(cluster)
                .addon_name(&name)
                .send()
                .await
        };
        let detail = match out {
            Ok(o) => match o.addon {
                Some(a) => Observed::Known(map_addon(&a)),
                None => Observed::Unknown(missing(ctx, "DescribeAddon", "add-on")),
            },
            Err(e) if gone(&e) => return None,
            Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeAddon", &e)),
        };
        Some(Addon { name, detail })
    };
    let found = join_all(names.into_iter().map(describe)).await;
    Observed::Known(found.into_iter().flatten().collect())
}

/// The role, target role and external id of a `DescribePodIdentityAssociation`
/// answer. `targetRoleArn` and `externalId` are optional members (only
/// associations with cross-account role chaining have them), so their
/// absence from an answer that names the role means "none".
fn pod_identity_detail(
    ctx: &Ctx,
    association: Option<aws_sdk_eks::types::PodIdentityAssociation>,
) -> (Observed<String>, Observed<Option<String>>, Option<String>) {
    if let Some(aws_sdk_eks::types::PodIdentityAssociation {
        role_arn: Some(role),
        target_role_arn,
        external_id,
        ..
    }) = association
    {
        (
            Observed::Known(role),
            Observed::Known(target_role_arn),
            external_id,
        )
    } else {
        let gap = missing(ctx, "DescribePodIdentityAssociation", "roleArn");
        (Observed::Unknown(gap.clone()), Observed::Unknown(gap), None)
    }
}

async fn pod_identities(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
) -> Observed<Vec<PodIdentityAssociation>> {
    let listed = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .list_pod_identity_associations()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
    };
    let summaries = match listed {
        Ok(n) => n,
        Err(e) => {
            return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "ListPodIdentityAssociations", &e))
        }
    };
    let describe = |s: aws_sdk_eks::types::PodIdentityAssociationSummary| async move {
        let association_id = s.association_id.clone().unwrap_or_default();
        // The list answer has no role: only the describe call names it, and
        // the target role of cross-account role chaining with it.
        let (role_arn, target_role_arn, external_id) = if association_id.is_empty() {
            let gap = missing(ctx, "ListPodIdentityAssociations", "association id");
            (Observed::Unknown(gap.clone()), Observed::Unknown(gap), None)
        } else {
            let out = {
                let _permit = ctx.limits.permit(&SERVICE).await;
                client
                    .describe_pod_identity_association()
                    .cluster_name(cluster)
                    .association_id(&association_id)
                    .send()
                    .await
            };
            match out {
                Ok(o) => pod_identity_detail(ctx, o.association),
                Err(e) if gone(&e) => return None,
                Err(e) => {
                    let gap = ctx.sdk_gap(SERVICE.name, "DescribePodIdentityAssociation", &e);
                    (Observed::Unknown(gap.clone()), Observed::Unknown(gap), None)
                }
            }
        };
        Some(PodIdentityAssociation {
            association_id,
            association_arn: s.association_arn,
            namespace: s.namespace.unwrap_or_default(),
            service_account: s.service_account.unwrap_or_default(),
            role_arn,
            target_role_arn,
            external_id,
        })
    };
    let mut out: Vec<_> = join_all(summaries.into_iter().map(describe))
        .await
        .into_iter()
        .flatten()
        .collect();
    out.sort_by(|a, b| a.association_id.cmp(&b.association_id));
    out.dedup_by(|a, b| a.association_id == b.association_id);
    Observed::Known(out)
}
