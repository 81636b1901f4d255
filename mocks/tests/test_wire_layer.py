"""Tests of the wire-shape layer (``mocks/wire_layer.py``) that need no
moto server: every answer the seeded accounts' scenarios make it serve
matches botocore's model, the validator catches what it should, the layer
refuses to serve an answer that does not match, and it routes and pages as
AWS does.

    python -m unittest discover -s mocks/tests -t mocks
"""

import datetime
import io
import json
import unittest
from unittest import mock

import wire_layer
import wire_validate
from eksmocks import stack, wire
from eksmocks.accounts import ACCOUNTS
from eksmocks.clients import ACCOUNT_ID

REGION = "us-east-1"


def summary(spec, account_id=ACCOUNT_ID):
    """What seeding ``spec`` reports, with made-up ids (the scenario only
    copies them)."""
    name = spec["name"]
    roles = [r["name"] for r in spec.get("principals", {}).get("roles", [])]
    roles += [p["role"]["name"] for p in spec.get("pod_identity", [])]
    return {
        "network": {"vpc_id": f"vpc-{name}"},
        "eks_cluster_security_group": {"group_id": f"sg-eks-{name}"},
        "node_role": {"arn": f"arn:aws:iam::{account_id}:role/{name}-node-role"},
        "principals": {
            "users": {
                u: f"arn:aws:iam::{account_id}:user/{u}"
                for u in spec.get("principals", {}).get("users", [])
            },
            "roles": {r: f"arn:aws:iam::{account_id}:role/{r}" for r in roles},
        },
        "instances": [{"id": f"i-{name}{n}"} for n in range(spec["nodes"]["count"])],
        "image": {"digest": "sha256:" + "d" * 64, "tag": spec["repository"]["image"]["tag"]},
    }


def scenario_state(stacks, account_id=ACCOUNT_ID):
    """A layer state holding what seeding ``stacks`` posts."""
    state = wire_layer.State()
    for spec in stacks:
        for kind, payload in stack.wire_scenario(spec, summary(spec), account_id, REGION):
            state.put(kind, {"account": account_id, "region": REGION, **payload})
    versions = wire.cluster_versions(datetime.date(2026, 6, 1))
    state.put(
        "eks/cluster-versions",
        {"account": account_id, "region": REGION, "clusterVersions": versions},
    )
    return state


class SeededScenarios(unittest.TestCase):
    def test_every_canned_answer_matches_botocore(self):
        for account, stacks in ACCOUNTS.items():
            if not stacks:
                continue
            state = scenario_state(stacks)
            answers = list(wire_layer.canned_answers(state.get(ACCOUNT_ID, REGION)))
            self.assertGreater(len(answers), 10, account)
            for service, operation, body, is_error in answers:
                with self.subTest(account=account, operation=operation):
                    if is_error:
                        errors = wire_validate.validate_error(service, operation, body)
                    else:
                        errors = wire_validate.validate_output(service, operation, body)
                    self.assertEqual(errors, [])

    def test_every_served_operation_is_answered(self):
        state = scenario_state(ACCOUNTS["demo"])
        served = {op for _, op, _, _ in wire_layer.canned_answers(state.get(ACCOUNT_ID, REGION))}
        for operation in wire_layer.EKS_OPERATIONS + ["ListCoverage"]:
            self.assertIn(operation, served)

    def test_coverage_of_the_stacks_of_one_account_adds_up(self):
        state = scenario_state(ACCOUNTS["demo"])
        resources = state.get(ACCOUNT_ID, REGION)["coveredResources"]
        ids = {r["resourceId"] for r in resources}
        self.assertIn("i-risky0", ids)
        self.assertIn("i-hardened1", ids)

    def test_cluster_versions_agree_with_their_dates(self):
        today = datetime.date(2027, 3, 1)
        now = datetime.datetime(2027, 3, 1, tzinfo=datetime.timezone.utc).timestamp()
        for v in wire.cluster_versions(today):
            expected = (
                "STANDARD_SUPPORT"
                if v["endOfStandardSupportDate"] > now
                else "EXTENDED_SUPPORT"
                if v["endOfExtendedSupportDate"] > now
                else "UNSUPPORTED"
            )
            self.assertEqual(v["versionStatus"], expected, v["clusterVersion"])


