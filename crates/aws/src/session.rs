//! Reaching AWS: the shared SDK configuration (credential chain, profile,
//! endpoint, adaptive retry, timeouts), the region list, and the session a
//! scan runs with (an assumed member role, identified through STS).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use eksposture_model::arn;

use crate::assume::{assume, AssumeFailure, AssumeRole};
use crate::error;

/// How to reach AWS: credentials, regions, endpoint, retries and timeouts.
#[derive(Debug, Clone)]
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
    /// Read each cluster's own Kubernetes API (`--no-kubernetes` clears it).
    pub kubernetes: bool,
    /// `--kubeconfig`: contexts that reach clusters (else `KUBECONFIG`; a
    /// cluster no context matches is read with an EKS token).
    pub kubeconfig: Option<std::path::PathBuf>,
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
            kubernetes: true,
            kubeconfig: None,
        }
    }
}

/// Nothing could be scanned.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no AWS region: pass --region, set AWS_REGION, or set a region in the profile")]
    NoRegion,
    #[error("invalid region name {0:?}: expected a name like us-east-1")]
    BadRegion(String),
    #[error("profile {0:?} is not defined in {1}: check the name (aws configure list-profiles)")]
    UnknownProfile(String, String),
    #[error("cannot identify the account (STS GetCallerIdentity failed): {0}")]
    Identity(String),
    #[error("{}", .0.message)]
    Assume(AssumeFailure),
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
pub fn timeouts(opts: &Options) -> TimeoutConfig {
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
pub fn resolve_regions(opts: &Options, sdk: &SdkConfig) -> Result<Vec<String>, SessionError> {
    let mut regions: Vec<String> = if opts.regions.is_empty() {
        sdk.region()
            .map(|r| vec![r.to_string()])
            .ok_or(SessionError::NoRegion)?
    } else {
        opts.regions.clone()
    };
    regions.sort();
    regions.dedup();
    if let Some(bad) = regions.iter().find(|r| !valid_region(r)) {
        return Err(SessionError::BadRegion(bad.clone()));
    }
    Ok(regions)
}

/// Where region-less calls (STS, Organizations, `DescribeRegions`) go: the
/// first region asked for, else the configured one; with `all_regions` and
/// neither, the partition's usual first region.
fn home_region(opts: &Options, sdk: &SdkConfig) -> Result<Region, SessionError> {
    if let Some(first) = opts.regions.first() {
        if !valid_region(first) {
            return Err(SessionError::BadRegion(first.clone()));
        }
        return Ok(Region::new(first.clone()));
    }
    match sdk.region() {
        Some(r) => Ok(r.clone()),
        None if opts.all_regions => Ok(Region::new("us-east-1")),
        None => Err(SessionError::NoRegion),
    }
}

/// The credentials the scan runs with and whom they belong to.
pub struct Session {
    pub sdk: SdkConfig,
    pub home: Region,
    pub account_id: String,
    pub partition: String,
    /// The caller's ARN as STS answers it (an assumed role's session ARN).
    pub caller_arn: String,
}

/// Loads the configuration, assumes `opts.assume` when set, and asks STS
/// whose credentials these are. Anything wrong here means nothing can be
/// scanned.
pub async fn session(opts: &Options) -> Result<Session, SessionError> {
    if let Some(p) = named_profile(opts) {
        check_profile(&p)?;
    }
    // Every region is checked before the first call, so a typo is named
    // instead of whatever the first call happens to fail with.
    if let Some(bad) = opts.regions.iter().find(|r| !valid_region(r)) {
        return Err(SessionError::BadRegion(bad.clone()));
    }
    let mut sdk = load_config(opts).await;
    let home = home_region(opts, &sdk)?;
    if let Some(role) = &opts.assume {
        sdk = assume(&sdk, &home, role)
            .await
            .map_err(SessionError::Assume)?;
    }
    let sts = crate::client!(aws_sdk_sts, &sdk, home.clone());
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| SessionError::Identity(error::describe(&e)))?;
    let account_id = identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| SessionError::Identity("the response carried no account id".into()))?;
    let partition = partition_of(identity.arn(), home.as_ref());
    Ok(Session {
        sdk,
        home,
        account_id,
        partition,
        caller_arn: identity.arn().unwrap_or_default().to_string(),
    })
}

/// The configuration for calls in the scanned account after the scan
/// (Security Hub import): the assumed role's credentials when one is set.
pub async fn account_config(opts: &Options) -> Result<SdkConfig, SessionError> {
    let sdk = load_config(opts).await;
    match &opts.assume {
        None => Ok(sdk),
        Some(role) => {
            let home = home_region(opts, &sdk)?;
            assume(&sdk, &home, role)
                .await
                .map_err(SessionError::Assume)
        }
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
fn check_profile(name: &str) -> Result<(), SessionError> {
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
        Err(SessionError::UnknownProfile(
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
}
