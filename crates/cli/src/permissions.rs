//! `eksposture permissions`: the least-privilege IAM policy, derived from
//! the operations the services, the session and the sinks declare
//! (`eksposture_collect::SERVICES`, `eksposture_aws`, `eksposture_sinks`),
//! never kept by hand.

use anyhow::anyhow;
use eksposture_aws::ASSUME_ROLE_OPERATIONS;
use eksposture_collect::ORGANIZATION_OPERATIONS;
use serde_json::{json, Value};

use crate::args::PermissionsArgs;
use eksposture_audit::exit::{usage, Failure, Outcome};
use eksposture_audit::output;

pub fn print(args: &PermissionsArgs) -> Result<Outcome, Failure> {
    if args.kubernetes {
        output::print(&kubernetes_role()).map_err(usage)?;
        return Ok(Outcome::Clean);
    }
    let policy = policy(args).map_err(usage)?;
    let mut text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    text.push('\n');
    output::print(&text).map_err(usage)?;
    Ok(Outcome::Clean)
}

/// The read role of the clusters' own API, from the one table of kinds the
/// reader lists (`eksposture_kube::kinds`): get and list, never Secrets.
pub fn kubernetes_role() -> String {
    let group = eksposture_kube::kinds::READERS_GROUP;
    format!(
        "# eksposture's read access to a cluster's Kubernetes API: apply with\n\
         #   eksposture permissions --kubernetes | kubectl apply -f -\n\
         # then put the scanner's IAM role in the group, with no access policy:\n\
         #   aws eks create-access-entry --cluster-name CLUSTER --principal-arn SCANNER_ROLE_ARN --kubernetes-groups {group}\n\
         # (AmazonEKSAdminViewPolicy is not suggested: it can read Secrets.)\n{}",
        eksposture_kube::kinds::read_role_yaml()
    )
}

fn statement(sid: &str, actions: &[&str], resource: &str) -> Value {
    let mut actions = actions.to_vec();
    actions.sort_unstable();
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource})
}

/// Without `--role-name`: what the scanned account's identity needs (the
/// member role). With it: what the identity that assumes that role in each
/// account needs.
pub fn policy(args: &PermissionsArgs) -> anyhow::Result<Value> {
    let partition = args.partition.trim();
    if partition.is_empty()
        || !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
    {
        return Err(anyhow!(
            "invalid partition {partition:?}: use aws, aws-cn or aws-us-gov"
        ));
    }
    let mut statements = Vec::new();
    if let Some(role) = &args.role_name {
        let role = role.trim().trim_matches('/');
        if role.is_empty() {
            return Err(anyhow!(
                "--role-name is empty: name the role assumed in each account"
            ));
        }
        statements.push(statement(
            "EksPostureAssumeMemberRole",
            ASSUME_ROLE_OPERATIONS,
            &format!("arn:{partition}:iam::*:role/{role}"),
        ));
        if args.organization {
            statements.push(statement(
                "EksPostureListAccounts",
                ORGANIZATION_OPERATIONS,
                "*",
            ));
        }
        if let Some(bucket) = &args.s3_bucket {
            let bucket = bucket.trim();
            if bucket.is_empty() || bucket.contains('/') {
                return Err(anyhow!(
                    "invalid bucket name {bucket:?}: give the bucket's name, without s3:// or a key"
                ));
            }
            statements.push(statement(
                "EksPostureWriteReports",
                eksposture_sinks::s3::OPERATIONS,
                &format!("arn:{partition}:s3:::{bucket}/*"),
            ));
        }
        if args.security_hub {
            return Err(anyhow!(
                "--security-hub goes with the member role's policy: run `eksposture permissions --security-hub` without --role-name (findings are imported in each account through its role)"
            ));
        }
    } else {
        let reads = eksposture_collect::operations();
        let reads: Vec<&str> = reads.iter().map(String::as_str).collect();
        statements.push(statement("EksPostureRead", &reads, "*"));
        if args.security_hub {
            statements.push(statement(
                "EksPostureSecurityHub",
                eksposture_sinks::securityhub::OPERATIONS,
                "*",
            ));
        }
    }
    Ok(json!({"Version": "2012-10-17", "Statement": statements}))
}

#[cfg(test)]
mod tests {
    use super::policy;
    use crate::args::PermissionsArgs;

    fn args() -> PermissionsArgs {
        PermissionsArgs {
            security_hub: false,
            kubernetes: false,
            role_name: None,
            organization: false,
            s3_bucket: None,
            partition: "aws".into(),
        }
    }

    #[test]
    fn the_kubernetes_read_role_is_get_and_list_and_names_the_grant() {
        let text = super::kubernetes_role();
        assert!(text.contains("kind: ClusterRole\n"), "{text}");
        assert!(
            text.contains("--kubernetes-groups eksposture-readers"),
            "{text}"
        );
        let rules: Vec<&str> = text.lines().filter(|l| l.contains("verbs:")).collect();
        assert!(rules.iter().all(|l| l.trim() == "verbs: [\"get\", \"list\"]" || l.trim() == "verbs: [\"get\"]"), "{rules:?}");
        assert!(
            !text.to_lowercase().contains("resources: [\"secrets"),
            "{text}"
        );
    }

    fn actions(p: &serde_json::Value) -> Vec<String> {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap().iter())
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_member_policy_is_every_read_and_only_reads() {
        let p = policy(&args()).unwrap();
        let a = actions(&p);
        assert!(a.contains(&"eks:DescribeCluster".to_string()));
        assert!(a.contains(&"ec2:DescribeRegions".to_string()));
        assert!(a.iter().all(|x| !x.starts_with("securityhub:")));
        let with_hub = policy(&PermissionsArgs {
            security_hub: true,
            ..args()
        })
        .unwrap();
        assert_eq!(with_hub["Statement"][1]["Sid"], "EksPostureSecurityHub");
    }

    #[test]
    fn the_scanner_policy_assumes_the_named_role_only() {
        let p = policy(&PermissionsArgs {
            role_name: Some("EksPostureAudit".into()),
            organization: true,
            s3_bucket: Some("reports".into()),
            ..args()
        })
        .unwrap();
        assert_eq!(
            p["Statement"][0]["Resource"],
            "arn:aws:iam::*:role/EksPostureAudit"
        );
        assert_eq!(
            actions(&p),
            [
                "sts:AssumeRole",
                "organizations:ListAccounts",
                "s3:PutObject"
            ]
        );
        assert_eq!(p["Statement"][2]["Resource"], "arn:aws:s3:::reports/*");
    }

    #[test]
    fn bad_input_is_named() {
        let e = policy(&PermissionsArgs {
            role_name: Some("R".into()),
            s3_bucket: Some("s3://b/k".into()),
            ..args()
        })
        .unwrap_err();
        assert!(e.to_string().contains("invalid bucket name"), "{e}");
        let e = policy(&PermissionsArgs {
            partition: "AWS!".into(),
            ..args()
        })
        .unwrap_err();
        assert!(e.to_string().contains("invalid partition"), "{e}");
    }
}
