//! `eksposture audit` and `eksposture collect`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use eksposture_collect::{
    AccountScan, AssumeRole, Caller, CollectError, Options, OrgAccount, Progress,
};
use eksposture_model::{Gap, Inventory, ScanInfo, SCHEMA_VERSION};
use eksposture_report::asff::AsffOptions;
use eksposture_report::Report;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::args::{AccountArgs, AuditArgs, AwsArgs, CollectArgs};
use crate::exit::{outcome, unscannable, usage, Failure, Outcome};
use crate::output;
use crate::progress::Bar;
use crate::render::{self, RenderContext};
use crate::{securityhub, stats, suppressions};

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The check catalogue, linked from each ASFF finding's remediation.
const DOCS_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/checks.md");

pub fn audit(args: &AuditArgs) -> Result<Outcome, Failure> {
    let started = std::time::Instant::now();
    // Everything that can be wrong with the command line is reported before
    // a scan that may take minutes.
    args.aws.check_endpoint().map_err(|e| usage(anyhow!(e)))?;
    if let Some(path) = &args.stats_file {
        output::check_writable(path).map_err(usage)?;
    }
    let checks = eksposture_checks::select(args.checks.as_deref()).map_err(usage)?;
    let frameworks = compliance_frameworks(&args.compliance).map_err(usage)?;
    let targets = render::plan(
        &args.output,
        args.output_file.as_deref(),
        args.output_dir.as_deref(),
    )
    .map_err(usage)?;
    let baseline = match &args.baseline {
        Some(path) => Some(eksposture_report::load_report(path).map_err(usage)?),
        None => None,
    };
    let suppressions = suppressions::load(args).map_err(usage)?;
    let scan = match &args.inventory {
        Some(path) => Scan::single(load_inventory(path).map_err(usage)?),
        None if args.accounts.is_multi() => collect_accounts(&args.aws, &args.accounts)?,
        None => Scan::single(collect_inventory(&args.aws)?),
    };
    let collected = std::time::Instant::now();

    let mut report = scan.report(&checks);
    if let Some(file) = &suppressions {
        suppressions::apply(&mut report, file, &scan.inventories);
    }
    report.compliance = frameworks
        .iter()
        .filter_map(|f| eksposture_checks::compliance::view(f, &report.findings))
        .collect();
    // A baseline that cannot be compared (another account) must not cost
    // the scan: the outputs are written without a diff, then the error.
    let mut baseline_error = None;
    if let (Some(old), Some(path)) = (&baseline, &args.baseline) {
        match eksposture_report::diff(old, &report) {
            Ok(mut diff) => {
                diff.old_scan.file = Some(path.display().to_string());
                report.diff = Some(diff.into_baseline());
            }
            Err(e) => {
                baseline_error = Some(usage(anyhow::Error::new(e).context(format!(
                    "cannot compare with the baseline {} (the report was written without a diff)",
                    path.display()
                ))));
            }
        }
    }

    let evaluated = std::time::Instant::now();
    let now = eksposture_collect::now_rfc3339();
    let asff = report.scan.regions.first().map(|home| AsffOptions {
        home_region: home,
        now: &now,
        docs_url: Some(DOCS_URL),
    });
    let ctx = RenderContext {
        report: &report,
        inventories: &scan.inventories,
        asff,
    };
    render::write(&targets, &ctx).map_err(usage)?;
    if scan.multi.is_some() && scan.inventories.is_empty() {
        return Err(unscannable(anyhow!(
            "no account could be scanned ({}); the report lists why",
            count(report.accounts.len(), "account failed", "accounts failed"),
        )));
    }
    let delivered = if args.security_hub {
        let Some(asff) = &asff else {
            return Err(usage(anyhow!(
                "--security-hub needs a scanned region for global (IAM) findings, and the scan names none"
            )));
        };
        // Each account's findings go to its own Security Hub, through the
        // role the scan assumed there.
        scan.inventories.iter().fold(true, |all, inventory| {
            let opts = scan.account_options(&args.aws, inventory);
            let home = inventory
                .scan
                .regions
                .first()
                .map_or(asff.home_region, String::as_str);
            let account_asff = AsffOptions {
                home_region: home,
                ..*asff
            };
            let ok = securityhub::deliver(
                &opts,
                &report.for_account(inventory),
                inventory,
                &account_asff,
                &checks,
            );
            all && ok
        })
    } else {
        true
    };
    if args.stats || args.stats_file.is_some() {
        let phases = stats::Phases {
            started,
            collect: collected - started,
            evaluate: evaluated - collected,
            report: evaluated.elapsed(),
        };
        stats::emit(
            args.stats,
            args.stats_file.as_deref(),
            &phases,
            report.gaps.len(),
        )
        .map_err(usage)?;
    }
    if let Some(e) = baseline_error {
        return Err(e);
    }
    if !delivered {
        return Ok(Outcome::DeliveryFailed);
    }
    Ok(outcome(&report, args.fail_on, args.fail_on_new))
}

