"""A cluster stack: one EKS cluster with its network, roles, nodes,
registry and ECS service, built from a spec (``accounts.py`` holds the
specs; ``SCHEMA`` says what each key means).

The stack creates its resources in one fixed order, so that moto, seeded
with a fixed value, hands out the same ids on every run. Names derive from
the stack's ``name``: ``<name>-vpc``, ``<name>-public`` or ``<name>-private``
(the subnet), ``<name>-cluster-role``, ``<name>-cluster-sg``,
``<name>-node-sg``, ``<name>-node-role``, ``<name>-node-profile``,
``<name>-node-lt`` and ``<name>-ng``; the IRSA roles, repository and ECS
resources are named in the spec.
"""

import datetime
import json

from . import ec2, ecr, ecs, eks, iam, inspector, wire

ECS_TASKS = "ecs-tasks.amazonaws.com"

# ``{"port", "cidr", "description"}``: TCP ingress to a security group.
INGRESS = [{"port": int, "to_port?": int, "cidr": str, "description": str}]
# An IAM role: AWS managed policies by name, inline policies by name; its ARN
# goes into the printed summary under ``summary`` when that is given.
ROLE = {"name": str, "summary?": str, "managed?": [str], "inline?": dict}

# The shape of a stack spec: a key ending in ``?`` is optional, ``[x]`` is a
# list of ``x``, a dict is a nested spec, a type is a value of that type.
SCHEMA = {
    "name": str,
    # A VPC of ``cidr`` (a /16) with one /20 subnet in zone ``a``. ``public``:
    # the subnet maps public IPs on launch and its route table sends
    # 0.0.0.0/0 to an internet gateway; otherwise only the local route.
    "network": {"cidr": str, "public": bool},
    # Envelope encryption of Kubernetes secrets with a KMS key of its own.
    "secrets_encryption": bool,
    "cluster": {
        "version": str,
        # resourcesVpcConfig's endpoint flags and publicAccessCidrs.
        "endpoint": dict,
        # The control-plane log types turned on (the others are off).
        "logging": [str],
        # Of the additional security group (``securityGroupIds``).
        "ingress": INGRESS,
        # What moto drops from DescribeCluster (the wire layer serves it):
        # accessConfig (AccessConfigResponse), deletionProtection and
        # upgradePolicy.supportType.
        "access_config?": dict,
        "deletion_protection?": bool,
        "support_type?": str,
        # Ingress of the cluster security group EKS creates
        # (``eks-cluster-sg-<name>``, reported as clusterSecurityGroupId);
        # it always admits itself, as EKS's does.
        "cluster_sg_ingress?": INGRESS,
        # A CloudWatch log group for the control-plane logs, with a
        # retention of this many days.
        "log_retention_days?": int,
    },
    # One managed nodegroup of ``count`` instances (ON_DEMAND, m5.large)
    # with a launch template setting IMDS ``http_tokens`` and ``hop_limit``.
    "nodes": {
        "policies": [str],
        "ingress": INGRESS,
        "http_tokens": str,
        "hop_limit": int,
        "count": int,
        # Root volumes encrypted (with the account's default EBS key).
        "encrypted_volumes?": bool,
    },
    # IRSA roles trusted by the cluster's OIDC provider; ``condition`` maps an
    # operator to ``{suffix: value}``, the key becoming ``<issuer>:<suffix>``.
    "irsa_roles": [{**ROLE, "condition": dict}],
    # A repository holding one image (``layer``: one hex digit its layer
    # digest repeats), ``scanned`` with a completed basic scan.
    "repository": {
        "name": str,
        "scan_on_push": bool,
        "mutability": str,
        "image": {"tag": str, "layer": str},
        "scanned": bool,
        "lifecycle_policy": bool,
        # Encrypted with a customer managed KMS key of its own.
        "kms?": bool,
        # A basic registry scanning rule, scan on push, for this filter.
        "registry_scan_filter?": str,
    },
    # More repositories, without images: ``exclusions`` are the wildcard
    # tag filters of ``*_WITH_EXCLUSION`` mutability, ``policy`` the
    # repository policy.
    "extra_repositories?": [
        {"name": str, "mutability": str, "exclusions?": [str], "policy?": dict}
    ],
    "inspector": bool,
    # Inspector2 coverage (served by the wire layer): ``nodes`` "all",
    # "first" (the first instance only) or "none"; ``image`` covered.
    "inspector_coverage?": {"nodes": str, "image": bool},
    # More clusters, bare (no nodes, add-ons or access entries), in the
    # stack's subnet with its cluster role and groups, private endpoint:
    # ``access_config`` as for the main cluster.
    "extra_clusters?": [{"name": str, "access_config": dict}],
    # IAM principals that access entries name: users by name, roles with
    # the one Allow statement of their trust policy (``action``
    # sts:AssumeRole unless given; ``"@account"``, ``"@oidc_provider"`` and
    # ``"@github_oidc"`` stand for this account, the cluster's IAM OIDC
    # provider ARN and the GitHub Actions OIDC provider's).
    "principals?": {
        "users": [str],
        "roles": [{**ROLE, "principal": dict, "action?": str, "condition?": dict}],
    },
    # EKS access entries (served by the wire layer): ``principal`` an ARN or
    # ``@role:NAME``/``@user:NAME`` of ``principals``; ``policies``
    # ``{"policy": name, "namespaces"?: [...]}``. Under the API modes the
    # node role's EC2_LINUX entry is added, as EKS adds it for a managed
    # nodegroup.
    "access_entries?": [
        {
            "principal": str,
            "type?": str,
            "kubernetes_groups?": [str],
            "username?": str,
            "policies?": [dict],
        }
    ],
    # EKS add-ons: ``role`` names one of ``irsa_roles``; ``configuration``
    # the add-on's configuration values.
    "addons?": [{"name": str, "version": str, "configuration?": dict, "role?": str}],
    # Pod Identity associations; ``role`` is created trusting
    # pods.eks.amazonaws.com; ``target_role`` is the role it chains to.
    "pod_identity?": [
        {
            "namespace": str,
            "service_account": str,
            "role": ROLE,
            # The trust statement's Condition ("@cluster_arn" stands for the
            # cluster's ARN); none when absent.
            "condition?": dict,
            "target_role?": str,
        }
    ],
    # An ECS cluster running one service. Strings in ``task_definition`` and
    # ``service_args`` (the keyword arguments of RegisterTaskDefinition and
    # CreateService) may name what the stack created: ``@role:NAME`` (one of
    # ``roles``), ``@parameter:NAME`` (one of ``parameters``, SSM
    # SecureStrings), ``@security_group:NAME`` (one of ``security_groups``),
    # ``@image:TAG`` (the repository's image) and ``@subnet``. ``env_secret``
    # names the environment variable holding a planted secret, which the
    # summary prints with its value.
    "ecs": {
        "cluster": str,
        "service": str,
        "security_groups": [{"name": str, "description": str, "ingress": INGRESS}],
        "parameters": [{"name": str, "value": str, "summary?": str}],
        "roles": [ROLE],
        "env_secret?": str,
        "task_definition": dict,
        "service_args": dict,
    },
}


