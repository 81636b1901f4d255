//! EC2: node instances, launch-template versions in use, security groups,
//! subnets, route tables, volumes, VPCs, and every instance-profile
//! association of the region.

mod map;
#[cfg(test)]
mod tests;
mod user_data;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use eksposture_model::graph::{ASG_NAME_TAG, CLUSTER_NAME_TAGS, CLUSTER_TAG_PREFIX};
use eksposture_model::{
    Cluster, Gap, GapReason, Instance, LaunchTemplateRef, LaunchTemplateVersion, Observed,
    ProfileAssociation, RouteTable, SecurityGroup, Subnet, Volume, Vpc,
};
use futures::future::join_all;

pub use map::{
    map_instance, map_launch_template_version, map_profile_association, map_route_table,
    map_security_group, map_subnet, map_volume, map_vpc,
};

use crate::service::Service;
use crate::Ctx;

pub const SERVICE: Service = Service {
    name: "ec2",
    concurrency: 8,
    operations: &[
        "DescribeIamInstanceProfileAssociations",
        "DescribeInstances",
        "DescribeLaunchTemplateVersions",
        "DescribeRegions",
        "DescribeRouteTables",
        "DescribeSecurityGroups",
        "DescribeSubnets",
        "DescribeVolumes",
        "DescribeVpcs",
    ],
    rest: &[],
};

/// EC2 accepts at most 200 values in one filter.
const MAX_FILTER_VALUES: usize = 200;
/// Terminated and shutting-down instances are no longer nodes.
const LIVE_STATES: [&str; 4] = ["pending", "running", "stopping", "stopped"];

pub struct Ec2Data {
    pub instances: Observed<Vec<Instance>>,
    pub launch_template_versions: Vec<LaunchTemplateVersion>,
    pub security_groups: Observed<Vec<SecurityGroup>>,
    pub subnets: Observed<Vec<Subnet>>,
    pub route_tables: Observed<Vec<RouteTable>>,
    pub volumes: Observed<Vec<Volume>>,
    pub vpcs: Observed<Vec<Vpc>>,
    pub instance_profile_associations: Observed<Vec<ProfileAssociation>>,
}

pub async fn collect(ctx: &Ctx, clusters: &Observed<Vec<Cluster>>) -> Ec2Data {
    let client = eksposture_aws::client!(aws_sdk_ec2, &ctx.sdk, ctx.region());
    collect_with(ctx, &client, clusters).await
}

/// What the EKS answers tell about where the nodes are. When the clusters
/// (or a cluster's nodegroups) are unknown, only what is known is used: the
/// EKS-managed tags still find managed nodes of every cluster.
#[derive(Debug, Default)]
struct NodeTargets {
    cluster_names: Vec<String>,
    asg_names: Vec<String>,
    launch_templates: Vec<LaunchTemplateRef>,
}

impl NodeTargets {
    fn from_clusters(clusters: &Observed<Vec<Cluster>>) -> Self {
        let mut names = BTreeSet::new();
        let mut asgs = BTreeSet::new();
        let mut templates = Vec::new();
        for c in clusters.known().into_iter().flatten() {
            names.insert(c.name.clone());
            for ng in c.nodegroups.known().into_iter().flatten() {
                if let Some(cfg) = ng.config.known() {
                    asgs.extend(cfg.autoscaling_groups.iter().cloned());
                    templates.extend(cfg.launch_template.clone());
                }
            }
        }
        NodeTargets {
            cluster_names: names.into_iter().collect(),
            asg_names: asgs.into_iter().collect(),
            launch_templates: templates,
        }
    }
}

