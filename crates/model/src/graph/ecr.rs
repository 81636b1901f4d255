//! ECR and Inspector2: repositories, images and scanning.

use std::sync::OnceLock;

use super::{Graph, NodeView, RepositoryView};
use crate::inventory::{
    CoveredResource, Image, Inspector, InspectorFindingCount, RegistryScanning, Repository,
    TaskDefinition,
};
use crate::observed::{Gap, Observed};

impl<'a> Graph<'a> {
    pub fn repositories(&self) -> impl Iterator<Item = RepositoryView<'a>> + 'a {
        self.inventory.regions.iter().flat_map(|(region, data)| {
            data.repositories
                .known()
                .into_iter()
                .flatten()
                .map(move |repository| RepositoryView {
                    region: region.as_str(),
                    repository,
                })
        })
    }

    pub fn repository_listing_gaps(&self) -> impl Iterator<Item = (&'a str, &'a Gap)> + 'a {
        self.inventory
            .regions
            .iter()
            .filter_map(|(r, d)| d.repositories.gap().map(|g| (r.as_str(), g)))
    }

    /// `arn:<partition>:ecr:<region>:<account>:repository/<name>/<digest>`,
    /// the id Inspector2 and Security Hub use for an image.
    pub fn image_arn(repo: &Repository, image: &Image) -> String {
        format!("{}/{}", repo.arn, image.digest)
    }

    /// The ECR repositories of a region, with the region's name as the
    /// inventory spells it; `None` for a region without data.
    pub fn repositories_of(
        &self,
        region: &str,
    ) -> Option<(&'a str, &'a Observed<Vec<Repository>>)> {
        self.inventory
            .regions
            .get_key_value(region)
            .map(|(r, d)| (r.as_str(), &d.repositories))
    }

    /// The registry scanning configuration of a region; `None` for a region
    /// without data.
    pub fn registry_scanning(&self, region: &str) -> Option<&'a Observed<RegistryScanning>> {
        self.region(region).map(|d| &d.registry_scanning)
    }

    /// Inspector2 in a region; a region without data has nothing read.
    pub fn inspector(&self, region: &str) -> &'a Inspector {
        static ABSENT: OnceLock<Inspector> = OnceLock::new();
        self.region(region)
            .map_or_else(|| ABSENT.get_or_init(Inspector::default), |d| &d.inspector)
    }

    /// Inspector2's coverage entries for a node instance.
    pub fn inspector_coverage_of(
        &self,
        node: &NodeView<'_>,
    ) -> Result<Vec<&'a CoveredResource>, &'a Gap> {
        match &self.inspector(node.region).coverage {
            Observed::Unknown(gap) => Err(gap),
            Observed::Known(list) => Ok(list
                .iter()
                .filter(|c| names_node(&c.resource_type, &c.resource_id, node))
                .collect()),
        }
    }

    /// Inspector2's active critical and high finding counts on a node
    /// instance: `Ok(None)` when the counts were read and none is on it.
    pub fn inspector_findings_of(
        &self,
        node: &NodeView<'_>,
    ) -> Result<Option<&'a InspectorFindingCount>, &'a Gap> {
        find_read(&self.inspector(node.region).finding_counts, |c| {
            names_node(&c.resource_type, &c.resource_id, node)
        })
    }

    /// The Inspector2 coverage entry showing an image of a repository of
    /// `region` under active scanning: `Ok(None)` when coverage was read and
    /// none does.
    pub fn inspector_image_coverage(
        &self,
        region: &str,
        repo: &Repository,
        image: &Image,
    ) -> Result<Option<&'a CoveredResource>, &'a Gap> {
        find_read(&self.inspector(region).coverage, |c| {
            c.resource_type == INSPECTOR_ECR_IMAGE
                && c.scan_status.as_deref() == Some("ACTIVE")
                && names_image(&c.resource_id, repo, image)
        })
    }

    /// Inspector2's active critical and high finding counts on an image of a
    /// repository of `region`: `Ok(None)` when the counts were read and none
    /// is on it.
    pub fn inspector_image_findings(
        &self,
        region: &str,
        repo: &Repository,
        image: &Image,
    ) -> Result<Option<&'a InspectorFindingCount>, &'a Gap> {
        find_read(&self.inspector(region).finding_counts, |c| {
            c.resource_type == INSPECTOR_ECR_IMAGE && names_image(&c.resource_id, repo, image)
        })
    }

    /// The ECS task definitions that services use, by region.
    pub fn task_definitions(
        &self,
    ) -> impl Iterator<Item = (&'a str, &'a Observed<Vec<TaskDefinition>>)> + 'a {
        self.inventory
            .regions
            .iter()
            .map(|(r, d)| (r.as_str(), &d.ecs_task_definitions))
    }
}

/// The first item of a list that matches, `Ok(None)` when the list was read
/// and none does.
fn find_read<T>(list: &Observed<Vec<T>>, pred: impl Fn(&T) -> bool) -> Result<Option<&T>, &Gap> {
    list.as_result().map(|items| items.iter().find(|i| pred(i)))
}

/// Inspector2's resource type for EC2 instances (coverage and findings).
const INSPECTOR_EC2_INSTANCE: &str = "AWS_EC2_INSTANCE";

/// Inspector names an EC2 instance by its id; an ARN is accepted too.
fn names_node(resource_type: &str, resource_id: &str, node: &NodeView<'_>) -> bool {
    resource_type == INSPECTOR_EC2_INSTANCE
        && (resource_id == node.instance.instance_id || resource_id == node.instance.arn)
}

/// Inspector2's resource type for ECR images (coverage and findings).
const INSPECTOR_ECR_IMAGE: &str = "AWS_ECR_CONTAINER_IMAGE";

/// Whether an Inspector2 resource id (coverage or finding) names an image.
/// Inspector names an image by its ARN (`<repository ARN>/<digest>`); an id
/// that is just the digest, or ends with `/<digest>` under the same
/// repository name, is accepted too. The same digest in another repository
/// is a different image and does not match.
fn names_image(resource_id: &str, repo: &Repository, image: &Image) -> bool {
    let in_repo = format!("repository/{}/{}", repo.name, image.digest);
    !image.digest.is_empty()
        && (resource_id == Graph::image_arn(repo, image)
            || resource_id == image.digest
            || resource_id.ends_with(&in_repo))
}