def check(value, schema, where="spec"):
    """The errors of ``value`` against ``schema`` (see ``SCHEMA``)."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        keys = {k.rstrip("?"): k.endswith("?") for k in schema}
        errors = [f"{where}.{k}: unknown key" for k in value if k not in keys]
        errors += [
            f"{where}.{k}: missing" for k, optional in keys.items()
            if not optional and k not in value
        ]
        for key, sub in schema.items():
            if key.rstrip("?") in value:
                errors += check(value[key.rstrip("?")], sub, f"{where}.{key.rstrip('?')}")
        return errors
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [e for i, v in enumerate(value) for e in check(v, schema[0], f"{where}[{i}]")]
    # bool is an int in Python; a flag is no count.
    if not isinstance(value, schema) or (schema is int and isinstance(value, bool)):
        return [f"{where}: expected {schema.__name__}"]
    return []


def resolve(value, refs):
    """``value`` with every ``@kind:name`` string replaced by ``refs``'s."""
    if isinstance(value, dict):
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        if value not in refs:
            raise ValueError(f"{value}: names nothing the stack creates")
        return refs[value]
    return value


def references(spec, role_arns, parameter_arns, group_ids, subnet_id, repo_uri):
    """What each ``@`` reference of the ECS section stands for."""
    refs = {"@subnet": subnet_id}
    ecs_spec = spec["ecs"]
    for role in ecs_spec["roles"]:
        refs[f"@role:{role['name']}"] = role_arns[role["name"]]
    for parameter in ecs_spec["parameters"]:
        refs[f"@parameter:{parameter['name']}"] = parameter_arns[parameter["name"]]
    for group in ecs_spec["security_groups"]:
        refs[f"@security_group:{group['name']}"] = group_ids[group["name"]]
    refs[f"@image:{spec['repository']['image']['tag']}"] = (
        f"{repo_uri}:{spec['repository']['image']['tag']}"
    )
    return refs


