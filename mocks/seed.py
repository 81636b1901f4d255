#!/usr/bin/env python3
"""Seeds a moto server with a fake AWS account running EKS.

    python mocks/seed.py --endpoint http://127.0.0.1:5055 --account risky
    python mocks/seed.py --endpoint URL --account hardened --region us-east-1
    python mocks/seed.py --endpoint URL --account demo

Accounts:

* ``risky``: cluster ``risky`` with every risk the core checks look for: a
  public endpoint open to the world, no secrets encryption, nodes in a public
  subnet that allow IMDSv1 with hop limit 2, SSH open to the world, an
  administrator node role, an IRSA role any service account can assume, an
  ECR repository that does not scan on push and holds an unscanned image, and
  an ECS service (cluster ``risky-ecs``) whose task runs a privileged
  container as the image's user, with a writable root filesystem, a password
  in a plain environment variable, and one administrator role as both
  execution and task role.
* ``hardened``: cluster ``hardened``, the same shapes with every risk fixed
  (the ECS task: read-only root filesystem, user 1000, its password from SSM
  through ``secrets``, an execution role with only the ECS execution policy
  and a separate task role).
* ``demo``: both clusters in one account (the README demo).
* ``empty``: nothing (with ``--member-role``: an account a multi-account scan
  can enter and finds no cluster in).

``--account-id`` seeds another moto account (moto keeps accounts apart);
``--member-role NAME`` also creates the role a multi-account scan assumes
there, trusting the default account 123456789012.

Prints a JSON summary of what was created (names, ids and ARNs the end-to-end
tests assert on) to stdout. Uses only boto3 (which ships with moto) and dummy
credentials; it never talks to anything but ``--endpoint``.

The server must run with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` (AWS managed
policies are attached by ARN) and, for the expected nodegroup shape, through
``mocks/moto_server.py``.
"""

import argparse
import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCOUNT_ID = "123456789012"  # moto's default account
# Amazon Linux in moto's built-in AMI list (ami-12c6146b is Windows).
NODE_AMI = "ami-760aaa0f"
K8S_VERSION = "1.31"
AWS_POLICY = "arn:aws:iam::aws:policy/"
WORKER_BASELINE = [
    AWS_POLICY + "AmazonEKSWorkerNodePolicy",
    AWS_POLICY + "AmazonEC2ContainerRegistryReadOnly",
]
ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


class Aws:
    """boto3 clients for one region of one account of the moto server."""

    def __init__(self, endpoint, region, account_id=ACCOUNT_ID):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.account_id = account_id
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=region,
        )
        config = Config(retries={"max_attempts": 1})

        def in_account(request, **_):
            # moto keeps each account's state apart and serves the one this
            # header names (the default account without it).
            request.headers["x-moto-account-id"] = account_id

        def client(name):
            c = session.client(name, endpoint_url=self.endpoint, config=config)
            if account_id != ACCOUNT_ID:
                c.meta.events.register("before-send.*.*", in_account)
            return c

        self.ec2 = client("ec2")
        self.eks = client("eks")
        self.iam = client("iam")
        self.ecr = client("ecr")
        self.kms = client("kms")
        self.ecs = client("ecs")
        self.ssm = client("ssm")
        self.inspector2 = client("inspector2")

    def moto_api(self, path):
        req = urllib.request.Request(self.endpoint + path, method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# ------------------------------------------------------------------ network


def create_network(aws, name, cidr, public):
    """A VPC with one /20 subnet. ``public``: the subnet maps public IPs on
    launch and its route table sends 0.0.0.0/0 to an internet gateway;
    otherwise its route table has only the local route."""
    ec2 = aws.ec2
    vpc_id = ec2.create_vpc(
        CidrBlock=cidr,
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": tag_list({"Name": f"{name}-vpc"})}
        ],
    )["Vpc"]["VpcId"]
    subnet_cidr = cidr.replace("/16", "/20")
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=subnet_cidr,
        AvailabilityZone=f"{aws.region}a",
        TagSpecifications=[
            {
                "ResourceType": "subnet",
                "Tags": tag_list(
                    {"Name": f"{name}-{'public' if public else 'private'}"}
                ),
            }
        ],
    )["Subnet"]
    subnet_id = subnet["SubnetId"]
    route_table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)
    out = {
        "vpc_id": vpc_id,
        "vpc_cidr": cidr,
        "subnet_id": subnet_id,
        "subnet_arn": subnet.get("SubnetArn")
        or f"arn:aws:ec2:{aws.region}:{aws.account_id}:subnet/{subnet_id}",
        "route_table_id": route_table_id,
        "public": public,
    }
    if public:
        igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
        ec2.create_route(
            RouteTableId=route_table_id,
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=igw_id,
        )
        ec2.modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True}
        )
        out["internet_gateway_id"] = igw_id
    return out


