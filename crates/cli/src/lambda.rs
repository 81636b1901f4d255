//! The same binary as an AWS Lambda function (`provided.al2023`, the
//! `bootstrap` of the deployment package). The function is configured by
//! `EKSPOSTURE_*` environment variables; an invocation's event may override
//! each of them. An audit is an [`eksposture_audit::Plan`] built from the
//! request, run in-process like the CLI's; the plan's report bucket sink
//! writes the JSON report to S3 when a bucket is configured, and the
//! function answers with a summary.
//!
//! Events:
//! - `{"action": "list-accounts"}`: the accounts to scan (the configured ones,
//!   else the organization's active accounts), for the Step Functions Map.
//! - `{"accounts": ["111122223333"], "regions": [...], ...}` or an EventBridge
//!   scheduled event (`"detail-type": "Scheduled Event"`): an audit.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use eksposture_audit::{Accounts, Failure, Plan, ReportBucket, Source};
use eksposture_aws::Options;
use eksposture_model::Severity;
use eksposture_report::{AccountStatus, Report};
use serde::Deserialize;
use serde_json::{json, Value};

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
    /// Read the clusters' own Kubernetes API (default true); the function
    /// needs network access to the endpoints (a VPC for private ones).
    pub kubernetes: Option<bool>,
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
    /// `EKSPOSTURE_KUBERNETES` / the event's `kubernetes`.
    pub kubernetes: bool,
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
        let kubernetes = match event.kubernetes {
            Some(b) => b,
            None => match var("EKSPOSTURE_KUBERNETES") {
                Some(v) => flag("EKSPOSTURE_KUBERNETES", &v)?,
                None => true,
            },
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
            kubernetes,
        })
    }

    /// The AWS options of this request (regions, retries).
    fn aws(&self) -> Result<Options> {
        let mut aws = Options {
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            kubernetes: self.kubernetes,
            ..Options::default()
        };
        if let Some(n) = &self.max_attempts {
            aws.max_attempts =
                n.parse()
                    .ok()
                    .filter(|n| (1..=20).contains(n))
                    .ok_or_else(|| {
                        anyhow!("EKSPOSTURE_MAX_ATTEMPTS={n:?}: use a number from 1 to 20")
                    })?;
        }
        Ok(aws)
    }

    /// The audit this request stands for: the same options and checks as
    /// `eksposture audit` would take, no suppression file, the report for
    /// the bucket only.
    pub fn plan(&self) -> Result<Plan> {
        let aws = self.aws()?;
        let failure = |f: Failure| anyhow!("{:#}", f.error);
        let source = if self.organization || !self.accounts.is_empty() {
            let parallel = match self.max_parallel_accounts {
                None => 4,
                Some(n @ 1..=64) => usize::from(n),
                Some(n) => bail!("max_parallel_accounts {n}: use a number from 1 to 64"),
            };
            Source::Accounts(
                Accounts::new(
                    aws,
                    self.organization,
                    &self.accounts,
                    self.role_name.as_deref(),
                    self.external_id.clone(),
                    parallel,
                )
                .map_err(failure)?,
            )
        } else {
            Source::Account(aws)
        };
        let checks = eksposture_checks::select(self.checks.as_deref())?;
        let mut plan = Plan::new(source);
        // Without `fail_on` the plan keeps the CLI's default (low).
        if let Some(f) = self.fail_on.as_deref().map(str::trim) {
            plan.fail_on = if f.eq_ignore_ascii_case("never") {
                None
            } else {
                Some(Severity::parse(f).ok_or_else(|| {
                    anyhow!(
                        "fail_on {f:?}: use critical, high, medium, low, informational or never"
                    )
                })?)
            };
        }
        Ok(Plan {
            checks,
            security_hub: self.security_hub,
            report_bucket: self.s3_bucket.as_ref().map(|bucket| ReportBucket {
                bucket: bucket.clone(),
                prefix: self.s3_prefix.clone(),
                aws: Options {
                    regions: self.regions.clone(),
                    ..Options::default()
                },
            }),
            ..plan
        })
    }
}

