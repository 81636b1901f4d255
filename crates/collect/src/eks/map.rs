//! Pure mappings from EKS API shapes to the inventory model.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_eks::types;
use aws_smithy_types::date_time::Format;
use eksposture_model::{
    AccessEntryDetail, AddonDetail, AssociatedAccessPolicy, ClusterConfig, ClusterVersionInfo,
    EncryptionConfig, FargateProfile, FargateSelector, LaunchTemplateRef, NodegroupConfig,
    RemoteAccess, Tags,
};

fn tags(t: Option<&HashMap<String, String>>) -> Tags {
    t.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn sorted(v: Option<&Vec<String>>) -> Vec<String> {
    let mut v = v.cloned().unwrap_or_default();
    v.sort();
    v
}

pub(crate) fn rfc3339(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// The SDK marks `resources` deprecated because EKS now envelope-encrypts
/// all Kubernetes API data with an AWS-owned key by default; the field still
/// tells which resources use the customer's KMS key, which is what the
/// secrets-encryption check is about.
#[allow(deprecated)]
fn map_encryption(e: &types::EncryptionConfig) -> EncryptionConfig {
    EncryptionConfig {
        resources: e.resources().to_vec(),
        key_arn: e.provider.as_ref().and_then(|p| p.key_arn.clone()),
    }
}

/// The endpoint flags `(public, private)`. The SDK reads an absent flag as
/// `false`, so a block whose flags were both omitted (moto when the seed set
/// none) would read as "no endpoint at all". EKS refuses that configuration
/// (at least one endpoint must be on), so both `false` means the flags were
/// not sent: unknown, not a private cluster.
fn endpoint_flags(vpc: Option<&types::VpcConfigResponse>) -> Option<(bool, bool)> {
    let v = vpc?;
    (v.endpoint_public_access || v.endpoint_private_access)
        .then_some((v.endpoint_public_access, v.endpoint_private_access))
}

/// `DescribeCluster` -> [`ClusterConfig`].
pub fn map_cluster(c: &types::Cluster) -> ClusterConfig {
    let vpc = c.resources_vpc_config.as_ref();
    let access = c.access_config.as_ref();
    ClusterConfig {
        deletion_protection: c.deletion_protection,
        support_type: c
            .upgrade_policy
            .as_ref()
            .and_then(|u| u.support_type.as_ref())
            .map(|t| t.as_str().to_string()),
        version: c.version.clone(),
        platform_version: c.platform_version.clone(),
        status: c.status.as_ref().map(|s| s.as_str().to_string()),
        role_arn: c.role_arn.clone(),
        created_at: rfc3339(c.created_at.as_ref()),
        endpoint_public_access: endpoint_flags(vpc).map(|(public, _)| public),
        endpoint_private_access: endpoint_flags(vpc).map(|(_, private)| private),
        // Absent when the public endpoint is off: stays `None`, not `[]`.
        public_access_cidrs: vpc.and_then(|v| v.public_access_cidrs.clone()),
        subnet_ids: sorted(vpc.and_then(|v| v.subnet_ids.as_ref())),
        security_group_ids: sorted(vpc.and_then(|v| v.security_group_ids.as_ref())),
        cluster_security_group_id: vpc.and_then(|v| v.cluster_security_group_id.clone()),
        vpc_id: vpc.and_then(|v| v.vpc_id.clone()),
        endpoint: c.endpoint.clone(),
        certificate_authority: c
            .certificate_authority
            .as_ref()
            .and_then(|a| a.data.clone()),
        // Omitted by EKS and `[]` from moto both mean "no secrets encryption".
        encryption_config: c.encryption_config().iter().map(map_encryption).collect(),
        enabled_log_types: c.logging.as_ref().map(|l| {
            let mut types: Vec<String> = l
                .cluster_logging()
                .iter()
                .filter(|s| s.enabled == Some(true))
                .flat_map(|s| s.types().iter().map(|t| t.as_str().to_string()))
                .collect();
            types.sort();
            types.dedup();
            types
        }),
        oidc_issuer: c
            .identity
            .as_ref()
            .and_then(|i| i.oidc.as_ref())
            .and_then(|o| o.issuer.clone()),
        authentication_mode: access
            .and_then(|a| a.authentication_mode.as_ref())
            .map(|m| m.as_str().to_string()),
        bootstrap_cluster_creator_admin_permissions: access
            .and_then(|a| a.bootstrap_cluster_creator_admin_permissions),
        tags: tags(c.tags.as_ref()),
    }
}

/// `DescribeNodegroup` -> [`NodegroupConfig`]. `fallback_arn` names the
/// nodegroup when the response carries no ARN.
pub fn map_nodegroup(n: &types::Nodegroup, fallback_arn: &str) -> NodegroupConfig {
    let resources = n.resources.as_ref();
    let mut asgs: Vec<String> = resources
        .map(|r| {
            r.auto_scaling_groups()
                .iter()
                .filter_map(|a| a.name.clone())
                .collect()
        })
        .unwrap_or_default();
    asgs.sort();
    asgs.dedup();
    NodegroupConfig {
        arn: n
            .nodegroup_arn
            .clone()
            .unwrap_or_else(|| fallback_arn.to_string()),
        status: n.status.as_ref().map(|s| s.as_str().to_string()),
        node_role: n.node_role.clone(),
        subnets: sorted(n.subnets.as_ref()),
        instance_types: sorted(n.instance_types.as_ref()),
        ami_type: n.ami_type.as_ref().map(|a| a.as_str().to_string()),
        capacity_type: n.capacity_type.as_ref().map(|c| c.as_str().to_string()),
        launch_template: n.launch_template.as_ref().map(|l| LaunchTemplateRef {
            id: l.id.clone(),
            name: l.name.clone(),
            version: l.version.clone(),
        }),
        remote_access: n.remote_access.as_ref().map(|r| RemoteAccess {
            ec2_ssh_key: r.ec2_ssh_key.clone(),
            source_security_groups: sorted(r.source_security_groups.as_ref()),
        }),
        autoscaling_groups: asgs,
        remote_access_security_group: resources
            .and_then(|r| r.remote_access_security_group.clone()),
        tags: tags(n.tags.as_ref()),
    }
}

/// `DescribeFargateProfile` -> [`FargateProfile`].
pub fn map_fargate_profile(name: &str, p: &types::FargateProfile) -> FargateProfile {
    FargateProfile {
        name: p
            .fargate_profile_name
            .clone()
            .unwrap_or_else(|| name.to_string()),
        arn: p.fargate_profile_arn.clone(),
        pod_execution_role_arn: p.pod_execution_role_arn.clone(),
        subnets: sorted(p.subnets.as_ref()),
        selectors: p
            .selectors()
            .iter()
            .map(|s| FargateSelector {
                namespace: s.namespace.clone(),
                labels: s
                    .labels
                    .as_ref()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect::<BTreeMap<_, _>>()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// `DescribeAccessEntry` -> [`AccessEntryDetail`].
pub fn map_access_entry(e: &types::AccessEntry) -> AccessEntryDetail {
    AccessEntryDetail {
        arn: e.access_entry_arn.clone(),
        kind: e.r#type.clone(),
        username: e.username.clone(),
        kubernetes_groups: sorted(e.kubernetes_groups.as_ref()),
        created_at: rfc3339(e.created_at.as_ref()),
    }
}

/// `ListAssociatedAccessPolicies` entry -> [`AssociatedAccessPolicy`].
pub fn map_access_policy(p: &types::AssociatedAccessPolicy) -> AssociatedAccessPolicy {
    let scope = p.access_scope.as_ref();
    AssociatedAccessPolicy {
        policy_arn: p.policy_arn.clone().unwrap_or_default(),
        scope_type: scope
            .and_then(|s| s.r#type.as_ref())
            .map(|t| t.as_str().to_string()),
        namespaces: sorted(scope.and_then(|s| s.namespaces.as_ref())),
    }
}

/// `DescribeAddon` -> [`AddonDetail`].
pub fn map_addon(a: &types::Addon) -> AddonDetail {
    AddonDetail {
        arn: a.addon_arn.clone(),
        version: a.addon_version.clone(),
        status: a.status.as_ref().map(|s| s.as_str().to_string()),
        service_account_role_arn: a.service_account_role_arn.clone(),
        configuration_values: a.configuration_values.clone().filter(|v| !v.is_empty()),
    }
}

/// `DescribeClusterVersions` -> one [`ClusterVersionInfo`] per version,
/// ordered by version number. Without a `clusterType` filter EKS may list a
/// version once per cluster type; the `eks` entry (standard clusters) wins.
pub fn map_cluster_versions(list: &[types::ClusterVersionInformation]) -> Vec<ClusterVersionInfo> {
    let mut by_version: BTreeMap<(Vec<u64>, String), &types::ClusterVersionInformation> =
        BTreeMap::new();
    for v in list {
        let Some(version) = v.cluster_version.as_deref() else {
            continue;
        };
        let standard = |v: &types::ClusterVersionInformation| {
            v.cluster_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("eks"))
        };
        by_version
            .entry((version_key(version), version.to_string()))
            .and_modify(|kept| {
                if !standard(kept) && standard(v) {
                    *kept = v;
                }
            })
            .or_insert(v);
    }
    by_version
        .into_iter()
        .map(|((_, version), v)| ClusterVersionInfo {
            version,
            // `status` is the deprecated field, spelled `standard-support`.
            status: v
                .version_status
                .as_ref()
                .map(|s| s.as_str().to_string())
                .or_else(|| {
                    v.status
                        .as_ref()
                        .map(|s| s.as_str().replace('-', "_").to_ascii_uppercase())
                }),
            end_of_standard_support: rfc3339(v.end_of_standard_support_date.as_ref()),
            end_of_extended_support: rfc3339(v.end_of_extended_support_date.as_ref()),
        })
        .collect()
}

/// `1.9` before `1.10`; a non-numeric part sorts last (then by text).
fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::types::{
        AccessConfigResponse, AccessScope, AccessScopeType, AuthenticationMode, AutoScalingGroup,
        Cluster, ClusterStatus, Identity, LaunchTemplateSpecification, LogSetup, LogType, Logging,
        Nodegroup, NodegroupResources, Oidc, Provider, RemoteAccessConfig, VpcConfigResponse,
    };

    #[test]
    #[allow(deprecated)] // EncryptionConfig::resources, see map_encryption.
    fn public_endpoint_with_cidrs_and_access_config_are_mapped() {
        let c = Cluster::builder()
            .name("prod")
            .version("1.29")
            .status(ClusterStatus::Active)
            .created_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .endpoint_public_access(true)
                    .endpoint_private_access(false)
                    .public_access_cidrs("0.0.0.0/0")
                    .subnet_ids("subnet-b")
                    .subnet_ids("subnet-a")
                    .security_group_ids("sg-1")
                    .cluster_security_group_id("sg-cluster")
                    .vpc_id("vpc-1")
                    .build(),
            )
            .identity(
                Identity::builder()
                    .oidc(
                        Oidc::builder()
                            .issuer("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")
                            .build(),
                    )
                    .build(),
            )
            .access_config(
                AccessConfigResponse::builder()
                    .authentication_mode(AuthenticationMode::ApiAndConfigMap)
                    .bootstrap_cluster_creator_admin_permissions(true)
                    .build(),
            )
            .encryption_config(
                aws_sdk_eks::types::EncryptionConfig::builder()
                    .resources("secrets")
                    .provider(
                        Provider::builder()
                            .key_arn("arn:aws:kms:us-east-1:1:key/k")
                            .build(),
                    )
                    .build(),
            )
            .tags("team", "a")
            .endpoint("https://ABC.gr7.us-east-1.eks.amazonaws.com")
            .certificate_authority(
                aws_sdk_eks::types::Certificate::builder()
                    .data("LS0tLS1CRUdJTg==")
                    .build(),
            )
            .build();
        let m = map_cluster(&c);
        assert_eq!(
            m.endpoint.as_deref(),
            Some("https://ABC.gr7.us-east-1.eks.amazonaws.com")
        );
        assert_eq!(m.certificate_authority.as_deref(), Some("LS0tLS1CRUdJTg=="));
        assert_eq!(m.endpoint_public_access, Some(true));
        assert_eq!(m.endpoint_private_access, Some(false));
        assert_eq!(m.public_access_cidrs, Some(vec!["0.0.0.0/0".to_string()]));
        assert_eq!(m.subnet_ids, vec!["subnet-a", "subnet-b"]);
        assert_eq!(m.cluster_security_group_id.as_deref(), Some("sg-cluster"));
        assert_eq!(m.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(m.status.as_deref(), Some("ACTIVE"));
        assert_eq!(m.created_at.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(
            m.oidc_issuer.as_deref(),
            Some("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")
        );
        assert_eq!(m.authentication_mode.as_deref(), Some("API_AND_CONFIG_MAP"));
        assert_eq!(m.bootstrap_cluster_creator_admin_permissions, Some(true));
        assert_eq!(m.encryption_config.len(), 1);
        assert_eq!(m.encryption_config[0].resources, vec!["secrets"]);
        assert_eq!(
            m.encryption_config[0].key_arn.as_deref(),
            Some("arn:aws:kms:us-east-1:1:key/k")
        );
        assert_eq!(m.tags.get("team").map(String::as_str), Some("a"));
    }

    #[test]
    fn empty_encryption_config_reads_as_no_encryption() {
        // moto answers `"encryptionConfig": []`; real EKS omits the key.
        let c = Cluster::builder()
            .name("c")
            .set_encryption_config(Some(Vec::new()))
            .build();
        assert!(map_cluster(&c).encryption_config.is_empty());
        assert!(map_cluster(&Cluster::builder().name("c").build())
            .encryption_config
            .is_empty());
    }

    #[test]
    fn only_enabled_log_types_are_listed() {
        let c = Cluster::builder()
            .logging(
                Logging::builder()
                    .cluster_logging(
                        LogSetup::builder()
                            .types(LogType::Audit)
                            .types(LogType::Api)
                            .enabled(true)
                            .build(),
                    )
                    .cluster_logging(
                        LogSetup::builder()
                            .types(LogType::Authenticator)
                            .types(LogType::Scheduler)
                            .enabled(false)
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(
            map_cluster(&c).enabled_log_types,
            Some(vec!["api".to_string(), "audit".to_string()])
        );
    }

    #[test]
    fn missing_optional_cluster_fields_stay_none() {
        let m = map_cluster(&Cluster::builder().name("bare").build());
        assert_eq!(m.endpoint_public_access, None);
        assert_eq!(m.endpoint_private_access, None);
        assert_eq!(m.public_access_cidrs, None);
        assert_eq!(m.enabled_log_types, None);
        assert_eq!(m.oidc_issuer, None);
        assert_eq!(m.authentication_mode, None);
        assert_eq!(m.bootstrap_cluster_creator_admin_permissions, None);
        assert_eq!(m.cluster_security_group_id, None);
        assert_eq!(m.vpc_id, None);
        assert_eq!(m.created_at, None);
        // Private-only endpoint: EKS omits publicAccessCidrs.
        let private = Cluster::builder()
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .endpoint_private_access(true)
                    .build(),
            )
            .build();
        let m = map_cluster(&private);
        assert_eq!(m.endpoint_public_access, Some(false));
        assert_eq!(m.public_access_cidrs, None);
    }

    #[test]
    fn endpoint_flags_both_absent_are_unknown_not_private() {
        // `resourcesVpcConfig` without either flag: the SDK yields two
        // `false`s, a combination EKS never returns.
        let c = Cluster::builder()
            .resources_vpc_config(VpcConfigResponse::builder().subnet_ids("subnet-a").build())
            .build();
        let m = map_cluster(&c);
        assert_eq!(m.endpoint_public_access, None);
        assert_eq!(m.endpoint_private_access, None);
        assert_eq!(m.subnet_ids, vec!["subnet-a"]);
        let public_only = Cluster::builder()
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .endpoint_public_access(true)
                    .build(),
            )
            .build();
        let m = map_cluster(&public_only);
        assert_eq!(m.endpoint_public_access, Some(true));
        assert_eq!(m.endpoint_private_access, Some(false));
    }

    #[test]
    fn nodegroup_launch_template_and_asgs_are_mapped() {
        let n = Nodegroup::builder()
            .nodegroup_name("ng")
            .nodegroup_arn("arn:aws:eks:us-east-1:1:nodegroup/prod/ng/x")
            .node_role("arn:aws:iam::1:role/node")
            .launch_template(
                LaunchTemplateSpecification::builder()
                    .id("lt-1")
                    .name("tmpl")
                    .version("3")
                    .build(),
            )
            .resources(
                NodegroupResources::builder()
                    .auto_scaling_groups(AutoScalingGroup::builder().name("eks-ng-b").build())
                    .auto_scaling_groups(AutoScalingGroup::builder().name("eks-ng-a").build())
                    .build(),
            )
            .instance_types("m5.large")
            .build();
        let m = map_nodegroup(&n, "fallback");
        assert_eq!(m.arn, "arn:aws:eks:us-east-1:1:nodegroup/prod/ng/x");
        assert_eq!(m.node_role.as_deref(), Some("arn:aws:iam::1:role/node"));
        assert_eq!(
            m.launch_template,
            Some(LaunchTemplateRef {
                id: Some("lt-1".into()),
                name: Some("tmpl".into()),
                version: Some("3".into())
            })
        );
        assert_eq!(m.autoscaling_groups, vec!["eks-ng-a", "eks-ng-b"]);
        assert_eq!(m.remote_access, None);
        assert_eq!(m.remote_access_security_group, None);
    }

    #[test]
    fn nodegroup_remote_access_is_mapped() {
        let n = Nodegroup::builder()
            .remote_access(RemoteAccessConfig::builder().ec2_ssh_key("key").build())
            .resources(
                NodegroupResources::builder()
                    .remote_access_security_group("sg-remote")
                    .build(),
            )
            .build();
        let m = map_nodegroup(&n, "arn:fallback");
        assert_eq!(m.arn, "arn:fallback");
        assert_eq!(
            m.remote_access,
            Some(RemoteAccess {
                ec2_ssh_key: Some("key".into()),
                source_security_groups: vec![]
            })
        );
        assert_eq!(m.remote_access_security_group.as_deref(), Some("sg-remote"));
        assert_eq!(m.launch_template, None);
    }

    #[test]
    fn access_policy_scope_is_mapped() {
        let p = aws_sdk_eks::types::AssociatedAccessPolicy::builder()
            .policy_arn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy")
            .access_scope(
                AccessScope::builder()
                    .r#type(AccessScopeType::Namespace)
                    .namespaces("b")
                    .namespaces("a")
                    .build(),
            )
            .build();
        let m = map_access_policy(&p);
        assert_eq!(m.scope_type.as_deref(), Some("namespace"));
        assert_eq!(m.namespaces, vec!["a", "b"]);
    }

    #[test]
    fn cluster_versions_are_ordered_numerically_with_rfc3339_dates() {
        use aws_sdk_eks::types::{ClusterVersionInformation, VersionStatus};
        let v = |version: &str, status: VersionStatus| {
            ClusterVersionInformation::builder()
                .cluster_version(version)
                .cluster_type("eks")
                .version_status(status)
                .end_of_standard_support_date(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .end_of_extended_support_date(aws_smithy_types::DateTime::from_secs(1_731_536_000))
                .build()
        };
        let list = [
            v("1.30", VersionStatus::StandardSupport),
            v("1.9", VersionStatus::Unsupported),
            v("1.10", VersionStatus::ExtendedSupport),
            ClusterVersionInformation::builder().build(),
        ];
        let m = map_cluster_versions(&list);
        let versions: Vec<&str> = m.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(versions, vec!["1.9", "1.10", "1.30"]);
        assert_eq!(m[0].status.as_deref(), Some("UNSUPPORTED"));
        assert_eq!(m[2].status.as_deref(), Some("STANDARD_SUPPORT"));
        assert_eq!(
            m[2].end_of_standard_support.as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(
            m[2].end_of_extended_support.as_deref(),
            Some("2024-11-13T22:13:20Z")
        );
    }

    #[test]
    fn cluster_version_prefers_the_eks_entry_and_reads_the_deprecated_status() {
        use aws_sdk_eks::types::{ClusterVersionInformation, ClusterVersionStatus, VersionStatus};
        let list = [
            ClusterVersionInformation::builder()
                .cluster_version("1.29")
                .cluster_type("eks-local-outposts")
                .version_status(VersionStatus::Unsupported)
                .build(),
            ClusterVersionInformation::builder()
                .cluster_version("1.29")
                .cluster_type("eks")
                .status(ClusterVersionStatus::ExtendedSupport)
                .build(),
        ];
        let m = map_cluster_versions(&list);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].status.as_deref(), Some("EXTENDED_SUPPORT"));
        assert_eq!(m[0].end_of_standard_support, None);
    }
}
