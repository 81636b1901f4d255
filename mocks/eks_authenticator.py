"""A loopback stand-in for EKS's aws-iam-authenticator: a Kubernetes token webhook.

kube-apiserver sends it a ``TokenReview`` (``authentication.k8s.io/v1beta1``
or ``v1``) for every bearer token it does not know itself; this server answers
whether the token is an EKS token for ``--cluster-name`` and who it belongs
to, so tests can drive the scanner's default connection path (an EKS bearer
token made in-process, no kubeconfig) against a real kube-apiserver and moto.

What a token is: ``k8s-aws-v1.`` + unpadded base64url of a presigned STS
``GetCallerIdentity`` URL whose SigV4 signature covers the header
``x-k8s-aws-id: <cluster name>`` (what ``aws eks get-token`` and
aws-iam-authenticator make).

Checks, as aws-iam-authenticator's ``pkg/token/token.go`` ``Verify`` does them:

- at most 4096 bytes; the ``k8s-aws-v1.`` prefix; unpadded base64url;
- scheme ``https`` and an STS host of the partition (``sts.amazonaws.com``,
  ``sts.<region>.amazonaws.com``, ``sts-fips...``, ``.amazonaws.com.cn``) --
  or exactly the host:port of ``--sts-endpoint``, the only URL allowed to be
  plain ``http`` (moto);
- path ``/``; only the authenticator's whitelisted query parameters, each once;
  ``Action=GetCallerIdentity``; ``X-Amz-SignedHeaders`` names ``x-k8s-aws-id``;
  ``X-Amz-Expires`` within 0..900; ``X-Amz-Date`` present and not older than
  15 minutes (the real expiry, whatever ``X-Amz-Expires`` says).

Then the webhook does what STS would do and moto does not:

- **moto verifies no SigV4 signature at all** (any key, any signature, any
  ``x-k8s-aws-id`` passes). So the webhook recomputes the presigned URL's
  signature itself (canonical request with ``host`` and
  ``x-k8s-aws-id: <--cluster-name>``, empty-body hash, as botocore presigns
  it for the AWS CLI) with the access key's secret. That is what makes a token
  minted for another cluster fail (real STS answers ``SignatureDoesNotMatch``
  for it). The secret comes from ``--secrets FILE`` (JSON
  ``{"<access key id>": "<secret>"}`` or ``{"<id>": {"secretAccessKey": ...,
  "sessionToken": ...}}``; re-read when it changes), or, with
  ``--secrets-from-moto``, from moto's ``/moto-api/data.json`` (the secrets of
  the keys moto issued through ``AssumeRole`` and ``CreateAccessKey``; cached
  per key, but slow: ~4 s per unknown key with
  ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``). A key with no known secret is
  refused, as STS refuses a key it never issued. When the session token is
  known, ``X-Amz-Security-Token`` must match it.
- it calls STS: a GET of the presigned URL's query on ``--sts-endpoint``
  (never on AWS, whatever host the URL names) with ``x-k8s-aws-id:
  <--cluster-name>`` and ``Accept: application/json``, as the authenticator
  does. moto reads the caller's key only from an ``Authorization`` header (for
  a SigV4 presigned query it would answer with its default ``user/moto``), so
  the webhook also presents the query's ``X-Amz-Credential``,
  ``X-Amz-SignedHeaders`` and ``X-Amz-Signature`` as that header. The answer
  (moto's XML, or STS's JSON) gives ``Arn``, ``Account`` and ``UserId``.

Mapping the caller (``--mapping FILE``, JSON, re-read when it changes)::

    {"accessEntries": [{"principalArn": "arn:aws:iam::111122223333:role/team/reader",
                        "username": "optional, templated", "kubernetesGroups": ["g"]}],
     "mapRoles": [{"rolearn": "arn:aws:iam::111122223333:role/reader",
                   "username": "reader:{{SessionName}}", "groups": ["eksposture-readers"]}],
     "mapUsers": [{"userarn": "arn:aws:iam::111122223333:user/alice",
                   "username": "alice", "groups": []}]}

- The STS ARN is canonicalised as the authenticator's ``arn.Canonicalize``
  does: ``arn:aws:sts::<acct>:assumed-role/<Role>/<session>`` becomes
  ``arn:aws:iam::<acct>:role/<Role>``; IAM users, roles and the root stay as
  they are; anything else (e.g. moto's ``arn:aws:sts::<acct>:user/moto``,
  its answer for keys it did not issue) is refused -- so a test must sign
  tokens with credentials moto issued (``AssumeRole``, or an IAM user's
  ``CreateAccessKey``), not with moto's static ``testing`` keys. An
  assumed-role ARN carries no role path, so the canonical ARN never has one.
- Access entries are looked up first, then ``mapRoles``, then ``mapUsers``
  (roles before users is the authenticator's order). EKS's user guide ("Migrating existing aws-auth
  ConfigMap entries to access entries"): in ``API_AND_CONFIG_MAP`` mode access
  entries take precedence over ConfigMap entries for the same principal. An
  optional ``"authenticationMode"`` key (``API_AND_CONFIG_MAP``, the default;
  ``API``; ``CONFIG_MAP``) leaves out aws-auth or the access entries as EKS
  does. ARNs compare case-insensitively, as the authenticator lowercases them.
  An access entry's role ARN may carry a path (EKS documents that it can);
  the path is dropped before comparing. An aws-auth ``rolearn`` with a path
  never matches -- the authenticator compares it with the path-less canonical
  ARN, and EKS documents that aws-auth role ARNs can't include a path.
- Username and groups are templates: ``{{AccountID}}``, ``{{SessionName}}``
  (``@`` replaced by ``-``), ``{{SessionNameRaw}}``, ``{{AccessKeyID}}``;
  ``{{EC2PrivateDNSName}}`` needs EC2 and is refused. An access entry without
  a username gets EKS's default: for a role
  ``arn:<partition>:sts::<acct>:assumed-role/<role name, no path>/{{SessionName}}``,
  for a user its ARN. Access entries of types other than ``STANDARD`` (node
  roles) are ignored.

The answer is the authenticator's: ``authenticated: true`` with the username,
groups, uid ``aws-iam-authenticator:<account>:<user id>`` and the ``arn``,
``canonicalArn``, ``sessionName``, ``accessKeyId`` extras; or HTTP 403 with
``authenticated: false`` for a bad token or an unmapped caller, which
kube-apiserver turns into a 401 for the client. Each decision is one line on
stderr (access key id, ARN, username; never the token or the URL).

What it cannot do: no EC2 lookups (node identities), no SSO ``rolearn``
wildcards, no ``mapAccounts``, no access policies (EKS's own authorizer) --
authorization is the apiserver's RBAC only; signature checks only for keys
whose secret it is given; STS hosts of every partition are accepted (the
authenticator accepts only those of its configured partition); no TLS
(kube-apiserver accepts a plain ``http`` webhook URL in the webhook
kubeconfig, which is all a loopback test needs; checked with v1.20).

Usage:

    python mocks/eks_authenticator.py --cluster-name prod \\
        --sts-endpoint http://127.0.0.1:5055 --mapping mapping.json \\
        --secrets-from-moto --webhook-kubeconfig /tmp/authn-webhook.yaml
    # first stdout line: PORT <n>; then start kube-apiserver with
    # --authentication-token-webhook-config-file=/tmp/authn-webhook.yaml
    # --authentication-token-webhook-version=v1beta1

With ``--exit-with-parent`` the server exits when the process that started it
is gone, so a test run that dies leaves no server behind.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

V1_PREFIX = "k8s-aws-v1."
MAX_TOKEN_BYTES = 4096
CLUSTER_ID_HEADER = "x-k8s-aws-id"
PRESIGNED_URL_EXPIRATION = datetime.timedelta(minutes=15)
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
PARAMETER_WHITELIST = {
    "action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
    "x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders",
}
STS_HOST = re.compile(
    r"^sts(-fips)?(\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+)?\.amazonaws\.com(\.cn)?$")
PARTITIONS = {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"}


class Denied(Exception):
    """A token or caller the webhook refuses; the message says why (no secrets)."""


def log(msg):
    print("eks-authenticator: %s" % msg, file=sys.stderr, flush=True)


# ---- the token -------------------------------------------------------------------------

class Presigned:
    """A decoded, format-checked token: the presigned URL's parts."""

    def __init__(self, scheme, netloc, path, pairs, params):
        self.scheme = scheme
        self.netloc = netloc
        self.path = path
        self.pairs = pairs          # [(key, value)] as in the URL, decoded
        self.params = params        # {lowercased key: value}
        cred = params.get("x-amz-credential", "")
        self.access_key_id = cred.split("/")[0]
        self.signed_headers = [h for h in params.get("x-amz-signedheaders", "").split(";") if h]


