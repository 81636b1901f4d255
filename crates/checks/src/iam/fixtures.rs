//! Real AWS-managed worker-node policy documents (as shipped by moto
//! 5.2, identical to AWS's current default versions) and inventory
//! builders for the IAM and path checks' tests.

use serde_json::{json, Value};

pub const ACCOUNT: &str = "111122223333";
pub const CLUSTER_ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
pub const NODE_ROLE_ARN: &str = "arn:aws:iam::111122223333:role/node";

pub fn aws_policy_arn(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{name}")
}

pub fn worker_node_policy() -> Value {
    json!({"Statement": [{"Action": ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications",
        "ec2:DescribeVpcs", "eks:DescribeCluster", "eks-auth:AssumeRoleForPodIdentity"],
        "Effect": "Allow", "Resource": "*", "Sid": "WorkerNodePermissions"}], "Version": "2012-10-17"})
}

pub fn cni_policy() -> Value {
    json!({"Statement": [{"Action": ["ec2:AssignPrivateIpAddresses", "ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface", "ec2:DescribeInstances", "ec2:DescribeTags", "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeInstanceTypes", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DetachNetworkInterface",
        "ec2:ModifyNetworkInterfaceAttribute", "ec2:UnassignPrivateIpAddresses"],
        "Effect": "Allow", "Resource": "*", "Sid": "AmazonEKSCNIPolicy"},
        {"Action": ["ec2:CreateTags"], "Effect": "Allow", "Resource": ["arn:aws:ec2:*:*:network-interface/*"],
        "Sid": "AmazonEKSCNIPolicyENITag"}], "Version": "2012-10-17"})
}

pub fn ecr_read_only() -> Value {
    json!({"Statement": [{"Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
        "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage",
        "ecr:GetLifecyclePolicy", "ecr:GetLifecyclePolicyPreview", "ecr:ListTagsForResource", "ecr:DescribeImageScanFindings"],
        "Effect": "Allow", "Resource": "*"}], "Version": "2012-10-17"})
}

pub fn ssm_core() -> Value {
    json!({"Statement": [{"Action": ["ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
        "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations",
        "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"],
        "Effect": "Allow", "Resource": "*"},
        {"Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel"], "Effect": "Allow", "Resource": "*"},
        {"Action": ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
        "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"], "Effect": "Allow", "Resource": "*"}],
        "Version": "2012-10-17"})
}

pub fn cloudwatch_agent() -> Value {
    json!({"Statement": [{"Action": ["cloudwatch:PutMetricData", "ec2:DescribeVolumes", "ec2:DescribeTags", "logs:PutLogEvents",
        "logs:PutRetentionPolicy", "logs:DescribeLogStreams", "logs:DescribeLogGroups", "logs:CreateLogStream",
        "logs:CreateLogGroup", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
        "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
        "Effect": "Allow", "Resource": "*", "Sid": "CWACloudWatchServerPermissions"},
        {"Action": ["ssm:GetParameter"], "Effect": "Allow", "Resource": "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*",
        "Sid": "CWASSMServerPermissions"}], "Version": "2012-10-17"})
}

pub fn admin() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

pub fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

/// The AWS-managed policies by name, with their documents.
pub fn managed(policies: &[(&str, Value)]) -> Value {
    policies
        .iter()
        .map(|(name, doc)| json!({"arn": aws_policy_arn(name), "name": name, "document": {"known": doc}}))
        .collect()
}

/// The node role: trusted by ec2.amazonaws.com only, with the named
/// AWS-managed policies attached and the given inline documents.
pub fn node_role(attached: &[&str], inline: &[(&str, Value)]) -> Value {
    let attached: Vec<String> = attached.iter().map(|n| aws_policy_arn(n)).collect();
    let inline: Vec<Value> = inline
        .iter()
        .map(|(n, d)| json!({"name": n, "document": {"known": d}}))
        .collect();
    json!({"role_name": "node", "arn": NODE_ROLE_ARN,
        "trust_policy": {"known": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
        "attached_policy_arns": attached, "inline_policies": inline})
}

/// Cluster `prod` with nodegroup `ng` whose node role is [`NODE_ROLE_ARN`].
pub fn nodegroup_account(roles: &Value, managed: &Value) -> Value {
    json!({"iam": {"roles": roles, "managed_policies": managed, "instance_profiles": {"known": []}},
        "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": CLUSTER_ARN,
            "nodegroups": {"known": [{"name": "ng", "config": {"known": {
                "arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1", "node_role": NODE_ROLE_ARN}}}]}}]},
            "instances": {"known": []}}}})
}

pub fn baseline_managed() -> Value {
    managed(&[
        ("AmazonEKSWorkerNodePolicy", worker_node_policy()),
        ("AmazonEKS_CNI_Policy", cni_policy()),
        ("AmazonEC2ContainerRegistryReadOnly", ecr_read_only()),
        ("AmazonSSMManagedInstanceCore", ssm_core()),
        ("CloudWatchAgentServerPolicy", cloudwatch_agent()),
    ])
}

pub const BASELINE: [&str; 5] = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
    "CloudWatchAgentServerPolicy",
];
