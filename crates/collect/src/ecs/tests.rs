//! The ECS collector: the pure mappings with the SDK builders, and the call
//! sequence (paging, batching, failures) against mocked responses.

use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_task_definition::{
    DescribeTaskDefinitionError, DescribeTaskDefinitionOutput,
};
use aws_sdk_ecs::operation::list_clusters::ListClustersOutput;
use aws_sdk_ecs::operation::list_services::{ListServicesError, ListServicesOutput};
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, Deployment, Failure, KeyValuePair, NetworkMode, Secret,
    Service, TaskDefinition,
};
use aws_sdk_ecs::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::{GapReason, Observed, SecretHint};

use crate::Ctx;

const CLUSTER: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod";
const SECRET_VALUE: &str = "hunter2-correct-horse";

fn ctx() -> Ctx {
    crate::testutil::ctx("eu-west-1", "123456789012")
}

fn client(rules: &[&Rule]) -> Client {
    eksposture_aws::mock_client!(aws_sdk_ecs, "eu-west-1", rules)
}

fn service_arn(name: &str) -> String {
    format!("arn:aws:ecs:eu-west-1:123456789012:service/prod/{name}")
}

fn td_arn(family: &str, revision: i32) -> String {
    format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/{family}:{revision}")
}

fn risky_container() -> ContainerDefinition {
    ContainerDefinition::builder()
        .name("app")
        .image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1")
        .privileged(true)
        .readonly_root_filesystem(false)
        .user("0")
        .environment(
            KeyValuePair::builder()
                .name("DB_PASSWORD")
                .value(SECRET_VALUE)
                .build(),
        )
        .environment(
            KeyValuePair::builder()
                .name("LOG_LEVEL")
                .value("debug")
                .build(),
        )
        .secrets(
            Secret::builder()
                .name("API_TOKEN")
                .value_from("arn:aws:ssm:eu-west-1:123456789012:parameter/api-token")
                .build()
                .unwrap(),
        )
        .build()
}

#[test]
fn references_under_secret_names_give_no_hint_but_a_url_password_does() {
    let env = |name: &str, value: &str| KeyValuePair::builder().name(name).value(value).build();
    let c = ContainerDefinition::builder()
        .name("app")
        .environment(env(
            "DB_SECRET_ARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
        ))
        .environment(env("DB_PASSWORD_FILE", "/run/secrets/db_password"))
        .environment(env("TOKEN_URL", "https://auth.example.com/oauth2/token"))
        .environment(env("DATABASE_URL", "postgres://app:hunter2@db:5432/app"))
        .environment(env("API_KEY", "AKIAIOSFODNN7EXAMPLE"))
        .build();
    let c = super::map::container(&c);
    let hints: Vec<(&str, &str)> = c
        .environment_secret_hints
        .iter()
        .map(|h| (h.location.as_str(), h.kind.as_str()))
        .collect();
    assert_eq!(
        hints,
        [
            ("API_KEY", "secret-named-variable"),
            ("DATABASE_URL", "url-credentials")
        ]
    );
}

#[test]
fn container_keeps_settings_and_env_names_but_never_env_values() {
    let td = TaskDefinition::builder()
        .task_definition_arn(td_arn("web", 7))
        .family("web")
        .revision(7)
        .task_role_arn("arn:aws:iam::123456789012:role/web-task")
        .execution_role_arn("arn:aws:iam::123456789012:role/web-exec")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .container_definitions(risky_container())
        .build();
    let detail = super::map::task_definition(&td);
    assert_eq!(detail.family, "web");
    assert_eq!(detail.revision, Some(7));
    assert_eq!(
        detail.task_role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/web-task")
    );
    assert_eq!(
        detail.execution_role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/web-exec")
    );
    assert_eq!(detail.network_mode.as_deref(), Some("awsvpc"));
    assert_eq!(detail.requires_compatibilities, ["FARGATE"]);
    let [c] = detail.containers.as_slice() else {
        panic!("one container expected: {detail:?}");
    };
    assert_eq!(c.name, "app");
    assert_eq!(c.privileged, Some(true));
    assert_eq!(c.readonly_root_filesystem, Some(false));
    assert_eq!(c.user.as_deref(), Some("0"));
    assert_eq!(c.environment_names, ["DB_PASSWORD", "LOG_LEVEL"]);
    assert_eq!(
        c.environment_secret_hints,
        [SecretHint {
            kind: "secret-named-variable".into(),
            location: "DB_PASSWORD".into(),
        }]
    );
    assert_eq!(c.secret_refs, ["API_TOKEN"]);

    let json = serde_json::to_string(&detail).unwrap();
    assert!(
        !json.contains(SECRET_VALUE) && !json.contains("debug"),
        "an environment value reached the inventory: {json}"
    );
}

