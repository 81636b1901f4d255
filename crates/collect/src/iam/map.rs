//! Pure mappings from IAM SDK types to the inventory model.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::{ManagedPolicyDetail, RoleDetail};
use eksposture_model::{
    arn, Gap, GapReason, InlinePolicy, InstanceProfile, ManagedPolicy, Observed, OidcProvider, Role,
};
use serde_json::Value;

use super::{GAAD, GLOBAL, SERVICE};

/// A decoded document, or a gap (not yet recorded) naming what failed.
/// IAM sends documents URL-encoded (and emulators sometimes plain): the
/// policy crate's decoder is the one rule for both.
pub(crate) fn document(raw: Option<&str>, operation: &str, what: &str) -> Observed<Value> {
    let result = match raw {
        None => Err(format!("{what}: the response carried no document")),
        Some(raw) => match eksposture_policy::decode_document(raw) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err(format!("{what}: the document is not a JSON object")),
            Err(e) => Err(format!("{what}: {e}")),
        },
    };
    match result {
        Ok(v) => Observed::Known(v),
        Err(message) => Observed::Unknown(Gap::new(
            SERVICE.name,
            GLOBAL,
            operation,
            GapReason::Error,
            message,
        )),
    }
}

/// The policy or role name from its ARN (`...:policy/path/Name` -> `Name`).
/// moto's GAAD omits `PolicyName`.
pub(crate) fn name_from_arn(arn: &str) -> String {
    arn::resource_name(arn).unwrap_or(arn).to_string()
}

pub(crate) fn role(detail: &RoleDetail) -> Role {
    let arn = detail.arn().unwrap_or_default().to_string();
    let role_name = detail
        .role_name()
        .map_or_else(|| name_from_arn(&arn), str::to_string);
    let trust_policy = document(
        detail.assume_role_policy_document(),
        GAAD,
        &format!("trust policy of role {arn}"),
    );
    let mut inline_policies: Vec<InlinePolicy> = detail
        .role_policy_list()
        .iter()
        .map(|p| {
            let name = p.policy_name().unwrap_or_default().to_string();
            let document = document(
                p.policy_document(),
                GAAD,
                &format!("inline policy {name} of role {arn}"),
            );
            InlinePolicy { name, document }
        })
        .collect();
    inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
    let attached: BTreeSet<String> = detail
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    let profiles: BTreeSet<String> = detail
        .instance_profile_list()
        .iter()
        .map(|p| p.arn().to_string())
        .collect();
    Role {
        role_name,
        path: detail.path().map(str::to_string),
        trust_policy,
        inline_policies,
        attached_policy_arns: attached.into_iter().collect(),
        permissions_boundary_arn: detail
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        instance_profile_arns: profiles.into_iter().collect(),
        tags: detail
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        arn,
    }
}

/// The gaps inside a mapped role (undecodable documents), to record once.
pub(crate) fn role_gaps(role: &Role) -> impl Iterator<Item = &Gap> {
    role.trust_policy
        .gap()
        .into_iter()
        .chain(role.inline_policies.iter().filter_map(|p| p.document.gap()))
}

/// Every instance profile named by any role, once, with the union of the
/// roles that list it and the roles it lists.
pub(crate) fn instance_profiles(details: &[RoleDetail]) -> Vec<InstanceProfile> {
    let mut by_arn: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for detail in details {
        for p in detail.instance_profile_list() {
            let entry = by_arn
                .entry(p.arn().to_string())
                .or_insert_with(|| (p.instance_profile_name().to_string(), BTreeSet::new()));
            entry
                .1
                .extend(p.roles().iter().map(|r| r.arn().to_string()));
            if let Some(role_arn) = detail.arn() {
                entry.1.insert(role_arn.to_string());
            }
        }
    }
    by_arn
        .into_iter()
        .map(|(arn, (name, roles))| InstanceProfile {
            name,
            arn,
            role_arns: roles.into_iter().collect(),
        })
        .collect()
}

