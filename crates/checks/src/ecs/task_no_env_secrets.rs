use eksposture_model::{ContainerDefinition, Graph};

use super::for_each_task_definition;
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every task definition that an ECS service runs (current, deploying
    /// and task-set revisions; revisions no service runs and standalone
    /// `RunTask` tasks are not evaluated). **fail** when a plain
    /// `environment` variable of any container looks like a credential: its
    /// name holds a secret word (`password`, `secret`, `token`, `api_key`,
    /// `credential`, ...) and it has a literal value that is neither a
    /// switch (`true`, `false`, `yes`, `no`, `on`, `off`, `enabled`,
    /// `disabled`) nor a reference, or its value looks like an AWS access key id, a private
    /// key, a known API token format or a URL with credentials in it (a
    /// password in `user:password@`, or a `password`, `token`, `key`, `sig`,
    /// `X-Amz-Signature`... query parameter). References name where a
    /// credential lives without holding it and are not flagged: an ARN
    /// (`arn:aws:secretsmanager:...`, `arn:aws:ssm:...`), an absolute path
    /// (a mounted secret file such as `/run/secrets/db`, or an SSM parameter
    /// name such as `/prod/db/password`), and a URL without credentials
    /// (`https://vault.example.com/v1/secret/db`); a path or URL segment
    /// that reads like a generated token (a webhook token, a base64 key
    /// that starts with `/`) keeps the value a secret, and so does a
    /// relative name (`prod/db`), which cannot be told from a password.
    /// The collector scans the values and keeps only the variable's name and
    /// the kind of credential; findings name the variables, never a value.
    /// **pass** when no variable does (references in `secrets`, resolved
    /// from Secrets Manager or SSM Parameter Store at launch, are the right
    /// way and are not flagged). **unknown** when the region's services or
    /// task definitions could not be listed (one finding for the region),
    /// or the task definition could not be described or came without
    /// containers. `environmentFiles` in S3 are not read.
    ///
    /// ## Rationale
    ///
    /// Environment values are stored in clear text in the task definition:
    /// anyone allowed `ecs:DescribeTaskDefinition` reads them, every
    /// revision keeps them forever, and they show in the console. AWS FSBP
    /// ECS.8 and PCI DSS 8.6.2 forbid credentials there.
    ///
    /// ## Remediation
    ///
    /// Store the value in Secrets Manager or SSM Parameter Store, reference it
    /// from the container's `secrets` (`{"name": "DB_PASSWORD", "valueFrom":
    /// "<secret ARN>"}`), rotate the exposed credential, and deregister the
    /// revisions that hold it.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "environment_names": ["DB_PASSWORD", "LOG_LEVEL"],
    ///     "environment_secret_hints": [{"kind": "secret-named-variable", "location": "DB_PASSWORD"}]}]}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "environment_names": ["LOG_LEVEL"], "secret_refs": ["DB_PASSWORD"]}]}}}]}}}}
    /// ```
    ///
    /// Variables whose values were references (`DB_SECRET_ARN` an ARN,
    /// `DB_PASSWORD_FILE` a path) carry no hint, and a `DATABASE_URL` with a
    /// password in it does:
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "environment_names": ["DB_PASSWORD_FILE", "DB_SECRET_ARN"]}]}}}]}}}}
    /// ```
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": [{"name": "app",
    ///     "environment_names": ["DATABASE_URL", "DB_SECRET_ARN"],
    ///     "environment_secret_hints": [{"kind": "url-credentials", "location": "DATABASE_URL"}]}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"ecs_task_definitions": {"known": [{
    ///   "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    ///   "used_by": ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"],
    ///   "detail": {"known": {"family": "web", "revision": 3, "containers": []}}}]}}}}
    /// ```
    id: "ecs-task-no-env-secrets",
    title: "ECS task definitions should not pass credentials in plain environment variables",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEcsTaskDefinition",
    remediation: "Move the credential to Secrets Manager or SSM Parameter Store, reference it from the container's secrets, rotate it, and deregister the revisions that hold it.",
    compliance: ["AWS-FSBP:ECS.8", "NIST-800-190:4.1.4", "PCI-DSS-4.0:8.3.2", "PCI-DSS-4.0:8.6.2", "EKS-BPG:data"],
}

