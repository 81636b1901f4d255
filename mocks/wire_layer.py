"""A layer of AWS's own wire shapes in front of moto, for what moto lacks.

moto answers HTTP 404 (no error code) for EKS access entries, add-ons, Pod
Identity associations and cluster versions and for Inspector2 coverage,
answers 500 for EC2 ``GetInstanceMetadataDefaults``, drops ``accessConfig``,
``upgradePolicy``, ``deletionProtection``, ``vpcId`` and
``clusterSecurityGroupId`` from ``DescribeCluster``, never sends
``imageScanStatus``/``imageScanFindingsSummary`` in ECR ``DescribeImages``
and reports ``scanOnPush: false`` for every repository in
``BatchGetRepositoryScanningConfiguration``. So the code paths real accounts
take would go untested end to end.

``WireLayer`` is WSGI middleware around moto's ``DomainDispatcherApplication``
in the same loopback server (``moto_server.py`` installs it). It answers those
operations from scenario data, in AWS's wire formats: REST-JSON for EKS and
Inspector2 (methods and paths from botocore's ``http.requestUri``), awsJson
1.1 for ECR, EC2 query XML for ``GetInstanceMetadataDefaults``. Everything
else goes to moto untouched.

Scenario data is set per account and region through a control endpoint, as
moto's own ``/moto-api/`` is (``eksmocks/wire.py`` is the client)::

    POST /__shapes/eks/cluster                 {account, region, name, cluster,
                                                accessEntries, addons,
                                                podIdentityAssociations}
    POST /__shapes/eks/cluster-versions        {account, region, clusterVersions}
    POST /__shapes/inspector2/coverage         {account, region, coveredResources}
                                               (added to what the region has)
    POST /__shapes/ecr/image-scan              {account, region, repositoryName,
                                                imageDigest, imageScanStatus,
                                                imageScanFindingsSummary}
    POST /__shapes/ec2/instance-metadata-defaults  {account, region, accountLevel}
    GET  /__shapes/                            the state, as JSON
    POST /__shapes/reset                       forget it (so does /moto-api/reset)

``cluster`` holds the ``DescribeCluster`` members moto drops, merged into
moto's answer; ``accessEntries`` items are ``{accessEntry,
associatedAccessPolicies}``. Items are AWS's shapes (botocore member names,
timestamps as epoch seconds) and are checked against botocore's model when
posted (400 with the errors otherwise). State lives in memory, per server.

The account of a request is picked as moto picks it: ``MOTO_ACCOUNT_ID``, the
``x-moto-account-id`` header, else the SigV4 access key (moto maps the keys
of assumed-role credentials to the role's account), else moto's default;
the region and service come from the SigV4 credential scope.

A cluster moto does not have is AWS's ``ResourceNotFoundException``; a cluster
moto has but the scenario does not describe is passed to moto (so its 404
stays, and a test of the degraded path still sees it); likewise cluster
versions, coverage and metadata defaults of an account and region the
scenario leaves out. Lists page as AWS does (``maxResults`` within the
model's bounds, an opaque ``nextToken``; a bad one is AWS's error).

Every answer the layer serves, built or patched, is checked against
botocore's output shape of the operation (``wire_validate``) before it is
sent; one that does not match is answered HTTP 500 with the errors, so an
end-to-end test cannot pass on a shape AWS would never send. Requests the
layer answers itself are written to moto's request recorder, as moto would.
"""

import base64
import functools
import io
import json
import os
import re
import threading
import urllib.parse
import uuid
from xml.sax.saxutils import escape

import wire_validate

CONTROL = "/__shapes"
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921."
EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")

# What each control kind holds, and the botocore shape its items must match.
ITEM_SHAPES = {
    "accessEntry": ("eks", "AccessEntry"),
    "associatedAccessPolicies": ("eks", "AssociatedAccessPolicy"),
    "addons": ("eks", "Addon"),
    "podIdentityAssociations": ("eks", "PodIdentityAssociation"),
    "cluster": ("eks", "Cluster"),
    "clusterVersions": ("eks", "ClusterVersionInformation"),
    "coveredResources": ("inspector2", "CoveredResource"),
    "imageScanStatus": ("ecr", "ImageScanStatus"),
    "imageScanFindingsSummary": ("ecr", "ImageScanFindingsSummary"),
}


