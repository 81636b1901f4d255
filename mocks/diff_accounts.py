#!/usr/bin/env python3
"""Checks that the mocks of this tree seed the same accounts as the mocks of
a git revision: for each case, starts two moto servers, seeds one with the
revision's scripts (``git archive`` into a temporary directory, never
committed) and one with this tree's, dumps both accounts with boto3 and
compares the dumps and the printed summaries.

    python mocks/diff_accounts.py [--rev e1babdd] [--case risky ...]

Run it with the python of ``scripts/setup-moto.sh``. Prints one line per
case and the differences; exits 1 on any. Times and request ids are left
out of the dumps; resource ids are compared too, since moto, seeded with a
fixed value, hands out the same ids for the same sequence of calls.
"""

import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT = "123456789012"
REGION = "us-east-1"
SMALL_SCALE = ["--clusters", "3", "--nodegroups-per-cluster", "2", "--instances", "7",
               "--roles", "24", "--repos", "12", "--images-per-repo", "2", "--seed", "3"]

# A case: the scripts to run in order (script, arguments) and the
# (account, region) pairs to dump afterwards.
CASES = {
    "risky": ([("seed.py", ["--account", "risky"])], [(DEFAULT, REGION)]),
    "hardened": ([("seed.py", ["--account", "hardened"])], [(DEFAULT, REGION)]),
    "demo": ([("seed.py", ["--account", "demo", "--region", REGION])], [(DEFAULT, REGION)]),
    "empty": ([("seed.py", ["--account", "empty"])], [(DEFAULT, REGION)]),
    # tests/tests/multi_account.rs's accounts.
    "multi": (
        [
            ("seed.py", ["--account", "risky", "--account-id", "111111111111",
                         "--member-role", "scanner"]),
            ("seed.py", ["--account", "hardened", "--account-id", "111111111111",
                         "--region", "eu-west-1", "--no-reseed"]),
            ("seed.py", ["--account", "hardened", "--account-id", "222222222222",
                         "--member-role", "scanner", "--no-reseed"]),
            ("seed.py", ["--account", "empty", "--member-role", "scanner", "--no-reseed"]),
        ],
        [("111111111111", REGION), ("111111111111", "eu-west-1"),
         ("222222222222", REGION), (DEFAULT, REGION)],
    ),
    "generate": ([("generate.py", SMALL_SCALE)], [(DEFAULT, REGION)]),
    "generate-default": ([("generate.py", [])], [(DEFAULT, REGION)]),
    "organization": (
        [("organization.py", ["--accounts", "3", "--closed", "1"])], [(DEFAULT, REGION)]
    ),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, mocks_dir, log_dir):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true",
                   MOTO_EC2_LOAD_DEFAULT_AMIS="false",
                   EKSPOSTURE_MOTO_PARENT_PID=str(os.getpid()))
        self.log = open(os.path.join(log_dir, f"moto-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(mocks_dir, "moto_server.py"), "-H", "127.0.0.1",
             "-p", str(self.port)],
            env=env, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto on port {self.port} did not start")
                time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def client(service, endpoint, account, region):
    c = boto3.client(service, endpoint_url=endpoint, region_name=region,
                     aws_access_key_id="testing", aws_secret_access_key="testing",
                     config=Config(retries={"max_attempts": 1}))
    c.meta.events.register(
        "before-send.*.*",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return c


def call(fn, **kw):
    try:
        out = fn(**kw)
    except ClientError as e:
        return {"error": e.response["Error"]["Code"]}
    out.pop("ResponseMetadata", None)
    return out


def dump(endpoint, account, region):
    c = {s: client(s, endpoint, account, region)
         for s in ("ec2", "eks", "iam", "ecr", "ecs", "kms", "ssm", "inspector2",
                   "organizations")}
    ec2, eks, iam, ecr, ecs = c["ec2"], c["eks"], c["iam"], c["ecr"], c["ecs"]
    d = {}
    for op in ("describe_vpcs", "describe_subnets", "describe_route_tables",
               "describe_internet_gateways", "describe_security_groups",
               "describe_instances", "describe_launch_templates",
               "describe_iam_instance_profile_associations"):
        d[op] = call(getattr(ec2, op))
    d["launch_template_versions"] = {
        t["LaunchTemplateName"]: call(ec2.describe_launch_template_versions,
                                      LaunchTemplateId=t["LaunchTemplateId"])
        for t in d["describe_launch_templates"].get("LaunchTemplates", [])
    }
    d["clusters"] = {}
    for name in eks.list_clusters()["clusters"]:
        d["clusters"][name] = {
            "cluster": call(eks.describe_cluster, name=name),
            "nodegroups": {
                ng: call(eks.describe_nodegroup, clusterName=name, nodegroupName=ng)
                for ng in eks.list_nodegroups(clusterName=name)["nodegroups"]
            },
        }
    d["roles"] = {}
    for role in iam.list_roles(MaxItems=1000)["Roles"]:
        n = role["RoleName"]
        d["roles"][n] = {
            "role": call(iam.get_role, RoleName=n),
            "attached": call(iam.list_attached_role_policies, RoleName=n),
            "inline": {
                p: call(iam.get_role_policy, RoleName=n, PolicyName=p)
                for p in iam.list_role_policies(RoleName=n)["PolicyNames"]
            },
        }
    d["instance_profiles"] = call(iam.list_instance_profiles)
    d["oidc"] = {
        p["Arn"]: call(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=p["Arn"])
        for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    }
    d["repositories"] = {}
    for repo in ecr.describe_repositories()["repositories"]:
        n = repo["repositoryName"]
        images = call(ecr.describe_images, repositoryName=n)
        d["repositories"][n] = {
            "repository": repo,
            "images": images,
            "list_images": call(ecr.list_images, repositoryName=n),
            "lifecycle": call(ecr.get_lifecycle_policy, repositoryName=n),
            "policy": call(ecr.get_repository_policy, repositoryName=n),
            "findings": {
                i["imageDigest"]: call(ecr.describe_image_scan_findings, repositoryName=n,
                                       imageId={"imageDigest": i["imageDigest"]})
                for i in images.get("imageDetails", [])
            },
        }
    d["registry_scanning"] = call(ecr.get_registry_scanning_configuration)
    d["ecs"] = {}
    for arn in ecs.list_clusters()["clusterArns"]:
        services = ecs.list_services(cluster=arn)["serviceArns"]
        d["ecs"][arn] = {
            "cluster": call(ecs.describe_clusters, clusters=[arn]),
            "services": call(ecs.describe_services, cluster=arn, services=services)
            if services else [],
        }
    d["task_definitions"] = {
        arn: call(ecs.describe_task_definition, taskDefinition=arn)
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
    }
    d["inspector"] = call(c["inspector2"].batch_get_account_status, accountIds=[account])
    d["kms"] = [call(c["kms"].describe_key, KeyId=k["KeyId"])
                for k in c["kms"].list_keys()["Keys"]]
    d["ssm"] = [call(c["ssm"].get_parameter, Name=p["Name"], WithDecryption=True)
                for p in c["ssm"].describe_parameters()["Parameters"]]
    d["organization"] = call(c["organizations"].list_accounts)
    return scrub(d)


# What moto draws per server process whatever its seed: the OIDC issuer id
# and API endpoint of EKS (at import time), and client tokens.
PROCESS_RANDOM_KEYS = {"RequestId", "requestId", "clientRequestToken", "ClientToken"}
ISSUER_ID = re.compile(r"(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/)[A-Za-z0-9]+")
EKS_ENDPOINT = re.compile(r"https://[A-Za-z0-9]+\.[A-Za-z0-9]+\.([a-z0-9-]+)\.eks\.amazonaws\.com/")


def scrub(value):
    """The dump without times and what moto draws per process."""
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items() if k not in PROCESS_RANDOM_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, datetime.datetime):
        return "<time>"
    if isinstance(value, str):
        return EKS_ENDPOINT.sub(r"https://<endpoint>.\1.eks.amazonaws.com/",
                                ISSUER_ID.sub(r"\1<issuer>", value))
    return value


def differences(a, b, path="", out=None, limit=40):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}.{k}: only in new: {json.dumps(b[k], default=str)[:200]}")
            elif k not in b:
                out.append(f"{path}.{k}: only in old: {json.dumps(a[k], default=str)[:200]}")
            else:
                differences(a[k], b[k], f"{path}.{k}", out, limit)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: old {json.dumps(a, default=str)[:200]} != "
                   f"new {json.dumps(b, default=str)[:200]}")
    return out