fn env_secrets(c: &ContainerDefinition) -> (bool, String) {
    let refs = if c.secret_refs.is_empty() {
        String::new()
    } else {
        format!("; secrets references: {}", c.secret_refs.join(", "))
    };
    if c.environment_secret_hints.is_empty() {
        let n = c.environment_names.len();
        return (
            false,
            format!("{n} plain environment variables, none holding a credential{refs}"),
        );
    }
    let vars: Vec<String> = c
        .environment_secret_hints
        .iter()
        .map(|h| format!("{} ({})", h.location, h.kind))
        .collect();
    (
        true,
        format!(
            "credentials in plain environment variables {}{refs}",
            vars.join(", ")
        ),
    )
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_task_definition(g, out, |out, v| {
        let (offenders, ev) = v.judge_containers(env_secrets);
        let label = v.label();
        if offenders.is_empty() {
            let msg = format!(
                "no container of task definition {label} passes a credential in a plain environment variable"
            );
            out.pass(v.resource(), msg, ev);
        } else {
            let msg = format!(
                "task definition {label} stores credentials in clear text, readable by anyone allowed DescribeTaskDefinition; use secrets references instead: {}",
                offenders.join(", ")
            );
            out.fail(v.resource(), msg, ev);
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::ecs::fixtures::{container, region, task_definition, unlisted};
    use crate::testing::{self, statuses};

    #[test]
    fn fails_naming_the_variables_and_kinds_never_values() {
        let app = container(
            "app",
            &json!({"environment_names": ["AWS_ACCESS_KEY_ID", "DB_PASSWORD", "LOG_LEVEL"],
            "environment_secret_hints": [{"kind": "aws-access-key-id", "location": "AWS_ACCESS_KEY_ID"},
                {"kind": "secret-named-variable", "location": "DB_PASSWORD"}]}),
        );
        let td = task_definition(&[app, container("envoy", &json!({}))], &json!(null));
        let f = testing::run(&super::META, region(&[td]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with(
                ": app (credentials in plain environment variables AWS_ACCESS_KEY_ID (aws-access-key-id), \
                 DB_PASSWORD (secret-named-variable))"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_secrets_references_and_says_so() {
        let app = container(
            "app",
            &json!({"environment_names": ["LOG_LEVEL"], "secret_refs": ["DB_PASSWORD"]}),
        );
        let f = testing::run(
            &super::META,
            region(&[task_definition(&[app], &json!(null))]),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(
            f[0].evidence[2].detail,
            "container app: 1 plain environment variables, none holding a credential; secrets references: DB_PASSWORD"
        );
    }

    #[test]
    fn references_pass_and_a_url_with_a_password_fails() {
        // The collector gave no hint for values that were references.
        let refs = container(
            "app",
            &json!({"environment_names": ["DB_PASSWORD_FILE", "DB_SECRET_ARN", "TOKEN_URL"]}),
        );
        let f = testing::run(
            &super::META,
            region(&[task_definition(&[refs], &json!(null))]),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        let url = container(
            "app",
            &json!({"environment_names": ["DATABASE_URL"],
                "environment_secret_hints": [{"kind": "url-credentials", "location": "DATABASE_URL"}]}),
        );
        let f = testing::run(
            &super::META,
            region(&[task_definition(&[url], &json!(null))]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("DATABASE_URL (url-credentials))"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_for_a_region_whose_services_could_not_be_listed() {
        assert_eq!(
            statuses(&testing::run(&super::META, unlisted())),
            [Status::Unknown]
        );
    }
}