class AwsError(Exception):
    """An AWS error answer: ``code`` (the error shape's name), HTTP status,
    message and the error shape's other members."""

    def __init__(self, code, status, message, **members):
        super().__init__(message)
        self.code, self.status, self.message, self.members = code, status, message, members


class Passthrough(Exception):
    """The scenario says nothing about this: let moto answer."""


def not_found_cluster(name):
    return AwsError(
        "ResourceNotFoundException", 404, f"No cluster found for name: {name}.", clusterName=name
    )


# --- state -----------------------------------------------------------------


class State:
    """Scenario data per ``(account, region)``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.regions = {}

    def reset(self):
        with self.lock:
            self.regions = {}

    def region(self, account, region):
        return self.regions.setdefault(
            (account, region),
            {
                "clusters": {},
                "clusterVersions": None,
                "coveredResources": None,
                "imageScans": {},
                "instanceMetadataDefaults": None,
            },
        )

    def dump(self):
        with self.lock:
            return {f"{a}/{r}": data for (a, r), data in sorted(self.regions.items())}

    def put(self, kind, body):
        """Stores one control payload; raises ``ValueError`` with the
        reasons it does not match AWS's shapes."""
        account, region = body.get("account"), body.get("region")
        if not account or not region:
            raise ValueError("the payload needs account and region")
        errors = check_payload(kind, body)
        if errors:
            raise ValueError("; ".join(errors))
        with self.lock:
            data = self.region(account, region)
            if kind == "eks/cluster":
                data["clusters"][body["name"]] = {
                    "cluster": body.get("cluster", {}),
                    "accessEntries": body.get("accessEntries", []),
                    "addons": body.get("addons", []),
                    "podIdentityAssociations": body.get("podIdentityAssociations", []),
                }
            elif kind == "eks/cluster-versions":
                data["clusterVersions"] = body["clusterVersions"]
            elif kind == "inspector2/coverage":
                # Coverage is the account's: each stack adds its resources.
                added = {(r["resourceId"], r["scanType"]) for r in body["coveredResources"]}
                kept = [
                    r
                    for r in data["coveredResources"] or []
                    if (r["resourceId"], r["scanType"]) not in added
                ]
                data["coveredResources"] = kept + body["coveredResources"]
            elif kind == "ecr/image-scan":
                data["imageScans"][f"{body['repositoryName']}@{body['imageDigest']}"] = {
                    k: body[k] for k in ("imageScanStatus", "imageScanFindingsSummary") if k in body
                }
            elif kind == "ec2/instance-metadata-defaults":
                data["instanceMetadataDefaults"] = body["accountLevel"]
            else:
                raise ValueError(f"unknown control kind {kind}")

    def get(self, account, region):
        with self.lock:
            return self.regions.get((account, region))


def check_payload(kind, body):
    """The errors of a control payload against the shapes of its items."""
    errors = []

    def item(key, value, where):
        service, shape = ITEM_SHAPES[key]
        errors.extend(wire_validate.validate_named(service, shape, value, where))

    if kind == "eks/cluster":
        if not body.get("name"):
            errors.append("eks/cluster needs name")
        item("cluster", body.get("cluster", {}), "cluster")
        for i, entry in enumerate(body.get("accessEntries", [])):
            item("accessEntry", entry.get("accessEntry"), f"accessEntries[{i}].accessEntry")
            for j, policy in enumerate(entry.get("associatedAccessPolicies", [])):
                item("associatedAccessPolicies", policy, f"accessEntries[{i}].policies[{j}]")
        for key in ("addons", "podIdentityAssociations"):
            for i, value in enumerate(body.get(key, [])):
                item(key, value, f"{key}[{i}]")
    elif kind in ("eks/cluster-versions", "inspector2/coverage"):
        key = "clusterVersions" if kind.startswith("eks") else "coveredResources"
        if not isinstance(body.get(key), list):
            errors.append(f"{kind} needs a list {key}")
        for i, value in enumerate(body.get(key) or []):
            item(key, value, f"{key}[{i}]")
    elif kind == "ecr/image-scan":
        for key in ("imageScanStatus", "imageScanFindingsSummary"):
            if key in body:
                item(key, body[key], key)
    elif kind == "ec2/instance-metadata-defaults":
        errors += wire_validate.validate_output(
            "ec2", "GetInstanceMetadataDefaults", {"AccountLevel": body.get("accountLevel")}
        )
    return errors


