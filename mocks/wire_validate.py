"""Checks a response body against botocore's service model.

botocore's parsers silently drop keys a shape does not have, and botocore has
no output validator, so an invented answer could drift from AWS unnoticed.
This walks the output shape itself: every key, recursively, must be a member
of its structure, every value of the member's type (structure, list, map,
string and its enum values, integer, long, float, double, boolean, timestamp,
blob), and every required member must be there.

Members bound to the HTTP envelope (``location``: header, headers,
statusCode) are not body keys: they are neither accepted nor required in a
body. Timestamps are numbers (epoch seconds) in the JSON protocols, which is
how AWS sends them (``timestampFormat`` on a member may say otherwise), and
ISO 8601 strings in the query/EC2 protocols.
"""

import functools
import re

import botocore.session

ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ENVELOPE = {"header", "headers", "statusCode"}


@functools.lru_cache(maxsize=None)
def model(service):
    """botocore's service model of ``service`` (``eks``, ``ecr``, ...)."""
    return botocore.session.get_session().get_service_model(service)


def output_shape(service, operation):
    return model(service).operation_model(operation).output_shape


def validate_output(service, operation, body):
    """The errors of ``body`` as the answer of ``operation``; [] when valid."""
    shape = output_shape(service, operation)
    if shape is None:
        return [] if not body else [f"{operation}: has no output, got {sorted(body)}"]
    return validate(shape, body, operation, _protocol(service))


def validate_named(service, shape_name, value, where=None):
    """The errors of ``value`` against the shape ``shape_name`` of ``service``."""
    shape = model(service).shape_for(shape_name)
    return validate(shape, value, where or shape_name, _protocol(service))


def validate_error(service, code, body):
    """The errors of an error body (``__type`` aside) against the error
    shape ``code``; [] when valid."""
    try:
        shape = model(service).shape_for(code)
    except Exception:  # botocore's NoShapeFoundError
        return [f"{service} has no error shape {code}"]
    rest = {k: v for k, v in body.items() if k != "__type"}
    return validate(shape, rest, code, _protocol(service))


def _protocol(service):
    return model(service).metadata["protocol"]


def _timestamp_ok(shape, value, protocol):
    fmt = shape.serialization.get("timestampFormat")
    if fmt is None:
        fmt = "unixTimestamp" if protocol in ("json", "rest-json") else "iso8601"
    if fmt == "unixTimestamp":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if fmt == "iso8601":
        return isinstance(value, str) and bool(ISO8601.match(value))
    return isinstance(value, str)  # rfc822


def validate(shape, value, where, protocol):
    """The errors of ``value`` against ``shape`` (a botocore Shape)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: expected an object ({shape.name}), got {type(value).__name__}"]
        members = {
            name: member
            for name, member in shape.members.items()
            if member.serialization.get("location") not in ENVELOPE
        }
        errors = [
            f"{where}.{key}: not a member of {shape.name}" for key in value if key not in members
        ]
        errors += [
            f"{where}.{name}: required member of {shape.name} is missing"
            for name in shape.required_members
            if name in members and name not in value
        ]
        for key, item in value.items():
            if key in members:
                errors += validate(members[key], item, f"{where}.{key}", protocol)
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: expected a list ({shape.name}), got {type(value).__name__}"]
        errors = []
        for i, item in enumerate(value):
            errors += validate(shape.member, item, f"{where}[{i}]", protocol)
        return errors
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: expected a map ({shape.name}), got {type(value).__name__}"]
        errors = []
        for key, item in value.items():
            errors += validate(shape.key, key, f"{where} key {key!r}", protocol)
            errors += validate(shape.value, item, f"{where}[{key!r}]", protocol)
        return errors
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string ({shape.name}), got {type(value).__name__}"]
        if shape.enum and value not in shape.enum:
            return [f"{where}: {value!r} is not one of {shape.name}'s values {shape.enum}"]
        return []
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            article = "an" if kind == "integer" else "a"
            return [f"{where}: expected {article} {kind} ({shape.name}), got {type(value).__name__}"]
        return []
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: expected a {kind} ({shape.name}), got {type(value).__name__}"]
        return []
    if kind == "boolean":
        if not isinstance(value, bool):
            return [f"{where}: expected a boolean ({shape.name}), got {type(value).__name__}"]
        return []
    if kind == "timestamp":
        if not _timestamp_ok(shape, value, protocol):
            return [f"{where}: {value!r} is not a {protocol} timestamp ({shape.name})"]
        return []
    if kind == "blob":
        if not isinstance(value, str):
            return [f"{where}: expected base64 text ({shape.name}), got {type(value).__name__}"]
        return []
    return [f"{where}: shape type {kind} ({shape.name}) is not checked by this validator"]
