//! The `kube-system/aws-auth` ConfigMap, read by name (the read role may get
//! that one ConfigMap and no other): `mapRoles`, `mapUsers` and
//! `mapAccounts` are YAML documents inside string values, parsed as
//! aws-iam-authenticator parses them.

use eksposture_model::{AwsAuth, AwsAuthRole, AwsAuthUser, Gap, GapReason};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use serde::Deserialize;

use crate::kinds::AWS_AUTH;
use crate::read::Reader;

/// An account id as YAML may hold it: quoted, or a bare number (which loses
/// leading zeros: an id is always 12 digits).
#[derive(Deserialize)]
#[serde(untagged)]
enum AccountId {
    Text(String),
    Number(u64),
}

impl AccountId {
    fn into_string(self) -> String {
        match self {
            AccountId::Text(s) => s.trim().to_string(),
            AccountId::Number(n) => format!("{n:012}"),
        }
    }
}

fn parse_list<T: for<'de> Deserialize<'de>>(
    key: &str,
    text: Option<&String>,
) -> Result<Vec<T>, String> {
    match text.map(|t| t.trim()) {
        None | Some("") => Ok(Vec::new()),
        Some(t) => serde_saphyr::from_str::<Option<Vec<T>>>(t)
            .map(Option::unwrap_or_default)
            .map_err(|e| format!("{key} is not a YAML list of mappings: {e}")),
    }
}

/// The mappings of the ConfigMap's `data`.
pub fn parse(data: &std::collections::BTreeMap<String, String>) -> Result<AwsAuth, String> {
    Ok(AwsAuth {
        map_roles: parse_list::<AwsAuthRole>("mapRoles", data.get("mapRoles"))?,
        map_users: parse_list::<AwsAuthUser>("mapUsers", data.get("mapUsers"))?,
        map_accounts: parse_list::<AccountId>("mapAccounts", data.get("mapAccounts"))?
            .into_iter()
            .map(AccountId::into_string)
            .collect(),
    })
}

/// Reads and parses the ConfigMap; one that does not exist maps nobody.
pub async fn read(r: &Reader) -> Result<AwsAuth, Gap> {
    let (namespace, name) = AWS_AUTH;
    let operation = format!("get configmaps/{name}");
    r.authenticate(&operation).await?;
    let api: Api<ConfigMap> = Api::namespaced(r.client.clone(), namespace);
    match api.get_opt(name).await {
        Ok(None) => Ok(AwsAuth::default()),
        Ok(Some(cm)) => parse(&cm.data.unwrap_or_default()).map_err(|m| {
            r.gap(
                &operation,
                GapReason::Error,
                format!("{namespace}/{name} of cluster {}: {m}", r.cluster),
            )
        }),
        Err(e) => Err(r.error_gap(&operation, "configmaps", &e)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::parse;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn reads_the_three_mappings_as_eks_documents_them() {
        let a = parse(&data(&[
            (
                "mapRoles",
                "- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n- rolearn: arn:aws:iam::111122223333:role/admin\n  username: admin\n  groups: [system:masters]\n",
            ),
            (
                "mapUsers",
                "- userarn: arn:aws:iam::111122223333:user/alice\n  username: alice\n  groups: [system:masters]\n",
            ),
            ("mapAccounts", "- \"012345678901\"\n- 444455556666\n"),
        ]))
        .unwrap();
        assert_eq!(a.map_roles.len(), 2);
        assert_eq!(a.map_roles[1].groups, ["system:masters"]);
        assert_eq!(
            a.map_roles[0].username.as_deref(),
            Some("system:node:{{EC2PrivateDNSName}}")
        );
        assert_eq!(
            a.map_users[0].userarn,
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(a.map_accounts, ["012345678901", "444455556666"]);
    }

    #[test]
    fn empty_and_missing_keys_map_nobody_and_bad_yaml_is_named() {
        let a = parse(&data(&[("mapRoles", "  "), ("mapUsers", "[]")])).unwrap();
        assert!(a.map_roles.is_empty() && a.map_users.is_empty() && a.map_accounts.is_empty());
        let err = parse(&data(&[("mapRoles", "rolearn: [unclosed")])).unwrap_err();
        assert!(err.starts_with("mapRoles is not a YAML list"), "{err}");
    }
}