# --- answers, as plain functions of the state ------------------------------


def page(items, params, bounds=(1, 100)):
    """One page of ``items`` as AWS pages: ``(items, nextToken or None)``.
    ``params``: ``maxResults`` and ``nextToken`` as the request gave them."""
    max_results = params.get("maxResults")
    if max_results is None:
        size = bounds[1]
    else:
        try:
            size = int(max_results)
        except (TypeError, ValueError):
            size = -1
        if not bounds[0] <= size <= bounds[1]:
            raise AwsError(
                "InvalidParameterException",
                400,
                f"maxResults must be between {bounds[0]} and {bounds[1]}",
            )
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            start = int(json.loads(base64.b64decode(token))["offset"])
        except (ValueError, KeyError, TypeError):
            raise AwsError("InvalidParameterException", 400, "The nextToken is not valid.")
    end = start + size
    next_token = (
        base64.b64encode(json.dumps({"offset": end}).encode()).decode()
        if end < len(items)
        else None
    )
    return items[start:end], next_token


def paged(key, items, params, bounds=(1, 100)):
    chunk, token = page(items, params, bounds)
    out = {key: chunk}
    if token:
        out["nextToken"] = token
    return out


def eks_cluster(data, moto_clusters, name):
    """The scenario of cluster ``name``; ``AwsError`` when moto lacks it,
    ``Passthrough`` when the scenario does not describe it."""
    if name not in moto_clusters:
        raise not_found_cluster(name)
    scenario = (data or {}).get("clusters", {}).get(name)
    if scenario is None:
        raise Passthrough()
    return scenario


def access_entry(scenario, cluster, principal):
    for entry in scenario["accessEntries"]:
        if entry["accessEntry"]["principalArn"] == principal:
            return entry
    raise AwsError(
        "ResourceNotFoundException",
        404,
        f"The specified access entry resource is not found (principalArn {principal}).",
        clusterName=cluster,
    )


def refuse_config_map(scenario, cluster):
    """Access entries exist only under the API authentication modes."""
    mode = scenario["cluster"].get("accessConfig", {}).get("authenticationMode")
    if mode == "CONFIG_MAP":
        raise AwsError(
            "InvalidRequestException",
            400,
            "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
            "to perform this operation.",
            clusterName=cluster,
        )


def eks_answer(operation, data, moto_clusters, params):
    """The answer of an EKS operation the layer serves (``params``: the
    path labels and query values)."""
    if operation == "DescribeClusterVersions":
        versions = (data or {}).get("clusterVersions")
        if versions is None:
            raise Passthrough()
        wanted = params.get("clusterVersions")
        if wanted:
            versions = [v for v in versions if v["clusterVersion"] in wanted]
        if params.get("clusterType"):
            versions = [v for v in versions if v.get("clusterType") == params["clusterType"]]
        if params.get("defaultOnly") == "true":
            versions = [v for v in versions if v.get("defaultVersion")]
        if params.get("includeAll") != "true":
            # Without includeAll EKS leaves out versions past extended support.
            versions = [v for v in versions if v.get("versionStatus") != "UNSUPPORTED"]
        return paged("clusterVersions", versions, params)
    name = params["name"]
    scenario = eks_cluster(data, moto_clusters, name)
    if operation == "ListAccessEntries":
        refuse_config_map(scenario, name)
        principals = [e["accessEntry"]["principalArn"] for e in scenario["accessEntries"]]
        return paged("accessEntries", principals, params)
    if operation == "DescribeAccessEntry":
        refuse_config_map(scenario, name)
        return {"accessEntry": access_entry(scenario, name, params["principalArn"])["accessEntry"]}
    if operation == "ListAssociatedAccessPolicies":
        refuse_config_map(scenario, name)
        entry = access_entry(scenario, name, params["principalArn"])
        out = paged("associatedAccessPolicies", entry.get("associatedAccessPolicies", []), params)
        return {"clusterName": name, "principalArn": params["principalArn"], **out}
    if operation == "ListAddons":
        return paged("addons", [a["addonName"] for a in scenario["addons"]], params)
    if operation == "DescribeAddon":
        for addon in scenario["addons"]:
            if addon["addonName"] == params["addonName"]:
                return {"addon": addon}
        raise AwsError(
            "ResourceNotFoundException",
            404,
            f"No addon: {params['addonName']} found in cluster: {name}",
            clusterName=name,
            addonName=params["addonName"],
        )
    if operation == "ListPodIdentityAssociations":
        associations = [
            a
            for a in scenario["podIdentityAssociations"]
            if all(a.get(k) == params[k] for k in ("namespace", "serviceAccount") if params.get(k))
        ]
        summaries = [
            {
                k: a[k]
                for k in (
                    "clusterName",
                    "namespace",
                    "serviceAccount",
                    "associationArn",
                    "associationId",
                    "ownerArn",
                )
                if k in a
            }
            for a in associations
        ]
        return paged("associations", summaries, params)
    if operation == "DescribePodIdentityAssociation":
        for association in scenario["podIdentityAssociations"]:
            if association["associationId"] == params["associationId"]:
                return {"association": association}
        raise AwsError(
            "ResourceNotFoundException",
            404,
            f"Pod Identity association {params['associationId']} not found in cluster {name}.",
            clusterName=name,
        )
    raise Passthrough()