def env_secret(task_definition, name):
    """The planted secret: the environment variable ``name`` and its value."""
    for container in task_definition["containerDefinitions"]:
        for variable in container.get("environment", []):
            if variable["name"] == name:
                return {"name": name, "value": variable["value"]}
    raise ValueError(f"env_secret {name}: no container has that environment variable")


def validate(spec):
    """The errors of a stack spec: its shape, and references to what the
    stack would not create."""
    errors = check(spec, SCHEMA)
    if errors:
        return errors
    ecs_spec = spec["ecs"]
    refs = references(
        spec,
        {r["name"]: "role" for r in ecs_spec["roles"]},
        {p["name"]: "parameter" for p in ecs_spec["parameters"]},
        {g["name"]: "group" for g in ecs_spec["security_groups"]},
        "subnet",
        "repository",
    )
    try:
        resolve([ecs_spec["task_definition"], ecs_spec["service_args"]], refs)
        if "env_secret" in ecs_spec:
            env_secret(ecs_spec["task_definition"], ecs_spec["env_secret"])
    except ValueError as e:
        return [f"spec.ecs: {e}"]
    return []


def rules(ingress):
    return [ec2.tcp(r["port"], r["cidr"], r["description"], r.get("to_port")) for r in ingress]


def create_network(aws, name, spec):
    """The stack's VPC and its one subnet; see ``SCHEMA["network"]``."""
    cidr, public = spec["cidr"], spec["public"]
    vpc_id = ec2.create_vpc(aws, name, cidr)
    subnet = ec2.create_subnet(
        aws,
        vpc_id,
        f"{name}-{'public' if public else 'private'}",
        cidr.replace("/16", "/20"),
        "a",
    )
    out = {"vpc_id": vpc_id, "vpc_cidr": cidr, **subnet, "public": public}
    if public:
        igw_id = ec2.create_internet_gateway(aws, vpc_id)
        ec2.make_public(aws, subnet, igw_id)
        out["internet_gateway_id"] = igw_id
    return out


def seed(aws, spec):
    """Builds the stack; returns its summary (names, ids and ARNs the
    end-to-end tests assert on)."""
    errors = validate(spec)
    if errors:
        raise ValueError("; ".join(errors))
    out = {"network": create_network(aws, spec["name"], spec["network"])}
    node_sg = seed_cluster(aws, spec, out)
    seed_nodes(aws, spec, node_sg, out)
    provider = out["oidc_provider_arn"] = iam.ensure_oidc_provider(
        aws, out["cluster"]["oidc_issuer"]
    )
    for role in spec["irsa_roles"]:
        arn = iam.create_role(
            aws,
            role["name"],
            iam.irsa_trust(provider, out["cluster"]["oidc_issuer"], role["condition"]),
            role.get("managed", ()),
            role.get("inline"),
        )
        if "summary" in role:
            out[role["summary"]] = arn
    seed_repository(aws, spec["repository"], out)
    for repo_spec in spec.get("extra_repositories", []):
        repo = ecr.create_repository(
            aws, repo_spec["name"], True, repo_spec["mutability"],
            exclusions=repo_spec.get("exclusions", ()),
        )
        if "policy" in repo_spec:
            aws.ecr.set_repository_policy(
                repositoryName=repo_spec["name"], policyText=json.dumps(repo_spec["policy"])
            )
        out.setdefault("extra_repositories", {})[repo_spec["name"]] = repo["arn"]
    if spec["inspector"]:
        inspector.enable(aws)
    out["ecs"] = seed_ecs(
        aws, spec, out["network"]["vpc_id"], out["network"]["subnet_id"], out["repository"]["uri"]
    )
    seed_wire(aws, spec, out)
    return out


def substitute(value, refs):
    """``value`` with every ``refs`` key inside its strings replaced."""
    if isinstance(value, dict):
        return {substitute(k, refs): substitute(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, refs) for v in value]
    if isinstance(value, str):
        for key, replacement in refs.items():
            value = value.replace(key, replacement)
    return value