def create_security_group(aws, vpc_id, name, description, ingress):
    group_id = aws.ec2.create_security_group(
        GroupName=name, Description=description, VpcId=vpc_id
    )["GroupId"]
    if ingress:
        aws.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
    return {
        "group_id": group_id,
        "arn": f"arn:aws:ec2:{aws.region}:{aws.account_id}:security-group/{group_id}",
    }


def tcp_from(port, cidr, description):
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": cidr, "Description": description}],
    }


# ---------------------------------------------------------------------- IAM


def trust_service(service):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def create_role(aws, name, trust, managed_policy_arns=(), inline=None):
    arn = aws.iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    for policy_arn in managed_policy_arns:
        aws.iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_name, document in (inline or {}).items():
        aws.iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    return arn


def create_instance_profile(aws, name, role_name):
    arn = aws.iam.create_instance_profile(InstanceProfileName=name)[
        "InstanceProfile"
    ]["Arn"]
    aws.iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role_name)
    return arn


def ensure_oidc_provider(aws, issuer):
    """The IAM OIDC provider for a cluster's issuer. Every cluster in one moto
    process shares the same issuer id, so in the demo account the second
    cluster finds the provider the first one registered."""
    host_path = issuer.removeprefix("https://")
    arn = f"arn:aws:iam::{aws.account_id}:oidc-provider/{host_path}"
    existing = aws.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    if any(p["Arn"] == arn for p in existing):
        return arn
    return aws.iam.create_open_id_connect_provider(
        Url=issuer,
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]


def irsa_trust(provider_arn, issuer, condition):
    """Trust policy of an IRSA role; ``condition`` maps an operator to
    ``{suffix: value}`` where the key becomes ``<issuer host/path>:<suffix>``."""
    host_path = issuer.removeprefix("https://")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    op: {f"{host_path}:{k}": v for k, v in keys.items()}
                    for op, keys in condition.items()
                },
            }
        ],
    }


# ---------------------------------------------------------------------- EKS


def create_cluster(aws, name, role_arn, subnet_ids, sg_ids, vpc_config, **extra):
    """moto does not default the endpoint flags or CIDRs (real EKS does), so
    the caller always passes them explicitly in ``vpc_config``."""
    cluster = aws.eks.create_cluster(
        name=name,
        version=K8S_VERSION,
        roleArn=role_arn,
        resourcesVpcConfig={
            "subnetIds": subnet_ids,
            "securityGroupIds": sg_ids,
            **vpc_config,
        },
        tags={"team": name},
        **extra,
    )["cluster"]
    issuer = aws.eks.describe_cluster(name=name)["cluster"]["identity"]["oidc"]["issuer"]
    return {"name": name, "arn": cluster["arn"], "oidc_issuer": issuer}


def logging_config(enabled):
    return {"clusterLogging": [{"types": ALL_LOG_TYPES, "enabled": enabled}]}


def create_launch_template(aws, name, sg_id, http_tokens, hop_limit):
    template = aws.ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={
            "ImageId": NODE_AMI,
            "InstanceType": "m5.large",
            "SecurityGroupIds": [sg_id],
            "MetadataOptions": {
                "HttpTokens": http_tokens,
                "HttpPutResponseHopLimit": hop_limit,
                "HttpEndpoint": "enabled",
            },
        },
    )["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    return {
        "id": template_id,
        "name": name,
        "arn": f"arn:aws:ec2:{aws.region}:{aws.account_id}:launch-template/{template_id}",
        "version": str(template["LatestVersionNumber"]),
    }


