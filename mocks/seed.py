#!/usr/bin/env python3
"""Seeds a moto server with a fake AWS account running EKS.

    python mocks/seed.py --endpoint http://127.0.0.1:5055 --account risky
    python mocks/seed.py --endpoint URL --account hardened --region us-east-1
    python mocks/seed.py --endpoint URL --account demo

Accounts (described in ``eksmocks/accounts.py``):

* ``risky``: cluster ``risky`` with every risk the core checks look for: a
  public endpoint open to the world, no secrets encryption, nodes in a public
  subnet that allow IMDSv1 with hop limit 2, SSH open to the world, an
  administrator node role, an IRSA role any service account can assume, an
  ECR repository that does not scan on push and holds an unscanned image, and
  an ECS service (cluster ``risky-ecs``) whose task runs a privileged
  container as the image's user, with a writable root filesystem, a password
  in a plain environment variable, and one administrator role as both
  execution and task role.
* ``hardened``: cluster ``hardened``, the same shapes with every risk fixed
  (the ECS task: read-only root filesystem, user 1000, its password from SSM
  through ``secrets``, an execution role with only the ECS execution policy
  and a separate task role).
* ``demo``: both clusters in one account (the README demo).
* ``empty``: nothing (with ``--member-role``: an account a multi-account scan
  can enter and finds no cluster in).

``--account-id`` seeds another moto account (moto keeps accounts apart);
``--member-role NAME`` also creates the role a multi-account scan assumes
there, trusting the default account 123456789012.

Prints a JSON summary of what was created (names, ids and ARNs the end-to-end
tests assert on) to stdout. Uses only boto3 (which ships with moto) and dummy
credentials; it never talks to anything but ``--endpoint``.

The server must run with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` (AWS managed
policies are attached by ARN) and, for the expected nodegroup shape, through
``mocks/moto_server.py``.
"""

import argparse
import json
import sys

from botocore.exceptions import BotoCoreError, ClientError

from eksmocks import iam, stack
from eksmocks.accounts import ACCOUNTS
from eksmocks.clients import ACCOUNT_ID, Aws


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="moto server URL")
    parser.add_argument("--account", required=True, choices=sorted(ACCOUNTS))
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--account-id",
        default=ACCOUNT_ID,
        help="moto account to seed (moto keeps accounts apart)",
    )
    parser.add_argument(
        "--member-role",
        metavar="NAME",
        help="also create the role a multi-account scan assumes, trusting "
        + ACCOUNT_ID,
    )
    parser.add_argument(
        "--no-reseed",
        action="store_true",
        help="keep moto's random state (when seeding a second account or region)",
    )
    args = parser.parse_args(argv)

    aws = Aws(args.endpoint, args.region, args.account_id)
    try:
        if not args.no_reseed:
            aws.reseed(42)
        member_role = (
            iam.create_member_role(aws, args.member_role, ACCOUNT_ID)
            if args.member_role
            else None
        )
        clusters = stack.seed_account(aws, ACCOUNTS[args.account])
    except (OSError, BotoCoreError, ClientError) as e:
        sys.exit(f"seed.py: seeding {args.account} at {args.endpoint} failed: {e}")
    summary = {
        "account": args.account,
        "account_id": args.account_id,
        "region": args.region,
        "clusters": clusters,
        "member_role": member_role,
    }
    json.dump(summary, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