pub async fn collect_with(
    ctx: &Ctx,
    client: &Client,
    clusters: &Observed<Vec<Cluster>>,
) -> Ec2Data {
    let targets = NodeTargets::from_clusters(clusters);
    let nodes = async {
        let instances = instances(ctx, client, &targets).await;
        let volumes = match &instances {
            Observed::Known(list) => volumes(ctx, client, list).await,
            Observed::Unknown(g) => Observed::Unknown(g.clone()),
        };
        (instances, volumes)
    };
    let (
        (instances, volumes),
        launch_template_versions,
        security_groups,
        subnets,
        route_tables,
        vpcs,
        instance_profile_associations,
    ) = tokio::join!(
        nodes,
        launch_template_versions(ctx, client, &targets.launch_templates),
        security_groups(ctx, client),
        subnets(ctx, client),
        route_tables(ctx, client),
        vpcs(ctx, client),
        profile_associations(ctx, client),
    );
    Ec2Data {
        instances,
        launch_template_versions,
        security_groups,
        subnets,
        route_tables,
        volumes,
        vpcs,
        instance_profile_associations,
    }
}

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Node instances: those carrying an EKS cluster tag, plus those launched by a
/// nodegroup's Auto Scaling group. EC2 Auto Scaling tags every instance it
/// launches with `aws:autoscaling:groupName`, so managed-nodegroup instances
/// are found through their groups without calling the Auto Scaling API.
/// Either query failing makes the whole list unknown: a partial node list
/// would let a check pass nodes it never saw.
async fn instances(ctx: &Ctx, client: &Client, t: &NodeTargets) -> Observed<Vec<Instance>> {
    let mut tag_keys: Vec<String> = CLUSTER_NAME_TAGS.iter().map(ToString::to_string).collect();
    tag_keys.extend(
        t.cluster_names
            .iter()
            .map(|n| format!("{CLUSTER_TAG_PREFIX}{n}")),
    );
    let mut queries: Vec<Filter> = tag_keys
        .chunks(MAX_FILTER_VALUES)
        .map(|c| filter("tag-key", c))
        .collect();
    queries.extend(
        t.asg_names
            .chunks(MAX_FILTER_VALUES)
            .map(|c| filter(&format!("tag:{ASG_NAME_TAG}"), c)),
    );
    let states: Vec<String> = LIVE_STATES.iter().map(ToString::to_string).collect();
    let query = |f: Filter| {
        let states = filter("instance-state-name", &states);
        async move {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_instances()
                .filters(states)
                .filters(f)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
        }
    };
    let mut by_id = BTreeMap::new();
    for result in join_all(queries.into_iter().map(query)).await {
        match result {
            Ok(reservations) => {
                for i in reservations
                    .iter()
                    .flat_map(aws_sdk_ec2::types::Reservation::instances)
                {
                    if let Some(m) = map_instance(ctx, i) {
                        by_id.insert(m.instance_id.clone(), m);
                    }
                }
            }
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeInstances", &e)),
        }
    }
    Observed::Known(by_id.into_values().collect())
}

async fn volumes(ctx: &Ctx, client: &Client, nodes: &[Instance]) -> Observed<Vec<Volume>> {
    let ids: Vec<String> = nodes.iter().map(|i| i.instance_id.clone()).collect();
    let query = |chunk: &[String]| {
        let f = filter("attachment.instance-id", chunk);
        async move {
            let _permit = ctx.limits.permit(&SERVICE).await;
            client
                .describe_volumes()
                .filters(f)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
        }
    };
    let mut by_id = BTreeMap::new();
    for result in join_all(ids.chunks(MAX_FILTER_VALUES).map(query)).await {
        match result {
            Ok(list) => {
                for v in list.iter().filter_map(|v| map_volume(ctx, v)) {
                    by_id.insert(v.volume_id.clone(), v);
                }
            }
            Err(e) => return Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeVolumes", &e)),
        }
    }
    Observed::Known(by_id.into_values().collect())
}

async fn security_groups(ctx: &Ctx, client: &Client) -> Observed<Vec<SecurityGroup>> {
    let _permit = ctx.limits.permit(&SERVICE).await;
    match client
        .describe_security_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => {
            let mut v: Vec<_> = list
                .iter()
                .filter_map(|g| map_security_group(ctx, g))
                .collect();
            v.sort_by(|a, b| a.group_id.cmp(&b.group_id));
            v.dedup_by(|a, b| a.group_id == b.group_id);
            Observed::Known(v)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeSecurityGroups", &e)),
    }
}

