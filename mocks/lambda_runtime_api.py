#!/usr/bin/env python3
"""A stand-in for the AWS Lambda Runtime API, to run the eksposture binary
exactly as the Lambda service starts it (``provided.al2023``: the bootstrap,
no arguments, ``AWS_LAMBDA_RUNTIME_API=host:port``) and invoke it.

    python mocks/lambda_runtime_api.py --events events.json [--timeout 600]

Prints ``PORT <n>`` on its first line once it listens on 127.0.0.1, then
hands out each event of the JSON array in turn
(``GET /2018-06-01/runtime/invocation/next``), collects each answer
(``.../invocation/<id>/response`` or ``.../error``) and, when every event
is answered (or the function reports an init error), prints
``{"results": [{"request_id", "ok", "body"}...]}`` on one line and exits.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:eksposture"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    with open(args.events) as f:
        events = json.load(f)
    lock = threading.Lock()
    done = threading.Event()
    state = {"next": 0, "results": {}, "init_error": None}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body=b"", headers=None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != PREFIX + "/invocation/next":
                return self.reply(404)
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(events):
                # The real API long-polls: hold the function until we exit.
                done.wait()
                time.sleep(3600)
                return
            deadline = int(time.time() * 1000) + 900_000
            self.reply(
                200,
                json.dumps(events[i]).encode(),
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": f"req-{i}",
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                    "Lambda-Runtime-Trace-Id": f"Root=1-00000000-{i:024d}",
                },
            )

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            parts = self.path[len(PREFIX) :].strip("/").split("/")
            self.reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
            with lock:
                if parts[:2] == ["init", "error"]:
                    state["init_error"] = body
                    done.set()
                elif len(parts) == 3 and parts[0] == "invocation":
                    state["results"][parts[1]] = {
                        "request_id": parts[1],
                        "ok": parts[2] == "response",
                        "body": json.loads(body) if body else None,
                    }
                    if len(state["results"]) == len(events):
                        done.set()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    finished = done.wait(args.timeout)
    results = [state["results"][k] for k in sorted(state["results"])]
    print(
        json.dumps(
            {"results": results, "init_error": state["init_error"], "timed_out": not finished}
        ),
        flush=True,
    )
    sys.exit(0 if finished else 1)


if __name__ == "__main__":
    main()
