//! The same binary as an AWS Lambda function (`provided.al2023`, the
//! `bootstrap` of the deployment package). The function is configured by
//! `EKSPOSTURE_*` environment variables; an invocation's event may override
//! each of them. An audit runs the `audit` command's own pipeline, writes the
//! JSON report to S3 when a bucket is configured, and answers with a summary.
//!
//! Events:
//! - `{"action": "list-accounts"}`: the accounts to scan (the configured ones,
//!   else the organization's active accounts), for the Step Functions Map.
//! - `{"accounts": ["111122223333"], "regions": [...], ...}` or an EventBridge
//!   scheduled event (`"detail-type": "Scheduled Event"`): an audit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use eksposture_collect::Options;
use eksposture_report::{AccountStatus, Report};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::args::{Cli, Command};
use crate::exit::Failure;

/// The overrides an event may carry; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub action: Option<String>,
    pub accounts: Option<Vec<String>>,
    pub organization: Option<bool>,
    pub regions: Option<Vec<String>>,
    pub all_regions: Option<bool>,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    pub security_hub: Option<bool>,
    pub s3_bucket: Option<String>,
    pub s3_prefix: Option<String>,
    pub max_parallel_accounts: Option<u16>,
    pub checks: Option<Vec<String>>,
    pub fail_on: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Audit,
    ListAccounts,
}

/// One invocation's settings: the event over the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: Action,
    pub accounts: Vec<String>,
    pub organization: bool,
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    pub security_hub: bool,
    pub s3_bucket: Option<String>,
    pub s3_prefix: String,
    pub max_parallel_accounts: Option<u16>,
    /// Attempts per API call (`EKSPOSTURE_MAX_ATTEMPTS`).
    pub max_attempts: Option<String>,
    pub checks: Option<Vec<String>>,
    pub fail_on: Option<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn flag(name: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Ok(false),
        "true" | "1" | "yes" => Ok(true),
        other => bail!("{name}={other:?}: use true or false"),
    }
}

impl Request {
    /// Reads the event (a scheduled event's `detail`, or the event itself)
    /// over the `EKSPOSTURE_*` variables `env` returns.
    pub fn new(payload: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Request> {
        let overrides =
            if payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event") {
                match payload.get("detail") {
                    Some(Value::Object(d)) if !d.is_empty() => Value::Object(d.clone()),
                    _ => json!({}),
                }
            } else if payload.is_null() {
                json!({})
            } else {
                payload.clone()
            };
        let event: Event = serde_json::from_value(overrides)
            .map_err(|e| anyhow!("the event is not an eksposture request: {e}"))?;
        let var = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let action = match event.action.as_deref().map(str::trim) {
            None | Some("" | "audit") => Action::Audit,
            Some("list-accounts") => Action::ListAccounts,
            Some(other) => bail!("unknown action {other:?}: use \"audit\" or \"list-accounts\""),
        };
        let accounts = event.accounts.unwrap_or_else(|| {
            var("EKSPOSTURE_ACCOUNTS")
                .map(|v| list(&v))
                .unwrap_or_default()
        });
        let role_name = event.role_name.or_else(|| var("EKSPOSTURE_ROLE_NAME"));
        // With a member role and no account list, the organization is meant.
        let organization = event
            .organization
            .unwrap_or(role_name.is_some() && accounts.is_empty());
        let (regions, all_regions) = match (event.regions, event.all_regions) {
            (_, Some(true)) => (Vec::new(), true),
            (Some(r), _) => (r, false),
            (None, _) => match var("EKSPOSTURE_REGIONS") {
                Some(v) if v.eq_ignore_ascii_case("all") => (Vec::new(), true),
                Some(v) => (list(&v), false),
                None => (Vec::new(), false),
            },
        };
        let security_hub = match event.security_hub {
            Some(b) => b,
            None => flag(
                "EKSPOSTURE_SECURITY_HUB",
                &var("EKSPOSTURE_SECURITY_HUB").unwrap_or_default(),
            )?,
        };
        let max_parallel_accounts = match event.max_parallel_accounts {
            Some(n) => Some(n),
            None => var("EKSPOSTURE_MAX_PARALLEL_ACCOUNTS")
                .map(|v| {
                    v.parse::<u16>().map_err(|_| {
                        anyhow!("EKSPOSTURE_MAX_PARALLEL_ACCOUNTS={v:?}: use a number from 1 to 64")
                    })
                })
                .transpose()?,
        };
        let mut s3_prefix = event
            .s3_prefix
            .or_else(|| var("EKSPOSTURE_S3_PREFIX"))
            .unwrap_or_else(|| "eksposture/".to_string());
        if !s3_prefix.is_empty() && !s3_prefix.ends_with('/') {
            s3_prefix.push('/');
        }
        Ok(Request {
            action,
            accounts,
            organization,
            regions,
            all_regions,
            role_name,
            external_id: event.external_id.or_else(|| var("EKSPOSTURE_EXTERNAL_ID")),
            security_hub,
            s3_bucket: event.s3_bucket.or_else(|| var("EKSPOSTURE_S3_BUCKET")),
            s3_prefix,
            max_parallel_accounts,
            max_attempts: var("EKSPOSTURE_MAX_ATTEMPTS"),
            checks: event.checks,
            fail_on: event.fail_on,
        })
    }

