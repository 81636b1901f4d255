#!/usr/bin/env python3
"""Benchmarks `eksposture audit` against generated moto accounts.

    bench/run.sh                                  # build, 1x and 2x, without and with 50 ms latency
    bench/run.sh --scales 1 --latency-ms 0 --skip-build
    bench/run.sh --bin target/release/eksposture --latency-ms 50

For each scale (1x: 20 clusters of 2 nodegroups, 400 instances, 300 roles,
100 repositories of 5 images; Nx multiplies every count: N times the
clusters, nodegroups, instances, roles, repositories and images) it starts a fresh
moto server (mocks/moto_server.py, free loopback port, stopped by pid), seeds
it with mocks/generate.py and runs

    eksposture audit --endpoint-url URL --region us-east-1 --output json \\
        --output-file F --max-attempts 1 --stats-file S

once per --latency-ms value (0: straight to moto; N > 0: through
mocks/aws_proxy.py adding N ms to every request). It prints wall time, peak
RSS (ru_maxrss of the child, from wait4), API requests (total and by
service, from the stats file; from the proxy when the binary has no
--stats-file), the findings (fail/pass/unknown) and, with latency, the
effective concurrency = requests x latency / wall time. It also times
`eksposture --version` (startup). Each target is printed beside its figure
with PASS or MISS; misses are reported, not failures: the exit status is 0
whenever the benchmark ran.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_SCALE = {
    "clusters": 20,
    "nodegroups-per-cluster": 2,
    "instances": 400,
    "roles": 300,
    "repos": 100,
    "images-per-repo": 5,
}
REGION = "us-east-1"
PER_PARENT = {"nodegroups-per-cluster", "images-per-repo"}

TARGET_REQUESTS_1X = 700
TARGET_GROWTH_2X = 2.05
TARGET_RSS_MB_2X = 60
TARGET_CONCURRENCY = 10
TARGET_CONCURRENCY_LATENCY_MS = 50
TARGET_VERSION_MS = 20


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env():
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.pop("AWS_PROFILE", None)
    return env


class Process:
    """A child process this harness started; stopped by its pid only."""

    def __init__(self, args, log_path, **kwargs):
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            args, stdout=kwargs.pop("stdout", self.log_file), stderr=self.log_file,
            stdin=subprocess.DEVNULL, **kwargs
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def start_moto(python, workdir):
    for _ in range(5):
        port = free_port()
        env = dict(os.environ)
        env.update(
            MOTO_IAM_LOAD_MANAGED_POLICIES="true",
            MOTO_EC2_LOAD_DEFAULT_AMIS="false",
            EKSPOSTURE_MOTO_PARENT_PID=str(os.getpid()),
        )
        moto = Process(
            [python, os.path.join(ROOT, "mocks/moto_server.py"), "-H", "127.0.0.1",
             "-p", str(port)],
            os.path.join(workdir, f"moto-{port}.log"),
            env=env,
            cwd=workdir,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and moto.proc.poll() is None:
            try:
                with urllib.request.urlopen(url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        return moto, url
            except OSError:
                time.sleep(0.2)
        moto.stop()
        log(f"moto did not start on port {port}; retrying")
    sys.exit("bench: moto would not start (see the moto-*.log files)")


def start_proxy(python, upstream, latency_ms, workdir, tag):
    proxy_py = os.path.join(ROOT, "mocks/aws_proxy.py")
    deadline = time.monotonic() + 1800
    while not os.path.exists(proxy_py):
        if time.monotonic() > deadline:
            sys.exit("bench: mocks/aws_proxy.py is missing")
        log("waiting for mocks/aws_proxy.py to appear")
        time.sleep(30)
    stats = os.path.join(workdir, f"proxy-stats-{tag}.json")
    proxy = Process(
        [python, proxy_py, "--upstream", upstream, "--latency-ms", str(latency_ms),
         "--stats-file", stats],
        os.path.join(workdir, f"proxy-{tag}.log"),
        stdout=subprocess.PIPE,
    )
    line = proxy.proc.stdout.readline().decode().strip()
    if not line.startswith("PORT "):
        proxy.stop()
        sys.exit(f"bench: aws_proxy.py printed {line!r} instead of 'PORT <n>'")
    # Drain the rest of its stdout so the proxy never blocks on a full pipe.
    threading.Thread(
        target=shutil.copyfileobj, args=(proxy.proc.stdout, proxy.log_file), daemon=True
    ).start()
    return proxy, f"http://127.0.0.1:{line.split()[1]}", stats


def proxy_counts(url):
    with urllib.request.urlopen(url + "/__proxy/stats", timeout=10) as r:
        return json.load(r).get("requests", {})


def scale_args(factor):
    args = []
    for flag, value in BASE_SCALE.items():
        # Per-parent counts stay: doubling the clusters doubles the
        # nodegroups, doubling the repositories doubles the images.
        n = value if flag in PER_PARENT else value * factor
        args += [f"--{flag}", str(n)]
    return args


def generate(python, url, factor, seed):
    cmd = [python, os.path.join(ROOT, "mocks/generate.py"), "--endpoint", url,
           "--region", REGION, "--seed", str(seed)] + scale_args(factor)
    started = time.monotonic()
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    summary = json.loads(out)
    summary["wall_s"] = time.monotonic() - started
    return summary


def has_stats_file(binary):
    help_text = subprocess.run(
        [binary, "audit", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ).stdout.decode(errors="replace")
    return "--stats-file" in help_text


def audit(binary, url, workdir, tag, stats_flag):
    report = os.path.join(workdir, f"report-{tag}.json")
    stats = os.path.join(workdir, f"stats-{tag}.json")
    cmd = [binary, "audit", "--endpoint-url", url, "--region", REGION, "--output", "json",
           "--output-file", report, "--max-attempts", "1"]
    if stats_flag:
        cmd += ["--stats-file", stats]
    stderr_path = os.path.join(workdir, f"audit-{tag}.stderr")
    with open(stderr_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=aws_env(), stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL)
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "command": " ".join(cmd),
        "exit": proc.returncode,
        "wall_s": wall,
        "peak_rss_kb": rusage.ru_maxrss,
        "user_s": rusage.ru_utime,
        "sys_s": rusage.ru_stime,
    }
    if proc.returncode not in (0, 3, 4):
        with open(stderr_path, errors="replace") as f:
            tail = f.read()[-2000:]
        log(f"audit {tag} exited {proc.returncode}:\n{tail}")
    if os.path.exists(report):
        with open(report) as f:
            rep = json.load(f)
        findings = rep.get("findings", [])
        summary = rep.get("summary", {})
        result["findings"] = {
            "total": len(findings),
            "fail": summary.get("fail", sum(1 for x in findings if x.get("status") == "fail")),
            "pass": summary.get("pass", sum(1 for x in findings if x.get("status") == "pass")),
            "unknown": summary.get(
                "unknown", sum(1 for x in findings if x.get("status") == "unknown")
            ),
        }
        result["gaps"] = len(rep.get("gaps", []))
    if stats_flag and os.path.exists(stats):
        with open(stats) as f:
            st = json.load(f)
        result["stats"] = st
        req = st.get("requests", {})
        result["requests"] = req.get("total")
        result["by_service"] = req.get("by_service", {})
        result["requests_source"] = "stats-file"
    return result


def counts_by_service(ops):
    by = {}
    for op, n in ops.items():
        svc = op.split(":", 1)[0]
        by[svc] = by.get(svc, 0) + n
    return by


def version_startup(binary, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([binary, "--version"], stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return {"runs": runs, "min_ms": min(times), "median_ms": statistics.median(times)}


def verdict(ok):
    return "PASS" if ok else "MISS"


def fmt_services(by):
    return ", ".join(f"{k} {v}" for k, v in sorted(by.items(), key=lambda kv: (-kv[1], kv[0])))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", default="1,2", help="comma-separated multiples of 1x (default 1,2)")
    p.add_argument("--latency-ms", default="0,50",
                   help="comma-separated added latencies; 0 = no proxy (default 0,50)")
    p.add_argument("--bin", help="eksposture binary (default: the release build)")
    p.add_argument("--skip-build", action="store_true")
    p.add_argument("--python", default=sys.executable, help="python with moto (the venv's)")
    p.add_argument("--seed", type=int, default=1, help="generator seed")
    p.add_argument("--version-runs", type=int, default=50)
    p.add_argument("--json", metavar="FILE", help="also write every figure as JSON here")
    p.add_argument("--wait-for-bin", action="store_true",
                   help="seed first, then wait for the binary to appear (a build elsewhere)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (reports, logs)")
    args = p.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    latencies = [float(s) for s in args.latency_ms.split(",") if s.strip()]

    target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser(
        "~/.cache/eksposture/target"
    )
    binary = args.bin or os.path.join(target_dir, "release", "eksposture")
    if not args.bin and not args.skip_build:
        log(f"cargo build --release -p eksposture (CARGO_TARGET_DIR={target_dir}; "
            "a cold build compiles the AWS SDK: ~12 min on 2 cores)")
        env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
        subprocess.run(["nice", "-n", "10", "cargo", "build", "--release", "-p", "eksposture"],
                       cwd=ROOT, env=env, check=True)
    binary = os.path.abspath(binary)

    workdir = tempfile.mkdtemp(prefix="eksposture-bench-")
    results = {"binary": binary, "machine": {"cpus": os.cpu_count(),
                                             "loadavg_start": os.getloadavg()},
               "scales": {}, "workdir": workdir}
    servers = {}
    try:
        # Seed every scale first (each in its own fresh moto server), then
        # audit: with --wait-for-bin the seeding overlaps a build running
        # elsewhere.
        for factor in scales:
            log(f"scale {factor}x: starting a fresh moto server")
            servers[factor] = start_moto(args.python, workdir)
            gen = generate(args.python, servers[factor][1], factor, args.seed)
            log(f"scale {factor}x: seeded in {gen['wall_s']:.1f} s "
                f"({gen['requests']['total']} requests)")
            results["scales"][str(factor)] = {"generate": gen, "runs": {}}
        if args.wait_for_bin and not os.access(binary, os.X_OK):
            log(f"waiting for {binary}")
            while not os.access(binary, os.X_OK):
                time.sleep(5)
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench: no binary at {binary} (build it or pass --bin)")
        stats_flag = has_stats_file(binary)
        if not stats_flag:
            log("this binary has no `audit --stats-file`: counting requests at the proxy")
        for factor in scales:
            moto, moto_url = servers[factor]
            runs = results["scales"][str(factor)]["runs"]
            for latency in latencies:
                tag = f"{factor}x-{latency:g}ms"
                proxy = None
                url = moto_url
                if latency > 0 or not stats_flag:
                    proxy, url, _ = start_proxy(args.python, moto_url, latency, workdir, tag)
                try:
                    log(f"scale {factor}x, latency {latency:g} ms: eksposture audit")
                    r = audit(binary, url, workdir, tag, stats_flag)
                    if proxy is not None:
                        ops = proxy_counts(url)
                        r["proxy_requests"] = sum(ops.values())
                        if r.get("requests") is None:
                            r["requests"] = sum(ops.values())
                            r["by_service"] = counts_by_service(ops)
                            r["requests_source"] = "proxy"
                finally:
                    if proxy is not None:
                        proxy.stop()
                r["latency_ms"] = latency
                if latency > 0 and r.get("requests"):
                    r["effective_concurrency"] = r["requests"] * latency / 1000 / r["wall_s"]
                runs[f"{latency:g}"] = r
            moto.stop()
            del servers[factor]
        results["version"] = version_startup(binary, args.version_runs)
    finally:
        for moto, _ in servers.values():
            moto.stop()
        results["machine"]["loadavg_end"] = os.getloadavg()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    report(results, scales, latencies)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


def report(results, scales, latencies):
    out = []
    w = out.append
    w(f"binary: {results['binary']}")
    m = results["machine"]
    w(f"machine: {m['cpus']} CPUs, load average {m['loadavg_start'][0]:.2f} at start, "
      f"{m['loadavg_end'][0]:.2f} at end (moto runs on the same cores)")
    for factor in scales:
        s = results["scales"][str(factor)]
        g = s["generate"]
        c = g["created"]
        w("")
        w(f"== scale {factor}x: {c.get('clusters', 0)} clusters, {c.get('nodegroups', 0)} "
          f"nodegroups, {c.get('instances', 0)} instances, {c.get('roles', 0)} roles, "
          f"{c.get('repositories', 0)} repositories, {c.get('images', 0)} images")
        w(f"   seeding (mocks/generate.py): {g['wall_s']:.1f} s, "
          f"{g['requests']['total']} requests")
        for latency in latencies:
            r = s["runs"][f"{latency:g}"]
            f = r.get("findings", {})
            w(f"   latency {latency:g} ms: wall {r['wall_s']:.2f} s, peak RSS "
              f"{r['peak_rss_kb'] / 1024:.1f} MiB, cpu {r['user_s'] + r['sys_s']:.2f} s, "
              f"exit {r['exit']}")
            w(f"      requests {r.get('requests')} ({r.get('requests_source', '?')}): "
              f"{fmt_services(r.get('by_service', {}))}")
            st = r.get("stats")
            if st:
                ph = st.get("phases_ms", {})
                w(f"      retries {st.get('retries')}, throttles {st.get('throttles')}, "
                  f"errors {st.get('errors')}, gaps {st.get('gaps')}; phases ms: "
                  + ", ".join(f"{k} {v}" for k, v in ph.items()))
            w(f"      findings {f.get('total')}: fail {f.get('fail')}, pass {f.get('pass')}, "
              f"unknown {f.get('unknown')}")
            if "effective_concurrency" in r:
                w(f"      effective concurrency {r['effective_concurrency']:.1f} "
                  f"(= {r['requests']} requests x {latency:g} ms / {r['wall_s']:.2f} s)")
    v = results["version"]
    w("")
    w(f"startup: eksposture --version x{v['runs']}: min {v['min_ms']:.1f} ms, "
      f"median {v['median_ms']:.1f} ms")

    w("")
    w("targets (reported, not asserted):")

    def first_run(factor):
        s = results["scales"].get(str(factor))
        if not s:
            return None
        runs = s["runs"]
        return runs.get("0") or next(iter(runs.values()))

    r1, r2 = first_run(1), first_run(2)
    if r1 and r1.get("requests") is not None:
        w(f"   requests at 1x <= {TARGET_REQUESTS_1X}: {r1['requests']}  "
          f"{verdict(r1['requests'] <= TARGET_REQUESTS_1X)}")
    if r1 and r2 and r1.get("requests") and r2.get("requests") is not None:
        ratio = r2["requests"] / r1["requests"]
        w(f"   requests at 2x <= {TARGET_GROWTH_2X} x 1x: {r2['requests']} = {ratio:.2f} x "
          f"{r1['requests']}  {verdict(ratio <= TARGET_GROWTH_2X)}")
    if "2" in results["scales"]:
        rss = max(r["peak_rss_kb"] for r in results["scales"]["2"]["runs"].values()) / 1024
        w(f"   peak RSS at 2x <= {TARGET_RSS_MB_2X} MiB: {rss:.1f} MiB  "
          f"{verdict(rss <= TARGET_RSS_MB_2X)}")
    for factor in scales:
        r = results["scales"][str(factor)]["runs"].get(f"{TARGET_CONCURRENCY_LATENCY_MS:g}")
        if r and "effective_concurrency" in r:
            ec = r["effective_concurrency"]
            w(f"   effective concurrency at {factor}x with {TARGET_CONCURRENCY_LATENCY_MS} ms "
              f">= {TARGET_CONCURRENCY}: {ec:.1f}  {verdict(ec >= TARGET_CONCURRENCY)}")
    w(f"   eksposture --version < {TARGET_VERSION_MS} ms (median): {v['median_ms']:.1f} ms  "
      f"{verdict(v['median_ms'] < TARGET_VERSION_MS)}")
    print("\n".join(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