/// Runs the Lambda runtime loop until the runtime API goes away.
pub fn main() -> ExitCode {
    let runtime = match eksposture_audit::runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(lambda_runtime::run(lambda_runtime::service_fn(
        |event: lambda_runtime::LambdaEvent<Value>| async move {
            // A task, so that the audit runs on a worker thread with the
            // stack it needs (`eksposture_audit::WORKER_STACK_BYTES`).
            let work = tokio::spawn(async move {
                Box::pin(handle(&event.payload, &|name| std::env::var(name).ok())).await
            });
            match work.await {
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
pub async fn handle(
    payload: &Value,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Value> {
    let request = Request::new(payload, env)?;
    match request.action {
        Action::ListAccounts => list_accounts(&request).await,
        Action::Audit => Box::pin(audit(&request)).await,
    }
}

async fn list_accounts(request: &Request) -> Result<Value> {
    if !request.accounts.is_empty() {
        return Ok(json!({"accounts": request.accounts}));
    }
    let listed = eksposture_collect::organization_accounts(&request.aws()?).await;
    let accounts: Vec<String> = listed
        .map_err(|e| anyhow!("{e}"))?
        .into_iter()
        .filter(eksposture_collect::OrgAccount::is_active)
        .map(|a| a.id)
        .collect();
    Ok(json!({"accounts": accounts}))
}

async fn audit(request: &Request) -> Result<Value> {
    let plan = request
        .plan()
        .map_err(|e| anyhow!("invalid request: {e:#}"))?;
    let audit = Box::pin(plan.run())
        .await
        .map_err(|Failure { code, error }| {
            error.context(format!("audit failed (exit code {})", code as u8))
        })?;
    let (exit_code, error) = match audit.outcome {
        Ok(o) => (o as u8, None),
        Err(Failure { code, error }) => (code as u8, Some(format!("{error:#}"))),
    };
    let location = audit.stored.transpose().map_err(|e| anyhow!("{e}"))?;
    Ok(summary(
        &audit.report,
        exit_code,
        error.as_deref(),
        location.as_deref(),
    ))
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
        let plan = r.plan().unwrap();
        let Source::Accounts(accounts) = &plan.source else {
            panic!("not a multi-account audit")
        };
        assert_eq!(accounts.role_name, "EksPostureAudit");
        assert!(accounts.organization);
        assert_eq!(accounts.aws.regions, ["us-east-1", "eu-west-1"]);
        assert!(plan.security_hub);
        assert!(plan.suppressions.is_none() && plan.targets.is_empty());
        assert_eq!(plan.fail_on, Some(Severity::Low));
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
        let Source::Accounts(accounts) = r.plan().unwrap().source else {
            panic!("not a multi-account audit")
        };
        assert_eq!(accounts.ids, ["111111111111"]);
        assert_eq!(accounts.aws.regions, ["ap-south-1"]);
        let all = Request::new(&json!({}), &e).unwrap();
        assert!(all.all_regions && all.organization);
    }

    #[test]
    fn without_a_role_the_function_scans_its_own_account() {
        let r = Request::new(&json!({}), &env(&[])).unwrap();
        assert!(!r.organization && r.accounts.is_empty());
        assert!(matches!(r.plan().unwrap().source, Source::Account(_)));
    }

    #[test]
    fn an_organization_without_a_role_is_refused() {
        let r = Request::new(&json!({"organization": true}), &env(&[])).unwrap();
        let e = r.plan().err().unwrap().to_string();
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
    fn bad_settings_are_named_before_the_audit() {
        let e = env(&[("EKSPOSTURE_MAX_ATTEMPTS", "0")]);
        let err = Request::new(&json!({}), &e).unwrap().plan().err().unwrap();
        assert!(err.to_string().contains("EKSPOSTURE_MAX_ATTEMPTS"), "{err}");
        let err = Request::new(&json!({"fail_on": "severe"}), &env(&[]))
            .unwrap()
            .plan()
            .err()
            .unwrap();
        assert!(err.to_string().contains("fail_on"), "{err}");
        let err = Request::new(&json!({"checks": ["no-such-check"]}), &env(&[]))
            .unwrap()
            .plan()
            .err()
            .unwrap();
        assert!(err.to_string().contains("no-such-check"), "{err}");
    }
}