def create_nodegroup(aws, cluster, name, node_role_arn, subnet_ids, template, size):
    nodegroup = aws.eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName=name,
        nodeRole=node_role_arn,
        subnets=subnet_ids,
        scalingConfig={"minSize": size, "maxSize": size, "desiredSize": size},
        launchTemplate={"id": template["id"], "version": template["version"]},
        capacityType="ON_DEMAND",
        tags={"team": cluster},
    )["nodegroup"]
    # moto reports an Auto Scaling group name that does not exist in
    # autoscaling; the node instances below carry it as EC2 Auto Scaling would.
    described = aws.eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)
    asgs = described["nodegroup"]["resources"]["autoScalingGroups"]
    return {
        "name": name,
        "arn": nodegroup["nodegroupArn"],
        "autoscaling_group": asgs[0]["name"],
    }


def launch_nodes(aws, cluster, nodegroup, subnet_id, sg_id, profile_arn, metadata, count):
    """The nodegroup's instances. moto launches none for nodegroups and does
    not apply a launch template's MetadataOptions, so both are explicit here.
    One call per instance: with MaxCount > 1 moto attaches the instance
    profile to the first instance only."""
    tags = {
        "Name": f"{nodegroup['name']}-node",
        "eks:cluster-name": cluster,
        "aws:eks:cluster-name": cluster,
        "eks:nodegroup-name": nodegroup["name"],
        f"kubernetes.io/cluster/{cluster}": "owned",
        "aws:autoscaling:groupName": nodegroup["autoscaling_group"],
    }
    ids = []
    for _ in range(count):
        reservation = aws.ec2.run_instances(
            ImageId=NODE_AMI,
            InstanceType="m5.large",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet_id,
            SecurityGroupIds=[sg_id],
            IamInstanceProfile={"Arn": profile_arn},
            MetadataOptions=metadata,
            TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list(tags)}],
        )
        ids.extend(i["InstanceId"] for i in reservation["Instances"])
    described = aws.ec2.describe_instances(InstanceIds=ids)
    instances = [i for r in described["Reservations"] for i in r["Instances"]]
    return [
        {
            "id": i["InstanceId"],
            "arn": f"arn:aws:ec2:{aws.region}:{aws.account_id}:instance/{i['InstanceId']}",
            "public_ip": i.get("PublicIpAddress"),
        }
        for i in sorted(instances, key=lambda i: i["InstanceId"])
    ]


# ---------------------------------------------------------------------- ECR


def create_repository(aws, name, scan_on_push, mutability):
    repo = aws.ecr.create_repository(
        repositoryName=name,
        imageScanningConfiguration={"scanOnPush": scan_on_push},
        imageTagMutability=mutability,
    )["repository"]
    return {"name": name, "arn": repo["repositoryArn"], "uri": repo["repositoryUri"]}


def push_image(aws, repo, tag, layer_seed):
    """An image pushed by manifest (moto needs ``mediaType``); moto derives
    the digest from the layer digests."""
    layer = f"sha256:{layer_seed * 64}"  # layer_seed: one hex digit
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1472,
            "digest": f"sha256:{'c' * 64}",
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 2811478,
                "digest": layer,
            }
        ],
    }
    image = aws.ecr.put_image(
        repositoryName=repo["name"], imageManifest=json.dumps(manifest), imageTag=tag
    )["image"]
    digest = image["imageId"]["imageDigest"]
    return {"tag": tag, "digest": digest, "arn": f"{repo['arn']}/{digest}"}


def scan_image(aws, repo, image):
    """A completed basic scan. moto then reports one fake HIGH finding
    (CVE-9999-9999) for the image."""
    aws.ecr.start_image_scan(
        repositoryName=repo["name"], imageId={"imageDigest": image["digest"]}
    )


