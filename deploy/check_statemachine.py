#!/usr/bin/env python3
"""Checks the Step Functions definition in deploy/template.yaml.

    python deploy/check_statemachine.py [deploy-dir]

cfn-lint does not validate a DefinitionString built with !Sub, so this resolves
the !Sub (with placeholder ARNs and MaxConcurrency's default), parses the JSON,
lints a plain AWS::StepFunctions::StateMachine holding it with cfn-lint's
Amazon States Language rules, and checks the flow the scanner relies on:

  ListAccounts  invokes the function with {"action": "list-accounts"}, retries
                Lambda service errors, passes $.Payload.accounts on;
  AuditAccounts a Map over those accounts, MaxConcurrency from the parameter,
                one invocation per account with {"accounts": [<id>]}, the same
                retries, and a Catch of States.ALL so one account's failure does
                not fail the run.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

try:
    from cfnlint.api import ManualArgs, lint
    from cfnlint.decode import cfn_yaml
except ImportError:
    sys.exit("check_statemachine: needs cfn-lint; scripts/check-deploy.sh installs it")

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:eksposture-check"
RETRIED = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
           "Lambda.TooManyRequestsException"}


def substitute(text, names):
    def sub(m):
        if m.group(1) not in names:
            raise SystemExit(f"check_statemachine: unknown ${{{m.group(1)}}} in the definition")
        return str(names[m.group(1)])

    return re.sub(r"\$\{([^}!]+)\}", sub, text)


def retries_lambda_errors(state):
    return any(RETRIED <= set(r.get("ErrorEquals", [])) and r.get("MaxAttempts", 3) >= 2
               for r in state.get("Retry", []))


def main(argv):
    deploy = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    tpl = cfn_yaml.load(str(deploy / "template.yaml"))
    machines = {k: v for k, v in tpl["Resources"].items() if v["Type"] == "AWS::StepFunctions::StateMachine"}
    functions = [k for k, v in tpl["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    if len(machines) != 1 or len(functions) != 1:
        raise SystemExit("check_statemachine: expected one state machine and one function in template.yaml")
    ((mname, machine),) = machines.items()
    sub = machine["Properties"]["DefinitionString"]["Fn::Sub"]
    max_concurrency = int(tpl["Parameters"]["MaxConcurrency"]["Default"])
    names = {"AWS::Partition": "aws", f"{functions[0]}.Arn": FUNCTION_ARN, "MaxConcurrency": max_concurrency}
    text = substitute(sub, names)
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(f"check_statemachine: {mname}'s definition is not JSON after !Sub: {e}") from e

    problems = []
    plain = {"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": "arn:aws:iam::123456789012:role/check", "DefinitionString": text}}}}
    for m in lint(json.dumps(plain), config=ManualArgs(regions=["us-east-1"])):
        problems.append(f"cfn-lint {m.rule.id}: {m.message}")

    states = definition.get("States", {})
    first = states.get(definition.get("StartAt"), {})
    invoke = f"arn:aws:states:::lambda:invoke"
    if first.get("Resource") != invoke or first.get("Parameters", {}).get("FunctionName") != FUNCTION_ARN:
        problems.append("the first state must invoke the scanner function (arn:aws:states:::lambda:invoke)")
    if first.get("Parameters", {}).get("Payload") != {"action": "list-accounts"}:
        problems.append('the first state must send {"action": "list-accounts"}')
    if not retries_lambda_errors(first):
        problems.append("the first state must retry Lambda service errors")
    m = states.get(first.get("Next"), {})
    if m.get("Type") != "Map":
        problems.append("the state after ListAccounts must be a Map")
    else:
        if m.get("MaxConcurrency") != max_concurrency:
            problems.append(f"the Map's MaxConcurrency is {m.get('MaxConcurrency')!r}, not the MaxConcurrency parameter")
        if m.get("ItemsPath") != "$.accounts" or first.get("ResultSelector") != {"accounts.$": "$.Payload.accounts"}:
            problems.append("the Map must iterate over ListAccounts' $.Payload.accounts")
        proc = m.get("ItemProcessor", {})
        task = proc.get("States", {}).get(proc.get("StartAt"), {})
        if task.get("Resource") != invoke or task.get("Parameters", {}).get("FunctionName") != FUNCTION_ARN:
            problems.append("each Map item must invoke the scanner function")
        if task.get("Parameters", {}).get("Payload") != {"accounts.$": "States.Array($.account)"} \
                or m.get("ItemSelector") != {"account.$": "$$.Map.Item.Value"}:
            problems.append('each Map item must send {"accounts": [<its account id>]}')
        if not retries_lambda_errors(task):
            problems.append("each Map item must retry Lambda service errors")
        if not any("States.ALL" in c.get("ErrorEquals", []) for c in task.get("Catch", [])):
            problems.append("each Map item must catch States.ALL so one account cannot fail the run")

    if problems:
        print(f"check_statemachine: {mname} in {deploy / 'template.yaml'}:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"check_statemachine: {mname}: valid ASL; list-accounts, then a Map of per-account audits "
          f"(MaxConcurrency {max_concurrency}) that retries Lambda errors and tolerates failed accounts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
