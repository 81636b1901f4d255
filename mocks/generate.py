#!/usr/bin/env python3
"""Generates a large fake AWS account running EKS in a moto server.

    python mocks/generate.py --endpoint http://127.0.0.1:5055 \\
        --clusters 20 --nodegroups-per-cluster 2 --instances 400 \\
        --roles 300 --repos 100 --images-per-repo 5 [--seed 1] [--region us-east-1]

Where ``mocks/seed.py`` builds two hand-written clusters (``risky`` and
``hardened``), this script builds an account at a given scale with a
deterministic (for a given ``--seed``) mix of risky and hardened settings
(``eksmocks/benchmark.py``), for benchmarks (``bench/run.sh``) and load tests:

* **Network:** one VPC per cluster (``10.<i>.0.0/16``) with a public /20
  subnet (maps public IPs, route table to an internet gateway) and a private
  /20 subnet (local route only). /20 because moto runs a /24 out of
  addresses at a few hundred instances.
* **Security groups:** per cluster a cluster group and a node group; some
  node groups admit 0.0.0.0/0 to SSH or the kubelet (10250), some ::/0 to
  everything, the rest only the VPC.
* **Clusters:** endpoints public and open to the world, public but
  CIDR-restricted, or private only; some encrypt secrets with a KMS key;
  control-plane logging all, audit only, or none.
* **Nodegroups** (``--nodegroups-per-cluster`` each): a launch template whose
  IMDS settings vary (IMDSv1 allowed or IMDSv2 required; hop limit 1 or 2),
  in the public or the private subnet, with their own node role and instance
  profile.
* **Instances** (``--instances`` in total, spread round-robin over the
  nodegroups): launched in one ``RunInstances`` per nodegroup (``MaxCount``
  > 1) with the launch template's IMDS options (moto does not apply the
  template's), tagged ``eks:cluster-name``, ``aws:eks:cluster-name`` and
  ``eks:nodegroup-name`` (moto launches no instances for nodegroups). moto
  attaches the instance profile to the first instance of such a call only, so
  the others get ``AssociateIamInstanceProfile``.
* **IAM roles** (``--roles`` in total): one cluster role per cluster, one node
  role per nodegroup (most with the worker baseline, some administrators,
  some with the CNI policy or an inline wildcard), IRSA roles trusted by the
  cluster's OIDC provider (``:sub`` naming one service account, a wildcard,
  or no ``:sub`` at all) and plain service roles for the rest.
* **ECR** (``--repos`` repositories of ``--images-per-repo`` images): scan on
  push and immutable tags mixed, some lifecycle policies, a few public
  repository policies; images pushed by generated manifest (``PutImage``),
  some of them scanned.

The server must run through ``mocks/moto_server.py`` with
``MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false``.
Prints a JSON summary (counts of what was created, requests sent and the
seconds it took) to stdout. Uses only boto3 and dummy credentials; it never
talks to anything but ``--endpoint``.
"""

import argparse
import json
import sys
import time

from botocore.exceptions import BotoCoreError, ClientError

from eksmocks.benchmark import generate
from eksmocks.clients import Aws


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--nodegroups-per-cluster", type=int, default=2)
    parser.add_argument("--instances", type=int, default=8, help="in total")
    parser.add_argument("--roles", type=int, default=10, help="IAM roles in total")
    parser.add_argument("--repos", type=int, default=2, help="ECR repositories")
    parser.add_argument("--images-per-repo", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the mix (and moto's ids)")
    args = parser.parse_args(argv)
    scale = {
        k: getattr(args, k)
        for k in ("clusters", "nodegroups_per_cluster", "instances", "roles", "repos",
                  "images_per_repo")
    }
    for flag, value in scale.items():
        if value < 0:
            parser.error(f"--{flag.replace('_', '-')} must not be negative")
    if args.instances and not args.clusters * args.nodegroups_per_cluster:
        parser.error("--instances needs at least one cluster and nodegroup")

    aws = Aws(args.endpoint, args.region)
    started = time.monotonic()
    try:
        # Deterministic resource ids for this server process.
        aws.reseed(args.seed)
        created, mix = generate(aws, args.seed, **scale)
    except (OSError, BotoCoreError, ClientError) as e:
        sys.exit(f"generate.py: seeding {args.endpoint} failed: {e}")
    summary = {
        "endpoint": args.endpoint,
        "region": args.region,
        "seed": args.seed,
        "created": dict(sorted(created.items())),
        "mix": dict(sorted(mix.items())),
        "requests": {"total": sum(aws.requests.values()), **dict(sorted(aws.requests.items()))},
        "seconds": round(time.monotonic() - started, 2),
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