/// A customer-managed policy from GAAD with its default version's document.
/// `None` for an entry without an ARN (nothing could refer to it).
pub(crate) fn managed_policy(detail: &ManagedPolicyDetail) -> Option<ManagedPolicy> {
    let arn = detail.arn()?.to_string();
    let default = detail
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version())
        .or_else(|| {
            let id = detail.default_version_id()?;
            detail
                .policy_version_list()
                .iter()
                .find(|v| v.version_id() == Some(id))
        });
    let default_version_id = detail
        .default_version_id()
        .or_else(|| default.and_then(|v| v.version_id()))
        .map(str::to_string);
    let what = format!("default version of managed policy {arn}");
    let document = match default {
        Some(v) => document(v.document(), GAAD, &what),
        None => Observed::Unknown(Gap::new(
            SERVICE.name,
            GLOBAL,
            GAAD,
            GapReason::Error,
            format!("{what}: PolicyVersionList has no default version"),
        )),
    };
    Some(ManagedPolicy {
        name: detail
            .policy_name()
            .map_or_else(|| name_from_arn(&arn), str::to_string),
        arn,
        default_version_id,
        document,
    })
}

/// An OIDC provider from its ARN alone: IAM builds the ARN from the issuer
/// URL as it stores it (host and path, `https://` stripped), so the URL is
/// the resource after `oidc-provider/` and one `ListOpenIDConnectProviders`
/// call replaces a `GetOpenIDConnectProvider` per provider (whose thumbprints
/// and client ids no check reads).
pub(crate) fn oidc_provider(provider_arn: &str) -> OidcProvider {
    let resource = arn::parse(provider_arn).map_or(provider_arn, |a| a.resource);
    OidcProvider {
        arn: provider_arn.to_string(),
        url: resource
            .strip_prefix("oidc-provider/")
            .unwrap_or(resource)
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::{
        AttachedPermissionsBoundary, AttachedPolicy, InstanceProfile as SdkProfile, PolicyDetail,
        PolicyVersion, Role as SdkRole, Tag,
    };
    use aws_smithy_types::DateTime;
    use serde_json::json;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    const INLINE_ENCODED: &str =
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";

    fn profile(name: &str, role_arns: &[&str]) -> SdkProfile {
        let mut b = SdkProfile::builder()
            .path("/")
            .instance_profile_name(name)
            .instance_profile_id("AIPA")
            .arn(format!("arn:aws:iam::123456789012:instance-profile/{name}"))
            .create_date(DateTime::from_secs(0))
            .set_roles(Some(Vec::new()));
        for r in role_arns {
            b = b.roles(
                SdkRole::builder()
                    .path("/")
                    .role_name(name_from_arn(r))
                    .role_id("AROA")
                    .arn(*r)
                    .create_date(DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            );
        }
        b.build().unwrap()
    }

    fn node_role() -> RoleDetail {
        RoleDetail::builder()
            .path("/eks/")
            .role_name("node")
            .arn("arn:aws:iam::123456789012:role/eks/node")
            .assume_role_policy_document(TRUST)
            .role_policy_list(
                PolicyDetail::builder()
                    .policy_name("s3")
                    .policy_document(INLINE_ENCODED)
                    .build(),
            )
            .attached_managed_policies(
                AttachedPolicy::builder()
                    .policy_name("AmazonEKSWorkerNodePolicy")
                    .policy_arn("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy")
                    .build(),
            )
            .attached_managed_policies(
                AttachedPolicy::builder()
                    .policy_arn("arn:aws:iam::123456789012:policy/custom")
                    .build(),
            )
            .permissions_boundary(
                AttachedPermissionsBoundary::builder()
                    .permissions_boundary_arn("arn:aws:iam::123456789012:policy/boundary")
                    .build(),
            )
            .instance_profile_list(profile(
                "node-profile",
                &["arn:aws:iam::123456789012:role/eks/node"],
            ))
            .tags(
                Tag::builder()
                    .key("team")
                    .value("platform")
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[test]
    fn role_decodes_plain_trust_and_url_encoded_inline_policy() {
        let r = role(&node_role());
        assert_eq!(r.role_name, "node");
        assert_eq!(r.path.as_deref(), Some("/eks/"));
        assert_eq!(
            r.trust_policy.known().unwrap()["Statement"][0]["Principal"]["Service"],
            "ec2.amazonaws.com"
        );
        assert_eq!(r.inline_policies.len(), 1);
        assert_eq!(r.inline_policies[0].name, "s3");
        assert_eq!(
            r.inline_policies[0].document.known().unwrap()["Statement"][0]["Action"],
            "s3:*"
        );
        assert_eq!(
            r.attached_policy_arns,
            vec![
                "arn:aws:iam::123456789012:policy/custom".to_string(),
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy".to_string(),
            ]
        );
        assert_eq!(
            r.permissions_boundary_arn.as_deref(),
            Some("arn:aws:iam::123456789012:policy/boundary")
        );
        assert_eq!(
            r.instance_profile_arns,
            vec!["arn:aws:iam::123456789012:instance-profile/node-profile"]
        );
        assert_eq!(r.tags.get("team").map(String::as_str), Some("platform"));
        assert_eq!(role_gaps(&r).count(), 0);
    }

    #[test]
    fn undecodable_trust_policy_is_unknown_naming_the_role() {
        let detail = RoleDetail::builder()
            .role_name("bad")
            .arn("arn:aws:iam::123456789012:role/bad")
            .assume_role_policy_document("not json")
            .build();
        let r = role(&detail);
        let gap = r.trust_policy.gap().unwrap();
        assert_eq!(gap.reason, GapReason::Error);
        assert_eq!(gap.region, "global");
        assert_eq!(gap.operation, "GetAccountAuthorizationDetails");
        assert!(
            gap.message.contains("arn:aws:iam::123456789012:role/bad"),
            "{}",
            gap.message
        );
        assert_eq!(role_gaps(&r).count(), 1);
    }

    #[test]
    fn missing_trust_policy_is_unknown_not_empty() {
        let detail = RoleDetail::builder()
            .arn("arn:aws:iam::123456789012:role/x")
            .build();
        let r = role(&detail);
        assert_eq!(r.role_name, "x");
        assert!(!r.trust_policy.is_known());
    }

    #[test]
    fn instance_profiles_are_deduplicated_across_roles() {
        let a = RoleDetail::builder()
            .arn("arn:aws:iam::1:role/a")
            .instance_profile_list(profile("shared", &["arn:aws:iam::1:role/a"]))
            .build();
        let b = RoleDetail::builder()
            .arn("arn:aws:iam::1:role/b")
            .instance_profile_list(profile("shared", &["arn:aws:iam::1:role/a"]))
            .instance_profile_list(profile("b-only", &[]))
            .build();
        let profiles = instance_profiles(&[b, a]);
        assert_eq!(profiles.len(), 2);
        assert_eq!(profiles[0].name, "b-only");
        assert_eq!(profiles[0].role_arns, vec!["arn:aws:iam::1:role/b"]);
        assert_eq!(profiles[1].name, "shared");
        assert_eq!(
            profiles[1].role_arns,
            vec!["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]
        );
    }

    #[test]
    fn customer_managed_policy_without_name_takes_it_from_the_arn() {
        // moto's GAAD: no PolicyName/PolicyId, every version listed, encoded documents.
        let detail = ManagedPolicyDetail::builder()
            .arn("arn:aws:iam::123456789012:policy/team/custom")
            .default_version_id("v2")
            .policy_version_list(
                PolicyVersion::builder()
                    .version_id("v1")
                    .is_default_version(false)
                    .document("%7B%22Statement%22%3A%5B%5D%7D")
                    .build(),
            )
            .policy_version_list(
                PolicyVersion::builder()
                    .version_id("v2")
                    .is_default_version(true)
                    .document(INLINE_ENCODED)
                    .build(),
            )
            .build();
        let p = managed_policy(&detail).unwrap();
        assert_eq!(p.name, "custom");
        assert_eq!(p.default_version_id.as_deref(), Some("v2"));
        assert_eq!(
            p.document.known().unwrap()["Statement"][0]["Action"],
            "s3:*"
        );
    }

    #[test]
    fn managed_policy_without_default_version_is_unknown() {
        let detail = ManagedPolicyDetail::builder()
            .policy_name("p")
            .arn("arn:aws:iam::1:policy/p")
            .policy_version_list(
                PolicyVersion::builder()
                    .version_id("v1")
                    .is_default_version(false)
                    .build(),
            )
            .build();
        let p = managed_policy(&detail).unwrap();
        assert_eq!(p.name, "p");
        assert!(p
            .document
            .gap()
            .unwrap()
            .message
            .contains("arn:aws:iam::1:policy/p"));
        assert!(managed_policy(&ManagedPolicyDetail::builder().build()).is_none());
    }

    #[test]
    fn policy_name_is_the_last_arn_path_segment() {
        assert_eq!(
            name_from_arn("arn:aws:iam::aws:policy/service-role/AmazonEKSClusterPolicy"),
            "AmazonEKSClusterPolicy"
        );
    }

    #[test]
    fn oidc_provider_url_comes_from_the_arn() {
        let p = oidc_provider(
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF",
        );
        assert_eq!(p.url, "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF");
        assert_eq!(document(Some("{}"), "op", "x"), Observed::Known(json!({})));
    }
}
