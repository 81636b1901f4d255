#!/usr/bin/env python3
"""Tests of deploy/check_policy.py (against deploy/testdata/fake-eksposture),
deploy/check_statemachine.py and deploy/check_sam_transform.py.

    python deploy/test_check_policy.py        # (scripts/check-deploy.sh runs it)

The real templates must pass; copies with one change each (an action removed or
added, a wider resource, a statement outside the printed policy) must fail
naming the change.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
CHECK = DEPLOY / "check_policy.py"
CHECK_SM = DEPLOY / "check_statemachine.py"
CHECK_SAM = DEPLOY / "check_sam_transform.py"
FAKE = DEPLOY / "testdata" / "fake-eksposture"


def run(deploy_dir, env=None):
    proc = subprocess.run(
        [sys.executable, str(CHECK), str(FAKE), str(deploy_dir)],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


class Templates(unittest.TestCase):
    """Copies of the templates in a temporary directory, edited by the tests."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="check-policy-"))
        for name in ("template.yaml", "member-role.yaml"):
            shutil.copy(DEPLOY / name, self.tmp / name)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, name, old, new):
        path = self.tmp / name
        text = path.read_text()
        self.assertEqual(text.count(old), 1, f"{old!r} should occur once in {name}")
        path.write_text(text.replace(old, new))


class CheckPolicy(Templates):
    def assert_fails(self, *needles, env=None):
        code, out = run(self.tmp, env)
        self.assertEqual(code, 1, out)
        for needle in needles:
            self.assertIn(needle, out)

    def test_the_templates_match(self):
        code, out = run(self.tmp)
        self.assertEqual(code, 0, out)

    def test_a_read_action_missing_from_the_member_role(self):
        self.edit("member-role.yaml", "                  - eks:DescribeCluster\n", "")
        self.assert_fails("EksPostureRead: missing actions", "eks:DescribeCluster")

    def test_an_action_the_binary_no_longer_prints(self):
        self.assert_fails("extra actions", "iam:GetPolicy", env={"EKSPOSTURE_FAKE_DROP": "iam:GetPolicy"})

    def test_an_extra_read_action(self):
        self.edit("member-role.yaml", "                  - eks:DescribeCluster\n",
                  "                  - eks:DescribeCluster\n                  - eks:ListUpdates\n")
        self.assert_fails("extra actions", "eks:ListUpdates")

    def test_a_security_hub_action_missing(self):
        self.edit("member-role.yaml", "                    - securityhub:GetFindings\n", "")
        self.assert_fails("EksPostureSecurityHub: missing actions", "securityhub:GetFindings")

    def test_security_hub_without_its_condition(self):
        self.edit("member-role.yaml", "              - !If\n                - SecurityHubImport\n",
                  "              - !If\n                - HasExternalId\n")
        self.assert_fails("condition HasExternalId")

    def test_assume_role_on_any_role(self):
        self.edit("template.yaml", 'iam::*:role/${MemberRoleName}"', 'iam::*:role/*"')
        self.assert_fails("EksPostureAssumeMemberRole: Resource")

    def test_put_object_missing(self):
        self.edit("template.yaml", "                  - s3:PutObject\n", "")
        self.assert_fails("EksPostureWriteReports: missing actions", "s3:PutObject")

    def test_an_extra_scanner_action(self):
        self.edit("template.yaml", "                  - s3:PutObject\n",
                  "                  - s3:PutObject\n                  - s3:GetObject\n")
        self.assert_fails("extra actions", "s3:GetObject")

    def test_list_accounts_missing(self):
        self.edit("template.yaml", "                    - organizations:ListAccounts\n", "")
        self.assert_fails("EksPostureListAccounts: missing actions")

    def test_a_managed_policy_on_the_execution_role(self):
        self.edit("template.yaml", "      Description: eksposture scanner (Lambda execution role)\n",
                  "      Description: eksposture scanner (Lambda execution role)\n"
                  "      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n")
        self.assert_fails("has ManagedPolicyArns")

    def test_the_state_machine_invoking_anything(self):
        self.edit("template.yaml", "                  - lambda:InvokeFunction\n", "                  - lambda:*\n")
        self.assert_fails("may only invoke the function")


class CheckStateMachine(Templates):
    def check(self):
        proc = subprocess.run([sys.executable, str(CHECK_SM), str(self.tmp)],
                              capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout + proc.stderr

    def test_the_state_machine_is_valid(self):
        code, out = self.check()
        self.assertEqual(code, 0, out)

    def test_an_invalid_state_type(self):
        self.edit("template.yaml", '"Type": "Pass"', '"Type": "Pas"')
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("E3601", out)

    def test_a_failed_account_failing_the_run(self):
        self.edit("template.yaml", '"ErrorEquals": ["States.ALL"]', '"ErrorEquals": ["States.Timeout"]')
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("catch States.ALL", out)


class CheckSamTransform(Templates):
    def check(self):
        proc = subprocess.run([sys.executable, str(CHECK_SAM), str(self.tmp)],
                              capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout + proc.stderr

    def test_the_template_transforms(self):
        code, out = self.check()
        self.assertEqual(code, 0, out)

    def test_an_invalid_generated_function(self):
        self.edit("template.yaml", "MemorySize: 1024", "MemorySize: 99999")
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("MemorySize", out)


if __name__ == "__main__":
    unittest.main(verbosity=1)
