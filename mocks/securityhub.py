"""Security Hub helper for the end-to-end tests (the tests crate may not use
the AWS SDK, so it reads and writes moto through boto3 here).

    securityhub.py --endpoint URL [--region R] [--account-id ID] findings
        prints every finding of the region as a JSON array (all pages;
        moto applies no filters, so none are sent)
    securityhub.py --endpoint URL [--region R] import FILE
        imports the ASFF findings of FILE (a JSON array) and prints the
        BatchImportFindings answer
    securityhub.py validate FILE
        checks FILE (a JSON array) against botocore's BatchImportFindings
        input model (unknown keys, types, required fields) in batches of 100;
        prints {"findings": N, "errors": [...]} and exits 1 on any error
"""

import argparse
import json
import sys

from eksmocks import securityhub
from eksmocks.clients import ACCOUNT_ID, Aws


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account-id", help="moto account (default: moto's default)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("findings")
    p = sub.add_parser("import")
    p.add_argument("file")
    p = sub.add_parser("validate")
    p.add_argument("file")
    args = parser.parse_args()
    aws = Aws(args.endpoint or "", args.region, args.account_id or ACCOUNT_ID)
    if args.command == "findings":
        json.dump(securityhub.findings(aws), sys.stdout, indent=1, sort_keys=True)
        return 0
    with open(args.file) as f:
        data = json.load(f)
    if args.command == "import":
        json.dump(securityhub.import_findings(aws, data), sys.stdout, indent=1, sort_keys=True)
        return 0
    errors = securityhub.validate(data)
    count = len(data) if isinstance(data, list) else 0
    json.dump({"findings": count, "errors": errors}, sys.stdout)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
