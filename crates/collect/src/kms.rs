//! KMS: the key that envelope-encrypts a cluster's Kubernetes secrets, and
//! who manages the keys of ECR repositories.
//!
//! The key may belong to another account (EKS accepts any key the cluster
//! role may use), so every call names the key by its full ARN: KMS resolves a
//! bare key id in the caller's own account only. A key ARN naming another
//! region is read through a client for that region.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_kms::types::{KeyManagerType, KeyMetadata};
use aws_sdk_kms::Client;
use eksposture_model::{arn, GapReason, KmsKey, Observed};

use crate::service::Service;
use crate::Ctx;
use eksposture_aws::error::service_code;

pub const SERVICE: Service = Service {
    name: "kms",
    concurrency: 4,
    operations: &["DescribeKey", "GetKeyRotationStatus"],
    rest: &[],
};

pub fn client(ctx: &Ctx) -> Client {
    eksposture_aws::client!(aws_sdk_kms, &ctx.sdk, ctx.region())
}

/// `client`, or a copy of it (same credentials, endpoint and interceptors)
/// for the region the key ARN names.
fn client_for(client: &Client, key_arn: &str) -> Client {
    let region = arn::parse(key_arn)
        .map(|a| a.region)
        .filter(|r| !r.is_empty());
    match region {
        Some(r) if client.config().region().map(AsRef::as_ref) != Some(r) => {
            eksposture_aws::client!(
                aws_sdk_kms,
                from_builder client
                    .config()
                    .to_builder()
                    .region(aws_sdk_kms::config::Region::new(r.to_string()))
            )
        }
        _ => client.clone(),
    }
}

/// `DescribeKey` -> [`KmsKey`], with the rotation status read separately.
/// `configured_arn` names the key when the metadata carries no ARN.
pub fn map_key(meta: &KeyMetadata, configured_arn: &str, rotation: Observed<bool>) -> KmsKey {
    // The SDK reads an absent `Enabled` as `false`; KMS always sends it
    // together with `KeyState`, so a `false` without a state is not an answer.
    let enabled = if meta.key_state.is_some() || meta.enabled {
        Some(meta.enabled)
    } else {
        None
    };
    KmsKey {
        arn: meta
            .arn
            .clone()
            .unwrap_or_else(|| configured_arn.to_string()),
        key_state: meta.key_state.as_ref().map(|s| s.as_str().to_string()),
        enabled,
        key_manager: meta.key_manager.as_ref().map(|m| m.as_str().to_string()),
        rotation_enabled: rotation,
    }
}

/// `DescribeKey` of the key `key_arn` names, through `client` (already the
/// client for the ARN's region).
async fn describe(ctx: &Ctx, client: &Client, key_arn: &str) -> Observed<KeyMetadata> {
    let described = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client.describe_key().key_id(key_arn).send().await
    };
    match described {
        Ok(out) => match out.key_metadata {
            Some(m) => Observed::Known(m),
            None => Observed::Unknown(ctx.gap(
                SERVICE.name,
                "DescribeKey",
                GapReason::Error,
                "the response carried no key metadata",
            )),
        },
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeKey", &e)),
    }
}

/// The secrets key named by a cluster's encryption configuration.
pub async fn secrets_key(ctx: &Ctx, client: &Client, key_arn: &str) -> Observed<KmsKey> {
    let client = client_for(client, key_arn);
    let meta = match describe(ctx, &client, key_arn).await {
        Observed::Known(m) => m,
        Observed::Unknown(gap) => return Observed::Unknown(gap),
    };
    // The configured ARN may be an alias; `GetKeyRotationStatus` takes key
    // ids and key ARNs only, so it is asked about the key DescribeKey found.
    let key_id = meta.arn.clone().unwrap_or_else(|| key_arn.to_string());
    let rotation = rotation(ctx, &client, &meta, &key_id).await;
    Observed::Known(map_key(&meta, key_arn, rotation))
}

