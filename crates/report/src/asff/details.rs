//! `Resources[]` entries with their ASFF `Details`, filled from the
//! inventory. Only values the scan read are written: a value that is unknown
//! is left out, never defaulted.

use std::collections::BTreeMap;

use eksposture_model::asff::{
    AsffResource, AsffResourceDetails, AwsEc2InstanceDetails, AwsEc2InstanceMetadataOptions,
    AwsEc2LaunchTemplateDataDetails, AwsEc2LaunchTemplateDataIamInstanceProfileDetails,
    AwsEc2LaunchTemplateDetails, AwsEc2SecurityGroupDetails, AwsEc2SecurityGroupIpPermission,
    AwsEc2SecurityGroupIpRange, AwsEc2SecurityGroupIpv6Range, AwsEc2SecurityGroupPrefixListId,
    AwsEc2SecurityGroupUserIdGroupPair, AwsEc2VolumeAttachment, AwsEc2VolumeDetails,
    AwsEcrContainerImageDetails, AwsEcrRepositoryDetails,
    AwsEcrRepositoryImageScanningConfigurationDetails, AwsEcrRepositoryLifecyclePolicyDetails,
    AwsEcsTaskDefinitionContainerDefinitionsDetails, AwsEcsTaskDefinitionDetails,
    AwsEksClusterDetails, AwsEksClusterLoggingClusterLoggingDetails, AwsEksClusterLoggingDetails,
    AwsEksClusterResourcesVpcConfigDetails, AwsIamAttachedManagedPolicy, AwsIamInstanceProfile,
    AwsIamPermissionsBoundary, AwsIamRoleDetails, AwsIamRolePolicy,
};
use eksposture_model::text::truncate_bytes;
use eksposture_model::{
    Cluster, Image, Instance, Inventory, LaunchTemplateData, MetadataOptions, Repository, Role,
    SecurityGroup, TaskDefinitionDetail, Volume,
};

use super::limits::{is_timestamp, MAX_OTHER_VALUE};

/// ASFF resource types eksposture's resource kinds map to as they are;
/// every other kind becomes `Other`.
pub const ASFF_TYPES: &[&str] = &[
    "AwsAccount",
    "AwsEc2Instance",
    "AwsEc2LaunchTemplate",
    "AwsEc2SecurityGroup",
    "AwsEc2Volume",
    "AwsEcrContainerImage",
    "AwsEcrRepository",
    "AwsEcsTaskDefinition",
    "AwsEksCluster",
    "AwsIamRole",
];

/// The inventory's resources by id (ARN), built once per rendering.
pub struct Index<'a> {
    account: &'a str,
    clusters: BTreeMap<&'a str, &'a Cluster>,
    instances: BTreeMap<&'a str, &'a Instance>,
    security_groups: BTreeMap<&'a str, &'a SecurityGroup>,
    launch_templates: BTreeMap<String, &'a LaunchTemplateData>,
    volumes: BTreeMap<&'a str, &'a Volume>,
    roles: BTreeMap<&'a str, &'a Role>,
    policy_names: BTreeMap<&'a str, &'a str>,
    repositories: BTreeMap<&'a str, &'a Repository>,
    images: BTreeMap<String, (&'a Repository, &'a Image)>,
    task_definitions: BTreeMap<&'a str, &'a TaskDefinitionDetail>,
}

impl<'a> Index<'a> {
    pub fn new(inv: &'a Inventory) -> Self {
        let mut ix = Index {
            account: &inv.scan.account_id,
            clusters: BTreeMap::new(),
            instances: BTreeMap::new(),
            security_groups: BTreeMap::new(),
            launch_templates: BTreeMap::new(),
            volumes: BTreeMap::new(),
            roles: BTreeMap::new(),
            policy_names: BTreeMap::new(),
            repositories: BTreeMap::new(),
            images: BTreeMap::new(),
            task_definitions: BTreeMap::new(),
        };
        for (region, r) in &inv.regions {
            for c in r.clusters.known().into_iter().flatten() {
                ix.clusters.insert(&c.arn, c);
            }
            for i in r.instances.known().into_iter().flatten() {
                ix.instances.insert(&i.arn, i);
            }
            for sg in r.security_groups.known().into_iter().flatten() {
                ix.security_groups.insert(&sg.arn, sg);
            }
            for v in r.volumes.known().into_iter().flatten() {
                ix.volumes.insert(&v.arn, v);
            }
            // Several versions of one template may be in use: the first one
            // the collector listed describes the template.
            for lt in &r.launch_template_versions {
                if let Some(d) = lt.data.known() {
                    let arn = if d.arn.is_empty() {
                        eksposture_model::arn::ec2(
                            &inv.scan.partition,
                            region,
                            &inv.scan.account_id,
                            "launch-template",
                            &d.template_id,
                        )
                    } else {
                        d.arn.clone()
                    };
                    ix.launch_templates.entry(arn).or_insert(d);
                }
            }
            for repo in r.repositories.known().into_iter().flatten() {
                ix.repositories.insert(&repo.arn, repo);
                for image in repo.images.known().into_iter().flatten() {
                    ix.images.insert(
                        eksposture_model::Graph::image_arn(repo, image),
                        (repo, image),
                    );
                }
            }
            for td in r.ecs_task_definitions.known().into_iter().flatten() {
                if let Some(d) = td.detail.known() {
                    ix.task_definitions.insert(&td.arn, d);
                }
            }
        }
        for role in inv.iam.roles.known().into_iter().flatten() {
            ix.roles.insert(&role.arn, role);
        }
        for p in &inv.iam.managed_policies {
            ix.policy_names.insert(&p.arn, &p.name);
        }
        ix
    }
}

