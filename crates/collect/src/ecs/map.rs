//! Pure mappings from ECS SDK types to the inventory model.

use aws_sdk_ecs::types::{ContainerDefinition as SdkContainer, Service, TaskDefinition};
use eksposture_model::{secrets, ContainerDefinition, TaskDefinitionDetail};

/// The task definitions a service runs: its current one, the one of every
/// deployment (a rolling deployment runs the old and the new revision side
/// by side until it completes) and the one of every task set (services with
/// the `EXTERNAL` or `CODE_DEPLOY` controller run their tasks through task
/// sets). Sorted, without duplicates.
pub(crate) fn service_task_definitions(s: &Service) -> Vec<String> {
    let mut arns: Vec<String> = s
        .task_definition()
        .into_iter()
        .chain(s.deployments().iter().filter_map(|d| d.task_definition()))
        .chain(s.task_sets().iter().filter_map(|t| t.task_definition()))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    arns.sort();
    arns.dedup();
    arns
}

pub(crate) fn task_definition(td: &TaskDefinition) -> TaskDefinitionDetail {
    TaskDefinitionDetail {
        family: td.family().unwrap_or_default().to_string(),
        // The SDK reads an absent revision as 0; ECS numbers revisions from 1.
        revision: Some(td.revision()).filter(|r| *r > 0),
        task_role_arn: td.task_role_arn().map(str::to_string),
        execution_role_arn: td.execution_role_arn().map(str::to_string),
        network_mode: td.network_mode().map(|m| m.as_str().to_string()),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        containers: td.container_definitions().iter().map(container).collect(),
    }
}

/// A container definition. Plain `environment` values are read only to be
/// scanned for credentials and are never kept: the inventory is written to
/// disk, and a value found in it would leak the very secret a check reports.
/// `privileged`, `readonlyRootFilesystem` and `user` stay `None` when ECS
/// omits them (it does when they were not set at registration).
pub(crate) fn container(c: &SdkContainer) -> ContainerDefinition {
    let mut environment_names = Vec::new();
    let mut environment_secret_hints = Vec::new();
    for kv in c.environment() {
        let name = kv.name().unwrap_or_default();
        environment_names.push(name.to_string());
        if let Some(hint) = secrets::scan_env(name, kv.value().unwrap_or_default()) {
            environment_secret_hints.push(hint);
        }
    }
    environment_names.sort();
    environment_secret_hints.sort();
    let mut secret_refs: Vec<String> = c.secrets().iter().map(|s| s.name().to_string()).collect();
    secret_refs.sort();
    ContainerDefinition {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().map(str::to_string),
        privileged: c.privileged(),
        readonly_root_filesystem: c.readonly_root_filesystem(),
        user: c.user().map(str::to_string),
        environment_names,
        environment_secret_hints,
        secret_refs,
    }
}
