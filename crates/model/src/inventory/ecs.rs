//! ECS: the task definitions that services run.

use serde::{Deserialize, Serialize};

use super::SecretHint;
use crate::observed::Observed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDefinition {
    pub arn: String,
    /// ECS services (ARNs) that run this task definition.
    pub used_by: Vec<String>,
    /// `DescribeTaskDefinition`.
    pub detail: Observed<TaskDefinitionDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDefinitionDetail {
    pub family: String,
    pub revision: Option<i32>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub network_mode: Option<String>,
    pub requires_compatibilities: Vec<String>,
    pub containers: Vec<ContainerDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: Option<String>,
    /// ECS omits these when unset; unset means `false` per the ECS API.
    pub privileged: Option<bool>,
    pub readonly_root_filesystem: Option<bool>,
    /// `None`: the image's default user (often root).
    pub user: Option<String>,
    /// Names of plain `environment` variables (values are not kept).
    pub environment_names: Vec<String>,
    /// Plain environment variables that look like credentials.
    pub environment_secret_hints: Vec<SecretHint>,
    /// Names of `secrets` entries (Secrets Manager / SSM references: the right way).
    pub secret_refs: Vec<String>,
}
