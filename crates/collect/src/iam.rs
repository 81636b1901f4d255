//! IAM (global): roles with trust and permission policies, managed policies,
//! instance profiles, OIDC providers.
//!
//! One paginated `GetAccountAuthorizationDetails` (filtered to roles and
//! customer-managed policies) replaces the per-role List/Get calls. AWS-managed
//! policies are not in that filter (the `AWSManagedPolicy` filter returns all
//! ~1,500 of them, ~6 MB), so the ones a collected role actually uses are read
//! one by one with `GetPolicy` + `GetPolicyVersion`.

mod map;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::{EntityType, ManagedPolicyDetail, RoleDetail};
use aws_sdk_iam::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use eksposture_model::{Gap, GapReason, Iam, ManagedPolicy, Observed, OidcProvider};

use crate::service::Service;
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "iam",
    concurrency: 4,
    operations: &[
        "GetAccountAuthorizationDetails",
        "GetPolicy",
        "GetPolicyVersion",
        "ListOpenIDConnectProviders",
    ],
    rest: &[],
};

/// IAM is global: its gaps carry this instead of a region.
const GLOBAL: &str = "global";
const GAAD: &str = "GetAccountAuthorizationDetails";

pub async fn collect(ctx: &Ctx) -> Iam {
    let client = eksposture_aws::client!(aws_sdk_iam, &ctx.sdk, ctx.region());
    collect_with(ctx, &client).await
}

pub(crate) async fn collect_with(ctx: &Ctx, client: &Client) -> Iam {
    let (gaad, oidc_providers) = tokio::join!(read_gaad(ctx, client), oidc_providers(ctx, client));
    let gaad = match gaad {
        Ok(g) => g,
        Err(gap) => {
            return Iam {
                roles: Observed::Unknown(gap.clone()),
                instance_profiles: Observed::Unknown(gap),
                managed_policies: Vec::new(),
                oidc_providers,
            }
        }
    };

    let mut roles: Vec<_> = gaad.roles.iter().map(map::role).collect();
    roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    for gap in roles.iter().flat_map(map::role_gaps) {
        ctx.gaps.push(gap.clone());
    }
    let instance_profiles = map::instance_profiles(&gaad.roles);

    // Every managed policy a collected role uses, as permissions or boundary.
    let wanted: BTreeSet<&str> = roles
        .iter()
        .flat_map(|r| {
            r.attached_policy_arns
                .iter()
                .chain(&r.permissions_boundary_arn)
        })
        .map(String::as_str)
        .collect();
    let mut policies: BTreeMap<String, ManagedPolicy> = BTreeMap::new();
    for p in gaad.policies.iter().filter_map(map::managed_policy) {
        if wanted.contains(p.arn.as_str()) {
            if let Some(gap) = p.document.gap() {
                ctx.gaps.push(gap.clone());
            }
            policies.insert(p.arn.clone(), p);
        }
    }
    // AWS-managed policies, and any customer-managed one GAAD did not return
    // (created between pages), are read individually.
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|arn| !policies.contains_key(*arn))
        .collect();
    let fetched = futures::future::join_all(
        missing
            .into_iter()
            .map(|arn| fetch_policy(ctx, client, arn)),
    )
    .await;
    policies.extend(fetched.into_iter().map(|p| (p.arn.clone(), p)));

    Iam {
        roles: Observed::Known(roles),
        instance_profiles: Observed::Known(instance_profiles),
        managed_policies: policies.into_values().collect(),
        oidc_providers,
    }
}

/// Records a gap for IAM, which is global whatever region the scan runs in.
fn gap(ctx: &Ctx, operation: &str, reason: GapReason, message: impl Into<String>) -> Gap {
    let g = Gap::new(SERVICE.name, GLOBAL, operation, reason, message);
    ctx.gaps.push(g.clone());
    g
}

