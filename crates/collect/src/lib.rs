//! Live collectors: the only crate that talks to AWS. Each service module
//! reads one service for one region (IAM: once, globally) into the plain
//! [`eksposture_model::Inventory`] types. A failed call never aborts the scan
//! and never reads as "not configured": it becomes an [`Observed::Unknown`]
//! carrying a [`Gap`], and the gap is also listed in the inventory.

pub mod accounts;
mod context;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod eks;
mod error;
pub mod iam;
pub mod inspector;
pub mod kms;
pub mod logs;
pub mod operations;
mod paging;
pub mod s3;
pub mod securityhub;
pub mod stats;
#[cfg(test)]
mod testutil;

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use eksposture_model::{arn, Gap, GapReason, Inventory, RegionInventory, ScanInfo, SCHEMA_VERSION};

pub use accounts::{AssumeRole, OrgAccount};
pub use context::{Ctx, GapSink, Limits, Progress};
pub use error::classify;

/// What to collect and how to reach AWS.
#[derive(Clone)]
pub struct Options {
    pub profile: Option<String>,
    /// Regions to scan; empty means the profile's or the environment's region.
    pub regions: Vec<String>,
    /// Scan every region enabled for the account (EC2 `DescribeRegions`,
    /// asked in the first of `regions` or the configured region).
    pub all_regions: bool,
    /// Scan the account of this role, assumed with the credentials above.
    pub assume: Option<AssumeRole>,
    /// Overrides every service endpoint (moto, LocalStack, VPC endpoints).
    /// `AWS_ENDPOINT_URL` is honoured by the SDK without this.
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
    /// Limit on one attempt of one call.
    pub attempt_timeout: Duration,
    pub progress: Option<Arc<dyn Progress>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            assume: None,
            endpoint_url: None,
            max_attempts: 5,
            attempt_timeout: Duration::from_secs(20),
            progress: None,
        }
    }
}

/// Nothing could be scanned.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("no AWS region: pass --region, set AWS_REGION, or set a region in the profile")]
    NoRegion,
    #[error("invalid region name {0:?}: expected a name like us-east-1")]
    BadRegion(String),
    #[error("profile {0:?} is not defined in {1}: check the name (aws configure list-profiles)")]
    UnknownProfile(String, String),
    #[error("cannot identify the account (STS GetCallerIdentity failed): {0}")]
    Identity(String),
    #[error("{}", .0.message)]
    Assume(accounts::AssumeFailure),
    #[error("cannot list the organization's accounts: {0}")]
    Organization(String),
}

/// Loads the shared SDK configuration (credential chain, profile, endpoint,
/// adaptive retry, timeouts).
pub async fn load_config(opts: &Options) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)))
        .timeout_config(timeouts(opts));
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// Every call is bounded: a hung connection or a response that never ends
/// times out per attempt, is retried, and at the end becomes a gap.
fn timeouts(opts: &Options) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(opts.attempt_timeout)
        .operation_timeout(opts.attempt_timeout * opts.max_attempts.max(1) * 2)
        .build()
}

/// The partition of the caller's ARN (`arn:aws-us-gov:sts::...`), which is
/// where the credentials work; the region's partition when the ARN is absent.
fn partition_of(caller_arn: Option<&str>, region: &str) -> String {
    caller_arn
        .and_then(arn::parse)
        .map(|a| a.partition)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| arn::partition_for_region(region))
        .to_string()
}

fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The regions to scan: the ones asked for, else the configured one.
pub fn resolve_regions(opts: &Options, sdk: &SdkConfig) -> Result<Vec<String>, CollectError> {
    let mut regions: Vec<String> = if opts.regions.is_empty() {
        sdk.region()
            .map(|r| vec![r.to_string()])
            .ok_or(CollectError::NoRegion)?
    } else {
        opts.regions.clone()
    };
    regions.sort();
    regions.dedup();
    if let Some(bad) = regions.iter().find(|r| !valid_region(r)) {
        return Err(CollectError::BadRegion(bad.clone()));
    }
    Ok(regions)
}