class Validator(unittest.TestCase):
    VALID = {
        "coveredResources": [
            {
                "resourceType": "AWS_EC2_INSTANCE",
                "resourceId": "i-1",
                "accountId": "123456789012",
                "scanType": "PACKAGE",
                "scanStatus": {"statusCode": "ACTIVE", "reason": "SUCCESSFUL"},
                "lastScannedAt": 1735689600,
            }
        ]
    }

    def check(self, body):
        return wire_validate.validate_output("inspector2", "ListCoverage", body)

    def resource(self, **change):
        body = json.loads(json.dumps(self.VALID))
        body["coveredResources"][0].update(change)
        return body

    def test_a_valid_answer_passes(self):
        self.assertEqual(self.check(self.VALID), [])

    def test_an_unknown_key_is_caught(self):
        errors = self.check(self.resource(scanStatusCode="ACTIVE"))
        self.assertEqual(len(errors), 1)
        self.assertIn("scanStatusCode: not a member of CoveredResource", errors[0])

    def test_a_nested_unknown_key_is_caught(self):
        errors = self.check(self.resource(scanStatus={"statusCode": "ACTIVE",
                                                      "reason": "SUCCESSFUL", "detail": "x"}))
        self.assertEqual(len(errors), 1)
        self.assertIn("scanStatus.detail", errors[0])

    def test_a_wrong_type_is_caught(self):
        self.assertIn("expected a string", self.check(self.resource(resourceId=7))[0])
        self.assertIn("expected a list", self.check({"coveredResources": {}})[0])
        self.assertIn("timestamp", self.check(self.resource(lastScannedAt="2025-01-01"))[0])
        boolean = wire_validate.validate_named("eks", "AccessConfigResponse",
                                               {"bootstrapClusterCreatorAdminPermissions": "true"})
        self.assertIn("expected a boolean", boolean[0])
        integer = wire_validate.validate_named("ecr", "ImageDetail", {"imageSizeInBytes": True})
        self.assertIn("expected a long", integer[0])

    def test_an_enum_value_outside_the_model_is_caught(self):
        errors = self.check(self.resource(scanType="DEEP"))
        self.assertIn("'DEEP' is not one of", errors[0])

    def test_a_missing_required_member_is_caught(self):
        body = self.resource()
        del body["coveredResources"][0]["accountId"]
        errors = self.check(body)
        self.assertEqual(len(errors), 1)
        self.assertIn("accountId: required member of CoveredResource is missing", errors[0])

    def test_maps_check_keys_and_values(self):
        ok = {"imageScanFindingsSummary": {"findingSeverityCounts": {"HIGH": 1}}}
        self.assertEqual(wire_validate.validate_named("ecr", "ImageDetail", ok), [])
        bad = {"imageScanFindingsSummary": {"findingSeverityCounts": {"SEVERE": "1"}}}
        errors = wire_validate.validate_named("ecr", "ImageDetail", bad)
        self.assertEqual(len(errors), 2, errors)

    def test_ec2_answers_are_checked_by_member_name(self):
        ok = {"AccountLevel": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}}
        self.assertEqual(wire_validate.validate_output("ec2", "GetInstanceMetadataDefaults", ok), [])
        bad = {"AccountLevel": {"HttpTokens": "mandatory"}}
        self.assertNotEqual(
            wire_validate.validate_output("ec2", "GetInstanceMetadataDefaults", bad), []
        )

    def test_control_payloads_are_checked_when_posted(self):
        state = wire_layer.State()
        with self.assertRaisesRegex(ValueError, "unknownMember: not a member of Addon"):
            state.put(
                "eks/cluster",
                {"account": "1", "region": REGION, "name": "c",
                 "addons": [{"addonName": "vpc-cni", "unknownMember": 1}]},
            )


def environ(method, path, service, body=b"", query="", account=ACCOUNT_ID):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": wire_layer.urllib.parse.unquote(path),
        "RAW_URI": path + (f"?{query}" if query else ""),
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=testing/20260101/"
        f"{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=x",
        "HTTP_X_MOTO_ACCOUNT_ID": account,
    }


