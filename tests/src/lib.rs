//! Harness for the end-to-end tests: a moto server per scenario (started from
//! `mocks/moto_server.py`, seeded by `mocks/seed.py`), the `eksposture`
//! binary run against it with an isolated environment, and moto's request
//! recorder to see exactly which AWS operations a scan sent.
//!
//! Needs a Python with `moto[server]==5.2.5`: `scripts/setup-moto.sh` makes
//! one and `scripts/test.sh` exports it as `EKSPOSTURE_PYTHON`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

pub mod chromium;

/// How long a moto server may take to answer its first request. A cold start
/// on a busy 2-core machine takes a few seconds.
const START_TIMEOUT: Duration = Duration::from_mins(1);
/// Upper bound on one `eksposture` run; a scan of a seeded account takes
/// seconds, so this only stops a hung run from hanging the suite.
const RUN_TIMEOUT: Duration = Duration::from_mins(5);
/// Upper bound on one seed script run.
const SEED_TIMEOUT: Duration = Duration::from_mins(3);

pub const ACCOUNT_ID: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate lives in the workspace")
        .to_path_buf()
}

/// The Python that has moto: `EKSPOSTURE_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("EKSPOSTURE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// Runs `python()` with `args` (a script and its arguments, or `-c CODE ...`)
/// away from any AWS profile of the machine, asserts it succeeds and returns
/// its stdout; `what` names it in the failure.
pub fn run_python(args: &[&str], what: &str) -> String {
    let out = Command::new(python())
        .args(args)
        .env("AWS_CONFIG_FILE", "/nonexistent/eksposture-e2e/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/eksposture-e2e/credentials",
        )
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python prints UTF-8")
}

/// The `eksposture` binary: `EKSPOSTURE_BIN`, else the one cargo built next
/// to this test executable (`target/<profile>/eksposture`).
pub fn eksposture_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("EKSPOSTURE_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("path of the running test executable");
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/eksposture
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join(format!("eksposture{}", std::env::consts::EXE_SUFFIX)))
        .expect("test executable has a target directory");
    assert!(
        bin.is_file(),
        "{} does not exist: run the end-to-end tests with `cargo test --workspace` \
         (which builds the binary), or `cargo build -p eksposture` first, or set EKSPOSTURE_BIN",
        bin.display()
    );
    bin
}

/// What one `eksposture` run produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// `None` when the process was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// stdout parsed as JSON; panics with the run's output when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); exit code {:?}\n--- stdout\n{}\n--- stderr\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// Panics, showing the output, unless the exit code is `expected`.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            truncate(&self.stdout, 4000),
            self.stderr
        );
        self
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Runs `eksposture <args>` with an environment that cannot reach a real
/// AWS account: dummy static credentials, no profile, no config or
/// credentials file, no instance metadata, no colour.
pub fn run_eksposture(args: &[&str]) -> Run {
    run_eksposture_with_env(args, &[])
}

/// `run_eksposture` with extra environment variables (e.g. a per-service
/// `AWS_ENDPOINT_URL_<SERVICE>`).
pub fn run_eksposture_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let scratch = scratch_dir("run");
    let missing = scratch.join("no-such-aws-file");
    let mut cmd = Command::new(eksposture_bin());
    cmd.args(args)
        .current_dir(&scratch)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &scratch)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // moto's clusters have no Kubernetes API (their endpoints are made-up
        // names): the AWS-side tests scan without the cluster's half.
        .env("EKSPOSTURE_NO_KUBERNETES", "1")
        .env("EKSPOSTURE_KUBERNETES", "false")
        .env("NO_COLOR", "1");
    for passthrough in ["RUST_BACKTRACE", "RUST_LOG", "LLVM_PROFILE_FILE"] {
        if let Some(v) = std::env::var_os(passthrough) {
            cmd.env(passthrough, v);
        }
    }
    cmd.envs(env.iter().copied());
    let run = run_with_timeout(&mut cmd, RUN_TIMEOUT, "eksposture");
    let _ = std::fs::remove_dir_all(&scratch);
    run
}