def parse_token(token, sts_endpoint=None, now=None):
    """Decodes a token and applies the authenticator's format checks; raises
    Denied. ``sts_endpoint`` (e.g. ``http://127.0.0.1:5055``) is the one
    non-STS URL accepted, and the only one allowed over plain http."""
    if len(token) > MAX_TOKEN_BYTES:
        raise Denied("token is too large")
    if not token.startswith(V1_PREFIX):
        raise Denied("token is missing the %r prefix" % V1_PREFIX)
    body = token[len(V1_PREFIX):]
    if "=" in body or not re.fullmatch(r"[A-Za-z0-9_-]*", body):
        raise Denied("token is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Denied("token is not unpadded base64url")
    url = urllib.parse.urlsplit(raw)
    endpoint = urllib.parse.urlsplit(sts_endpoint) if sts_endpoint else None
    is_endpoint = bool(endpoint) and (url.scheme, url.netloc) == (endpoint.scheme, endpoint.netloc)
    if url.scheme != "https" and not is_endpoint:
        raise Denied("unexpected scheme %r in pre-signed URL" % url.scheme)
    if not is_endpoint and not STS_HOST.match(url.netloc):
        raise Denied("unexpected hostname %r in pre-signed URL" % url.netloc)
    if url.path != "/":
        raise Denied("unexpected path in pre-signed URL")
    try:
        pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Denied("malformed query parameter")
    params = {}
    for key, value in pairs:
        k = key.lower()
        if k not in PARAMETER_WHITELIST:
            raise Denied("non-whitelisted query parameter %r" % key)
        if k in params:
            raise Denied("query parameter with multiple values not supported")
        params[k] = value
    if params.get("action") != "GetCallerIdentity":
        raise Denied("unexpected action parameter in pre-signed URL")
    presigned = Presigned(url.scheme, url.netloc, url.path, pairs, params)
    if CLUSTER_ID_HEADER not in [h.lower() for h in presigned.signed_headers]:
        raise Denied("client did not sign the %s header in the pre-signed URL" % CLUSTER_ID_HEADER)
    try:
        expires = int(params.get("x-amz-expires", ""))
    except ValueError:
        expires = -1
    if not 0 <= expires <= 900:
        raise Denied("invalid X-Amz-Expires parameter in pre-signed URL")
    date = params.get("x-amz-date")
    if not date:
        raise Denied("X-Amz-Date parameter must be present in pre-signed URL")
    try:
        signed_at = datetime.datetime.strptime(date, DATE_FORMAT).replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise Denied("X-Amz-Date parameter %r is not in %s form" % (date, DATE_FORMAT))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if now > signed_at + PRESIGNED_URL_EXPIRATION:
        raise Denied("X-Amz-Date parameter is expired (15 minute expiration) %s" % date)
    return presigned


# ---- SigV4 -----------------------------------------------------------------------------

def _quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def expected_signature(presigned, cluster_id, secret, payload_hash=EMPTY_SHA256):
    """The SigV4 signature of the presigned GET, recomputed independently of
    botocore: the canonical request has every query parameter but
    X-Amz-Signature, and the signed headers with ``host`` = the URL's host
    and ``x-k8s-aws-id`` = ``cluster_id`` (the cluster this webhook serves)."""
    query = sorted(
        (_quote(k), _quote(v)) for k, v in presigned.pairs if k != "X-Amz-Signature")
    canonical_query = "&".join("%s=%s" % kv for kv in query)
    values = {"host": presigned.netloc, CLUSTER_ID_HEADER: cluster_id}
    names = sorted(h.lower() for h in presigned.signed_headers)
    for name in names:
        if name not in values:
            raise Denied("signed header %r is not one the webhook can reproduce" % name)
    canonical_headers = "".join(
        "%s:%s\n" % (n, " ".join(values[n].split())) for n in names)
    canonical_request = "\n".join([
        "GET", presigned.path, canonical_query, canonical_headers, ";".join(names),
        payload_hash])
    credential = presigned.params.get("x-amz-credential", "").split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise Denied("malformed X-Amz-Credential")
    _, day, region, service, _ = credential
    scope = "/".join(credential[1:])
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", presigned.params["x-amz-date"], scope,
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    key = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_signature(presigned, cluster_id, secret, session_token=None):
    """Raises Denied unless the token is signed with ``secret`` for ``cluster_id``."""
    if presigned.params.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise Denied("unsupported X-Amz-Algorithm")
    credential = presigned.params.get("x-amz-credential", "").split("/")
    if len(credential) != 5 or credential[3] != "sts":
        raise Denied("X-Amz-Credential is not scoped to sts")
    if credential[1] != presigned.params["x-amz-date"][:8]:
        raise Denied("X-Amz-Credential date differs from X-Amz-Date")
    if session_token is not None and presigned.params.get("x-amz-security-token") != session_token:
        raise Denied("X-Amz-Security-Token does not belong to access key %s"
                     % presigned.access_key_id)
    given = presigned.params.get("x-amz-signature", "")
    if hmac.compare_digest(given, expected_signature(presigned, cluster_id, secret)):
        return
    hint = ""
    if hmac.compare_digest(
            given, expected_signature(presigned, cluster_id, secret, "UNSIGNED-PAYLOAD")):
        hint = " (it matches with the UNSIGNED-PAYLOAD payload hash; tokens from the " \
               "AWS CLI and aws-iam-authenticator sign the empty-body hash)"
    raise Denied("signature does not match (a token for another cluster, or altered)%s" % hint)


# ---- STS -------------------------------------------------------------------------------

def call_sts(presigned, sts_endpoint, cluster_id, timeout=10):
    """GETs the presigned query on ``sts_endpoint``; returns {Arn, Account, UserId}."""
    ep = urllib.parse.urlsplit(sts_endpoint)
    conn_cls = http.client.HTTPSConnection if ep.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(ep.hostname, ep.port, timeout=timeout)
    query = urllib.parse.urlencode(presigned.pairs, quote_via=urllib.parse.quote)
    headers = {
        CLUSTER_ID_HEADER: cluster_id,
        "Accept": "application/json",
        # moto reads the caller only from an Authorization header.
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s" % (
            presigned.params.get("x-amz-credential", ""),
            presigned.params.get("x-amz-signedheaders", ""),
            presigned.params.get("x-amz-signature", "")),
        "X-Amz-Date": presigned.params.get("x-amz-date", ""),
    }
    if "x-amz-security-token" in presigned.params:
        headers["X-Amz-Security-Token"] = presigned.params["x-amz-security-token"]
    try:
        conn.request("GET", "/?" + query, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
    except OSError as e:
        raise Denied("sts getCallerIdentity failed: %s" % e)
    finally:
        conn.close()
    if resp.status != 200:
        raise Denied("sts getCallerIdentity failed: HTTP %d" % resp.status)
    return parse_caller_identity(body)


def parse_caller_identity(body):
    """Arn, Account and UserId of a GetCallerIdentity answer, JSON (STS with
    ``Accept: application/json``) or XML (moto)."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            result = json.loads(text)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        except (ValueError, KeyError, TypeError):
            raise Denied("sts getCallerIdentity failed: unexpected JSON answer")
        out = {k: result.get(k, "") for k in ("Arn", "Account", "UserId")}
    else:
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            raise Denied("sts getCallerIdentity failed: unparsable answer")
        out = {}
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag in ("Arn", "Account", "UserId"):
                out[tag] = (el.text or "").strip()
    if not out.get("Arn"):
        raise Denied("sts getCallerIdentity failed: no Arn in the answer")
    return out


def canonicalize(arn):
    """The authenticator's arn.Canonicalize: an assumed-role ARN becomes its
    role's ARN (without a path: STS ARNs carry none)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise Denied("arn %r is invalid" % arn)
    _, partition, service, _, account, resource = parts
    if partition not in PARTITIONS:
        raise Denied("arn %r does not have a recognized partition" % arn)
    segs = resource.split("/")
    if service == "sts":
        if segs[0] == "federated-user":
            return arn
        if segs[0] == "assumed-role":
            if len(segs) < 3:
                raise Denied("assumed-role arn %r does not have a role" % arn)
            return "arn:%s:iam::%s:role/%s" % (partition, account, "/".join(segs[1:-1]))
        raise Denied("unrecognized resource %s for service sts" % resource)
    if service == "iam" and segs[0] in ("role", "user", "root"):
        return arn
    raise Denied("arn %r is not an identity the authenticator accepts" % arn)


# ---- mapping ---------------------------------------------------------------------------

class Identity:
    def __init__(self, arn, account, user_id, access_key_id):
        self.arn = arn
        self.canonical_arn = canonicalize(arn)
        self.account = account
        ids = user_id.split(":")
        if len(ids) > 2:
            raise Denied("malformed UserId %r" % user_id)
        self.user_id = ids[0]
        self.session_name = ids[1] if len(ids) == 2 else ""
        self.access_key_id = access_key_id


def render(template, ident):
    if "{{EC2PrivateDNSName}}" in template:
        raise Denied("{{EC2PrivateDNSName}} needs EC2, which this webhook does not look up")
    return (template.replace("{{AccountID}}", ident.account)
            .replace("{{SessionName}}", ident.session_name.replace("@", "-"))
            .replace("{{SessionNameRaw}}", ident.session_name)
            .replace("{{AccessKeyID}}", ident.access_key_id))


def strip_role_path(arn):
    """arn:...:role/a/b/Name -> arn:...:role/Name (other ARNs unchanged)."""
    head, _, resource = arn.rpartition(":")
    segs = resource.split("/")
    if segs[0] == "role" and len(segs) > 2:
        return "%s:role/%s" % (head, segs[-1])
    return arn


def default_access_entry_username(principal_arn):
    """EKS's username for an access entry created without one."""
    parts = principal_arn.split(":", 5)
    if len(parts) == 6 and parts[5].startswith("role/"):
        return "arn:%s:sts::%s:assumed-role/%s/{{SessionName}}" % (
            parts[1], parts[4], parts[5].split("/")[-1])
    return principal_arn


class JsonFile:
    """A JSON file re-read when its mtime or size changes; keeps the last good
    contents when a rewrite is unparsable (and logs it)."""

    def __init__(self, path, empty):
        self.path = path
        self.stamp = None
        self.data = empty
        self.lock = threading.Lock()

    def get(self):
        if not self.path:
            return self.data
        with self.lock:
            try:
                st = os.stat(self.path)
                stamp = (st.st_mtime_ns, st.st_size)
                if stamp != self.stamp:
                    with open(self.path) as f:
                        data = json.load(f)
                    if not isinstance(data, dict):
                        raise ValueError("not a JSON object")
                    self.data, self.stamp = data, stamp
                    log("loaded %s" % self.path)
            except (OSError, ValueError) as e:
                log("cannot read %s (%s); keeping what was loaded before" % (self.path, e))
            return self.data


def lookup(mapping, ident):
    """(username, groups, source) for a caller, or raises Denied."""
    canonical = ident.canonical_arn.lower()
    mode = mapping.get("authenticationMode", "API_AND_CONFIG_MAP")
    if mode not in ("API_AND_CONFIG_MAP", "API", "CONFIG_MAP"):
        raise Denied("unknown authenticationMode %r in the mapping" % mode)
    if mode == "CONFIG_MAP":
        mapping = dict(mapping, accessEntries=[])
    elif mode == "API":
        mapping = dict(mapping, mapRoles=[], mapUsers=[])
    for entry in mapping.get("accessEntries") or []:
        if entry.get("type", "STANDARD") != "STANDARD":
            continue
        principal = entry.get("principalArn", "")
        if strip_role_path(principal).lower() == canonical:
            username = entry.get("username") or default_access_entry_username(principal)
            return render(username, ident), [
                render(g, ident) for g in entry.get("kubernetesGroups") or []], "access entry"
    for m in mapping.get("mapRoles") or []:
        if m.get("rolearn", "").lower() == canonical:
            return render(m.get("username", ""), ident), [
                render(g, ident) for g in m.get("groups") or []], "mapRoles"
    for m in mapping.get("mapUsers") or []:
        if m.get("userarn", "").lower() == canonical:
            return render(m.get("username", ""), ident), [
                render(g, ident) for g in m.get("groups") or []], "mapUsers"
    raise Denied("ARN is not mapped")


# ---- secrets ---------------------------------------------------------------------------

class Secrets:
    """Secret (and session token) of an access key: from --secrets FILE, else
    (--secrets-from-moto) from moto's /moto-api/data.json, cached per key."""

    def __init__(self, path=None, moto_endpoint=None):
        self.file = JsonFile(path, {})
        self.moto_endpoint = moto_endpoint
        self.cache = {}
        self.lock = threading.Lock()

    def get(self, access_key_id):
        v = self.file.get().get(access_key_id)
        if isinstance(v, str):
            return v, None
        if isinstance(v, dict) and v.get("secretAccessKey"):
            return v["secretAccessKey"], v.get("sessionToken")
        if not self.moto_endpoint:
            return None
        with self.lock:
            if access_key_id not in self.cache:
                self.cache[access_key_id] = self._from_moto(access_key_id)
            return self.cache[access_key_id]

    def _from_moto(self, access_key_id):
        ep = urllib.parse.urlsplit(self.moto_endpoint)
        conn = http.client.HTTPConnection(ep.hostname, ep.port, timeout=60)
        try:
            conn.request("GET", "/moto-api/data.json")
            data = json.loads(conn.getresponse().read())
        except (OSError, ValueError) as e:
            log("moto data.json unreadable: %s" % e)
            return None
        finally:
            conn.close()
        for role in data.get("sts", {}).get("AssumedRole", []):
            if role.get("access_key_id") == access_key_id:
                return role.get("secret_access_key"), role.get("session_token")
        for key in data.get("iam", {}).get("AccessKey", []):
            if key.get("access_key_id") == access_key_id:
                return key.get("secret_access_key"), None
        return None


# ---- the webhook -----------------------------------------------------------------------

class Authenticator:
    def __init__(self, cluster_name, sts_endpoint, mapping_path=None, secrets=None):
        self.cluster_name = cluster_name
        self.sts_endpoint = sts_endpoint
        self.mapping = JsonFile(mapping_path, {})
        self.secrets = secrets or Secrets()

    def authenticate(self, token, now=None):
        """(True, user) or (False, reason); logs the decision."""
        akid = "-"
        try:
            presigned = parse_token(token, self.sts_endpoint, now)
            akid = presigned.access_key_id or "-"
            known = self.secrets.get(presigned.access_key_id)
            if not known or not known[0]:
                raise Denied("no secret known for access key %s, so its signature cannot be "
                             "checked (STS refuses keys it did not issue)" % akid)
            verify_signature(presigned, self.cluster_name, known[0], known[1])
            answer = call_sts(presigned, self.sts_endpoint, self.cluster_name)
            ident = Identity(answer["Arn"], answer.get("Account", ""),
                             answer.get("UserId", ""), presigned.access_key_id)
            username, groups, source = lookup(self.mapping.get(), ident)
        except Denied as e:
            log("deny cluster=%s key=%s: %s" % (self.cluster_name, akid, e))
            return False, str(e)
        user = {
            "username": username,
            "uid": "aws-iam-authenticator:%s:%s" % (ident.account, ident.user_id),
            "groups": groups,
            "extra": {
                "arn": [ident.arn], "canonicalArn": [ident.canonical_arn],
                "sessionName": [ident.session_name], "accessKeyId": [ident.access_key_id],
            },
        }
        log("allow cluster=%s key=%s arn=%s via %s: username=%s groups=%s" % (
            self.cluster_name, akid, ident.arn, source, username, ",".join(groups) or "-"))
        return True, user


def review(authenticator, request_body):
    """(HTTP status, TokenReview answer) for a TokenReview request body."""
    try:
        req = json.loads(request_body)
        token = req["spec"]["token"]
        api_version = req.get("apiVersion") or "authentication.k8s.io/v1beta1"
        if not isinstance(token, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return 400, {"error": "expected a request body to be a TokenReview"}
    if api_version not in ("authentication.k8s.io/v1beta1", "authentication.k8s.io/v1"):
        return 400, {"error": "unsupported apiVersion %r" % api_version}
    ok, detail = authenticator.authenticate(token)
    answer = {"apiVersion": api_version, "kind": "TokenReview", "status": {}}
    if ok:
        answer["status"] = {"authenticated": True, "user": detail}
        return 200, answer
    # As the authenticator: 403 and authenticated: false (kube-apiserver
    # answers the client 401 either way).
    answer["status"] = {"authenticated": False}
    return 403, answer


def make_handler(authenticator):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "eksposture-eks-authenticator"

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            status, answer = review(authenticator, self.rfile.read(length))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            data = b"expected POST of a TokenReview\n"
            self.send_response(405)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def webhook_kubeconfig(port):
    """The kubeconfig kube-apiserver's --authentication-token-webhook-config-file
    needs to reach this server (plain http on loopback)."""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- name: eks-authenticator\n"
        "  cluster:\n"
        "    server: http://127.0.0.1:%d/authenticate\n"
        "users:\n"
        "- name: kube-apiserver\n"
        "  user: {}\n"
        "contexts:\n"
        "- name: webhook\n"
        "  context:\n"
        "    cluster: eks-authenticator\n"
        "    user: kube-apiserver\n"
        "current-context: webhook\n" % port)


def make_token(sts_client, cluster_name):
    """A token made as ``aws eks get-token`` makes it
    (awscli/customizations/eks/get_token.py): ``x-k8s-aws-id`` passed as a
    parameter, moved into the request context, set as a header just before
    signing, and GetCallerIdentity presigned for GET with ExpiresIn=60."""
    def retrieve(params, context, **_):
        if CLUSTER_ID_HEADER in params:
            context[CLUSTER_ID_HEADER] = params.pop(CLUSTER_ID_HEADER)

    def inject(request, **_):
        if CLUSTER_ID_HEADER in request.context:
            request.headers[CLUSTER_ID_HEADER] = request.context[CLUSTER_ID_HEADER]

    events = sts_client.meta.events
    events.register("provide-client-params.sts.GetCallerIdentity", retrieve,
                    unique_id="eks-authenticator-retrieve-k8s-aws-id")
    events.register("before-sign.sts.GetCallerIdentity", inject,
                    unique_id="eks-authenticator-inject-k8s-aws-id")
    url = sts_client.generate_presigned_url(
        "get_caller_identity", Params={CLUSTER_ID_HEADER: cluster_name}, ExpiresIn=60,
        HttpMethod="GET")
    return V1_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cluster-name", required=True, help="the cluster id tokens must be for")
    p.add_argument("--sts-endpoint", required=True,
                   help="where GetCallerIdentity goes (moto), e.g. http://127.0.0.1:5055")
    p.add_argument("--mapping", help="JSON file: accessEntries, mapRoles, mapUsers")
    p.add_argument("--secrets", help="JSON file: access key id -> secret (or object)")
    p.add_argument("--secrets-from-moto", action="store_true",
                   help="look unknown access keys up in the STS endpoint's /moto-api/data.json")
    p.add_argument("--webhook-kubeconfig",
                   help="write kube-apiserver's webhook kubeconfig for this server there")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="exit when the process that started the server is gone (for tests)")
    args = p.parse_args(argv)
    # Taken first: the starter may exit as soon as it has read the PORT line.
    parent = os.getppid()
    secrets = Secrets(args.secrets, args.sts_endpoint if args.secrets_from_moto else None)
    authenticator = Authenticator(args.cluster_name, args.sts_endpoint, args.mapping, secrets)
    server = Server(("127.0.0.1", 0), make_handler(authenticator))
    port = server.server_address[1]
    if args.webhook_kubeconfig:
        tmp = args.webhook_kubeconfig + ".tmp"
        with open(tmp, "w") as f:
            f.write(webhook_kubeconfig(port))
        os.replace(tmp, args.webhook_kubeconfig)
    print("PORT %d" % port, flush=True)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        def watch_parent():
            while os.getppid() == parent:
                time.sleep(0.5)
            stop()

        threading.Thread(target=watch_parent, daemon=True).start()
    log("serving TokenReview for cluster %s on 127.0.0.1:%d (STS at %s)"
        % (args.cluster_name, port, args.sts_endpoint))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
