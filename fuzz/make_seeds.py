#!/usr/bin/env python3
"""Writes the starting corpus of each fuzz target into fuzz/seeds/<target>/.

- inventory: every ```json,<kind> example of the checks' documentation
  (crates/checks/src/**), merged into the base inventory the check tests use;
- report: the JSON report snapshots of crates/report/src/snapshots;
- policy: the policy documents below (shapes from crates/policy tests), each
  plain, URL-encoded once and URL-encoded twice.

`cargo fuzz cmin` then reduces seeds + findings into fuzz/corpus/<target>/.
"""
import hashlib
import json
import pathlib
import re
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "seeds"

BASE = {
    "schema_version": "1",
    "scan": {
        "account_id": "111122223333",
        "partition": "aws",
        "regions": ["us-east-1"],
        "started_at": "2026-11-01T00:00:00Z",
        "finished_at": "2026-11-01T00:00:10Z",
    },
}


def merge(into, frm):
    if isinstance(into, dict) and isinstance(frm, dict):
        for k, v in frm.items():
            into[k] = merge(into.get(k), v)
        return into
    return frm


def write(target, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def inventory_seeds():
    for path in sorted((ROOT / "crates" / "checks" / "src").rglob("*.rs")):
        block = None
        for line in path.read_text().splitlines():
            t = line.strip()
            if not t.startswith("///"):
                block = None
                continue
            body = t[3:]
            body = body[1:] if body.startswith(" ") else body
            if block is not None:
                if body.strip() == "```":
                    frag = json.loads("\n".join(block))
                    inv = merge(json.loads(json.dumps(BASE)), frag)
                    write("inventory", json.dumps(inv, indent=1))
                    block = None
                else:
                    block.append(body)
            elif body.strip().startswith("```json,"):
                block = []


def report_seeds():
    for path in sorted((ROOT / "crates" / "report" / "src").rglob("*json*.snap")):
        text = path.read_text()
        parts = text.split("\n---\n", 1)
        if len(parts) == 2 and parts[1].lstrip().startswith("{"):
            write("report", parts[1])


P = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
K = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
POLICIES = [
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List?ucket"], "Resource": "arn:aws:s3:::bucket/*"}]},
    {"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}},
    {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}},
    {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "arn:*"}]},
    {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"s3:max-keys": 10}}}},
    {"Id": "x", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, {"Effect": "Allow", "NotPrincipal": {"AWS": ["arn:aws:iam::1:root"]}, "Action": "sts:AssumeRole"}]},
    {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": "*", "CanonicalUser": "abc"}, "Action": "sts:AssumeRole"}},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": P}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {K + ":sub": "system:serviceaccount:kube-system:aws-node", K + ":aud": "sts.amazonaws.com"}}}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"Federated": [P]}, "Action": "sts:*", "Condition": {"StringLike": {K + ":sub": "system:serviceaccount:*"}}}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"Federated": P}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {K + ":sub": ["system:serviceaccount:a:b", "system:serviceaccount:c:d"]}, "StringLikeIfExists": {K + ":aud": "sts.*"}}}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"Federated": P}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {K + ":sub": "*"}, "StringLike": {K + ":sub": "system:*"}}}]},
    {"Statement": [{"Effect": "Allow", "Principal": {"Federated": P}, "Action": "sts:AssumeRoleWithWebIdentity"}]},
]


def policy_seeds():
    for doc in POLICIES:
        text = json.dumps(doc)
        once = urllib.parse.quote(text, safe="")
        for t in (text, once, urllib.parse.quote(once, safe="")):
            write("policy", t)
    # A BOM and whitespace around plain JSON; a literal '+'.
    write("policy", "\ufeff\n " + json.dumps(POLICIES[0]) + "\n")
    write("policy", "%7B%22Action%22%3A%22a+b%22%7D")


if __name__ == "__main__":
    inventory_seeds()
    report_seeds()
    policy_seeds()
    for t in ("policy", "inventory", "report"):
        print(t, len(list((OUT / t).glob("*"))))
