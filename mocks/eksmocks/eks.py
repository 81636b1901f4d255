"""EKS clusters and managed nodegroups."""

ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def logging_config(enabled):
    """Control-plane logging with the types in ``enabled`` on and the others
    off."""
    disabled = [t for t in ALL_LOG_TYPES if t not in enabled]
    entries = []
    if enabled:
        entries.append({"types": list(enabled), "enabled": True})
    if disabled:
        entries.append({"types": disabled, "enabled": False})
    return {"clusterLogging": entries}


def create_cluster(aws, name, version, role_arn, subnet_ids, sg_ids, vpc_config, **extra):
    """moto does not default the endpoint flags or CIDRs (real EKS does), so
    the caller always passes them explicitly in ``vpc_config``. Returns the
    cluster's ARN."""
    return aws.eks.create_cluster(
        name=name,
        version=version,
        roleArn=role_arn,
        resourcesVpcConfig={"subnetIds": subnet_ids, "securityGroupIds": sg_ids, **vpc_config},
        **extra,
    )["cluster"]["arn"]


def oidc_issuer(aws, cluster):
    return aws.eks.describe_cluster(name=cluster)["cluster"]["identity"]["oidc"]["issuer"]


def create_nodegroup(aws, cluster, name, role_arn, subnet_ids, template, scaling, **extra):
    """``template``: a launch template as ``ec2.create_launch_template``
    returns it. Returns the nodegroup's ARN."""
    return aws.eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName=name,
        nodeRole=role_arn,
        subnets=subnet_ids,
        scalingConfig=scaling,
        launchTemplate={"id": template["id"], "version": template["version"]},
        **extra,
    )["nodegroup"]["nodegroupArn"]


def autoscaling_group(aws, cluster, nodegroup):
    """The Auto Scaling group moto reports for a nodegroup. It does not exist
    in autoscaling; node instances carry its name as EC2 Auto Scaling would."""
    described = aws.eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)
    return described["nodegroup"]["resources"]["autoScalingGroups"][0]["name"]