def wire_scenario(spec, out, account_id, region):
    """The payloads the wire layer serves for a seeded stack (pure: the
    summary ``out`` says what was created)."""
    name = spec["name"]
    cluster_spec = spec["cluster"]
    cluster = {
        "resourcesVpcConfig": {
            "vpcId": out["network"]["vpc_id"],
            "clusterSecurityGroupId": out["eks_cluster_security_group"]["group_id"],
        }
    }
    if "access_config" in cluster_spec:
        cluster["accessConfig"] = cluster_spec["access_config"]
    if "deletion_protection" in cluster_spec:
        cluster["deletionProtection"] = cluster_spec["deletion_protection"]
    if "support_type" in cluster_spec:
        cluster["upgradePolicy"] = {"supportType": cluster_spec["support_type"]}
    principals = {
        **{f"@role:{n}": a for n, a in out.get("principals", {}).get("roles", {}).items()},
        **{f"@user:{n}": a for n, a in out.get("principals", {}).get("users", {}).items()},
    }
    entries = [
        wire.access_entry(region, account_id, name, principals.get(e["principal"], e["principal"]), e)
        for e in spec.get("access_entries", [])
    ]
    mode = cluster_spec.get("access_config", {}).get("authenticationMode", "CONFIG_MAP")
    if mode != "CONFIG_MAP":
        node_entry = {"type": "EC2_LINUX", "username": "system:node:{{EC2PrivateDNSName}}"}
        entries.append(
            wire.access_entry(region, account_id, name, out["node_role"]["arn"], node_entry)
        )
    irsa = {r["name"]: f"arn:aws:iam::{account_id}:role/{r['name']}" for r in spec["irsa_roles"]}
    addons = [
        wire.addon(region, account_id, name, a, irsa[a["role"]] if "role" in a else None)
        for a in spec.get("addons", [])
    ]
    associations = [
        wire.pod_identity_association(
            region, account_id, name, p, f"arn:aws:iam::{account_id}:role/{p['role']['name']}"
        )
        for p in spec.get("pod_identity", [])
    ]
    payloads = [
        (
            "eks/cluster",
            {
                "name": name,
                "cluster": cluster,
                "accessEntries": entries,
                "addons": addons,
                "podIdentityAssociations": associations,
            },
        )
    ]
    for extra in spec.get("extra_clusters", []):
        payloads.append(
            (
                "eks/cluster",
                {
                    "name": extra["name"],
                    "cluster": {
                        "resourcesVpcConfig": cluster["resourcesVpcConfig"],
                        "accessConfig": extra["access_config"],
                        "deletionProtection": True,
                        "upgradePolicy": {"supportType": "STANDARD"},
                    },
                },
            )
        )
    coverage = spec.get("inspector_coverage")
    if coverage:
        instances = [i["id"] for i in out["instances"]]
        covered = {"all": instances, "first": instances[:1], "none": []}[coverage["nodes"]]
        resources = [wire.covered_instance(account_id, i, i in covered) for i in instances]
        if coverage["image"]:
            resources.append(
                wire.covered_image(
                    account_id,
                    region,
                    spec["repository"]["name"],
                    out["image"]["digest"],
                    [out["image"]["tag"]],
                )
            )
        payloads.append(("inspector2/coverage", {"coveredResources": resources}))
    return payloads


def seed_principals(aws, spec, out):
    """The IAM users and roles access entries name, and the Pod Identity
    roles."""
    principals = spec.get("principals", {"users": [], "roles": []})
    refs = {"@account": aws.account_id, "@oidc_provider": out["oidc_provider_arn"]}
    if any("@github_oidc" in str(r["principal"]) for r in principals["roles"]):
        refs["@github_oidc"] = iam.ensure_oidc_provider(
            aws, "https://token.actions.githubusercontent.com"
        )
    created = out["principals"] = {"users": {}, "roles": {}}
    for user in principals["users"]:
        created["users"][user] = aws.iam.create_user(UserName=user)["User"]["Arn"]
    for role in principals["roles"]:
        created["roles"][role["name"]] = iam.create_role(
            aws,
            role["name"],
            iam.trust(
                substitute(role["principal"], refs),
                role.get("action", "sts:AssumeRole"),
                substitute(role.get("condition"), refs),
            ),
            role.get("managed", ()),
            role.get("inline"),
        )
    cluster_arn = out["cluster"]["arn"]
    for association in spec.get("pod_identity", []):
        role = association["role"]
        condition = substitute(association.get("condition"), {"@cluster_arn": cluster_arn})
        created["roles"][role["name"]] = iam.create_role(
            aws,
            role["name"],
            iam.trust(
                {"Service": "pods.eks.amazonaws.com"},
                ["sts:AssumeRole", "sts:TagSession"],
                condition,
            ),
            role.get("managed", ()),
            role.get("inline"),
        )


