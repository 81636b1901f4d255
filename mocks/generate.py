#!/usr/bin/env python3
"""Generates a large fake AWS account running EKS in a moto server.

    python mocks/generate.py --endpoint http://127.0.0.1:5055 \\
        --clusters 20 --nodegroups-per-cluster 2 --instances 400 \\
        --roles 300 --repos 100 --images-per-repo 5 [--seed 1] [--region us-east-1]

Where ``mocks/seed.py`` builds two hand-written clusters (``risky`` and
``hardened``), this script builds an account at a given scale with a
deterministic (for a given ``--seed``) mix of risky and hardened settings,
for benchmarks (``bench/run.sh``) and load tests:

* **Network:** one VPC per cluster (``10.<i>.0.0/16``) with a public /20
  subnet (maps public IPs, route table to an internet gateway) and a private
  /20 subnet (local route only). /20 because moto runs a /24 out of
  addresses at a few hundred instances.
* **Security groups:** per cluster a cluster group and a node group; some
  node groups admit 0.0.0.0/0 to SSH or the kubelet (10250), some ::/0 to
  everything, the rest only the VPC.
* **Clusters:** endpoints public and open to the world, public but
  CIDR-restricted, or private only; some encrypt secrets with a KMS key;
  control-plane logging all, audit only, or none.
* **Nodegroups** (``--nodegroups-per-cluster`` each): a launch template whose
  IMDS settings vary (IMDSv1 allowed or IMDSv2 required; hop limit 1 or 2),
  in the public or the private subnet, with their own node role and instance
  profile.
* **Instances** (``--instances`` in total, spread round-robin over the
  nodegroups): launched in one ``RunInstances`` per nodegroup (``MaxCount``
  > 1) with the launch template's IMDS options (moto does not apply the
  template's), tagged ``eks:cluster-name``, ``aws:eks:cluster-name`` and
  ``eks:nodegroup-name`` (moto launches no instances for nodegroups). moto
  attaches the instance profile to the first instance of such a call only, so
  the others get ``AssociateIamInstanceProfile``.
* **IAM roles** (``--roles`` in total): one cluster role per cluster, one node
  role per nodegroup (most with the worker baseline, some administrators,
  some with the CNI policy or an inline wildcard), IRSA roles trusted by the
  cluster's OIDC provider (``:sub`` naming one service account, a wildcard,
  or no ``:sub`` at all) and plain service roles for the rest.
* **ECR** (``--repos`` repositories of ``--images-per-repo`` images): scan on
  push and immutable tags mixed, some lifecycle policies, a few public
  repository policies; images pushed by generated manifest (``PutImage``),
  some of them scanned.

The server must run through ``mocks/moto_server.py`` with
``MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false``.
Prints a JSON summary (counts of what was created, requests sent and the
seconds it took) to stdout. Uses only boto3 and dummy credentials; it never
talks to anything but ``--endpoint``.
"""

import argparse
import hashlib
import json
import random
import sys
import time
import urllib.request
from collections import Counter

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# The single-cluster seeder's document helpers (this directory is on
# sys.path when the script runs).
from seed import tag_list, trust_service

ACCOUNT_ID = "123456789012"  # moto's default account
NODE_AMI = "ami-760aaa0f"  # Amazon Linux in moto's built-in AMI list
K8S_VERSIONS = ["1.29", "1.30", "1.31", "1.32"]
AWS_POLICY = "arn:aws:iam::aws:policy/"
WORKER_BASELINE = [
    AWS_POLICY + "AmazonEKSWorkerNodePolicy",
    AWS_POLICY + "AmazonEC2ContainerRegistryReadOnly",
]
ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
INSTANCE_TYPES = ["m5.large", "m5.xlarge", "c5.large", "t3.large"]


class Aws:
    """boto3 clients for one region of the moto server, counting requests."""

    def __init__(self, endpoint, region):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.account_id = ACCOUNT_ID
        self.requests = Counter()
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=region,
        )
        config = Config(retries={"max_attempts": 1}, max_pool_connections=4)

        def count(model, **_):
            self.requests[model.service_model.service_name] += 1

        def client(name):
            c = session.client(name, endpoint_url=self.endpoint, config=config)
            c.meta.events.register("before-call.*.*", count)
            return c

        self.ec2 = client("ec2")
        self.eks = client("eks")
        self.iam = client("iam")
        self.ecr = client("ecr")
        self.kms = client("kms")

    def moto_api(self, path):
        req = urllib.request.Request(self.endpoint + path, method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=60) as resp:
            resp.read()