async fn subnets(ctx: &Ctx, client: &Client) -> Observed<Vec<Subnet>> {
    let _permit = ctx.limits.permit(&SERVICE).await;
    match client
        .describe_subnets()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => {
            let mut v: Vec<_> = list.iter().filter_map(|s| map_subnet(ctx, s)).collect();
            v.sort_by(|a, b| a.subnet_id.cmp(&b.subnet_id));
            v.dedup_by(|a, b| a.subnet_id == b.subnet_id);
            Observed::Known(v)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeSubnets", &e)),
    }
}

async fn route_tables(ctx: &Ctx, client: &Client) -> Observed<Vec<RouteTable>> {
    let _permit = ctx.limits.permit(&SERVICE).await;
    match client
        .describe_route_tables()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => {
            let mut v: Vec<_> = list.iter().filter_map(map_route_table).collect();
            v.sort_by(|a, b| a.route_table_id.cmp(&b.route_table_id));
            v.dedup_by(|a, b| a.route_table_id == b.route_table_id);
            Observed::Known(v)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeRouteTables", &e)),
    }
}

async fn vpcs(ctx: &Ctx, client: &Client) -> Observed<Vec<Vpc>> {
    let _permit = ctx.limits.permit(&SERVICE).await;
    match client
        .describe_vpcs()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => {
            let mut v: Vec<_> = list.iter().filter_map(|x| map_vpc(ctx, x)).collect();
            v.sort_by(|a, b| a.vpc_id.cmp(&b.vpc_id));
            v.dedup_by(|a, b| a.vpc_id == b.vpc_id);
            Observed::Known(v)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(SERVICE.name, "DescribeVpcs", &e)),
    }
}

/// Every instance of the region with an instance profile, EKS node or not.
/// Disassociated entries (EC2 lists them for a while after the profile was
/// removed) are left out: they no longer give the instance the role. The
/// state is filtered here rather than with a `state` filter so the
/// transitional `associating` and `disassociating` entries, whose instances
/// hold or are about to hold the role, are kept.
async fn profile_associations(ctx: &Ctx, client: &Client) -> Observed<Vec<ProfileAssociation>> {
    let _permit = ctx.limits.permit(&SERVICE).await;
    match client
        .describe_iam_instance_profile_associations()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => {
            let mut v: Vec<_> = list
                .iter()
                .filter_map(|a| map_profile_association(ctx, a))
                .filter(|a| a.state.as_deref() != Some("disassociated"))
                .collect();
            v.sort_by(|a, b| {
                (&a.instance_id, &a.instance_profile_arn)
                    .cmp(&(&b.instance_id, &b.instance_profile_arn))
            });
            v.dedup_by(|a, b| {
                a.instance_id == b.instance_id && a.instance_profile_arn == b.instance_profile_arn
            });
            Observed::Known(v)
        }
        Err(e) => Observed::Unknown(ctx.sdk_gap(
            SERVICE.name,
            "DescribeIamInstanceProfileAssociations",
            &e,
        )),
    }
}

/// How a nodegroup names its template: by id when it gives one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TemplateKey {
    Id(String),
    Name(String),
}

