//! Resource references, evidence and the unknown findings for unread
//! collections, shared by the checks. Traversals belong to the graph
//! (`eksposture_model::graph`).

use eksposture_model::graph::{ClusterView, NodeView, NodegroupView, RepositoryView};
use eksposture_model::{ClusterConfig, Evidence, Gap, Graph, Image, Repository, ResourceRef, Role};

use crate::Findings;

pub fn cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksCluster", &c.cluster.arn, c.region)
}

pub fn cluster_evidence(c: &ClusterView<'_>) -> Evidence {
    Evidence::new(
        "AwsEksCluster",
        &c.cluster.arn,
        format!("cluster {}", c.cluster.name),
    )
}

/// Stands for "every cluster of a region" when the clusters could not be listed.
pub fn clusters_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEksCluster",
        format!(
            "arn:{}:eks:{region}:{}:cluster/*",
            g.partition(),
            g.account_id()
        ),
        region,
    )
}

/// Stands for "every repository of a region" when they could not be listed.
pub fn repositories_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEcrRepository",
        format!(
            "arn:{}:ecr:{region}:{}:repository/*",
            g.partition(),
            g.account_id()
        ),
        region,
    )
}

/// Stands for "every node instance of a cluster" when instances could not be listed.
pub fn nodes_of_cluster_ref(c: &ClusterView<'_>) -> ResourceRef {
    ResourceRef::new(
        "AwsEc2Instance",
        format!("{}/nodes/*", c.cluster.arn),
        c.region,
    )
}

pub fn nodegroup_ref(n: &NodegroupView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEksNodegroup", n.id(), n.region)
}

pub fn nodegroup_evidence(n: &NodegroupView<'_>) -> Evidence {
    Evidence::new(
        "AwsEksNodegroup",
        n.id(),
        format!(
            "nodegroup {} of cluster {}",
            n.nodegroup.name, n.cluster.name
        ),
    )
}

pub fn instance_ref(n: &NodeView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEc2Instance", &n.instance.arn, n.region)
}

pub fn instance_evidence(n: &NodeView<'_>) -> Evidence {
    let via = n
        .nodegroup_name
        .map_or_else(String::new, |ng| format!(", nodegroup {ng}"));
    Evidence::new(
        "AwsEc2Instance",
        &n.instance.arn,
        format!(
            "node {} of cluster {}{via}",
            n.instance.instance_id, n.cluster_name
        ),
    )
}

pub fn role_ref(role: &Role) -> ResourceRef {
    ResourceRef::new("AwsIamRole", &role.arn, "global")
}

pub fn repository_ref(r: &RepositoryView<'_>) -> ResourceRef {
    ResourceRef::new("AwsEcrRepository", &r.repository.arn, r.region)
}

pub fn image_ref(region: &str, repo: &Repository, image: &Image) -> ResourceRef {
    ResourceRef::new(
        "AwsEcrContainerImage",
        Graph::image_arn(repo, image),
        region,
    )
}

/// `repo:tag`, or `repo@digest` for an untagged image, for messages.
pub fn image_label(repo: &Repository, image: &Image) -> String {
    match image.tags.first() {
        Some(tag) => format!("{}:{tag}", repo.name),
        None => format!("{}@{}", repo.name, image.digest),
    }
}

/// Whether a CIDR covers every address: `0.0.0.0/0`, `::/0` or any other
/// spelling with prefix length 0.
pub fn is_world_cidr(cidr: &str) -> bool {
    cidr.trim().ends_with("/0")
}

/// Data a check needed and could not read, as one unknown finding: `what`
/// names the data and `gap` the failed read; without a gap (the data is
/// absent rather than unreadable), `what` is the whole message.
pub struct Unread {
    pub resource: ResourceRef,
    pub what: String,
    pub gap: Option<Gap>,
    pub evidence: Vec<Evidence>,
}

impl Unread {
    pub fn emit(self, out: &mut Findings) {
        match self.gap {
            Some(gap) => out.unknown(self.resource, &self.what, &gap, self.evidence),
            None => out.unknown_because(self.resource, self.what, self.evidence),
        }
    }
}

/// Where node instances could not be listed: regions whose clusters could
/// not be listed, and clusters in regions whose instances could not be.
pub fn instance_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out: Vec<Unread> = g
        .cluster_listing_gaps()
        .map(|(region, gap)| Unread {
            resource: clusters_of_region_ref(g, region),
            what: format!("the EKS clusters of region {region} (and their nodes)"),
            gap: Some(gap.clone()),
            evidence: vec![],
        })
        .collect();
    for c in g.clusters() {
        if let Some(gap) = g.instance_listing_gap(c.region) {
            out.push(Unread {
                resource: nodes_of_cluster_ref(&c),
                what: format!("the node instances of cluster {}", c.cluster.name),
                gap: Some(gap.clone()),
                evidence: vec![cluster_evidence(&c)],
            });
        }
    }
    out
}

