#!/usr/bin/env python3
"""Makes moto's default account (123456789012) the management account of an
AWS Organization with member accounts, some of them closed.

    python mocks/organization.py --endpoint URL --accounts 2 --closed 1

Prints ``{"management": ID, "active": [ID, ...], "closed": [ID, ...]}``;
``active`` includes the management account. moto gives created accounts
random ids; a closed account is ``SUSPENDED`` in ``ListAccounts``.
"""

import argparse
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", type=int, default=2, help="member accounts to create")
    parser.add_argument("--closed", type=int, default=1, help="of which to close")
    args = parser.parse_args(argv)
    org = boto3.client(
        "organizations",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    try:
        management = org.create_organization(FeatureSet="ALL")["Organization"][
            "MasterAccountId"
        ]
        created = []
        for i in range(args.accounts):
            status = org.create_account(
                AccountName=f"member-{i}", Email=f"member-{i}@example.com"
            )["CreateAccountStatus"]
            created.append(status["AccountId"])
        closed = created[: args.closed]
        for account in closed:
            org.close_account(AccountId=account)
    except (BotoCoreError, ClientError) as e:
        sys.exit(f"organization.py: {e}")
    active = sorted([management] + created[args.closed :])
    json.dump({"management": management, "active": active, "closed": closed}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
