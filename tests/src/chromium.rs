//! Headless Chromium for the HTML report tests: load a local file, take the
//! DOM after its scripts ran, what the page printed to the console (script
//! errors and CSP violations land there), and the network requests the page
//! made (from Chromium's net log).
//!
//! Needs Debian's `chromium` (`/usr/bin/chromium`, or `EKSPOSTURE_CHROMIUM`):
//! `scripts/test.sh` and `.ci/run` install it when it is missing and they
//! can (root with apt-get). Without it these tests fail; they never skip.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{drain, scratch_dir};

/// Upper bound on one browser run; a page of this size renders in about a
/// second, so this only stops a hung browser from hanging the suite.
const TIMEOUT: Duration = Duration::from_secs(90);

/// Chromium's own background traffic (update checks, sign-in probes) has no
/// document behind it; its net log entries say so with this initiator.
const BROWSER_INITIATOR: &str = "not an origin";

/// The Chromium binary: `EKSPOSTURE_CHROMIUM`, else `/usr/bin/chromium`.
/// Panics with how to install it when it is missing.
pub fn binary() -> PathBuf {
    let bin = std::env::var_os("EKSPOSTURE_CHROMIUM")
        .filter(|b| !b.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        bin.is_file(),
        "Chromium not found at {}: install it with `apt-get install --no-install-recommends chromium` \
         (scripts/test.sh does so when run as root), or set EKSPOSTURE_CHROMIUM",
        bin.display()
    );
    bin
}

/// What Chromium made of a page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The serialised DOM after the load event (`--dump-dom`).
    pub dom: String,
    /// Console messages: uncaught errors, CSP violations, `console.*` calls.
    pub console: Vec<String>,
    /// URLs the page itself requested from the network (not file:// loads,
    /// not the browser's own background requests).
    pub requests: Vec<String>,
}

impl Page {
    /// The value of attribute `name` on the first `<tag ...>` of the DOM.
    pub fn attribute(&self, tag: &str, name: &str) -> Option<String> {
        self.start_tags(&format!("<{tag}"))
            .next()
            .and_then(|open| attribute_in(open, name))
    }

    /// The values of attribute `name` on every start tag that begins with
    /// `prefix` (`<details class="f"`), in document order; tags without
    /// the attribute are left out.
    pub fn attributes(&self, prefix: &str, name: &str) -> Vec<String> {
        self.start_tags(prefix)
            .filter_map(|open| attribute_in(open, name))
            .collect()
    }

    /// Start tags beginning with `prefix`. The serialiser quotes every
    /// attribute value with `"` and escapes `"` inside it, so the first `>`
    /// outside quotes ends the tag.
    fn start_tags<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.dom
            .match_indices(prefix)
            .filter_map(move |(start, _)| {
                let mut quoted = false;
                let len = self.dom[start..].char_indices().find_map(|(i, c)| {
                    match c {
                        '"' => quoted = !quoted,
                        '>' if !quoted => return Some(i),
                        _ => {}
                    }
                    None
                })?;
                Some(&self.dom[start..start + len])
            })
    }

    /// The text content of the element with `id` (tags stripped,
    /// entities decoded), or `None` when there is no such element.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let at = self.dom.find(&format!(" id=\"{id}\""))?;
        let open = self.dom[..at].rfind('<')?;
        let tag: String = self.dom[open + 1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let body_start = at + self.dom[at..].find('>')? + 1;
        let body_len = self.dom[body_start..].find(&format!("</{tag}>"))?;
        Some(strip_tags(&self.dom[body_start..body_start + body_len]))
    }

    /// Panics unless the page loaded cleanly: nothing on the console and no
    /// network request.
    #[track_caller]
    pub fn assert_clean(&self) {
        assert!(
            self.console.is_empty(),
            "the page logged to the console (script error or CSP violation):\n{}",
            self.console.join("\n")
        );
        assert!(
            self.requests.is_empty(),
            "the page made network requests:\n{}",
            self.requests.join("\n")
        );
    }
}

