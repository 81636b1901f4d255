//! ECR: repositories, their policies, lifecycle policies, images and
//! effective scanning configurations, who manages their KMS keys (KMS
//! `DescribeKey`, once per key), and the registry scanning configuration.
//!
//! Concurrency: every call takes one permit of the ECR bound for its own
//! duration only (never across another call), so per-repository and
//! per-image work can fan out without deadlocking on the shared bound.
//!
//! `DescribeImages` omits the scan status of an image that was never scanned
//! (and moto omits it always), so such images are looked up with
//! `DescribeImageScanFindings`, one call each. A repository can hold
//! thousands of images, so at most [`MAX_SCAN_LOOKUPS`] are looked up per
//! repository, the most recently pushed first; the scan of the others stays
//! unknown (one gap per repository), never "not scanned".

mod map;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsError;
use aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyError;
use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyError;
use aws_sdk_ecr::types::ImageIdentifier;
use aws_sdk_ecr::Client;
use eksposture_model::{
    GapReason, Image, Observed, RegistryScanning, Repository, RepositoryScanning,
};
use serde_json::Value;

use crate::service::Service;
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "ecr",
    concurrency: 8,
    operations: &[
        "BatchGetRepositoryScanningConfiguration",
        "DescribeImageScanFindings",
        "DescribeImages",
        "DescribeRepositories",
        "GetLifecyclePolicy",
        "GetRegistryScanningConfiguration",
        "GetRepositoryPolicy",
    ],
    rest: &[],
};

/// `DescribeImageScanFindings` calls per repository at most.
pub(crate) const MAX_SCAN_LOOKUPS: usize = 100;

/// Repositories per `BatchGetRepositoryScanningConfiguration` call: the
/// API's maximum (`repositoryNames`: 1 to 25 names).
pub(crate) const SCANNING_BATCH: usize = 25;

pub struct EcrData {
    pub repositories: Observed<Vec<Repository>>,
    pub registry_scanning: Observed<RegistryScanning>,
}

pub async fn collect(ctx: &Ctx) -> EcrData {
    let client = eksposture_aws::client!(aws_sdk_ecr, &ctx.sdk, ctx.region());
    collect_with(ctx, &client, &crate::kms::client(ctx)).await
}

pub(crate) async fn collect_with(ctx: &Ctx, client: &Client, kms: &aws_sdk_kms::Client) -> EcrData {
    let (repositories, registry_scanning) = tokio::join!(
        repositories(ctx, client, kms),
        registry_scanning(ctx, client)
    );
    EcrData {
        repositories,
        registry_scanning,
    }
}

async fn repositories(
    ctx: &Ctx,
    client: &Client,
    kms: &aws_sdk_kms::Client,
) -> Observed<Vec<Repository>> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_repositories()
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeRepositories", &e))
            }
        };
        found.extend(page.repositories().iter().map(map::repository));
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => {
                return Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "DescribeRepositories",
                    GapReason::Error,
                    m,
                ))
            }
        }
    }
    let mut repos = futures::future::join_all(
        found
            .into_iter()
            .map(|r| repository_details(ctx, client, r)),
    )
    .await;
    repos.sort_by(|a, b| a.arn.cmp(&b.arn));
    let names: Vec<String> = repos.iter().map(|r| r.name.clone()).collect();
    let keys = repos.iter().filter_map(|r| r.kms_key.as_deref());
    let (mut scanning, managers) = tokio::join!(
        repository_scanning(ctx, client, &names),
        crate::kms::key_managers(ctx, kms, keys),
    );
    for repo in &mut repos {
        if let Some(s) = scanning.remove(&repo.name) {
            repo.scanning = s;
        }
        repo.kms_key_manager = repo.kms_key.as_ref().and_then(|k| managers.get(k)).cloned();
    }
    Observed::Known(repos)
}

/// Each repository's effective scanning configuration, by name, in batches
/// of [`SCANNING_BATCH`]. A failed call leaves its batch unknown; a
/// repository the answer lists under `failures` (`REPOSITORY_NOT_FOUND`:
/// deleted since it was listed) or does not mention is unknown too.
async fn repository_scanning(
    ctx: &Ctx,
    client: &Client,
    names: &[String],
) -> BTreeMap<String, Observed<RepositoryScanning>> {
    const OP: &str = "BatchGetRepositoryScanningConfiguration";
    let batches = names.chunks(SCANNING_BATCH).map(|batch| async move {
        let out = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .batch_get_repository_scanning_configuration()
                .set_repository_names(Some(batch.to_vec()))
                .send()
                .await
        };
        let mut found = BTreeMap::new();
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                let gap = ctx.sdk_gap(SERVICE.name, OP, &e);
                for name in batch {
                    found.insert(name.clone(), Observed::Unknown(gap.clone()));
                }
                return found;
            }
        };
        for c in out.scanning_configurations() {
            if let Some(name) = c.repository_name() {
                let scanning = Observed::Known(map::repository_scanning(c));
                found.insert(name.to_string(), scanning);
            }
        }
        for f in out.failures() {
            let Some(name) = f.repository_name() else {
                continue;
            };
            let code = f.failure_code().map_or("no failure code", |c| c.as_str());
            let why = f.failure_reason().unwrap_or_default();
            let message = format!("repository {name}: {code} {why}");
            let gap = ctx.gap(SERVICE.name, OP, GapReason::Error, message.trim_end());
            found.insert(name.to_string(), Observed::Unknown(gap));
        }
        for name in batch {
            if !found.contains_key(name) {
                let message = format!("the answer did not mention repository {name}");
                let gap = ctx.gap(SERVICE.name, OP, GapReason::Error, message);
                found.insert(name.clone(), Observed::Unknown(gap));
            }
        }
        found
    });
    futures::future::join_all(batches)
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn repository_details(ctx: &Ctx, client: &Client, mut repo: Repository) -> Repository {
    let (policy, lifecycle_policy, mut images) = tokio::join!(
        repository_policy(ctx, client, &repo),
        lifecycle_policy(ctx, client, &repo),
        images(ctx, client, &repo),
    );
    map::sort_images(&mut images);
    repo.policy = policy;
    repo.lifecycle_policy = lifecycle_policy;
    repo.images = images;
    repo
}