def seed_wire(aws, spec, out):
    """What moto lacks, posted to the wire layer."""
    seed_principals(aws, spec, out)
    for extra in spec.get("extra_clusters", []):
        out.setdefault("extra_clusters", {})[extra["name"]] = eks.create_cluster(
            aws,
            extra["name"],
            spec["cluster"]["version"],
            out["cluster_role_arn"],
            [out["network"]["subnet_id"]],
            [out["cluster_security_group"]["group_id"]],
            {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        )
    for kind, payload in wire_scenario(spec, out, aws.account_id, aws.region):
        wire.post(aws, kind, payload)
        if kind == "eks/cluster" and payload["name"] == spec["name"]:
            # By the holder's name (``risky-deployer``), for the tests.
            out["access_entries"] = {
                e["accessEntry"]["principalArn"].rsplit("/", 1)[-1]: e["accessEntry"][
                    "accessEntryArn"
                ]
                for e in payload["accessEntries"]
            }


def seed_cluster(aws, spec, out):
    """The cluster with its KMS key, role and security groups (the nodes'
    too); returns the nodes' security group."""
    name, cluster_spec = spec["name"], spec["cluster"]
    vpc_id, subnet_id = out["network"]["vpc_id"], out["network"]["subnet_id"]
    extra = {}
    if spec["secrets_encryption"]:
        key_arn = aws.kms.create_key(Description=f"{name} EKS secrets")["KeyMetadata"]["Arn"]
        aws.kms.enable_key_rotation(KeyId=key_arn)
        out["kms_key_arn"] = key_arn
        extra["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": key_arn}}]
    cluster_role = out["cluster_role_arn"] = iam.create_role(
        aws,
        f"{name}-cluster-role",
        iam.trust_service("eks.amazonaws.com"),
        ["AmazonEKSClusterPolicy"],
    )
    cluster_sg = out["cluster_security_group"] = ec2.create_security_group(
        aws,
        vpc_id,
        f"{name}-cluster-sg",
        "EKS cluster security group",
        rules(cluster_spec["ingress"]),
    )
    node_sg = out["node_security_group"] = ec2.create_security_group(
        aws,
        vpc_id,
        f"{name}-node-sg",
        "node group security group",
        rules(spec["nodes"]["ingress"]),
    )
    arn = eks.create_cluster(
        aws,
        name,
        cluster_spec["version"],
        cluster_role,
        [subnet_id],
        [cluster_sg["group_id"]],
        cluster_spec["endpoint"],
        tags={"team": name},
        logging=eks.logging_config(cluster_spec["logging"]),
        **extra,
    )
    out["cluster"] = {"name": name, "arn": arn, "oidc_issuer": eks.oidc_issuer(aws, name)}
    # The security group EKS creates for the cluster, admitting itself.
    eks_sg = out["eks_cluster_security_group"] = ec2.create_security_group(
        aws, vpc_id, f"eks-cluster-sg-{name}", "EKS created security group", []
    )
    aws.ec2.authorize_security_group_ingress(
        GroupId=eks_sg["group_id"],
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": eks_sg["group_id"]}]},
            *rules(cluster_spec.get("cluster_sg_ingress", [])),
        ],
    )
    if "log_retention_days" in cluster_spec:
        group = f"/aws/eks/{name}/cluster"
        aws.logs.create_log_group(logGroupName=group)
        aws.logs.put_retention_policy(
            logGroupName=group, retentionInDays=cluster_spec["log_retention_days"]
        )
    return node_sg