/// Loads `file` in headless Chromium and returns its DOM, console output and
/// network requests.
pub fn render(file: &Path) -> Page {
    render_at(file, "")
}

/// [`render`] with a URL fragment (`f-3` loads `file#f-3`).
pub fn render_at(file: &Path, fragment: &str) -> Page {
    let dir = scratch_dir("chromium");
    let net_log = dir.join("net-log.json");
    let out = run(
        &dir,
        &[
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            format!("--log-net-log={}", net_log.display()),
            "--net-log-capture-mode=Default".into(),
            "--dump-dom".into(),
            if fragment.is_empty() {
                file_url(file)
            } else {
                format!("{}#{fragment}", file_url(file))
            },
        ],
    );
    let console = console_messages(&out.stderr);
    let requests = page_requests(&net_log);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.stdout.contains("</html>"),
        "Chromium printed no DOM for {}\n--- stderr\n{}",
        file.display(),
        out.stderr
    );
    Page {
        dom: out.stdout,
        console,
        requests,
    }
}

/// Saves a `width` x `height` screenshot of `file` as the PNG `png`.
pub fn screenshot(file: &Path, png: &Path, width: u32, height: u32) {
    let dir = scratch_dir("chromium-shot");
    let out = run(
        &dir,
        &[
            "--hide-scrollbars".into(),
            format!("--window-size={width},{height}"),
            format!("--screenshot={}", png.display()),
            file_url(file),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        png.is_file(),
        "Chromium wrote no screenshot to {}\n--- stderr\n{}",
        png.display(),
        out.stderr
    );
}

struct Output {
    stdout: String,
    stderr: String,
}

/// Runs Chromium headless with a fresh profile in `dir` and the flags that
/// keep it off the network by itself (no update checks, no sync, no QUIC
/// probes). Killed, with every process it started, after [`TIMEOUT`].
fn run(dir: &Path, args: &[String]) -> Output {
    let profile = dir.join("profile");
    let mut cmd = Command::new(binary());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--mute-audio",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    // Its own process group, so a timeout kills the renderer and GPU
    // processes too.
    .process_group(0);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Chromium ({cmd:?}): {e}"));
    let group = child.id();
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let timed_out = loop {
        if child.try_wait().expect("wait for Chromium").is_some() {
            break false;
        }
        if started.elapsed() > TIMEOUT {
            break true;
        }
        thread::sleep(Duration::from_millis(20));
    };
    // Also reaps helpers that outlive the browser process.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
    let out = Output {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    assert!(
        !timed_out,
        "Chromium did not finish within {TIMEOUT:?}; killed\n--- stderr\n{}",
        out.stderr
    );
    out
}

fn file_url(file: &Path) -> String {
    let abs = file
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    format!("file://{}", abs.display())
}

/// Console messages in Chromium's stderr log:
/// `[pid:tid:time:INFO:CONSOLE:3] "message", source: file:///... (3)`.
fn console_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let at = l.find(":CONSOLE")?;
            let msg = &l[at..];
            Some(msg.find("] ").map_or(msg, |i| &msg[i + 2..]).to_string())
        })
        .collect()
}

/// URLs of the requests a document started, from the net log. Panics when
/// the log is missing or not in the expected shape, so the check cannot pass
/// by reading nothing.
fn page_requests(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log)
        .unwrap_or_else(|e| panic!("Chromium wrote no net log at {}: {e}", net_log.display()));
    let log: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the net log {} is not JSON: {e}", net_log.display()));
    let start_job = log
        .pointer("/constants/logEventTypes/URL_REQUEST_START_JOB")
        .and_then(Value::as_u64)
        .expect("net log names the URL_REQUEST_START_JOB event type");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .expect("net log has events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some(BROWSER_INITIATOR))
        .filter_map(|e| e["params"]["url"].as_str())
        .map(str::to_string)
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

fn attribute_in(open: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = open.find(&key)? + key.len();
    let len = open[at..].find('"')?;
    Some(unescape(&open[at..at + len]))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// Decodes the entities the DOM serialiser writes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