class Serving(unittest.TestCase):
    def setUp(self):
        self.moto_calls = []

        def moto(environ, start_response):
            self.moto_calls.append(environ["PATH_INFO"])
            start_response("404 Not Found", [("Content-Type", "text/html")])
            return [b"<html>not implemented</html>"]

        self.layer = wire_layer.WireLayer(moto)
        self.layer.state = scenario_state(ACCOUNTS["risky"])
        patches = [
            mock.patch.object(wire_layer, "eks_clusters", lambda a, r: {"risky": object()}),
            mock.patch.object(wire_layer.Request, "record", lambda self: None),
        ]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)

    def get(self, path, service="eks", query="", method="GET", body=b""):
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

        out = b"".join(self.layer(environ(method, path, service, body, query), start_response))
        return captured["status"], captured["headers"], out

    def test_access_entries_are_listed_and_paged(self):
        status, _, body = self.get("/clusters/risky/access-entries", query="maxResults=2")
        self.assertEqual(status, 200)
        first = json.loads(body)
        self.assertEqual(len(first["accessEntries"]), 2)
        status, _, body = self.get(
            "/clusters/risky/access-entries",
            query=f"maxResults=2&nextToken={wire_layer.urllib.parse.quote(first['nextToken'])}",
        )
        rest = json.loads(body)
        self.assertNotIn("nextToken", rest)
        self.assertEqual(len(first["accessEntries"] + rest["accessEntries"]), 4)

    def test_a_percent_encoded_principal_is_one_label(self):
        arn = f"arn:aws:iam::{ACCOUNT_ID}:user/risky-deployer"
        path = f"/clusters/risky/access-entries/{wire_layer.urllib.parse.quote(arn, safe='')}"
        status, _, body = self.get(path + "/access-policies")
        self.assertEqual(status, 200, body)
        policies = json.loads(body)["associatedAccessPolicies"]
        self.assertTrue(policies[0]["policyArn"].endswith("AmazonEKSClusterAdminPolicy"))

    def test_unknown_names_are_aws_errors(self):
        status, headers, body = self.get("/clusters/nope/addons")
        self.assertEqual(status, 404)
        self.assertEqual(headers["x-amzn-ErrorType"], "ResourceNotFoundException")
        self.assertEqual(json.loads(body)["clusterName"], "nope")
        status, headers, _ = self.get("/clusters/risky/addons/calico")
        self.assertEqual((status, headers["x-amzn-ErrorType"]), (404, "ResourceNotFoundException"))
        status, headers, _ = self.get("/clusters/risky/addons", query="maxResults=500")
        self.assertEqual((status, headers["x-amzn-ErrorType"]), (400, "InvalidParameterException"))

    def test_cross_account_pod_identity_target_is_served(self):
        _, _, body = self.get("/clusters/risky/pod-identity-associations")
        summary = json.loads(body)["associations"][0]
        self.assertNotIn("roleArn", summary)  # only the describe call names roles
        _, _, body = self.get(
            f"/clusters/risky/pod-identity-associations/{summary['associationId']}"
        )
        association = json.loads(body)["association"]
        self.assertEqual(association["targetRoleArn"],
                         "arn:aws:iam::999999999999:role/partner-data-writer")
        self.assertIn("externalId", association)

    def test_what_the_scenario_leaves_out_goes_to_moto(self):
        self.layer.state = wire_layer.State()
        status, _, _ = self.get("/clusters/risky/addons")
        self.assertEqual(status, 404)
        self.assertEqual(self.moto_calls, ["/clusters/risky/addons"])

    def test_coverage_is_filtered_as_inspector_filters(self):
        criteria = {"filterCriteria": {"resourceType": [
            {"comparison": "EQUALS", "value": "AWS_EC2_INSTANCE"}]}}
        status, _, body = self.get("/coverage/list", "inspector2", method="POST",
                                   body=json.dumps(criteria).encode())
        self.assertEqual(status, 200, body)
        resources = json.loads(body)["coveredResources"]
        self.assertEqual({r["resourceType"] for r in resources}, {"AWS_EC2_INSTANCE"})
        criteria = {"filterCriteria": {"lambdaFunctionName": [
            {"comparison": "EQUALS", "value": "f"}]}}
        status, headers, _ = self.get("/coverage/list", "inspector2", method="POST",
                                      body=json.dumps(criteria).encode())
        self.assertEqual((status, headers["x-amzn-ErrorType"]), (400, "ValidationException"))

    def test_an_answer_that_does_not_match_botocore_is_a_500(self):
        data = self.layer.state.get(ACCOUNT_ID, REGION)
        # Bypasses the check the control endpoint makes.
        data["clusters"]["risky"]["addons"][0]["enableNetworkPolicy"] = True
        status, _, body = self.get("/clusters/risky/addons/coredns")
        self.assertEqual(status, 500)
        self.assertIn("addon.enableNetworkPolicy: not a member of Addon", json.loads(body)["message"])
        data["clusters"]["risky"]["addons"][0].pop("enableNetworkPolicy")
        data["clusters"]["risky"]["addons"][0]["createdAt"] = "yesterday"
        status, _, _ = self.get("/clusters/risky/addons/coredns")
        self.assertEqual(status, 500)

    def test_instance_metadata_defaults_are_ec2_xml(self):
        self.layer.state.put("ec2/instance-metadata-defaults", {
            "account": ACCOUNT_ID, "region": REGION,
            "accountLevel": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}})
        body = b"Action=GetInstanceMetadataDefaults&Version=2016-11-15"
        status, _, xml = self.get("/", "ec2", method="POST", body=body)
        self.assertEqual(status, 200)
        self.assertIn(b"<accountLevel><httpTokens>required</httpTokens>"
                      b"<httpPutResponseHopLimit>1</httpPutResponseHopLimit></accountLevel>", xml)

    def test_control_endpoint_stores_and_dumps(self):
        status, _, body = self.get("/__shapes/ec2/instance-metadata-defaults", method="POST",
                                   body=b'{"account": "1", "region": "r", "accountLevel": {}}')
        self.assertEqual(status, 200, body)
        status, _, body = self.get("/__shapes/", method="GET")
        self.assertIn("1/r", json.loads(body))
        status, _, body = self.get("/__shapes/ec2/instance-metadata-defaults", method="POST",
                                   body=b'{"account": "1", "region": "r", '
                                        b'"accountLevel": {"HttpTokens": "maybe"}}')
        self.assertEqual(status, 400)


if __name__ == "__main__":
    unittest.main()