def seed_nodes(aws, spec, node_sg, out):
    """The node role and instance profile, the launch template, the
    nodegroup and its instances."""
    name, nodes = spec["name"], spec["nodes"]
    subnet_id = out["network"]["subnet_id"]
    node_role_name = f"{name}-node-role"
    node_role = iam.create_role(
        aws, node_role_name, iam.trust_service("ec2.amazonaws.com"), nodes["policies"]
    )
    out["node_role"] = {"name": node_role_name, "arn": node_role}
    profile = out["instance_profile_arn"] = iam.create_instance_profile(
        aws, f"{name}-node-profile", node_role_name
    )
    metadata = ec2.imds(nodes["http_tokens"], nodes["hop_limit"])
    template = out["launch_template"] = ec2.create_launch_template(
        aws, f"{name}-node-lt", node_sg["group_id"], metadata
    )
    count = nodes["count"]
    nodegroup = f"{name}-ng"
    nodegroup_arn = eks.create_nodegroup(
        aws,
        name,
        nodegroup,
        node_role,
        [subnet_id],
        template,
        {"minSize": count, "maxSize": count, "desiredSize": count},
        capacityType="ON_DEMAND",
        tags={"team": name},
    )
    asg = eks.autoscaling_group(aws, name, nodegroup)
    out["nodegroup"] = {"name": nodegroup, "arn": nodegroup_arn, "autoscaling_group": asg}
    launched = ec2.launch_nodes(
        aws,
        ec2.node_tags(name, nodegroup, asg),
        count,
        profile,
        InstanceType="m5.large",
        SubnetId=subnet_id,
        SecurityGroupIds=[node_sg["group_id"]],
        MetadataOptions=metadata,
        **(
            {
                "BlockDeviceMappings": [
                    {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "Encrypted": True}}
                ]
            }
            if nodes.get("encrypted_volumes")
            else {}
        ),
    )
    described = aws.ec2.describe_instances(InstanceIds=[i["InstanceId"] for i in launched])
    instances = [i for r in described["Reservations"] for i in r["Instances"]]
    out["instances"] = [
        {
            "id": i["InstanceId"],
            "arn": aws.arn("ec2", f"instance/{i['InstanceId']}"),
            "public_ip": i.get("PublicIpAddress"),
        }
        for i in sorted(instances, key=lambda i: i["InstanceId"])
    ]


def seed_repository(aws, repo_spec, out):
    kms_key = None
    if repo_spec.get("kms"):
        kms_key = aws.kms.create_key(Description=f"{repo_spec['name']} images")["KeyMetadata"][
            "Arn"
        ]
    repo = out["repository"] = ecr.create_repository(
        aws, repo_spec["name"], repo_spec["scan_on_push"], repo_spec["mutability"], kms_key
    )
    if "registry_scan_filter" in repo_spec:
        ecr.scan_on_push_rule(aws, repo_spec["registry_scan_filter"])
    tag, layer = repo_spec["image"]["tag"], repo_spec["image"]["layer"]
    digest = ecr.push_image(
        aws,
        repo["name"],
        tag,
        ecr.manifest(f"sha256:{layer * 64}", f"sha256:{'c' * 64}", 1472, 2811478),
    )
    out["image"] = {"tag": tag, "digest": digest, "arn": f"{repo['arn']}/{digest}"}
    if repo_spec["scanned"]:
        ecr.scan_image(aws, repo["name"], digest)
    if repo_spec["lifecycle_policy"]:
        ecr.set_lifecycle_policy(aws, repo["name"])


def seed_ecs(aws, spec, vpc_id, subnet_id, repo_uri):
    ecs_spec = spec["ecs"]
    summary = {}
    group_ids = {
        g["name"]: ec2.create_security_group(
            aws, vpc_id, g["name"], g["description"], rules(g["ingress"])
        )["group_id"]
        for g in ecs_spec["security_groups"]
    }
    parameter_arns = {}
    for parameter in ecs_spec["parameters"]:
        aws.ssm.put_parameter(
            Name=parameter["name"], Value=parameter["value"], Type="SecureString"
        )
        arn = aws.arn("ssm", f"parameter/{parameter['name'].lstrip('/')}")
        parameter_arns[parameter["name"]] = arn
        if "summary" in parameter:
            summary[parameter["summary"]] = arn
    role_arns = {}
    for role in ecs_spec["roles"]:
        arn = iam.create_role(
            aws,
            role["name"],
            iam.trust_service(ECS_TASKS),
            role.get("managed", ()),
            role.get("inline"),
        )
        role_arns[role["name"]] = arn
        if "summary" in role:
            summary[role["summary"]] = arn
    refs = references(spec, role_arns, parameter_arns, group_ids, subnet_id, repo_uri)
    task_definition = resolve(ecs_spec["task_definition"], refs)
    summary.update(
        ecs.create_service(
            aws,
            ecs_spec["cluster"],
            ecs_spec["service"],
            task_definition,
            **resolve(ecs_spec["service_args"], refs),
        )
    )
    if "env_secret" in ecs_spec:
        summary["env_secret"] = env_secret(task_definition, ecs_spec["env_secret"])
    return summary


def seed_account(aws, stacks):
    """Builds each stack in order; returns their summaries by name. An
    account with clusters gets the region's EKS versions too (moto has
    none)."""
    out = {spec["name"]: seed(aws, spec) for spec in stacks}
    if stacks:
        wire.post(
            aws,
            "eks/cluster-versions",
            {"clusterVersions": wire.cluster_versions(datetime.date.today())},
        )
    return out