def set_lifecycle_policy(aws, repo):
    aws.ecr.put_lifecycle_policy(
        repositoryName=repo["name"],
        lifecyclePolicyText=json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": "expire untagged images",
                        "selection": {
                            "tagStatus": "untagged",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": 14,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        ),
    )


# ---------------------------------------------------------------------- ECS

ECS_TASKS = "ecs-tasks.amazonaws.com"
ECS_EXECUTION_POLICY = AWS_POLICY + "service-role/AmazonECSTaskExecutionRolePolicy"
# The literal password the risky task carries in plain ``environment``; the
# collected inventory must never contain it.
RISKY_DB_PASSWORD = "Pr0d-DB-hunter2-9f8e7d"


def create_ecs_service(aws, cluster_name, service_name, task_definition, **service_args):
    """An ECS cluster running one service of ``task_definition`` (the keyword
    arguments of ``register_task_definition``)."""
    cluster_arn = aws.ecs.create_cluster(clusterName=cluster_name)["cluster"]["clusterArn"]
    registered = aws.ecs.register_task_definition(**task_definition)["taskDefinition"]
    service = aws.ecs.create_service(
        cluster=cluster_name,
        serviceName=service_name,
        taskDefinition=registered["taskDefinitionArn"],
        desiredCount=1,
        **service_args,
    )["service"]
    return {
        "cluster_arn": cluster_arn,
        "service_arn": service["serviceArn"],
        "task_definition_arn": registered["taskDefinitionArn"],
        "family": registered["family"],
        "revision": registered["revision"],
    }


# --------------------------------------------------------------- Inspector


def enable_inspector(aws):
    """Inspector2 scanning of EC2 and ECR. moto needs ``accountIds`` (it
    answers 500 without them)."""
    aws.inspector2.enable(accountIds=[aws.account_id], resourceTypes=["EC2", "ECR"])


# ---------------------------------------------------------------- scenarios


def seed_risky(aws, name="risky", cidr="10.0.0.0/16"):
    net = create_network(aws, name, cidr, public=True)
    cluster_role = create_role(
        aws,
        f"{name}-cluster-role",
        trust_service("eks.amazonaws.com"),
        [AWS_POLICY + "AmazonEKSClusterPolicy"],
    )
    cluster_sg = create_security_group(
        aws, net["vpc_id"], f"{name}-cluster-sg", "EKS cluster security group", []
    )
    node_sg = create_security_group(
        aws,
        net["vpc_id"],
        f"{name}-node-sg",
        "node group security group",
        [tcp_from(22, "0.0.0.0/0", "ssh from anywhere")],
    )
    cluster = create_cluster(
        aws,
        name,
        cluster_role,
        [net["subnet_id"]],
        [cluster_sg["group_id"]],
        {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        logging=logging_config(False),
    )
    node_role_name = f"{name}-node-role"
    node_role = create_role(
        aws,
        node_role_name,
        trust_service("ec2.amazonaws.com"),
        [
            AWS_POLICY + "AdministratorAccess",
            *WORKER_BASELINE,
            AWS_POLICY + "AmazonEKS_CNI_Policy",
        ],
    )
    profile = create_instance_profile(aws, f"{name}-node-profile", node_role_name)
    template = create_launch_template(
        aws, f"{name}-node-lt", node_sg["group_id"], "optional", 2
    )
    nodegroup = create_nodegroup(
        aws, name, f"{name}-ng", node_role, [net["subnet_id"]], template, 2
    )
    instances = launch_nodes(
        aws,
        name,
        nodegroup,
        net["subnet_id"],
        node_sg["group_id"],
        profile,
        {"HttpTokens": "optional", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"},
        2,
    )
    provider = ensure_oidc_provider(aws, cluster["oidc_issuer"])
    irsa_role = create_role(
        aws,
        f"{name}-irsa",
        irsa_trust(
            provider,
            cluster["oidc_issuer"],
            {"StringLike": {"sub": "system:serviceaccount:*"}},
        ),
        [AWS_POLICY + "AmazonS3FullAccess"],
    )
    repo = create_repository(aws, f"{name}-app", scan_on_push=False, mutability="MUTABLE")
    image = push_image(aws, repo, "latest", "a")
    # One administrator role as both execution and task role.
    ecs_role = create_role(
        aws,
        f"{name}-ecs-role",
        trust_service(ECS_TASKS),
        [AWS_POLICY + "AdministratorAccess"],
    )
    # EC2 launch type: Fargate refuses privileged containers.
    ecs = create_ecs_service(
        aws,
        f"{name}-ecs",
        f"{name}-web",
        {
            "family": f"{name}-web",
            "requiresCompatibilities": ["EC2"],
            "networkMode": "bridge",
            "executionRoleArn": ecs_role,
            "taskRoleArn": ecs_role,
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": f"{repo['uri']}:latest",
                    "memory": 512,
                    "essential": True,
                    "privileged": True,
                    "environment": [
                        {"name": "DB_PASSWORD", "value": RISKY_DB_PASSWORD},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ],
                }
            ],
        },
        launchType="EC2",
    )
    ecs["role_arn"] = ecs_role
    ecs["env_secret"] = {"name": "DB_PASSWORD", "value": RISKY_DB_PASSWORD}
    return {
        "cluster": cluster,
        "network": net,
        "cluster_role_arn": cluster_role,
        "cluster_security_group": cluster_sg,
        "node_security_group": node_sg,
        "node_role": {"name": node_role_name, "arn": node_role},
        "instance_profile_arn": profile,
        "launch_template": template,
        "nodegroup": nodegroup,
        "instances": instances,
        "oidc_provider_arn": provider,
        "irsa_role_arn": irsa_role,
        "repository": repo,
        "image": image,
        "ecs": ecs,
    }


def seed_hardened(aws, name="hardened", cidr="10.1.0.0/16"):
    net = create_network(aws, name, cidr, public=False)
    key_arn = aws.kms.create_key(Description=f"{name} EKS secrets")["KeyMetadata"]["Arn"]
    cluster_role = create_role(
        aws,
        f"{name}-cluster-role",
        trust_service("eks.amazonaws.com"),
        [AWS_POLICY + "AmazonEKSClusterPolicy"],
    )
    cluster_sg = create_security_group(
        aws,
        net["vpc_id"],
        f"{name}-cluster-sg",
        "EKS cluster security group",
        [tcp_from(443, cidr, "API from inside the VPC")],
    )
    node_sg = create_security_group(
        aws,
        net["vpc_id"],
        f"{name}-node-sg",
        "node group security group",
        [tcp_from(443, cidr, "HTTPS from inside the VPC")],
    )
    cluster = create_cluster(
        aws,
        name,
        cluster_role,
        [net["subnet_id"]],
        [cluster_sg["group_id"]],
        # publicAccessCidrs omitted: EKS leaves it out when public access is off.
        {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key_arn}}],
        logging=logging_config(True),
    )
    node_role_name = f"{name}-node-role"
    node_role = create_role(
        aws, node_role_name, trust_service("ec2.amazonaws.com"), WORKER_BASELINE
    )
    profile = create_instance_profile(aws, f"{name}-node-profile", node_role_name)
    template = create_launch_template(
        aws, f"{name}-node-lt", node_sg["group_id"], "required", 1
    )
    nodegroup = create_nodegroup(
        aws, name, f"{name}-ng", node_role, [net["subnet_id"]], template, 2
    )
    instances = launch_nodes(
        aws,
        name,
        nodegroup,
        net["subnet_id"],
        node_sg["group_id"],
        profile,
        {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
        2,
    )
    provider = ensure_oidc_provider(aws, cluster["oidc_issuer"])
    irsa_role = create_role(
        aws,
        f"{name}-irsa",
        irsa_trust(
            provider,
            cluster["oidc_issuer"],
            {
                "StringEquals": {
                    "sub": "system:serviceaccount:app:web",
                    "aud": "sts.amazonaws.com",
                }
            },
        ),
        inline={
            "read-app-bucket": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}-app-data/*",
                    }
                ],
            }
        },
    )
    # The VPC CNI gets its permissions through IRSA, not the node role.
    cni_role = create_role(
        aws,
        f"{name}-vpc-cni",
        irsa_trust(
            provider,
            cluster["oidc_issuer"],
            {
                "StringEquals": {
                    "sub": "system:serviceaccount:kube-system:aws-node",
                    "aud": "sts.amazonaws.com",
                }
            },
        ),
        [AWS_POLICY + "AmazonEKS_CNI_Policy"],
    )
    repo = create_repository(aws, f"{name}-app", scan_on_push=True, mutability="IMMUTABLE")
    image = push_image(aws, repo, "v1.0.0", "b")
    scan_image(aws, repo, image)
    set_lifecycle_policy(aws, repo)
    enable_inspector(aws)
    ecs_sg = create_security_group(
        aws, net["vpc_id"], f"{name}-ecs-sg", "ECS service tasks", []
    )
    aws.ssm.put_parameter(
        Name=f"/{name}/db-password", Value="not-a-real-password", Type="SecureString"
    )
    db_password_arn = (
        f"arn:aws:ssm:{aws.region}:{aws.account_id}:parameter/{name}/db-password"
    )
    ecs_execution_role = create_role(
        aws, f"{name}-ecs-execution", trust_service(ECS_TASKS), [ECS_EXECUTION_POLICY]
    )
    ecs_task_role = create_role(
        aws,
        f"{name}-ecs-task",
        trust_service(ECS_TASKS),
        inline={
            "read-app-bucket": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}-app-data/*",
                    }
                ],
            }
        },
    )
    ecs = create_ecs_service(
        aws,
        f"{name}-ecs",
        f"{name}-web",
        {
            "family": f"{name}-web",
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": ecs_execution_role,
            "taskRoleArn": ecs_task_role,
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": f"{repo['uri']}:v1.0.0",
                    "essential": True,
                    "privileged": False,
                    "readonlyRootFilesystem": True,
                    "user": "1000",
                    "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                    "secrets": [{"name": "DB_PASSWORD", "valueFrom": db_password_arn}],
                }
            ],
        },
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [net["subnet_id"]],
                "securityGroups": [ecs_sg["group_id"]],
                "assignPublicIp": "DISABLED",
            }
        },
    )
    ecs["execution_role_arn"] = ecs_execution_role
    ecs["task_role_arn"] = ecs_task_role
    ecs["ssm_parameter_arn"] = db_password_arn
    return {
        "cluster": cluster,
        "network": net,
        "kms_key_arn": key_arn,
        "cluster_role_arn": cluster_role,
        "cluster_security_group": cluster_sg,
        "node_security_group": node_sg,
        "node_role": {"name": node_role_name, "arn": node_role},
        "instance_profile_arn": profile,
        "launch_template": template,
        "nodegroup": nodegroup,
        "instances": instances,
        "oidc_provider_arn": provider,
        "irsa_role_arn": irsa_role,
        "cni_role_arn": cni_role,
        "repository": repo,
        "image": image,
        "ecs": ecs,
    }


SCENARIOS = {
    # No cluster: an account that only holds --member-role.
    "empty": [],
    "risky": ["risky"],
    "hardened": ["hardened"],
    "demo": ["risky", "hardened"],
}
SEEDERS = {"risky": seed_risky, "hardened": seed_hardened}


def create_member_role(aws, name, trusted_account):
    """The read-only role a multi-account scan assumes in this account,
    trusting ``trusted_account`` (the scanner's)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws.iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    aws.iam.attach_role_policy(
        RoleName=name, PolicyArn=AWS_POLICY + "ReadOnlyAccess"
    )
    return role["Arn"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--account", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--account-id",
        default=ACCOUNT_ID,
        help="moto account to seed (moto keeps accounts apart)",
    )
    parser.add_argument(
        "--member-role",
        metavar="NAME",
        help="also create the role a multi-account scan assumes, trusting "
        + ACCOUNT_ID,
    )
    parser.add_argument(
        "--no-reseed",
        action="store_true",
        help="keep moto's random state (when seeding a second account or region)",
    )
    args = parser.parse_args(argv)

    aws = Aws(args.endpoint, args.region, args.account_id)
    try:
        if not args.no_reseed:
            # Deterministic resource ids (VPC, instance, ...) for this server process.
            aws.moto_api("/moto-api/seed?a=42")
        member_role = (
            create_member_role(aws, args.member_role, ACCOUNT_ID)
            if args.member_role
            else None
        )
        clusters = {name: SEEDERS[name](aws) for name in SCENARIOS[args.account]}
    except (OSError, BotoCoreError, ClientError) as e:
        sys.exit(f"seed.py: seeding {args.account} at {args.endpoint} failed: {e}")
    summary = {
        "account": args.account,
        "account_id": args.account_id,
        "region": args.region,
        "clusters": clusters,
        "member_role": member_role,
    }
    json.dump(summary, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
