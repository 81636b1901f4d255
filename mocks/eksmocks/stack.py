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

from . import ec2, ecr, ecs, eks, iam, inspector

ECS_TASKS = "ecs-tasks.amazonaws.com"

# ``{"port", "cidr", "description"}``: TCP ingress to a security group.
INGRESS = [{"port": int, "cidr": str, "description": str}]
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
        # Of the cluster security group.
        "ingress": INGRESS,
    },
    # One managed nodegroup of ``count`` instances (ON_DEMAND, m5.large)
    # with a launch template setting IMDS ``http_tokens`` and ``hop_limit``.
    "nodes": {
        "policies": [str],
        "ingress": INGRESS,
        "http_tokens": str,
        "hop_limit": int,
        "count": int,
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
    },
    "inspector": bool,
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
    return [ec2.tcp(r["port"], r["cidr"], r["description"]) for r in ingress]


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
    if spec["inspector"]:
        inspector.enable(aws)
    out["ecs"] = seed_ecs(
        aws, spec, out["network"]["vpc_id"], out["network"]["subnet_id"], out["repository"]["uri"]
    )
    return out


def seed_cluster(aws, spec, out):
    """The cluster with its KMS key, role and security groups (the nodes'
    too); returns the nodes' security group."""
    name, cluster_spec = spec["name"], spec["cluster"]
    vpc_id, subnet_id = out["network"]["vpc_id"], out["network"]["subnet_id"]
    extra = {}
    if spec["secrets_encryption"]:
        key_arn = aws.kms.create_key(Description=f"{name} EKS secrets")["KeyMetadata"]["Arn"]
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
    repo = out["repository"] = ecr.create_repository(
        aws, repo_spec["name"], repo_spec["scan_on_push"], repo_spec["mutability"]
    )
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
    """Builds each stack in order; returns their summaries by name."""
    return {spec["name"]: seed(aws, spec) for spec in stacks}