/// Where region-less calls (STS, Organizations, `DescribeRegions`) go: the
/// first region asked for, else the configured one; with `all_regions` and
/// neither, the partition's usual first region.
fn home_region(opts: &Options, sdk: &SdkConfig) -> Result<Region, CollectError> {
    if let Some(first) = opts.regions.first() {
        if !valid_region(first) {
            return Err(CollectError::BadRegion(first.clone()));
        }
        return Ok(Region::new(first.clone()));
    }
    match sdk.region() {
        Some(r) => Ok(r.clone()),
        None if opts.all_regions => Ok(Region::new("us-east-1")),
        None => Err(CollectError::NoRegion),
    }
}

/// The credentials the scan runs with and whom they belong to.
pub struct Session {
    pub sdk: SdkConfig,
    pub home: Region,
    pub account_id: String,
    pub partition: String,
}

/// Loads the configuration, assumes `opts.assume` when set, and asks STS
/// whose credentials these are. Anything wrong here means nothing can be
/// scanned.
pub async fn session(opts: &Options) -> Result<Session, CollectError> {
    if let Some(p) = named_profile(opts) {
        check_profile(&p)?;
    }
    // Every region is checked before the first call, so a typo is named
    // instead of whatever the first call happens to fail with.
    if let Some(bad) = opts.regions.iter().find(|r| !valid_region(r)) {
        return Err(CollectError::BadRegion(bad.clone()));
    }
    let mut sdk = load_config(opts).await;
    let home = home_region(opts, &sdk)?;
    if let Some(role) = &opts.assume {
        sdk = accounts::assume(&sdk, &home, role)
            .await
            .map_err(CollectError::Assume)?;
    }
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&sdk)
            .interceptor(crate::stats::Recorder)
            .region(home.clone())
            .build(),
    );
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| CollectError::Identity(error::describe(&e)))?;
    let account_id = identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| CollectError::Identity("the response carried no account id".into()))?;
    let partition = partition_of(identity.arn(), home.as_ref());
    Ok(Session {
        sdk,
        home,
        account_id,
        partition,
    })
}

