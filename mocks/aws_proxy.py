"""A loopback reverse proxy in front of moto that injects AWS faults.

Every request is forwarded (method, path, query, headers, body) to
``--upstream`` and the answer streamed back, unless the proxy decides to
inject a fault instead:

- ``--latency-ms N``: sleep N ms before forwarding each request (a real
  region's round trip; lets a benchmark measure effective concurrency).
- ``--throttle-rate P``: answer that fraction of requests with the service's
  real throttling error, in its protocol's wire format (EC2 503
  ``RequestLimitExceeded``; IAM/STS 400 ``Throttling``; awsJson 400
  ``ThrottlingException``; REST-JSON 429 ``ThrottlingException`` /
  ``TooManyRequestsException``), so an SDK recognises and retries it.
- ``--error-rate P``: answer that fraction with HTTP 500 ``InternalError`` /
  ``InternalFailure`` in the protocol's format.
- ``--deny-service S`` (repeatable): answer every request of service S with
  ``AccessDenied`` in its format.
- ``--hang-operation OP``: hold the first request of operation OP open
  without an answer (until the client gives up); later ones pass through.

Decisions are drawn from ``random.Random(--seed)`` under a lock, so a run is
reproducible for a given request order. moto's control API (``/moto-api/``)
is never touched. The proxy counts requests per ``service:Operation`` and
what it injected; ``GET /__proxy/stats`` answers that as JSON, and
``--stats-file`` receives it every few seconds and on SIGTERM/SIGINT:

    {"requests": {"iam:GetAccountAuthorizationDetails": 1, ...},
     "injected": {"throttle": 3, "error": 1, "deny": 0, "hang": 0}}

The service comes from the SigV4 credential scope
(``Credential=AKID/date/region/service/aws4_request``); the operation from
``Action=`` (query protocols: EC2, IAM, STS), ``X-Amz-Target`` (awsJson: ECR,
ECS, KMS, CloudWatch Logs, Organizations) or method and path (REST-JSON: EKS,
Inspector2, Security Hub, S3).

Usage:

    python mocks/aws_proxy.py --upstream http://127.0.0.1:5055 --throttle-rate 0.2 --seed 7
    # first stdout line: PORT <n>

With ``--exit-with-parent`` the proxy exits when the process that started it
is gone, so a test run that dies leaves no proxy behind.

``python mocks/aws_proxy.py --self-test`` checks the wire formats with
botocore against a stand-in upstream (no moto needed).
"""

import argparse
import http.client
import http.server
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid

ACCOUNT_ID = "123456789012"

# Protocol of each service the scanner (and its tests) talk to.
QUERY_EC2 = {"ec2"}
QUERY_XML = {"iam", "sts", "autoscaling", "elasticloadbalancing", "sns", "sqs", "cloudformation"}
AWS_JSON = {"ecr", "ecs", "kms", "logs", "organizations", "ssm", "secretsmanager", "dynamodb",
            "sso", "events", "states", "cloudtrail", "config"}
# Everything else is treated as REST-JSON (eks, inspector2, securityhub,
# lambda, ...); s3 is REST-XML.

REST_THROTTLE_CODE = {
    "eks": "ThrottlingException",
    "inspector2": "ThrottlingException",
    "securityhub": "TooManyRequestsException",
    "lambda": "TooManyRequestsException",
}

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
}


def signing_service(authorization):
    """The service of a SigV4 ``Authorization`` header, or None."""
    m = re.search(r"Credential=[^/]*/[^/]*/[^/]*/([^/]+)/aws4_request", authorization or "")
    return m.group(1) if m else None


def form_action(text):
    for kv in (text or "").split("&"):
        if kv.startswith("Action="):
            return urllib.parse.unquote_plus(kv[len("Action="):])
    return None


