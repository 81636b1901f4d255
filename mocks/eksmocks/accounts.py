"""The hand-written accounts, as data: each account is a list of cluster
stacks, each stack one EKS cluster with its network, roles, registry and ECS
service (``stack.SCHEMA`` says what each key means; ``stack.seed`` builds
one). Plain literals only, so that a test can read them without AWS.

* ``risky``: every risk the core checks look for.
* ``hardened``: the same shapes with every risk fixed.
* ``demo``: both (the README demo).
* ``empty``: nothing (with ``--member-role``: an account a multi-account
  scan can enter and finds no cluster in).
"""

# A public endpoint open to the world, no secrets encryption, nodes in a
# public subnet that allow IMDSv1 with hop limit 2, SSH open to the world, an
# administrator node role, an IRSA role any service account can assume, an
# ECR repository that does not scan on push and holds an unscanned image, and
# an ECS service whose task runs a privileged container as the image's user,
# with a writable root filesystem, a password in a plain environment
# variable, and one administrator role as both execution and task role.
RISKY = {
    "name": "risky",
    "network": {"cidr": "10.0.0.0/16", "public": True},
    "secrets_encryption": False,
    "cluster": {
        "version": "1.31",
        "endpoint": {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "logging": [],
        "ingress": [],
    },
    "nodes": {
        "policies": [
            "AdministratorAccess",
            "AmazonEKSWorkerNodePolicy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEKS_CNI_Policy",
        ],
        "ingress": [{"port": 22, "cidr": "0.0.0.0/0", "description": "ssh from anywhere"}],
        "http_tokens": "optional",
        "hop_limit": 2,
        "count": 2,
    },
    "irsa_roles": [
        {
            "name": "risky-irsa",
            "summary": "irsa_role_arn",
            "condition": {"StringLike": {"sub": "system:serviceaccount:*"}},
            "managed": ["AmazonS3FullAccess"],
        }
    ],
    "repository": {
        "name": "risky-app",
        "scan_on_push": False,
        "mutability": "MUTABLE",
        "image": {"tag": "latest", "layer": "a"},
        "scanned": False,
        "lifecycle_policy": False,
    },
    "inspector": False,
    "ecs": {
        "cluster": "risky-ecs",
        "service": "risky-web",
        "security_groups": [],
        "parameters": [],
        # One administrator role as both execution and task role.
        "roles": [
            {
                "name": "risky-ecs-role",
                "summary": "role_arn",
                "managed": ["AdministratorAccess"],
            }
        ],
        # The literal password the task carries in plain ``environment``; the
        # collected inventory must never contain it.
        "env_secret": "DB_PASSWORD",
        # "@role:NAME", "@image:TAG", "@parameter:NAME", "@subnet" and
        # "@security_group:NAME" name what the stack created.
        "task_definition": {
            "family": "risky-web",
            # EC2 launch type: Fargate refuses privileged containers.
            "requiresCompatibilities": ["EC2"],
            "networkMode": "bridge",
            "executionRoleArn": "@role:risky-ecs-role",
            "taskRoleArn": "@role:risky-ecs-role",
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": "@image:latest",
                    "memory": 512,
                    "essential": True,
                    "privileged": True,
                    "environment": [
                        {"name": "DB_PASSWORD", "value": "Pr0d-DB-hunter2-9f8e7d"},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ],
                }
            ],
        },
        "service_args": {"launchType": "EC2"},
    },
}

# What the hardened workloads (the IRSA role, the ECS task) may do.
READ_APP_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::hardened-app-data/*",
        }
    ],
}

HARDENED = {
    "name": "hardened",
    "network": {"cidr": "10.1.0.0/16", "public": False},
    "secrets_encryption": True,
    "cluster": {
        "version": "1.31",
        # publicAccessCidrs omitted: EKS leaves it out when public access is off.
        "endpoint": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        "logging": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "ingress": [
            {"port": 443, "cidr": "10.1.0.0/16", "description": "API from inside the VPC"}
        ],
    },
    "nodes": {
        "policies": ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"],
        "ingress": [
            {"port": 443, "cidr": "10.1.0.0/16", "description": "HTTPS from inside the VPC"}
        ],
        "http_tokens": "required",
        "hop_limit": 1,
        "count": 2,
    },
    "irsa_roles": [
        {
            "name": "hardened-irsa",
            "summary": "irsa_role_arn",
            "condition": {
                "StringEquals": {
                    "sub": "system:serviceaccount:app:web",
                    "aud": "sts.amazonaws.com",
                }
            },
            "inline": {"read-app-bucket": READ_APP_BUCKET},
        },
        # The VPC CNI gets its permissions through IRSA, not the node role.
        {
            "name": "hardened-vpc-cni",
            "summary": "cni_role_arn",
            "condition": {
                "StringEquals": {
                    "sub": "system:serviceaccount:kube-system:aws-node",
                    "aud": "sts.amazonaws.com",
                }
            },
            "managed": ["AmazonEKS_CNI_Policy"],
        },
    ],
    "repository": {
        "name": "hardened-app",
        "scan_on_push": True,
        "mutability": "IMMUTABLE",
        "image": {"tag": "v1.0.0", "layer": "b"},
        "scanned": True,
        "lifecycle_policy": True,
    },
    "inspector": True,
    # Read-only root filesystem, user 1000, the password from SSM through
    # ``secrets``, an execution role with only the ECS execution policy and a
    # separate task role.
    "ecs": {
        "cluster": "hardened-ecs",
        "service": "hardened-web",
        "security_groups": [
            {"name": "hardened-ecs-sg", "description": "ECS service tasks", "ingress": []}
        ],
        "parameters": [
            {
                "name": "/hardened/db-password",
                "value": "not-a-real-password",
                "summary": "ssm_parameter_arn",
            }
        ],
        "roles": [
            {
                "name": "hardened-ecs-execution",
                "summary": "execution_role_arn",
                "managed": ["service-role/AmazonECSTaskExecutionRolePolicy"],
            },
            {
                "name": "hardened-ecs-task",
                "summary": "task_role_arn",
                "inline": {"read-app-bucket": READ_APP_BUCKET},
            },
        ],
        "task_definition": {
            "family": "hardened-web",
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": "@role:hardened-ecs-execution",
            "taskRoleArn": "@role:hardened-ecs-task",
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": "@image:v1.0.0",
                    "essential": True,
                    "privileged": False,
                    "readonlyRootFilesystem": True,
                    "user": "1000",
                    "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                    "secrets": [
                        {"name": "DB_PASSWORD", "valueFrom": "@parameter:/hardened/db-password"}
                    ],
                }
            ],
        },
        "service_args": {
            "launchType": "FARGATE",
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": ["@subnet"],
                    "securityGroups": ["@security_group:hardened-ecs-sg"],
                    "assignPublicIp": "DISABLED",
                }
            },
        },
    },
}

# Each account's stacks, seeded in this order.
ACCOUNTS = {
    "empty": [],
    "risky": [RISKY],
    "hardened": [HARDENED],
    "demo": [RISKY, HARDENED],
}