async fn repository_policy(
    ctx: &Ctx,
    client: &Client,
    repo: &Repository,
) -> Observed<Option<Value>> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .get_repository_policy()
            .repository_name(&repo.name)
            .set_registry_id(repo.registry_id.clone())
            .send()
            .await
    };
    match out {
        Ok(o) => match o.policy_text() {
            None => Observed::Known(None),
            Some(text) => match map::repository_policy(text) {
                Ok(v) => Observed::Known(Some(v)),
                Err(e) => Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "GetRepositoryPolicy",
                    GapReason::Error,
                    format!(
                        "the policy of repository {} is not valid JSON: {e}",
                        repo.arn
                    ),
                )),
            },
        },
        Err(e)
            if e.as_service_error().is_some_and(
                GetRepositoryPolicyError::is_repository_policy_not_found_exception,
            ) =>
        {
            Observed::Known(None)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "GetRepositoryPolicy", &e)),
    }
}

async fn lifecycle_policy(
    ctx: &Ctx,
    client: &Client,
    repo: &Repository,
) -> Observed<Option<String>> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .get_lifecycle_policy()
            .repository_name(&repo.name)
            .set_registry_id(repo.registry_id.clone())
            .send()
            .await
    };
    match out {
        Ok(o) => Observed::Known(o.lifecycle_policy_text().map(str::to_string)),
        Err(e)
            if e.as_service_error()
                .is_some_and(GetLifecyclePolicyError::is_lifecycle_policy_not_found_exception) =>
        {
            Observed::Known(None)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "GetLifecyclePolicy", &e)),
    }
}

async fn images(ctx: &Ctx, client: &Client, repo: &Repository) -> Observed<Vec<Image>> {
    let mut details = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_images()
                .repository_name(&repo.name)
                .set_registry_id(repo.registry_id.clone())
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeImages", &e)),
        };
        details.extend(page.image_details().iter().map(map::image));
        match eksposture_aws::paging::next_token(token.as_deref(), page.next_token) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => break,
            Err(m) => {
                return Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "DescribeImages",
                    GapReason::Error,
                    m,
                ))
            }
        }
    }
    let to_look_up = map::scan_lookups(&details, MAX_SCAN_LOOKUPS);
    let unlooked = details
        .iter()
        .filter(|(_, scan)| scan.is_none())
        .count()
        .saturating_sub(to_look_up.len());
    let skipped = (unlooked > 0).then(|| {
        ctx.gap(
            SERVICE.name,
            "DescribeImageScanFindings",
            GapReason::Error,
            format!(
                "{unlooked} images of repository {} were not looked up: DescribeImages gave no \
                 scan status for them and at most {MAX_SCAN_LOOKUPS} images per repository, the \
                 most recently pushed, are looked up",
                repo.arn
            ),
        )
    });
    let images = details
        .into_iter()
        .enumerate()
        .map(|(i, (mut image, scan))| {
            let look_up = to_look_up.contains(&i);
            let skipped = &skipped;
            async move {
                image.scan = match (scan, skipped) {
                    (Some(scan), _) => Observed::Known(Some(scan)),
                    (None, Some(gap)) if !look_up => Observed::Unknown(gap.clone()),
                    (None, _) => image_scan(ctx, client, repo, &image.digest).await,
                };
                image
            }
        });
    Observed::Known(futures::future::join_all(images).await)
}

/// The scan of an image `DescribeImages` reported without a scan status.
/// `ScanNotFoundException` confirms it was never scanned. Only the summary
/// is read, so one finding per page is enough.
async fn image_scan(
    ctx: &Ctx,
    client: &Client,
    repo: &Repository,
    digest: &str,
) -> Observed<Option<eksposture_model::ImageScan>> {
    if digest.is_empty() {
        return Observed::Unknown(ctx.gap(
            SERVICE.name,
            "DescribeImages",
            GapReason::Error,
            format!("an image in repository {} has no digest", repo.arn),
        ));
    }
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client
            .describe_image_scan_findings()
            .repository_name(&repo.name)
            .set_registry_id(repo.registry_id.clone())
            .image_id(ImageIdentifier::builder().image_digest(digest).build())
            .max_results(1)
            .send()
            .await
    };
    match out {
        Ok(o) => Observed::Known(Some(map::scan_findings(&o))),
        Err(e)
            if e.as_service_error()
                .is_some_and(DescribeImageScanFindingsError::is_scan_not_found_exception) =>
        {
            Observed::Known(None)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeImageScanFindings", &e)),
    }
}

async fn registry_scanning(ctx: &Ctx, client: &Client) -> Observed<RegistryScanning> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client.get_registry_scanning_configuration().send().await
    };
    match out {
        Ok(o) => match map::registry_scanning(o.scanning_configuration()) {
            Some(r) => Observed::Known(r),
            None => Observed::Unknown(ctx.gap(
                SERVICE.name,
                "GetRegistryScanningConfiguration",
                GapReason::Error,
                "the response carried no scanning configuration scan type",
            )),
        },
        Err(e) => {
            Observed::Unknown(ctx.sdk_gap(SERVICE.name, "GetRegistryScanningConfiguration", &e))
        }
    }
}
