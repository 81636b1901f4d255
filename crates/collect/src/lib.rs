//! Live collectors, read-only: each service module reads one service for
//! one region (IAM: once, globally) into the plain
//! [`eksposture_model::Inventory`] types. A failed call never aborts the scan
//! and never reads as "not configured": it becomes an [`Observed::Unknown`]
//! carrying a [`Gap`], and the gap is also listed in the inventory.
//!
//! The services read are the table in [`service`]; how AWS is reached
//! (session, assumed roles, retries, statistics) is `eksposture-aws`. This
//! crate holds no SDK crate with a write operation the scanner uses: the
//! writers (Security Hub import, S3 report) are `eksposture-sinks`.

pub mod accounts;
mod context;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod eks;
pub mod iam;
pub mod inspector;
pub mod kms;
pub mod kubernetes;
pub mod logs;
pub mod service;
#[cfg(test)]
mod testutil;

use std::sync::Arc;

use eksposture_aws::{now_rfc3339, resolve_regions, session, Options, Session, SessionError};
use eksposture_model::{Gap, GapReason, Inventory, RegionInventory, ScanInfo, SCHEMA_VERSION};

pub use accounts::{OrgAccount, ORGANIZATION_OPERATIONS};
pub use context::{Ctx, GapSink, Progress};
pub use service::{operations, rest_operation, Limits, Rest, Service, SERVICES};

/// Nothing could be scanned.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("cannot list the organization's accounts: {0}")]
    Organization(String),
    #[error("{0} (fix the file, or pass --no-kubernetes)")]
    Kubeconfig(eksposture_kube::kubeconfig::KubeconfigError),
}

/// The accounts of the organization the credentials can list (management
/// account or delegated administrator), active or not.
pub async fn organization_accounts(opts: &Options) -> Result<Vec<OrgAccount>, CollectError> {
    let s = session(opts).await?;
    accounts::organization_accounts(&s.sdk, &s.home)
        .await
        .map_err(CollectError::Organization)
}

/// Collects the whole inventory of the account the credentials belong to
/// (or, with `opts.assume`, of the assumed role's account).
pub async fn collect(
    opts: &Options,
    progress: Option<Arc<dyn Progress>>,
) -> Result<Inventory, CollectError> {
    let started_at = now_rfc3339();
    // A kubeconfig the user named (or KUBECONFIG) that cannot be used is a
    // mistake to fix before scanning, not a gap.
    let contexts = if opts.kubernetes {
        eksposture_kube::kubeconfig::Contexts::load(opts.kubeconfig.as_deref())
            .map_err(CollectError::Kubeconfig)?
            .map(Arc::new)
    } else {
        None
    };
    let Session {
        sdk,
        home,
        account_id,
        partition,
        caller_arn,
    } = session(opts).await?;
    let mut early_gaps = Vec::new();
    let regions = if opts.all_regions {
        match accounts::enabled_regions(&sdk, &home).await {
            Ok(regions) if !regions.is_empty() => regions,
            Ok(_) => vec![home.to_string()],
            Err((reason, message)) => {
                // Only the home region can be read: the report says which
                // regions were not, instead of passing them silently.
                early_gaps.push(Gap::new(
                    "ec2",
                    home.to_string(),
                    "DescribeRegions",
                    reason,
                    format!("{message}; only {home} was scanned"),
                ));
                vec![home.to_string()]
            }
        }
    } else {
        resolve_regions(opts, &sdk)?
    };

    let gaps = Arc::new(GapSink::default());
    let limits = Arc::new(Limits::default());
    let ctx_for = |region: &str| Ctx {
        region: region.to_string(),
        account_id: account_id.clone(),
        partition: partition.clone(),
        sdk: sdk.clone(),
        gaps: gaps.clone(),
        limits: limits.clone(),
        progress: progress.clone(),
    };
    if let Some(p) = &progress {
        // IAM plus, per region: EKS, EC2, ECR, ECS, Inspector.
        p.set_total(1 + 5 * regions.len() as u64);
    }

    let iam_ctx = ctx_for(&regions[0]);
    let iam_fut = iam::collect(&iam_ctx);
    let region_futs = regions.iter().map(|r| {
        let ctx = ctx_for(r);
        async move {
            // Boxed: a region's future holds every collector's state.
            let data = Box::pin(collect_region(&ctx)).await;
            (ctx.region, data)
        }
    });
    let (iam, mut region_data) = tokio::join!(iam_fut, futures::future::join_all(region_futs));
    if opts.kubernetes {
        let reading = kubernetes::Reading {
            sdk: &sdk,
            caller_arn: &caller_arn,
            contexts,
            gaps: &gaps,
        };
        Box::pin(kubernetes::read_all(&mut region_data, &reading)).await;
    } else {
        kubernetes::skip_all(&mut region_data);
    }

    let mut gaps = gaps.take();
    gaps.extend(early_gaps);
    gaps.sort();
    gaps.dedup();
    Ok(Inventory {
        schema_version: SCHEMA_VERSION.to_string(),
        scan: ScanInfo {
            account_id,
            partition,
            regions,
            started_at,
            finished_at: now_rfc3339(),
        },
        gaps,
        iam,
        regions: region_data.into_iter().collect(),
    })
}

/// Whose credentials ran a multi-account scan.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub partition: String,
    pub home_region: String,
}