def rest_operation(service, method, path):
    """Operation of a REST-JSON request (the ones a read-only scan sends);
    anything else is ``METHOD /path``. tests/tests/mocks.rs checks it against
    the collectors' own REST table (eksposture_collect::SERVICES)."""
    segs = [s for s in path.strip("/").split("/") if s != ""]
    n = len(segs)
    if service == "eks" and segs:
        if method == "GET":
            if segs == ["clusters"]:
                return "ListClusters"
            if segs == ["cluster-versions"]:
                return "DescribeClusterVersions"
            if segs[0] == "tags":
                return "ListTagsForResource"
            if segs[0] == "clusters":
                if n == 2:
                    return "DescribeCluster"
                sub = {
                    "node-groups": ("ListNodegroups", "DescribeNodegroup"),
                    "fargate-profiles": ("ListFargateProfiles", "DescribeFargateProfile"),
                    "access-entries": ("ListAccessEntries", "DescribeAccessEntry"),
                    "addons": ("ListAddons", "DescribeAddon"),
                    "pod-identity-associations": (
                        "ListPodIdentityAssociations", "DescribePodIdentityAssociation"),
                    "identity-provider-configs": ("ListIdentityProviderConfigs", None),
                    "updates": ("ListUpdates", "DescribeUpdate"),
                }.get(segs[2]) if n >= 3 else None
                if sub:
                    if n == 3:
                        return sub[0]
                    if n == 4 and sub[1]:
                        return sub[1]
                    if n == 5 and segs[2] == "access-entries" and segs[4] == "access-policies":
                        return "ListAssociatedAccessPolicies"
        if method == "POST" and segs[0] == "clusters" and n >= 3:
            if segs[2:] == ["identity-provider-configs", "describe"]:
                return "DescribeIdentityProviderConfig"
            if segs[2:] == ["insights"]:
                return "ListInsights"
    if service == "inspector2" and method == "POST":
        known = {
            "status/batch/get": "BatchGetAccountStatus",
            "coverage/list": "ListCoverage",
            "coverage/statistics/list": "ListCoverageStatistics",
            "findings/list": "ListFindings",
            "findings/aggregation/list": "ListFindingAggregations",
            "configuration/get": "GetConfiguration",
        }.get("/".join(segs))
        if known:
            return known
    if service == "securityhub":
        known = {
            ("POST", "findings"): "GetFindings",
            ("POST", "findings/import"): "BatchImportFindings",
            ("GET", "accounts"): "DescribeHub",
            ("PATCH", "findings/batchupdate"): "BatchUpdateFindings",
        }.get((method, "/".join(segs)))
        if known:
            return known
    if service == "s3":
        if method == "PUT":
            return "PutObject"
        if method == "GET":
            return "GetObject" if n >= 2 else "ListObjects"
    return "%s %s" % (method, path)


def protocol_of(service, headers):
    if headers.get("X-Amz-Target"):
        return "json"
    if service in QUERY_EC2:
        return "ec2"
    if service in QUERY_XML:
        return "query"
    if service in AWS_JSON:
        return "json"
    if service == "s3":
        return "restxml"
    return "restjson"


def error_response(protocol, service, kind, operation):
    """(status, headers, body) of an injected error of `kind` (throttle,
    error, deny) in the wire format of `protocol`."""
    rid = str(uuid.uuid4())
    if kind == "throttle":
        code, message = {
            "ec2": ("RequestLimitExceeded", "Request limit exceeded."),
            "query": ("Throttling", "Rate exceeded"),
            "json": ("ThrottlingException", "Rate exceeded"),
            "restjson": (REST_THROTTLE_CODE.get(service, "ThrottlingException"), "Rate exceeded"),
            "restxml": ("SlowDown", "Please reduce your request rate."),
        }[protocol]
        status = {"ec2": 503, "query": 400, "json": 400, "restjson": 429, "restxml": 503}[protocol]
    elif kind == "error":
        code = "InternalError" if protocol in ("ec2", "restxml") else "InternalFailure"
        if protocol == "json":
            code = "InternalFailure"
        message = "We encountered an internal error. Please try again."
        status = 500
    else:  # deny
        code = "AccessDenied" if protocol in ("ec2", "query", "restxml") else "AccessDeniedException"
        if protocol == "ec2":
            code = "UnauthorizedOperation"
        message = (
            "User: arn:aws:sts::%s:assumed-role/x/y is not authorized to perform: %s:%s"
            % (ACCOUNT_ID, service, operation)
        )
        status = 403
    headers = {"x-amzn-RequestId": rid}
    if protocol == "ec2":
        body = (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
            "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
            % (code, message, rid)
        )
        headers["Content-Type"] = "text/xml;charset=UTF-8"
    elif protocol == "query":
        xmlns = {
            "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
            "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
        }.get(service, "http://%s.amazonaws.com/doc/" % service)
        error_type = "Receiver" if kind == "error" else "Sender"
        body = (
            "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>%s</Code>"
            "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>"
            % (xmlns, error_type, code, message, rid)
        )
        headers["Content-Type"] = "text/xml"
    elif protocol == "restxml":
        body = (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>%s</RequestId></Error>" % (code, message, rid)
        )
        headers["Content-Type"] = "application/xml"
    elif protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["x-amzn-ErrorType"] = code
    else:
        body = json.dumps({"message": message})
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = code
    return status, headers, body.encode()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.injected = {"throttle": 0, "error": 0, "deny": 0, "hang": 0}

    def count(self, key, injected=None):
        with self.lock:
            self.requests[key] = self.requests.get(key, 0) + 1
            if injected:
                self.injected[injected] += 1

    def snapshot(self):
        with self.lock:
            return {"requests": dict(sorted(self.requests.items())), "injected": dict(self.injected)}