fn run_with_timeout(cmd: &mut Command, timeout: Duration, what: &str) -> Run {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {timeout:?}\n--- stderr\n{}",
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// A fresh directory under the system temp dir, unique to this process.
pub fn scratch_dir(label: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("eksposture-e2e-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port on 127.0.0.1")
}

/// A moto server on 127.0.0.1, killed (and its scratch directory removed)
/// on drop. The server also exits by itself when the test process does, so
/// one kept in a `static` does not outlive the run.
pub struct MotoServer {
    child: Child,
    port: u16,
    dir: PathBuf,
    /// Length of the server log when recording started.
    log_mark: AtomicU64,
}

impl MotoServer {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> MotoServer {
        // Another process can take the port between our probe and moto's
        // bind; moto then exits at once and we try another port.
        let mut last_failure = String::new();
        for _ in 0..3 {
            match Self::try_start() {
                Ok(server) => return server,
                Err(log) => last_failure = log,
            }
        }
        panic!(
            "moto did not start. Is moto[server]==5.2.5 installed for `{}`? \
             Run scripts/setup-moto.sh and set EKSPOSTURE_PYTHON to the python it prints \
             (scripts/test.sh does both).\n--- server log (tail)\n{last_failure}",
            python()
        );
    }

    fn try_start() -> Result<MotoServer, String> {
        let port = free_port();
        let dir = scratch_dir(&format!("moto-{port}"));
        let log = std::fs::File::create(dir.join("moto.log")).expect("create moto log");
        let child = Command::new(python())
            .arg(workspace_root().join("mocks/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(&dir)
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .env("MOTO_RECORDER_FILEPATH", dir.join("recording.jsonl"))
            .env("EKSPOSTURE_MOTO_PARENT_PID", std::process::id().to_string())
            .env("EKSPOSTURE_MOTO_SCRATCH_DIR", &dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => return Err(format!("cannot run `{}`: {e}", python())),
        };
        let mut server = MotoServer {
            child,
            port,
            dir,
            log_mark: AtomicU64::new(0),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("exited with {status}\n{}", server.log_tail(40)));
            }
            if matches!(http(port, "GET", "/moto-api/"), Ok((200, _))) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                let tail = server.log_tail(40);
                panic!(
                    "moto did not answer within {START_TIMEOUT:?}\n--- server log (tail)\n{tail}"
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last `lines` lines of the server's log (stdout and stderr).
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(self.dir.join("moto.log")).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Seeds an account (`risky`, `hardened` or `demo`) with
    /// `mocks/seed.py` and returns the JSON summary it prints.
    pub fn seed(&self, account: &str) -> Value {
        self.seed_with(&["--account", account, "--region", REGION])
    }

    /// `mocks/seed.py --endpoint <this server> <args>`: another moto account
    /// (`--account-id`), region or member role.
    pub fn seed_with(&self, args: &[&str]) -> Value {
        let account = args.join(" ");
        let mut cmd = Command::new(python());
        cmd.arg(workspace_root().join("mocks/seed.py"))
            .args(["--endpoint", &self.endpoint()])
            .args(args)
            .current_dir(&self.dir)
            .env("AWS_CONFIG_FILE", self.dir.join("no-such-aws-file"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.join("no-such-aws-file"),
            )
            .env_remove("AWS_PROFILE");
        let run = run_with_timeout(&mut cmd, SEED_TIMEOUT, "mocks/seed.py");
        assert_eq!(
            run.code,
            Some(0),
            "seeding {account} failed\n--- stderr\n{}\n--- server log (tail)\n{}",
            run.stderr,
            self.log_tail(40)
        );
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("seed.py printed no JSON ({e}):\n{}", run.stdout))
    }

    /// `eksposture audit <args> --endpoint-url <this server>`.
    pub fn run_audit(&self, args: &[&str]) -> Run {
        self.run("audit", args)
    }

    /// `eksposture <subcommand> <args> --endpoint-url <this server>`.
    pub fn run(&self, subcommand: &str, args: &[&str]) -> Run {
        let endpoint = self.endpoint();
        let mut all = vec![subcommand];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--endpoint-url", &endpoint]);
        run_eksposture(&all)
    }

    /// Makes the wire-shape layer (`mocks/wire_layer.py`) forget the scenario
    /// the seed gave it, so that what moto lacks is moto's own 404 again: a
    /// scan with the gaps a bare moto leaves.
    pub fn forget_wire_shapes(&self) {
        self.moto_api("POST", "/__shapes/reset");
    }

    /// Posts to moto's control API (`/moto-api/...`).
    fn moto_api(&self, method: &str, path: &str) -> String {
        match http(self.port, method, path) {
            Ok((200, body)) => body,
            Ok((status, body)) => panic!("{method} {path}: HTTP {status}\n{body}"),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn log_len(&self) -> u64 {
        std::fs::metadata(self.dir.join("moto.log")).map_or(0, |m| m.len())
    }

    /// Empties the recording and starts recording every request.
    pub fn start_recording(&self) {
        self.moto_api("POST", "/moto-api/recorder/reset-recording");
        self.log_mark.store(self.log_len(), Ordering::SeqCst);
        self.moto_api("POST", "/moto-api/recorder/start-recording");
    }

    /// Stops recording and returns the AWS calls sent since
    /// [`MotoServer::start_recording`], without moto's own control calls:
    /// first those the recorder saw, in order, then those it cannot see.
    ///
    /// moto's recorder only sees requests that reach a service backend; a
    /// request to a REST route moto does not implement (EKS access entries,
    /// Inspector2 coverage, ...) is answered 404 before that. Those are
    /// taken from the server's access log, where REST requests show their
    /// method and path. (What the wire layer, `mocks/wire_layer.py`, answers
    /// itself it writes to the recorder, as moto would.)
    pub fn stop_recording(&self) -> Vec<Call> {
        self.moto_api("POST", "/moto-api/recorder/stop-recording");
        let recording = self.moto_api("GET", "/moto-api/recorder/download-recording");
        let mut calls: Vec<Call> = recording
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| {
                let entry: Value = serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("bad recorder line ({e}): {l}"));
                Call::from_recording(&entry)
            })
            .collect();
        let log = std::fs::read(self.dir.join("moto.log")).unwrap_or_default();
        let mark = usize::try_from(self.log_mark.load(Ordering::SeqCst)).unwrap_or(0);
        let new = String::from_utf8_lossy(log.get(mark..).unwrap_or_default());
        calls.extend(new.lines().filter_map(Call::from_unrouted_log_line));
        calls
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A minimal HTTP/1.0 exchange (moto's control API needs nothing more).
fn http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head}")))?;
    Ok((status, body.to_string()))
}

/// One AWS request as moto's recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    /// The SigV4 signing name: `eks`, `ec2`, `iam`, `ecr`, `inspector2`, `sts`.
    pub service: String,
    /// The API operation, e.g. `DescribeInstances`. For REST operations this
    /// harness does not know, `<METHOD> <path>`.
    pub operation: String,
    pub method: String,
    pub path: String,
}

impl Call {
    fn from_recording(entry: &Value) -> Option<Call> {
        let url = entry["url"].as_str().unwrap_or_default();
        let path = url_path(url);
        if path.starts_with("/moto-api/") {
            return None;
        }
        let method = entry["method"].as_str().unwrap_or_default().to_string();
        let header = |name: &str| {
            entry["headers"].as_object().and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str())
            })
        };
        let service = header("Authorization")
            .and_then(signing_service)
            .unwrap_or("unsigned")
            .to_string();
        let body = match (entry["body"].as_str(), entry["body_encoded"].as_bool()) {
            (Some(b), Some(true)) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            (Some(b), _) => b.to_string(),
            (None, _) => String::new(),
        };
        let operation = header("X-Amz-Target")
            .and_then(|t| t.rsplit('.').next())
            .map(str::to_string)
            .or_else(|| form_action(&body))
            .or_else(|| form_action(url.split_once('?').map_or("", |(_, q)| q)))
            .or_else(|| rpc_v2_operation(&path))
            .unwrap_or_else(|| rest_operation(&service, &method, &path));
        Some(Call {
            service,
            operation,
            method,
            path,
        })
    }

    /// A werkzeug access-log line for a request moto routed nowhere (404 or
    /// 405), e.g. `127.0.0.1 - - [..] "GET /clusters/c/addons HTTP/1.1" 404 -`.
    fn from_unrouted_log_line(line: &str) -> Option<Call> {
        let line = strip_ansi(line);
        let (_, rest) = line.split_once('"')?;
        let (request, status) = rest.rsplit_once('"')?;
        let status = status.split_whitespace().next()?;
        if status != "404" && status != "405" {
            return None;
        }
        let mut parts = request.split_whitespace();
        let method = parts.next()?.to_string();
        let path = url_path(parts.next()?);
        if path == "/" || path.starts_with("/moto-api/") {
            return None;
        }
        let service = rest_service(&path).to_string();
        Some(Call {
            operation: rest_operation(&service, &method, &path),
            service,
            method,
            path,
        })
    }

    /// Whether the call only reads: its operation is a `List*`, `Describe*`,
    /// `Get*` or `BatchGet*`, or it is an HTTP GET to a REST API (whose
    /// mutations are all POST, PUT or DELETE).
    pub fn is_read(&self) -> bool {
        ["List", "Describe", "Get", "BatchGet"]
            .iter()
            .any(|p| self.operation.starts_with(p))
            || (self.method == "GET" && self.operation.starts_with("GET "))
    }
}

fn url_path(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .find('/')
        .map_or("/", |i| &without_scheme[i..]);
    path.split('?').next().unwrap_or("/").to_string()
}

/// Removes terminal colour sequences (`ESC [ ... m`), which werkzeug puts
/// around 4xx/5xx lines.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The REST service a path belongs to, for requests known only from the
/// access log: the collectors' service whose REST table has an operation
/// under the path's first segment.
fn rest_service(path: &str) -> &'static str {
    let first = path
        .trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    eksposture_collect::SERVICES
        .iter()
        .find(|s| {
            s.rest
                .iter()
                .any(|r| r.uri.trim_start_matches('/').split('/').next() == Some(first))
        })
        .map_or("unknown", |s| s.name)
}

