//! Error paths and pagination through `aws-smithy-mocks`.

use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::Client as LogsClient;
use aws_sdk_eks::operation::describe_access_entry::DescribeAccessEntryOutput;
use aws_sdk_eks::operation::describe_cluster::{DescribeClusterError, DescribeClusterOutput};
use aws_sdk_eks::operation::describe_cluster_versions::DescribeClusterVersionsOutput;
use aws_sdk_eks::operation::describe_nodegroup::{DescribeNodegroupError, DescribeNodegroupOutput};
use aws_sdk_eks::operation::describe_pod_identity_association::DescribePodIdentityAssociationOutput;
use aws_sdk_eks::operation::list_access_entries::{
    ListAccessEntriesError, ListAccessEntriesOutput,
};
use aws_sdk_eks::operation::list_addons::ListAddonsOutput;
use aws_sdk_eks::operation::list_associated_access_policies::ListAssociatedAccessPoliciesOutput;
use aws_sdk_eks::operation::list_clusters::{ListClustersError, ListClustersOutput};
use aws_sdk_eks::operation::list_fargate_profiles::ListFargateProfilesOutput;
use aws_sdk_eks::operation::list_nodegroups::ListNodegroupsOutput;
use aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsOutput;
use aws_sdk_eks::types::{
    AccessConfigResponse, AccessScope, AccessScopeType, AssociatedAccessPolicy, AuthenticationMode,
    Nodegroup as SdkNodegroup, PodIdentityAssociation as SdkPodIdentity,
    PodIdentityAssociationSummary, VpcConfigResponse,
};
use aws_sdk_eks::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::{AwsAuth, Cluster, GapReason, Observed};

use super::Clients;
use crate::Ctx;

pub(crate) fn test_ctx() -> Ctx {
    crate::testutil::ctx("us-east-1", "123456789012")
}

/// EKS, Logs and KMS clients whose every call is answered by the first
/// matching rule (a rule only matches its own operation).
fn client(rules: &[Rule]) -> Clients {
    Clients {
        eks: eksposture_aws::mock_client!(aws_sdk_eks, "us-east-1", rules),
        logs: eksposture_aws::mock_client!(aws_sdk_cloudwatchlogs, "us-east-1", rules),
        kms: eksposture_aws::mock_client!(aws_sdk_kms, "us-east-1", rules),
    }
}

/// One cluster `prod` with nothing in it; tests put their own rules first.
fn one_empty_cluster() -> Vec<Rule> {
    vec![
        mock!(Client::list_clusters)
            .then_output(|| ListClustersOutput::builder().clusters("prod").build()),
        mock!(Client::describe_cluster).then_output(|| {
            DescribeClusterOutput::builder()
                .cluster(
                    aws_sdk_eks::types::Cluster::builder()
                        .name("prod")
                        .arn("arn:aws:eks:us-east-1:123456789012:cluster/prod")
                        .resources_vpc_config(
                            VpcConfigResponse::builder()
                                .endpoint_public_access(true)
                                .public_access_cidrs("0.0.0.0/0")
                                .build(),
                        )
                        .access_config(
                            AccessConfigResponse::builder()
                                .authentication_mode(AuthenticationMode::Api)
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_nodegroups).then_output(|| ListNodegroupsOutput::builder().build()),
        mock!(Client::list_fargate_profiles)
            .then_output(|| ListFargateProfilesOutput::builder().build()),
        mock!(Client::list_access_entries)
            .then_output(|| ListAccessEntriesOutput::builder().build()),
        mock!(Client::list_addons).then_output(|| ListAddonsOutput::builder().build()),
        mock!(Client::list_pod_identity_associations)
            .then_output(|| ListPodIdentityAssociationsOutput::builder().build()),
        mock!(Client::describe_cluster_versions)
            .then_output(|| DescribeClusterVersionsOutput::builder().build()),
        mock!(LogsClient::describe_log_groups)
            .then_output(|| DescribeLogGroupsOutput::builder().build()),
    ]
}

async fn collect_one(rules: Vec<Rule>) -> (Cluster, Ctx) {
    let ctx = test_ctx();
    let clusters = super::collect_with(&ctx, &client(&rules)).await.clusters;
    let Observed::Known(mut list) = clusters else {
        panic!("clusters unknown: {clusters:?}");
    };
    assert_eq!(list.len(), 1);
    (list.remove(0), ctx)
}

fn with_defaults(mut first: Vec<Rule>) -> Vec<Rule> {
    first.extend(one_empty_cluster());
    first
}

#[tokio::test]
async fn list_clusters_access_denied_makes_clusters_unknown_and_records_a_gap() {
    let ctx = test_ctx();
    let rules = [mock!(Client::list_clusters).then_error(|| {
        ListClustersError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform eks:ListClusters")
                .build(),
        )
    })];
    let clusters = super::collect_with(&ctx, &client(&rules)).await.clusters;
    let gap = clusters.gap().expect("clusters must be unknown");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(gap.operation, "ListClusters");
    let recorded = ctx.gaps.take();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0], *gap);
}