#[test]
fn settings_ecs_omits_stay_unknown() {
    let td = TaskDefinition::builder()
        .family("bare")
        .container_definitions(ContainerDefinition::builder().name("c").build())
        .build();
    let detail = super::map::task_definition(&td);
    assert_eq!(
        detail.revision, None,
        "an absent revision is not revision 0"
    );
    assert_eq!(detail.network_mode, None);
    assert_eq!(detail.task_role_arn, None);
    let c = &detail.containers[0];
    assert_eq!(c.privileged, None);
    assert_eq!(c.readonly_root_filesystem, None);
    assert_eq!(c.user, None);
    assert!(c.environment_names.is_empty() && c.secret_refs.is_empty());
}

#[test]
fn a_service_runs_its_deployments_task_definitions_too() {
    let s = Service::builder()
        .service_arn(service_arn("web"))
        .task_definition(td_arn("web", 8))
        .deployments(
            Deployment::builder()
                .task_definition(td_arn("web", 8))
                .build(),
        )
        .deployments(
            Deployment::builder()
                .task_definition(td_arn("web", 7))
                .build(),
        )
        .build();
    assert_eq!(
        super::map::service_task_definitions(&s),
        [td_arn("web", 7), td_arn("web", 8)]
    );
}

fn one_cluster() -> Rule {
    mock!(Client::list_clusters)
        .then_output(|| ListClustersOutput::builder().cluster_arns(CLUSTER).build())
}

/// `DescribeServices` answering for whatever it is asked: each service runs
/// task definition `<service name>:1`.
fn describe_any_services() -> Rule {
    mock!(Client::describe_services).then_compute_output(|req| {
        let mut out = DescribeServicesOutput::builder();
        for arn in req.services() {
            let name = arn.rsplit('/').next().unwrap_or_default();
            out = out.services(
                Service::builder()
                    .service_arn(arn)
                    .status("ACTIVE")
                    .task_definition(td_arn(name, 1))
                    .build(),
            );
        }
        out.build()
    })
}