/// What a scan read: one account, or several through an assumed role.
pub struct Scan {
    pub inventories: Vec<Inventory>,
    /// One gap per account that could not be scanned.
    pub failed: Vec<Gap>,
    /// Set when the scan covered other accounts than the credentials' own.
    pub multi: Option<MultiAccount>,
}

/// How a multi-account scan reached its accounts.
pub struct MultiAccount {
    pub caller: Caller,
    pub role_name: String,
    pub external_id: Option<String>,
    pub started_at: String,
    pub finished_at: String,
}

impl Scan {
    fn single(inventory: Inventory) -> Scan {
        Scan {
            inventories: vec![inventory],
            failed: Vec::new(),
            multi: None,
        }
    }

    /// The report of every account's findings under `checks`.
    pub fn report(&self, checks: &[&'static eksposture_checks::Check]) -> Report {
        match &self.multi {
            None => {
                let inventory = &self.inventories[0];
                let findings = eksposture_checks::run(inventory, checks);
                eksposture_report::build(inventory, findings, VERSION)
            }
            Some(m) => {
                let caller = ScanInfo {
                    account_id: m.caller.account_id.clone(),
                    partition: m.caller.partition.clone(),
                    regions: Vec::new(),
                    started_at: m.started_at.clone(),
                    finished_at: m.finished_at.clone(),
                };
                let scanned = self
                    .inventories
                    .iter()
                    .map(|inv| (inv, eksposture_checks::run(inv, checks)))
                    .collect();
                eksposture_report::build_accounts(caller, scanned, self.failed.clone(), VERSION)
            }
        }
    }

    /// How to reach `inventory`'s account after the scan (Security Hub).
    fn account_options(&self, aws: &AwsArgs, inventory: &Inventory) -> Options {
        let mut opts = aws_options(aws);
        if let Some(m) = &self.multi {
            opts.assume = Some(AssumeRole::new(
                &m.caller.partition,
                &inventory.scan.account_id,
                &m.role_name,
                m.external_id.as_deref(),
            ));
        }
        opts
    }
}

/// Reads each account of `--accounts` or `--organization` through the
/// assumed role, several at a time.
pub fn collect_accounts(aws: &AwsArgs, accounts: &AccountArgs) -> Result<Scan, Failure> {
    let role_name = accounts
        .role_name
        .as_deref()
        .map(|r| r.trim().trim_matches('/'))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            usage(anyhow!(
                "--role-name is needed to scan other accounts: the role assumed in each"
            ))
        })?
        .to_string();
    let mut ids = Vec::new();
    for id in &accounts.accounts {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(usage(anyhow!(
                "invalid account id {id:?} in --accounts: an AWS account id is 12 digits"
            )));
        }
        ids.push(id.to_string());
    }
    let opts = aws_options(aws);
    let runtime = runtime()?;
    let started_at = eksposture_collect::now_rfc3339();
    let result = runtime.block_on(async {
        if accounts.organization {
            let listed = eksposture_collect::organization_accounts(&opts).await?;
            for a in listed.iter().filter(|a| !a.is_active()) {
                eprintln!(
                    "eksposture: skipping account {} ({}): it is {}",
                    a.id,
                    a.name,
                    if a.state.is_empty() {
                        "not active"
                    } else {
                        &a.state
                    }
                );
            }
            ids = listed
                .into_iter()
                .filter(OrgAccount::is_active)
                .map(|a| a.id)
                .collect();
        }
        eksposture_collect::collect_accounts(
            &opts,
            &ids,
            &role_name,
            accounts.external_id.as_deref(),
            usize::from(accounts.max_parallel_accounts),
        )
        .await
    });
    runtime.shutdown_background();
    let (caller, scans) = result.map_err(|e| unscannable(describe_collect_error(&e)))?;
    let mut scan = Scan {
        inventories: Vec::new(),
        failed: Vec::new(),
        multi: Some(MultiAccount {
            caller,
            role_name,
            external_id: accounts.external_id.clone(),
            started_at,
            finished_at: eksposture_collect::now_rfc3339(),
        }),
    };
    for s in scans {
        match s {
            AccountScan::Scanned(inv) => scan.inventories.push(*inv),
            AccountScan::Failed { gap, .. } => scan.failed.push(gap),
        }
    }
    if output::stderr_is_terminal() {
        eprintln!(
            "eksposture: {} scanned, {} failed",
            count(scan.inventories.len(), "account", "accounts"),
            scan.failed.len()
        );
    }
    Ok(scan)
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(unscannable)
}