/// Scans each account through `role_name` assumed in it, at most
/// `max_parallel` at a time: per account, sorted by id, its inventory or,
/// when it cannot be assumed or identified, the gap that says why (the
/// others go on). Fails only when the caller's own credentials do not work.
pub async fn collect_accounts(
    opts: &Options,
    account_ids: &[String],
    role_name: &str,
    external_id: Option<&str>,
    max_parallel: usize,
) -> Result<(Caller, Vec<Result<Inventory, Gap>>), CollectError> {
    use futures::StreamExt;

    let base = session(&Options {
        assume: None,
        ..opts.clone()
    })
    .await?;
    let caller = Caller {
        account_id: base.account_id.clone(),
        partition: base.partition.clone(),
        home_region: base.home.to_string(),
    };
    let mut ids: Vec<String> = account_ids.to_vec();
    ids.sort();
    ids.dedup();
    // Owned ids and options: the futures must not borrow the closure's
    // argument, so that the whole scan can run as a spawned task.
    let scans = futures::stream::iter(ids.into_iter().map(|id| {
        let account_opts = Options {
            assume: Some(eksposture_aws::AssumeRole::new(
                &caller.partition,
                &id,
                role_name,
                external_id,
            )),
            ..opts.clone()
        };
        let home = caller.home_region.clone();
        async move {
            match Box::pin(collect(&account_opts, None)).await {
                Ok(inv) => Ok(inv),
                Err(e) => {
                    let (operation, reason) = match &e {
                        CollectError::Session(SessionError::Assume(f)) => ("AssumeRole", f.reason),
                        CollectError::Session(SessionError::Identity(_)) => {
                            ("GetCallerIdentity", GapReason::Error)
                        }
                        _ => ("-", GapReason::Error),
                    };
                    let mut gap = Gap::new("sts", home, operation, reason, e.to_string());
                    gap.account_id = Some(id);
                    Err(gap)
                }
            }
        }
    }))
    .buffer_unordered(max_parallel.max(1))
    .collect::<Vec<_>>()
    .await;
    let mut scans = scans;
    let account = |scan: &Result<Inventory, Gap>| match scan {
        Ok(inv) => inv.scan.account_id.clone(),
        Err(gap) => gap.account_id.clone().unwrap_or_default(),
    };
    scans.sort_by_key(account);
    Ok((caller, scans))
}

async fn collect_region(ctx: &Ctx) -> RegionInventory {
    let eks_then_ec2 = async {
        let eks = eks::collect(ctx).await;
        ctx.step("eks");
        let ec2 = ec2::collect(ctx, &eks.clusters).await;
        ctx.step("ec2");
        (eks, ec2)
    };
    let ecr_fut = async {
        let r = ecr::collect(ctx).await;
        ctx.step("ecr");
        r
    };
    let ecs_fut = async {
        let r = ecs::collect(ctx).await;
        ctx.step("ecs");
        r
    };
    let inspector_fut = async {
        let r = inspector::collect(ctx).await;
        ctx.step("inspector2");
        r
    };
    let ((eks, ec2), ecr, ecs_task_definitions, inspector) =
        tokio::join!(eks_then_ec2, ecr_fut, ecs_fut, inspector_fut);
    // Every field is named (no `..Default::default()`): a field added to the
    // model does not compile until it is collected.
    RegionInventory {
        clusters: eks.clusters,
        cluster_versions: eks.cluster_versions,
        instances: ec2.instances,
        launch_template_versions: ec2.launch_template_versions,
        security_groups: ec2.security_groups,
        subnets: ec2.subnets,
        route_tables: ec2.route_tables,
        volumes: ec2.volumes,
        vpcs: ec2.vpcs,
        instance_profile_associations: ec2.instance_profile_associations,
        repositories: ecr.repositories,
        registry_scanning: ecr.registry_scanning,
        inspector,
        ecs_task_definitions,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use eksposture_aws::session::timeouts;

    use super::*;

    /// A server that accepts connections and never answers: the call must
    /// end, within the attempt timeout, as a gap.
    #[tokio::test]
    async fn a_hanging_endpoint_ends_as_a_gap() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let opts = Options {
            attempt_timeout: Duration::from_millis(300),
            max_attempts: 2,
            ..Options::default()
        };
        let conf = aws_sdk_eks::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_eks::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .endpoint_url(format!("http://{addr}"))
            .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts))
            .timeout_config(timeouts(&opts))
            .build();
        let client = aws_sdk_eks::Client::from_conf(conf);
        let ctx = Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            partition: "aws".into(),
            sdk: SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .build(),
            gaps: Arc::new(GapSink::default()),
            limits: Arc::new(Limits::default()),
            progress: None,
        };
        let clients = eks::Clients {
            eks: client,
            logs: logs::client(&ctx),
            kms: kms::client(&ctx),
        };
        let clusters =
            tokio::time::timeout(Duration::from_secs(20), eks::collect_with(&ctx, &clients))
                .await
                .expect("the collector must not hang")
                .clusters;
        server.abort();
        let gap = clusters.gap().expect("clusters must be unknown");
        assert_eq!(gap.operation, "ListClusters");
        assert_eq!(gap.reason, eksposture_model::GapReason::Error);
        assert!(gap.message.contains("timeout"), "{}", gap.message);
    }
}
