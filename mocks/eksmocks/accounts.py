"""The hand-written accounts, as data: each account is a list of cluster
stacks, each stack one EKS cluster with its network, roles, registry and ECS
service (``stack.SCHEMA`` says what each key means; ``stack.seed`` builds
one). Plain literals only, so that a test can read them without AWS.

* ``risky``: every risk the core checks look for.
* ``hardened``: the same shapes with every risk fixed.
* ``demo``: both (the README demo).
* ``shapes``: real AWS shapes verdicts once got wrong, each with its
  expected verdict.
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
        # API mode (the aws-auth ConfigMap is not in play), the creator kept
        # as admin, no deletion protection, extended support allowed.
        "access_config": {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": True,
        },
        "deletion_protection": False,
        "support_type": "EXTENDED",
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
    # Inspector scans only the first node and not the image.
    "inspector": True,
    "inspector_coverage": {"nodes": "first", "image": False},
    "principals": {
        # The cluster's creator, an IAM user with long-lived keys.
        "users": ["risky-deployer"],
        "roles": [
            # Any GitHub Actions workflow of any repository can assume it.
            {
                "name": "risky-github-deploy",
                "principal": {"Federated": "@github_oidc"},
                "action": "sts:AssumeRoleWithWebIdentity",
                "condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"},
                },
            },
            # Any principal of the account can assume it.
            {
                "name": "risky-platform",
                "principal": {"AWS": "arn:aws:iam::@account:root"},
            },
        ],
    },
    "access_entries": [
        {
            "principal": "@user:risky-deployer",
            "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}],
        },
        {
            "principal": "@role:risky-github-deploy",
            "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}],
        },
        # Kubernetes RBAC decides what this group may do, out of AWS's sight.
        {"principal": "@role:risky-platform", "kubernetes_groups": ["platform-admins"]},
    ],
    # The VPC CNI without network policy.
    "addons": [
        {"name": "coredns", "version": "v1.11.3-eksbuild.1"},
        {"name": "kube-proxy", "version": "v1.31.2-eksbuild.3"},
        {"name": "vpc-cni", "version": "v1.19.0-eksbuild.1"},
    ],
    # A role any pod of any cluster can be given, chaining to a role in
    # another account.
    "pod_identity": [
        {
            "namespace": "batch",
            "service_account": "exporter",
            "role": {"name": "risky-pod-exporter", "managed": ["AmazonS3ReadOnlyAccess"]},
            "target_role": "arn:aws:iam::999999999999:role/partner-data-writer",
        }
    ],
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
        "version": "1.34",
        # publicAccessCidrs omitted: EKS leaves it out when public access is off.
        "endpoint": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        "logging": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "ingress": [
            {"port": 443, "cidr": "10.1.0.0/16", "description": "API from inside the VPC"}
        ],
        "access_config": {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": False,
        },
        "deletion_protection": True,
        "support_type": "STANDARD",
        "log_retention_days": 365,
    },
    "nodes": {
        "policies": ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"],
        "ingress": [
            {"port": 443, "cidr": "10.1.0.0/16", "description": "HTTPS from inside the VPC"}
        ],
        "http_tokens": "required",
        "hop_limit": 1,
        "count": 2,
        "encrypted_volumes": True,
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
        "kms": True,
        "registry_scan_filter": "hardened-*",
    },
    "inspector": True,
    "inspector_coverage": {"nodes": "all", "image": True},
    "principals": {
        "users": ["hardened-oncall"],
        "roles": [
            # Cluster admin, assumable only through the named operator role.
            {
                "name": "hardened-admin",
                "principal": {"AWS": "arn:aws:iam::@account:role/hardened-ops"},
            },
            {
                "name": "hardened-ops",
                "principal": {"AWS": "arn:aws:iam::@account:user/hardened-oncall"},
            },
        ],
    },
    "access_entries": [
        {
            "principal": "@role:hardened-admin",
            "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}],
        },
        {
            "principal": "@role:hardened-ops",
            "policies": [{"policy": "AmazonEKSViewPolicy", "namespaces": ["app"]}],
        },
    ],
    # The VPC CNI enforces network policies, with its own IRSA role.
    "addons": [
        {"name": "coredns", "version": "v1.11.3-eksbuild.1"},
        {"name": "eks-pod-identity-agent", "version": "v1.3.4-eksbuild.1"},
        {"name": "kube-proxy", "version": "v1.34.0-eksbuild.2"},
        {
            "name": "vpc-cni",
            "version": "v1.19.0-eksbuild.1",
            "role": "hardened-vpc-cni",
            "configuration": {"enableNetworkPolicy": "true"},
        },
    ],
    # Trusted only for this cluster's app/web service account.
    "pod_identity": [
        {
            "namespace": "app",
            "service_account": "reports",
            "role": {"name": "hardened-pod-reports", "inline": {"read-app-bucket": READ_APP_BUCKET}},
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-arn": "@cluster_arn",
                    "aws:RequestTag/kubernetes-namespace": "app",
                    "aws:RequestTag/kubernetes-service-account": "reports",
                }
            },
        }
    ],
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

# Real AWS shapes that verdicts once got wrong, each beside its expected
# verdict (tests/tests/real_shapes.rs): a cluster created without creator
# admin but with an explicit admin entry; a cluster in CONFIG_MAP mode; a load balancer controller's
# world-open NodePort rules on nodes without public IPs; IRSA trusts keyed
# on another issuer's ``:sub`` (a plain operator, and ``IfExists``); a
# repository ``IMMUTABLE_WITH_EXCLUSION`` with the filter ``*``; repository
# policies open to ``"*"`` narrowed only by a wildcard-account
# ``aws:PrincipalArn``, or by ``aws:PrincipalOrgID``; an ECS task whose
# secret-like variables hold references (an ARN, a URL, a file path).
NLB_CLIENT = "kubernetes.io/rule/nlb/client=a1b2c3d4e5f60718293a4b5c6d7e8f90"

SHAPES = {
    "name": "shapes",
    "network": {"cidr": "10.2.0.0/16", "public": False},
    "secrets_encryption": True,
    "cluster": {
        "version": "1.34",
        "endpoint": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        "logging": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "ingress": [],
        "access_config": {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": False,
        },
        "deletion_protection": True,
        "support_type": "STANDARD",
        # The whole NodePort range, as the load balancer controller opens it.
        "cluster_sg_ingress": [
            {"port": 30000, "to_port": 32767, "cidr": "0.0.0.0/0", "description": NLB_CLIENT}
        ],
        "log_retention_days": 365,
    },
    "nodes": {
        "policies": ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"],
        # One NodePort of an internet-facing NLB, opened by the in-tree
        # service controller.
        "ingress": [{"port": 31234, "cidr": "0.0.0.0/0", "description": NLB_CLIENT}],
        "http_tokens": "required",
        "hop_limit": 1,
        "count": 1,
        "encrypted_volumes": True,
    },
    "irsa_roles": [],
    "repository": {
        "name": "shapes-app",
        "scan_on_push": True,
        "mutability": "IMMUTABLE",
        "image": {"tag": "v2.0.0", "layer": "e"},
        "scanned": True,
        "lifecycle_policy": True,
        "kms": True,
    },
    "extra_repositories": [
        {"name": "shapes-mutable-all", "mutability": "IMMUTABLE_WITH_EXCLUSION", "exclusions": ["*"]},
        {
            "name": "shapes-any-role",
            "mutability": "IMMUTABLE",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AnyRoleOfAnyAccount",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Condition": {
                            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}
                        },
                    }
                ],
            },
        },
        {
            "name": "shapes-org",
            "mutability": "IMMUTABLE",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "OurOrganization",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
                    }
                ],
            },
        },
    ],
    "inspector": True,
    "inspector_coverage": {"nodes": "all", "image": True},
    # Who administers this cluster is in the aws-auth ConfigMap, which the
    # AWS API does not show.
    "extra_clusters": [
        {
            "name": "shapes-configmap",
            "access_config": {
                "authenticationMode": "CONFIG_MAP",
                "bootstrapClusterCreatorAdminPermissions": True,
            },
        }
    ],
    "principals": {
        "users": [],
        "roles": [
            {
                "name": "shapes-admin",
                "principal": {"AWS": "arn:aws:iam::@account:role/shapes-ops"},
            },
            {
                "name": "shapes-ops",
                "principal": {"Service": "codebuild.amazonaws.com"},
            },
            # Keyed on another cluster's issuer with a plain operator: no
            # token of this cluster's provider carries that key, so nobody
            # can assume it through this provider.
            {
                "name": "shapes-irsa-other-issuer",
                "managed": ["AmazonS3ReadOnlyAccess"],
                "principal": {"Federated": "@oidc_provider"},
                "action": "sts:AssumeRoleWithWebIdentity",
                "condition": {
                    "StringEquals": {
                        "oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF"
                        "0123456789ABCDEF:sub": "system:serviceaccount:app:web"
                    }
                },
            },
            # The same with IfExists: vacuously true, any service account.
            {
                "name": "shapes-irsa-other-issuer-ifexists",
                "managed": ["AmazonS3ReadOnlyAccess"],
                "principal": {"Federated": "@oidc_provider"},
                "action": "sts:AssumeRoleWithWebIdentity",
                "condition": {
                    "StringLikeIfExists": {
                        "oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF"
                        "0123456789ABCDEF:sub": "system:serviceaccount:app:*"
                    }
                },
            },
        ],
    },
    "access_entries": [
        {
            "principal": "@role:shapes-admin",
            "policies": [{"policy": "AmazonEKSClusterAdminPolicy"}],
        },
    ],
    "addons": [
        {
            "name": "vpc-cni",
            "version": "v1.19.0-eksbuild.1",
            "configuration": {"enableNetworkPolicy": "true"},
        }
    ],
    "pod_identity": [],
    "ecs": {
        "cluster": "shapes-ecs",
        "service": "shapes-web",
        "security_groups": [
            {"name": "shapes-ecs-sg", "description": "ECS service tasks", "ingress": []}
        ],
        "parameters": [],
        "roles": [
            {
                "name": "shapes-ecs-execution",
                "managed": ["service-role/AmazonECSTaskExecutionRolePolicy"],
            },
            {"name": "shapes-ecs-task", "inline": {"read-app-bucket": READ_APP_BUCKET}},
        ],
        # Secret-like names whose values are references, not secrets.
        "task_definition": {
            "family": "shapes-web",
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "executionRoleArn": "@role:shapes-ecs-execution",
            "taskRoleArn": "@role:shapes-ecs-task",
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": "@image:v2.0.0",
                    "essential": True,
                    "privileged": False,
                    "readonlyRootFilesystem": True,
                    "user": "1000",
                    "environment": [
                        {
                            "name": "DB_PASSWORD_SECRET_ARN",
                            "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                        },
                        {"name": "AUTH_TOKEN_URL", "value": "https://example.com/x"},
                        {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"},
                    ],
                }
            ],
        },
        "service_args": {
            "launchType": "FARGATE",
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": ["@subnet"],
                    "securityGroups": ["@security_group:shapes-ecs-sg"],
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
    "shapes": [SHAPES],
}