def matches(value, filters):
    """Inspector2 ``CoverageStringFilter``s (ORed) on one value."""
    for f in filters:
        comparison, wanted = f.get("comparison"), f.get("value")
        if comparison == "EQUALS" and value == wanted:
            return True
        if comparison == "NOT_EQUALS" and value != wanted:
            return True
        if comparison == "BEGINS_WITH" and isinstance(value, str) and value.startswith(wanted):
            return True
    return False


COVERAGE_KEYS = {
    "accountId": lambda r: r.get("accountId"),
    "resourceId": lambda r: r.get("resourceId"),
    "resourceType": lambda r: r.get("resourceType"),
    "scanType": lambda r: r.get("scanType"),
    "scanStatusCode": lambda r: r.get("scanStatus", {}).get("statusCode"),
    "scanStatusReason": lambda r: r.get("scanStatus", {}).get("reason"),
    "ecrRepositoryName": lambda r: r.get("resourceMetadata", {})
    .get("ecrRepository", {})
    .get("name"),
}


def inspector_answer(operation, data, body):
    if operation != "ListCoverage":
        raise Passthrough()
    resources = (data or {}).get("coveredResources")
    if resources is None:
        raise Passthrough()
    criteria = body.get("filterCriteria") or {}
    for key, filters in criteria.items():
        if key not in COVERAGE_KEYS:
            # Silently ignoring a filter would answer more than AWS does.
            raise AwsError(
                "ValidationException",
                400,
                f"the wire layer does not apply coverage filter {key}",
                reason="OTHER",
            )
        resources = [r for r in resources if matches(COVERAGE_KEYS[key](r), filters)]
    try:
        return paged("coveredResources", resources, body, (1, 200))
    except AwsError as e:
        raise AwsError("ValidationException", 400, e.message, reason="OTHER")


def canned_answers(data):
    """Every answer the scenario ``data`` of one account and region makes
    the layer serve, every page of every list (one item per page, and all
    in one page), as ``(service, operation or error code, body, is_error)``.
    ``DescribeCluster`` and ``DescribeImages`` stand for the members the
    layer merges into moto's answers."""
    clusters = data["clusters"]

    def run(service, operation, params):
        try:
            if service == "eks":
                body = eks_answer(operation, data, clusters, params)
            else:
                body = inspector_answer(operation, data, params)
        except AwsError as e:
            return [(service, e.code, {"message": e.message, **e.members}, True)], None
        return [(service, operation, body, False)], body.get("nextToken")

    def every_page(service, operation, params):
        out, _ = run(service, operation, params)
        token = None
        while True:
            one = {**params, "maxResults": 1, **({"nextToken": token} if token else {})}
            answers, token = run(service, operation, one)
            out += answers
            if not token:
                return out

    for name, scenario in clusters.items():
        yield "eks", "DescribeCluster", {"cluster": scenario["cluster"]}, False
        for operation in ("ListAccessEntries", "ListAddons", "ListPodIdentityAssociations"):
            yield from every_page("eks", operation, {"name": name})
        for entry in scenario["accessEntries"]:
            principal = {"name": name, "principalArn": entry["accessEntry"]["principalArn"]}
            yield from run("eks", "DescribeAccessEntry", principal)[0]
            yield from every_page("eks", "ListAssociatedAccessPolicies", principal)
        for addon in scenario["addons"]:
            params = {"name": name, "addonName": addon["addonName"]}
            yield from run("eks", "DescribeAddon", params)[0]
        for association in scenario["podIdentityAssociations"]:
            params = {"name": name, "associationId": association["associationId"]}
            yield from run("eks", "DescribePodIdentityAssociation", params)[0]
    if data["clusterVersions"] is not None:
        yield from every_page("eks", "DescribeClusterVersions", {"includeAll": "true"})
    if data["coveredResources"] is not None:
        yield from every_page("inspector2", "ListCoverage", {})
    if data["imageScans"]:
        yield "ecr", "DescribeImages", {"imageDetails": list(data["imageScans"].values())}, False
    if data["instanceMetadataDefaults"] is not None:
        answer = {"AccountLevel": data["instanceMetadataDefaults"]}
        yield "ec2", "GetInstanceMetadataDefaults", answer, False


