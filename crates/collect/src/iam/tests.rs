//! Error paths and pagination of the IAM collector against mocked responses.

use aws_sdk_iam::operation::get_account_authorization_details::{
    GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
};
use aws_sdk_iam::operation::get_policy::{GetPolicyError, GetPolicyOutput};
use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
use aws_sdk_iam::operation::list_open_id_connect_providers::ListOpenIdConnectProvidersOutput;
use aws_sdk_iam::types::{
    AttachedPolicy, EntityType, OpenIdConnectProviderListEntry, Policy, PolicyVersion, RoleDetail,
};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_types::error::ErrorMetadata;
use eksposture_model::GapReason;

use crate::Ctx;

fn ctx() -> Ctx {
    crate::testutil::ctx("us-east-1", "123456789012")
}

fn client(rules: &[&Rule]) -> Client {
    eksposture_aws::mock_client!(aws_sdk_iam, "us-east-1", rules)
}

fn no_oidc_providers() -> Rule {
    mock!(Client::list_open_id_connect_providers)
        .then_output(|| ListOpenIdConnectProvidersOutput::builder().build())
}

fn role(name: &str, attached: &[&str]) -> RoleDetail {
    let mut b = RoleDetail::builder()
        .role_name(name)
        .arn(format!("arn:aws:iam::123456789012:role/{name}"))
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#);
    for a in attached {
        b = b.attached_managed_policies(AttachedPolicy::builder().policy_arn(*a).build());
    }
    b.build()
}

#[tokio::test]
async fn gaad_access_denied_leaves_roles_unknown_and_records_a_global_gap() {
    let denied = mock!(Client::get_account_authorization_details).then_error(|| {
        GetAccountAuthorizationDetailsError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform iam:GetAccountAuthorizationDetails")
                .build(),
        )
    });
    let oidc = mock!(Client::list_open_id_connect_providers).then_output(|| {
        ListOpenIdConnectProvidersOutput::builder()
            .open_id_connect_provider_list(
                OpenIdConnectProviderListEntry::builder()
                    .arn("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/B")
                    .build(),
            )
            .open_id_connect_provider_list(
                OpenIdConnectProviderListEntry::builder()
                    .arn("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/A")
                    .build(),
            )
            .build()
    });
    let ctx = ctx();
    let iam = super::collect_with(&ctx, &client(&[&denied, &oidc])).await;

    let gap = iam.roles.gap().expect("roles must be unknown");
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(gap.region, "global");
    assert_eq!(gap.service, "iam");
    assert_eq!(gap.operation, "GetAccountAuthorizationDetails");
    assert_eq!(iam.instance_profiles.gap(), Some(gap));
    assert!(iam.managed_policies.is_empty());
    assert_eq!(ctx.gaps.take(), vec![gap.clone()]);

    let providers = iam
        .oidc_providers
        .known()
        .expect("OIDC providers are read independently");
    let urls: Vec<&str> = providers.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "oidc.eks.us-east-1.amazonaws.com/id/A",
            "oidc.eks.us-east-1.amazonaws.com/id/B"
        ]
    );
}

#[tokio::test]
async fn gaad_is_read_across_pages_by_marker() {
    let pages = mock!(Client::get_account_authorization_details)
        .match_requests(|req| {
            req.filter().contains(&EntityType::Role)
                && req.filter().contains(&EntityType::LocalManagedPolicy)
                && req.max_items() == Some(1000)
        })
        .then_compute_output(|req| match req.marker() {
            None => GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role("zeta", &[]))
                .is_truncated(true)
                .marker("page-2")
                .build(),
            Some("page-2") => GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(role("alpha", &[]))
                .is_truncated(false)
                .build(),
            Some(other) => panic!("unexpected marker {other}"),
        });
    let oidc = no_oidc_providers();
    let ctx = ctx();
    let iam = super::collect_with(&ctx, &client(&[&pages, &oidc])).await;

    let names: Vec<&str> = iam
        .roles
        .known()
        .unwrap()
        .iter()
        .map(|r| r.role_name.as_str())
        .collect();
    assert_eq!(names, vec!["alpha", "zeta"], "both pages, sorted by arn");
    assert_eq!(pages.num_calls(), 2);
    assert!(ctx.gaps.take().is_empty());
}