class Proxy:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.upstream)
        self.host = u.hostname
        self.port = u.port or 80
        self.latency = args.latency_ms / 1000.0
        self.throttle_rate = args.throttle_rate
        self.error_rate = args.error_rate
        self.deny = set(args.deny_service or ())
        self.hang_operation = args.hang_operation
        self.hang_done = False
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.stats = Stats()
        self.stats_file = args.stats_file
        self.stop = threading.Event()
        self.local = threading.local()

    def decide(self, service, operation):
        """What to do with one AWS request: None (forward), or a fault."""
        with self.lock:
            if service in self.deny:
                return "deny"
            if self.hang_operation and operation == self.hang_operation and not self.hang_done:
                self.hang_done = True
                return "hang"
            draw = self.rng.random()
            if draw < self.throttle_rate:
                return "throttle"
            if draw < self.throttle_rate + self.error_rate:
                return "error"
            return None

    def upstream(self, fresh=False):
        conn = getattr(self.local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            self.local.conn = conn
        return conn

    def write_stats(self):
        if not self.stats_file:
            return
        tmp = self.stats_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.stats.snapshot(), f, indent=1)
        os.replace(tmp, self.stats_file)


def make_handler(proxy):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "eksposture-aws-proxy"

        def log_message(self, *_):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = self.read_chunked()
            path = self.path
            plain_path = urllib.parse.urlsplit(path).path
            if plain_path == "/__proxy/stats":
                data = json.dumps(proxy.stats.snapshot()).encode()
                return self.answer(200, {"Content-Type": "application/json"}, data)
            if plain_path.startswith("/moto-api"):
                return self.forward(body)
            service = signing_service(self.headers.get("Authorization")) or "unknown"
            target = self.headers.get("X-Amz-Target")
            if target:
                operation = target.rsplit(".", 1)[-1]
            else:
                operation = (
                    form_action(body.decode("utf-8", "replace"))
                    or form_action(urllib.parse.urlsplit(path).query)
                    or rest_operation(service, self.command, plain_path)
                )
            fault = proxy.decide(service, operation)
            proxy.stats.count("%s:%s" % (service, operation), fault)
            if fault == "hang":
                # Hold the request until the client gives up (or the proxy
                # stops); never answer it.
                while not proxy.stop.is_set():
                    try:
                        self.connection.settimeout(0.5)
                        if self.connection.recv(1, socket.MSG_PEEK) == b"":
                            break
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    time.sleep(0.5)
                self.close_connection = True
                return None
            if proxy.latency:
                time.sleep(proxy.latency)
            if fault:
                status, headers, data = error_response(
                    protocol_of(service, self.headers), service, fault, operation)
                return self.answer(status, headers, data)
            return self.forward(body)

        def read_chunked(self):
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()

        def forward(self, body):
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            for attempt in (0, 1):
                conn = proxy.upstream(fresh=attempt > 0)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.will_close:
                        conn.close()
                        proxy.local.conn = None
                    break
                except (http.client.HTTPException, OSError):
                    # A kept-alive upstream connection closed under us:
                    # retry once on a new one.
                    if attempt:
                        self.close_connection = True
                        return self.answer(502, {"Content-Type": "text/plain"}, b"upstream failed")
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            return self.answer(resp.status, out, data, reason=resp.reason)

        def answer(self, status, headers, data, reason=None):
            try:
                self.send_response(status, reason)
                items = headers.items() if isinstance(headers, dict) else headers
                for k, v in items:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def self_test():
    """Checks that botocore parses every injected error format."""
    import boto3
    import botocore.config

    class Up(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

    up = Server(("127.0.0.1", 0), Up)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    failures = []
    for kind, rate in (("throttle", (1.0, 0.0)), ("error", (0.0, 1.0)), ("deny", (0.0, 0.0))):
        ns = argparse.Namespace(
            upstream="http://127.0.0.1:%d" % up.server_address[1], latency_ms=0,
            throttle_rate=rate[0], error_rate=rate[1],
            deny_service=["ec2", "iam", "sts", "ecr", "eks", "inspector2", "securityhub"]
            if kind == "deny" else [],
            hang_operation=None, seed=1, stats_file=None)
        proxy = Proxy(ns)
        srv = Server(("127.0.0.1", 0), make_handler(proxy))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})

        def client(name):
            return boto3.client(name, endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id="k", aws_secret_access_key="s", config=cfg)

        expect = {
            "throttle": {"ec2": "RequestLimitExceeded", "iam": "Throttling", "sts": "Throttling",
                         "ecr": "ThrottlingException", "eks": "ThrottlingException",
                         "inspector2": "ThrottlingException",
                         "securityhub": "TooManyRequestsException"},
            "error": {"ec2": "InternalError", "iam": "InternalFailure", "sts": "InternalFailure",
                      "ecr": "InternalFailure", "eks": "InternalFailure",
                      "inspector2": "InternalFailure", "securityhub": "InternalFailure"},
            "deny": {"ec2": "UnauthorizedOperation", "iam": "AccessDenied", "sts": "AccessDenied",
                     "ecr": "AccessDeniedException", "eks": "AccessDeniedException",
                     "inspector2": "AccessDeniedException",
                     "securityhub": "AccessDeniedException"},
        }[kind]
        calls = {
            "ec2": lambda: client("ec2").describe_vpcs(),
            "iam": lambda: client("iam").list_roles(),
            "sts": lambda: client("sts").get_caller_identity(),
            "ecr": lambda: client("ecr").describe_repositories(),
            "eks": lambda: client("eks").list_clusters(),
            "inspector2": lambda: client("inspector2").batch_get_account_status(
                accountIds=[ACCOUNT_ID]),
            "securityhub": lambda: client("securityhub").get_findings(),
        }
        for svc, call in calls.items():
            try:
                call()
                failures.append("%s %s: no error" % (kind, svc))
            except Exception as e:  # botocore.exceptions.ClientError
                code = getattr(e, "response", {}).get("Error", {}).get("Code")
                if code != expect[svc]:
                    failures.append("%s %s: code %r (%s)" % (kind, svc, code, e))
        srv.shutdown()
    up.shutdown()
    for f in failures:
        print("FAIL", f)
    print("self-test:", "ok" if not failures else "%d failures" % len(failures))
    return 1 if failures else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", help="moto server URL, e.g. http://127.0.0.1:5055")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--throttle-rate", type=float, default=0.0)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--deny-service", action="append", default=[])
    p.add_argument("--hang-operation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stats-file")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="exit when the process that started the proxy is gone (for tests)")
    p.add_argument("--self-test", action="store_true", help="check the error formats and exit")
    args = p.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.upstream:
        p.error("--upstream is required")
    proxy = Proxy(args)
    server = Server(("127.0.0.1", 0), make_handler(proxy))
    print("PORT %d" % server.server_address[1], flush=True)

    def stop(*_):
        proxy.stop.set()
        proxy.write_stats()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def flush_stats():
        while not proxy.stop.wait(2.0):
            proxy.write_stats()

    threading.Thread(target=flush_stats, daemon=True).start()
    if args.exit_with_parent:
        parent = os.getppid()

        def watch_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            stop()

        threading.Thread(target=watch_parent, daemon=True).start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
