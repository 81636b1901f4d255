"""boto3 clients for the moto server."""

import urllib.request
from collections import Counter
from functools import cached_property

import boto3
from botocore.config import Config

# moto's default account; the one the scanner runs as in every test.
ACCOUNT_ID = "123456789012"


def client(service, endpoint, region, account_id=None, on_call=None):
    """A boto3 client of ``service`` talking to ``endpoint`` with dummy
    credentials and no retries. ``account_id``: the moto account to serve
    (moto keeps each account's state apart and serves the one the
    ``x-moto-account-id`` header names, the default account without it).
    ``on_call``: called with the service name before every API call."""
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=4),
    )
    if account_id and account_id != ACCOUNT_ID:

        def in_account(request, **_):
            request.headers["x-moto-account-id"] = account_id

        c.meta.events.register("before-send.*.*", in_account)
    if on_call:
        c.meta.events.register(
            "before-call.*.*", lambda model, **_: on_call(model.service_model.service_name)
        )
    return c


class Aws:
    """The clients of one region of one moto account, made on first use,
    counting the API calls sent per service in ``requests``."""

    def __init__(self, endpoint, region, account_id=ACCOUNT_ID):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.account_id = account_id
        self.requests = Counter()

    def client(self, service):
        return client(
            service, self.endpoint, self.region, self.account_id, self._count
        )

    def _count(self, service):
        self.requests[service] += 1

    ec2 = cached_property(lambda self: self.client("ec2"))
    eks = cached_property(lambda self: self.client("eks"))
    iam = cached_property(lambda self: self.client("iam"))
    ecr = cached_property(lambda self: self.client("ecr"))
    ecs = cached_property(lambda self: self.client("ecs"))
    kms = cached_property(lambda self: self.client("kms"))
    logs = cached_property(lambda self: self.client("logs"))
    ssm = cached_property(lambda self: self.client("ssm"))
    inspector2 = cached_property(lambda self: self.client("inspector2"))
    organizations = cached_property(lambda self: self.client("organizations"))
    securityhub = cached_property(lambda self: self.client("securityhub"))

    def arn(self, service, resource):
        """The ARN of ``resource`` of ``service`` in this region and account."""
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def reseed(self, seed):
        """Seeds moto's random state, so the resource ids (VPC, instance,
        ...) a server process hands out are the same on every run."""
        req = urllib.request.Request(
            f"{self.endpoint}/moto-api/seed?a={seed}", method="POST", data=b""
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            resp.read()