/// The configuration for calls in the scanned account after the scan
/// (Security Hub import): the assumed role's credentials when one is set.
pub async fn account_config(opts: &Options) -> Result<SdkConfig, CollectError> {
    let sdk = load_config(opts).await;
    match &opts.assume {
        None => Ok(sdk),
        Some(role) => {
            let home = home_region(opts, &sdk)?;
            accounts::assume(&sdk, &home, role)
                .await
                .map_err(CollectError::Assume)
        }
    }
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
pub async fn collect(opts: &Options) -> Result<Inventory, CollectError> {
    let started_at = now_rfc3339();
    let Session {
        sdk,
        home,
        account_id,
        partition,
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
        progress: opts.progress.clone(),
    };
    if let Some(p) = &opts.progress {
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
    let (iam, region_data) = tokio::join!(iam_fut, futures::future::join_all(region_futs));

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

/// One account of a multi-account scan.
#[derive(Debug)]
pub enum AccountScan {
    Scanned(Box<Inventory>),
    /// The account could not be reached or identified: the gap says why.
    Failed {
        account_id: String,
        gap: Gap,
    },
}

impl AccountScan {
    pub fn account_id(&self) -> &str {
        match self {
            AccountScan::Scanned(inv) => &inv.scan.account_id,
            AccountScan::Failed { account_id, .. } => account_id,
        }
    }
}

/// Whose credentials ran a multi-account scan.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub partition: String,
    pub home_region: String,
}

/// Scans each account through `role_name` assumed in it, at most
/// `max_parallel` at a time. An account that cannot be assumed or read is a
/// [`AccountScan::Failed`]; the others go on. Fails only when the caller's
/// own credentials do not work.
pub async fn collect_accounts(
    opts: &Options,
    account_ids: &[String],
    role_name: &str,
    external_id: Option<&str>,
    max_parallel: usize,
) -> Result<(Caller, Vec<AccountScan>), CollectError> {
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
    let mut ids: Vec<&String> = account_ids.iter().collect();
    ids.sort();
    ids.dedup();
    let scans = futures::stream::iter(ids.into_iter().map(|id| {
        let account_opts = Options {
            assume: Some(AssumeRole::new(
                &caller.partition,
                id,
                role_name,
                external_id,
            )),
            progress: None,
            ..opts.clone()
        };
        let home = caller.home_region.clone();
        async move {
            match Box::pin(collect(&account_opts)).await {
                Ok(inv) => AccountScan::Scanned(Box::new(inv)),
                Err(e) => {
                    let (operation, reason) = match &e {
                        CollectError::Assume(f) => ("AssumeRole", f.reason),
                        CollectError::Identity(_) => ("GetCallerIdentity", GapReason::Error),
                        _ => ("-", GapReason::Error),
                    };
                    let mut gap = Gap::new("sts", home, operation, reason, e.to_string());
                    gap.account_id = Some(id.clone());
                    AccountScan::Failed {
                        account_id: id.clone(),
                        gap,
                    }
                }
            }
        }
    }))
    .buffer_unordered(max_parallel.max(1))
    .collect::<Vec<_>>()
    .await;
    let mut scans = scans;
    scans.sort_by(|a, b| a.account_id().cmp(b.account_id()));
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

/// The shared config and credentials files, as the AWS CLI finds them.
fn profile_files() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    [
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The profile the credentials come from when one is named: `--profile`,
/// else `AWS_PROFILE` — unless access keys in the environment come first in
/// the credential chain, which then never reads the profile.
fn named_profile(opts: &Options) -> Option<String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    opts.profile
        .clone()
        .or_else(|| env("AWS_PROFILE").filter(|_| env("AWS_ACCESS_KEY_ID").is_none()))
}

/// An unknown `--profile` would otherwise fall through the credential chain
/// to instance metadata and fail with an unrelated message.
fn check_profile(name: &str) -> Result<(), CollectError> {
    let files = profile_files();
    let defined = files.iter().any(|path| {
        std::fs::read_to_string(path).is_ok_and(|text| {
            text.lines().any(|line| {
                let line = line.trim();
                line.strip_prefix('[')
                    .and_then(|l| l.strip_suffix(']'))
                    .map(str::trim)
                    .is_some_and(|section| {
                        section == name
                            || section
                                .strip_prefix("profile")
                                .is_some_and(|rest| rest.trim() == name)
                    })
            })
        })
    });
    if defined {
        Ok(())
    } else {
        let shown: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        Err(CollectError::UnknownProfile(
            name.to_string(),
            shown.join(" or "),
        ))
    }
}

/// RFC 3339 UTC timestamp of the wall clock (collection metadata only).
pub fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_comes_from_the_caller_arn() {
        assert_eq!(
            partition_of(
                Some("arn:aws-us-gov:sts::123456789012:assumed-role/audit/s"),
                "us-gov-west-1"
            ),
            "aws-us-gov"
        );
        assert_eq!(
            partition_of(Some("arn:aws-cn:iam::123456789012:user/u"), "cn-north-1"),
            "aws-cn"
        );
        assert_eq!(partition_of(None, "cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of(Some("garbage"), "eu-west-1"), "aws");
    }

    #[test]
    fn every_attempt_and_operation_has_a_timeout() {
        let opts = Options::default();
        let t = timeouts(&opts);
        assert_eq!(t.operation_attempt_timeout(), Some(opts.attempt_timeout));
        assert!(t.operation_timeout().is_some());
        assert!(t.connect_timeout().is_some());
    }

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
