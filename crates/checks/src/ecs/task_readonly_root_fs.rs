use eksposture_model::{ContainerDefinition, Graph};

use super::for_each_task_definition;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every task definition that an ECS service runs (current, deploying
    /// and task-set revisions; revisions no service runs and standalone
    /// `RunTask` tasks are not evaluated). **pass** when every container
    /// definition has `readonlyRootFilesystem: true`; **fail** when any
    /// container has `readonlyRootFilesystem: false` or leaves it unset:
    /// ECS omits the field when it was not set at registration, and the ECS
    /// API documents the default as `false` (a writable root filesystem), so
    /// an unset field is a writable root, not unknown data. The failing
    /// containers are named. **unknown** when the region's services or task
    /// definitions could not be listed (one finding for the region), or the
    /// task definition could not be described or came without containers.
    /// The operating system family is not read, so Windows task definitions
    /// (which do not support the parameter) are judged like Linux ones.
    ///
    /// ## Rationale
    ///
    /// A writable root filesystem lets an intruder drop tools, replace the
    /// application's binaries and persist until the task is replaced. A
    /// read-only root confines writes to declared volumes, which NIST SP
    /// 800-190 asks for and AWS FSBP ECS.5 checks.
    ///
    /// ## Remediation
    ///
    /// Register a new revision with `"readonlyRootFilesystem": true` on every
    /// container, give the paths the application writes to (`/tmp`, caches)
    /// their own volumes, and update the service to the new revision.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app", "readonly_root_filesystem": true}, {"name": "log-router"}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app", "readonly_root_filesystem": true}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"unknown": {"service": "ecs",
    ///   "region": "us-east-1", "operation": "ListClusters", "reason": "access_denied", "message": "denied"}}}}}
    /// ```
    id: "ecs-task-readonly-root-fs",
    title: "ECS containers should run with a read-only root filesystem",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Set readonlyRootFilesystem=true on every container definition, mount volumes for the paths the application writes, and redeploy the service.",
    compliance: ["AWS-FSBP:ECS.5", "NIST-800-190:4.4.3", "NIST-800-190:4.4.4", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

fn writable(c: &ContainerDefinition) -> (bool, String) {
    match c.readonly_root_filesystem {
        Some(true) => (false, "readonlyRootFilesystem=true".into()),
        Some(false) => (true, "readonlyRootFilesystem=false".into()),
        None => (
            true,
            "readonlyRootFilesystem unset, which ECS reads as false".into(),
        ),
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let (offenders, ev) = v.judge_containers(writable);
        let label = v.label();
        if offenders.is_empty() {
            let msg = format!(
                "every container of task definition {label} has a read-only root filesystem"
            );
            out.pass(v.resource(), msg, ev);
        } else {
            let msg = format!(
                "task definition {label} runs containers with a writable root filesystem: {}",
                offenders.join(", ")
            );
            out.fail(v.resource(), msg, ev);
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ecs::fixtures::{container, region, task_definition, undescribed, TD_ARN};
    use crate::testing::{self, statuses};

    fn run(containers: &[Value]) -> Vec<Finding> {
        let td = task_definition(containers, &json!(null));
        testing::run(&super::META, region(&[td]))
    }

    #[test]
    fn fails_naming_containers_left_unset_or_false_since_ecs_defaults_to_writable() {
        let f = run(&[
            container("app", &json!({"readonly_root_filesystem": true})),
            container("sidecar", &json!({"readonly_root_filesystem": false})),
            container("log-router", &json!({})),
        ]);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, TD_ARN);
        assert_eq!(
            f[0].message,
            "task definition web:3 runs containers with a writable root filesystem: \
             sidecar (readonlyRootFilesystem=false), log-router (readonlyRootFilesystem unset, which ECS reads as false)"
        );
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEcsService",
                "AwsEcsTaskDefinition",
                "AwsEcsContainerDefinition",
                "AwsEcsContainerDefinition",
                "AwsEcsContainerDefinition"
            ]
        );
    }

    #[test]
    fn passes_when_every_container_is_read_only() {
        let f = run(&[
            container("app", &json!({"readonly_root_filesystem": true})),
            container("envoy", &json!({"readonly_root_filesystem": true})),
        ]);
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_task_definition_could_not_be_described() {
        let f = testing::run(&super::META, region(&[undescribed()]));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("throttled"), "{}", f[0].message);
    }
}