/// Who manages each key (`DescribeKey` `KeyManager`: `AWS` or `CUSTOMER`),
/// one call per distinct key ARN.
pub async fn key_managers<'k>(
    ctx: &Ctx,
    client: &Client,
    keys: impl IntoIterator<Item = &'k str>,
) -> BTreeMap<String, Observed<String>> {
    let keys: BTreeSet<&str> = keys.into_iter().collect();
    let managers = keys.into_iter().map(|key| async move {
        let client = client_for(client, key);
        let manager = match describe(ctx, &client, key).await {
            Observed::Known(meta) => match meta.key_manager {
                Some(m) => Observed::Known(m.as_str().to_string()),
                None => Observed::Unknown(ctx.gap(
                    SERVICE.name,
                    "DescribeKey",
                    GapReason::Error,
                    format!("the key metadata of {key} carried no KeyManager"),
                )),
            },
            Observed::Unknown(gap) => Observed::Unknown(gap),
        };
        (key.to_string(), manager)
    });
    futures::future::join_all(managers)
        .await
        .into_iter()
        .collect()
}

async fn rotation(ctx: &Ctx, client: &Client, meta: &KeyMetadata, key_id: &str) -> Observed<bool> {
    // KMS rotates AWS managed keys every year and does not let anyone turn
    // that off: no call needed (and none to be denied).
    if meta.key_manager == Some(KeyManagerType::Aws) {
        return Observed::Known(true);
    }
    let out = {
        let _permit = ctx.limits.permit(&SERVICE).await;
        client.get_key_rotation_status().key_id(key_id).send().await
    };
    match out {
        Ok(o) => Observed::Known(o.key_rotation_enabled),
        // KMS refuses the call for keys that cannot rotate automatically
        // (imported key material, custom key stores, asymmetric and HMAC
        // keys): such a key does not rotate.
        Err(e) if service_code(&e) == Some("UnsupportedOperationException") => {
            Observed::Known(false)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "GetKeyRotationStatus", &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_sdk_kms::operation::describe_key::{DescribeKeyError, DescribeKeyOutput};
    use aws_sdk_kms::operation::get_key_rotation_status::{
        GetKeyRotationStatusError, GetKeyRotationStatusOutput,
    };
    use aws_sdk_kms::types::KeyState;
    use aws_smithy_mocks::{mock, Rule};
    use aws_smithy_types::error::ErrorMetadata;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";

    fn client(rules: &[Rule]) -> Client {
        eksposture_aws::mock_client!(aws_sdk_kms, "us-east-1", rules)
    }

    fn meta(arn: &str, manager: KeyManagerType, state: KeyState) -> KeyMetadata {
        KeyMetadata::builder()
            .key_id("1234abcd")
            .arn(arn)
            .enabled(state == KeyState::Enabled)
            .key_state(state)
            .key_manager(manager)
            .build()
            .unwrap()
    }

    fn describe(m: KeyMetadata) -> Rule {
        mock!(Client::describe_key)
            .then_output(move || DescribeKeyOutput::builder().key_metadata(m.clone()).build())
    }

    fn denied(op: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message(format!("not authorized to perform kms:{op}"))
            .build()
    }

    #[test]
    fn key_state_manager_and_enabled_are_mapped() {
        let m = map_key(
            &meta(KEY, KeyManagerType::Customer, KeyState::Disabled),
            "arn:aws:kms:us-east-1:123456789012:alias/eks",
            Observed::Known(true),
        );
        assert_eq!(m.arn, KEY);
        assert_eq!(m.key_state.as_deref(), Some("Disabled"));
        assert_eq!(m.enabled, Some(false));
        assert_eq!(m.key_manager.as_deref(), Some("CUSTOMER"));
        assert_eq!(m.rotation_enabled, Observed::Known(true));
    }

    #[test]
    fn enabled_without_key_state_is_unknown_and_arn_falls_back() {
        let bare = KeyMetadata::builder().key_id("k").build().unwrap();
        let m = map_key(&bare, KEY, Observed::Known(false));
        assert_eq!(m.enabled, None);
        assert_eq!(m.key_state, None);
        assert_eq!(m.arn, KEY);
    }

    #[tokio::test]
    async fn customer_key_rotation_status_is_read() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [
            describe(meta(KEY, KeyManagerType::Customer, KeyState::Enabled)),
            mock!(Client::get_key_rotation_status)
                .match_requests(|r| r.key_id() == Some(KEY))
                .then_output(|| {
                    GetKeyRotationStatusOutput::builder()
                        .key_rotation_enabled(false)
                        .build()
                }),
        ];
        let key = secrets_key(&ctx, &client(&rules), KEY).await;
        let key = key.known().expect("the key is known");
        assert_eq!(key.enabled, Some(true));
        assert_eq!(key.key_state.as_deref(), Some("Enabled"));
        assert_eq!(key.rotation_enabled, Observed::Known(false));
        assert!(ctx.gaps.take().is_empty());
    }

    #[tokio::test]
    async fn alias_is_resolved_and_rotation_asked_of_the_key_arn() {
        let ctx = crate::eks::tests::test_ctx();
        let alias = "arn:aws:kms:us-east-1:123456789012:alias/eks-secrets";
        let rules = [
            mock!(Client::describe_key)
                .match_requests(move |r| r.key_id() == Some(alias))
                .then_output(|| {
                    DescribeKeyOutput::builder()
                        .key_metadata(meta(KEY, KeyManagerType::Customer, KeyState::Enabled))
                        .build()
                }),
            mock!(Client::get_key_rotation_status)
                .match_requests(|r| r.key_id() == Some(KEY))
                .then_output(|| {
                    GetKeyRotationStatusOutput::builder()
                        .key_rotation_enabled(true)
                        .build()
                }),
        ];
        let key = secrets_key(&ctx, &client(&rules), alias).await;
        let key = key.known().expect("the key is known");
        assert_eq!(key.arn, KEY);
        assert_eq!(key.rotation_enabled, Observed::Known(true));
    }

    #[tokio::test]
    async fn aws_managed_key_rotates_without_asking() {
        let ctx = crate::eks::tests::test_ctx();
        // No GetKeyRotationStatus rule: a call would panic the mock.
        let rules = [describe(meta(KEY, KeyManagerType::Aws, KeyState::Enabled))];
        let key = secrets_key(&ctx, &client(&rules), KEY).await;
        assert_eq!(
            key.known().map(|k| k.rotation_enabled.clone()),
            Some(Observed::Known(true))
        );
    }

    #[tokio::test]
    async fn describe_key_denied_is_unknown_with_a_kms_gap() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [mock!(Client::describe_key)
            .then_error(|| DescribeKeyError::generic(denied("DescribeKey")))];
        let key = secrets_key(&ctx, &client(&rules), KEY).await;
        let gap = key.gap().expect("the key must be unknown");
        assert_eq!(gap.service, "kms");
        assert_eq!(gap.operation, "DescribeKey");
        assert_eq!(gap.reason, GapReason::AccessDenied);
        assert_eq!(ctx.gaps.take(), vec![gap.clone()]);
    }

    #[tokio::test]
    async fn rotation_denied_leaves_the_key_known_and_its_rotation_unknown() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [
            describe(meta(KEY, KeyManagerType::Customer, KeyState::Enabled)),
            mock!(Client::get_key_rotation_status)
                .then_error(|| GetKeyRotationStatusError::generic(denied("GetKeyRotationStatus"))),
        ];
        let key = secrets_key(&ctx, &client(&rules), KEY).await;
        let key = key.known().expect("the key itself is known");
        assert_eq!(key.enabled, Some(true));
        let gap = key
            .rotation_enabled
            .gap()
            .expect("rotation must be unknown");
        assert_eq!(gap.operation, "GetKeyRotationStatus");
        assert_eq!(gap.reason, GapReason::AccessDenied);
    }

    #[tokio::test]
    async fn key_that_cannot_rotate_reads_as_not_rotating() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [
            describe(meta(KEY, KeyManagerType::Customer, KeyState::Enabled)),
            mock!(Client::get_key_rotation_status).then_error(|| {
                GetKeyRotationStatusError::generic(
                    ErrorMetadata::builder()
                        .code("UnsupportedOperationException")
                        .message("key material is imported")
                        .build(),
                )
            }),
        ];
        let key = secrets_key(&ctx, &client(&rules), KEY).await;
        assert_eq!(
            key.known().map(|k| k.rotation_enabled.clone()),
            Some(Observed::Known(false))
        );
        assert!(ctx.gaps.take().is_empty());
    }

    #[test]
    fn a_key_in_another_region_gets_a_client_for_that_region() {
        let base = client(&[]);
        let other = client_for(&base, "arn:aws:kms:eu-west-1:210987654321:key/k");
        assert_eq!(
            other.config().region().map(ToString::to_string).as_deref(),
            Some("eu-west-1")
        );
        let same = client_for(&base, KEY);
        assert_eq!(
            same.config().region().map(ToString::to_string).as_deref(),
            Some("us-east-1")
        );
    }

    #[tokio::test]
    async fn cross_region_key_is_read_through_the_mocked_regional_client() {
        let ctx = crate::eks::tests::test_ctx();
        let remote = "arn:aws:kms:eu-west-1:210987654321:key/k";
        let rules = [
            describe(meta(remote, KeyManagerType::Customer, KeyState::Enabled)),
            mock!(Client::get_key_rotation_status).then_output(|| {
                GetKeyRotationStatusOutput::builder()
                    .key_rotation_enabled(true)
                    .build()
            }),
        ];
        let key = secrets_key(&ctx, &client(&rules), remote).await;
        assert_eq!(key.known().map(|k| k.arn.as_str()), Some(remote));
    }

    #[tokio::test]
    async fn key_managers_describe_each_key_once() {
        let ctx = crate::eks::tests::test_ctx();
        let other = "arn:aws:kms:us-east-1:123456789012:key/aws-ecr";
        let customer = mock!(Client::describe_key)
            .match_requests(|r| r.key_id() == Some(KEY))
            .then_output(|| {
                DescribeKeyOutput::builder()
                    .key_metadata(meta(KEY, KeyManagerType::Customer, KeyState::Enabled))
                    .build()
            });
        let aws = mock!(Client::describe_key)
            .match_requests(move |r| r.key_id() == Some(other))
            .then_output(move || {
                DescribeKeyOutput::builder()
                    .key_metadata(meta(other, KeyManagerType::Aws, KeyState::Enabled))
                    .build()
            });
        let client = eksposture_aws::mock_client!(aws_sdk_kms, "us-east-1", [&customer, &aws]);
        let managers = key_managers(&ctx, &client, [KEY, other, KEY]).await;
        assert_eq!(
            managers,
            BTreeMap::from([
                (other.to_string(), Observed::Known("AWS".to_string())),
                (KEY.to_string(), Observed::Known("CUSTOMER".to_string())),
            ])
        );
        assert_eq!(
            customer.num_calls() + aws.num_calls(),
            2,
            "one call per key"
        );
        assert!(ctx.gaps.take().is_empty());
    }

    #[tokio::test]
    async fn key_managers_unread_are_unknown_with_a_gap() {
        let ctx = crate::eks::tests::test_ctx();
        let rules = [mock!(Client::describe_key)
            .then_error(|| DescribeKeyError::generic(denied("DescribeKey")))];
        let managers = key_managers(&ctx, &client(&rules), [KEY]).await;
        let gap = managers[KEY].gap().expect("unknown");
        assert_eq!(gap.reason, GapReason::AccessDenied);
        assert_eq!(ctx.gaps.take().len(), 1);
    }

    #[tokio::test]
    async fn key_metadata_without_a_manager_is_unknown() {
        let ctx = crate::eks::tests::test_ctx();
        let bare = KeyMetadata::builder().key_id("k").arn(KEY).build().unwrap();
        let managers = key_managers(&ctx, &client(&[describe(bare)]), [KEY]).await;
        assert!(managers[KEY].gap().is_some());
    }
}
