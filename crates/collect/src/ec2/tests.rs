//! Collector paths through `aws-smithy-mocks`.

use aws_sdk_ec2::operation::describe_iam_instance_profile_associations::{
    DescribeIamInstanceProfileAssociationsError, DescribeIamInstanceProfileAssociationsOutput,
};
use aws_sdk_ec2::operation::describe_instances::{DescribeInstancesError, DescribeInstancesOutput};
use aws_sdk_ec2::operation::describe_launch_template_versions::{
    DescribeLaunchTemplateVersionsError, DescribeLaunchTemplateVersionsOutput,
};
use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::operation::describe_volumes::DescribeVolumesOutput;
use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
use aws_sdk_ec2::types::{
    Filter, LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataOptions, Reservation,
    ResponseLaunchTemplateData, Tag, VolumeAttachment,
};
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::{
    Cluster, GapReason, LaunchTemplateRef, Nodegroup, NodegroupConfig, Observed,
};

use crate::Ctx;

pub(super) fn test_ctx() -> Ctx {
    crate::testutil::ctx("us-east-1", "123456789012")
}

fn client(rules: &[Rule]) -> Client {
    eksposture_aws::mock_client!(aws_sdk_ec2, "us-east-1", rules)
}

/// Empty answers for every region-wide call; tests put their rules first.
fn empty_region(mut first: Vec<Rule>) -> Vec<Rule> {
    first.extend([
        mock!(Client::describe_instances)
            .then_output(|| DescribeInstancesOutput::builder().build()),
        mock!(Client::describe_security_groups)
            .then_output(|| DescribeSecurityGroupsOutput::builder().build()),
        mock!(Client::describe_subnets).then_output(|| DescribeSubnetsOutput::builder().build()),
        mock!(Client::describe_route_tables)
            .then_output(|| DescribeRouteTablesOutput::builder().build()),
        mock!(Client::describe_volumes).then_output(|| DescribeVolumesOutput::builder().build()),
        mock!(Client::describe_vpcs).then_output(|| DescribeVpcsOutput::builder().build()),
        mock!(Client::describe_iam_instance_profile_associations)
            .then_output(|| DescribeIamInstanceProfileAssociationsOutput::builder().build()),
    ]);
    first
}

fn cluster(asgs: &[&str], templates: &[LaunchTemplateRef]) -> Observed<Vec<Cluster>> {
    let nodegroups = templates
        .iter()
        .enumerate()
        .map(|(i, lt)| Nodegroup {
            name: format!("ng-{i}"),
            config: Observed::Known(NodegroupConfig {
                autoscaling_groups: asgs.iter().map(ToString::to_string).collect(),
                launch_template: Some(lt.clone()),
                ..NodegroupConfig::default()
            }),
        })
        .collect();
    Observed::Known(vec![Cluster {
        name: "prod".into(),
        arn: "arn:aws:eks:us-east-1:123456789012:cluster/prod".into(),
        nodegroups: Observed::Known(nodegroups),
        ..Cluster::default()
    }])
}

fn has_filter(filters: &[Filter], name: &str, value: &str) -> bool {
    filters
        .iter()
        .any(|f| f.name() == Some(name) && f.values().iter().any(|v| v == value))
}

fn instance(id: &str, tag: (&str, &str)) -> aws_sdk_ec2::types::Instance {
    aws_sdk_ec2::types::Instance::builder()
        .instance_id(id)
        .tags(Tag::builder().key(tag.0).value(tag.1).build())
        .build()
}

#[tokio::test]
async fn describe_instances_failure_makes_instances_and_volumes_unknown() {
    let ctx = test_ctx();
    let rules = empty_region(vec![mock!(Client::describe_instances).then_error(|| {
        DescribeInstancesError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("denied")
                .build(),
        )
    })]);
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &[])).await;
    let gap = data.instances.gap().expect("instances unknown");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(gap.operation, "DescribeInstances");
    assert_eq!(data.volumes.gap(), Some(gap));
    assert!(data.security_groups.is_known());
    assert!(data.subnets.is_known());
    assert!(data.route_tables.is_known());
}

