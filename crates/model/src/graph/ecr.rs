//! ECR and Inspector2: repositories, images and scanning.

use std::sync::OnceLock;

use super::{Graph, RepositoryView};
use crate::inventory::{Image, Inspector, RegistryScanning, Repository, TaskDefinition};
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
