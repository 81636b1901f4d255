"""Roles, instance profiles, OIDC providers and their policy documents."""

import json

AWS_POLICY = "arn:aws:iam::aws:policy/"
# The managed policies every EKS node role needs.
WORKER_BASELINE = [
    AWS_POLICY + "AmazonEKSWorkerNodePolicy",
    AWS_POLICY + "AmazonEC2ContainerRegistryReadOnly",
]
# The OIDC provider's thumbprint; moto does not check it.
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def policy_arn(name):
    """The ARN of an AWS managed policy given by name
    (``AdministratorAccess``, ``service-role/AWSLambdaBasicExecutionRole``)
    or the ARN itself."""
    return name if name.startswith("arn:") else AWS_POLICY + name


def trust(principal, action="sts:AssumeRole", condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_service(service):
    return trust({"Service": service})


def trust_account(account_id):
    return trust({"AWS": f"arn:aws:iam::{account_id}:root"})


def irsa_trust(provider_arn, issuer, condition):
    """Trust policy of an IRSA role; ``condition`` maps an operator to
    ``{suffix: value}`` where the key becomes ``<issuer host/path>:<suffix>``."""
    host_path = issuer.removeprefix("https://")
    return trust(
        {"Federated": provider_arn},
        "sts:AssumeRoleWithWebIdentity",
        {
            op: {f"{host_path}:{k}": v for k, v in keys.items()}
            for op, keys in condition.items()
        },
    )


def allow(actions, resource="*"):
    """An identity policy allowing ``actions`` on ``resource``."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


def create_role(aws, name, trust_policy, managed=(), inline=None):
    """A role with AWS managed policies (names or ARNs) attached and inline
    policies (``{name: document}``) put."""
    arn = aws.iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy)
    )["Role"]["Arn"]
    for policy in managed:
        aws.iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn(policy))
    for policy_name, document in (inline or {}).items():
        aws.iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    return arn


def create_instance_profile(aws, name, role_name):
    arn = aws.iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"][
        "Arn"
    ]
    aws.iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role_name)
    return arn


def create_oidc_provider(aws, issuer):
    return aws.iam.create_open_id_connect_provider(
        Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMBPRINT]
    )["OpenIDConnectProviderArn"]


def ensure_oidc_provider(aws, issuer):
    """The IAM OIDC provider for a cluster's issuer. Every cluster in one moto
    process shares the same issuer id, so the second cluster of an account
    finds the provider the first one registered."""
    arn = f"arn:aws:iam::{aws.account_id}:oidc-provider/{issuer.removeprefix('https://')}"
    existing = aws.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    if any(p["Arn"] == arn for p in existing):
        return arn
    return create_oidc_provider(aws, issuer)


def create_member_role(aws, name, trusted_account):
    """The read-only role a multi-account scan assumes in this account,
    trusting ``trusted_account`` (the scanner's)."""
    return create_role(aws, name, trust_account(trusted_account), ["ReadOnlyAccess"])