/// The ASFF type for a resource kind.
pub fn asff_type(kind: &str) -> &str {
    if ASFF_TYPES.contains(&kind) {
        kind
    } else {
        "Other"
    }
}

/// One `Resources[]` entry: the resource's ASFF type, id, partition, region
/// and whatever details the inventory has about it.
pub fn resource(
    ix: &Index<'_>,
    kind: &str,
    id: &str,
    partition: Option<&str>,
    region: &str,
) -> AsffResource {
    let kind_out = asff_type(kind);
    let details = if kind_out == "Other" {
        let mut other = BTreeMap::new();
        other.insert(
            "eksposture/ResourceType".to_string(),
            truncate_bytes(kind, MAX_OTHER_VALUE),
        );
        Some(AsffResourceDetails {
            other: Some(other),
            ..AsffResourceDetails::default()
        })
    } else {
        details(ix, kind, id)
    };
    AsffResource {
        kind: kind_out.to_string(),
        id: id.to_string(),
        partition: partition.map(str::to_string),
        region: Some(region.to_string()),
        details,
    }
}

/// The details the inventory has about a resource; `None` when it has none
/// (an empty details object says nothing).
fn details(ix: &Index<'_>, kind: &str, id: &str) -> Option<AsffResourceDetails> {
    let mut d = AsffResourceDetails::default();
    match kind {
        "AwsEksCluster" => d.aws_eks_cluster = present(cluster(ix.clusters.get(id)?)),
        "AwsEc2Instance" => d.aws_ec2_instance = present(instance(ix.instances.get(id)?)),
        "AwsEc2SecurityGroup" => {
            d.aws_ec2_security_group = present(security_group(ix, ix.security_groups.get(id)?));
        }
        "AwsEc2LaunchTemplate" => {
            d.aws_ec2_launch_template = present(launch_template(ix.launch_templates.get(id)?));
        }
        "AwsEc2Volume" => d.aws_ec2_volume = present(volume(ix.volumes.get(id)?)),
        "AwsIamRole" => d.aws_iam_role = present(role(ix, ix.roles.get(id)?)),
        "AwsEcrRepository" => {
            d.aws_ecr_repository = present(repository(ix.repositories.get(id)?));
        }
        "AwsEcrContainerImage" => {
            let (repo, img) = ix.images.get(id)?;
            d.aws_ecr_container_image = present(image(repo, img));
        }
        "AwsEcsTaskDefinition" => {
            d.aws_ecs_task_definition = present(task_definition(ix.task_definitions.get(id)?));
        }
        _ => return None,
    }
    present(d)
}

fn present<T: Default + PartialEq>(t: T) -> Option<T> {
    (t != T::default()).then_some(t)
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty()).cloned()
}

fn non_empty_list(items: &[String]) -> Vec<String> {
    items
        .iter()
        .filter(|v| !v.trim().is_empty())
        .cloned()
        .collect()
}

