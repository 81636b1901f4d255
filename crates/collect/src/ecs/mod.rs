//! ECS: the task definitions that services run, for ECS and Fargate
//! workloads sharing an account with EKS.
//!
//! Scope: only task definitions in use by a service are read
//! (`ListClusters` → `ListServices` → `DescribeServices` → their task
//! definitions → `DescribeTaskDefinition`). Standalone tasks started with
//! `RunTask` (scheduled tasks, batch jobs) and task definition revisions no
//! service runs are out of scope: an account keeps every revision ever
//! registered, most of which run nowhere, and judging them would bury the
//! workloads that do run. The ECS checks say the same in their docs.
//!
//! A service can run more than one task definition at a time: during a
//! rolling deployment its `deployments` hold the old and the new revision,
//! and blue/green services run theirs through task sets. All of them are read.
//!
//! Failures: a failed `ListClusters`, `ListServices` or `DescribeServices`
//! makes the whole list unknown, because a partial list would let the checks
//! pass over task definitions they never saw. A failed
//! `DescribeTaskDefinition` makes only that task definition's detail unknown.
//! Pages are followed by hand rather than with the SDK paginators, which stop
//! silently when a service repeats a token and would leave the list short.
//!
//! A cluster or service deleted between its listing and the next call
//! (`ClusterNotFoundException`, a `MISSING` failure, an `INACTIVE` service)
//! runs nothing any more: it is left out rather than reported as a gap.
//!
//! Concurrency: every call takes one permit of the ECS bound for its own
//! duration only, so the fan-out over clusters, batches and task definitions
//! cannot deadlock on the shared bound.

mod map;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::operation::describe_services::DescribeServicesError;
use aws_sdk_ecs::operation::list_services::ListServicesError;
use aws_sdk_ecs::Client;
use eksposture_model::{Gap, GapReason, Observed, TaskDefinition, TaskDefinitionDetail};
use futures::future::join_all;

use crate::service::Service;
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "ecs",
    concurrency: 8,
    operations: &[
        "DescribeServices",
        "DescribeTaskDefinition",
        "ListClusters",
        "ListServices",
    ],
    rest: &[],
};

/// `DescribeServices` accepts at most 10 services per call.
pub(crate) const DESCRIBE_SERVICES_BATCH: usize = 10;
/// The largest page `ListClusters` and `ListServices` return.
const PAGE_SIZE: i32 = 100;

pub async fn collect(ctx: &Ctx) -> Observed<Vec<TaskDefinition>> {
    let client = eksposture_aws::client!(aws_sdk_ecs, &ctx.sdk, ctx.region());
    collect_with(ctx, &client).await
}

/// The task definitions run by the region's services, sorted by ARN, read
/// through `client`.
pub async fn collect_with(ctx: &Ctx, client: &Client) -> Observed<Vec<TaskDefinition>> {
    let clusters = match list_clusters(ctx, client).await {
        Ok(c) => c,
        Err(gap) => return Observed::Unknown(gap),
    };
    // Every cluster is read to the end (no short-circuit) so the gaps a scan
    // records do not depend on which call happened to fail first.
    let per_cluster = join_all(clusters.iter().map(|c| cluster_services(ctx, client, c))).await;
    let mut used_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for services in per_cluster {
        let services = match services {
            Ok(s) => s,
            Err(gap) => return Observed::Unknown(gap),
        };
        for (service_arn, task_definitions) in services {
            for td in task_definitions {
                used_by.entry(td).or_default().insert(service_arn.clone());
            }
        }
    }
    let defs = join_all(used_by.into_iter().map(|(arn, services)| async move {
        TaskDefinition {
            detail: task_definition(ctx, client, &arn).await,
            arn,
            used_by: services.into_iter().collect(),
        }
    }))
    .await;
    Observed::Known(defs)
}

async fn list_clusters(ctx: &Ctx, client: &Client) -> Result<Vec<String>, Gap> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .list_clusters()
                .max_results(PAGE_SIZE)
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = page.map_err(|e| ctx.sdk_gap(SERVICE.name, "ListClusters", &e))?;
        arns.extend(page.cluster_arns().iter().cloned());
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => return Err(ctx.gap(SERVICE.name, "ListClusters", GapReason::Error, m)),
        }
    }
    arns.sort();
    arns.dedup();
    Ok(arns)
}