# --- the middleware --------------------------------------------------------


def rest_routes(service, operations):
    """``(method, regex, operation)`` from botocore's ``http`` traits."""
    routes = []
    for operation in operations:
        http = wire_validate.model(service).operation_model(operation).http
        uri = http["requestUri"].split("?")[0]
        pattern = re.sub(
            r"\\{([A-Za-z0-9_]+)(\\\+)?\\}",
            lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})",
            re.escape(uri),
        )
        routes.append((http["method"], re.compile(f"^{pattern}$"), operation))
    return routes


EKS_OPERATIONS = [
    "ListAccessEntries",
    "DescribeAccessEntry",
    "ListAssociatedAccessPolicies",
    "ListAddons",
    "DescribeAddon",
    "ListPodIdentityAssociations",
    "DescribePodIdentityAssociation",
    "DescribeClusterVersions",
    "DescribeCluster",
]


class WireLayer:
    """WSGI middleware: see the module docstring."""

    def __init__(self, app):
        self.app = app
        self.state = State()
        self.routes = {
            "eks": rest_routes("eks", EKS_OPERATIONS),
            "inspector2": rest_routes("inspector2", ["ListCoverage"]),
        }

    def __getattr__(self, name):
        # moto's server sets attributes (``debug``) on the app it serves.
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CONTROL or path.startswith(CONTROL + "/"):
            return self.control(environ, start_response, path[len(CONTROL) :].strip("/"))
        if path == "/moto-api/reset":
            self.state.reset()
        request = Request(environ)
        if request.service in ("eks", "inspector2"):
            return self.rest(request, start_response)
        if request.service == "ecr" and request.target.startswith(ECR_TARGET):
            return self.ecr(request, start_response)
        if (
            request.service == "ec2"
            and request.environ.get("CONTENT_LENGTH")
            and request.form.get("Action") == "GetInstanceMetadataDefaults"
        ):
            return self.ec2_metadata_defaults(request, start_response)
        return self.app(environ, start_response)

    # control -------------------------------------------------------------

    def control(self, environ, start_response, kind):
        method = environ["REQUEST_METHOD"]
        if method == "GET" and kind == "":
            return respond(start_response, 200, self.state.dump())
        if method == "POST" and kind == "reset":
            self.state.reset()
            return respond(start_response, 200, {})
        if method != "POST":
            return respond(start_response, 405, {"message": f"{method} /__shapes/{kind}"})
        try:
            payload = json.loads(read_body(environ) or b"{}")
            self.state.put(kind, payload)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            return respond(start_response, 400, {"message": f"/__shapes/{kind}: {e}"})
        return respond(start_response, 200, {})

    # services ------------------------------------------------------------

    def rest(self, request, start_response):
        route = None
        for method, regex, operation in self.routes[request.service]:
            m = regex.match(request.raw_path)
            if m and method == request.method:
                labels = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
                route = operation, labels
                break
        if route is None:
            return self.app(request.environ, start_response)
        operation, labels = route
        data = self.state.get(request.account, request.region)
        if operation == "DescribeCluster":
            return self.describe_cluster(request, start_response, data, labels["name"])
        try:
            if request.service == "eks":
                params = {**request.query, **labels}
                moto_clusters = eks_clusters(request.account, request.region)
                answer = eks_answer(operation, data, moto_clusters, params)
            else:
                answer = inspector_answer(operation, data, request.json())
        except Passthrough:
            return self.app(request.environ, start_response)
        except AwsError as e:
            request.record()
            return rest_error(start_response, request.service, e)
        request.record()
        return self.serve_json(start_response, request.service, operation, answer)

    def describe_cluster(self, request, start_response, data, name):
        scenario = (data or {}).get("clusters", {}).get(name)
        status, headers, body = call(self.app, request.environ)
        if scenario is None or status != 200:
            return relay(start_response, status, headers, body)
        answer = json.loads(body)
        answer["cluster"] = merge(answer.get("cluster", {}), scenario["cluster"])
        return self.serve_json(start_response, "eks", "DescribeCluster", answer)

    def ecr(self, request, start_response):
        operation = request.target[len(ECR_TARGET) :]
        if operation not in ("DescribeImages", "BatchGetRepositoryScanningConfiguration"):
            return self.app(request.environ, start_response)
        status, headers, body = call(self.app, request.environ)
        if status != 200:
            return relay(start_response, status, headers, body)
        answer = json.loads(body)
        if operation == "DescribeImages":
            data = self.state.get(request.account, request.region) or {}
            for detail in answer.get("imageDetails", []):
                scan = data.get("imageScans", {}).get(
                    f"{detail.get('repositoryName')}@{detail.get('imageDigest')}"
                ) or moto_image_scan(request.account, request.region, detail)
                detail.update(scan or {})
        else:
            for config in answer.get("scanningConfigurations", []):
                scan_on_push = moto_scan_on_push(
                    request.account, request.region, config.get("repositoryName")
                )
                if scan_on_push is not None:
                    config["scanOnPush"] = scan_on_push
        return self.serve_json(start_response, "ecr", operation, answer, "application/x-amz-json-1.1")

    def ec2_metadata_defaults(self, request, start_response):
        data = self.state.get(request.account, request.region) or {}
        defaults = data.get("instanceMetadataDefaults")
        if defaults is None:
            return self.app(request.environ, start_response)
        request.record()
        answer = {"AccountLevel": defaults}
        errors = wire_validate.validate_output("ec2", "GetInstanceMetadataDefaults", answer)
        if errors:
            return invalid(start_response, "GetInstanceMetadataDefaults", errors)
        shape = wire_validate.output_shape("ec2", "GetInstanceMetadataDefaults")
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<GetInstanceMetadataDefaultsResponse '
            f'xmlns="{EC2_XMLNS}"><requestId>{uuid.uuid4()}</requestId>'
            f"{ec2_xml(shape, answer)}</GetInstanceMetadataDefaultsResponse>"
        )
        start_response("200 OK", [("Content-Type", "text/xml;charset=UTF-8")])
        return [xml.encode()]

    def serve_json(self, start_response, service, operation, answer, content_type=None):
        errors = wire_validate.validate_output(service, operation, answer)
        if errors:
            return invalid(start_response, operation, errors)
        return respond(start_response, 200, answer, content_type)


