use eksposture_model::{ContainerDefinition, Graph};

use super::for_each_task_definition;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every task definition that an ECS service runs (current, deploying
    /// and task-set revisions; revisions no service runs and standalone
    /// `RunTask` tasks are not evaluated), container by container, on the
    /// user part of `user` (`user`, `user:group`, `uid`, `uid:gid`).
    /// **fail** when any container sets no `user` (it then runs as the
    /// image's `USER`, which is root unless the image says otherwise: the
    /// task definition does not keep it from running as root), or names root:
    /// `root`, uid `0` (`0`, `0:0`, `00`), `root:<group>`, or Windows'
    /// `ContainerAdministrator`. **pass** when every container names
    /// another user or non-zero uid (a non-root user with group 0 passes).
    /// **unknown** when the region's services or task definitions could not
    /// be listed (one finding for the region), or the task definition could
    /// not be described or came without containers. The operating system
    /// family is not read: Windows task definitions are judged by the same
    /// rule, where an unset user is `ContainerAdministrator`.
    ///
    /// ## Rationale
    ///
    /// Root in a container is one kernel or runtime flaw away from root on
    /// the host, and owns everything in the container. Naming a non-root
    /// user in the task definition enforces it whatever the image says
    /// (AWS FSBP ECS.20 for Linux, ECS.21 for Windows; NIST SP 800-190).
    ///
    /// ## Remediation
    ///
    /// Add a non-root user to the image and set `"user": "<uid>:<gid>"`
    /// (e.g. `1000:1000`) on every container definition, then update the
    /// service to the new revision.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app", "user": "1000:1000"}, {"name": "sidecar", "user": "0:0"}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [
    ///     {"name": "app", "user": "1000:1000"}, {"name": "envoy", "user": "envoy"}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"unknown": {"service": "ecs",
    ///   "region": "us-east-1", "operation": "DescribeServices", "reason": "throttled", "message": "rate exceeded"}}}}}
    /// ```
    id: "ecs-task-non-root-user",
    title: "ECS containers should run as a non-root user named in the task definition",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Set user to a non-root uid:gid (e.g. 1000:1000) on every container definition, with that user present in the image, and redeploy the service.",
    compliance: ["AWS-FSBP:ECS.20", "AWS-FSBP:ECS.21", "NIST-800-190:4.4.3", "PCI-DSS-4.0:2.2.6", "EKS-BPG:pods"],
}

/// Whether a container runs as root, and what its `user` says.
fn root(c: &ContainerDefinition) -> (bool, String) {
    let Some(user) = c.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return (
            true,
            "no user, so the image's default user (root unless the image sets one)".into(),
        );
    };
    let name = user.split(':').next().unwrap_or(user);
    let is_root = name == "root"
        || name.eq_ignore_ascii_case("ContainerAdministrator")
        || (!name.is_empty() && name.bytes().all(|b| b == b'0'));
    (is_root, format!("user {user:?}"))
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let (offenders, ev) = v.judge_containers(root);
        let label = v.label();
        if offenders.is_empty() {
            let msg =
                format!("every container of task definition {label} runs as a named non-root user");
            out.pass(v.resource(), msg, ev);
        } else {
            let msg = format!(
                "task definition {label} runs containers as root or does not keep them from it: {}",
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

    use crate::ecs::fixtures::{container, region, task_definition, undescribed};
    use crate::testing::{self, statuses};

    fn run(user: &Value) -> Vec<Finding> {
        let c = container("app", &json!({"user": user}));
        testing::run(&super::META, region(&[task_definition(&[c], &json!(null))]))
    }

    #[test]
    fn fails_for_root_in_every_spelling_and_for_no_user() {
        for user in [
            json!(null),
            json!("root"),
            json!("0"),
            json!("0:0"),
            json!("00:1000"),
            json!("root:app"),
            json!("ContainerAdministrator"),
        ] {
            let f = run(&user);
            assert_eq!(statuses(&f), [Status::Fail], "{user}");
        }
        let f = run(&json!(null));
        assert!(
            f[0].message.contains(
                "app (no user, so the image's default user (root unless the image sets one))"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_for_non_zero_uids_and_named_users_even_with_group_zero() {
        for user in ["1000", "1000:1000", "1000:0", "nginx", "app:root", "10"] {
            let f = run(&json!(user));
            assert_eq!(statuses(&f), [Status::Pass], "{user}");
        }
    }

    #[test]
    fn unknown_when_the_task_definition_could_not_be_described() {
        let f = testing::run(&super::META, region(&[undescribed()]));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