#[tokio::test]
async fn nodes_found_by_cluster_tag_and_by_asg_are_merged_once() {
    let ctx = test_ctx();
    let rules = empty_region(vec![
        mock!(Client::describe_instances)
            .match_requests(|r| {
                has_filter(r.filters(), "tag-key", "kubernetes.io/cluster/prod")
                    && has_filter(r.filters(), "instance-state-name", "running")
            })
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        Reservation::builder()
                            .instances(instance("i-2", ("eks:cluster-name", "prod")))
                            .instances(instance("i-1", ("eks:cluster-name", "prod")))
                            .build(),
                    )
                    .build()
            }),
        mock!(Client::describe_instances)
            .match_requests(|r| {
                has_filter(r.filters(), "tag:aws:autoscaling:groupName", "eks-ng-asg")
            })
            .then_output(|| {
                DescribeInstancesOutput::builder()
                    .reservations(
                        Reservation::builder()
                            .instances(instance("i-1", ("aws:autoscaling:groupName", "eks-ng-asg")))
                            .instances(instance("i-3", ("aws:autoscaling:groupName", "eks-ng-asg")))
                            .build(),
                    )
                    .build()
            }),
        mock!(Client::describe_volumes)
            .match_requests(|r| has_filter(r.filters(), "attachment.instance-id", "i-3"))
            .then_output(|| {
                DescribeVolumesOutput::builder()
                    .volumes(
                        aws_sdk_ec2::types::Volume::builder()
                            .volume_id("vol-1")
                            .encrypted(false)
                            .attachments(VolumeAttachment::builder().instance_id("i-3").build())
                            .build(),
                    )
                    .build()
            }),
    ]);
    let lt = LaunchTemplateRef {
        id: Some("lt-1".into()),
        name: None,
        version: Some("1".into()),
    };
    let rules = [
        rules,
        vec![
            mock!(Client::describe_launch_template_versions).then_output(|| {
                DescribeLaunchTemplateVersionsOutput::builder()
                    .launch_template_versions(
                        aws_sdk_ec2::types::LaunchTemplateVersion::builder()
                            .launch_template_id("lt-1")
                            .version_number(1)
                            .build(),
                    )
                    .build()
            }),
        ],
    ]
    .concat();
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&["eks-ng-asg"], &[lt])).await;
    let ids: Vec<&str> = data
        .instances
        .known()
        .expect("instances known")
        .iter()
        .map(|i| i.instance_id.as_str())
        .collect();
    assert_eq!(ids, ["i-1", "i-2", "i-3"]);
    let vols = data.volumes.known().expect("volumes known");
    assert_eq!(vols.len(), 1);
    assert_eq!(
        vols[0].arn,
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"
    );
    assert_eq!(vols[0].attached_instance_ids, vec!["i-3"]);
    assert!(ctx.gaps.take().is_empty());
}

fn lt_version(
    n: i64,
    default: bool,
    tokens: LaunchTemplateHttpTokensState,
) -> aws_sdk_ec2::types::LaunchTemplateVersion {
    aws_sdk_ec2::types::LaunchTemplateVersion::builder()
        .launch_template_id("lt-1")
        .launch_template_name("nodes")
        .version_number(n)
        .default_version(default)
        .launch_template_data(
            ResponseLaunchTemplateData::builder()
                .metadata_options(
                    LaunchTemplateInstanceMetadataOptions::builder()
                        .http_tokens(tokens)
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test]
async fn launch_template_versions_are_resolved_per_requested_version() {
    let ctx = test_ctx();
    let rules = empty_region(vec![mock!(Client::describe_launch_template_versions)
        .match_requests(|r| {
            r.launch_template_id() == Some("lt-1")
                && r.versions().contains(&"2".to_string())
                && r.versions().contains(&"$Default".to_string())
        })
        .then_output(|| {
            DescribeLaunchTemplateVersionsOutput::builder()
                .launch_template_versions(lt_version(
                    2,
                    false,
                    LaunchTemplateHttpTokensState::Optional,
                ))
                .launch_template_versions(lt_version(
                    3,
                    true,
                    LaunchTemplateHttpTokensState::Required,
                ))
                .build()
        })]);
    let refs = [
        LaunchTemplateRef {
            id: Some("lt-1".into()),
            name: Some("nodes".into()),
            version: Some("2".into()),
        },
        LaunchTemplateRef {
            id: Some("lt-1".into()),
            name: Some("nodes".into()),
            version: None,
        },
    ];
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &refs)).await;
    let v = &data.launch_template_versions;
    assert_eq!(v.len(), 2);
    // Sorted by requested version: None (the default) first.
    assert_eq!(v[0].requested_version, None);
    let default = v[0].data.known().expect("default version known");
    assert_eq!(default.version_number, Some(3));
    assert_eq!(
        default
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.as_deref()),
        Some("required")
    );
    assert_eq!(v[1].requested_version.as_deref(), Some("2"));
    let two = v[1].data.known().expect("version 2 known");
    assert_eq!(
        two.metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.as_deref()),
        Some("optional")
    );
    assert_eq!(
        two.arn,
        "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1"
    );
    assert_eq!(v[1].template_id.as_deref(), Some("lt-1"));
    assert_eq!(v[1].template_name.as_deref(), Some("nodes"));
}

#[tokio::test]
async fn launch_template_call_failure_makes_its_versions_unknown() {
    let ctx = test_ctx();
    let rules = empty_region(vec![mock!(Client::describe_launch_template_versions)
        .then_error(|| {
            DescribeLaunchTemplateVersionsError::generic(
                ErrorMetadata::builder()
                    .code("InvalidLaunchTemplateId.NotFound")
                    .build(),
            )
        })]);
    let refs = [LaunchTemplateRef {
        id: None,
        name: Some("gone".into()),
        version: Some("1".into()),
    }];
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &refs)).await;
    let v = &data.launch_template_versions;
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].template_name.as_deref(), Some("gone"));
    assert_eq!(v[0].requested_version.as_deref(), Some("1"));
    assert_eq!(v[0].data.gap().map(|g| g.reason), Some(GapReason::Error));
}