/// Validates `--compliance` names before any scan.
fn compliance_frameworks(names: &[String]) -> Result<Vec<String>> {
    let known = eksposture_checks::compliance::FRAMEWORK_NAMES;
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|n| {
            if known.iter().any(|(name, prefix)| {
                n.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(prefix)
            }) {
                Ok(n.to_string())
            } else {
                let names: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
                Err(anyhow!(
                    "unknown compliance framework {n:?}: use one of {}",
                    names.join(", ")
                ))
            }
        })
        .collect()
}

pub fn collect(args: &CollectArgs) -> Result<Outcome, Failure> {
    args.aws.check_endpoint().map_err(|e| usage(anyhow!(e)))?;
    output::check_writable(&args.out).map_err(usage)?;
    let inventory = collect_inventory(&args.aws)?;
    let mut json = serde_json::to_string_pretty(&inventory)
        .context("cannot serialise the inventory")
        .map_err(unscannable)?;
    json.push('\n');
    if output::is_stdout(&args.out) {
        output::print(&json).map_err(usage)?;
    } else {
        output::write_atomic(&args.out, json.as_bytes()).map_err(usage)?;
        if output::stderr_is_terminal() {
            eprintln!(
                "eksposture: wrote {} ({}, {})",
                args.out.display(),
                count(inventory.scan.regions.len(), "region", "regions"),
                count(inventory.gaps.len(), "gap", "gaps"),
            );
        }
    }
    // The gaps are recorded in the file; `audit --inventory` reports them.
    Ok(Outcome::Clean)
}

pub fn count(n: usize, one: &str, many: &str) -> String {
    eksposture_model::text::count(n, one, many)
}

/// Runs the collectors on a runtime built only for this: the commands that
/// do not call AWS start without one.
fn collect_inventory(aws: &AwsArgs) -> Result<Inventory, Failure> {
    let bar = Bar::on_terminal();
    let opts = Options {
        progress: bar.clone().map(|b| b as Arc<dyn Progress>),
        ..aws_options(aws)
    };
    let runtime = runtime()?;
    let result = runtime.block_on(eksposture_collect::collect(&opts));
    // Blocking tasks the SDK may leave behind (file reads, DNS) must not
    // hold the process open.
    runtime.shutdown_background();
    if let Some(bar) = bar {
        bar.finish();
    }
    result.map_err(|e| unscannable(describe_collect_error(&e)))
}

/// How to reach AWS, from the command line.
fn aws_options(aws: &AwsArgs) -> Options {
    Options {
        profile: aws.profile.clone(),
        regions: aws
            .regions
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        all_regions: aws.all_regions,
        endpoint_url: aws.endpoint_url.clone(),
        max_attempts: aws.max_attempts,
        attempt_timeout: std::time::Duration::from_secs_f64(aws.attempt_timeout),
        ..Options::default()
    }
}