# --- moto's state ------------------------------------------------------------


def eks_clusters(account, region):
    """moto's clusters; ``Passthrough`` for a region moto does not serve
    (moto answers that region's calls with its own 500)."""
    from moto.eks.models import eks_backends

    try:
        return eks_backends[account][region].clusters
    except Exception:  # moto's KeyError for an unknown region
        raise Passthrough()


def ecr_repository(account, region, name):
    from moto.ecr.models import ecr_backends

    try:
        return ecr_backends[account][region].repositories.get(name)
    except Exception:  # moto's KeyError for an unknown region
        return None


def moto_scan_on_push(account, region, name):
    repo = ecr_repository(account, region, name)
    if repo is None:
        return None
    return bool(repo.image_scanning_configuration.get("scanOnPush"))


def moto_image_scan(account, region, detail):
    """The scan moto keeps for an image, as ``DescribeImages`` shows it
    (status and summary; moto keeps them and sends neither)."""
    from moto.ecr.models import ecr_backends

    repo = ecr_repository(account, region, detail.get("repositoryName"))
    if repo is None:
        return None
    backend = ecr_backends[account][region]
    try:
        image = repo._get_image(None, detail.get("imageDigest"))
    except Exception:  # moto's ImageNotFoundException
        return None
    if not getattr(image, "last_scan", None):
        return None
    found = backend.describe_image_scan_findings(
        repo.registry_id, repo.name, {"imageDigest": detail["imageDigest"]}
    )
    findings = found.get("imageScanFindings", {})
    counts = dict(findings.get("findingSeverityCounts") or {})
    if not counts:
        for finding in findings.get("findings", []):
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
    return {
        "imageScanStatus": found.get(
            "imageScanStatus",
            {"status": "COMPLETE", "description": "The scan was completed successfully."},
        ),
        "imageScanFindingsSummary": {
            "imageScanCompletedAt": image.last_scan.timestamp(),
            "vulnerabilitySourceUpdatedAt": image.last_scan.timestamp(),
            "findingSeverityCounts": counts,
        },
    }


