//! ECS checks over the task definitions that ECS services run, for ECS and
//! Fargate workloads sharing the account with EKS.
//!
//! Only task definitions in use by an ECS service are evaluated: the
//! collector reads a region's services and the task definitions they run
//! (the current one, every deployment's and every task set's). Revisions no
//! service runs, and standalone tasks started with `RunTask` (scheduled
//! tasks, batch jobs), are not read and not judged. The traversal the checks
//! share lives here, so each check file states only its condition.

pub mod task_execution_role_least_privilege;
pub mod task_no_env_secrets;
pub mod task_non_root_user;
pub mod task_not_privileged;
pub mod task_readonly_root_fs;

use eksposture_model::{
    ContainerDefinition, Evidence, Graph, ResourceRef, TaskDefinition, TaskDefinitionDetail,
};

use crate::Findings;

pub const RESOURCE_TYPE: &str = "AwsEcsTaskDefinition";

/// A task definition that ECS services run, with its `DescribeTaskDefinition` answer.
#[derive(Debug, Clone, Copy)]
pub struct TaskDefView<'a> {
    pub region: &'a str,
    pub task_definition: &'a TaskDefinition,
    pub detail: &'a TaskDefinitionDetail,
}

impl TaskDefView<'_> {
    pub fn resource(&self) -> ResourceRef {
        task_definition_ref(self.region, self.task_definition)
    }

    /// `family:revision`, for messages.
    pub fn label(&self) -> String {
        match self.detail.revision {
            Some(r) if !self.detail.family.is_empty() => format!("{}:{r}", self.detail.family),
            _ => label(self.task_definition),
        }
    }

    /// The services that run it, then the task definition itself.
    pub fn evidence(&self) -> Vec<Evidence> {
        let mut ev = service_evidence(self.task_definition);
        let compat = if self.detail.requires_compatibilities.is_empty() {
            String::new()
        } else {
            format!(
                ", requiresCompatibilities {}",
                self.detail.requires_compatibilities.join(",")
            )
        };
        ev.push(Evidence::new(
            RESOURCE_TYPE,
            &self.task_definition.arn,
            format!("task definition {}{compat}", self.label()),
        ));
        ev
    }

    /// One container of the task definition, as evidence.
    pub fn container_evidence(&self, c: &ContainerDefinition, detail: &str) -> Evidence {
        Evidence::new(
            "AwsEcsContainerDefinition",
            format!("{}/container/{}", self.task_definition.arn, c.name),
            format!("container {}: {detail}", c.name),
        )
    }

    /// Judges every container: `judge` returns whether the container
    /// offends and what it has. Returns the offenders (`name (what)`) and
    /// [`Self::evidence`] followed by one entry per container.
    pub fn judge_containers(
        &self,
        judge: impl Fn(&ContainerDefinition) -> (bool, String),
    ) -> (Vec<String>, Vec<Evidence>) {
        let mut ev = self.evidence();
        let mut offenders = Vec::new();
        for c in &self.detail.containers {
            let (bad, what) = judge(c);
            if bad {
                offenders.push(format!("{} ({what})", c.name));
            }
            ev.push(self.container_evidence(c, &what));
        }
        (offenders, ev)
    }
}

pub fn task_definition_ref(region: &str, td: &TaskDefinition) -> ResourceRef {
    ResourceRef::new(RESOURCE_TYPE, &td.arn, region)
}

/// Stands for "every task definition of a region" when they could not be listed.
pub fn task_definitions_of_region_ref(g: &Graph<'_>, region: &str) -> ResourceRef {
    ResourceRef::new(
        RESOURCE_TYPE,
        format!(
            "arn:{}:ecs:{region}:{}:task-definition/*",
            g.partition(),
            g.account_id()
        ),
        region,
    )
}

/// `family:revision` from the ARN (`...:task-definition/web:3`).
fn label(td: &TaskDefinition) -> String {
    td.arn
        .rsplit_once(":task-definition/")
        .map_or_else(|| td.arn.clone(), |(_, l)| l.to_string())
}

/// The services that run a task definition. A service ARN is
/// `service/<cluster>/<name>` (or `service/<name>` in the old format).
pub fn service_evidence(td: &TaskDefinition) -> Vec<Evidence> {
    td.used_by
        .iter()
        .map(|arn| {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            Evidence::new(
                "AwsEcsService",
                arn,
                format!("service {name} runs task definition {}", label(td)),
            )
        })
        .collect()
}