/// `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`
fn signing_service(authorization: &str) -> Option<&str> {
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    scope.split('/').nth(3)
}

/// `Action=<Operation>` of a query-protocol (EC2, IAM, STS) form body.
fn form_action(form: &str) -> Option<String> {
    form.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
}

/// Smithy RPC v2 (CBOR): `/service/<Service>/operation/<Operation>`.
fn rpc_v2_operation(path: &str) -> Option<String> {
    let (_, op) = path.split_once("/operation/")?;
    Some(op.to_string())
}

/// REST-JSON services (EKS, Inspector2): the operation from method and
/// path, by the collectors' own REST table (`eksposture_collect::SERVICES`).
/// Anything else is named `<METHOD> <path>` so that it fails
/// [`Call::is_read`] and is shown.
fn rest_operation(service: &str, method: &str, path: &str) -> String {
    eksposture_collect::rest_operation(service, method, path)
        .map_or_else(|| format!("{method} {path}"), str::to_string)
}

/// A seeded moto server shared by the tests of one test binary, with the
/// JSON audit of it computed once.
pub struct Scenario {
    pub server: MotoServer,
    /// What `mocks/seed.py` printed.
    pub seed: Value,
    audit: OnceLock<Run>,
}

impl Scenario {
    pub fn start(account: &str) -> Scenario {
        let server = MotoServer::start();
        let seed = server.seed(account);
        Scenario {
            server,
            seed,
            audit: OnceLock::new(),
        }
    }