#[tokio::test]
async fn addons_404_without_error_code_is_not_supported_and_rest_stays_known() {
    let rules = with_defaults(vec![mock!(Client::list_addons).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(404).unwrap(),
            SdkBody::from("<html>Not Found</html>"),
        )
    })]);
    let (cluster, ctx) = collect_one(rules).await;
    let gap = cluster.addons.gap().expect("addons must be unknown");
    assert_eq!(gap.reason, GapReason::NotSupported);
    assert_eq!(gap.operation, "ListAddons");
    let config = cluster.config.known().expect("config stays known");
    assert_eq!(config.endpoint_public_access, Some(true));
    assert_eq!(
        cluster.arn,
        "arn:aws:eks:us-east-1:123456789012:cluster/prod"
    );
    assert_eq!(cluster.nodegroups, Observed::Known(vec![]));
    assert_eq!(cluster.access_entries, Observed::Known(vec![]));
    assert_eq!(cluster.pod_identity_associations, Observed::Known(vec![]));
    assert_eq!(ctx.gaps.take().len(), 1);
}

fn nodegroup_pages() -> Vec<Rule> {
    vec![
        mock!(Client::list_nodegroups)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListNodegroupsOutput::builder()
                    .nodegroups("ng-b")
                    .next_token("page2")
                    .build()
            }),
        mock!(Client::list_nodegroups)
            .match_requests(|r| r.next_token() == Some("page2"))
            .then_output(|| ListNodegroupsOutput::builder().nodegroups("ng-a").build()),
    ]
}

#[tokio::test]
async fn nodegroups_are_read_across_pages_and_sorted() {
    let mut rules = nodegroup_pages();
    rules.push(mock!(Client::describe_nodegroup).then_compute_output(|r| {
        let name = r.nodegroup_name().unwrap_or_default().to_string();
        DescribeNodegroupOutput::builder()
            .nodegroup(
                SdkNodegroup::builder()
                    .nodegroup_name(&name)
                    .nodegroup_arn(format!(
                        "arn:aws:eks:us-east-1:123456789012:nodegroup/prod/{name}/x"
                    ))
                    .build(),
            )
            .build()
    }));
    let (cluster, _) = collect_one(with_defaults(rules)).await;
    let ngs = cluster.nodegroups.known().expect("nodegroups known");
    let names: Vec<&str> = ngs.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["ng-a", "ng-b"]);
    assert!(ngs.iter().all(|n| n.config.is_known()));
}

#[tokio::test]
async fn one_failed_nodegroup_describe_leaves_the_others_known() {
    let mut rules = nodegroup_pages();
    rules.push(
        mock!(Client::describe_nodegroup)
            .match_requests(|r| r.nodegroup_name() == Some("ng-a"))
            .then_error(|| {
                DescribeNodegroupError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .build(),
                )
            }),
    );
    rules.push(mock!(Client::describe_nodegroup).then_output(|| {
        DescribeNodegroupOutput::builder()
            .nodegroup(SdkNodegroup::builder().nodegroup_name("ng-b").build())
            .build()
    }));
    let (cluster, _) = collect_one(with_defaults(rules)).await;
    let ngs = cluster.nodegroups.known().expect("nodegroups known");
    assert_eq!(
        ngs[0].config.gap().map(|g| g.reason),
        Some(GapReason::AccessDenied)
    );
    let b = ngs[1].config.known().expect("ng-b known");
    // No ARN in the answer: the nodegroup is still named by one.
    assert_eq!(
        b.arn,
        "arn:aws:eks:us-east-1:123456789012:nodegroup/prod/ng-b"
    );
}

