"""The benchmark account: an account at a given scale with a deterministic
(for a given seed) mix of risky and hardened settings. ``generate.py``'s
docstring describes the mix; each ``*_PROFILES`` table below is
``(label, weight, ...)``, drawn by weight."""

import json
import random
from collections import Counter

from . import ec2, ecr, eks, iam
from .iam import AWS_POLICY, WORKER_BASELINE, allow

K8S_VERSIONS = ["1.29", "1.30", "1.31", "1.32"]
INSTANCE_TYPES = ["m5.large", "m5.xlarge", "c5.large", "t3.large"]
NAMESPACES = ["payments", "checkout", "search", "platform", "monitoring", "kube-system"]

# (label, weight, ingress(vpc_cidr)) of the node security groups.
NODE_SG_PROFILES = [
    ("ssh-world", 2, lambda vpc: [ec2.tcp(22, "0.0.0.0/0", "ssh from anywhere")]),
    ("kubelet-world", 1, lambda vpc: [ec2.tcp(10250, "0.0.0.0/0", "kubelet")]),
    (
        "all-ipv6-world",
        1,
        lambda vpc: [{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    ),
    (
        "vpc-only",
        6,
        lambda vpc: [
            ec2.tcp(10250, vpc, "kubelet from the VPC"),
            ec2.tcp(443, vpc, "webhooks from the VPC"),
        ],
    ),
]

# (label, weight, managed, inline) of the node roles.
NODE_ROLE_PROFILES = [
    ("baseline", 12, WORKER_BASELINE, None),
    ("baseline+ssm", 3, WORKER_BASELINE + [AWS_POLICY + "AmazonSSMManagedInstanceCore"], None),
    ("baseline+cni", 3, WORKER_BASELINE + [AWS_POLICY + "AmazonEKS_CNI_Policy"], None),
    ("admin", 2, [AWS_POLICY + "AdministratorAccess"] + WORKER_BASELINE, None),
    ("s3-wildcard", 1, WORKER_BASELINE, {"node-extra": allow("s3:*")}),
    ("ecr-write", 1, WORKER_BASELINE, {"node-push": allow(["ecr:PutImage", "ecr:*Upload*"])}),
]

# (label, weight, operator, sub or None) of the IRSA trust policies.
IRSA_PROFILES = [
    ("scoped", 6, "StringEquals", "system:serviceaccount:{ns}:{sa}"),
    ("namespace-wildcard", 2, "StringLike", "system:serviceaccount:{ns}:*"),
    ("any-sa", 1, "StringLike", "system:serviceaccount:*"),
    ("no-sub", 1, "StringEquals", None),
]

# (label, weight, managed, inline) of the IRSA roles' permissions.
IRSA_POLICIES = [
    ("s3-read", 5, [AWS_POLICY + "AmazonS3ReadOnlyAccess"], None),
    ("dynamodb-scoped", 3, [], {"app": allow(["dynamodb:GetItem", "dynamodb:PutItem"],
                                             "arn:aws:dynamodb:*:*:table/app")}),
    ("s3-full", 1, [AWS_POLICY + "AmazonS3FullAccess"], None),
    ("admin", 1, [AWS_POLICY + "AdministratorAccess"], None),
]

# (label, weight, trusted service, managed) of the roles no cluster uses.
PLAIN_ROLE_PROFILES = [
    ("lambda", 4, "lambda.amazonaws.com",
     [AWS_POLICY + "service-role/AWSLambdaBasicExecutionRole"]),
    ("ecs-task", 3, "ecs-tasks.amazonaws.com",
     [AWS_POLICY + "service-role/AmazonECSTaskExecutionRolePolicy"]),
    ("ec2-ssm", 2, "ec2.amazonaws.com", [AWS_POLICY + "AmazonSSMManagedInstanceCore"]),
    ("ops-admin", 1, "ec2.amazonaws.com", [AWS_POLICY + "AdministratorAccess"]),
]

# (label, weight, resourcesVpcConfig endpoint settings) of the clusters.
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

# (label, weight, control-plane log types enabled) of the clusters.
LOGGING_PROFILES = [
    ("all", 4, eks.ALL_LOG_TYPES),
    ("audit-only", 2, ["audit", "authenticator"]),
    ("none", 4, []),
]

# (label, weight, HttpTokens, hop limit) of the launch templates.
IMDS_PROFILES = [
    ("v2-hop1", 5, "required", 1),
    ("v2-hop2", 2, "required", 2),
    ("v1-hop1", 2, "optional", 1),
    ("v1-hop2", 1, "optional", 2),
]

# A repository policy letting anyone pull.
PUBLIC_REPO_POLICY = {
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


def pick(rng, profiles):
    """One of ``profiles`` (``(label, weight, ...)``), drawn by weight."""
    return rng.choices(profiles, weights=[p[1] for p in profiles], k=1)[0]


def spread(total, buckets):
    """``total`` split over ``buckets`` as evenly as possible."""
    if buckets <= 0:
        return []
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def create_network(aws, name, index):
    """A VPC ``10.<index>.0.0/16`` with a public /20 subnet in zone ``a`` and
    a private one in ``b``. /20 because moto runs a /24 out of addresses at
    a few hundred instances."""
    cidr = f"10.{index}.0.0/16"
    vpc_id = ec2.create_vpc(aws, name, cidr)
    igw_id = ec2.create_internet_gateway(aws, vpc_id)
    public = ec2.create_subnet(aws, vpc_id, f"{name}-public", f"10.{index}.0.0/20", "a")
    ec2.make_public(aws, public, igw_id)
    private = ec2.create_subnet(aws, vpc_id, f"{name}-private", f"10.{index}.16.0/20", "b")
    return {
        "vpc_id": vpc_id,
        "cidr": cidr,
        "subnets": {"public": public["subnet_id"], "private": private["subnet_id"]},
    }


def generate(aws, seed, clusters, nodegroups_per_cluster, instances, roles, repos,
             images_per_repo):
    """Builds the account; returns the counts of what it created and of the
    mix drawn (two Counters). ``seed`` draws the mix and names the image
    layers."""
    rng = random.Random(seed)
    mix = Counter()
    out = Counter()
    C, G = clusters, nodegroups_per_cluster
    nodegroup_count = C * G

    # Role budget: one cluster role per cluster and one node role per
    # nodegroup come first (shared when roles is smaller), then IRSA roles
    # (about 40% of what is left, spread over the clusters) and plain roles.
    cluster_role_count = min(C, max(1, roles // 4)) if C else 0
    node_role_count = (
        min(nodegroup_count, max(1, roles - cluster_role_count)) if nodegroup_count else 0
    )
    rest = max(0, roles - cluster_role_count - node_role_count)
    irsa_count = (rest * 2) // 5 if C else 0
    plain_count = rest - irsa_count

    # The IAM OIDC provider. moto gives every cluster of one server process
    # the same issuer, so one provider serves them all; it is created from
    # the first cluster's issuer below.
    provider_arn = None
    issuer = None

    kms_key = None
    cluster_roles = []
    for i in range(cluster_role_count):
        cluster_roles.append(
            iam.create_role(
                aws,
                f"eks-cluster-role-{i:03d}",
                iam.trust_service("eks.amazonaws.com"),
                ["AmazonEKSClusterPolicy"],
            )
        )
        out["roles"] += 1
        out["roles_cluster"] += 1

    node_roles = []  # (arn, profile_arn)
    for i in range(node_role_count):
        label, _, managed, inline = pick(rng, NODE_ROLE_PROFILES)
        name = f"eks-node-role-{i:03d}"
        arn = iam.create_role(aws, name, iam.trust_service("ec2.amazonaws.com"), managed, inline)
        node_roles.append((arn, iam.create_instance_profile(aws, f"{name}-profile", name)))
        mix[f"node_role:{label}"] += 1
        out["roles"] += 1
        out["roles_node"] += 1
        out["instance_profiles"] += 1

    instances_per_nodegroup = spread(instances, nodegroup_count)
    irsa_per_cluster = spread(irsa_count, C)
    nodegroup_index = 0
    for c in range(C):
        name = f"cluster-{c:03d}"
        net = create_network(aws, name, c % 250)
        out["vpcs"] += 1
        out["subnets"] += 2
        cluster_sg = ec2.create_security_group(
            aws,
            net["vpc_id"],
            f"{name}-cluster-sg",
            "EKS cluster security group",
            [ec2.tcp(443, net["cidr"], "API from the VPC")],
        )["group_id"]
        sg_label, _, ingress = pick(rng, NODE_SG_PROFILES)
        node_sg = ec2.create_security_group(
            aws, net["vpc_id"], f"{name}-node-sg", "node group security group",
            ingress(net["cidr"]),
        )["group_id"]
        mix[f"node_sg:{sg_label}"] += 1
        out["security_groups"] += 2

        endpoint_label, _, vpc_config = pick(rng, ENDPOINT_PROFILES)
        log_label, _, enabled = pick(rng, LOGGING_PROFILES)
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
        version = rng.choice(K8S_VERSIONS)
        env = rng.choice(["prod", "staging", "dev"])
        eks.create_cluster(
            aws,
            name,
            version,
            cluster_roles[c % len(cluster_roles)],
            [net["subnets"]["public"], net["subnets"]["private"]],
            [cluster_sg],
            vpc_config,
            logging=eks.logging_config(enabled),
            tags={"team": name, "env": env},
            **extra,
        )
        out["clusters"] += 1

        if provider_arn is None:
            issuer = eks.oidc_issuer(aws, name)
            provider_arn = iam.create_oidc_provider(aws, issuer)
            out["oidc_providers"] += 1

        for g in range(G):
            ng_name = f"{name}-ng-{g}"
            imds_label, _, tokens, hops = pick(rng, IMDS_PROFILES)
            subnet_kind = "public" if rng.random() < 0.3 else "private"
            instance_type = rng.choice(INSTANCE_TYPES)
            metadata = ec2.imds(tokens, hops)
            template = ec2.create_launch_template(
                aws, f"{ng_name}-lt", node_sg, metadata, instance_type
            )
            out["launch_templates"] += 1
            mix[f"imds:{imds_label}"] += 1
            mix[f"nodegroup_subnet:{subnet_kind}"] += 1
            role_arn, profile_arn = node_roles[nodegroup_index % len(node_roles)]
            count = instances_per_nodegroup[nodegroup_index]
            nodegroup_index += 1
            subnet_id = net["subnets"][subnet_kind]
            eks.create_nodegroup(
                aws,
                name,
                ng_name,
                role_arn,
                [subnet_id],
                template,
                {"minSize": 0, "maxSize": max(count, 1), "desiredSize": count},
                capacityType=rng.choice(["ON_DEMAND", "ON_DEMAND", "SPOT"]),
                tags={"team": name},
            )
            out["nodegroups"] += 1
            if count == 0:
                continue
            asg = eks.autoscaling_group(aws, name, ng_name)
            # One call for the whole nodegroup (fewer requests at scale).
            launched = ec2.launch_nodes(
                aws,
                ec2.node_tags(name, ng_name, asg),
                count,
                profile_arn,
                batched=True,
                InstanceType=instance_type,
                SubnetId=subnet_id,
                SecurityGroupIds=[node_sg],
                MetadataOptions=metadata,
                BlockDeviceMappings=[
                    {
                        "DeviceName": "/dev/xvda",
                        "Ebs": {"VolumeSize": 80, "Encrypted": rng.random() < 0.7},
                    }
                ],
            )
            out["instances"] += len(launched)
            mix[f"instances_in:{subnet_kind}"] += len(launched)

        for k in range(irsa_per_cluster[c]):
            label, _, operator, sub = pick(rng, IRSA_PROFILES)
            pol_label, _, managed, inline = pick(rng, IRSA_POLICIES)
            ns = rng.choice(NAMESPACES)
            condition = {"StringEquals": {"aud": "sts.amazonaws.com"}}
            if sub is not None:
                condition.setdefault(operator, {})["sub"] = sub.format(ns=ns, sa=f"app-{k}")
            iam.create_role(
                aws,
                f"{name}-irsa-{k:03d}",
                iam.irsa_trust(provider_arn, issuer, condition),
                managed,
                inline,
            )
            mix[f"irsa_trust:{label}"] += 1
            mix[f"irsa_policy:{pol_label}"] += 1
            out["roles"] += 1
            out["roles_irsa"] += 1

    for i in range(plain_count):
        label, _, service, managed = pick(rng, PLAIN_ROLE_PROFILES)
        iam.create_role(aws, f"svc-{label}-{i:03d}", iam.trust_service(service), managed)
        mix[f"plain_role:{label}"] += 1
        out["roles"] += 1
        out["roles_plain"] += 1

    for r in range(repos):
        repo_name = f"team-{r % 10}/service-{r:03d}"
        scan_on_push = rng.random() < 0.5
        mutability = "IMMUTABLE" if rng.random() < 0.4 else "MUTABLE"
        ecr.create_repository(aws, repo_name, scan_on_push, mutability)
        out["repositories"] += 1
        mix["repo:scan_on_push" if scan_on_push else "repo:no_scan_on_push"] += 1
        mix[f"repo:{mutability.lower()}"] += 1
        if rng.random() < 0.4:
            ecr.set_lifecycle_policy(aws, repo_name)
            mix["repo:lifecycle_policy"] += 1
        if rng.random() < 0.05:
            aws.ecr.set_repository_policy(
                repositoryName=repo_name, policyText=json.dumps(PUBLIC_REPO_POLICY)
            )
            mix["repo:public_policy"] += 1
        for i in range(images_per_repo):
            tag = f"v1.{i}.0"
            # Layer and config digests derive from the seed and the image.
            text = f"{seed}/{repo_name}:{tag}"
            size = 1000 + i
            digest = ecr.push_image(
                aws,
                repo_name,
                tag,
                ecr.manifest(ecr.sha256(text), ecr.sha256("config:" + text), size, size * 1900),
            )
            out["images"] += 1
            # Images in scan-on-push repositories have a completed scan
            # (moto does not scan on push by itself), a few others too.
            if scan_on_push or rng.random() < 0.1:
                ecr.scan_image(aws, repo_name, digest)
                out["images_scanned"] += 1
    return out, mix