    /// The `eksposture audit` command line this request stands for, writing
    /// the JSON report to `report`.
    pub fn audit_argv(&self, report: &Path) -> Vec<String> {
        let mut argv: Vec<String> = [
            "eksposture",
            "audit",
            "--output",
            "json",
            "--no-suppressions",
        ]
        .map(str::to_string)
        .to_vec();
        argv.push("--output-file".into());
        argv.push(report.display().to_string());
        let mut opt = |name: &str, value: String| {
            argv.push(name.to_string());
            argv.push(value);
        };
        if !self.regions.is_empty() {
            opt("--region", self.regions.join(","));
        }
        // Without a role, `--organization` / `--accounts` fail the command
        // line's own check (they need --role-name) and the error says so.
        if self.organization {
            argv.push("--organization".into());
        } else if !self.accounts.is_empty() {
            opt("--accounts", self.accounts.join(","));
        }
        if let Some(role) = &self.role_name {
            if self.organization || !self.accounts.is_empty() {
                argv.push("--role-name".into());
                argv.push(role.clone());
                if let Some(id) = &self.external_id {
                    argv.push("--external-id".into());
                    argv.push(id.clone());
                }
                if let Some(n) = self.max_parallel_accounts {
                    argv.push("--max-parallel-accounts".into());
                    argv.push(n.to_string());
                }
            }
        }
        if self.all_regions {
            argv.push("--all-regions".into());
        }
        if let Some(n) = &self.max_attempts {
            argv.push("--max-attempts".into());
            argv.push(n.clone());
        }
        if let Some(checks) = &self.checks {
            argv.push("--checks".into());
            argv.push(checks.join(","));
        }
        if let Some(f) = &self.fail_on {
            argv.push("--fail-on".into());
            argv.push(f.clone());
        }
        if self.security_hub {
            argv.push("--security-hub".into());
        }
        argv
    }
}

/// Runs the Lambda runtime loop until the runtime API goes away.
pub fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<Value>| async move {
            let (payload, context) = event.into_parts();
            // The audit pipeline builds runtimes of its own: it runs on a
            // plain thread, never inside this one.
            let request_id = context.request_id.clone();
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let _ = tx.send(handle(&payload, &request_id, &|name| {
                    std::env::var(name).ok()
                }));
            });
            match rx.await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(lambda_runtime::Error::from(format!("{e:#}"))),
                Err(_) => Err(lambda_runtime::Error::from(
                    "the audit stopped unexpectedly",
                )),
            }
        },
    )));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// One invocation.