#[tokio::test]
async fn unknown_clusters_still_search_nodes_by_eks_tags() {
    let ctx = test_ctx();
    let rules = empty_region(vec![mock!(Client::describe_instances)
        .match_requests(|r| {
            has_filter(r.filters(), "tag-key", "eks:cluster-name")
                && !r
                    .filters()
                    .iter()
                    .any(|f| f.name() == Some("tag:aws:autoscaling:groupName"))
        })
        .then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(
                    Reservation::builder()
                        .instances(instance("i-9", ("eks:cluster-name", "other")))
                        .build(),
                )
                .build()
        })]);
    let unknown =
        Observed::Unknown(ctx.gap("eks", "ListClusters", GapReason::AccessDenied, "denied"));
    let data = super::collect_with(&ctx, &client(&rules), &unknown).await;
    assert_eq!(data.instances.known().map(Vec::len), Some(1));
    assert!(data.launch_template_versions.is_empty());
}

#[tokio::test]
async fn vpcs_are_read_across_pages_and_sorted() {
    let ctx = test_ctx();
    let rules = empty_region(vec![
        mock!(Client::describe_vpcs)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                DescribeVpcsOutput::builder()
                    .vpcs(
                        aws_sdk_ec2::types::Vpc::builder()
                            .vpc_id("vpc-b")
                            .is_default(false)
                            .build(),
                    )
                    .next_token("p2")
                    .build()
            }),
        mock!(Client::describe_vpcs)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(|| {
                DescribeVpcsOutput::builder()
                    .vpcs(
                        aws_sdk_ec2::types::Vpc::builder()
                            .vpc_id("vpc-a")
                            .is_default(true)
                            .build(),
                    )
                    .build()
            }),
    ]);
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &[])).await;
    let vpcs = data.vpcs.known().expect("vpcs known");
    let ids: Vec<&str> = vpcs.iter().map(|v| v.vpc_id.as_str()).collect();
    assert_eq!(ids, ["vpc-a", "vpc-b"]);
    assert_eq!(vpcs[0].is_default, Some(true));
}

fn association(
    instance: &str,
    profile: &str,
    state: aws_sdk_ec2::types::IamInstanceProfileAssociationState,
) -> aws_sdk_ec2::types::IamInstanceProfileAssociation {
    aws_sdk_ec2::types::IamInstanceProfileAssociation::builder()
        .instance_id(instance)
        .iam_instance_profile(
            aws_sdk_ec2::types::IamInstanceProfile::builder()
                .arn(format!(
                    "arn:aws:iam::123456789012:instance-profile/{profile}"
                ))
                .build(),
        )
        .state(state)
        .build()
}

#[tokio::test]
async fn profile_associations_span_pages_and_drop_disassociated_ones() {
    use aws_sdk_ec2::types::IamInstanceProfileAssociationState as State;
    let ctx = test_ctx();
    let rules = empty_region(vec![
        mock!(Client::describe_iam_instance_profile_associations)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                DescribeIamInstanceProfileAssociationsOutput::builder()
                    .iam_instance_profile_associations(association(
                        "i-2",
                        "node",
                        State::Associated,
                    ))
                    .iam_instance_profile_associations(association(
                        "i-3",
                        "old",
                        State::Disassociated,
                    ))
                    .next_token("p2")
                    .build()
            }),
        mock!(Client::describe_iam_instance_profile_associations)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(|| {
                DescribeIamInstanceProfileAssociationsOutput::builder()
                    .iam_instance_profile_associations(association(
                        "i-1",
                        "node",
                        State::Associating,
                    ))
                    .build()
            }),
    ]);
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &[])).await;
    let list = data
        .instance_profile_associations
        .known()
        .expect("associations known");
    let ids: Vec<(&str, Option<&str>)> = list
        .iter()
        .map(|a| (a.instance_id.as_str(), a.state.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [("i-1", Some("associating")), ("i-2", Some("associated"))]
    );
}

#[tokio::test]
async fn profile_associations_denied_is_a_gap_and_the_rest_stays_known() {
    let ctx = test_ctx();
    let rules = empty_region(vec![mock!(
        Client::describe_iam_instance_profile_associations
    )
    .then_error(|| {
        DescribeIamInstanceProfileAssociationsError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("denied")
                .build(),
        )
    })]);
    let data = super::collect_with(&ctx, &client(&rules), &cluster(&[], &[])).await;
    let gap = data
        .instance_profile_associations
        .gap()
        .expect("associations unknown");
    assert_eq!(gap.operation, "DescribeIamInstanceProfileAssociations");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert!(data.vpcs.is_known());
    assert!(data.instances.is_known());
}
