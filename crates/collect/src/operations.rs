//! Every AWS operation the collectors send, as `service:Operation` (the IAM
//! action names). The read-only guarantee and the least-privilege policy are
//! both derived from this one list; a test checks each name is a read.

pub const OPERATIONS: &[&str] = &[
    "ec2:DescribeIamInstanceProfileAssociations",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeRegions",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcs",
    "ecr:DescribeImageScanFindings",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRegistryScanningConfiguration",
    "ecr:GetRepositoryPolicy",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListClusters",
    "ecs:ListServices",
    "eks:DescribeAccessEntry",
    "eks:DescribeAddon",
    "eks:DescribeCluster",
    "eks:DescribeClusterVersions",
    "eks:DescribeFargateProfile",
    "eks:DescribeNodegroup",
    "eks:DescribePodIdentityAssociation",
    "eks:ListAccessEntries",
    "eks:ListAddons",
    "eks:ListAssociatedAccessPolicies",
    "eks:ListClusters",
    "eks:ListFargateProfiles",
    "eks:ListNodegroups",
    "eks:ListPodIdentityAssociations",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListOpenIDConnectProviders",
    "inspector2:BatchGetAccountStatus",
    "inspector2:ListCoverage",
    "inspector2:ListFindings",
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "logs:DescribeLogGroups",
    "sts:GetCallerIdentity",
];

/// What the identity that scans other accounts sends itself: the role in
/// each account is assumed, then everything else is [`OPERATIONS`] in it.
pub const ASSUME_ROLE_OPERATIONS: &[&str] = &["sts:AssumeRole"];

/// What `--organization` adds: the account list.
pub const ORGANIZATION_OPERATIONS: &[&str] = &["organizations:ListAccounts"];

/// What the Lambda function's report sink writes (only when a bucket is
/// configured).
pub const REPORT_SINK_OPERATIONS: &[&str] = &["s3:PutObject"];

/// What `audit --security-hub` sends, apart from the scan: its only writes,
/// kept out of [`OPERATIONS`] so the scanner's list stays read-only.
pub const SECURITY_HUB_OPERATIONS: &[&str] =
    &["securityhub:BatchImportFindings", "securityhub:GetFindings"];

#[cfg(test)]
mod tests {
    use super::{OPERATIONS, SECURITY_HUB_OPERATIONS};

    #[test]
    fn security_hub_operations_are_sorted_and_apart_from_the_scan() {
        let mut sorted = SECURITY_HUB_OPERATIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, SECURITY_HUB_OPERATIONS);
        assert!(SECURITY_HUB_OPERATIONS
            .iter()
            .all(|op| op.starts_with("securityhub:") && !OPERATIONS.contains(op)));
    }

    #[test]
    fn every_operation_is_a_read() {
        for op in OPERATIONS {
            let (_, action) = op.split_once(':').unwrap();
            assert!(
                ["List", "Describe", "Get", "BatchGet"]
                    .iter()
                    .any(|p| action.starts_with(p)),
                "{op} is not a read-only operation"
            );
        }
    }

    #[test]
    fn operations_are_sorted_and_unique() {
        let mut sorted = OPERATIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, OPERATIONS, "keep OPERATIONS sorted and unique");
    }
}
