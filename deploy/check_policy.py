#!/usr/bin/env python3
"""Checks that the IAM policies in deploy/ are exactly what `eksposture permissions` prints.

    python deploy/check_policy.py path/to/eksposture [deploy-dir]

Runs the binary three times:

    eksposture permissions                     -> member-role.yaml, statement EksPostureRead
    eksposture permissions --security-hub      -> member-role.yaml, EksPostureSecurityHub
                                                  (present only when EnableSecurityHub=true)
    eksposture permissions --role-name X --organization --s3-bucket B
                                               -> template.yaml, the function's execution role:
                                                  EksPostureAssumeMemberRole, EksPostureListAccounts
                                                  (only when Accounts is empty), EksPostureWriteReports

and compares every statement (Sid, Effect, Action set, Resource) with the
templates, loaded with cfn-lint's YAML decoder. The templates' intrinsic
functions are resolved with X for the MemberRoleName parameter, B for the report
bucket (ReportBucket or the bucket the stack creates) and "aws" for the
partition. Besides the printed statements the execution role may only write its
own log group (Sid LambdaLogs), and the state machine role may only invoke the
function. Exit 0 when everything matches, 1 printing the differences, 2 when the
binary or a template cannot be read.

Needs cfn-lint installed (scripts/check-deploy.sh installs it into the project venv).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

try:
    from cfnlint.decode import cfn_yaml
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("check_policy: needs cfn-lint (pip install cfn-lint); scripts/check-deploy.sh installs it")

ROLE = "EksPostureCheckRole"
BUCKET = "eksposture-check-bucket"
NO_VALUE = {"Ref": "AWS::NoValue"}

# Template names (parameters, resources, attributes) the resolver knows.
NAMES = {
    "AWS::Partition": "aws",
    "MemberRoleName": ROLE,  # template.yaml parameter
    "ReportBucket": BUCKET,  # template.yaml parameter (an existing bucket)
    "ReportsBucket": BUCKET,  # template.yaml resource (the bucket it creates)
}

# What the execution role holds besides the printed scanner policy.
LOG_SID = "LambdaLogs"
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


class Unresolvable(Exception):
    pass


def resolve(value, names=NAMES):
    """Resolves Ref / Fn::Sub / Fn::If / Fn::GetAtt with `names`; Fn::If must give one value."""
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        return {k: resolve(v, names) for k, v in value.items()}
    ((key, arg),) = value.items()
    if key == "Ref":
        if arg not in names:
            raise Unresolvable(f"!Ref {arg}")
        return names[arg]
    if key == "Fn::GetAtt":
        attr = ".".join(arg) if isinstance(arg, list) else arg
        return names.get(attr, f"<{attr}>")
    if key == "Fn::If":
        _, yes, no = arg
        a, b = resolve(yes, names), resolve(no, names)
        if a != b:
            raise Unresolvable(f"!If gives {a!r} or {b!r}")
        return a
    if key == "Fn::Sub":
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def sub(m: re.Match) -> str:
            var = m.group(1)
            if var.startswith("!"):
                return "${" + var[1:] + "}"
            if var in local:
                return str(resolve(local[var], names))
            if var in names:
                return str(names[var])
            if "." in var:
                return f"<{var}>"
            raise Unresolvable(f"${{{var}}} in !Sub {text!r}")

        return re.sub(r"\$\{([^}]+)\}", sub, text)
    return {key: resolve(arg, names)}


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(doc, where, problems):
    """[(condition or None, statement)] of a policy document; !If [c, stmt, NoValue] is conditional."""
    out = []
    for item in as_list(doc.get("Statement", [])):
        if isinstance(item, dict) and list(item) == ["Fn::If"]:
            cond, yes, no = item["Fn::If"]
            if no != NO_VALUE:
                problems.append(f"{where}: !If [{cond}, ...] must have AWS::NoValue as its else branch")
                continue
            out.append((cond, yes))
        else:
            out.append((None, item))
    return out


def normalize(stmt, where, problems):
    """Comparable form: Sid, Effect, sorted Action and Resource lists, anything else as is."""
    try:
        s = resolve(stmt)
    except Unresolvable as e:
        problems.append(f"{where}: statement {stmt.get('Sid', '?')}: cannot resolve {e}")
        return None
    actions = as_list(s.get("Action", []))
    dups = sorted({a for a in actions if actions.count(a) > 1})
    if dups:
        problems.append(f"{where}: statement {s.get('Sid', '?')} lists {', '.join(dups)} more than once")
    n = dict(s)
    n["Action"] = sorted(set(actions))
    n["Resource"] = sorted(as_list(s.get("Resource", [])))
    return n


def compare(expected, got, where, problems):
    """Both normalized statements with the same Sid; appends what differs."""
    sid = expected.get("Sid")
    missing = sorted(set(expected["Action"]) - set(got["Action"]))
    extra = sorted(set(got["Action"]) - set(expected["Action"]))
    if missing:
        problems.append(f"{where}: {sid}: missing actions (printed by eksposture): {', '.join(missing)}")
    if extra:
        problems.append(f"{where}: {sid}: extra actions (not printed by eksposture): {', '.join(extra)}")
    for key in sorted((set(expected) | set(got)) - {"Action"}):
        if expected.get(key) != got.get(key):
            problems.append(f"{where}: {sid}: {key} is {got.get(key)!r}, eksposture prints {expected.get(key)!r}")


def compare_sets(expected, got, where, problems):
    """Lists of normalized statements, matched by Sid."""
    exp = {s.get("Sid"): s for s in expected}
    have = {s.get("Sid"): s for s in got}
    for sid in exp:
        if sid not in have:
            problems.append(f"{where}: no statement {sid} (eksposture prints it: {json.dumps(exp[sid])})")
        else:
            compare(exp[sid], have[sid], where, problems)
    for sid in have:
        if sid not in exp:
            problems.append(f"{where}: statement {sid} is not in eksposture's policy: {json.dumps(have[sid])}")


def printed(binary, args):
    cmd = [binary, "permissions", *args]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except OSError as e:
        raise SystemExit(f"check_policy: cannot run {binary}: {e}") from e
    if run.returncode != 0:
        raise SystemExit(
            f"check_policy: `{' '.join(cmd)}` exited {run.returncode}: {run.stderr.strip() or run.stdout.strip()}"
        )
    try:
        doc = json.loads(run.stdout)
    except json.JSONDecodeError as e:
        raise SystemExit(f"check_policy: `{' '.join(cmd)}` did not print JSON ({e}): {run.stdout[:200]!r}") from e
    if doc.get("Version") != "2012-10-17" or not isinstance(doc.get("Statement"), list):
        raise SystemExit(f"check_policy: `{' '.join(cmd)}` printed no policy document: {run.stdout[:200]!r}")
    return [normalize(s, " ".join(cmd), []) for s in doc["Statement"]]


def load(path):
    try:
        return cfn_yaml.load(str(path))
    except Exception as e:  # noqa: BLE001 - any decode failure is a usage error here
        raise SystemExit(f"check_policy: cannot load {path}: {e}") from e


def resources_of(tpl, rtype):
    return {k: v for k, v in tpl.get("Resources", {}).items() if v.get("Type") == rtype}


def inline_statements(role, where, problems):
    props = role.get("Properties", {})
    for key in ("ManagedPolicyArns", "PermissionsBoundary"):
        if key in props:
            problems.append(f"{where}: has {key}; every permission must be an inline statement checked here")
    policies = props.get("Policies", [])
    if len(policies) != 1:
        problems.append(f"{where}: expected exactly one inline policy, found {len(policies)}")
    out = []
    for pol in policies:
        out += statements(pol.get("PolicyDocument", {}), where, problems)
    return out


def condition_is(tpl, cond, expected, where, problems):
    got = tpl.get("Conditions", {}).get(cond)
    if got != expected:
        problems.append(f"{where}: condition {cond} is {got!r}, expected {expected!r}")


def check_member(tpl, read, hub, problems):
    where = "member-role.yaml"
    roles = resources_of(tpl, "AWS::IAM::Role")
    if len(roles) != 1:
        problems.append(f"{where}: expected one AWS::IAM::Role, found {len(roles)}")
        return
    ((name, role),) = roles.items()
    where = f"{where} {name}"
    stmts = inline_statements(role, where, problems)
    always = [normalize(s, where, problems) for c, s in stmts if c is None]
    optional = [(c, normalize(s, where, problems)) for c, s in stmts if c is not None]
    compare_sets(read, [s for s in always if s], f"{where} (always)", problems)
    conds = {c for c, _ in optional}
    if len(conds) > 1:
        problems.append(f"{where}: conditional statements under several conditions: {sorted(conds)}")
    for cond in conds:
        condition_is(tpl, cond, {"Fn::Equals": [{"Ref": "EnableSecurityHub"}, "true"]}, where, problems)
    compare_sets(hub, [s for _, s in optional if s], f"{where} (EnableSecurityHub=true)", problems)

    trust = statements(role["Properties"].get("AssumeRolePolicyDocument", {}), where, problems)
    principals = [s.get("Principal") for _, s in trust]
    if principals != [{"AWS": {"Ref": "ScannerRoleArn"}}]:
        problems.append(f"{where}: must trust only the ScannerRoleArn parameter, trusts {principals!r}")


def check_scanner(tpl, scanner, problems):
    where = "template.yaml"
    functions = resources_of(tpl, "AWS::Serverless::Function")
    if len(functions) != 1:
        problems.append(f"{where}: expected one AWS::Serverless::Function, found {len(functions)}")
        return
    ((fname, func),) = functions.items()
    props = func.get("Properties", {})
    if "Policies" in props:
        problems.append(f"{where} {fname}: has Policies; the execution role must be the explicit Role")
    role_ref = props.get("Role")
    if not (isinstance(role_ref, dict) and list(role_ref) == ["Fn::GetAtt"]):
        problems.append(f"{where} {fname}: Role must be !GetAtt <role>.Arn, is {role_ref!r}")
        return
    rname = as_list(role_ref["Fn::GetAtt"])[0].split(".")[0]
    role = tpl["Resources"].get(rname, {})
    where = f"{where} {rname}"
    stmts = inline_statements(role, where, problems)

    got, logs = [], None
    for cond, raw in stmts:
        if raw.get("Sid") == LOG_SID:
            logs = raw
            continue
        s = normalize(raw, where, problems)
        if s is None:
            continue
        if cond is not None:
            if s.get("Sid") != "EksPostureListAccounts":
                problems.append(f"{where}: {s.get('Sid')} is conditional ({cond}); only EksPostureListAccounts may be")
            condition_is(tpl, cond, {"Fn::Equals": [{"Ref": "Accounts"}, ""]}, where, problems)
        got.append(s)
    compare_sets(scanner, got, f"{where} (Accounts empty)", problems)

    if logs is None:
        problems.append(f"{where}: no {LOG_SID} statement (the function's logging)")
    else:
        if sorted(as_list(logs.get("Action"))) != LOG_ACTIONS or logs.get("Effect") != "Allow":
            problems.append(f"{where}: {LOG_SID} must allow exactly {LOG_ACTIONS}, is {logs!r}")
        res = logs.get("Resource")
        group = as_list(res.get("Fn::GetAtt"))[0].split(".")[0] if isinstance(res, dict) else None
        if not group or tpl["Resources"].get(group, {}).get("Type") != "AWS::Logs::LogGroup":
            problems.append(f"{where}: {LOG_SID} must be scoped to the function's AWS::Logs::LogGroup, is {res!r}")
        elif props.get("LoggingConfig", {}).get("LogGroup") != {"Ref": group}:
            problems.append(f"{where}: {fname} must log to {group} (LoggingConfig.LogGroup)")

    # The configuration the policy was checked for is the one the function runs with.
    env = props.get("Environment", {}).get("Variables", {})
    for var, want in (("EKSPOSTURE_ROLE_NAME", ROLE), ("EKSPOSTURE_S3_BUCKET", BUCKET)):
        try:
            value = resolve(env.get(var))
        except Unresolvable as e:
            value = f"unresolvable ({e})"
        if value != want:
            problems.append(f"{where}: {fname} env {var} is {env.get(var)!r}, not the role/bucket in the policy")
    if env.get("EKSPOSTURE_ACCOUNTS") != {"Ref": "Accounts"}:
        problems.append(f"{where}: {fname} env EKSPOSTURE_ACCOUNTS must be !Ref Accounts (it decides ListAccounts)")


def check_state_machine_role(tpl, problems):
    where = "template.yaml"
    machines = resources_of(tpl, "AWS::StepFunctions::StateMachine")
    functions = list(resources_of(tpl, "AWS::Serverless::Function"))
    for mname, machine in machines.items():
        ref = machine.get("Properties", {}).get("RoleArn")
        rname = as_list(ref.get("Fn::GetAtt"))[0].split(".")[0] if isinstance(ref, dict) and "Fn::GetAtt" in ref else None
        if rname is None:
            problems.append(f"{where} {mname}: RoleArn must be !GetAtt <role>.Arn")
            continue
        for cond, s in inline_statements(tpl["Resources"][rname], f"{where} {rname}", problems):
            names = dict(NAMES, **{f"{f}.Arn": f"<{f}>" for f in functions})
            try:
                res = resolve(as_list(s.get("Resource")), names)
            except Unresolvable as e:
                res = [str(e)]
            allowed = {f"<{f}>" for f in functions} | {f"<{f}>:*" for f in functions}
            if as_list(s.get("Action")) != ["lambda:InvokeFunction"] or not set(res) <= allowed or cond:
                problems.append(f"{where} {rname}: may only invoke the function, has {s!r}")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    binary = argv[1]
    deploy = Path(argv[2]) if len(argv) == 3 else Path(__file__).resolve().parent

    read = printed(binary, [])
    with_hub = printed(binary, ["--security-hub"])
    scanner = printed(binary, ["--role-name", ROLE, "--organization", "--s3-bucket", BUCKET])
    problems = []
    if [s.get("Sid") for s in read] != ["EksPostureRead"]:
        problems.append(f"`eksposture permissions` prints {[s.get('Sid') for s in read]}, expected [EksPostureRead]")
    hub = [s for s in with_hub if s.get("Sid") != "EksPostureRead"]
    compare_sets(read, [s for s in with_hub if s.get("Sid") == "EksPostureRead"],
                 "`permissions --security-hub` vs `permissions`", problems)

    check_member(load(deploy / "member-role.yaml"), read, hub, problems)
    tpl = load(deploy / "template.yaml")
    check_scanner(tpl, scanner, problems)
    check_state_machine_role(tpl, problems)

    if problems:
        print(f"check_policy: the templates in {deploy} differ from `{binary} permissions`:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    n_read = len(read[0]["Action"]) if read else 0
    print(f"check_policy: member role ({n_read} read actions, Security Hub statement when enabled) "
          f"and scanner execution role match `{binary} permissions`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