def tag_spec(resource_type, tags):
    return [{"ResourceType": resource_type, "Tags": tag_list(tags)}]


def pick(rng, weighted):
    """One value of ``[(value, weight), ...]``."""
    values, weights = zip(*weighted)
    return rng.choices(values, weights=weights, k=1)[0]


def create_network(aws, name, index):
    """A VPC ``10.<index>.0.0/16`` with a public and a private /20 subnet."""
    ec2 = aws.ec2
    cidr = f"10.{index}.0.0/16"
    vpc_id = ec2.create_vpc(
        CidrBlock=cidr, TagSpecifications=tag_spec("vpc", {"Name": f"{name}-vpc"})
    )["Vpc"]["VpcId"]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    subnets = {}
    for kind, third, az in (("public", 0, "a"), ("private", 16, "b")):
        subnet_id = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.{index}.{third}.0/20",
            AvailabilityZone=f"{aws.region}{az}",
            TagSpecifications=tag_spec("subnet", {"Name": f"{name}-{kind}"}),
        )["Subnet"]["SubnetId"]
        route_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=route_table, SubnetId=subnet_id)
        if kind == "public":
            ec2.create_route(
                RouteTableId=route_table,
                DestinationCidrBlock="0.0.0.0/0",
                GatewayId=igw_id,
            )
            ec2.modify_subnet_attribute(
                SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True}
            )
        subnets[kind] = subnet_id
    return {"vpc_id": vpc_id, "cidr": cidr, "subnets": subnets}


def tcp(port_from, port_to, cidr, description):
    return {
        "IpProtocol": "tcp",
        "FromPort": port_from,
        "ToPort": port_to,
        "IpRanges": [{"CidrIp": cidr, "Description": description}],
    }