#[tokio::test]
async fn truncated_page_without_marker_is_a_gap_not_a_short_list() {
    let page = mock!(Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(role("a", &[]))
            .is_truncated(true)
            .build()
    });
    let oidc = no_oidc_providers();
    let ctx = ctx();
    let iam = super::collect_with(&ctx, &client(&[&page, &oidc])).await;
    assert_eq!(iam.roles.gap().unwrap().reason, GapReason::Error);
}

#[tokio::test]
async fn aws_managed_policies_are_fetched_and_failures_stay_unknown() {
    const WORKER: &str = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy";
    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
    let gaad = mock!(Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(role("node", &[WORKER, ADMIN]))
            .role_detail_list(role("other", &[WORKER]))
            .build()
    });
    let get_worker = mock!(Client::get_policy)
        .match_requests(|req| req.policy_arn() == Some(WORKER))
        .then_output(|| {
            GetPolicyOutput::builder()
                .policy(
                    Policy::builder()
                        .policy_name("AmazonEKSWorkerNodePolicy")
                        .arn(WORKER)
                        .default_version_id("v7")
                        .build(),
                )
                .build()
        });
    let get_admin = mock!(Client::get_policy)
        .match_requests(|req| req.policy_arn() == Some(ADMIN))
        .then_error(|| {
            GetPolicyError::generic(ErrorMetadata::builder().code("AccessDenied").build())
        });
    // moto returns this document as plain JSON, real IAM URL-encoded.
    let version = mock!(Client::get_policy_version)
        .match_requests(|req| req.policy_arn() == Some(WORKER) && req.version_id() == Some("v7"))
        .then_output(|| {
            GetPolicyVersionOutput::builder()
                .policy_version(
                    PolicyVersion::builder()
                        .version_id("v7")
                        .is_default_version(true)
                        .document("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ec2%3ADescribe*%22%7D%5D%7D")
                        .build(),
                )
                .build()
        });
    let oidc = no_oidc_providers();
    let ctx = ctx();
    let iam = super::collect_with(
        &ctx,
        &client(&[&gaad, &get_worker, &get_admin, &version, &oidc]),
    )
    .await;

    assert_eq!(
        get_worker.num_calls(),
        1,
        "each distinct policy is fetched once"
    );
    let policies = &iam.managed_policies;
    assert_eq!(policies.len(), 2);
    assert_eq!(policies[0].arn, ADMIN);
    assert_eq!(policies[0].name, "AdministratorAccess");
    assert_eq!(
        policies[0].document.gap().unwrap().reason,
        GapReason::AccessDenied
    );
    assert_eq!(policies[0].document.gap().unwrap().operation, "GetPolicy");
    assert_eq!(policies[1].arn, WORKER);
    assert_eq!(policies[1].default_version_id.as_deref(), Some("v7"));
    assert_eq!(
        policies[1].document.known().unwrap()["Statement"][0]["Action"],
        "ec2:Describe*"
    );
    let gaps = ctx.gaps.take();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].region, "global");
}