    /// The seed summary of one cluster (`risky`, `hardened`).
    pub fn cluster(&self, name: &str) -> &Value {
        let c = &self.seed["clusters"][name];
        assert!(
            c.is_object(),
            "seed summary has no cluster {name}: {}",
            self.seed
        );
        c
    }

    /// `audit --output json --max-attempts 1` of the whole account, run once.
    /// One attempt per call: moto answers unimplemented operations with 500,
    /// which the SDK would otherwise retry with backoff.
    pub fn audit(&self) -> &Run {
        self.audit.get_or_init(|| {
            self.server
                .run_audit(&["--output", "json", "--max-attempts", "1"])
        })
    }

    /// The report of [`Scenario::audit`].
    pub fn report(&self) -> Value {
        self.audit().json()
    }
}

/// Findings of a report with the given check id.
pub fn findings<'a>(report: &'a Value, check_id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|fs| fs.iter().filter(|f| f["check_id"] == check_id).collect())
        .unwrap_or_default()
}

/// The status of the one finding of `check` on resource `id`; panics,
/// showing the findings, when there is not exactly one.
#[track_caller]
pub fn status_on(report: &Value, check: &str, id: &str) -> String {
    let on: Vec<&Value> = findings(report, check)
        .into_iter()
        .filter(|f| f["resource"]["id"] == id)
        .collect();
    assert_eq!(
        on.len(),
        1,
        "expected one {check} finding on {id}:\n{}",
        summarize(report)
    );
    on[0]["status"].as_str().unwrap_or_default().to_string()
}

/// The string at a JSON pointer (`/clusters/risky/cluster/arn`); panics
/// naming the pointer when it is absent.
#[track_caller]
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
}

/// Gaps as (service, region, operation, reason), without their messages
/// (which quote whatever the endpoint answered).
pub fn gap_keys(report: &Value) -> Vec<(String, String, String, String)> {
    report["gaps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let s = |k: &str| g[k].as_str().unwrap_or_default().to_string();
            (s("service"), s("region"), s("operation"), s("reason"))
        })
        .collect()
}

