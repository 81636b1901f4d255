//! Real AWS shapes that verdicts once got wrong (`mocks/seed.py --account
//! shapes`, see `SHAPES` in `mocks/eksmocks/accounts.py`), read end to end
//! through the real SDK: what moto lacks is served in AWS's wire shapes by
//! `mocks/wire_layer.py`. One moto server serves every test in this file.
//!
//! The access-entry cases of the risky account are in `risky_account.rs`.
//! The account's second cluster (`shapes-configmap`) is in `CONFIG_MAP`
//! authentication mode.

use std::sync::OnceLock;

use eksposture_e2e::{findings, status_on, str_at, Scenario};
use serde_json::Value;

static SHAPES: OnceLock<Scenario> = OnceLock::new();

fn shapes() -> &'static Scenario {
    SHAPES.get_or_init(|| Scenario::start("shapes"))
}

fn seeded(pointer: &str) -> String {
    str_at(shapes().cluster("shapes"), pointer).to_string()
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{}:role/{name}", eksposture_e2e::ACCOUNT_ID)
}

#[track_caller]
fn status(check: &str, id: &str) -> String {
    status_on(&shapes().report(), check, id)
}

fn configmap_cluster() -> String {
    str_at(
        &shapes().cluster("shapes")["extra_clusters"],
        "/shapes-configmap",
    )
    .to_string()
}

/// Everything the AWS API shows is read; only the aws-auth ConfigMap of
/// the CONFIG_MAP cluster, which it does not show, may be a gap.
#[test]
fn the_shapes_account_scan_lacks_nothing_the_aws_api_shows() {
    let report = shapes().report();
    let gaps: Vec<&Value> = report["gaps"]
        .as_array()
        .expect("gaps array")
        .iter()
        .filter(|g| !(g["service"] == "kubernetes" && g["operation"] == "aws-auth"))
        .collect();
    assert!(gaps.is_empty(), "gaps: {gaps:?}");
}

/// A cluster in `CONFIG_MAP` mode: who administers it is in aws-auth, which
/// the AWS API cannot show. Not a PASS on an invented empty list of access
/// entries: unknown, with a gap that makes the scan incomplete.
#[test]
fn a_config_map_cluster_is_unknown_with_an_aws_auth_gap() {
    let report = shapes().report();
    assert_eq!(
        status("eks-cluster-admin-access-restricted", &configmap_cluster()),
        "unknown"
    );
    let gaps = eksposture_e2e::gap_keys(&report);
    assert!(
        gaps.iter()
            .any(|(service, _, operation, reason)| service == "kubernetes"
                && operation == "aws-auth"
                && reason == "not_read"),
        "no kubernetes/aws-auth gap: {gaps:?}"
    );
    assert_ne!(shapes().audit().code, Some(0), "the scan is incomplete");
}

/// `bootstrapClusterCreatorAdminPermissions=false` and a dedicated admin
/// entry made later (the terraform-aws-eks v20 pattern): the creator holds
/// nothing.
#[test]
fn an_explicit_admin_entry_is_not_the_creators() {
    assert_eq!(
        status("eks-creator-admin-removed", &seeded("/cluster/arn")),
        "pass"
    );
}

/// `IMMUTABLE_WITH_EXCLUSION` with the filter `*`: every tag is mutable.
#[test]
fn an_exclusion_filter_matching_every_tag_is_not_immutability() {
    let repo = str_at(
        &shapes().cluster("shapes")["extra_repositories"],
        "/shapes-mutable-all",
    )
    .to_string();
    assert_eq!(status("ecr-tags-immutable", &repo), "fail");
}

/// `Principal: "*"` narrowed only by `aws:PrincipalArn`
/// `arn:aws:iam::*:role/*`: any role of any account.
#[test]
fn a_wildcard_account_principal_arn_is_public() {
    let repo = str_at(
        &shapes().cluster("shapes")["extra_repositories"],
        "/shapes-any-role",
    )
    .to_string();
    assert_eq!(status("ecr-repo-not-public", &repo), "fail");
}

/// `Principal: "*"` narrowed by `aws:PrincipalOrgID`: the organization.
#[test]
fn an_organization_condition_narrows_a_star_principal() {
    let repo = str_at(
        &shapes().cluster("shapes")["extra_repositories"],
        "/shapes-org",
    )
    .to_string();
    assert_eq!(status("ecr-repo-not-public", &repo), "pass");
}

/// A load balancer controller's world-open NodePort rules (the in-tree
/// service controller's `kubernetes.io/rule/nlb/client=...`) on nodes
/// without public IPs: the load balancer's exposure, not the nodes'.
#[test]
fn load_balancer_nodeport_rules_are_no_node_exposure() {
    let report = shapes().report();
    let groups = [
        seeded("/node_security_group/arn"),
        seeded("/eks_cluster_security_group/arn"),
    ];
    for check in [
        "ec2-node-sg-no-world-ingress",
        "eks-cluster-sg-no-world-ingress",
    ] {
        let failing: Vec<&Value> = findings(&report, check)
            .into_iter()
            .filter(|f| {
                f["status"] == "fail" && groups.iter().any(|g| f["resource"]["id"] == g.as_str())
            })
            .collect();
        assert!(
            failing.is_empty(),
            "{check} fails on a load balancer's NodePort rule: {failing:?}"
        );
    }
    for instance in shapes().cluster("shapes")["instances"]
        .as_array()
        .expect("seeded instances")
    {
        assert!(
            instance["public_ip"].is_null(),
            "the nodes have no public IP: {instance}"
        );
    }
}

/// A condition on another issuer's `:sub` with a plain operator: no token
/// of this cluster's provider carries that key, so the statement cannot be
/// satisfied: not "any service account".
#[test]
fn another_issuers_sub_with_a_plain_operator_is_not_any_service_account() {
    assert_ne!(
        status("iam-irsa-trust-scoped", &role("shapes-irsa-other-issuer")),
        "fail"
    );
}

/// The same key under `StringLikeIfExists`: absent from the token, so
/// vacuously true: any service account of the provider.
#[test]
fn another_issuers_sub_with_if_exists_is_any_service_account() {
    assert_eq!(
        status(
            "iam-irsa-trust-scoped",
            &role("shapes-irsa-other-issuer-ifexists")
        ),
        "fail"
    );
}

/// Secret-like names whose values are references (a Secrets Manager ARN,
/// a URL without credentials, a file path) hold no secret.
#[test]
fn environment_references_are_not_secrets() {
    let task = str_at(shapes().cluster("shapes"), "/ecs/task_definition_arn").to_string();
    assert_eq!(status("ecs-task-no-env-secrets", &task), "pass");
}
