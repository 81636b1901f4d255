//! Pure mappings from EC2 API shapes to the inventory model.

use aws_sdk_ec2::types;
use eksposture_model::{
    Instance, LaunchTemplateData, MetadataOptions, ProfileAssociation, Route, RouteTable,
    SecurityGroup, SgRule, Subnet, Tags, Volume, Vpc,
};

use crate::Ctx;

fn tags(t: Option<&Vec<types::Tag>>) -> Tags {
    t.into_iter()
        .flatten()
        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
        .collect()
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// `DescribeInstances` -> [`Instance`]; `None` for an entry without an id.
pub fn map_instance(ctx: &Ctx, i: &types::Instance) -> Option<Instance> {
    let id = i.instance_id.clone()?;
    Some(Instance {
        arn: ctx.ec2_arn("instance", &id),
        instance_id: id,
        state: i
            .state
            .as_ref()
            .and_then(|s| s.name.as_ref())
            .map(|n| n.as_str().to_string()),
        instance_type: i.instance_type.as_ref().map(|t| t.as_str().to_string()),
        image_id: i.image_id.clone(),
        metadata_options: i.metadata_options.as_ref().map(|m| MetadataOptions {
            http_tokens: m.http_tokens.as_ref().map(|t| t.as_str().to_string()),
            http_put_response_hop_limit: m.http_put_response_hop_limit,
            http_endpoint: m.http_endpoint.as_ref().map(|e| e.as_str().to_string()),
        }),
        public_ip_address: i.public_ip_address.clone(),
        private_ip_address: i.private_ip_address.clone(),
        subnet_id: i.subnet_id.clone(),
        vpc_id: i.vpc_id.clone(),
        // `SecurityGroups` names the primary interface's groups only; the
        // secondary interfaces the VPC CNI attaches for pods (custom
        // networking) carry their own, which admit traffic to the node too.
        security_group_ids: sorted_unique(
            i.security_groups()
                .iter()
                .chain(
                    i.network_interfaces()
                        .iter()
                        .flat_map(types::InstanceNetworkInterface::groups),
                )
                .filter_map(|g| g.group_id.clone())
                .collect(),
        ),
        iam_instance_profile_arn: i.iam_instance_profile.as_ref().and_then(|p| p.arn.clone()),
        volume_ids: sorted_unique(
            i.block_device_mappings()
                .iter()
                .filter_map(|b| b.ebs.as_ref().and_then(|e| e.volume_id.clone()))
                .collect(),
        ),
        tags: tags(i.tags.as_ref()),
    })
}

/// One `DescribeLaunchTemplateVersions` entry -> [`LaunchTemplateData`].
/// `template_id` is used when the entry does not name its template.
pub fn map_launch_template_version(
    ctx: &Ctx,
    template_id: &str,
    v: &types::LaunchTemplateVersion,
) -> LaunchTemplateData {
    let id = v
        .launch_template_id
        .clone()
        .unwrap_or_else(|| template_id.to_string());
    let data = v.launch_template_data.as_ref();
    let interfaces = data
        .map(types::ResponseLaunchTemplateData::network_interfaces)
        .unwrap_or_default();
    let associate_public_ip = if interfaces.is_empty() {
        None
    } else {
        Some(
            interfaces
                .iter()
                .any(|n| n.associate_public_ip_address == Some(true)),
        )
    };
    let mut sgs: Vec<String> = data
        .map(|d| d.security_group_ids().to_vec())
        .unwrap_or_default();
    sgs.extend(interfaces.iter().flat_map(|n| n.groups().iter().cloned()));
    LaunchTemplateData {
        arn: ctx.ec2_arn("launch-template", &id),
        template_id: id,
        template_name: v.launch_template_name.clone(),
        version_number: v.version_number,
        default_version: v.default_version,
        metadata_options: data
            .and_then(|d| d.metadata_options.as_ref())
            .map(|m| MetadataOptions {
                http_tokens: m.http_tokens.as_ref().map(|t| t.as_str().to_string()),
                http_put_response_hop_limit: m.http_put_response_hop_limit,
                http_endpoint: m.http_endpoint.as_ref().map(|e| e.as_str().to_string()),
            }),
        associate_public_ip,
        security_group_ids: sorted_unique(sgs),
        // A template may name its profile instead of giving the ARN; the
        // name alone is not turned into an ARN (the profile's path is unknown).
        iam_instance_profile_arn: data
            .and_then(|d| d.iam_instance_profile.as_ref())
            .and_then(|p| p.arn.clone()),
        key_name: data.and_then(|d| d.key_name.clone()),
        image_id: data.and_then(|d| d.image_id.clone()),
        // Only the hints are kept, never the user data itself.
        user_data_secret_hints: data
            .and_then(|d| d.user_data.as_deref())
            .map(super::user_data::hints),
    }
}

fn map_rule(p: &types::IpPermission) -> SgRule {
    SgRule {
        ip_protocol: p.ip_protocol.clone().unwrap_or_default(),
        from_port: p.from_port,
        to_port: p.to_port,
        ipv4_ranges: sorted_unique(
            p.ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip.clone())
                .collect(),
        ),
        ipv6_ranges: sorted_unique(
            p.ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6.clone())
                .collect(),
        ),
        prefix_list_ids: sorted_unique(
            p.prefix_list_ids()
                .iter()
                .filter_map(|r| r.prefix_list_id.clone())
                .collect(),
        ),
        referenced_group_ids: sorted_unique(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id.clone())
                .collect(),
        ),
        range_descriptions: p
            .ip_ranges()
            .iter()
            .map(|r| (r.cidr_ip.as_ref(), r.description.as_ref()))
            .chain(
                p.ipv6_ranges()
                    .iter()
                    .map(|r| (r.cidr_ipv6.as_ref(), r.description.as_ref())),
            )
            .filter_map(|(cidr, desc)| Some((cidr?.clone(), desc?.clone())))
            .filter(|(_, desc)| !desc.is_empty())
            .collect(),
    }
}