/// One line per finding (`status check resource`), for assertion messages.
pub fn summarize(report: &Value) -> String {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "  {} {} {}",
                f["status"].as_str().unwrap_or("?"),
                f["check_id"].as_str().unwrap_or("?"),
                f["resource"]["id"].as_str().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The core checks implemented so far (DESIGN.md "Core check ids").
pub const CORE_CHECKS: [&str; 11] = [
    "eks-endpoint-not-open-to-world",
    "eks-endpoint-private",
    "eks-secrets-encrypted",
    "ec2-node-imdsv2-required",
    "ec2-node-imds-hop-limit",
    "ec2-node-sg-no-world-ingress",
    "iam-node-role-least-privilege",
    "iam-irsa-trust-scoped",
    "path-pod-to-node-role",
    "ecr-scan-on-push-enabled",
    "ecr-images-scanned",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(
        method: &str,
        url: &str,
        auth_service: &str,
        target: Option<&str>,
        body: &str,
    ) -> Value {
        let mut headers = serde_json::json!({
            "Authorization": format!(
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{auth_service}/aws4_request, SignedHeaders=host, Signature=abc"
            )
        });
        if let Some(t) = target {
            headers["X-Amz-Target"] = Value::from(t);
        }
        serde_json::json!({
            "headers": headers,
            "method": method,
            "url": url,
            "body": base64::engine::general_purpose::STANDARD.encode(body),
            "body_encoded": true,
        })
    }

    #[test]
    fn query_protocol_operation_comes_from_the_action_field() {
        let e = recorded(
            "POST",
            "http://127.0.0.1:5000/",
            "ec2",
            None,
            "Action=DescribeInstances&Version=2016-11-15",
        );
        let c = Call::from_recording(&e).unwrap();
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("ec2", "DescribeInstances")
        );
        assert!(c.is_read());
    }

    #[test]
    fn json_protocol_operation_comes_from_the_target_header() {
        let e = recorded(
            "POST",
            "http://127.0.0.1:5000/",
            "ecr",
            Some("AmazonEC2ContainerRegistry_V20150921.PutImage"),
            "{}",
        );
        let c = Call::from_recording(&e).unwrap();
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("ecr", "PutImage")
        );
        assert!(!c.is_read());
    }

    #[test]
    fn rest_operations_are_named_from_method_and_path() {
        let e = recorded(
            "GET",
            "http://127.0.0.1:5000/clusters/risky/node-groups/ng?x=1",
            "eks",
            None,
            "",
        );
        assert_eq!(
            Call::from_recording(&e).unwrap().operation,
            "DescribeNodegroup"
        );
        let e = recorded(
            "POST",
            "http://127.0.0.1:5000/status/batch/get",
            "inspector2",
            None,
            "{}",
        );
        assert_eq!(
            Call::from_recording(&e).unwrap().operation,
            "BatchGetAccountStatus"
        );
    }

    #[test]
    fn unknown_rest_writes_are_not_reads() {
        let e = recorded(
            "POST",
            "http://127.0.0.1:5000/clusters/risky/node-groups",
            "eks",
            None,
            "{}",
        );
        let c = Call::from_recording(&e).unwrap();
        assert_eq!(c.operation, "POST /clusters/risky/node-groups");
        assert!(!c.is_read());
    }

    #[test]
    fn unrouted_requests_are_read_from_the_access_log() {
        let line = "127.0.0.1 - - [23/Nov/2026 09:05:50] \"\u{1b}[33mGET /clusters/risky/addons HTTP/1.1\u{1b}[0m\" 404 -";
        let c = Call::from_unrouted_log_line(line).unwrap();
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("eks", "ListAddons")
        );
        let line = "127.0.0.1 - - [23/Nov/2026 09:05:50] \"POST /clusters/risky/access-entries HTTP/1.1\" 404 -";
        assert!(!Call::from_unrouted_log_line(line).unwrap().is_read());
        let served = "127.0.0.1 - - [23/Nov/2026 09:05:50] \"GET /clusters/risky HTTP/1.1\" 200 -";
        assert!(Call::from_unrouted_log_line(served).is_none());
        let root = "127.0.0.1 - - [23/Nov/2026 09:05:50] \"POST / HTTP/1.1\" 404 -";
        assert!(Call::from_unrouted_log_line(root).is_none());
    }

    #[test]
    fn unknown_rest_gets_are_reads() {
        let e = recorded(
            "GET",
            "http://127.0.0.1:5000/cluster-versions",
            "eks",
            None,
            "",
        );
        assert!(Call::from_recording(&e).unwrap().is_read());
    }

    #[test]
    fn moto_control_calls_are_not_aws_calls() {
        let e = recorded(
            "POST",
            "http://127.0.0.1:5000/moto-api/seed?a=42",
            "x",
            None,
            "",
        );
        assert!(Call::from_recording(&e).is_none());
    }
}