/// A China-partition account as real IAM answers GAAD: role and instance
/// profile ARNs with paths, the trust policy URL-encoded, an AWS-managed
/// policy under `arn:aws-cn:iam::aws:policy/`.
#[tokio::test]
async fn china_partition_role_with_paths_and_encoded_trust_is_read_verbatim() {
    const ROLE: &str = "arn:aws-cn:iam::123456789012:role/eks/nodes/node-role";
    const PROFILE: &str = "arn:aws-cn:iam::123456789012:instance-profile/eks/nodes/node-profile";
    const WORKER: &str = "arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodePolicy";
    let gaad = mock!(Client::get_account_authorization_details).then_output(|| {
        GetAccountAuthorizationDetailsOutput::builder()
            .role_detail_list(
                RoleDetail::builder()
                    .role_name("node-role")
                    .path("/eks/nodes/")
                    .arn(ROLE)
                    .assume_role_policy_document(
                        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com.cn%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
                    )
                    .attached_managed_policies(AttachedPolicy::builder().policy_arn(WORKER).build())
                    .instance_profile_list(
                        aws_sdk_iam::types::InstanceProfile::builder()
                            .path("/eks/nodes/")
                            .instance_profile_name("node-profile")
                            .instance_profile_id("AIPA")
                            .arn(PROFILE)
                            .create_date(aws_smithy_types::DateTime::from_secs(0))
                            .set_roles(Some(Vec::new()))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    });
    let get_worker = mock!(Client::get_policy)
        .match_requests(|req| req.policy_arn() == Some(WORKER))
        .then_output(|| {
            GetPolicyOutput::builder()
                .policy(
                    Policy::builder()
                        .arn(WORKER)
                        .default_version_id("v1")
                        .build(),
                )
                .build()
        });
    let version = mock!(Client::get_policy_version)
        .match_requests(|req| req.policy_arn() == Some(WORKER))
        .then_output(|| {
            GetPolicyVersionOutput::builder()
                .policy_version(
                    PolicyVersion::builder()
                        .version_id("v1")
                        .document(r#"{"Statement":[]}"#)
                        .build(),
                )
                .build()
        });
    let oidc = no_oidc_providers();
    let mut ctx = ctx();
    ctx.region = "cn-north-1".into();
    ctx.partition = "aws-cn".into();
    let iam = super::collect_with(&ctx, &client(&[&gaad, &get_worker, &version, &oidc])).await;

    let role = &iam.roles.known().unwrap()[0];
    assert_eq!(role.arn, ROLE);
    assert_eq!(role.path.as_deref(), Some("/eks/nodes/"));
    assert_eq!(
        role.trust_policy.known().unwrap()["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com.cn"
    );
    assert_eq!(role.attached_policy_arns, vec![WORKER]);
    assert_eq!(role.instance_profile_arns, vec![PROFILE]);
    let profiles = iam.instance_profiles.known().unwrap();
    assert_eq!(profiles[0].arn, PROFILE);
    assert_eq!(profiles[0].role_arns, vec![ROLE]);
    assert_eq!(iam.managed_policies.len(), 1);
    assert_eq!(iam.managed_policies[0].arn, WORKER);
    assert_eq!(iam.managed_policies[0].name, "AmazonEKSWorkerNodePolicy");
    assert!(iam.managed_policies[0].document.is_known());
    assert!(ctx.gaps.take().is_empty());
}

#[test]
fn documents_are_decoded_by_the_policy_rule_and_must_be_objects() {
    use super::map::document;
    use eksposture_model::Observed;
    let plain = document(Some(r#"{"Version":"2012-10-17"}"#), "GetRole", "trust");
    assert!(matches!(plain, Observed::Known(ref v) if v["Version"] == "2012-10-17"));
    let encoded = document(Some("%7B%22Sid%22%3A%22a+b%22%7D"), "GetRole", "trust");
    assert!(matches!(encoded, Observed::Known(ref v) if v["Sid"] == "a+b"));
    for bad in ["[1,2]", "%22text%22", "not json", ""] {
        let Observed::Unknown(gap) = document(Some(bad), "GetRole", "trust") else {
            panic!("{bad:?} must not decode");
        };
        assert_eq!(gap.operation, "GetRole");
        assert!(gap.message.starts_with("trust: "), "{}", gap.message);
    }
    assert!(document(None, "GetRole", "trust").gap().is_some());
}
