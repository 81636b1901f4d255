//! Every check, sorted by id. Adding a check: create its file, add its module
//! to the service's `mod.rs`, and list it here (a test fails otherwise).

use crate::Check;

macro_rules! registry {
    ($($($seg:ident)::+),* $(,)?) => {
        pub static CHECKS: &[Check] = &[
            $(Check { meta: &crate::$($seg)::+::META, evaluate: crate::$($seg)::+::evaluate }),*
        ];
    };
}

registry![
    ec2::node_ebs_encrypted,
    ec2::node_imds_hop_limit,
    ec2::node_imdsv2_required,
    ec2::node_no_public_ip,
    ec2::node_role_not_shared,
    ec2::node_sg_no_world_ingress,
    ec2::node_user_data_no_secrets,
    ecr::images_no_critical_vulns,
    ecr::images_scanned,
    ecr::lifecycle_policy,
    ecr::repo_kms_encrypted,
    ecr::repo_not_public,
    ecr::scan_on_push_enabled,
    ecr::tags_immutable,
    ecs::task_execution_role_least_privilege,
    ecs::task_no_env_secrets,
    ecs::task_non_root_user,
    ecs::task_not_privileged,
    ecs::task_readonly_root_fs,
    eks::audit_logging_enabled,
    eks::auth_mode_api,
    eks::cluster_admin_access_restricted,
    eks::cluster_role_dedicated,
    eks::cluster_sg_no_world_ingress,
    eks::creator_admin_removed,
    eks::default_vpc_not_used,
    eks::deletion_protection_enabled,
    eks::endpoint_not_open_to_world,
    eks::endpoint_private,
    eks::irsa_provider_registered,
    eks::log_retention,
    eks::network_policy_enforced,
    eks::nodegroup_ssh_restricted,
    eks::pod_identity_trust_scoped,
    eks::secrets_encrypted,
    eks::secrets_key_healthy,
    eks::version_supported,
    iam::fargate_pod_role_least_privilege,
    iam::irsa_trust_scoped,
    iam::node_role_least_privilege,
    iam::node_role_no_cni_policy,
    iam::workload_role_least_privilege,
    inspector::enabled,
    inspector::nodes_covered,
    inspector::nodes_no_critical_findings,
    kubernetes::namespace_default_not_used,
    kubernetes::namespace_network_policy,
    kubernetes::namespace_pod_security_enforced,
    kubernetes::pod_capabilities_dropped,
    kubernetes::pod_image_tag_pinned,
    kubernetes::pod_no_added_capabilities,
    kubernetes::pod_no_host_namespaces,
    kubernetes::pod_no_privilege_escalation,
    kubernetes::pod_no_secrets_in_env,
    kubernetes::pod_no_sensitive_host_path,
    kubernetes::pod_non_root,
    kubernetes::pod_not_privileged,
    kubernetes::pod_readonly_root_fs,
    path::irsa_wildcard_to_broad_role,
    path::pod_to_node_role,
    path::public_node_with_broad_role,
    path::vulnerable_image_in_use,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::CHECKS;
    use crate::testing::run_example;

    #[test]
    fn ids_are_unique_and_sorted() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.meta.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "CHECKS must be sorted by id, without duplicates"
        );
    }

    #[test]
    fn ids_match_their_file_paths() {
        for c in CHECKS {
            let rel = c.meta.file.split("src/").last().unwrap();
            let id = rel.trim_end_matches(".rs").replace(['/', '_'], "-");
            assert_eq!(
                c.meta.id, id,
                "{} is declared in {}",
                c.meta.id, c.meta.file
            );
        }
    }

    /// `(service, file name)` of every file that declares a check: each
    /// folder of `src/` is a service, and a file in it is a check when it
    /// invokes `declare_check!` (the others are the service's helpers).
    fn check_files() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        for service in std::fs::read_dir(&root).unwrap() {
            let service = service.unwrap().path();
            if !service.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&service).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                if text.lines().any(|l| l.starts_with("declare_check! {")) {
                    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().to_string();
                    out.push((name(&service), name(&file)));
                }
            }
        }
        out
    }

    #[test]
    fn every_check_file_is_registered() {
        let registered: BTreeSet<String> = CHECKS.iter().map(|c| c.meta.id.to_string()).collect();
        let files = check_files();
        for (service, name) in &files {
            let id = format!(
                "{service}-{}",
                name.trim_end_matches(".rs").replace('_', "-")
            );
            assert!(
                registered.contains(&id),
                "{service}/{name} is not listed in registry.rs"
            );
        }
        assert_eq!(files.len(), CHECKS.len(), "{files:?}");
    }

    #[test]
    fn docs_have_every_section_and_metadata_is_filled() {
        for c in CHECKS {
            let doc = c.meta.documentation();
            for section in [
                "## What it checks",
                "## Rationale",
                "## Remediation",
                "## Examples",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", c.meta.id);
            }
            assert!(
                !c.meta.title.is_empty() && c.meta.title.contains("should"),
                "{}: title should be a 'should' sentence",
                c.meta.id
            );
            assert!(
                !c.meta.remediation.is_empty(),
                "{}: no remediation",
                c.meta.id
            );
            assert!(
                !c.meta.compliance.is_empty(),
                "{}: no compliance references",
                c.meta.id
            );
        }
    }

    #[test]
    fn attack_paths_are_the_checks_of_the_path_folder() {
        for c in CHECKS {
            assert_eq!(
                c.meta.kind.is_attack_path(),
                c.meta.id.starts_with("path-"),
                "{} is declared as {:?}",
                c.meta.id,
                c.meta.kind
            );
        }
    }

    #[test]
    fn compliance_references_exist_in_their_catalogues() {
        for c in CHECKS {
            for r in c.meta.compliance {
                assert!(
                    crate::compliance::lookup(r).is_some(),
                    "{}: unknown control {r}",
                    c.meta.id
                );
            }
        }
    }

    #[test]
    fn every_check_documents_fail_pass_and_unknown_examples() {
        for c in CHECKS {
            let kinds: BTreeSet<String> = c.meta.examples().into_iter().map(|(k, _)| k).collect();
            for k in ["fail", "pass", "unknown"] {
                assert!(kinds.contains(k), "{} has no `json,{k}` example", c.meta.id);
            }
        }
    }

    #[test]
    fn documented_examples_hold() {
        for c in CHECKS {
            for (kind, json) in c.meta.examples() {
                run_example(c, &kind, &json);
            }
        }
    }
}