fn cluster(c: &Cluster) -> AwsEksClusterDetails {
    let mut d = AwsEksClusterDetails {
        arn: Some(c.arn.clone()).filter(|a| !a.is_empty()),
        name: Some(c.name.clone()).filter(|n| !n.is_empty()),
        ..AwsEksClusterDetails::default()
    };
    if let Some(cfg) = c.config.known() {
        d.cluster_status = non_empty(cfg.status.as_ref());
        d.role_arn = non_empty(cfg.role_arn.as_ref());
        d.version = non_empty(cfg.version.as_ref());
        d.resources_vpc_config = present(AwsEksClusterResourcesVpcConfigDetails {
            security_group_ids: non_empty_list(&cfg.security_group_ids),
            subnet_ids: non_empty_list(&cfg.subnet_ids),
            endpoint_public_access: cfg.endpoint_public_access,
        });
        d.logging = cfg.enabled_log_types.as_ref().map(|types| {
            let types = non_empty_list(types);
            // EKS reports logging as groups of types switched on or off; the
            // inventory keeps only the enabled types, so none means all off.
            AwsEksClusterLoggingDetails {
                cluster_logging: vec![AwsEksClusterLoggingClusterLoggingDetails {
                    enabled: Some(!types.is_empty()),
                    types,
                }],
            }
        });
    }
    d
}

fn metadata(m: &MetadataOptions) -> AwsEc2InstanceMetadataOptions {
    AwsEc2InstanceMetadataOptions {
        http_endpoint: non_empty(m.http_endpoint.as_ref()),
        http_put_response_hop_limit: m.http_put_response_hop_limit,
        http_tokens: non_empty(m.http_tokens.as_ref()),
    }
}

fn instance(i: &Instance) -> AwsEc2InstanceDetails {
    AwsEc2InstanceDetails {
        instance_type: non_empty(i.instance_type.as_ref()),
        image_id: non_empty(i.image_id.as_ref()),
        ip_v4_addresses: [&i.public_ip_address, &i.private_ip_address]
            .into_iter()
            .filter_map(|v| non_empty(v.as_ref()))
            .collect(),
        iam_instance_profile_arn: non_empty(i.iam_instance_profile_arn.as_ref()),
        vpc_id: non_empty(i.vpc_id.as_ref()),
        subnet_id: non_empty(i.subnet_id.as_ref()),
        metadata_options: i.metadata_options.as_ref().map(metadata).and_then(present),
    }
}

fn security_group(ix: &Index<'_>, sg: &SecurityGroup) -> AwsEc2SecurityGroupDetails {
    AwsEc2SecurityGroupDetails {
        group_name: non_empty(sg.group_name.as_ref()),
        group_id: Some(sg.group_id.clone()).filter(|g| !g.is_empty()),
        owner_id: Some(ix.account.to_string()).filter(|a| !a.is_empty()),
        vpc_id: non_empty(sg.vpc_id.as_ref()),
        ip_permissions: sg
            .ingress
            .iter()
            .map(|r| AwsEc2SecurityGroupIpPermission {
                ip_protocol: Some(r.ip_protocol.clone()).filter(|p| !p.is_empty()),
                from_port: r.from_port,
                to_port: r.to_port,
                ip_ranges: non_empty_list(&r.ipv4_ranges)
                    .into_iter()
                    .map(|cidr_ip| AwsEc2SecurityGroupIpRange { cidr_ip })
                    .collect(),
                ipv6_ranges: non_empty_list(&r.ipv6_ranges)
                    .into_iter()
                    .map(|cidr_ipv6| AwsEc2SecurityGroupIpv6Range { cidr_ipv6 })
                    .collect(),
                prefix_list_ids: non_empty_list(&r.prefix_list_ids)
                    .into_iter()
                    .map(|prefix_list_id| AwsEc2SecurityGroupPrefixListId { prefix_list_id })
                    .collect(),
                user_id_group_pairs: non_empty_list(&r.referenced_group_ids)
                    .into_iter()
                    .map(|group_id| AwsEc2SecurityGroupUserIdGroupPair { group_id })
                    .collect(),
            })
            .collect(),
    }
}

fn launch_template(d: &LaunchTemplateData) -> AwsEc2LaunchTemplateDetails {
    AwsEc2LaunchTemplateDetails {
        id: Some(d.template_id.clone()).filter(|t| !t.is_empty()),
        launch_template_name: non_empty(d.template_name.as_ref()),
        launch_template_data: present(AwsEc2LaunchTemplateDataDetails {
            image_id: non_empty(d.image_id.as_ref()),
            key_name: non_empty(d.key_name.as_ref()),
            iam_instance_profile: non_empty(d.iam_instance_profile_arn.as_ref())
                .map(|arn| AwsEc2LaunchTemplateDataIamInstanceProfileDetails { arn }),
            metadata_options: d.metadata_options.as_ref().map(metadata).and_then(present),
            security_group_id_set: non_empty_list(&d.security_group_ids),
        }),
    }
}