# --- plumbing ------------------------------------------------------------------


def read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class Request:
    """What the layer needs of a request, as moto reads it. The body is read
    only when needed (and put back for moto): a request without a
    Content-Length (a chunked upload) must reach moto untouched."""

    def __init__(self, environ):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        self.raw_path = urllib.parse.urlsplit(raw).path or "/"
        self.query = {}
        for key, value in urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")):
            # EKS list parameters (clusterVersions) repeat the key.
            if key in self.query:
                existing = self.query[key]
                self.query[key] = (existing if isinstance(existing, list) else [existing]) + [value]
            else:
                self.query[key] = [value] if key == "clusterVersions" else value
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = CREDENTIAL.search(auth)
        self.access_key, self.region, self.service = m.groups() if m else ("", "", "")
        self.target = environ.get("HTTP_X_AMZ_TARGET", "")
        self.account = self._account()

    @functools.cached_property
    def body(self):
        return read_body(self.environ)

    @functools.cached_property
    def form(self):
        """The query protocol's form (EC2's ``Action``)."""
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))

    def _account(self):
        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        if self.environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
            return self.environ["HTTP_X_MOTO_ACCOUNT_ID"]
        from moto.iam.models import get_account_id_from

        return get_account_id_from(self.access_key or "AKIAEXAMPLE")

    def json(self):
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}

    def record(self):
        """Into moto's recorder, which sees only what reaches moto."""
        from moto.core.request import Request as MotoRequest
        from moto.moto_api import recorder

        recorder._record_request(MotoRequest(self.environ), self.body)


def call(app, environ):
    """Runs ``app``; returns ``(status code, headers, body bytes)``."""
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(captured["status"].split()[0]), captured["headers"], body


def relay(start_response, status, headers, body):
    start_response(f"{status} {REASONS.get(status, 'Status')}", headers)
    return [body]


REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           500: "Internal Server Error"}


def respond(start_response, status, answer, content_type=None, extra_headers=()):
    body = json.dumps(answer).encode()
    headers = [
        ("Content-Type", content_type or "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        *extra_headers,
    ]
    start_response(f"{status} {REASONS.get(status, 'Status')}", headers)
    return [body]


def rest_error(start_response, service, error):
    body = {"message": error.message, **error.members}
    errors = wire_validate.validate_error(service, error.code, body)
    if errors:
        return invalid(start_response, error.code, errors)
    return respond(start_response, error.status, body, extra_headers=[("x-amzn-ErrorType", error.code)])


def invalid(start_response, operation, errors):
    """A canned answer that does not match botocore's model."""
    return respond(
        start_response,
        500,
        {"message": f"wire layer: the {operation} answer does not match botocore's model: "
         + "; ".join(errors)},
    )


def merge(base, extra):
    """``base`` with ``extra``'s keys, nested objects merged."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def ec2_xml(shape, value):
    """The EC2 query protocol's XML of ``value`` (botocore member names)
    under ``shape``: members by ``locationName``, list items as ``item``."""
    parts = []
    for name, member in shape.members.items():
        if name not in value:
            continue
        tag = member.serialization.get("name", name[0].lower() + name[1:])
        parts.append(f"<{tag}>{ec2_value(member, value[name])}</{tag}>")
    return "".join(parts)


def ec2_value(shape, value):
    if shape.type_name == "structure":
        return ec2_xml(shape, value)
    if shape.type_name == "list":
        tag = shape.member.serialization.get("name", "item")
        return "".join(f"<{tag}>{ec2_value(shape.member, v)}</{tag}>" for v in value)
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))