/// Calls `judge` with every task definition in use whose
/// `DescribeTaskDefinition` answer was read and lists containers, and emits
/// an unknown finding for every region whose task definitions could not be
/// listed and every task definition that could not be described.
pub fn for_each_task_definition<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
    mut judge: impl FnMut(&mut Findings, TaskDefView<'a>),
) {
    for (region, tds) in g.task_definitions() {
        let tds = match tds.as_result() {
            Ok(tds) => tds,
            Err(gap) => {
                let what = format!("the ECS services and task definitions of region {region}");
                out.unknown(
                    task_definitions_of_region_ref(g, region),
                    &what,
                    gap,
                    vec![],
                );
                continue;
            }
        };
        for td in tds {
            let resource = task_definition_ref(region, td);
            match td.detail.as_result() {
                Err(gap) => {
                    let what = format!("task definition {}", label(td));
                    out.unknown(resource, &what, gap, service_evidence(td));
                }
                Ok(detail) if detail.containers.is_empty() => {
                    let msg = format!(
                        "DescribeTaskDefinition returned no container definitions for task definition {}",
                        label(td)
                    );
                    out.unknown_because(resource, msg, service_evidence(td));
                }
                Ok(detail) => judge(
                    out,
                    TaskDefView {
                        region,
                        task_definition: td,
                        detail,
                    },
                ),
            }
        }
    }
}

/// Inventory fragments for the tests of the ECS checks.
#[cfg(test)]
pub mod fixtures {
    use serde_json::{json, Value};

    pub const TD_ARN: &str = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3";
    pub const SERVICE_ARN: &str = "arn:aws:ecs:us-east-1:111122223333:service/prod/web";

    /// Task definition web:3, run by service prod/web, with these containers
    /// and the other detail fields of `detail` (an object, or null).
    pub fn task_definition(containers: &[Value], detail: &Value) -> Value {
        let mut d = json!({"family": "web", "revision": 3, "containers": containers});
        if let Value::Object(fields) = detail {
            for (k, v) in fields {
                d[k.as_str()] = v.clone();
            }
        }
        json!({"arn": TD_ARN, "used_by": [SERVICE_ARN], "detail": {"known": d}})
    }

    /// A us-east-1 region whose services run the given task definitions.
    pub fn region(task_definitions: &[Value]) -> Value {
        json!({"regions": {"us-east-1": {"ecs_task_definitions": {"known": task_definitions}}}})
    }

    /// A us-east-1 region whose services could not be listed.
    pub fn unlisted() -> Value {
        json!({"regions": {"us-east-1": {"ecs_task_definitions": {"unknown": {"service": "ecs",
            "region": "us-east-1", "operation": "ListServices", "reason": "access_denied", "message": "denied"}}}}})
    }

    /// Task definition web:3 that could not be described.
    pub fn undescribed() -> Value {
        json!({"arn": TD_ARN, "used_by": [SERVICE_ARN], "detail": {"unknown": {"service": "ecs",
            "region": "us-east-1", "operation": "DescribeTaskDefinition", "reason": "throttled", "message": "slow down"}}})
    }

    /// A container named `name` with the given fields.
    pub fn container(name: &str, fields: &Value) -> Value {
        let mut c =
            json!({"name": name, "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1"});
        if let Value::Object(fields) = fields {
            for (k, v) in fields {
                c[k.as_str()] = v.clone();
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use super::fixtures::*;
    use crate::testing::{eval, statuses};

    fn check() -> &'static crate::Check {
        crate::find("ecs-task-not-privileged").unwrap()
    }

    #[test]
    fn an_unlisted_region_is_one_unknown_for_every_task_definition_of_it() {
        let f = eval(check(), unlisted());
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:ecs:us-east-1:111122223333:task-definition/*"
        );
    }

    #[test]
    fn an_undescribed_or_empty_task_definition_is_unknown_with_its_services() {
        let empty = task_definition(&[], &json!(null));
        for td in [undescribed(), empty] {
            let f = eval(check(), region(&[td]));
            assert_eq!(statuses(&f), [Status::Unknown], "{f:#?}");
            assert_eq!(f[0].resource.id, TD_ARN);
            assert_eq!(f[0].evidence[0].id, SERVICE_ARN);
        }
    }

    #[test]
    fn a_region_without_services_yields_nothing() {
        assert!(eval(check(), region(&[])).is_empty());
    }
}
