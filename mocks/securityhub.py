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

import boto3
import botocore.session
from botocore.validate import ParamValidator


def client(args):
    hub = boto3.client(
        "securityhub",
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if args.account_id:
        # moto serves the state of the account this header names.
        hub.meta.events.register(
            "before-send.*.*",
            lambda request, **_: request.headers.__setitem__(
                "x-moto-account-id", args.account_id
            ),
        )
    return hub


def findings(args):
    hub = client(args)
    out, token = [], None
    while True:
        kw = {"MaxResults": 100}
        if token:
            kw["NextToken"] = token
        page = hub.get_findings(**kw)
        out.extend(page.get("Findings", []))
        token = page.get("NextToken")
        if not token:
            break
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


def import_file(args):
    with open(args.file) as f:
        data = json.load(f)
    answer = client(args).batch_import_findings(Findings=data)
    answer.pop("ResponseMetadata", None)
    json.dump(answer, sys.stdout, indent=1, sort_keys=True)


def validate(args):
    with open(args.file) as f:
        data = json.load(f)
    if not isinstance(data, list):
        json.dump({"findings": 0, "errors": ["the file is not a JSON array"]}, sys.stdout)
        return 1
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    errors = []
    for i in range(0, len(data), 100):
        report = ParamValidator().validate({"Findings": data[i : i + 100]}, shape)
        if report.has_errors():
            errors.append(report.generate_report())
    json.dump({"findings": len(data), "errors": errors}, sys.stdout)
    return 1 if errors else 0


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
    if args.command == "findings":
        return findings(args) or 0
    if args.command == "import":
        return import_file(args) or 0
    return validate(args)


if __name__ == "__main__":
    sys.exit(main())
