use std::collections::BTreeMap;

use eksposture_model::{Evidence, Graph, ResourceRef};

use super::{role_evidence, role_or_unknown, role_power, PowerVerdict};
use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref, role_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every pod execution role of a Fargate profile, the documents of
    /// all its permission policies, judged by content exactly as
    /// `iam-node-role-least-privilege` judges a node role: **fail** when they
    /// grant, on every resource, full administrator access, a whole-service
    /// wildcard (`iam:*`, `s3:*`, ...), privilege escalation or lateral
    /// movement (`iam:PassRole`, `iam:CreateRole`, `iam:AttachRolePolicy`,
    /// `sts:AssumeRole`, `eks:CreateAccessEntry`,
    /// `eks:AssociateAccessPolicy`, `ssm:SendCommand`, `ssm:StartSession`,
    /// `ec2-instance-connect:SendSSHPublicKey`,
    /// `lambda:UpdateFunctionCode`, ...), secrets, SSM parameters, `kms:Decrypt`,
    /// `s3:GetObject` or ECR writes (conditional grants count and are
    /// marked). The role needs only ECR image pulls and, for Fargate
    /// logging, CloudWatch Logs writes: AmazonEKSFargatePodExecutionRolePolicy
    /// and the logging policy grant nothing risky. **Pass** when every
    /// policy was read and nothing risky is granted. **Unknown** when the
    /// role list or a policy could not be read, the role is not in the list,
    /// a profile names no role, a cluster's Fargate profiles or a region's
    /// clusters could not be listed. One finding per role, naming every
    /// profile that uses it.
    ///
    /// ## Rationale
    ///
    /// The Fargate infrastructure uses the pod execution role to pull images
    /// and ship logs for every pod the profile selects; like a node role, it
    /// is not meant to carry workload permissions (those belong to IRSA or
    /// Pod Identity roles), and anything added to it is power no review of
    /// the workloads' own roles will see.
    ///
    /// ## Remediation
    ///
    /// Keep only AmazonEKSFargatePodExecutionRolePolicy (and a CloudWatch
    /// Logs write policy for Fargate logging) on the pod execution role; move
    /// other permissions to the workloads' IRSA / Pod Identity roles.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"roles": {"known": [{"role_name": "fargate", "arn": "arn:aws:iam::111122223333:role/fargate",
    ///   "inline_policies": [{"name": "extra", "document": {"known": {"Statement": [
    ///     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "fargate_profiles": {"known": [{"name": "fp",
    ///   "pod_execution_role_arn": "arn:aws:iam::111122223333:role/fargate"}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"roles": {"known": [{"role_name": "fargate", "arn": "arn:aws:iam::111122223333:role/fargate",
    ///   "inline_policies": [{"name": "pull", "document": {"known": {"Statement": [{"Effect": "Allow",
    ///     "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
    ///       "ecr:BatchGetImage"], "Resource": "*"}]}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "fargate_profiles": {"known": [{"name": "fp",
    ///   "pod_execution_role_arn": "arn:aws:iam::111122223333:role/fargate"}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "fargate_profiles": {"unknown": {"service": "eks",
    ///   "region": "us-east-1", "operation": "ListFargateProfiles", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "iam-fargate-pod-role-least-privilege",
    title: "Fargate pod execution roles should grant no more than image pulls and log writes",
    severity: High,
    kind: Configuration,
    resource_type: "AwsIamRole",
    remediation: "Keep only AmazonEKSFargatePodExecutionRolePolicy (and CloudWatch Logs writes) on the pod execution role; give workloads IRSA or Pod Identity roles.",
    compliance: ["AWS-FSBP:IAM.1", "NIST-800-190:4.3.5", "PCI-DSS-4.0:7.2.1", "PCI-DSS-4.0:7.2.2", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    let mut roles: BTreeMap<&str, Vec<Evidence>> = BTreeMap::new();
    for c in g.clusters() {
        let profiles = match c.cluster.fargate_profiles.as_result() {
            Ok(p) => p,
            Err(gap) => {
                let what = format!("the Fargate profiles of cluster {}", c.cluster.name);
                out.unknown(cluster_ref(&c), &what, gap, vec![cluster_evidence(&c)]);
                continue;
            }
        };
        for p in profiles {
            let id = p
                .arn
                .clone()
                .unwrap_or_else(|| format!("{}/fargateprofile/{}", c.cluster.arn, p.name));
            let detail = format!("Fargate profile {} of cluster {}", p.name, c.cluster.name);
            let profile = Evidence::new("AwsEksFargateProfile", &id, detail);
            if let Some(arn) = p.pod_execution_role_arn.as_deref() {
                let ev = roles.entry(arn).or_default();
                if !ev.iter().any(|e| e.id == c.cluster.arn) {
                    ev.push(cluster_evidence(&c));
                }
                ev.push(profile);
            } else {
                let msg = format!(
                    "DescribeFargateProfile returned no pod execution role for profile {}",
                    p.name
                );
                let res = ResourceRef::new("AwsEksFargateProfile", &id, c.region);
                out.unknown_because(res, msg, vec![cluster_evidence(&c), profile]);
            }
        }
    }
    for (arn, mut evidence) in roles {
        let who = "Fargate pod execution role";
        let Some(role) = role_or_unknown(g, out, arn, who, evidence.clone()) else {
            continue;
        };
        let power = role_power(g, role);
        evidence.push(role_evidence(role, format!("{who} {}", role.role_name)));
        evidence.extend(power.evidence(role));
        let (status, message) = power.judge_against(
            &format!("{who} {}", role.role_name),
            "the pod-execution baseline (ECR image pulls, CloudWatch Logs writes)",
        );
        out.emit(status, role_ref(role), message, evidence);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::iam::fixtures::{admin, allow, managed};
    use crate::testing::{self, statuses};

    const ROLE: &str = "arn:aws:iam::111122223333:role/fargate";

    /// The real AmazonEKSFargatePodExecutionRolePolicy (moto 5.2 = AWS's default version).
    fn fargate_policy() -> Value {
        json!({"Statement": [{"Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Effect": "Allow", "Resource": "*"}],
            "Version": "2012-10-17"})
    }

    /// The CloudWatch Logs policy the EKS guide gives for Fargate logging.
    fn logging_policy() -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream",
            "logs:CreateLogGroup", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:PutRetentionPolicy"],
            "Resource": "*"}]})
    }

    fn run(attached: &[&str], inline: &[(&str, Value)], managed: &Value) -> Vec<Finding> {
        let inline: Vec<Value> = inline
            .iter()
            .map(|(n, d)| json!({"name": n, "document": {"known": d}}))
            .collect();
        let attached: Vec<String> = attached
            .iter()
            .map(|n| format!("arn:aws:iam::aws:policy/{n}"))
            .collect();
        let profile = |name: &str| {
            json!({"name": name, "arn": format!("arn:aws:eks:us-east-1:111122223333:fargateprofile/prod/{name}/1"),
            "pod_execution_role_arn": ROLE})
        };
        testing::run(
            &super::META,
            json!({"iam": {"roles": {"known": [{"role_name": "fargate", "arn": ROLE, "inline_policies": inline,
                "attached_policy_arns": attached}]}, "managed_policies": managed},
                "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                    "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                    "fargate_profiles": {"known": [profile("a"), profile("b")]}}]}}}}),
        )
    }

    #[test]
    fn passes_once_per_role_with_the_real_fargate_policy_and_logging() {
        let managed = managed(&[("AmazonEKSFargatePodExecutionRolePolicy", fargate_policy())]);
        let f = run(
            &["AmazonEKSFargatePodExecutionRolePolicy"],
            &[("logs", logging_policy())],
            &managed,
        );
        assert_eq!(statuses(&f), [Status::Pass], "{f:#?}");
        assert_eq!(f[0].resource.id, ROLE);
        assert_eq!(
            f[0].evidence
                .iter()
                .filter(|e| e.kind == "AwsEksFargateProfile")
                .count(),
            2
        );
    }

    #[test]
    fn fails_with_admin_or_pass_role_on_any_resource() {
        let f = run(
            &["AdministratorAccess"],
            &[],
            &managed(&[("AdministratorAccess", admin())]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("full administrator access"),
            "{}",
            f[0].message
        );
        let f = run(&[], &[("pass", allow("iam:PassRole", "*"))], &json!([]));
        assert!(
            f[0].message.contains("iam:PassRole on any IAM role"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_a_policy_is_not_collected_or_profiles_unreadable() {
        let f = run(&["AmazonEKSFargatePodExecutionRolePolicy"], &[], &json!([]));
        assert_eq!(statuses(&f), [Status::Unknown]);
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "fargate_profiles": {"known": [{"name": "fp"}]}}]}}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.kind, "AwsEksFargateProfile");
    }
}
