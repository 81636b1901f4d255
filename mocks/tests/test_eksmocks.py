"""Tests of the seeding library that need no moto server: the account specs
are data and valid against the stack's schema, and the schema check catches
what it should. (``mocks/diff_accounts.py`` checks what a seeded server
holds against an earlier revision; the end-to-end tests check what the
scanner finds in it.)

    python -m unittest discover -s mocks/tests -t mocks
"""

import ast
import copy
import os
import unittest

from eksmocks import benchmark, stack
from eksmocks.accounts import ACCOUNTS, HARDENED, RISKY

ACCOUNTS_FILE = os.path.join(os.path.dirname(stack.__file__), "accounts.py")


class AccountSpecs(unittest.TestCase):
    def test_every_stack_is_valid(self):
        for account, stacks in ACCOUNTS.items():
            for spec in stacks:
                with self.subTest(account=account, stack=spec["name"]):
                    self.assertEqual(stack.validate(spec), [])

    def test_accounts_module_is_plain_data(self):
        # Literals and names of literals only: no imports, calls or code.
        with open(ACCOUNTS_FILE) as f:
            tree = ast.parse(f.read())
        allowed = (ast.Module, ast.Expr, ast.Assign, ast.Name, ast.Store, ast.Load,
                   ast.Constant, ast.Dict, ast.List, ast.UnaryOp, ast.USub)
        strays = [type(n).__name__ for n in ast.walk(tree) if not isinstance(n, allowed)]
        self.assertEqual(strays, [])

    def test_stacks_of_one_account_do_not_collide(self):
        # The demo account holds both stacks: names and CIDRs must differ.
        def names(spec):
            return {
                spec["name"], spec["network"]["cidr"], spec["repository"]["name"],
                spec["ecs"]["cluster"], spec["ecs"]["service"],
                spec["ecs"]["task_definition"]["family"],
                *(r["name"] for r in spec["irsa_roles"] + spec["ecs"]["roles"]),
                *(p["name"] for p in spec["ecs"]["parameters"]),
                *spec.get("principals", {}).get("users", []),
                *(r["name"] for r in spec.get("principals", {}).get("roles", [])),
                *(p["role"]["name"] for p in spec.get("pod_identity", [])),
                *(r["name"] for r in spec.get("extra_repositories", [])),
            }

        for account, stacks in ACCOUNTS.items():
            seen = set()
            for spec in stacks:
                with self.subTest(account=account, stack=spec["name"]):
                    self.assertEqual(seen & names(spec), set())
                    seen |= names(spec)

    def test_risky_and_hardened_differ_where_the_checks_look(self):
        self.assertTrue(RISKY["network"]["public"])
        self.assertFalse(HARDENED["network"]["public"])
        self.assertEqual(RISKY["nodes"]["http_tokens"], "optional")
        self.assertEqual(HARDENED["nodes"]["http_tokens"], "required")
        self.assertIn("AdministratorAccess", RISKY["nodes"]["policies"])
        self.assertNotIn("AdministratorAccess", HARDENED["nodes"]["policies"])


class SchemaCheck(unittest.TestCase):
    def errors_after(self, change):
        spec = copy.deepcopy(RISKY)
        change(spec)
        return stack.validate(spec)

    def test_unknown_and_missing_keys(self):
        self.assertEqual(
            self.errors_after(lambda s: s["nodes"].update(cont=2)),
            ["spec.nodes.cont: unknown key"],
        )
        self.assertEqual(
            self.errors_after(lambda s: s["repository"].pop("scanned")),
            ["spec.repository.scanned: missing"],
        )

    def test_types(self):
        self.assertEqual(
            self.errors_after(lambda s: s["nodes"].update(count="2")),
            ["spec.nodes.count: expected int"],
        )
        self.assertEqual(
            self.errors_after(lambda s: s["nodes"].update(hop_limit=True)),
            ["spec.nodes.hop_limit: expected int"],
        )
        self.assertEqual(
            self.errors_after(lambda s: s["cluster"]["ingress"].append({"port": 22})),
            [
                "spec.cluster.ingress[0].cidr: missing",
                "spec.cluster.ingress[0].description: missing",
            ],
        )

    def test_references_to_nothing(self):
        def rename_role(s):
            s["ecs"]["task_definition"]["taskRoleArn"] = "@role:no-such-role"

        self.assertEqual(
            self.errors_after(rename_role),
            ["spec.ecs: @role:no-such-role: names nothing the stack creates"],
        )
        self.assertEqual(
            self.errors_after(lambda s: s["ecs"].update(env_secret="NOPE")),
            ["spec.ecs: env_secret NOPE: no container has that environment variable"],
        )

    def test_resolve_replaces_references_only(self):
        self.assertEqual(
            stack.resolve({"a": ["@subnet", "subnet"], "b": 1}, {"@subnet": "subnet-1"}),
            {"a": ["subnet-1", "subnet"], "b": 1},
        )


class Benchmark(unittest.TestCase):
    def test_spread(self):
        self.assertEqual(benchmark.spread(7, 3), [3, 2, 2])
        self.assertEqual(benchmark.spread(0, 2), [0, 0])
        self.assertEqual(benchmark.spread(5, 0), [])

    def test_profiles_have_positive_weights(self):
        for table in (benchmark.NODE_SG_PROFILES, benchmark.NODE_ROLE_PROFILES,
                      benchmark.IRSA_PROFILES, benchmark.IRSA_POLICIES,
                      benchmark.PLAIN_ROLE_PROFILES, benchmark.ENDPOINT_PROFILES,
                      benchmark.LOGGING_PROFILES, benchmark.IMDS_PROFILES):
            labels = [p[0] for p in table]
            self.assertEqual(len(labels), len(set(labels)))
            self.assertTrue(all(p[1] > 0 for p in table), labels)


if __name__ == "__main__":
    unittest.main()
