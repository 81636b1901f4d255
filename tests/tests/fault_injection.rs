//! Faults between the scanner and AWS: `mocks/aws_proxy.py` in front of a
//! seeded moto server throttles, fails, denies or holds requests in each
//! protocol's real wire format, and the scan must come out the same (retries
//! absorb transient faults) or say exactly what it could not read (gaps,
//! `unknown` findings) — never a wrong pass or fail.
//!
//! One moto server with the `hardened` account serves every test here; each
//! test starts its own proxy in front of it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use eksposture_e2e::{gap_keys, python, run_eksposture, workspace_root, Run, Scenario};
use serde_json::Value;

/// The seeded account. `hardened` fails no check and its scan is complete
/// (what moto lacks is served by the wire layer), so every gap and unknown
/// below is the fault's.
fn scenario() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| Scenario::start("hardened"))
}

/// `mocks/aws_proxy.py` in front of the scenario's moto server, killed on
/// drop (and exiting by itself when the test process is gone).
struct Proxy {
    child: Child,
    port: u16,
}

impl Proxy {
    fn start(args: &[&str]) -> Proxy {
        let mut child = Command::new(python())
            .arg(workspace_root().join("mocks/aws_proxy.py"))
            .args(["--upstream", &scenario().server.endpoint()])
            .arg("--exit-with-parent")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start mocks/aws_proxy.py with {}: {e}", python()));
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut first)
            .expect("read the proxy's first line");
        let port = first
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("the proxy printed {first:?} instead of `PORT <n>`")
            });
        Proxy { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GET /__proxy/stats`: requests per `service:Operation` and the
    /// faults injected.
    fn stats(&self) -> Value {
        let mut stream =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect to the proxy");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "GET /__proxy/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read the stats");
        let (_, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("stats are not JSON ({e}): {body}"))
    }

    /// `eksposture audit --output json <args>` through this proxy.
    fn audit(&self, args: &[&str]) -> Run {
        let url = self.url();
        let mut all = vec!["audit", "--output", "json", "--endpoint-url", &url];
        all.extend_from_slice(args);
        run_eksposture(&all)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every finding as (check, resource, status, message), sorted.
fn finding_keys(report: &Value) -> Vec<(String, String, String, String)> {
    let mut keys: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                s(&f["check_id"]),
                s(&f["resource"]["id"]),
                s(&f["status"]),
                s(&f["message"]),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn sorted_gaps(report: &Value) -> Vec<(String, String, String, String)> {
    let mut gaps = gap_keys(report);
    gaps.sort();
    gaps
}

/// The fault-free audit through a proxy that injects nothing, with the same
/// retry settings as the faulty runs: complete and clean (exit 0).
fn fault_free() -> &'static (Value, Value) {
    static RUN: OnceLock<(Value, Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let proxy = Proxy::start(&[]);
        let run = proxy.audit(&["--max-attempts", "10"]);
        let report = run.json();
        assert_eq!(
            run.code,
            Some(0),
            "fault-free audit exited {:?}\n{}",
            run.code,
            run.stderr
        );
        let stats = proxy.stats();
        assert_eq!(
            stats["injected"],
            serde_json::json!({"throttle": 0, "error": 0, "deny": 0, "hang": 0})
        );
        (report, stats)
    })
}

fn request_count(stats: &Value, key: &str) -> u64 {
    stats["requests"][key].as_u64().unwrap_or(0)
}

#[test]
fn throttling_and_internal_errors_are_retried_and_change_nothing() {
    let (clean, _) = fault_free();
    // One request in five throttled and one in twenty failing with a 500,
    // each in its protocol's wire format. With 10 attempts a call fails for
    // good with probability 0.25^10, about 1e-6.
    let proxy = Proxy::start(&[
        "--throttle-rate",
        "0.2",
        "--error-rate",
        "0.05",
        "--seed",
        "6",
    ]);
    let run = proxy.audit(&["--max-attempts", "10"]);
    let faulty = run.json();
    let stats = proxy.stats();
    let throttled = stats["injected"]["throttle"].as_u64().unwrap();
    let failed = stats["injected"]["error"].as_u64().unwrap();
    assert!(
        throttled >= 3 && failed >= 1,
        "too few faults injected to prove anything: {stats}"
    );
    assert_eq!(
        finding_keys(&faulty),
        finding_keys(clean),
        "findings differ under throttling ({stats})\n--- stderr\n{}",
        run.stderr
    );
    assert_eq!(
        sorted_gaps(&faulty),
        sorted_gaps(clean),
        "gaps differ under throttling ({stats}); gaps: {}",
        faulty["gaps"]
    );
    assert_eq!(
        run.code,
        Some(0),
        "retried faults leave the hardened account's scan complete and clean"
    );
}

/// Checks whose findings need IAM data: each one was verified (against the
/// hardened account, fault-free vs IAM denied) to report pass without the
/// denial and unknown with it. `path-pod-to-node-role` and
/// `path-public-node-with-broad-role` are left out on purpose: the hardened
/// nodes neither expose IMDS to pods nor have a public address, so those
/// paths pass without looking at the node role at all, which is correct.
const IAM_CHECKS: [&str; 8] = [
    "iam-node-role-least-privilege",
    "iam-node-role-no-cni-policy",
    "iam-irsa-trust-scoped",
    "iam-workload-role-least-privilege",
    "eks-irsa-provider-registered",
    "ec2-node-role-not-shared",
    "ecs-task-execution-role-least-privilege",
    "path-irsa-wildcard-to-broad-role",
];

#[test]
fn every_iam_call_denied_makes_iam_checks_unknown_and_the_scan_incomplete() {
    let (clean, _) = fault_free();
    for check in IAM_CHECKS {
        assert!(
            clean["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["check_id"] == check && f["status"] == "pass"),
            "{check} should pass on the hardened account when IAM is readable"
        );
    }
    let proxy = Proxy::start(&["--deny-service", "iam"]);
    // Only the IAM-dependent checks. The fault-free scan is complete, so the
    // exit code "incomplete" is the denial's; the findings and gaps below
    // prove it was handled.
    let checks = IAM_CHECKS.join(",");
    let run = proxy.audit(&["--checks", &checks, "--max-attempts", "3"]);
    run.assert_code(4);
    let report = run.json();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let reported: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(reported, IAM_CHECKS.iter().copied().collect());
    for f in findings {
        assert_eq!(
            f["status"], "unknown",
            "{} on {} must be unknown when IAM cannot be read: {}",
            f["check_id"], f["resource"]["id"], f["message"]
        );
    }
    assert_eq!(report["summary"]["pass"], 0);
    assert_eq!(report["summary"]["fail"], 0);

    // Every IAM operation the scanner sent was refused and is a gap saying
    // so; nothing else about IAM is.
    let stats = proxy.stats();
    let sent: BTreeSet<String> = stats["requests"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|k| k.strip_prefix("iam:"))
        .map(str::to_string)
        .collect();
    assert!(
        sent.contains("GetAccountAuthorizationDetails")
            && sent.contains("ListOpenIDConnectProviders"),
        "{stats}"
    );
    let iam_gaps: BTreeMap<String, String> = gap_keys(&report)
        .into_iter()
        .filter(|(service, ..)| service == "iam")
        .map(|(_, _, operation, reason)| (operation, reason))
        .collect();
    let expected: BTreeMap<String, String> = sent
        .iter()
        .map(|op| (op.clone(), "access_denied".to_string()))
        .collect();
    assert_eq!(iam_gaps, expected, "gaps: {}", report["gaps"]);
    assert_eq!(
        stats["injected"]["deny"].as_u64(),
        Some(
            stats["requests"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.starts_with("iam:"))
                .map(|(_, n)| n.as_u64().unwrap())
                .sum::<u64>()
        ),
        "every IAM request was denied and no other: {stats}"
    );
    // AccessDenied is not retried: one request per operation.
    for op in &sent {
        assert_eq!(request_count(&stats, &format!("iam:{op}")), 1, "{stats}");
    }
    // The message tells the user which permission is missing.
    let gaad = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["operation"] == "GetAccountAuthorizationDetails")
        .unwrap();
    assert!(
        gaad["message"]
            .as_str()
            .unwrap()
            .contains("iam:GetAccountAuthorizationDetails"),
        "{gaad}"
    );
    // The rest of the scan is not disturbed: the other services' gaps are
    // moto's own.
    let others = |r: &Value| -> Vec<_> {
        sorted_gaps(r)
            .into_iter()
            .filter(|(service, ..)| service != "iam")
            .collect()
    };
    assert_eq!(others(&report), others(clean));
}

#[test]
fn a_hung_call_times_out_per_attempt_and_its_retry_succeeds() {
    let (clean, clean_stats) = fault_free();
    let proxy = Proxy::start(&["--hang-operation", "DescribeCluster"]);
    let run = proxy.audit(&["--attempt-timeout", "1", "--max-attempts", "3"]);
    let report = run.json();
    let stats = proxy.stats();
    assert_eq!(stats["injected"]["hang"], 1, "{stats}");
    // The one held request costs one attempt timeout (1 s) plus a backoff,
    // not the harness's 5-minute limit or the SDK's default 20 s.
    assert!(
        run.elapsed < Duration::from_secs(30),
        "the scan took {:?} with one hung call",
        run.elapsed
    );
    // The retry went through: one more DescribeCluster than without the
    // fault, and the report is the fault-free one.
    assert_eq!(
        request_count(&stats, "eks:DescribeCluster"),
        request_count(clean_stats, "eks:DescribeCluster") + 1,
        "{stats}"
    );
    assert_eq!(finding_keys(&report), finding_keys(clean));
    assert_eq!(sorted_gaps(&report), sorted_gaps(clean));
}

#[test]
fn a_hung_call_without_retries_is_a_gap_naming_the_operation() {
    let (clean, _) = fault_free();
    let proxy = Proxy::start(&["--hang-operation", "DescribeCluster"]);
    let run = proxy.audit(&["--attempt-timeout", "1", "--max-attempts", "1"]);
    let report = run.json();
    assert!(
        run.elapsed < Duration::from_secs(30),
        "the scan took {:?} with one hung call",
        run.elapsed
    );
    let gaps = sorted_gaps(&report);
    let hung: Vec<_> = gaps
        .iter()
        .filter(|(service, _, operation, _)| service == "eks" && operation == "DescribeCluster")
        .collect();
    assert_eq!(hung.len(), 1, "gaps: {}", report["gaps"]);
    assert_ne!(
        hung[0].3, "not_supported",
        "a timeout is not an unsupported operation"
    );
    // Nothing derived from the cluster's configuration passes or fails.
    let cluster = scenario().cluster("hardened")["cluster"]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    for check in ["eks-endpoint-not-open-to-world", "eks-secrets-encrypted"] {
        let statuses: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == check && f["resource"]["id"] == cluster.as_str())
            .map(|f| f["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["unknown"], "{check}");
    }
    // Every other read is as in the fault-free scan.
    let mut expected = sorted_gaps(clean);
    expected.push(hung[0].clone());
    expected.sort();
    assert_eq!(gaps, expected);
    // Nothing fails on the hardened account; the hung call leaves the scan
    // incomplete.
    run.assert_code(4);
}

/// (check, resource, status) of the findings outside `region`.
fn verdicts_outside(report: &Value, region: &str) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource"]["region"] != region)
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (s(&f["check_id"]), s(&f["resource"]["id"]), s(&f["status"]))
        })
        .collect();
    v.sort();
    v
}

/// Checks that look across regions: whether the cluster role is also
/// another cluster's depends on every region's clusters, so with one region
/// unreadable it is unknown, never a pass.
const CROSS_REGION: [&str; 1] = ["eks-cluster-role-dedicated"];

/// A well-formed region name the endpoint does not serve (moto answers every
/// call in it with an HTML 500, as for an operation it lacks; on AWS a region
/// that is not enabled refuses the calls). The right outcome: the scan
/// finishes and writes its report, nothing in that region passes or fails,
/// every read of it is a gap, the other regions are reported as without it,
/// and the exit code never says "clean".
#[test]
fn a_region_the_endpoint_does_not_serve_is_unreadable_not_clean() {
    const NOWHERE: &str = "xx-east-9";
    let (clean, _) = fault_free();
    let server = &scenario().server;

    let run = server.run_audit(&[
        "--output",
        "json",
        "--max-attempts",
        "1",
        "--region",
        NOWHERE,
    ]);
    run.assert_code(4);
    let report = run.json();
    assert_eq!(report["summary"]["fail"], 0, "{}", report["summary"]);
    // IAM is global and was read: its roles (those trusting Pod Identity)
    // may pass. Nothing of the unserved region does.
    for f in report["findings"].as_array().unwrap() {
        if f["status"] == "pass" {
            assert_eq!(f["resource"]["region"], "global", "{f}");
        }
    }
    assert!(report["summary"]["unknown"].as_u64().unwrap() > 0);
    let gaps = gap_keys(&report);
    assert!(!gaps.is_empty());
    for (service, region, operation, reason) in &gaps {
        assert_eq!(region, NOWHERE, "{service} {operation}");
        assert_eq!(reason, "not_supported", "{service} {operation}");
    }
    let services: BTreeSet<&str> = gaps.iter().map(|g| g.0.as_str()).collect();
    for service in ["eks", "ec2", "ecr"] {
        assert!(services.contains(service), "no {service} gap: {gaps:?}");
    }

    // Next to a served region: that region's verdicts are unchanged.
    let run = server.run_audit(&[
        "--output",
        "json",
        "--max-attempts",
        "1",
        "--region",
        &format!("us-east-1,{NOWHERE}"),
    ]);
    // us-east-1 is clean; the unserved region leaves the scan incomplete.
    run.assert_code(4);
    let both = run.json();
    // Except where a check looks across regions (CROSS_REGION).
    let (outside, clean_outside) = (
        verdicts_outside(&both, NOWHERE),
        verdicts_outside(clean, NOWHERE),
    );
    assert_eq!(outside.len(), clean_outside.len(), "{outside:?}");
    for (seen, (check, id, status)) in outside.iter().zip(&clean_outside) {
        if CROSS_REGION.contains(&check.as_str()) {
            assert_eq!((&seen.0, &seen.1, seen.2.as_str()), (check, id, "unknown"));
        } else {
            assert_eq!(seen, &(check.clone(), id.clone(), status.clone()));
        }
    }
    for f in both["findings"].as_array().unwrap() {
        if f["resource"]["region"] == NOWHERE {
            assert_eq!(f["status"], "unknown", "{}", f["check_id"]);
        }
    }
    let mut expected = sorted_gaps(clean);
    expected.extend(gaps);
    expected.sort();
    assert_eq!(sorted_gaps(&both), expected);
}