#[tokio::test]
async fn access_entries_carry_detail_and_associated_policies() {
    let principal = "arn:aws:iam::123456789012:role/admin";
    let rules = vec![
        mock!(Client::list_access_entries).then_output(move || {
            ListAccessEntriesOutput::builder()
                .access_entries(principal)
                .build()
        }),
        mock!(Client::describe_access_entry)
            .match_requests(move |r| r.principal_arn() == Some(principal))
            .then_output(move || {
                DescribeAccessEntryOutput::builder()
                    .access_entry(
                        aws_sdk_eks::types::AccessEntry::builder()
                            .principal_arn(principal)
                            .access_entry_arn(
                                "arn:aws:eks:us-east-1:123456789012:access-entry/prod/role/x",
                            )
                            .r#type("STANDARD")
                            .username("admin")
                            .kubernetes_groups("ops")
                            .created_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                            .build(),
                    )
                    .build()
            }),
        mock!(Client::list_associated_access_policies).then_output(move || {
            ListAssociatedAccessPoliciesOutput::builder()
                .principal_arn(principal)
                .associated_access_policies(
                    AssociatedAccessPolicy::builder()
                        .policy_arn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy")
                        .access_scope(
                            AccessScope::builder()
                                .r#type(AccessScopeType::Namespace)
                                .namespaces("dev")
                                .build(),
                        )
                        .build(),
                )
                .associated_access_policies(
                    AssociatedAccessPolicy::builder()
                        .policy_arn(
                            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        )
                        .access_scope(
                            AccessScope::builder()
                                .r#type(AccessScopeType::Cluster)
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
    ];
    let (cluster, ctx) = collect_one(with_defaults(rules)).await;
    let entries = cluster
        .access_entries
        .known()
        .expect("access entries known");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.principal_arn, principal);
    let d = e.detail.known().expect("detail known");
    assert_eq!(d.kind.as_deref(), Some("STANDARD"));
    assert_eq!(d.username.as_deref(), Some("admin"));
    assert_eq!(d.kubernetes_groups, vec!["ops"]);
    assert_eq!(d.created_at.as_deref(), Some("2023-11-14T22:13:20Z"));
    let p = e.access_policies.known().expect("policies known");
    assert_eq!(p.len(), 2);
    assert!(p[0].policy_arn.ends_with("AmazonEKSClusterAdminPolicy"));
    assert_eq!(p[0].scope_type.as_deref(), Some("cluster"));
    assert_eq!(p[1].scope_type.as_deref(), Some("namespace"));
    assert_eq!(p[1].namespaces, vec!["dev"]);
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn pod_identity_role_comes_from_describe() {
    let rules = vec![
        mock!(Client::list_pod_identity_associations).then_output(|| {
            ListPodIdentityAssociationsOutput::builder()
                .associations(
                    PodIdentityAssociationSummary::builder()
                        .association_id("a-1")
                        .association_arn(
                            "arn:aws:eks:us-east-1:123456789012:podidentityassociation/prod/a-1",
                        )
                        .namespace("kube-system")
                        .service_account("aws-node")
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_pod_identity_association)
            .match_requests(|r| r.association_id() == Some("a-1"))
            .then_output(|| {
                DescribePodIdentityAssociationOutput::builder()
                    .association(
                        SdkPodIdentity::builder()
                            .association_id("a-1")
                            .role_arn("arn:aws:iam::123456789012:role/cni")
                            .build(),
                    )
                    .build()
            }),
    ];
    let (cluster, _) = collect_one(with_defaults(rules)).await;
    let assoc = cluster
        .pod_identity_associations
        .known()
        .expect("associations known");
    assert_eq!(assoc.len(), 1);
    assert_eq!(assoc[0].namespace, "kube-system");
    assert_eq!(assoc[0].service_account, "aws-node");
    assert_eq!(
        assoc[0].role_arn,
        Observed::Known("arn:aws:iam::123456789012:role/cni".to_string())
    );
    assert_eq!(assoc[0].target_role_arn, Observed::Known(None));
    assert_eq!(assoc[0].external_id, None);
}

#[tokio::test]
async fn pod_identity_target_role_and_external_id_come_from_describe() {
    let rules = vec![
        mock!(Client::list_pod_identity_associations).then_output(|| {
            ListPodIdentityAssociationsOutput::builder()
                .associations(
                    PodIdentityAssociationSummary::builder()
                        .association_id("a-2")
                        .namespace("web")
                        .service_account("app")
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_pod_identity_association)
            .match_requests(|r| r.association_id() == Some("a-2"))
            .then_output(|| {
                DescribePodIdentityAssociationOutput::builder()
                    .association(
                        SdkPodIdentity::builder()
                            .association_id("a-2")
                            .role_arn("arn:aws:iam::123456789012:role/hop")
                            .target_role_arn("arn:aws:iam::444455556666:role/data")
                            .external_id("0c7e0c7e-1111-2222-3333-444455556666")
                            .build(),
                    )
                    .build()
            }),
    ];
    let (cluster, ctx) = collect_one(with_defaults(rules)).await;
    let assoc = cluster
        .pod_identity_associations
        .known()
        .expect("associations known");
    assert_eq!(
        assoc[0].target_role_arn,
        Observed::Known(Some("arn:aws:iam::444455556666:role/data".to_string()))
    );
    assert_eq!(
        assoc[0].external_id.as_deref(),
        Some("0c7e0c7e-1111-2222-3333-444455556666")
    );
    assert!(ctx.gaps.take().is_empty());
}

fn not_found(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message("No cluster found for name: gone.")
        .build()
}

#[tokio::test]
async fn cluster_deleted_between_list_and_describe_is_left_out_without_gaps() {
    let listed = mock!(Client::list_clusters).then_output(|| {
        ListClustersOutput::builder()
            .clusters("gone")
            .clusters("prod")
            .build()
    });
    let gone = mock!(Client::describe_cluster)
        .match_requests(|r| r.name() == Some("gone"))
        .then_error(|| DescribeClusterError::generic(not_found("ResourceNotFoundException")));
    let gone_nodegroups = mock!(Client::list_nodegroups)
        .match_requests(|r| r.cluster_name() == Some("gone"))
        .then_output(|| ListNodegroupsOutput::builder().build());
    let mut rules = vec![listed, gone, gone_nodegroups.clone()];
    rules.extend(one_empty_cluster());
    let ctx = test_ctx();
    let clusters = super::collect_with(&ctx, &client(&rules)).await.clusters;
    let list = clusters.known().expect("clusters known");
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["prod"]);
    assert_eq!(
        gone_nodegroups.num_calls(),
        0,
        "nothing more is asked about a deleted cluster"
    );
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn other_describe_cluster_failures_keep_the_cluster_with_an_unknown_config() {
    let rules = with_defaults(vec![mock!(Client::describe_cluster).then_error(|| {
        DescribeClusterError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    })]);
    let (cluster, ctx) = collect_one(rules).await;
    assert_eq!(
        cluster.config.gap().map(|g| g.reason),
        Some(GapReason::AccessDenied)
    );
    assert_eq!(
        cluster.arn,
        "arn:aws:eks:us-east-1:123456789012:cluster/prod"
    );
    assert_eq!(cluster.nodegroups, Observed::Known(vec![]));
    // DescribeCluster's gap only: aws-auth, whose relevance the mode
    // decides, cites it.
    let ops: Vec<String> = ctx
        .gaps
        .take()
        .iter()
        .map(|g| g.operation.clone())
        .collect();
    assert_eq!(ops, ["DescribeCluster"]);
    assert_eq!(cluster.aws_auth.gap(), cluster.config.gap());
}

#[tokio::test]
async fn nodegroup_deleted_between_list_and_describe_is_left_out() {
    let mut rules = nodegroup_pages();
    rules.push(
        mock!(Client::describe_nodegroup)
            .match_requests(|r| r.nodegroup_name() == Some("ng-a"))
            .then_error(|| DescribeNodegroupError::generic(not_found("ResourceNotFoundException"))),
    );
    rules.push(mock!(Client::describe_nodegroup).then_output(|| {
        DescribeNodegroupOutput::builder()
            .nodegroup(SdkNodegroup::builder().nodegroup_name("ng-b").build())
            .build()
    }));
    let (cluster, ctx) = collect_one(with_defaults(rules)).await;
    let ngs = cluster.nodegroups.known().expect("nodegroups known");
    let names: Vec<&str> = ngs.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["ng-b"]);
    assert!(ctx.gaps.take().is_empty());
}

fn cluster_with_mode(mode: AuthenticationMode) -> Rule {
    mock!(Client::describe_cluster).then_output(move || {
        DescribeClusterOutput::builder()
            .cluster(
                aws_sdk_eks::types::Cluster::builder()
                    .name("prod")
                    .access_config(
                        AccessConfigResponse::builder()
                            .authentication_mode(mode.clone())
                            .build(),
                    )
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn config_map_cluster_has_no_access_entries_and_is_not_asked() {
    let entries = mock!(Client::list_access_entries).then_error(|| {
        ListAccessEntriesError::generic(
            ErrorMetadata::builder()
                .code("InvalidRequestException")
                .message("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
                .build(),
        )
    });
    let rules = with_defaults(vec![
        cluster_with_mode(AuthenticationMode::ConfigMap),
        entries.clone(),
    ]);
    let (cluster, ctx) = collect_one(rules).await;
    assert_eq!(cluster.access_entries, Observed::Known(vec![]));
    assert_eq!(entries.num_calls(), 0);
    // What it grants is in aws-auth, which is not read: the one gap.
    let gaps = ctx.gaps.take();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(cluster.aws_auth.gap(), Some(&gaps[0]));
    assert_eq!(
        (gaps[0].service.as_str(), gaps[0].operation.as_str()),
        ("kubernetes", "aws-auth")
    );
    assert_eq!(gaps[0].reason, GapReason::NotRead);
    assert_eq!(gaps[0].region, "us-east-1");
    assert!(
        gaps[0].message.contains("cluster prod"),
        "{}",
        gaps[0].message
    );
    assert!(gaps[0].message.contains("Kubernetes API is not read"));
}

#[tokio::test]
async fn aws_auth_is_unread_unless_the_mode_is_api() {
    for mode in [Some(AuthenticationMode::ApiAndConfigMap), None] {
        let describe = match mode.clone() {
            Some(m) => cluster_with_mode(m),
            None => mock!(Client::describe_cluster).then_output(|| {
                DescribeClusterOutput::builder()
                    .cluster(aws_sdk_eks::types::Cluster::builder().name("prod").build())
                    .build()
            }),
        };
        let (cluster, ctx) = collect_one(with_defaults(vec![describe])).await;
        let gaps = ctx.gaps.take();
        assert_eq!(gaps.len(), 1, "{mode:?}: {gaps:?}");
        assert_eq!(cluster.aws_auth.gap(), Some(&gaps[0]));
        assert_eq!(gaps[0].reason, GapReason::NotRead);
    }
    let (cluster, ctx) = collect_one(with_defaults(vec![cluster_with_mode(
        AuthenticationMode::Api,
    )]))
    .await;
    assert_eq!(cluster.aws_auth, Observed::Known(AwsAuth::default()));
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn config_map_refusal_without_a_known_mode_means_no_access_entries() {
    let rules = with_defaults(vec![
        mock!(Client::describe_cluster).then_error(|| {
            DescribeClusterError::generic(
                ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .build(),
            )
        }),
        mock!(Client::list_access_entries).then_error(|| {
            ListAccessEntriesError::generic(
                ErrorMetadata::builder()
                    .code("InvalidRequestException")
                    .message("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
                    .build(),
            )
        }),
    ]);
    let (cluster, ctx) = collect_one(rules).await;
    assert_eq!(cluster.access_entries, Observed::Known(vec![]));
    let mut gaps = ctx.gaps.take();
    gaps.sort();
    let ops: Vec<(&str, &str)> = gaps
        .iter()
        .map(|g| (g.service.as_str(), g.operation.as_str()))
        .collect();
    // No ListAccessEntries gap; aws-auth is unknown because DescribeCluster
    // failed, and cites that gap rather than adding one.
    assert_eq!(ops, [("eks", "DescribeCluster")], "{gaps:?}");
    assert_eq!(gaps[0].reason, GapReason::Throttled);
    assert_eq!(cluster.aws_auth.gap(), Some(&gaps[0]));
}

#[tokio::test]
async fn api_mode_cluster_lists_its_access_entries() {
    let entries = mock!(Client::list_access_entries)
        .then_output(|| ListAccessEntriesOutput::builder().build());
    let rules = with_defaults(vec![
        cluster_with_mode(AuthenticationMode::Api),
        entries.clone(),
    ]);
    let (cluster, _) = collect_one(rules).await;
    assert_eq!(cluster.access_entries, Observed::Known(vec![]));
    assert_eq!(entries.num_calls(), 1);
}

#[tokio::test]
async fn cluster_versions_404_is_not_supported_and_clusters_stay_known() {
    let rules = with_defaults(vec![mock!(Client::describe_cluster_versions)
        .then_http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(404).unwrap(),
                SdkBody::from("<html>Not Found</html>"),
            )
        })]);
    let ctx = test_ctx();
    let data = super::collect_with(&ctx, &client(&rules)).await;
    assert_eq!(data.clusters.known().map(Vec::len), Some(1));
    let gap = data
        .cluster_versions
        .gap()
        .expect("versions must be unknown");
    assert_eq!(gap.reason, GapReason::NotSupported);
    assert_eq!(gap.operation, "DescribeClusterVersions");
}

#[tokio::test]
async fn cluster_versions_are_read_with_include_all_across_pages() {
    use aws_sdk_eks::types::{ClusterVersionInformation, VersionStatus};
    let rules = with_defaults(vec![
        mock!(Client::describe_cluster_versions)
            .match_requests(|r| r.include_all() == Some(true) && r.next_token().is_none())
            .then_output(|| {
                DescribeClusterVersionsOutput::builder()
                    .cluster_versions(
                        ClusterVersionInformation::builder()
                            .cluster_version("1.31")
                            .version_status(VersionStatus::StandardSupport)
                            .build(),
                    )
                    .next_token("p2")
                    .build()
            }),
        mock!(Client::describe_cluster_versions)
            .match_requests(|r| r.include_all() == Some(true) && r.next_token() == Some("p2"))
            .then_output(|| {
                DescribeClusterVersionsOutput::builder()
                    .cluster_versions(
                        ClusterVersionInformation::builder()
                            .cluster_version("1.23")
                            .version_status(VersionStatus::Unsupported)
                            .build(),
                    )
                    .build()
            }),
    ]);
    let ctx = test_ctx();
    let data = super::collect_with(&ctx, &client(&rules)).await;
    let versions = data.cluster_versions.known().expect("versions known");
    let names: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(names, ["1.23", "1.31"]);
}

#[tokio::test]
async fn region_without_clusters_does_not_ask_for_versions() {
    let versions = mock!(Client::describe_cluster_versions)
        .then_output(|| DescribeClusterVersionsOutput::builder().build());
    let rules = vec![
        mock!(Client::list_clusters).then_output(|| ListClustersOutput::builder().build()),
        versions.clone(),
    ];
    let ctx = test_ctx();
    let data = super::collect_with(&ctx, &client(&rules)).await;
    assert_eq!(data.clusters, Observed::Known(Vec::new()));
    assert_eq!(data.cluster_versions, Observed::Known(Vec::new()));
    assert_eq!(versions.num_calls(), 0);
}

#[tokio::test]
async fn unknown_cluster_list_leaves_versions_unknown_without_asking() {
    let versions = mock!(Client::describe_cluster_versions)
        .then_output(|| DescribeClusterVersionsOutput::builder().build());
    let rules = vec![
        mock!(Client::list_clusters).then_error(|| {
            ListClustersError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .build(),
            )
        }),
        versions.clone(),
    ];
    let ctx = test_ctx();
    let data = super::collect_with(&ctx, &client(&rules)).await;
    assert_eq!(
        data.cluster_versions.gap().map(|g| g.operation.as_str()),
        Some("ListClusters")
    );
    assert_eq!(versions.num_calls(), 0);
}

#[tokio::test]
async fn cluster_without_key_or_log_group_has_none_of_either() {
    let (cluster, ctx) = collect_one(one_empty_cluster()).await;
    assert_eq!(cluster.log_group, Observed::Known(None));
    assert_eq!(cluster.secrets_key, None);
    assert!(ctx.gaps.take().is_empty());
}

const KEY: &str = "arn:aws:kms:us-east-1:210987654321:key/shared";

#[allow(deprecated)] // EncryptionConfig::resources, see map::map_encryption.
fn encrypted_cluster() -> Rule {
    mock!(Client::describe_cluster).then_output(|| {
        DescribeClusterOutput::builder()
            .cluster(
                aws_sdk_eks::types::Cluster::builder()
                    .name("prod")
                    .encryption_config(
                        aws_sdk_eks::types::EncryptionConfig::builder()
                            .resources("secrets")
                            .provider(aws_sdk_eks::types::Provider::builder().key_arn(KEY).build())
                            .build(),
                    )
                    .access_config(
                        AccessConfigResponse::builder()
                            .authentication_mode(AuthenticationMode::Api)
                            .build(),
                    )
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn secrets_key_and_log_group_are_read_with_the_cluster() {
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput;
    use aws_sdk_kms::types::{KeyManagerType, KeyMetadata, KeyState};
    let rules = with_defaults(vec![
        encrypted_cluster(),
        // A key of another account is named by its full ARN.
        mock!(aws_sdk_kms::Client::describe_key)
            .match_requests(|r| r.key_id() == Some(KEY))
            .then_output(|| {
                DescribeKeyOutput::builder()
                    .key_metadata(
                        KeyMetadata::builder()
                            .key_id("shared")
                            .arn(KEY)
                            .enabled(true)
                            .key_state(KeyState::Enabled)
                            .key_manager(KeyManagerType::Customer)
                            .build()
                            .unwrap(),
                    )
                    .build()
            }),
        mock!(aws_sdk_kms::Client::get_key_rotation_status).then_output(|| {
            GetKeyRotationStatusOutput::builder()
                .key_rotation_enabled(true)
                .build()
        }),
        mock!(LogsClient::describe_log_groups).then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(
                    aws_sdk_cloudwatchlogs::types::LogGroup::builder()
                        .log_group_name("/aws/eks/prod/cluster")
                        .retention_in_days(30)
                        .build(),
                )
                .build()
        }),
    ]);
    let (cluster, ctx) = collect_one(rules).await;
    let key = cluster
        .secrets_key
        .as_ref()
        .and_then(Observed::known)
        .expect("the key is known");
    assert_eq!(key.arn, KEY);
    assert_eq!(key.rotation_enabled, Observed::Known(true));
    let group = cluster.log_group.known().cloned().flatten().expect("group");
    assert_eq!(group.retention_days, Some(30));
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn denied_secrets_key_is_some_unknown_and_the_rest_stays_known() {
    use aws_sdk_kms::operation::describe_key::DescribeKeyError;
    let rules = with_defaults(vec![
        encrypted_cluster(),
        mock!(aws_sdk_kms::Client::describe_key).then_error(|| {
            DescribeKeyError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("no key policy statement allows this account")
                    .build(),
            )
        }),
    ]);
    let (cluster, ctx) = collect_one(rules).await;
    let gap = cluster
        .secrets_key
        .as_ref()
        .and_then(Observed::gap)
        .expect("the key must be some unknown");
    assert_eq!(gap.service, "kms");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert!(cluster.config.is_known());
    assert_eq!(cluster.log_group, Observed::Known(None));
    assert_eq!(ctx.gaps.take(), vec![gap.clone()]);
}

#[tokio::test]
async fn unknown_cluster_config_leaves_the_secrets_key_unknown_not_absent() {
    let rules = with_defaults(vec![mock!(Client::describe_cluster).then_error(|| {
        DescribeClusterError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .build(),
        )
    })]);
    let (cluster, _) = collect_one(rules).await;
    let gap = cluster
        .secrets_key
        .as_ref()
        .and_then(Observed::gap)
        .expect("whether a key is configured is unknown");
    assert_eq!(gap.operation, "DescribeCluster");
}
