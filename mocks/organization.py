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

from botocore.exceptions import BotoCoreError, ClientError

from eksmocks.clients import Aws
from eksmocks.organization import create_organization


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", type=int, default=2, help="member accounts to create")
    parser.add_argument("--closed", type=int, default=1, help="of which to close")
    args = parser.parse_args(argv)
    try:
        org = create_organization(Aws(args.endpoint, "us-east-1"), args.accounts, args.closed)
    except (BotoCoreError, ClientError) as e:
        sys.exit(f"organization.py: {e}")
    json.dump(org, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
