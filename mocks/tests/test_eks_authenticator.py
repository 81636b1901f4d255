"""Tests of the EKS token webhook (``mocks/eks_authenticator.py``).

The unit tests need only botocore (tokens are presigned offline) and a
stand-in STS served in-process. ``KubeApiserverEndToEnd`` starts moto and the
real kube-apiserver of ``$EKSPOSTURE_KUBE_ASSETS`` (``shared/kube``) with this
webhook; without those assets it is skipped loudly, and under ``CI=true`` it
fails instead.

    python -m unittest discover -s mocks/tests -t mocks
    python -m pytest mocks/tests -q        # where pytest is installed
"""

import base64
import contextlib
import datetime
import http.server
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import botocore.session

MOCKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MOCKS)
import eks_authenticator as ea  # noqa: E402

ACCOUNT = "123456789012"
AKID, SECRET = "AKIAEKSPOSTURETEST01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
STS_ENDPOINT = "http://127.0.0.1:5055"  # never dialled by the token-check tests
DAY = datetime.timedelta(days=1)


def sts_client(endpoint_url=STS_ENDPOINT, key=AKID, secret=SECRET, token=None):
    session = botocore.session.get_session()
    return session.create_client(
        "sts", region_name="us-east-1", endpoint_url=endpoint_url,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def cli_token(client, cluster):
    """What ``aws eks get-token --cluster-name <cluster>`` prints as the token:
    awscli/customizations/eks/get_token.py, written out here so the test does
    not lean on the module's own helper."""
    def retrieve(params, context, **_):
        if "x-k8s-aws-id" in params:
            context["x-k8s-aws-id"] = params.pop("x-k8s-aws-id")

    def inject(request, **_):
        if "x-k8s-aws-id" in request.context:
            request.headers["x-k8s-aws-id"] = request.context["x-k8s-aws-id"]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", retrieve)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", inject)
    url = client.generate_presigned_url(
        "get_caller_identity", Params={"x-k8s-aws-id": cluster}, ExpiresIn=60,
        HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")


def url_of(token):
    body = token[len(ea.V1_PREFIX):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def token_of(url):
    return ea.V1_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def check(token, cluster="prod", secret=SECRET, now=None):
    """The webhook's checks short of calling STS; raises ea.Denied."""
    presigned = ea.parse_token(token, STS_ENDPOINT, now)
    ea.verify_signature(presigned, cluster, secret)
    return presigned


class TokenChecks(unittest.TestCase):
    def test_a_cli_token_for_this_cluster_passes(self):
        p = check(cli_token(sts_client(), "prod"))
        self.assertEqual(p.access_key_id, AKID)
        self.assertEqual(sorted(p.signed_headers), ["host", "x-k8s-aws-id"])
        self.assertEqual(p.params["action"], "GetCallerIdentity")
        # The module's own helper makes the same kind of token.
        check(ea.make_token(sts_client(), "prod"))

    def test_a_token_for_an_sts_host_over_https_passes(self):
        for endpoint in ("https://sts.amazonaws.com", "https://sts.eu-west-1.amazonaws.com",
                         "https://sts-fips.us-east-1.amazonaws.com"):
            with self.subTest(endpoint=endpoint):
                check(cli_token(sts_client(endpoint), "prod"))

    def test_a_token_for_another_cluster_is_rejected(self):
        with self.assertRaisesRegex(ea.Denied, "signature does not match"):
            check(cli_token(sts_client(), "staging"), cluster="prod")

    def test_a_token_signed_with_another_secret_is_rejected(self):
        with self.assertRaisesRegex(ea.Denied, "signature does not match"):
            check(cli_token(sts_client(secret="not-the-secret"), "prod"))

    def test_an_expired_token_is_rejected(self):
        token = cli_token(sts_client(), "prod")
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=16)
        with self.assertRaisesRegex(ea.Denied, "expired"):
            check(token, now=later)
        # Still valid 14 minutes on: X-Amz-Expires=60 is not what expires it.
        check(token, now=later - datetime.timedelta(minutes=2))
        # An X-Amz-Date moved back by hand is expired too (before any signature check).
        url = url_of(token)
        date = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["X-Amz-Date"][0]
        old = (datetime.datetime.strptime(date, ea.DATE_FORMAT) - DAY).strftime(ea.DATE_FORMAT)
        with self.assertRaisesRegex(ea.Denied, "expired"):
            ea.parse_token(token_of(url.replace(date, old)), STS_ENDPOINT)

    def test_a_non_sts_host_is_rejected(self):
        for endpoint in ("https://sts.evil.example.com", "https://sts.amazonaws.com.evil.com",
                         "https://iam.amazonaws.com", "https://127.0.0.1:5055"):
            with self.subTest(endpoint=endpoint):
                with self.assertRaisesRegex(ea.Denied, "unexpected hostname"):
                    check(cli_token(sts_client(endpoint), "prod"))

    def test_plain_http_only_for_the_configured_endpoint(self):
        for endpoint in ("http://sts.amazonaws.com", "http://127.0.0.1:5056"):
            with self.subTest(endpoint=endpoint):
                with self.assertRaisesRegex(ea.Denied, "unexpected scheme"):
                    check(cli_token(sts_client(endpoint), "prod"))

    def test_a_token_without_the_signed_cluster_header_is_rejected(self):
        url = sts_client().generate_presigned_url(
            "get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
        with self.assertRaisesRegex(ea.Denied, "did not sign the x-k8s-aws-id header"):
            check(token_of(url))

    def test_malformed_tokens_are_rejected(self):
        good = cli_token(sts_client(), "prod")
        url = url_of(good)
        cases = {
            "prefix": good[len(ea.V1_PREFIX):],
            "unpadded base64url": good + "=",
            "too large": good + "A" * 4096,
            "unexpected path": token_of(url.replace("5055/?", "5055/x?")),
            "non-whitelisted query parameter": token_of(url + "&Foo=bar"),
            "multiple values": token_of(url + "&Action=GetCallerIdentity"),
            "unexpected action": token_of(url.replace("Action=GetCallerIdentity",
                                                      "Action=GetSessionToken")),
            "X-Amz-Expires": token_of(url.replace("X-Amz-Expires=60", "X-Amz-Expires=901")),
        }
        for why, token in cases.items():
            with self.subTest(why=why):
                with self.assertRaisesRegex(ea.Denied, why):
                    check(token)

    def test_a_session_token_must_belong_to_the_key(self):
        token = cli_token(sts_client(token="session-a"), "prod")
        p = ea.parse_token(token, STS_ENDPOINT)
        ea.verify_signature(p, "prod", SECRET, "session-a")
        with self.assertRaisesRegex(ea.Denied, "X-Amz-Security-Token"):
            ea.verify_signature(p, "prod", SECRET, "session-b")


class Canonicalize(unittest.TestCase):
    def test_arns(self):
        self.assertEqual(
            ea.canonicalize("arn:aws:sts::%s:assumed-role/Reader/me@example.com" % ACCOUNT),
            "arn:aws:iam::%s:role/Reader" % ACCOUNT)
        for arn in ("arn:aws:iam::%s:user/team/alice" % ACCOUNT,
                    "arn:aws:iam::%s:role/Reader" % ACCOUNT, "arn:aws:iam::%s:root" % ACCOUNT,
                    "arn:aws:sts::%s:federated-user/bob" % ACCOUNT):
            self.assertEqual(ea.canonicalize(arn), arn)
        # moto's answer for a key it did not issue is no identity.
        for arn in ("arn:aws:sts::%s:user/moto" % ACCOUNT, "arn:aws:s3:::bucket",
                    "arn:nope:iam::%s:role/x" % ACCOUNT, "not-an-arn",
                    "arn:aws:sts::%s:assumed-role/Reader" % ACCOUNT):
            with self.subTest(arn=arn), self.assertRaises(ea.Denied):
                ea.canonicalize(arn)


def ident(arn, user_id="AROAEXAMPLE:me@example.com"):
    return ea.Identity(arn, ACCOUNT, user_id, AKID)


ASSUMED = "arn:aws:sts::%s:assumed-role/reader/me@example.com" % ACCOUNT


class Mapping(unittest.TestCase):
    def test_map_roles_with_templates(self):
        mapping = {"mapRoles": [{
            "rolearn": "arn:aws:iam::%s:role/Reader" % ACCOUNT,
            "username": "reader:{{AccountID}}:{{SessionName}}",
            "groups": ["eksposture-readers", "raw:{{SessionNameRaw}}"]}]}
        self.assertEqual(
            ea.lookup(mapping, ident(ASSUMED)),
            ("reader:%s:me-example.com" % ACCOUNT,
             ["eksposture-readers", "raw:me@example.com"], "mapRoles"))

    def test_an_aws_auth_role_arn_with_a_path_never_matches(self):
        mapping = {"mapRoles": [{"rolearn": "arn:aws:iam::%s:role/team/reader" % ACCOUNT,
                                 "username": "r", "groups": []}]}
        with self.assertRaisesRegex(ea.Denied, "not mapped"):
            ea.lookup(mapping, ident(ASSUMED))

    def test_access_entry_default_username_path_and_precedence(self):
        mapping = {
            "accessEntries": [{"principalArn": "arn:aws:iam::%s:role/team/reader" % ACCOUNT,
                               "kubernetesGroups": ["eksposture-readers"]}],
            "mapRoles": [{"rolearn": "arn:aws:iam::%s:role/reader" % ACCOUNT,
                          "username": "from-aws-auth", "groups": ["system:masters"]}],
        }
        self.assertEqual(
            ea.lookup(mapping, ident(ASSUMED)),
            ("arn:aws:sts::%s:assumed-role/reader/me-example.com" % ACCOUNT,
             ["eksposture-readers"], "access entry"))
        mapping["accessEntries"][0]["username"] = "custom:{{SessionName}}"
        self.assertEqual(ea.lookup(mapping, ident(ASSUMED))[0], "custom:me-example.com")
        # The cluster's authentication mode decides which source counts.
        self.assertEqual(ea.lookup(dict(mapping, authenticationMode="CONFIG_MAP"),
                                   ident(ASSUMED))[0], "from-aws-auth")
        with self.assertRaisesRegex(ea.Denied, "not mapped"):
            ea.lookup({"authenticationMode": "API", "mapRoles": mapping["mapRoles"]},
                      ident(ASSUMED))
        # Node access entries are not for people.
        mapping["accessEntries"][0]["type"] = "EC2_LINUX"
        self.assertEqual(ea.lookup(mapping, ident(ASSUMED))[2], "mapRoles")

    def test_users(self):
        user = "arn:aws:iam::%s:user/team/alice" % ACCOUNT
        mapping = {"mapUsers": [{"userarn": user, "username": "alice", "groups": ["g"]}]}
        self.assertEqual(ea.lookup(mapping, ident(user, "AIDAEXAMPLE")),
                         ("alice", ["g"], "mapUsers"))
        entry = {"accessEntries": [{"principalArn": user}]}
        self.assertEqual(ea.lookup(entry, ident(user, "AIDAEXAMPLE")), (user, [], "access entry"))

    def test_unmapped_and_ec2_templates(self):
        with self.assertRaisesRegex(ea.Denied, "not mapped"):
            ea.lookup({}, ident(ASSUMED))
        mapping = {"mapRoles": [{"rolearn": "arn:aws:iam::%s:role/reader" % ACCOUNT,
                                 "username": "system:node:{{EC2PrivateDNSName}}"}]}
        with self.assertRaisesRegex(ea.Denied, "EC2PrivateDNSName"):
            ea.lookup(mapping, ident(ASSUMED))


class StandInSts:
    """Answers GetCallerIdentity as moto does (XML), naming whatever ARN the
    test sets; records the headers it saw."""

    def __init__(self):
        self.arn = ASSUMED
        self.seen = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_GET(self):
                outer.seen.append(dict(self.headers))
                body = (
                    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                    "<GetCallerIdentityResult><Arn>%s</Arn><UserId>AROAEXAMPLE:me@example.com"
                    "</UserId><Account>%s</Account></GetCallerIdentityResult>"
                    "</GetCallerIdentityResponse>" % (outer.arn, ACCOUNT)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Webhook(unittest.TestCase):
    """The HTTP webhook end to end, with a stand-in STS."""

    def setUp(self):
        self.sts = StandInSts()
        self.addCleanup(self.sts.close)
        self.dir = tempfile.mkdtemp(prefix="eks-authn-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.mapping = os.path.join(self.dir, "mapping.json")
        self.write_mapping({"mapRoles": [{"rolearn": "arn:aws:iam::%s:role/reader" % ACCOUNT,
                                          "username": "reader:{{SessionName}}",
                                          "groups": ["eksposture-readers"]}]})
        secrets = os.path.join(self.dir, "secrets.json")
        with open(secrets, "w") as f:
            json.dump({AKID: SECRET}, f)
        auth = ea.Authenticator("prod", self.sts.url, self.mapping, ea.Secrets(secrets))
        self.server = ea.Server(("127.0.0.1", 0), ea.make_handler(auth))
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = "http://127.0.0.1:%d/authenticate" % self.server.server_address[1]

    def write_mapping(self, data):
        tmp = self.mapping + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.mapping)

    def post(self, token, api_version="authentication.k8s.io/v1beta1"):
        body = json.dumps({"apiVersion": api_version, "kind": "TokenReview",
                           "spec": {"token": token}}).encode()
        req = urllib.request.Request(self.url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_allow_both_api_versions_and_deny_without_leaking_the_token(self):
        token = cli_token(sts_client(self.sts.url), "prod")
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            for version in ("authentication.k8s.io/v1beta1", "authentication.k8s.io/v1"):
                status, answer = self.post(token, version)
                self.assertEqual(status, 200, answer)
                self.assertEqual(answer["apiVersion"], version)
                self.assertEqual(answer["kind"], "TokenReview")
                user = answer["status"]["user"]
                self.assertTrue(answer["status"]["authenticated"])
                self.assertEqual(user["username"], "reader:me-example.com")
                self.assertEqual(user["groups"], ["eksposture-readers"])
                self.assertEqual(user["uid"], "aws-iam-authenticator:%s:AROAEXAMPLE" % ACCOUNT)
                self.assertEqual(user["extra"]["canonicalArn"],
                                 ["arn:aws:iam::%s:role/reader" % ACCOUNT])
            other = cli_token(sts_client(self.sts.url), "staging")
            status, answer = self.post(other)
            self.assertEqual((status, answer["status"]), (403, {"authenticated": False}))
        # STS was asked with this cluster's id and the caller's key as moto reads it.
        self.assertEqual(self.sts.seen[0]["x-k8s-aws-id"], "prod")
        self.assertIn("Credential=%s/" % AKID, self.sts.seen[0]["Authorization"])
        log = stderr.getvalue()
        self.assertIn("allow cluster=prod key=%s" % AKID, log)
        self.assertIn("deny cluster=prod key=%s: signature does not match" % AKID, log)
        for t in (token, other):
            self.assertNotIn(t[len(ea.V1_PREFIX):][:40], log)
            self.assertNotIn(urllib.parse.parse_qs(url_of(t))["X-Amz-Signature"][0], log)

    def test_the_mapping_is_re_read_when_it_changes(self):
        token = cli_token(sts_client(self.sts.url), "prod")
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(self.post(token)[0], 200)
            self.write_mapping({"mapRoles": []})
            self.assertEqual(self.post(token)[0], 403)
            self.write_mapping({"accessEntries": [
                {"principalArn": "arn:aws:iam::%s:role/path/reader" % ACCOUNT}]})
            status, answer = self.post(token)
        self.assertEqual(status, 200)
        self.assertEqual(answer["status"]["user"]["username"],
                         "arn:aws:sts::%s:assumed-role/reader/me-example.com" % ACCOUNT)

    def test_unknown_keys_and_non_identities_are_denied(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            unknown = cli_token(sts_client(self.sts.url, key="AKIAUNKNOWN"), "prod")
            self.assertEqual(self.post(unknown)[0], 403)
            self.sts.arn = "arn:aws:sts::%s:user/moto" % ACCOUNT
            self.assertEqual(self.post(cli_token(sts_client(self.sts.url), "prod"))[0], 403)
        self.assertIn("no secret known for access key AKIAUNKNOWN", err.getvalue())
        self.assertIn("unrecognized resource user/moto", err.getvalue())

    def test_not_a_token_review(self):
        req = urllib.request.Request(self.url, data=b"{}", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 400)


class Process(unittest.TestCase):
    @staticmethod
    def kill_if_running(pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if b"eks_authenticator.py" in f.read():
                    os.kill(pid, 9)
        except OSError:
            pass

    def test_port_line_kubeconfig_and_exit_with_parent(self):
        # A parent that starts the webhook and exits at once: the webhook must follow.
        d = tempfile.mkdtemp(prefix="eks-authn-test-")
        self.addCleanup(shutil.rmtree, d, True)
        kubeconfig = os.path.join(d, "webhook.kubeconfig")
        parent = (
            "import subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE,"
            " stderr=subprocess.DEVNULL)\n"
            "print(p.stdout.readline().decode().strip(), p.pid, flush=True)\n")
        out = subprocess.run(
            [sys.executable, "-c", parent, sys.executable,
             os.path.join(MOCKS, "eks_authenticator.py"), "--cluster-name", "prod",
             "--sts-endpoint", STS_ENDPOINT, "--webhook-kubeconfig", kubeconfig,
             "--exit-with-parent"], capture_output=True, text=True, timeout=30)
        word, port, pid = out.stdout.split()
        self.addCleanup(self.kill_if_running, int(pid))
        self.assertEqual(word, "PORT")
        with open(kubeconfig) as f:
            self.assertIn("server: http://127.0.0.1:%s/authenticate" % port, f.read())

        def running():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        deadline = time.monotonic() + 10
        while running() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(running(), "the webhook outlived its parent")


# ---- against moto and the real kube-apiserver --------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_kube(why):
    if os.environ.get("CI") == "true":
        raise AssertionError("no kube-apiserver under CI=true: %s" % why)
    print("\nSKIPPED (no kube assets): %s: set EKSPOSTURE_KUBE_ASSETS or install etcd-server"
          % why, file=sys.stderr, flush=True)
    raise unittest.SkipTest("no kube assets: %s" % why)


class KubeApiserverEndToEnd(unittest.TestCase):
    """moto + this webhook + shared/kube's kube-apiserver (v1.20, webhook v1beta1)."""

    CLUSTER = "eksposture-e2e"
    WEBHOOK_VERSION = "v1beta1"  # what EKS's apiserver flag says; v1 works as well

    @classmethod
    def setUpClass(cls):
        assets = os.environ.get("EKSPOSTURE_KUBE_ASSETS")
        if not assets:
            no_kube("EKSPOSTURE_KUBE_ASSETS is not set")
        cls.procs = []
        cls.dir = tempfile.mkdtemp(prefix="eks-authn-e2e-")
        cls.kube_state = None
        try:
            cls.start(assets)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls, assets):
        # moto (without the managed policies: /moto-api/data.json stays small);
        # a new port if another process took the one picked.
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false",
                   EKSPOSTURE_MOTO_PARENT_PID=str(os.getpid()))
        env.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        for attempt in range(3):
            port = free_port()
            cls.moto = "http://127.0.0.1:%d" % port
            moto = cls.spawn([sys.executable, os.path.join(MOCKS, "moto_server.py"),
                              "-H", "127.0.0.1", "-p", str(port)], "moto-%d.log" % port, env=env)
            deadline = time.monotonic() + 60
            while moto.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(cls.moto + "/moto-api/", timeout=2):
                        break
                except OSError:
                    time.sleep(0.2)
            if moto.poll() is None and time.monotonic() < deadline:
                break
            if attempt == 2:
                raise RuntimeError("moto did not start:\n" + cls.tail("moto-%d.log" % port))

        # Roles and sessions.
        session = botocore.session.get_session()
        kw = dict(region_name="us-east-1", endpoint_url=cls.moto,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
        iam, sts = session.create_client("iam", **kw), session.create_client("sts", **kw)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
            "Action": "sts:AssumeRole"}]})
        cls.creds = {}
        for name, path in (("eksposture-reader", "/"), ("eksposture-auditor", "/team/"),
                           ("eksposture-unmapped", "/")):
            arn = iam.create_role(RoleName=name, Path=path,
                                  AssumeRolePolicyDocument=trust)["Role"]["Arn"]
            cls.creds[name] = sts.assume_role(RoleArn=arn, RoleSessionName="e2e@test")[
                "Credentials"]
        # The reader's and auditor's secrets are handed over in a file; the
        # unmapped role's is found in moto (--secrets-from-moto).
        secrets = os.path.join(cls.dir, "secrets.json")
        with open(secrets, "w") as f:
            json.dump({c["AccessKeyId"]: {"secretAccessKey": c["SecretAccessKey"],
                                          "sessionToken": c["SessionToken"]}
                       for n, c in cls.creds.items() if n != "eksposture-unmapped"}, f)
        mapping = os.path.join(cls.dir, "mapping.json")
        with open(mapping, "w") as f:
            json.dump({
                "mapRoles": [{"rolearn": "arn:aws:iam::%s:role/eksposture-reader" % ACCOUNT,
                              "username": "reader:{{SessionName}}",
                              "groups": ["eksposture-readers"]}],
                "accessEntries": [{
                    "principalArn": "arn:aws:iam::%s:role/team/eksposture-auditor" % ACCOUNT,
                    "type": "STANDARD"}],
            }, f)

        # The webhook.
        kubeconfig = os.path.join(cls.dir, "webhook.kubeconfig")
        cls.authn_log = os.path.join(cls.dir, "authenticator.log")
        authn = cls.spawn([
            sys.executable, os.path.join(MOCKS, "eks_authenticator.py"),
            "--cluster-name", cls.CLUSTER, "--sts-endpoint", cls.moto, "--mapping", mapping,
            "--secrets", secrets, "--secrets-from-moto", "--webhook-kubeconfig", kubeconfig,
            "--exit-with-parent"], "authenticator.log", stdout=subprocess.PIPE)
        line = authn.stdout.readline().decode().strip()
        if not line.startswith("PORT "):
            raise RuntimeError("eks_authenticator.py printed %r, not PORT <n>:\n%s"
                               % (line, cls.tail("authenticator.log")))

        # kube-apiserver, authenticating unknown bearer tokens through the webhook.
        env = dict(os.environ, EKSPOSTURE_KUBE_APISERVER_ARGS=(
            "--authentication-token-webhook-config-file=%s "
            "--authentication-token-webhook-version=%s" % (kubeconfig, cls.WEBHOOK_VERSION)))
        for attempt in range(3):
            cls.kube_state = os.path.join(cls.dir, "kube-%d" % attempt)
            out = subprocess.run([os.path.join(assets, "start.sh"), cls.kube_state], env=env,
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=120)
            if out.returncode == 0:
                break
            if out.returncode == 2:
                cls.kube_state = None
                no_kube("start.sh exited 2: %s" % out.stderr.strip())
            # start.sh picks ports nobody listens on, but a port can still be
            # taken (e.g. as the local end of a connection) before etcd or
            # kube-apiserver binds it: try again on new ports.
            if "address already in use" not in out.stderr or attempt == 2:
                raise RuntimeError("start.sh failed (%d):\n%s" % (out.returncode, out.stderr))
            print("\nstart.sh: a port was taken, starting again:\n%s" % out.stderr.strip(),
                  file=sys.stderr, flush=True)
            subprocess.run([os.path.join(assets, "stop.sh"), cls.kube_state],
                           capture_output=True, timeout=60)
        kube_env = {}
        with open(os.path.join(cls.kube_state, "env")) as f:
            for line in f:
                k, _, v = line.strip()[len("export "):].partition("=")
                kube_env[k] = v.strip("'")
        cls.api = kube_env["KUBE_APISERVER_URL"]
        cls.admin = kube_env["KUBE_ADMIN_TOKEN"]
        cls.tls = ssl.create_default_context(cafile=kube_env["KUBE_CA_FILE"])

        # RBAC: the group eksposture-readers may read namespaces, nothing else.
        for path, body in (
            ("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "eksposture-read"},
                "rules": [{"apiGroups": [""], "resources": ["namespaces"],
                           "verbs": ["get", "list", "watch"]}]}),
            ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "eksposture-read"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": "eksposture-read"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                              "name": "eksposture-readers"}]}),
        ):
            status, answer = cls.call("POST", path, cls.admin, body)
            if status != 201:
                raise RuntimeError("POST %s: %d %s" % (path, status, answer))

    @classmethod
    def tail(cls, log_name, lines=30):
        """The end of a log, for an error message (the directory is deleted)."""
        try:
            with open(os.path.join(cls.dir, log_name), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return str(e)

    @classmethod
    def spawn(cls, argv, log_name, env=None, stdout=None):
        log = open(os.path.join(cls.dir, log_name), "wb")
        try:
            proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                    stdout=stdout or log, stderr=log)
        finally:
            log.close()
        cls.procs.append(proc)
        return proc

    @classmethod
    def tearDownClass(cls):
        if cls.kube_state and os.path.isdir(cls.kube_state):
            subprocess.run([os.path.join(os.environ["EKSPOSTURE_KUBE_ASSETS"], "stop.sh"),
                            cls.kube_state], capture_output=True, timeout=60)
        for proc in reversed(cls.procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def call(cls, method, path, token, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(cls.api + path, data=data, method=method, headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=cls.tls, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def token(self, role, cluster=None):
        c = self.creds[role]
        return cli_token(sts_client(self.moto, c["AccessKeyId"], c["SecretAccessKey"],
                                    c["SessionToken"]), cluster or self.CLUSTER)

    def log(self):
        with open(self.authn_log) as f:
            return f.read()

    def test_a_mapped_role_reads_namespaces(self):
        status, body = self.call("GET", "/api/v1/namespaces", self.token("eksposture-reader"))
        self.assertEqual(status, 200, body)
        self.assertIn("kube-system", [n["metadata"]["name"] for n in body["items"]])
        self.assertIn("username=reader:e2e-test groups=eksposture-readers", self.log())

    def test_a_token_for_another_cluster_is_401(self):
        status, body = self.call("GET", "/api/v1/namespaces",
                                 self.token("eksposture-reader", "another-cluster"))
        self.assertEqual(status, 401, body)
        self.assertIn("signature does not match", self.log())

    def test_an_unmapped_role_is_401(self):
        # 401, not 403: the webhook does not authenticate a caller it cannot
        # map (as aws-iam-authenticator and EKS do), so the request never
        # reaches authorization. Its secret came from moto's data.json, so the
        # denial is the mapping's, not the signature check's.
        status, body = self.call("GET", "/api/v1/namespaces", self.token("eksposture-unmapped"))
        self.assertEqual(status, 401, body)
        self.assertIn("key=%s: ARN is not mapped" % self.creds["eksposture-unmapped"][
            "AccessKeyId"], self.log())

    def test_an_access_entry_without_groups_is_authenticated_but_forbidden(self):
        # 403: authenticated under EKS's default username (the path of
        # role/team/eksposture-auditor dropped), no group, so RBAC refuses.
        status, body = self.call("GET", "/api/v1/namespaces", self.token("eksposture-auditor"))
        self.assertEqual(status, 403, body)
        self.assertIn('User "arn:aws:sts::%s:assumed-role/eksposture-auditor/e2e-test" cannot '
                      'list resource "namespaces"' % ACCOUNT, body.get("message", ""))


if __name__ == "__main__":
    unittest.main()