/// `DescribeSecurityGroups` -> [`SecurityGroup`] (ingress rules only).
pub fn map_security_group(ctx: &Ctx, g: &types::SecurityGroup) -> Option<SecurityGroup> {
    let id = g.group_id.clone()?;
    Some(SecurityGroup {
        arn: g
            .security_group_arn
            .clone()
            .unwrap_or_else(|| ctx.ec2_arn("security-group", &id)),
        group_id: id,
        group_name: g.group_name.clone(),
        vpc_id: g.vpc_id.clone(),
        ingress: g.ip_permissions().iter().map(map_rule).collect(),
    })
}

/// `DescribeSubnets` -> [`Subnet`].
pub fn map_subnet(ctx: &Ctx, s: &types::Subnet) -> Option<Subnet> {
    let id = s.subnet_id.clone()?;
    Some(Subnet {
        arn: s
            .subnet_arn
            .clone()
            .unwrap_or_else(|| ctx.ec2_arn("subnet", &id)),
        subnet_id: id,
        vpc_id: s.vpc_id.clone(),
        cidr_block: s.cidr_block.clone(),
        availability_zone: s.availability_zone.clone(),
        map_public_ip_on_launch: s.map_public_ip_on_launch,
    })
}

/// `DescribeRouteTables` -> [`RouteTable`].
pub fn map_route_table(t: &types::RouteTable) -> Option<RouteTable> {
    Some(RouteTable {
        route_table_id: t.route_table_id.clone()?,
        vpc_id: t.vpc_id.clone(),
        main: t.associations().iter().any(|a| a.main == Some(true)),
        subnet_ids: sorted_unique(
            t.associations()
                .iter()
                .filter_map(|a| a.subnet_id.clone())
                .collect(),
        ),
        routes: t
            .routes()
            .iter()
            .map(|r| Route {
                destination_cidr: r.destination_cidr_block.clone(),
                destination_ipv6_cidr: r.destination_ipv6_cidr_block.clone(),
                gateway_id: r.gateway_id.clone(),
                nat_gateway_id: r.nat_gateway_id.clone(),
                state: r.state.as_ref().map(|s| s.as_str().to_string()),
            })
            .collect(),
    })
}