fn sdk_gap<E>(ctx: &Ctx, operation: &str, err: &SdkError<E, HttpResponse>) -> Gap
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (reason, message) = eksposture_aws::classify(err);
    gap(ctx, operation, reason, message)
}

struct Gaad {
    roles: Vec<RoleDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

/// All pages of GAAD. Real IAM pages by `Marker`/`IsTruncated` (moto ignores
/// `MaxItems` and answers in one page).
async fn read_gaad(ctx: &Ctx, client: &Client) -> Result<Gaad, Gap> {
    let mut gaad = Gaad {
        roles: Vec::new(),
        policies: Vec::new(),
    };
    let mut marker: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .get_account_authorization_details()
                .filter(EntityType::Role)
                .filter(EntityType::LocalManagedPolicy)
                // The largest page IAM allows (default 100): GAAD pages
                // must be read one after another.
                .max_items(1000)
                .set_marker(marker.clone())
                .send()
                .await
        }
        .map_err(|e| sdk_gap(ctx, GAAD, &e))?;
        gaad.roles.extend(page.role_detail_list.unwrap_or_default());
        gaad.policies.extend(page.policies.unwrap_or_default());
        if !page.is_truncated {
            return Ok(gaad);
        }
        match page.marker {
            Some(next) if marker.as_deref() != Some(next.as_str()) => marker = Some(next),
            _ => {
                return Err(gap(
                    ctx,
                    GAAD,
                    GapReason::Error,
                    "IsTruncated is true but no new Marker was returned: the role list would be incomplete",
                ))
            }
        }
    }
}

/// A managed policy read by ARN: `GetPolicy` for the default version id,
/// then `GetPolicyVersion` for its document. Any failure leaves the document
/// unknown; the policy itself is still listed.
async fn fetch_policy(ctx: &Ctx, client: &Client, arn: &str) -> ManagedPolicy {
    let _permit = ctx.limits.permit(&SERVICE).await;
    let mut policy = ManagedPolicy {
        arn: arn.to_string(),
        name: map::name_from_arn(arn),
        default_version_id: None,
        document: Observed::Unknown(Gap::absent()),
    };
    let got = match client.get_policy().policy_arn(arn).send().await {
        Ok(o) => o,
        Err(e) => {
            policy.document = Observed::Unknown(sdk_gap(ctx, "GetPolicy", &e));
            return policy;
        }
    };
    if let Some(name) = got.policy().and_then(|p| p.policy_name()) {
        policy.name = name.to_string();
    }
    let Some(version) = got.policy().and_then(|p| p.default_version_id()) else {
        policy.document = Observed::Unknown(gap(
            ctx,
            "GetPolicy",
            GapReason::Error,
            format!("managed policy {arn}: GetPolicy returned no DefaultVersionId"),
        ));
        return policy;
    };
    policy.default_version_id = Some(version.to_string());
    policy.document = match client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
    {
        Ok(o) => {
            let doc = map::document(
                o.policy_version().and_then(|v| v.document()),
                "GetPolicyVersion",
                &format!("version {version} of managed policy {arn}"),
            );
            if let Some(g) = doc.gap() {
                ctx.gaps.push(g.clone());
            }
            doc
        }
        Err(e) => Observed::Unknown(sdk_gap(ctx, "GetPolicyVersion", &e)),
    };
    policy
}

async fn oidc_providers(ctx: &Ctx, client: &Client) -> Observed<Vec<OidcProvider>> {
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client.list_open_id_connect_providers().send().await
    };
    match out {
        Ok(o) => {
            let mut providers: Vec<OidcProvider> = o
                .open_id_connect_provider_list()
                .iter()
                .filter_map(|p| p.arn())
                .map(map::oidc_provider)
                .collect();
            providers.sort_by(|a, b| a.arn.cmp(&b.arn));
            Observed::Known(providers)
        }
        Err(e) => Observed::Unknown(sdk_gap(ctx, "ListOpenIDConnectProviders", &e)),
    }
}
