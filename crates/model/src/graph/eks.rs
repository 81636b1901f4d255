//! EKS: clusters, nodegroups and the launch-template versions they use.

use super::{ClusterView, Graph, NodegroupView};
use crate::inventory::{
    Cluster, ClusterVersionInfo, LaunchTemplateData, LaunchTemplateRef, NodegroupConfig,
};
use crate::observed::{Gap, GapReason, Observed};

/// A launch template that a nodegroup names, and the version of it in use
/// (`Unknown` when that version was not collected).
#[derive(Debug, Clone)]
pub struct LaunchTemplateUse<'a> {
    pub nodegroup: NodegroupView<'a>,
    pub template: &'a LaunchTemplateRef,
    pub data: Observed<&'a LaunchTemplateData>,
}

impl<'a> Graph<'a> {
    pub fn clusters(&self) -> impl Iterator<Item = ClusterView<'a>> + 'a {
        self.inventory.regions.iter().flat_map(|(region, data)| {
            data.clusters
                .known()
                .into_iter()
                .flatten()
                .map(move |cluster| ClusterView {
                    region: region.as_str(),
                    cluster,
                })
        })
    }

    /// Regions whose clusters could not be listed.
    pub fn cluster_listing_gaps(&self) -> impl Iterator<Item = (&'a str, &'a Gap)> + 'a {
        self.inventory
            .regions
            .iter()
            .filter_map(|(r, d)| d.clusters.gap().map(|g| (r.as_str(), g)))
    }

    pub fn cluster(&self, region: &str, name: &str) -> Option<&'a Cluster> {
        self.inventory
            .regions
            .get(region)?
            .clusters
            .known()?
            .iter()
            .find(|c| c.name == name)
    }

    pub fn nodegroups(&self) -> impl Iterator<Item = NodegroupView<'a>> + 'a {
        self.clusters().flat_map(|cv| {
            cv.cluster
                .nodegroups
                .known()
                .into_iter()
                .flatten()
                .map(move |nodegroup| NodegroupView {
                    region: cv.region,
                    cluster: cv.cluster,
                    nodegroup,
                })
        })
    }

    /// Clusters whose nodegroups could not be listed.
    pub fn nodegroup_listing_gaps(&self) -> impl Iterator<Item = (ClusterView<'a>, &'a Gap)> + 'a {
        self.clusters()
            .filter_map(|c| c.cluster.nodegroups.gap().map(|gap| (c, gap)))
    }

    /// Nodegroups that could not be described: their launch template and
    /// node role are unknown.
    pub fn nodegroup_config_gaps(&self) -> impl Iterator<Item = (NodegroupView<'a>, &'a Gap)> + 'a {
        self.nodegroups()
            .filter_map(|ng| ng.nodegroup.config.gap().map(|gap| (ng, gap)))
    }

    /// The launch-template version a nodegroup uses: `None` when the
    /// nodegroup has no launch template, `Some(Unknown)` when it has one that
    /// could not be read.
    pub fn launch_template_in_use(
        &self,
        region: &str,
        nodegroup: &NodegroupConfig,
    ) -> Option<Observed<&'a LaunchTemplateData>> {
        let lt = nodegroup.launch_template.as_ref()?;
        let data = self.inventory.regions.get(region);
        let entry = data.and_then(|d| {
            d.launch_template_versions.iter().find(|v| {
                let same_template = match (&lt.id, &v.template_id) {
                    (Some(a), Some(b)) => a == b,
                    _ => lt.name.is_some() && lt.name == v.template_name,
                };
                same_template && v.requested_version == lt.version
            })
        });
        Some(match entry {
            Some(v) => v.data.as_ref(),
            None => Observed::Unknown(Gap::new(
                "ec2",
                region,
                "DescribeLaunchTemplateVersions",
                GapReason::Error,
                format!(
                    "launch template {} version {} was not collected",
                    lt.id.as_deref().or(lt.name.as_deref()).unwrap_or("?"),
                    lt.version.as_deref().unwrap_or("$Default")
                ),
            )),
        })
    }

    /// For every described nodegroup with a launch template, the version it
    /// uses. Nodegroups without a launch template are left out: their
    /// instances carry the settings. Computed once, by [`Graph::new`].
    pub fn launch_templates_in_use(&self) -> &[LaunchTemplateUse<'a>] {
        &self.templates_in_use
    }

    pub(super) fn find_launch_templates_in_use(&self) -> Vec<LaunchTemplateUse<'a>> {
        let mut out = Vec::new();
        for nodegroup in self.nodegroups() {
            let Some(config) = nodegroup.config() else {
                continue;
            };
            let Some(template) = &config.launch_template else {
                continue;
            };
            if let Some(data) = self.launch_template_in_use(nodegroup.region, config) {
                out.push(LaunchTemplateUse {
                    nodegroup,
                    template,
                    data,
                });
            }
        }
        out
    }

    /// `DescribeClusterVersions` of a region; `None` for a region without data.
    pub fn cluster_versions(&self, region: &str) -> Option<&'a Observed<Vec<ClusterVersionInfo>>> {
        self.region(region).map(|d| &d.cluster_versions)
    }
}