fn volume(v: &Volume) -> AwsEc2VolumeDetails {
    AwsEc2VolumeDetails {
        volume_id: Some(v.volume_id.clone()).filter(|i| !i.is_empty()),
        encrypted: v.encrypted,
        kms_key_id: non_empty(v.kms_key_id.as_ref()),
        attachments: non_empty_list(&v.attached_instance_ids)
            .into_iter()
            .map(|instance_id| AwsEc2VolumeAttachment { instance_id })
            .collect(),
    }
}

/// The name of a managed policy: from the inventory, else the ARN's last
/// segment (moto's GAAD omits `PolicyName`).
fn policy_name(ix: &Index<'_>, arn: &str) -> String {
    ix.policy_names
        .get(arn)
        .filter(|n| !n.is_empty())
        .map_or_else(
            || arn.rsplit('/').next().unwrap_or(arn).to_string(),
            |n| (*n).to_string(),
        )
}

fn role(ix: &Index<'_>, r: &Role) -> AwsIamRoleDetails {
    AwsIamRoleDetails {
        role_name: Some(r.role_name.clone()).filter(|n| !n.is_empty()),
        path: non_empty(r.path.as_ref()),
        assume_role_policy_document: r.trust_policy.known().map(ToString::to_string),
        attached_managed_policies: r
            .attached_policy_arns
            .iter()
            .filter(|a| !a.is_empty())
            .map(|arn| AwsIamAttachedManagedPolicy {
                policy_name: policy_name(ix, arn),
                policy_arn: arn.clone(),
            })
            .collect(),
        role_policy_list: r
            .inline_policies
            .iter()
            .filter(|p| !p.name.is_empty())
            .map(|p| AwsIamRolePolicy {
                policy_name: p.name.clone(),
            })
            .collect(),
        permissions_boundary: non_empty(r.permissions_boundary_arn.as_ref()).map(|arn| {
            AwsIamPermissionsBoundary {
                permissions_boundary_arn: arn,
                permissions_boundary_type: "Policy".to_string(),
            }
        }),
        instance_profile_list: non_empty_list(&r.instance_profile_arns)
            .into_iter()
            .map(|arn| AwsIamInstanceProfile { arn })
            .collect(),
    }
}

fn repository(r: &Repository) -> AwsEcrRepositoryDetails {
    AwsEcrRepositoryDetails {
        arn: Some(r.arn.clone()).filter(|a| !a.is_empty()),
        repository_name: Some(r.name.clone()).filter(|n| !n.is_empty()),
        image_tag_mutability: non_empty(r.tag_mutability.as_ref()),
        image_scanning_configuration: r
            .scan_on_push
            .map(|scan_on_push| AwsEcrRepositoryImageScanningConfigurationDetails { scan_on_push }),
        repository_policy_text: r
            .policy
            .known()
            .and_then(|p| p.as_ref())
            .map(ToString::to_string),
        lifecycle_policy: r
            .lifecycle_policy
            .known()
            .and_then(|p| p.as_ref())
            .filter(|p| !p.trim().is_empty())
            .map(|text| AwsEcrRepositoryLifecyclePolicyDetails {
                lifecycle_policy_text: text.clone(),
                registry_id: non_empty(r.registry_id.as_ref()),
            }),
    }
}

fn image(repo: &Repository, img: &Image) -> AwsEcrContainerImageDetails {
    AwsEcrContainerImageDetails {
        registry_id: non_empty(repo.registry_id.as_ref()),
        repository_name: Some(repo.name.clone()).filter(|n| !n.is_empty()),
        image_digest: Some(img.digest.clone()).filter(|d| !d.is_empty()),
        image_tags: non_empty_list(&img.tags),
        image_published_at: img.pushed_at.clone().filter(|t| is_timestamp(t)),
    }
}

fn task_definition(d: &TaskDefinitionDetail) -> AwsEcsTaskDefinitionDetails {
    AwsEcsTaskDefinitionDetails {
        family: Some(d.family.clone()).filter(|f| !f.is_empty()),
        task_role_arn: non_empty(d.task_role_arn.as_ref()),
        execution_role_arn: non_empty(d.execution_role_arn.as_ref()),
        network_mode: non_empty(d.network_mode.as_ref()),
        requires_compatibilities: non_empty_list(&d.requires_compatibilities),
        container_definitions: d
            .containers
            .iter()
            .map(|c| AwsEcsTaskDefinitionContainerDefinitionsDetails {
                name: Some(c.name.clone()).filter(|n| !n.is_empty()),
                image: non_empty(c.image.as_ref()),
                privileged: c.privileged,
                readonly_root_filesystem: c.readonly_root_filesystem,
                user: non_empty(c.user.as_ref()),
            })
            .collect(),
    }
}
