//! A real kube-apiserver for tests, started as `EKSPOSTURE_KUBE_ASSETS`'s
//! `start.sh` starts it (see that folder's README): one per test binary.
//! start.sh detaches etcd and the API server, and a static is never
//! dropped, so a watchdog started with them runs `stop.sh` (which kills
//! exactly the recorded process ids, never by name) as soon as the test
//! process is gone, however it ended.
//!
//! When no server can be started (no assets, or start.sh exits 2 because
//! etcd is missing) the test is skipped loudly, and under `CI=true` it fails
//! instead: CI must never count a skipped test as passed.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub struct KubeServer {
    pub env: BTreeMap<String, String>,
}

impl KubeServer {
    pub fn url(&self) -> &str {
        &self.env["KUBE_APISERVER_URL"]
    }

    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(&self.env["KUBE_CA_FILE"]).expect("CA file")
    }

    pub fn admin_token(&self) -> &str {
        &self.env["KUBE_ADMIN_TOKEN"]
    }

    pub fn reader_token(&self) -> &str {
        &self.env["KUBE_READER_TOKEN"]
    }

    pub fn audit_log(&self) -> String {
        std::fs::read_to_string(&self.env["KUBE_AUDIT_LOG"]).unwrap_or_default()
    }
}

fn skip(why: &str) -> Option<&'static KubeServer> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no kube-apiserver under CI=true: {why}"
    );
    eprintln!("SKIPPED (no kube assets): {why}: set EKSPOSTURE_KUBE_ASSETS or install etcd-server");
    None
}

fn start() -> Result<KubeServer, String> {
    let Some(assets) = std::env::var_os("EKSPOSTURE_KUBE_ASSETS").map(PathBuf::from) else {
        return Err("EKSPOSTURE_KUBE_ASSETS is not set".into());
    };
    let start = assets.join("start.sh");
    if !start.is_file() {
        return Err(format!("{} does not exist", start.display()));
    }
    // start.sh picks random ports that can collide with the machine's
    // outgoing-connection range ("address already in use"): a failed start
    // is cleaned up and tried again on new ports.
    let mut failures = Vec::new();
    let state = loop {
        let state = std::env::temp_dir().join(format!(
            "eksposture-kube-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let out = Command::new(&start)
            .arg(&state)
            .output()
            .map_err(|e| format!("{}: {e}", start.display()))?;
        if out.status.success() {
            break state;
        }
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.code() == Some(2) {
            return Err(format!("start.sh cannot run here: {stderr}"));
        }
        if state.exists() {
            let _ = Command::new(assets.join("stop.sh")).arg(&state).output();
        }
        failures.push(format!("start.sh failed ({}):\n{stderr}", out.status));
        assert!(failures.len() < 3, "{}", failures.join("\n"));
    };
    let watchdog = format!(
        "while kill -0 {} 2>/dev/null; do sleep 0.5; done; exec \"$0\" \"$1\"",
        std::process::id()
    );
    Command::new("bash")
        .args(["-c", &watchdog])
        .arg(assets.join("stop.sh"))
        .arg(&state)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the watchdog: {e}"))?;
    Ok(KubeServer {
        env: read_env(&state.join("env")),
    })
}

/// `export NAME='value'` lines.
fn read_env(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("state env");
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// The test binary's server, or `None` (skipped) where none can start.
pub fn server() -> Option<&'static KubeServer> {
    static SERVER: OnceLock<Result<KubeServer, String>> = OnceLock::new();
    match SERVER.get_or_init(start) {
        Ok(s) => Some(s),
        Err(why) => skip(why),
    }
}