/// `DescribeVolumes` -> [`Volume`].
pub fn map_volume(ctx: &Ctx, v: &types::Volume) -> Option<Volume> {
    let id = v.volume_id.clone()?;
    Some(Volume {
        arn: v
            .volume_arn
            .clone()
            .unwrap_or_else(|| ctx.ec2_arn("volume", &id)),
        volume_id: id,
        encrypted: v.encrypted,
        kms_key_id: v.kms_key_id.clone(),
        attached_instance_ids: sorted_unique(
            v.attachments()
                .iter()
                .filter_map(|a| a.instance_id.clone())
                .collect(),
        ),
    })
}

/// `DescribeVpcs` -> [`Vpc`]; `None` for an entry without an id.
pub fn map_vpc(ctx: &Ctx, v: &types::Vpc) -> Option<Vpc> {
    let id = v.vpc_id.clone()?;
    Some(Vpc {
        arn: ctx.ec2_arn("vpc", &id),
        vpc_id: id,
        is_default: v.is_default,
        cidr_block: v.cidr_block.clone(),
    })
}

/// `DescribeIamInstanceProfileAssociations` -> [`ProfileAssociation`];
/// `None` for an entry that names no instance or no profile ARN (EC2 always
/// sends both: such an entry says nothing about who holds which role).
pub fn map_profile_association(
    ctx: &Ctx,
    a: &types::IamInstanceProfileAssociation,
) -> Option<ProfileAssociation> {
    let instance_id = a.instance_id.clone()?;
    let instance_profile_arn = a.iam_instance_profile.as_ref()?.arn.clone()?;
    Some(ProfileAssociation {
        instance_arn: ctx.ec2_arn("instance", &instance_id),
        instance_id,
        instance_profile_arn,
        state: a.state.as_ref().map(|s| s.as_str().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        EbsInstanceBlockDevice, GroupIdentifier, HttpTokensState, IamInstanceProfile,
        InstanceBlockDeviceMapping, InstanceMetadataEndpointState, InstanceMetadataOptionsResponse,
        InstanceState, InstanceStateName, IpPermission, IpRange, Ipv6Range,
        LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecification,
        LaunchTemplateInstanceMetadataOptions, LaunchTemplateInstanceNetworkInterfaceSpecification,
        PrefixListId, ResponseLaunchTemplateData, RouteState, RouteTableAssociation, Tag,
        UserIdGroupPair,
    };

    fn ctx() -> Ctx {
        super::super::tests::test_ctx()
    }

    #[test]
    fn instance_imds_profile_and_public_ip_are_mapped() {
        let i = types::Instance::builder()
            .instance_id("i-1")
            .state(
                InstanceState::builder()
                    .name(InstanceStateName::Running)
                    .build(),
            )
            .metadata_options(
                InstanceMetadataOptionsResponse::builder()
                    .http_tokens(HttpTokensState::Optional)
                    .http_put_response_hop_limit(2)
                    .http_endpoint(InstanceMetadataEndpointState::Enabled)
                    .build(),
            )
            .iam_instance_profile(
                IamInstanceProfile::builder()
                    .arn("arn:aws:iam::1:instance-profile/node")
                    .build(),
            )
            .public_ip_address("54.1.2.3")
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .security_groups(GroupIdentifier::builder().group_id("sg-b").build())
            .security_groups(GroupIdentifier::builder().group_id("sg-a").build())
            .block_device_mappings(
                InstanceBlockDeviceMapping::builder()
                    .ebs(EbsInstanceBlockDevice::builder().volume_id("vol-1").build())
                    .build(),
            )
            .tags(Tag::builder().key("eks:cluster-name").value("prod").build())
            .build();
        let m = map_instance(&ctx(), &i).unwrap();
        assert_eq!(m.arn, "arn:aws:ec2:us-east-1:123456789012:instance/i-1");
        assert_eq!(m.state.as_deref(), Some("running"));
        let md = m.metadata_options.unwrap();
        assert_eq!(md.http_tokens.as_deref(), Some("optional"));
        assert_eq!(md.http_put_response_hop_limit, Some(2));
        assert_eq!(md.http_endpoint.as_deref(), Some("enabled"));
        assert_eq!(
            m.iam_instance_profile_arn.as_deref(),
            Some("arn:aws:iam::1:instance-profile/node")
        );
        assert_eq!(m.public_ip_address.as_deref(), Some("54.1.2.3"));
        assert_eq!(m.security_group_ids, vec!["sg-a", "sg-b"]);
        assert_eq!(m.volume_ids, vec!["vol-1"]);
        assert_eq!(
            m.tags.get("eks:cluster-name").map(String::as_str),
            Some("prod")
        );
    }

    #[test]
    fn instance_groups_include_those_of_secondary_interfaces() {
        let i = types::Instance::builder()
            .instance_id("i-3")
            .security_groups(GroupIdentifier::builder().group_id("sg-node").build())
            .network_interfaces(
                types::InstanceNetworkInterface::builder()
                    .groups(GroupIdentifier::builder().group_id("sg-node").build())
                    .build(),
            )
            .network_interfaces(
                types::InstanceNetworkInterface::builder()
                    .groups(GroupIdentifier::builder().group_id("sg-pods").build())
                    .build(),
            )
            .build();
        let m = map_instance(&ctx(), &i).unwrap();
        assert_eq!(m.security_group_ids, vec!["sg-node", "sg-pods"]);
    }

    #[test]
    fn instance_without_optional_fields_keeps_them_unset() {
        let m = map_instance(
            &ctx(),
            &types::Instance::builder().instance_id("i-2").build(),
        )
        .unwrap();
        assert_eq!(m.metadata_options, None);
        assert_eq!(m.public_ip_address, None);
        assert_eq!(m.iam_instance_profile_arn, None);
        assert!(map_instance(&ctx(), &types::Instance::builder().build()).is_none());
    }

    #[test]
    fn sg_rules_keep_ipv4_ipv6_prefix_lists_and_group_refs() {
        let g = types::SecurityGroup::builder()
            .group_id("sg-1")
            .vpc_id("vpc-1")
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(
                        IpRange::builder()
                            .cidr_ip("0.0.0.0/0")
                            .description("ssh")
                            .build(),
                    )
                    .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .build(),
            )
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-2").build())
                    .prefix_list_ids(PrefixListId::builder().prefix_list_id("pl-1").build())
                    .build(),
            )
            .build();
        let m = map_security_group(&ctx(), &g).unwrap();
        assert_eq!(
            m.arn,
            "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1"
        );
        assert_eq!(m.ingress.len(), 2);
        let ssh = &m.ingress[0];
        assert_eq!(
            (ssh.ip_protocol.as_str(), ssh.from_port, ssh.to_port),
            ("tcp", Some(22), Some(22))
        );
        assert_eq!(ssh.ipv4_ranges, vec!["0.0.0.0/0"]);
        assert_eq!(ssh.ipv6_ranges, vec!["::/0"]);
        // The description belongs to the IPv4 range; the IPv6 range has none.
        let descriptions: Vec<(&str, &str)> = ssh
            .range_descriptions
            .iter()
            .map(|(c, d)| (c.as_str(), d.as_str()))
            .collect();
        assert_eq!(descriptions, [("0.0.0.0/0", "ssh")]);
        let all = &m.ingress[1];
        assert_eq!(all.ip_protocol, "-1");
        assert_eq!((all.from_port, all.to_port), (None, None));
        assert_eq!(all.referenced_group_ids, vec!["sg-2"]);
        assert_eq!(all.prefix_list_ids, vec!["pl-1"]);
        assert!(all.ipv4_ranges.is_empty());
    }

    #[test]
    fn route_table_main_flag_associations_and_routes() {
        let t = types::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .associations(RouteTableAssociation::builder().main(true).build())
            .associations(
                RouteTableAssociation::builder()
                    .main(false)
                    .subnet_id("subnet-2")
                    .build(),
            )
            .associations(
                RouteTableAssociation::builder()
                    .main(false)
                    .subnet_id("subnet-1")
                    .build(),
            )
            .routes(
                types::Route::builder()
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id("igw-1")
                    .state(RouteState::Active)
                    .build(),
            )
            .routes(
                types::Route::builder()
                    .destination_ipv6_cidr_block("::/0")
                    .nat_gateway_id("nat-1")
                    .build(),
            )
            .build();
        let m = map_route_table(&t).unwrap();
        assert!(m.main);
        assert_eq!(m.subnet_ids, vec!["subnet-1", "subnet-2"]);
        assert_eq!(m.routes[0].gateway_id.as_deref(), Some("igw-1"));
        assert_eq!(m.routes[0].state.as_deref(), Some("active"));
        assert_eq!(m.routes[1].destination_ipv6_cidr.as_deref(), Some("::/0"));
        assert_eq!(m.routes[1].nat_gateway_id.as_deref(), Some("nat-1"));
        let plain = types::RouteTable::builder()
            .route_table_id("rtb-2")
            .associations(
                RouteTableAssociation::builder()
                    .main(false)
                    .subnet_id("subnet-3")
                    .build(),
            )
            .build();
        assert!(!map_route_table(&plain).unwrap().main);
    }

    #[test]
    fn launch_template_data_merges_interface_groups_and_public_ip() {
        let v = types::LaunchTemplateVersion::builder()
            .launch_template_id("lt-1")
            .launch_template_name("nodes")
            .version_number(3)
            .default_version(false)
            .launch_template_data(
                ResponseLaunchTemplateData::builder()
                    .metadata_options(
                        LaunchTemplateInstanceMetadataOptions::builder()
                            .http_tokens(LaunchTemplateHttpTokensState::Required)
                            .http_put_response_hop_limit(1)
                            .build(),
                    )
                    .security_group_ids("sg-b")
                    .network_interfaces(
                        LaunchTemplateInstanceNetworkInterfaceSpecification::builder()
                            .associate_public_ip_address(true)
                            .groups("sg-a")
                            .build(),
                    )
                    .iam_instance_profile(
                        LaunchTemplateIamInstanceProfileSpecification::builder()
                            .arn("arn:aws:iam::1:instance-profile/p")
                            .build(),
                    )
                    .key_name("k")
                    .image_id("ami-1")
                    .build(),
            )
            .build();
        let m = map_launch_template_version(&ctx(), "lt-x", &v);
        assert_eq!(m.template_id, "lt-1");
        assert_eq!(
            m.arn,
            "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-1"
        );
        assert_eq!(m.version_number, Some(3));
        assert_eq!(m.default_version, Some(false));
        let md = m.metadata_options.unwrap();
        assert_eq!(md.http_tokens.as_deref(), Some("required"));
        assert_eq!(md.http_put_response_hop_limit, Some(1));
        assert_eq!(m.associate_public_ip, Some(true));
        assert_eq!(m.security_group_ids, vec!["sg-a", "sg-b"]);
        assert_eq!(
            m.iam_instance_profile_arn.as_deref(),
            Some("arn:aws:iam::1:instance-profile/p")
        );
        assert_eq!(m.key_name.as_deref(), Some("k"));
        assert_eq!(m.image_id.as_deref(), Some("ami-1"));
    }

    #[test]
    fn launch_template_without_settings_leaves_them_unknown() {
        let v = types::LaunchTemplateVersion::builder()
            .version_number(1)
            .launch_template_data(
                ResponseLaunchTemplateData::builder()
                    .iam_instance_profile(
                        LaunchTemplateIamInstanceProfileSpecification::builder()
                            .name("p")
                            .build(),
                    )
                    .network_interfaces(
                        LaunchTemplateInstanceNetworkInterfaceSpecification::builder().build(),
                    )
                    .build(),
            )
            .build();
        let m = map_launch_template_version(&ctx(), "lt-x", &v);
        assert_eq!(m.template_id, "lt-x");
        assert_eq!(m.metadata_options, None);
        assert_eq!(m.associate_public_ip, Some(false));
        assert_eq!(m.iam_instance_profile_arn, None);
        let bare = types::LaunchTemplateVersion::builder()
            .launch_template_id("lt-2")
            .build();
        assert_eq!(
            map_launch_template_version(&ctx(), "lt-2", &bare).associate_public_ip,
            None
        );
    }

    #[test]
    fn vpc_default_flag_cidr_and_arn_are_mapped() {
        let v = types::Vpc::builder()
            .vpc_id("vpc-1")
            .is_default(true)
            .cidr_block("172.31.0.0/16")
            .build();
        let m = map_vpc(&ctx(), &v).unwrap();
        assert_eq!(m.arn, "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1");
        assert_eq!(m.is_default, Some(true));
        assert_eq!(m.cidr_block.as_deref(), Some("172.31.0.0/16"));
        let bare = map_vpc(&ctx(), &types::Vpc::builder().vpc_id("vpc-2").build()).unwrap();
        assert_eq!(bare.is_default, None);
        assert!(map_vpc(&ctx(), &types::Vpc::builder().build()).is_none());
    }

    #[test]
    fn profile_association_names_instance_profile_and_state() {
        let a = types::IamInstanceProfileAssociation::builder()
            .association_id("iip-assoc-1")
            .instance_id("i-1")
            .iam_instance_profile(
                IamInstanceProfile::builder()
                    .arn("arn:aws:iam::123456789012:instance-profile/node")
                    .build(),
            )
            .state(types::IamInstanceProfileAssociationState::Associated)
            .build();
        let m = map_profile_association(&ctx(), &a).unwrap();
        assert_eq!(m.instance_id, "i-1");
        assert_eq!(
            m.instance_arn,
            "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
        );
        assert_eq!(
            m.instance_profile_arn,
            "arn:aws:iam::123456789012:instance-profile/node"
        );
        assert_eq!(m.state.as_deref(), Some("associated"));
        let no_profile = types::IamInstanceProfileAssociation::builder()
            .instance_id("i-2")
            .build();
        assert!(map_profile_association(&ctx(), &no_profile).is_none());
    }

    fn with_user_data(text: &[u8]) -> types::LaunchTemplateVersion {
        types::LaunchTemplateVersion::builder()
            .launch_template_id("lt-1")
            .launch_template_data(
                ResponseLaunchTemplateData::builder()
                    .user_data(aws_smithy_types::base64::encode(text))
                    .build(),
            )
            .build()
    }

    #[test]
    fn user_data_with_an_access_key_gives_a_hint_and_not_the_key() {
        let v = with_user_data(
            b"#!/bin/bash
aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE
",
        );
        let m = map_launch_template_version(&ctx(), "lt-1", &v);
        let hints = m.user_data_secret_hints.expect("user data was present");
        assert_eq!(hints.len(), 1);
        assert_eq!(hints[0].kind, "aws-access-key-id");
        assert!(!serde_json::to_string(&hints).unwrap().contains("AKIA"));
    }

    #[test]
    fn clean_bootstrap_user_data_gives_no_hints_and_absent_user_data_none() {
        let v = with_user_data(
            b"#!/bin/bash
set -o xtrace
/etc/eks/bootstrap.sh prod \\
  --b64-cluster-ca LS0tLS1CRUdJTg== \\
  --apiserver-endpoint https://X.gr7.us-east-1.eks.amazonaws.com
",
        );
        let m = map_launch_template_version(&ctx(), "lt-1", &v);
        assert_eq!(m.user_data_secret_hints, Some(vec![]));
        let none = types::LaunchTemplateVersion::builder()
            .launch_template_id("lt-1")
            .launch_template_data(ResponseLaunchTemplateData::builder().build())
            .build();
        assert_eq!(
            map_launch_template_version(&ctx(), "lt-1", &none).user_data_secret_hints,
            None
        );
    }

    #[test]
    fn gzip_user_data_is_marked_unreadable() {
        let v = with_user_data(&[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]);
        let m = map_launch_template_version(&ctx(), "lt-1", &v);
        let hints = m.user_data_secret_hints.expect("user data was present");
        assert_eq!(hints.len(), 1);
        assert_eq!(hints[0].kind, super::super::user_data::UNREADABLE);
    }
}