NODE_SG_PROFILES = [
    # (label, weight, ingress(vpc_cidr))
    ("ssh-world", 2, lambda vpc: [tcp(22, 22, "0.0.0.0/0", "ssh from anywhere")]),
    ("kubelet-world", 1, lambda vpc: [tcp(10250, 10250, "0.0.0.0/0", "kubelet")]),
    (
        "all-ipv6-world",
        1,
        lambda vpc: [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    ),
    (
        "vpc-only",
        6,
        lambda vpc: [
            tcp(10250, 10250, vpc, "kubelet from the VPC"),
            tcp(443, 443, vpc, "webhooks from the VPC"),
        ],
    ),
]


def create_security_groups(aws, rng, name, net):
    ec2 = aws.ec2
    cluster_sg = ec2.create_security_group(
        GroupName=f"{name}-cluster-sg",
        Description="EKS cluster security group",
        VpcId=net["vpc_id"],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=cluster_sg, IpPermissions=[tcp(443, 443, net["cidr"], "API from the VPC")]
    )
    label, _, ingress = pick(rng, [((p[0], p[1], p[2]), p[1]) for p in NODE_SG_PROFILES])
    node_sg = ec2.create_security_group(
        GroupName=f"{name}-node-sg",
        Description="node group security group",
        VpcId=net["vpc_id"],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=node_sg, IpPermissions=ingress(net["cidr"])
    )
    return cluster_sg, node_sg, label


# ---------------------------------------------------------------------- IAM


def create_role(aws, name, trust, managed=(), inline=None, path="/"):
    arn = aws.iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    for policy_arn in managed:
        aws.iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_name, document in (inline or {}).items():
        aws.iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    return arn


def allow(actions, resource="*"):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


NODE_ROLE_PROFILES = [
    # (label, weight, managed, inline)
    ("baseline", 12, WORKER_BASELINE, None),
    ("baseline+ssm", 3, WORKER_BASELINE + [AWS_POLICY + "AmazonSSMManagedInstanceCore"], None),
    ("baseline+cni", 3, WORKER_BASELINE + [AWS_POLICY + "AmazonEKS_CNI_Policy"], None),
    ("admin", 2, [AWS_POLICY + "AdministratorAccess"] + WORKER_BASELINE, None),
    ("s3-wildcard", 1, WORKER_BASELINE, {"node-extra": allow("s3:*")}),
    ("ecr-write", 1, WORKER_BASELINE, {"node-push": allow(["ecr:PutImage", "ecr:*Upload*"])}),
]

IRSA_PROFILES = [
    # (label, weight, operator, sub or None)
    ("scoped", 6, "StringEquals", "system:serviceaccount:{ns}:{sa}"),
    ("namespace-wildcard", 2, "StringLike", "system:serviceaccount:{ns}:*"),
    ("any-sa", 1, "StringLike", "system:serviceaccount:*"),
    ("no-sub", 1, "StringEquals", None),
]

IRSA_POLICIES = [
    ("s3-read", 5, [AWS_POLICY + "AmazonS3ReadOnlyAccess"], None),
    ("dynamodb-scoped", 3, [], {"app": allow(["dynamodb:GetItem", "dynamodb:PutItem"],
                                             "arn:aws:dynamodb:*:*:table/app")}),
    ("s3-full", 1, [AWS_POLICY + "AmazonS3FullAccess"], None),
    ("admin", 1, [AWS_POLICY + "AdministratorAccess"], None),
]

PLAIN_ROLE_PROFILES = [
    ("lambda", 4, "lambda.amazonaws.com", [AWS_POLICY + "service-role/AWSLambdaBasicExecutionRole"]),
    ("ecs-task", 3, "ecs-tasks.amazonaws.com",
     [AWS_POLICY + "service-role/AmazonECSTaskExecutionRolePolicy"]),
    ("ec2-ssm", 2, "ec2.amazonaws.com", [AWS_POLICY + "AmazonSSMManagedInstanceCore"]),
    ("ops-admin", 1, "ec2.amazonaws.com", [AWS_POLICY + "AdministratorAccess"]),
]

NAMESPACES = ["payments", "checkout", "search", "platform", "monitoring", "kube-system"]


def irsa_trust(provider_arn, issuer_host_path, operator, sub):
    condition = {"StringEquals": {f"{issuer_host_path}:aud": "sts.amazonaws.com"}}
    if sub is not None:
        condition.setdefault(operator, {})[f"{issuer_host_path}:sub"] = sub
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


# ---------------------------------------------------------------------- EKS

ENDPOINT_PROFILES = [
    (
        "public-open",
        4,
        {"endpointPublicAccess": True, "endpointPrivateAccess": False,
         "publicAccessCidrs": ["0.0.0.0/0"]},
    ),
    (
        "public-restricted",
        2,
        {"endpointPublicAccess": True, "endpointPrivateAccess": True,
         "publicAccessCidrs": ["203.0.113.0/24"]},
    ),
    (
        "private",
        4,
        {"endpointPublicAccess": False, "endpointPrivateAccess": True,
         "publicAccessCidrs": []},
    ),
]

LOGGING_PROFILES = [
    ("all", 4, ALL_LOG_TYPES, []),
    ("audit-only", 2, ["audit", "authenticator"], ["api", "controllerManager", "scheduler"]),
    ("none", 4, [], ALL_LOG_TYPES),
]

IMDS_PROFILES = [
    # (label, weight, HttpTokens, hop limit)
    ("v2-hop1", 5, "required", 1),
    ("v2-hop2", 2, "required", 2),
    ("v1-hop1", 2, "optional", 1),
    ("v1-hop2", 1, "optional", 2),
]


def logging_config(enabled, disabled):
    entries = []
    if enabled:
        entries.append({"types": enabled, "enabled": True})
    if disabled:
        entries.append({"types": disabled, "enabled": False})
    return {"clusterLogging": entries}


# ---------------------------------------------------------------------- ECR


def lifecycle_policy():
    return json.dumps(
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
    )


PUBLIC_REPO_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "public-pull",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            }
        ],
    }
)


def manifest(seed_text, size):
    """A docker v2 manifest whose layer and config digests derive from
    ``seed_text`` (moto computes the image digest from them)."""
    digest = hashlib.sha256(seed_text.encode()).hexdigest()
    config = hashlib.sha256(("config:" + seed_text).encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": size,
                "digest": f"sha256:{config}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": size * 1900,
                    "digest": f"sha256:{digest}",
                }
            ],
        }
    )