fn describe_collect_error(e: &CollectError) -> anyhow::Error {
    match e {
        CollectError::Identity(_) => anyhow!(
            "{e} — check the credentials (--profile, AWS_PROFILE) and that the endpoint is reachable"
        ),
        _ => anyhow!("{e}"),
    }
}

/// The top-level keys that tell what kind of file this is, read before the
/// full parse so a file from another version is named as such rather than
/// reported as a type error deep inside it.
#[derive(Deserialize)]
struct Probe {
    schema_version: Option<serde_json::Value>,
    tool: Option<IgnoredAny>,
    findings: Option<IgnoredAny>,
}

/// Reads an inventory written by `eksposture collect` (or by hand).
pub fn load_inventory(path: &Path) -> Result<Inventory> {
    let name = path.display();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read inventory {name}"))?;
    let probe: Probe = serde_json::from_str(&text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            anyhow!("{name} is not valid JSON: {e}")
        } else {
            anyhow!(
                "{name} is not an eksposture inventory (a JSON object with schema_version, scan, iam and regions was expected); write one with `eksposture collect --out FILE`"
            )
        }
    })?;
    if probe.tool.is_some() && probe.findings.is_some() {
        return Err(anyhow!(
            "{name} is an eksposture report, not an inventory; pass a file written by `eksposture collect --out FILE`"
        ));
    }
    match &probe.schema_version {
        None => {
            return Err(anyhow!(
                "{name} has no schema_version, so it is not an eksposture inventory; write one with `eksposture collect --out FILE`"
            ))
        }
        Some(serde_json::Value::String(v)) if v == SCHEMA_VERSION => {}
        Some(other) if !other.is_string() => {
            return Err(anyhow!(
                "{name} has schema_version {other}, which must be the string \"{SCHEMA_VERSION}\"; write the inventory with `eksposture collect --out FILE`"
            ))
        }
        Some(other) => {
            return Err(anyhow!(
                "{name} has schema_version {other}; this eksposture reads \"{SCHEMA_VERSION}\" — re-run eksposture collect"
            ))
        }
    }
    serde_json::from_str(&text)
        .map_err(|e| anyhow!("{name} is not a valid eksposture inventory: {e}"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::load_inventory;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn error(text: &str) -> String {
        let f = file(text);
        format!("{:#}", load_inventory(f.path()).unwrap_err())
    }

    const SCAN: &str = r#""scan": {"account_id": "1", "partition": "aws", "regions": [], "started_at": "", "finished_at": ""}"#;

    #[test]
    fn reads_a_minimal_inventory() {
        let f = file(&format!(r#"{{"schema_version": "1", {SCAN}}}"#));
        let inv = load_inventory(f.path()).unwrap();
        assert_eq!(inv.scan.account_id, "1");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = error("{\n  \"schema_version\": \"1\",\n  oops\n}");
        assert!(
            e.contains("is not valid JSON") && e.contains("line 3 column 3"),
            "{e}"
        );
    }

    #[test]
    fn other_schema_versions_are_named() {
        let e = error(&format!(r#"{{"schema_version": "7", {SCAN}}}"#));
        assert!(
            e.ends_with(
                r#"has schema_version "7"; this eksposture reads "1" — re-run eksposture collect"#
            ),
            "{e}"
        );
    }

    #[test]
    fn a_report_is_not_an_inventory() {
        let e = error(&format!(
            r#"{{"schema_version": "1", "tool": {{}}, {SCAN}, "findings": []}}"#
        ));
        assert!(e.contains("is an eksposture report"), "{e}");
    }

    #[test]
    fn missing_schema_version_is_explained() {
        assert!(error("{}").contains("has no schema_version"));
        assert!(error("[]").contains("is not an eksposture inventory"));
    }

    #[test]
    fn type_errors_inside_the_inventory_name_the_position() {
        let e = error(r#"{"schema_version": "1", "scan": 5}"#);
        assert!(
            e.contains("is not a valid eksposture inventory") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn unreadable_file_is_named() {
        let e = format!(
            "{:#}",
            load_inventory(std::path::Path::new("/nonexistent/inv.json")).unwrap_err()
        );
        assert!(
            e.starts_with("cannot read inventory /nonexistent/inv.json: "),
            "{e}"
        );
    }
}
