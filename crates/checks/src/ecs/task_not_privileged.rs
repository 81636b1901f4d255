use eksposture_model::{ContainerDefinition, Graph};

use super::for_each_task_definition;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every task definition that an ECS service runs (current, deploying
    /// and task-set revisions; revisions no service runs and standalone
    /// `RunTask` tasks are not evaluated). **fail** when any container
    /// definition has `privileged: true`, naming those containers;
    /// **pass** otherwise. An unset `privileged` is `false`: ECS omits the
    /// field when it was not set at registration and the ECS API documents
    /// `false` as its default (Fargate rejects `true` altogether).
    /// **unknown** when the region's services or task definitions could not
    /// be listed (one finding for the region), or the task definition could
    /// not be described or came without containers.
    ///
    /// ## Rationale
    ///
    /// A privileged container gets every Linux capability and the host's
    /// devices: it is root on the container instance, with the instance
    /// role's credentials and every other task on the host within reach.
    /// AWS FSBP ECS.4 and NIST SP 800-190 forbid it for application containers.
    ///
    /// ## Remediation
    ///
    /// Register a new revision without `"privileged": true`; grant the few
    /// capabilities the container needs with `linuxParameters.capabilities.add`
    /// instead, and update the service to the new revision.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app"}, {"name": "agent", "privileged": true}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app"}, {"name": "envoy", "privileged": false}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"unknown": {"service": "ecs", "region": "us-east-1",
    ///     "operation": "DescribeTaskDefinition", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "ecs-task-not-privileged",
    title: "ECS containers should not run privileged",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Remove privileged=true from the container definitions (add only the Linux capabilities needed) and redeploy the service.",
    compliance: ["AWS-FSBP:ECS.4", "NIST-800-190:4.4.3", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

fn privileged(c: &ContainerDefinition) -> (bool, String) {
    match c.privileged {
        Some(true) => (true, "privileged=true".into()),
        Some(false) => (false, "privileged=false".into()),
        None => (false, "privileged unset, which ECS reads as false".into()),
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let (offenders, ev) = v.judge_containers(privileged);
        let label = v.label();
        if offenders.is_empty() {
            let msg = format!("no container of task definition {label} runs privileged");
            out.pass(v.resource(), msg, ev);
        } else {
            let msg = format!(
                "task definition {label} runs privileged containers, root on their host: {}",
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

    use crate::ecs::fixtures::{container, region, task_definition, unlisted};
    use crate::testing::{self, statuses};

    fn run(containers: &[Value]) -> Vec<Finding> {
        testing::run(
            &super::META,
            region(&[task_definition(containers, &json!(null))]),
        )
    }

    #[test]
    fn fails_naming_the_privileged_container() {
        let f = run(&[
            container("app", &json!({})),
            container("agent", &json!({"privileged": true})),
        ]);
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with(": agent (privileged=true)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_privileged_is_false_or_unset_as_the_ecs_default() {
        let f = run(&[
            container("app", &json!({})),
            container("envoy", &json!({"privileged": false})),
        ]);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].evidence[2]
            .detail
            .contains("privileged unset, which ECS reads as false"));
    }

    #[test]
    fn unknown_for_a_region_whose_services_could_not_be_listed() {
        let f = testing::run(&super::META, unlisted());
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("ListServices"), "{}", f[0].message);
    }
}