pub fn handle(
    payload: &Value,
    request_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value> {
    let request = Request::new(payload, env)?;
    match request.action {
        Action::ListAccounts => list_accounts(&request),
        Action::Audit => audit(&request, request_id, env),
    }
}

fn list_accounts(request: &Request) -> Result<Value> {
    if !request.accounts.is_empty() {
        return Ok(json!({"accounts": request.accounts}));
    }
    let opts = Options {
        regions: request.regions.clone(),
        all_regions: request.all_regions,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listed = runtime.block_on(eksposture_collect::organization_accounts(&opts));
    runtime.shutdown_background();
    let accounts: Vec<String> = listed
        .map_err(|e| anyhow!("{e}"))?
        .into_iter()
        .filter(eksposture_collect::OrgAccount::is_active)
        .map(|a| a.id)
        .collect();
    Ok(json!({"accounts": accounts}))
}

fn audit(
    request: &Request,
    request_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value> {
    let dir = env("TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let path = dir.join(format!("eksposture-{}.json", sanitize(request_id)));
    let argv = request.audit_argv(&path);
    let args = match Cli::try_parse_from(&argv) {
        Ok(Cli {
            command: Command::Audit(a),
        }) => a,
        Ok(_) => bail!("internal error: not an audit command line"),
        Err(e) => bail!(
            "invalid request: {}",
            e.to_string().lines().next().unwrap_or_default()
        ),
    };
    let outcome = crate::audit::audit(&args);
    let text = std::fs::read_to_string(&path).ok();
    let _ = std::fs::remove_file(&path);
    let (exit_code, error) = match outcome {
        Ok(o) => (o as u8, None),
        Err(Failure { code, error }) => {
            if text.is_none() {
                return Err(error.context(format!("audit failed (exit code {})", code as u8)));
            }
            (code as u8, Some(format!("{error:#}")))
        }
    };
    let Some(text) = text else {
        bail!("the audit wrote no report");
    };
    let report = eksposture_report::parse_report("report", &text).map_err(|e| anyhow!("{e}"))?;
    let location = match &request.s3_bucket {
        Some(bucket) => {
            let key = format!("{}{}", request.s3_prefix, report_key(&report));
            let opts = Options {
                regions: request.regions.clone(),
                ..Options::default()
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let put = runtime.block_on(eksposture_collect::s3::put_report(
                &opts,
                bucket,
                &key,
                text.into_bytes(),
            ));
            runtime.shutdown_background();
            put.map_err(|e| anyhow!("{e}"))?;
            Some(format!("s3://{bucket}/{key}"))
        }
        None => None,
    };
    Ok(summary(
        &report,
        exit_code,
        error.as_deref(),
        location.as_deref(),
    ))
}

/// `<account>/<started_at>.json`, or `accounts-<caller>/...` for a report
/// of several accounts: one object per run, never overwritten.
fn report_key(report: &Report) -> String {
    let who = match report.accounts.as_slice() {
        [] => report.scan.account_id.clone(),
        [one] => one.account_id.clone(),
        _ => format!("accounts-{}", report.scan.account_id),
    };
    let when: String = report
        .scan
        .started_at
        .chars()
        .map(|c| if c == ':' { '-' } else { c })
        .collect();
    format!("{}/{}.json", sanitize(&who), sanitize(&when))
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What the invocation answers: counts per account and in total, the gaps,
/// where the report went, and the exit code `eksposture audit` would give.
pub fn summary(
    report: &Report,
    exit_code: u8,
    error: Option<&str>,
    location: Option<&str>,
) -> Value {
    let accounts: Vec<Value> = if report.accounts.is_empty() {
        vec![json!({
            "account_id": report.scan.account_id,
            "status": "scanned",
            "fail": report.summary.fail,
            "pass": report.summary.pass,
            "unknown": report.summary.unknown,
            "gaps": report.gaps.len(),
        })]
    } else {
        report
            .accounts
            .iter()
            .map(|a| {
                json!({
                    "account_id": a.account_id,
                    "status": match a.status {
                        AccountStatus::Scanned => "scanned",
                        AccountStatus::Failed => "failed",
                    },
                    "fail": a.summary.fail,
                    "pass": a.summary.pass,
                    "unknown": a.summary.unknown,
                    "gaps": a.gaps,
                })
            })
            .collect()
    };
    json!({
        "exit_code": exit_code,
        "error": error,
        "accounts": accounts,
        "regions": report.scan.regions,
        "summary": report.summary,
        "gaps": report.gaps.len(),
        "gap_list": report.gaps,
        "report": location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn scheduled() -> Value {
        json!({"version": "0", "id": "1", "detail-type": "Scheduled Event",
               "source": "aws.events", "account": "123456789012",
               "time": "2026-12-03T06:00:00Z", "region": "us-east-1",
               "resources": ["arn:aws:events:us-east-1:123456789012:rule/daily"], "detail": {}})
    }

    #[test]
    fn a_scheduled_event_is_an_organization_audit_from_the_environment() {
        let e = env(&[
            ("EKSPOSTURE_ROLE_NAME", "EksPostureAudit"),
            ("EKSPOSTURE_REGIONS", "us-east-1, eu-west-1"),
            ("EKSPOSTURE_SECURITY_HUB", "true"),
        ]);
        let r = Request::new(&scheduled(), &e).unwrap();
        assert_eq!(r.action, Action::Audit);
        assert!(r.organization && r.security_hub);
        assert_eq!(r.regions, ["us-east-1", "eu-west-1"]);
        let argv = r.audit_argv(Path::new("/tmp/r.json"));
        assert!(argv
            .windows(2)
            .any(|w| w == ["--role-name", "EksPostureAudit"]));
        assert!(argv.contains(&"--organization".to_string()));
        assert!(argv.contains(&"--security-hub".to_string()));
        assert!(Cli::try_parse_from(&argv).is_ok(), "{argv:?}");
    }

    #[test]
    fn event_fields_override_the_environment() {
        let e = env(&[("EKSPOSTURE_ROLE_NAME", "R"), ("EKSPOSTURE_REGIONS", "all")]);
        let r = Request::new(
            &json!({"accounts": ["111111111111"], "regions": ["ap-south-1"]}),
            &e,
        )
        .unwrap();
        assert!(!r.organization && !r.all_regions);
        assert_eq!(r.accounts, ["111111111111"]);
        let argv = r.audit_argv(Path::new("/tmp/r.json"));
        assert!(argv.windows(2).any(|w| w == ["--accounts", "111111111111"]));
        assert!(argv.windows(2).any(|w| w == ["--region", "ap-south-1"]));
        let all = Request::new(&json!({}), &e).unwrap();
        assert!(all.all_regions && all.organization);
    }

    #[test]
    fn without_a_role_the_function_scans_its_own_account() {
        let r = Request::new(&json!({}), &env(&[])).unwrap();
        assert!(!r.organization && r.accounts.is_empty());
        let argv = r.audit_argv(Path::new("/tmp/r.json"));
        assert!(!argv
            .iter()
            .any(|a| a == "--role-name" || a == "--organization"));
    }

    #[test]
    fn an_organization_without_a_role_is_refused() {
        let r = Request::new(&json!({"organization": true}), &env(&[])).unwrap();
        let argv = r.audit_argv(Path::new("/tmp/r.json"));
        let e = Cli::try_parse_from(&argv).unwrap_err().to_string();
        assert!(e.contains("--role-name"), "{e}");
    }

    #[test]
    fn bad_events_are_named() {
        let e = env(&[]);
        let err = Request::new(&json!({"acounts": []}), &e)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `acounts`"), "{err}");
        let err = Request::new(&json!({"action": "scan"}), &e)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown action"), "{err}");
        let err = Request::new(&json!({}), &env(&[("EKSPOSTURE_SECURITY_HUB", "maybe")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("EKSPOSTURE_SECURITY_HUB"), "{err}");
    }

    #[test]
    fn report_keys_name_the_account_and_the_time() {
        let text = r#"{"schema_version": "1", "tool": {"name": "eksposture", "version": "0"},
            "scan": {"account_id": "123456789012", "partition": "aws", "regions": ["us-east-1"],
                     "started_at": "2026-12-03T06:00:00Z", "finished_at": "2026-12-03T06:00:09Z"},
            "summary": {"fail": 0, "pass": 0, "unknown": 0,
                        "by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "informational": 0}},
            "gaps": [], "findings": []}"#;
        let report = eksposture_report::parse_report("r", text).unwrap();
        assert_eq!(
            report_key(&report),
            "123456789012/2026-12-03T06-00-00Z.json"
        );
    }
}