fn describe_any_task_definition() -> Rule {
    mock!(Client::describe_task_definition).then_compute_output(|req| {
        let arn = req.task_definition().unwrap_or_default().to_string();
        let family = arn
            .rsplit('/')
            .next()
            .and_then(|f| f.split(':').next())
            .unwrap_or_default()
            .to_string();
        DescribeTaskDefinitionOutput::builder()
            .task_definition(
                TaskDefinition::builder()
                    .task_definition_arn(&arn)
                    .family(family)
                    .revision(1)
                    .container_definitions(risky_container())
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn list_services_access_denied_makes_the_whole_list_unknown() {
    let ctx = ctx();
    let clusters = one_cluster();
    let denied = mock!(Client::list_services).then_error(|| {
        ListServicesError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform ecs:ListServices")
                .build(),
        )
    });
    let got = super::collect_with(&ctx, &client(&[&clusters, &denied])).await;
    let gap = got.gap().expect("task definitions must be unknown");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(
        (gap.service.as_str(), gap.operation.as_str()),
        ("ecs", "ListServices")
    );
    assert_eq!(ctx.gaps.take(), std::slice::from_ref(gap));
}

#[tokio::test]
async fn twelve_services_are_described_in_two_batches() {
    let ctx = ctx();
    let clusters = one_cluster();
    let names: Vec<String> = (0..12).map(|i| format!("svc{i:02}")).collect();
    let listed: Vec<String> = names.iter().map(|n| service_arn(n)).collect();
    let (first, second) = listed.split_at(7);
    let (first, second) = (first.to_vec(), second.to_vec());
    let page1 = mock!(Client::list_services)
        .match_requests(|r| r.next_token().is_none() && r.cluster() == Some(CLUSTER))
        .then_output(move || {
            ListServicesOutput::builder()
                .set_service_arns(Some(first.clone()))
                .next_token("p2")
                .build()
        });
    let page2 = mock!(Client::list_services)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(move || {
            ListServicesOutput::builder()
                .set_service_arns(Some(second.clone()))
                .build()
        });
    let services = describe_any_services();
    let defs = describe_any_task_definition();
    let got = super::collect_with(
        &ctx,
        &client(&[&clusters, &page1, &page2, &services, &defs]),
    )
    .await;
    assert_eq!(
        services.num_calls(),
        2,
        "12 services: one call of 10, one of 2"
    );
    let list = got.known().expect("task definitions known");
    let arns: Vec<&str> = list.iter().map(|t| t.arn.as_str()).collect();
    let expected: Vec<String> = names.iter().map(|n| td_arn(n, 1)).collect();
    assert_eq!(arns, expected);
    assert!(list.iter().all(|t| t.detail.is_known()));
    assert_eq!(list[0].used_by, [service_arn("svc00")]);
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn a_failed_task_definition_describe_leaves_the_others_known() {
    let ctx = ctx();
    let clusters = one_cluster();
    let listed = mock!(Client::list_services).then_output(|| {
        ListServicesOutput::builder()
            .service_arns(service_arn("api"))
            .service_arns(service_arn("web"))
            .build()
    });
    let services = describe_any_services();
    let denied = mock!(Client::describe_task_definition)
        .match_requests(|r| r.task_definition() == Some(td_arn("api", 1).as_str()))
        .then_error(|| {
            DescribeTaskDefinitionError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized")
                    .build(),
            )
        });
    let defs = describe_any_task_definition();
    let got = super::collect_with(
        &ctx,
        &client(&[&clusters, &listed, &services, &denied, &defs]),
    )
    .await;
    let list = got.known().expect("the list stays known");
    assert_eq!(list.len(), 2);
    let gap = list[0].detail.gap().expect("api's detail is unknown");
    assert_eq!(list[0].arn, td_arn("api", 1));
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(gap.operation, "DescribeTaskDefinition");
    assert!(gap.message.contains(&td_arn("api", 1)), "{}", gap.message);
    assert_eq!(list[0].used_by, [service_arn("api")]);
    let web = list[1].detail.known().expect("web's detail is known");
    assert_eq!(web.family, "web");
    assert_eq!(ctx.gaps.take().len(), 1);
}

#[tokio::test]
async fn services_sharing_a_task_definition_and_deployments_are_merged() {
    let ctx = ctx();
    let clusters = one_cluster();
    let listed = mock!(Client::list_services).then_output(|| {
        ListServicesOutput::builder()
            .service_arns(service_arn("a"))
            .service_arns(service_arn("b"))
            .service_arns(service_arn("gone"))
            .build()
    });
    let services = mock!(Client::describe_services).then_output(|| {
        DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_arn(service_arn("b"))
                    .status("ACTIVE")
                    .task_definition(td_arn("shared", 2))
                    .deployments(
                        Deployment::builder()
                            .task_definition(td_arn("shared", 1))
                            .build(),
                    )
                    .build(),
            )
            .services(
                Service::builder()
                    .service_arn(service_arn("a"))
                    .status("ACTIVE")
                    .task_definition(td_arn("shared", 2))
                    .build(),
            )
            // Deleted between ListServices and DescribeServices.
            .failures(
                Failure::builder()
                    .arn(service_arn("gone"))
                    .reason("MISSING")
                    .build(),
            )
            .build()
    });
    let defs = describe_any_task_definition();
    let got = super::collect_with(&ctx, &client(&[&clusters, &listed, &services, &defs])).await;
    let list = got.known().expect("known");
    let summary: Vec<(&str, Vec<&str>)> = list
        .iter()
        .map(|t| {
            (
                t.arn.as_str(),
                t.used_by.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                td_arn("shared", 1).as_str(),
                vec![service_arn("b").as_str()]
            ),
            (
                td_arn("shared", 2).as_str(),
                vec![service_arn("a").as_str(), service_arn("b").as_str()]
            ),
        ]
    );
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn a_service_that_could_not_be_described_makes_the_list_unknown() {
    let ctx = ctx();
    let clusters = one_cluster();
    let listed = mock!(Client::list_services).then_output(|| {
        ListServicesOutput::builder()
            .service_arns(service_arn("a"))
            .build()
    });
    let services = mock!(Client::describe_services).then_output(|| {
        DescribeServicesOutput::builder()
            .failures(
                Failure::builder()
                    .arn(service_arn("a"))
                    .reason("INTERNAL_ERROR")
                    .build(),
            )
            .build()
    });
    let got = super::collect_with(&ctx, &client(&[&clusters, &listed, &services])).await;
    let gap = got.gap().expect("unknown");
    assert_eq!(gap.operation, "DescribeServices");
    assert!(gap.message.contains("INTERNAL_ERROR"), "{}", gap.message);
}

#[tokio::test]
async fn a_repeated_page_token_makes_the_list_unknown() {
    let ctx = ctx();
    let clusters = mock!(Client::list_clusters).then_output(|| {
        ListClustersOutput::builder()
            .cluster_arns(CLUSTER)
            .next_token("same")
            .build()
    });
    let got = super::collect_with(&ctx, &client(&[&clusters])).await;
    let gap = got.gap().expect("unknown");
    assert_eq!(gap.operation, "ListClusters");
    assert_eq!(gap.reason, GapReason::Error);
    assert_eq!(clusters.num_calls(), 2);
}

#[tokio::test]
async fn no_clusters_is_a_known_empty_list() {
    let ctx = ctx();
    let clusters =
        mock!(Client::list_clusters).then_output(|| ListClustersOutput::builder().build());
    let got = super::collect_with(&ctx, &client(&[&clusters])).await;
    assert_eq!(got, Observed::Known(vec![]));
}