/// Each service of a cluster with the task definitions it runs.
async fn cluster_services(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
) -> Result<Vec<(String, Vec<String>)>, Gap> {
    let Some(service_arns) = list_services(ctx, client, cluster).await? else {
        return Ok(Vec::new());
    };
    let batches = join_all(
        service_arns
            .chunks(DESCRIBE_SERVICES_BATCH)
            .map(|batch| describe_services(ctx, client, cluster, batch)),
    )
    .await;
    let mut out = Vec::new();
    for batch in batches {
        out.extend(batch?);
    }
    Ok(out)
}

/// The services of a cluster; `None` when the cluster was deleted since it
/// was listed.
async fn list_services(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
) -> Result<Option<Vec<String>>, Gap> {
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        // No launchType filter: EC2, Fargate and external services alike.
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .list_services()
                .cluster(cluster)
                .max_results(PAGE_SIZE)
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e)
                if e.as_service_error()
                    .is_some_and(ListServicesError::is_cluster_not_found_exception) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(ctx.sdk_gap(SERVICE.name, "ListServices", &e)),
        };
        arns.extend(page.service_arns().iter().cloned());
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => return Err(ctx.gap(SERVICE.name, "ListServices", GapReason::Error, m)),
        }
    }
    arns.sort();
    arns.dedup();
    Ok(Some(arns))
}

/// One `DescribeServices` call over at most [`DESCRIBE_SERVICES_BATCH`]
/// services.
async fn describe_services(
    ctx: &Ctx,
    client: &Client,
    cluster: &str,
    batch: &[String],
) -> Result<Vec<(String, Vec<String>)>, Gap> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.to_vec()))
            .send()
            .await
    };
    let out = match out {
        Ok(o) => o,
        Err(e)
            if e.as_service_error()
                .is_some_and(DescribeServicesError::is_cluster_not_found_exception) =>
        {
            return Ok(Vec::new())
        }
        Err(e) => return Err(ctx.sdk_gap(SERVICE.name, "DescribeServices", &e)),
    };
    // Per-service failures come in the body of a successful response.
    // `MISSING` is a service deleted since it was listed; anything else
    // leaves a service unread.
    let failed: Vec<String> = out
        .failures()
        .iter()
        .filter(|f| f.reason() != Some("MISSING"))
        .map(|f| {
            format!(
                "{}: {}{}",
                f.arn().unwrap_or("a service"),
                f.reason().unwrap_or("no reason given"),
                f.detail().map(|d| format!(" ({d})")).unwrap_or_default()
            )
        })
        .collect();
    if !failed.is_empty() {
        return Err(ctx.gap(
            SERVICE.name,
            "DescribeServices",
            GapReason::Error,
            format!(
                "services of cluster {cluster} could not be described: {}",
                failed.join("; ")
            ),
        ));
    }
    Ok(out
        .services()
        .iter()
        .filter(|s| s.status() != Some("INACTIVE"))
        .map(|s| {
            (
                s.service_arn().unwrap_or_default().to_string(),
                map::service_task_definitions(s),
            )
        })
        .collect())
}

async fn task_definition(ctx: &Ctx, client: &Client, arn: &str) -> Observed<TaskDefinitionDetail> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
    };
    match out {
        Ok(o) => match o.task_definition() {
            Some(td) => Observed::Known(map::task_definition(td)),
            None => Observed::Unknown(ctx.gap(
                SERVICE.name,
                "DescribeTaskDefinition",
                GapReason::Error,
                format!("task definition {arn}: the response carried no task definition"),
            )),
        },
        Err(e) => {
            let (reason, message) = eksposture_aws::classify(&e);
            Observed::Unknown(ctx.gap(
                SERVICE.name,
                "DescribeTaskDefinition",
                reason,
                format!("task definition {arn}: {message}"),
            ))
        }
    }
}