/// cluster -> nodegroup.
pub fn nodegroup_chain(ng: &NodegroupView<'_>) -> Vec<Evidence> {
    let c = ClusterView {
        region: ng.region,
        cluster: ng.cluster,
    };
    vec![cluster_evidence(&c), nodegroup_evidence(ng)]
}

/// [`instance_gaps`], and where nodegroups could not be read: clusters whose
/// nodegroups could not be listed, nodegroups that could not be described
/// (their launch template and node role are then unknown).
pub fn node_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out = instance_gaps(g);
    push_nodegroup_read_gaps(g, &mut out);
    out
}

/// Where nodegroup configurations could not be read, for checks that judge
/// nodegroups alone (not their instances): regions whose clusters could not
/// be listed, clusters whose nodegroups could not be listed, nodegroups that
/// could not be described.
pub fn nodegroup_gaps(g: &Graph<'_>) -> Vec<Unread> {
    let mut out: Vec<Unread> = g
        .cluster_listing_gaps()
        .map(|(region, gap)| Unread {
            resource: clusters_of_region_ref(g, region),
            what: format!("the EKS clusters of region {region} (and their nodegroups)"),
            gap: Some(gap.clone()),
            evidence: vec![],
        })
        .collect();
    push_nodegroup_read_gaps(g, &mut out);
    out
}

fn push_nodegroup_read_gaps(g: &Graph<'_>, out: &mut Vec<Unread>) {
    for (c, gap) in g.nodegroup_listing_gaps() {
        out.push(Unread {
            resource: cluster_ref(&c),
            what: format!("the nodegroups of cluster {}", c.cluster.name),
            gap: Some(gap.clone()),
            evidence: vec![cluster_evidence(&c)],
        });
    }
    for (ng, gap) in g.nodegroup_config_gaps() {
        out.push(Unread {
            resource: nodegroup_ref(&ng),
            what: format!(
                "the configuration of nodegroup {} of cluster {}",
                ng.nodegroup.name, ng.cluster.name
            ),
            gap: Some(gap.clone()),
            evidence: nodegroup_chain(&ng),
        });
    }
}

/// Calls `judge` with every cluster whose `DescribeCluster` answer was read,
/// and emits an unknown finding for every region whose clusters could not be
/// listed and every cluster that could not be described.
pub fn for_each_cluster_config<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, ClusterView<'a>, &'a ClusterConfig),
) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        match c.cluster.config.as_result() {
            Ok(config) => judge(out, c, config),
            Err(gap) => {
                let what = format!("the configuration of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
            }
        }
    }
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp
/// (`2026-11-01T00:00:00Z`, `2025-11-25T16:00:00-08:00`, fractions allowed),
/// or of a bare date (`2026-03-23`, midnight UTC). `None` when it is not one.
/// Checks compare dates with the scan's `started_at`, never the clock.
pub fn unix_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let num = |s: Option<&str>| -> Option<i64> {
        let s = s?;
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = (
        num(text.get(0..4))?,
        num(text.get(5..7))?,
        num(text.get(8..10))?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let feb = if leap { 29 } else { 28 };
    let month_days = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid_date = text.get(4..5) == Some("-")
        && text.get(7..8) == Some("-")
        && (1..=12).contains(&month)
        && day >= 1
        && usize::try_from(month - 1)
            .ok()
            .and_then(|m| month_days.get(m))
            .is_some_and(|max| day <= *max);
    if !valid_date {
        return None;
    }
    // Days from 1970-01-01 (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    let time = rest.strip_prefix(['T', 't', ' '])?;
    let (hour, minute, second) = (
        num(time.get(0..2))?,
        num(time.get(3..5))?,
        num(time.get(6..8))?,
    );
    if time.get(2..3) != Some(":")
        || time.get(5..6) != Some(":")
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut zone = &time[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        zone = &fraction[digits..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (h, m) = (num(zone.get(1..3))?, num(zone.get(4..6))?);
            if zone.len() != 6 || zone.get(3..4) != Some(":") || h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod unix_seconds_tests {
    use super::unix_seconds;

    #[test]
    fn reads_utc_offsets_fractions_and_bare_dates() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-11-01T00:00:00Z"), Some(1_793_491_200));
        assert_eq!(unix_seconds("2026-11-01"), Some(1_793_491_200));
        assert_eq!(
            unix_seconds("2025-11-25T16:00:00-08:00"),
            unix_seconds("2025-11-26T00:00:00Z")
        );
        assert_eq!(
            unix_seconds("2024-02-29T12:00:00.123456+01:00"),
            unix_seconds("2024-02-29T11:00:00Z")
        );
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2025-02-29",
            "2026-11-01T00:00:00",
            "2026-11-01T24:00:00Z",
            "2026-11-01T00:00:00.Z",
            "2026-11-01T00:00:00+0100",
            "2026/11/01",
        ] {
            assert_eq!(unix_seconds(bad), None, "{bad}");
        }
    }
}