/// The versions the nodegroups use, one entry per (template, requested
/// version), with one `DescribeLaunchTemplateVersions` call per template.
async fn launch_template_versions(
    ctx: &Ctx,
    client: &Client,
    refs: &[LaunchTemplateRef],
) -> Vec<LaunchTemplateVersion> {
    // Per template: the reference as first seen (for its id and name) and
    // the versions asked for (`None`: the default version).
    let mut groups: BTreeMap<TemplateKey, (LaunchTemplateRef, BTreeSet<Option<String>>)> =
        BTreeMap::new();
    let mut out = Vec::new();
    for r in refs {
        let key = match (&r.id, &r.name) {
            (Some(id), _) => TemplateKey::Id(id.clone()),
            (None, Some(name)) => TemplateKey::Name(name.clone()),
            (None, None) => {
                out.push(LaunchTemplateVersion {
                    template_id: None,
                    template_name: None,
                    requested_version: r.version.clone(),
                    data: Observed::Unknown(ctx.gap(
                        SERVICE.name,
                        "DescribeLaunchTemplateVersions",
                        GapReason::Error,
                        "a nodegroup names a launch template without id or name",
                    )),
                });
                continue;
            }
        };
        groups
            .entry(key)
            .or_insert_with(|| (r.clone(), BTreeSet::new()))
            .1
            .insert(r.version.clone());
    }
    let fetch = |(key, (r, versions)): (
        TemplateKey,
        (LaunchTemplateRef, BTreeSet<Option<String>>),
    )| async move {
        let asked: BTreeSet<&str> = versions
            .iter()
            .map(|v| v.as_deref().unwrap_or("$Default"))
            .collect();
        let mut req = client.describe_launch_template_versions();
        req = match &key {
            TemplateKey::Id(id) => req.launch_template_id(id),
            TemplateKey::Name(name) => req.launch_template_name(name),
        };
        for v in asked {
            req = req.versions(v);
        }
        let result = {
            let _permit = ctx.limits.permit(&SERVICE).await;
            req.into_paginator().items().send().try_collect().await
        };
        let found: Result<Vec<_>, Gap> =
            result.map_err(|e| ctx.sdk_gap(SERVICE.name, "DescribeLaunchTemplateVersions", &e));
        let fallback_id = r.id.clone().unwrap_or_default();
        versions
            .into_iter()
            .map(|requested| {
                let data = match &found {
                    Err(g) => Observed::Unknown(g.clone()),
                    Ok(list) => match pick_version(list, requested.as_deref()) {
                        Some(v) => {
                            Observed::Known(map_launch_template_version(ctx, &fallback_id, v))
                        }
                        None => Observed::Unknown(ctx.gap(
                            SERVICE.name,
                            "DescribeLaunchTemplateVersions",
                            GapReason::Error,
                            format!(
                                "launch template {} version {} was not in the response",
                                r.id.as_deref().or(r.name.as_deref()).unwrap_or("?"),
                                requested.as_deref().unwrap_or("$Default")
                            ),
                        )),
                    },
                };
                let known = data.known();
                LaunchTemplateVersion {
                    template_id: r
                        .id
                        .clone()
                        .or_else(|| known.map(|d| d.template_id.clone())),
                    template_name: r
                        .name
                        .clone()
                        .or_else(|| known.and_then(|d| d.template_name.clone())),
                    requested_version: requested,
                    data,
                }
            })
            .collect::<Vec<_>>()
    };
    for entries in join_all(groups.into_iter().map(fetch)).await {
        out.extend(entries);
    }
    out.sort_by(|a, b| {
        (&a.template_id, &a.template_name, &a.requested_version).cmp(&(
            &b.template_id,
            &b.template_name,
            &b.requested_version,
        ))
    });
    out
}

/// The version in `list` that answers `requested`: a version number,
/// `$Default` (also when absent) or `$Latest`.
fn pick_version<'a>(
    list: &'a [aws_sdk_ec2::types::LaunchTemplateVersion],
    requested: Option<&str>,
) -> Option<&'a aws_sdk_ec2::types::LaunchTemplateVersion> {
    match requested.unwrap_or("$Default") {
        "$Default" => list.iter().find(|v| v.default_version == Some(true)),
        "$Latest" => list
            .iter()
            .filter(|v| v.version_number.is_some())
            .max_by_key(|v| v.version_number),
        n => {
            let n: i64 = n.parse().ok()?;
            list.iter().find(|v| v.version_number == Some(n))
        }
    }
}
