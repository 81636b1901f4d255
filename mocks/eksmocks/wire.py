"""Scenario data for the wire-shape layer (``mocks/wire_layer.py``): what
moto lacks, built in AWS's own shapes (botocore member names, timestamps as
epoch seconds) and posted to the layer's control endpoint ``/__shapes/``.

The builders are pure (a test builds every account's scenario without a
server and checks it against botocore's model); ``post`` sends one payload.
"""

import datetime
import hashlib
import json
import urllib.error
import urllib.request

ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/"
# Every timestamp the scenarios carry that nothing judges: 2025-01-01.
CREATED = 1735689600.0
DAY = 86400


def post(aws, kind, payload):
    """Posts one scenario payload for ``aws``'s account and region."""
    body = json.dumps({"account": aws.account_id, "region": aws.region, **payload}).encode()
    req = urllib.request.Request(
        f"{aws.endpoint}/__shapes/{kind}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        raise ValueError(f"/__shapes/{kind}: HTTP {e.code}: {e.read().decode()}") from e


def _id(*parts, length=32):
    """A stable id derived from ``parts`` (the same scenario, the same ids)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _uuid(*parts):
    h = _id(*parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def eks_arn(region, account_id, resource):
    return f"arn:aws:eks:{region}:{account_id}:{resource}"


def access_entry(region, account_id, cluster, principal_arn, spec):
    """An access entry (``DescribeAccessEntry``'s ``accessEntry``) and its
    associated policies. ``spec``: ``type`` (STANDARD), ``kubernetes_groups``,
    ``username``, ``policies`` (``{"policy": name, "namespaces"?: [..]}``,
    cluster scope without namespaces)."""
    kind, _, rest = principal_arn.split(":", 5)[5].partition("/")
    name = rest.rsplit("/", 1)[-1]
    principal_account = principal_arn.split(":")[4]
    username = spec.get("username") or (
        f"arn:aws:sts::{principal_account}:assumed-role/{name}/{{{{SessionName}}}}"
        if kind == "role"
        else principal_arn
    )
    entry = {
        "clusterName": cluster,
        "principalArn": principal_arn,
        "kubernetesGroups": list(spec.get("kubernetes_groups", [])),
        "accessEntryArn": eks_arn(
            region,
            account_id,
            f"access-entry/{cluster}/{kind}/{principal_account}/{name}/"
            + _uuid(cluster, principal_arn),
        ),
        "createdAt": CREATED,
        "modifiedAt": CREATED,
        "tags": {},
        "username": username,
        "type": spec.get("type", "STANDARD"),
    }
    policies = []
    for policy in spec.get("policies", []):
        namespaces = policy.get("namespaces")
        policies.append(
            {
                "policyArn": ACCESS_POLICY + policy["policy"],
                "accessScope": (
                    {"type": "namespace", "namespaces": list(namespaces)}
                    if namespaces
                    else {"type": "cluster", "namespaces": []}
                ),
                "associatedAt": CREATED,
                "modifiedAt": CREATED,
            }
        )
    return {"accessEntry": entry, "associatedAccessPolicies": policies}


def addon(region, account_id, cluster, spec, role_arn=None):
    """An add-on as ``DescribeAddon`` answers it. ``spec``: ``name``,
    ``version``, ``configuration`` (a JSON value, sent as text)."""
    out = {
        "addonName": spec["name"],
        "clusterName": cluster,
        "status": "ACTIVE",
        "addonVersion": spec["version"],
        "health": {"issues": []},
        "addonArn": eks_arn(
            region, account_id, f"addon/{cluster}/{spec['name']}/{_uuid(cluster, spec['name'])}"
        ),
        "createdAt": CREATED,
        "modifiedAt": CREATED,
        "tags": {},
    }
    if role_arn:
        out["serviceAccountRoleArn"] = role_arn
    if "configuration" in spec:
        out["configurationValues"] = json.dumps(spec["configuration"], sort_keys=True)
    return out


def pod_identity_association(region, account_id, cluster, spec, role_arn):
    """A Pod Identity association as ``DescribePodIdentityAssociation``
    answers it. ``spec``: ``namespace``, ``service_account``, and for role
    chaining ``target_role`` (an ARN, often in another account) with the
    ``externalId`` EKS generates for it."""
    association_id = "a-" + _id(cluster, spec["namespace"], spec["service_account"], length=17)
    out = {
        "clusterName": cluster,
        "namespace": spec["namespace"],
        "serviceAccount": spec["service_account"],
        "roleArn": role_arn,
        "associationArn": eks_arn(
            region, account_id, f"podidentityassociation/{cluster}/{association_id}"
        ),
        "associationId": association_id,
        "tags": {},
        "createdAt": CREATED,
        "modifiedAt": CREATED,
        "disableSessionTags": False,
    }
    if spec.get("target_role"):
        out["targetRoleArn"] = spec["target_role"]
        out["externalId"] = _uuid(association_id, spec["target_role"])
    return out


def cluster_versions(today):
    """``DescribeClusterVersions`` (``includeAll``) as of ``today`` (a
    date): 1.35 to 1.32 in standard support, 1.31 to 1.29 in extended
    support, 1.28 past it. Dates are relative to ``today``, so the
    statuses agree with them whenever the scenario is seeded."""
    midnight = datetime.datetime.combine(today, datetime.time(), datetime.timezone.utc)

    def at(days):
        return (midnight + datetime.timedelta(days=days)).timestamp()

    out = []
    for age, minor in enumerate(range(35, 27, -1)):
        # Each minor version 4 months after the one before; 14 months of
        # standard support, 12 more of extended support.
        released = -60 - 120 * age
        standard_end, extended_end = released + 425, released + 790
        status = (
            "STANDARD_SUPPORT"
            if standard_end > 0
            else "EXTENDED_SUPPORT"
            if extended_end > 0
            else "UNSUPPORTED"
        )
        out.append(
            {
                "clusterVersion": f"1.{minor}",
                "clusterType": "eks",
                "defaultPlatformVersion": "eks.1",
                "defaultVersion": minor == 34,
                "releaseDate": at(released),
                "endOfStandardSupportDate": at(standard_end),
                "endOfExtendedSupportDate": at(extended_end),
                "status": status.lower().replace("_", "-"),
                "versionStatus": status,
                "kubernetesPatchVersion": f"1.{minor}.2",
            }
        )
    return out


def covered_instance(account_id, instance_id, active=True):
    """An EC2 instance in Inspector2's ``ListCoverage``."""
    return {
        "resourceType": "AWS_EC2_INSTANCE",
        "resourceId": instance_id,
        "accountId": account_id,
        "scanType": "PACKAGE",
        "scanStatus": (
            {"statusCode": "ACTIVE", "reason": "SUCCESSFUL"}
            if active
            else {"statusCode": "INACTIVE", "reason": "UNMANAGED_EC2_INSTANCE"}
        ),
        "resourceMetadata": {"ec2": {"amiId": "ami-760aaa0f", "platform": "LINUX", "tags": {}}},
        "lastScannedAt": CREATED,
        "scanMode": "EC2_SSM_AGENT_BASED",
    }


def covered_image(account_id, region, repository, digest, tags):
    """An ECR image in Inspector2's ``ListCoverage``."""
    return {
        "resourceType": "AWS_ECR_CONTAINER_IMAGE",
        "resourceId": f"arn:aws:ecr:{region}:{account_id}:repository/{repository}/{digest}",
        "accountId": account_id,
        "scanType": "PACKAGE",
        "scanStatus": {"statusCode": "ACTIVE", "reason": "SUCCESSFUL"},
        "resourceMetadata": {
            "ecrRepository": {"name": repository, "scanFrequency": "SCAN_ON_PUSH"},
            "ecrImage": {"tags": list(tags)},
        },
        "lastScannedAt": CREATED,
    }
