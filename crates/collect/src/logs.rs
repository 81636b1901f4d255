//! CloudWatch Logs: the control-plane log group of each EKS cluster.
//!
//! EKS writes control-plane logs to the fixed group `/aws/eks/<cluster>/cluster`,
//! creating it when a log type is first enabled and leaving it in place when
//! logging is turned off. Only that group is read, for its retention and its
//! encryption key.

use aws_sdk_cloudwatchlogs::types;
use aws_sdk_cloudwatchlogs::Client;
use eksposture_model::{LogGroup, Observed};

use crate::service::Service;
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "logs",
    concurrency: 4,
    operations: &["DescribeLogGroups"],
    rest: &[],
};

pub fn client(ctx: &Ctx) -> Client {
    eksposture_aws::client!(aws_sdk_cloudwatchlogs, &ctx.sdk, ctx.region())
}

/// The group EKS sends a cluster's control-plane logs to.
pub fn control_plane_log_group(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// `DescribeLogGroups` entry -> [`LogGroup`].
pub fn map_log_group(g: &types::LogGroup) -> LogGroup {
    LogGroup {
        name: g.log_group_name.clone().unwrap_or_default(),
        // `arn` ends in `:*` (the form IAM policies use); `logGroupArn` is the
        // group's own ARN but is absent from older answers and from moto.
        arn: g.log_group_arn.clone().or_else(|| {
            g.arn
                .as_deref()
                .map(|a| a.strip_suffix(":*").unwrap_or(a).to_string())
        }),
        // CloudWatch Logs omits `retentionInDays` when events never expire.
        retention_days: g.retention_in_days,
        kms_key_id: g.kms_key_id.clone(),
    }
}

/// The cluster's control-plane log group: `Known(None)` when it does not
/// exist. The prefix also matches longer names (`.../cluster-old`), so only
/// the exact name counts.
pub async fn cluster_log_group(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
) -> Observed<Option<LogGroup>> {
    let name = control_plane_log_group(cluster);
    let _permit = ctx.limits.permit(&SERVICE).await;
    let mut groups = client
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .into_paginator()
        .items()
        .send();
    while let Some(item) = groups.next().await {
        match item {
            Ok(g) if g.log_group_name.as_deref() == Some(name.as_str()) => {
                return Observed::Known(Some(map_log_group(&g)));
            }
            Ok(_) => {}
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeLogGroups", &e)),
        }
    }
    Observed::Known(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::{
        DescribeLogGroupsError, DescribeLogGroupsOutput,
    };
    use aws_smithy_mocks::{mock, Rule};
    use aws_smithy_types::error::ErrorMetadata;
    use eksposture_model::GapReason;

    fn client(rules: &[Rule]) -> Client {
        eksposture_aws::mock_client!(aws_sdk_cloudwatchlogs, "us-east-1", rules)
    }

    fn group(name: &str) -> types::LogGroup {
        types::LogGroup::builder().log_group_name(name).build()
    }

    #[test]
    fn log_group_retention_key_and_arn_are_mapped() {
        let g = types::LogGroup::builder()
            .log_group_name("/aws/eks/prod/cluster")
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/prod/cluster:*")
            .retention_in_days(90)
            .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/k")
            .build();
        let m = map_log_group(&g);
        assert_eq!(m.name, "/aws/eks/prod/cluster");
        assert_eq!(
            m.arn.as_deref(),
            Some("arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/prod/cluster")
        );
        assert_eq!(m.retention_days, Some(90));
        assert_eq!(
            m.kms_key_id.as_deref(),
            Some("arn:aws:kms:us-east-1:123456789012:key/k")
        );
    }

    #[test]
    fn absent_retention_means_never_expire_and_log_group_arn_is_preferred() {
        let g = types::LogGroup::builder()
            .log_group_name("/aws/eks/prod/cluster")
            .arn("arn:aws:logs:us-east-1:1:log-group:/aws/eks/prod/cluster:*")
            .log_group_arn("arn:aws:logs:us-east-1:1:log-group:/aws/eks/prod/cluster")
            .build();
        let m = map_log_group(&g);
        assert_eq!(m.retention_days, None);
        assert_eq!(m.kms_key_id, None);
        assert_eq!(
            m.arn.as_deref(),
            Some("arn:aws:logs:us-east-1:1:log-group:/aws/eks/prod/cluster")
        );
    }

    #[tokio::test]
    async fn absent_log_group_is_known_none() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [mock!(Client::describe_log_groups)
            .match_requests(|r| r.log_group_name_prefix() == Some("/aws/eks/prod/cluster"))
            .then_output(|| {
                DescribeLogGroupsOutput::builder()
                    .log_groups(group("/aws/eks/prod/cluster-old"))
                    .build()
            })];
        let got = cluster_log_group(&ctx, &client(&rules), "prod").await;
        assert_eq!(got, Observed::Known(None));
        assert!(ctx.gaps.take().is_empty());
    }

    #[tokio::test]
    async fn exact_name_is_found_on_a_later_page() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [
            mock!(Client::describe_log_groups)
                .match_requests(|r| r.next_token().is_none())
                .then_output(|| {
                    DescribeLogGroupsOutput::builder()
                        .log_groups(group("/aws/eks/prod/cluster-a"))
                        .next_token("page-2")
                        .build()
                }),
            mock!(Client::describe_log_groups)
                .match_requests(|r| r.next_token() == Some("page-2"))
                .then_output(|| {
                    DescribeLogGroupsOutput::builder()
                        .log_groups(
                            types::LogGroup::builder()
                                .log_group_name("/aws/eks/prod/cluster")
                                .retention_in_days(7)
                                .build(),
                        )
                        .build()
                }),
        ];
        let got = cluster_log_group(&ctx, &client(&rules), "prod").await;
        let group = got.known().cloned().flatten().expect("the group is found");
        assert_eq!(group.name, "/aws/eks/prod/cluster");
        assert_eq!(group.retention_days, Some(7));
    }

    #[tokio::test]
    async fn describe_log_groups_denied_is_an_unknown_with_a_logs_gap() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [mock!(Client::describe_log_groups).then_error(|| {
            DescribeLogGroupsError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform logs:DescribeLogGroups")
                    .build(),
            )
        })];
        let got = cluster_log_group(&ctx, &client(&rules), "prod").await;
        let gap = got.gap().expect("the log group must be unknown");
        assert_eq!(gap.service, "logs");
        assert_eq!(gap.operation, "DescribeLogGroups");
        assert_eq!(gap.reason, GapReason::AccessDenied);
        assert_eq!(ctx.gaps.take(), vec![gap.clone()]);
    }
}