# ----------------------------------------------------------------- generate


def spread(total, buckets):
    """``total`` split over ``buckets`` as evenly as possible."""
    if buckets <= 0:
        return []
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def generate(aws, args):
    rng = random.Random(args.seed)
    mix = Counter()
    out = Counter()
    C, G = args.clusters, args.nodegroups_per_cluster
    nodegroup_count = C * G

    # Role budget: one cluster role per cluster and one node role per
    # nodegroup come first (shared when --roles is smaller), then IRSA roles
    # (about 40% of what is left, spread over the clusters) and plain roles.
    cluster_role_count = min(C, max(1, args.roles // 4)) if C else 0
    node_role_count = min(nodegroup_count, max(1, args.roles - cluster_role_count)) if nodegroup_count else 0
    rest = max(0, args.roles - cluster_role_count - node_role_count)
    irsa_count = (rest * 2) // 5 if C else 0
    plain_count = rest - irsa_count

    # The IAM OIDC provider. moto gives every cluster of one server process
    # the same issuer, so one provider serves them all; it is created from
    # the first cluster's issuer below.
    provider_arn = None
    issuer_host_path = None

    kms_key = None
    cluster_roles = []
    for i in range(cluster_role_count):
        cluster_roles.append(
            create_role(
                aws,
                f"eks-cluster-role-{i:03d}",
                trust_service("eks.amazonaws.com"),
                [AWS_POLICY + "AmazonEKSClusterPolicy"],
            )
        )
        out["roles"] += 1
        out["roles_cluster"] += 1

    node_roles = []  # (name, arn, profile_arn)
    for i in range(node_role_count):
        label, _, managed, inline = pick(rng, [(p, p[1]) for p in NODE_ROLE_PROFILES])
        name = f"eks-node-role-{i:03d}"
        arn = create_role(aws, name, trust_service("ec2.amazonaws.com"), managed, inline)
        profile_arn = aws.iam.create_instance_profile(InstanceProfileName=f"{name}-profile")[
            "InstanceProfile"
        ]["Arn"]
        aws.iam.add_role_to_instance_profile(InstanceProfileName=f"{name}-profile", RoleName=name)
        node_roles.append((name, arn, profile_arn))
        mix[f"node_role:{label}"] += 1
        out["roles"] += 1
        out["roles_node"] += 1
        out["instance_profiles"] += 1

    instances_per_nodegroup = spread(args.instances, nodegroup_count)
    irsa_per_cluster = spread(irsa_count, C)
    nodegroup_index = 0
    for c in range(C):
        name = f"cluster-{c:03d}"
        net = create_network(aws, name, c % 250)
        out["vpcs"] += 1
        out["subnets"] += 2
        cluster_sg, node_sg, sg_label = create_security_groups(aws, rng, name, net)
        mix[f"node_sg:{sg_label}"] += 1
        out["security_groups"] += 2

        endpoint_label, _, vpc_config = pick(rng, [(p, p[1]) for p in ENDPOINT_PROFILES])
        log_label, _, enabled, disabled = pick(rng, [(p, p[1]) for p in LOGGING_PROFILES])
        extra = {}
        encrypted = rng.random() < 0.5
        if encrypted:
            if kms_key is None:
                kms_key = aws.kms.create_key(Description="EKS secrets")["KeyMetadata"]["Arn"]
            extra["encryptionConfig"] = [
                {"resources": ["secrets"], "provider": {"keyArn": kms_key}}
            ]
        mix[f"endpoint:{endpoint_label}"] += 1
        mix[f"logging:{log_label}"] += 1
        mix["secrets_encrypted" if encrypted else "secrets_unencrypted"] += 1
        aws.eks.create_cluster(
            name=name,
            version=rng.choice(K8S_VERSIONS),
            roleArn=cluster_roles[c % len(cluster_roles)],
            resourcesVpcConfig={
                "subnetIds": [net["subnets"]["public"], net["subnets"]["private"]],
                "securityGroupIds": [cluster_sg],
                **vpc_config,
            },
            logging=logging_config(enabled, disabled),
            tags={"team": name, "env": rng.choice(["prod", "staging", "dev"])},
            **extra,
        )
        out["clusters"] += 1

        if provider_arn is None:
            issuer = aws.eks.describe_cluster(name=name)["cluster"]["identity"]["oidc"]["issuer"]
            issuer_host_path = issuer.removeprefix("https://")
            provider_arn = aws.iam.create_open_id_connect_provider(
                Url=issuer,
                ClientIDList=["sts.amazonaws.com"],
                ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
            )["OpenIDConnectProviderArn"]
            out["oidc_providers"] += 1

        for g in range(G):
            ng_name = f"{name}-ng-{g}"
            imds_label, _, tokens, hops = pick(rng, [(p, p[1]) for p in IMDS_PROFILES])
            subnet_kind = "public" if rng.random() < 0.3 else "private"
            instance_type = rng.choice(INSTANCE_TYPES)
            metadata = {
                "HttpTokens": tokens,
                "HttpPutResponseHopLimit": hops,
                "HttpEndpoint": "enabled",
            }
            template = aws.ec2.create_launch_template(
                LaunchTemplateName=f"{ng_name}-lt",
                LaunchTemplateData={
                    "ImageId": NODE_AMI,
                    "InstanceType": instance_type,
                    "SecurityGroupIds": [node_sg],
                    "MetadataOptions": metadata,
                },
            )["LaunchTemplate"]
            out["launch_templates"] += 1
            mix[f"imds:{imds_label}"] += 1
            mix[f"nodegroup_subnet:{subnet_kind}"] += 1
            role_name, role_arn, profile_arn = node_roles[nodegroup_index % len(node_roles)]
            count = instances_per_nodegroup[nodegroup_index]
            nodegroup_index += 1
            subnet_id = net["subnets"][subnet_kind]
            size = max(count, 1)
            aws.eks.create_nodegroup(
                clusterName=name,
                nodegroupName=ng_name,
                nodeRole=role_arn,
                subnets=[subnet_id],
                scalingConfig={"minSize": 0, "maxSize": size, "desiredSize": count},
                launchTemplate={
                    "id": template["LaunchTemplateId"],
                    "version": str(template["LatestVersionNumber"]),
                },
                capacityType=rng.choice(["ON_DEMAND", "ON_DEMAND", "SPOT"]),
                tags={"team": name},
            )
            out["nodegroups"] += 1
            if count == 0:
                continue
            asg = aws.eks.describe_nodegroup(clusterName=name, nodegroupName=ng_name)[
                "nodegroup"
            ]["resources"]["autoScalingGroups"][0]["name"]
            tags = {
                "Name": f"{ng_name}-node",
                "eks:cluster-name": name,
                "aws:eks:cluster-name": name,
                "eks:nodegroup-name": ng_name,
                f"kubernetes.io/cluster/{name}": "owned",
                "aws:autoscaling:groupName": asg,
            }
            # One call for the whole nodegroup; moto attaches the profile to
            # the first instance only, the others are associated below.
            reservation = aws.ec2.run_instances(
                ImageId=NODE_AMI,
                InstanceType=instance_type,
                MinCount=count,
                MaxCount=count,
                SubnetId=subnet_id,
                SecurityGroupIds=[node_sg],
                IamInstanceProfile={"Arn": profile_arn},
                MetadataOptions=metadata,
                BlockDeviceMappings=[
                    {
                        "DeviceName": "/dev/xvda",
                        "Ebs": {"VolumeSize": 80, "Encrypted": rng.random() < 0.7},
                    }
                ],
                TagSpecifications=tag_spec("instance", tags),
            )
            for instance in reservation["Instances"]:
                if not instance.get("IamInstanceProfile"):
                    aws.ec2.associate_iam_instance_profile(
                        IamInstanceProfile={"Arn": profile_arn},
                        InstanceId=instance["InstanceId"],
                    )
            out["instances"] += len(reservation["Instances"])
            mix[f"instances_in:{subnet_kind}"] += len(reservation["Instances"])

        for k in range(irsa_per_cluster[c]):
            label, _, operator, sub = pick(rng, [(p, p[1]) for p in IRSA_PROFILES])
            pol_label, _, managed, inline = pick(rng, [(p, p[1]) for p in IRSA_POLICIES])
            ns = rng.choice(NAMESPACES)
            sub_value = sub.format(ns=ns, sa=f"app-{k}") if sub else None
            create_role(
                aws,
                f"{name}-irsa-{k:03d}",
                irsa_trust(provider_arn, issuer_host_path, operator, sub_value),
                managed,
                inline,
            )
            mix[f"irsa_trust:{label}"] += 1
            mix[f"irsa_policy:{pol_label}"] += 1
            out["roles"] += 1
            out["roles_irsa"] += 1

    for i in range(plain_count):
        label, _, service, managed = pick(rng, [(p, p[1]) for p in PLAIN_ROLE_PROFILES])
        create_role(aws, f"svc-{label}-{i:03d}", trust_service(service), managed)
        mix[f"plain_role:{label}"] += 1
        out["roles"] += 1
        out["roles_plain"] += 1

    for r in range(args.repos):
        repo_name = f"team-{r % 10}/service-{r:03d}"
        scan_on_push = rng.random() < 0.5
        mutability = "IMMUTABLE" if rng.random() < 0.4 else "MUTABLE"
        aws.ecr.create_repository(
            repositoryName=repo_name,
            imageScanningConfiguration={"scanOnPush": scan_on_push},
            imageTagMutability=mutability,
        )
        out["repositories"] += 1
        mix["repo:scan_on_push" if scan_on_push else "repo:no_scan_on_push"] += 1
        mix[f"repo:{mutability.lower()}"] += 1
        if rng.random() < 0.4:
            aws.ecr.put_lifecycle_policy(
                repositoryName=repo_name, lifecyclePolicyText=lifecycle_policy()
            )
            mix["repo:lifecycle_policy"] += 1
        if rng.random() < 0.05:
            aws.ecr.set_repository_policy(
                repositoryName=repo_name, policyText=PUBLIC_REPO_POLICY
            )
            mix["repo:public_policy"] += 1
        for i in range(args.images_per_repo):
            tag = f"v1.{i}.0"
            image = aws.ecr.put_image(
                repositoryName=repo_name,
                imageManifest=manifest(f"{args.seed}/{repo_name}:{tag}", 1000 + i),
                imageTag=tag,
            )["image"]
            out["images"] += 1
            # Images in scan-on-push repositories have a completed scan
            # (moto does not scan on push by itself), a few others too.
            if scan_on_push or rng.random() < 0.1:
                aws.ecr.start_image_scan(
                    repositoryName=repo_name,
                    imageId={"imageDigest": image["imageId"]["imageDigest"]},
                )
                out["images_scanned"] += 1
    return out, mix


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--nodegroups-per-cluster", type=int, default=2)
    parser.add_argument("--instances", type=int, default=8, help="in total")
    parser.add_argument("--roles", type=int, default=10, help="IAM roles in total")
    parser.add_argument("--repos", type=int, default=2, help="ECR repositories")
    parser.add_argument("--images-per-repo", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the mix (and moto's ids)")
    args = parser.parse_args(argv)
    for flag in ("clusters", "nodegroups_per_cluster", "instances", "roles", "repos",
                 "images_per_repo"):
        if getattr(args, flag) < 0:
            parser.error(f"--{flag.replace('_', '-')} must not be negative")
    if args.instances and not args.clusters * args.nodegroups_per_cluster:
        parser.error("--instances needs at least one cluster and nodegroup")

    aws = Aws(args.endpoint, args.region)
    started = time.monotonic()
    try:
        # Deterministic resource ids for this server process.
        aws.moto_api(f"/moto-api/seed?a={args.seed}")
        created, mix = generate(aws, args)
    except (OSError, BotoCoreError, ClientError) as e:
        sys.exit(f"generate.py: seeding {args.endpoint} failed: {e}")
    summary = {
        "endpoint": args.endpoint,
        "region": args.region,
        "seed": args.seed,
        "created": dict(sorted(created.items())),
        "mix": dict(sorted(mix.items())),
        "requests": {"total": sum(aws.requests.values()), **dict(sorted(aws.requests.items()))},
        "seconds": round(time.monotonic() - started, 2),
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
