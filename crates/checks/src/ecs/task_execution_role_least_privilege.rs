use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, Status};
use eksposture_policy::power::Power;

use super::for_each_task_definition;
use crate::emit::gap_evidence;
use crate::iam::{role_evidence, role_power, PowerVerdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// The execution role of every task definition that an ECS service runs
    /// (current, deploying and task-set revisions; revisions no service runs
    /// and standalone `RunTask` tasks are not evaluated). The execution role
    /// is what the ECS agent uses to pull images, write logs and fetch the
    /// `secrets` it injects; AWS's `AmazonECSTaskExecutionRolePolicy`
    /// (ECR pull, `logs:CreateLogStream`, `logs:PutLogEvents`) is the
    /// baseline. Its policies are judged like every role in eksposture
    /// (`iam-node-role-least-privilege`): by their documents, with
    /// permissions boundary and unconditional `Deny`s applied.
    /// **fail** when the same role is also the task definition's task role
    /// (the application's containers then hold the execution role's pull,
    /// log and secret-read permissions), or when it grants administrator
    /// access, a whole-service wildcard (`s3:*`, `iam:*`, ...) on every
    /// resource, or a sensitive action on every resource of its type:
    /// `secretsmanager:GetSecretValue`, `ssm:GetParameter(s)`, `kms:Decrypt`,
    /// `s3:GetObject`, ECR push, `iam:PassRole` and the other privilege
    /// escalations. Reading the secrets and parameters a task injects is
    /// fine when the statement names their ARNs; on `*` it hands every
    /// secret of the account to whoever may register a task definition with
    /// this role. **pass** when the task definition has no execution role,
    /// or the role is not the task role and every policy was read and grants
    /// none of the above. **unknown** when the role list, the role or one of
    /// its policies or its permissions boundary could not be read and
    /// nothing above already fails it, and when the region's services or the
    /// task definition could not be read.
    ///
    /// ## Rationale
    ///
    /// Whoever can pass the execution role to a task definition (or run a
    /// task with it) gets everything it grants fed into a container. An
    /// execution role reused as the task role gives the application, and
    /// anyone who compromises it, the registry and secret access meant for
    /// the agent.
    ///
    /// ## Remediation
    ///
    /// Attach only `AmazonECSTaskExecutionRolePolicy` plus statements that
    /// name the exact secret, parameter and KMS key ARNs the task injects;
    /// give the application a separate task role.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "web-exec", "arn": "arn:aws:iam::111122223333:role/web-exec",
    ///   "inline_policies": [{"name": "secrets", "document": {"known": {"Statement": {"Effect": "Allow",
    ///     "Action": "secretsmanager:GetSecretValue", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3,
    ///     "execution_role_arn": "arn:aws:iam::111122223333:role/web-exec", "containers": [{"name": "app"}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "web-exec", "arn": "arn:aws:iam::111122223333:role/web-exec",
    ///   "inline_policies": [{"name": "secrets", "document": {"known": {"Statement": {"Effect": "Allow",
    ///     "Action": "secretsmanager:GetSecretValue",
    ///     "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:web/db-AbCdEf"}}}}]}]}},
    ///  "regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "task_role_arn": "arn:aws:iam::111122223333:role/web",
    ///     "execution_role_arn": "arn:aws:iam::111122223333:role/web-exec", "containers": [{"name": "app"}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"unknown": {"service": "iam", "region": "global",
    ///   "operation": "GetAccountAuthorizationDetails", "reason": "access_denied", "message": "denied"}}},
    ///  "regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3,
    ///     "execution_role_arn": "arn:aws:iam::111122223333:role/web-exec", "containers": [{"name": "app"}]}}}]}}}}
    /// ```
    id: "ecs-task-execution-role-least-privilege",
    title: "ECS task execution roles should only pull images, write logs and read the task's own secrets, and should not double as task roles",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Limit the execution role to AmazonECSTaskExecutionRolePolicy plus reads of the exact secret, parameter and key ARNs the task injects, and give the application its own task role.",
    compliance: ["NIST-800-190:4.3.1", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2"],
}

/// Whether two role ARNs name the same role (IAM role names are unique).
fn same_role(g: &Graph<'_>, first: &str, second: &str) -> bool {
    first == second
        || match (g.role(first), g.role(second)) {
            (Lookup::Found(one), Lookup::Found(other)) => std::ptr::eq(one, other),
            _ => false,
        }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let label = v.label();
        let mut ev = v.evidence();
        let Some(exec) = v.detail.execution_role_arn.as_deref() else {
            let msg = format!("task definition {label} has no execution role");
            out.pass(v.resource(), msg, ev);
            return;
        };
        let shared = v
            .detail
            .task_role_arn
            .as_deref()
            .is_some_and(|t| same_role(g, t, exec));
        // (status, what the role grants) from its policies.
        let (status, grants) = match g.role(exec) {
            Lookup::Found(role) => {
                let power = role_power(g, role);
                let name = &role.role_name;
                ev.push(role_evidence(role, format!("execution role {name}")));
                ev.extend(power.evidence(role));
                let read = if power.read.is_empty() {
                    "no policies".to_string()
                } else {
                    power.read.join(", ")
                };
                match power.verdict() {
                    Power::OverBroad if power.unreadable.is_empty() => (Status::Fail, format!("execution role {name} grants {}", power.describe())),
                    Power::OverBroad => (Status::Fail, format!("execution role {name} grants {} (also unread: {})", power.describe(), power.unread_summary())),
                    Power::WithinBaseline => (Status::Pass, format!("execution role {name} grants no administrator access, service wildcard or sensitive action on every resource ({read})")),
                    Power::Unknown if power.risky.is_empty() => (Status::Unknown, format!("execution role {name} could not be fully read: {}", power.unread_summary())),
                    Power::Unknown => (Status::Unknown, format!("execution role {name} grants {}, but {} could not be read", power.describe(), power.unread_summary())),
                }
            }
            Lookup::Unknown(gap) => {
                ev.push(gap_evidence(gap));
                (
                    Status::Unknown,
                    format!("the IAM roles could not be read, so execution role {exec} is unknown"),
                )
            }
            Lookup::Missing => (
                Status::Unknown,
                format!("execution role {exec} is not in the account's role list"),
            ),
        };
        if shared {
            let detail = "also the task role: the application's own credentials";
            ev.push(Evidence::new("AwsIamRole", exec, detail));
            let msg = format!(
                "task definition {label} uses {exec} as both execution role and task role, so its containers hold the agent's image-pull, log and secret-read permissions; {grants}"
            );
            out.fail(v.resource(), msg, ev);
        } else {
            out.emit(
                status,
                v.resource(),
                format!("task definition {label}: {grants}"),
                ev,
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ecs::fixtures::{container, region, task_definition};
    use crate::iam::fixtures::allow;
    use crate::testing::{self, statuses};

    const EXEC: &str = "arn:aws:iam::111122223333:role/web-exec";
    const TASK_POLICY: &str =
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

    /// The real AWS-managed document (default version v1, as AWS and moto ship it).
    fn ecs_task_execution_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"]}]})
    }

    /// Role web-exec with the AWS-managed execution policy and these inline
    /// documents; `roles` null for an unreadable role list.
    fn run(inline: &[Value], task_role: Option<&str>, readable: bool) -> Vec<Finding> {
        let inline: Vec<Value> = inline
            .iter()
            .enumerate()
            .map(|(i, d)| json!({"name": format!("p{i}"), "document": {"known": d}}))
            .collect();
        let roles = if readable {
            json!({"known": [{"role_name": "web-exec", "arn": EXEC, "attached_policy_arns": [TASK_POLICY],
                "inline_policies": inline}]})
        } else {
            testing::denied("iam", "global", "GetAccountAuthorizationDetails")
        };
        let td = task_definition(
            &[container("app", &json!({}))],
            &json!({"execution_role_arn": EXEC, "task_role_arn": task_role}),
        );
        let mut inv = region(&[td]);
        inv["iam"] = json!({"roles": roles, "managed_policies": [{"arn": TASK_POLICY,
            "name": "AmazonECSTaskExecutionRolePolicy", "document": {"known": ecs_task_execution_policy()}}]});
        testing::run(&super::META, inv)
    }

    #[test]
    fn passes_with_the_real_managed_policy_and_reads_of_named_secrets_parameters_and_key() {
        let scoped = json!({"Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:web/db-AbCdEf"},
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "arn:aws:ssm:us-east-1:111122223333:parameter/web/*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234"}]});
        let f = run(&[scoped], Some("arn:aws:iam::111122223333:role/web"), true);
        assert_eq!(statuses(&f), [Status::Pass], "{f:#?}");
    }

    #[test]
    fn fails_when_secrets_or_parameters_are_readable_on_any_resource() {
        for doc in [
            allow("secretsmanager:GetSecretValue", "*"),
            allow("ssm:GetParameters", "*"),
        ] {
            let f = run(&[doc], None, true);
            assert_eq!(statuses(&f), [Status::Fail]);
            assert!(f[0].message.contains("on any"), "{}", f[0].message);
        }
    }

    #[test]
    fn fails_when_the_execution_role_is_also_the_task_role_even_unread() {
        for readable in [true, false] {
            let f = run(&[], Some(EXEC), readable);
            assert_eq!(statuses(&f), [Status::Fail], "{f:#?}");
            assert!(f[0].message.contains("both execution role and task role"));
        }
    }

    #[test]
    fn unknown_when_the_roles_could_not_be_read_and_pass_without_an_execution_role() {
        assert_eq!(statuses(&run(&[], None, false)), [Status::Unknown]);
        let td = task_definition(&[container("app", &json!({}))], &json!(null));
        let f = testing::run(&super::META, region(&[td]));
        assert_eq!(statuses(&f), [Status::Pass]);
    }
}