def run_case(name, old_dir, new_dir, log_dir):
    steps, targets = CASES[name]
    results = []
    for mocks_dir in (old_dir, new_dir):
        server = Server(mocks_dir, log_dir)
        try:
            printed = []
            for script, args in steps:
                run = subprocess.run(
                    [sys.executable, os.path.join(mocks_dir, script), "--endpoint",
                     server.endpoint, *args],
                    capture_output=True, text=True, timeout=600, check=False,
                )
                if run.returncode != 0:
                    raise RuntimeError(f"{mocks_dir}/{script} {args}: {run.stderr}")
                summary = json.loads(run.stdout)
                # Differs by server and run.
                for key in ("endpoint", "seconds"):
                    summary.pop(key, None)
                printed.append(scrub(summary))
            dumps = {f"{a}/{r}": dump(server.endpoint, a, r) for a, r in targets}
        finally:
            server.stop()
        results.append({"printed": printed, "accounts": dumps})
    old, new = results
    if name == "organization":
        # moto draws member account ids from an unseeded random source.
        for r in results:
            r["printed"] = [{k: len(v) if isinstance(v, list) else 1 for k, v in p.items()}
                            for p in r["printed"]]
            r["accounts"] = {k: len(v["organization"].get("Accounts", []))
                             for k, v in r["accounts"].items()}
    return differences(old, new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="e1babdd", help="git revision to compare with")
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="a case to run (default: all)")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="diff-accounts-") as tmp:
        archive = subprocess.run(["git", "-C", ROOT, "archive", args.rev, "mocks"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        old_dir = os.path.join(tmp, "mocks")
        for name in args.case or list(CASES):
            started = time.monotonic()
            diffs = run_case(name, old_dir, HERE, tmp)
            took = time.monotonic() - started
            print(f"{name}: {'same' if not diffs else 'DIFFERENT'} ({took:.0f} s)", flush=True)
            for line in diffs:
                print(f"  {line}")
            failed |= bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
