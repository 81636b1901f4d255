#!/usr/bin/env python3
"""Runs the AWS SAM transform on deploy/template.yaml offline and lints the result.

    python deploy/check_sam_transform.py [deploy-dir]

cfn-lint 1.x validates a SAM template against SAM's schema without running the
transform; this runs it (aws-sam-translator, as CloudFormation would, with a
placeholder S3 location for CodeUri and a fake region, no AWS calls) and lints
the plain CloudFormation it produces, so an error only the transform or the
generated AWS::Lambda::Function shows is caught before a deploy.
"""

import json
import os
import sys
from pathlib import Path

try:
    from cfnlint.api import ManualArgs, lint
    from cfnlint.decode import cfn_yaml
    from samtranslator.translator.transform import transform
except ImportError as e:
    sys.exit(f"check_sam_transform: needs cfn-lint and aws-sam-translator ({e}); scripts/check-deploy.sh installs them")


class NoManagedPolicies:
    def load(self):
        return {}


def main(argv):
    deploy = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    # The translator reads the region from a boto3 session; it never calls AWS.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    tpl = json.loads(json.dumps(cfn_yaml.load(str(deploy / "template.yaml"))))
    for res in tpl.get("Resources", {}).values():
        if res.get("Type") == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = "s3://eksposture-artifacts/eksposture.zip"
    try:
        out = transform(tpl, {}, NoManagedPolicies())
    except Exception as e:  # noqa: BLE001 - the translator's errors are the finding
        print(f"check_sam_transform: the SAM transform of {deploy / 'template.yaml'} fails: {e}", file=sys.stderr)
        return 1
    matches = lint(json.dumps(out), config=ManualArgs(regions=["us-east-1"]))
    if matches:
        print("check_sam_transform: the transformed template has cfn-lint findings:", file=sys.stderr)
        for m in matches:
            print(f"  - {m.rule.id} {m.message} ({'/'.join(map(str, m.path))})", file=sys.stderr)
        return 1
    types = sorted({r["Type"] for r in out["Resources"].values()})
    print(f"check_sam_transform: transforms to {len(out['Resources'])} resources ({', '.join(types)}), cfn-lint clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
