//! The audit as a typed plan: what to read, which checks to run, what to do
//! with the report and where it goes. The CLI builds one from its
//! arguments, the Lambda handler from its event; both run it here, on the
//! caller's runtime, in-process.
//!
//! ```text
//! Plan -> collect -> evaluate -> suppress / compliance / diff -> sinks
//!         (Source)   (checks)    (report)                       (files, stdout,
//!                                                                Security Hub, S3)
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::anyhow;
use eksposture_checks::Check;
use eksposture_collect::Progress;
use eksposture_model::{Inventory, Severity};
use eksposture_report::asff::AsffOptions;
use eksposture_report::suppress::Suppressions;
use eksposture_report::Report;

use crate::exit::{outcome, unscannable, usage, Failure, Outcome};
use crate::render::{self, RenderContext, Target};
use crate::scan::{self, Accounts, Scan};
use crate::{delivery, stats, suppression_file};
use eksposture_model::text::count;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The check catalogue, linked from each ASFF finding's remediation.
const DOCS_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/checks.md");

/// What is read.
pub enum Source {
    /// A saved inventory: nothing calls AWS.
    Inventory(Box<Inventory>),
    /// The account the credentials belong to.
    Account(eksposture_aws::Options),
    /// Other accounts, through a role assumed in each.
    Accounts(Accounts),
}

/// An earlier report of the same account to compare with.
pub struct Baseline {
    pub report: Report,
    pub path: PathBuf,
}

/// `s3://bucket/<prefix><account>/<started_at>.json`: the JSON report, put
/// after the scan (the Lambda function's report sink).
pub struct ReportBucket {
    pub bucket: String,
    pub prefix: String,
    pub aws: eksposture_aws::Options,
}

/// `--stats` (stderr) and `--stats-file`.
#[derive(Default)]
pub struct StatsSink {
    pub print: bool,
    pub file: Option<PathBuf>,
}

/// One audit, decided before anything is read: every problem with the
/// options is found while it is built, not after a scan of minutes.
pub struct Plan {
    pub source: Source,
    pub checks: Vec<&'static Check>,
    /// `--compliance`: frameworks whose per-control view the report gains.
    pub frameworks: Vec<String>,
    pub suppressions: Option<Suppressions>,
    pub baseline: Option<Baseline>,
    /// Rendered report files and stdout.
    pub targets: Vec<Target>,
    pub security_hub: bool,
    pub report_bucket: Option<ReportBucket>,
    pub stats: StatsSink,
    /// Failures at or above this severity fail the run; `None`: never.
    pub fail_on: Option<Severity>,
    /// Only failures new since the baseline count.
    pub fail_on_new: bool,
    pub progress: Option<Arc<dyn Progress>>,
}

/// What a plan produced.
pub struct Audit {
    pub report: Report,
    /// How the run ends: the exit code, or the error that still lets the
    /// report stand (a baseline of another account, no account scanned).
    pub outcome: Result<Outcome, Failure>,
    /// Where the report bucket received the report, or why it did not.
    pub stored: Option<Result<String, String>>,
}

impl Plan {
    /// A plan over `source` running every check, writing nothing; callers
    /// set what they need.
    pub fn new(source: Source) -> Plan {
        Plan {
            source,
            checks: eksposture_checks::CHECKS.iter().collect(),
            frameworks: Vec::new(),
            suppressions: None,
            baseline: None,
            targets: Vec::new(),
            security_hub: false,
            report_bucket: None,
            stats: StatsSink::default(),
            fail_on: Some(Severity::Low),
            fail_on_new: false,
            progress: None,
        }
    }

    /// Runs the plan. `Err` when nothing could be scanned or the report
    /// could not be written; the report exists otherwise.
    pub async fn run(self) -> Result<Audit, Failure> {
        // Boxed: the report, the scan and the collectors' state would make
        // every caller's future tens of kilobytes.
        Box::pin(self.execute()).await
    }

    async fn execute(self) -> Result<Audit, Failure> {
        let Plan {
            source,
            checks,
            frameworks,
            suppressions,
            baseline,
            targets,
            security_hub,
            report_bucket,
            stats,
            fail_on,
            fail_on_new,
            progress,
        } = self;
        let started = Instant::now();
        let scan = match source {
            Source::Inventory(inventory) => Scan::single(*inventory),
            Source::Account(aws) => scan::account(&aws, progress).await?,
            Source::Accounts(accounts) => scan::accounts(&accounts).await?,
        };
        let collected = Instant::now();

        // `--no-kubernetes` (or an inventory collected with it) leaves the
        // Kubernetes checks out, as `--checks` would: not run, listed.
        let (checks, skipped): (Vec<&'static Check>, Vec<&'static Check>) =
            if scan.inventories.iter().any(Inventory::kubernetes_skipped) {
                checks.into_iter().partition(|c| !c.reads_kubernetes())
            } else {
                (checks, Vec::new())
            };
        let mut report = scan.report(&checks, VERSION);
        if let Some(file) = &suppressions {
            suppression_file::apply(&mut report, file, &scan.inventories);
        }
        report.summary.skipped = skipped
            .iter()
            .map(|c| eksposture_report::Skipped {
                check: c.meta.id.to_string(),
                by: "--no-kubernetes".to_string(),
            })
            .collect();
        report.compliance = frameworks
            .iter()
            .filter_map(|f| eksposture_checks::compliance::view(f, &report.findings))
            .collect();
        // A baseline that cannot be compared (another account) must not cost
        // the scan: the outputs are written without a diff, then the error.
        let mut baseline_error = None;
        if let Some(baseline) = &baseline {
            match eksposture_report::diff(&baseline.report, &report) {
                Ok(mut diff) => {
                    diff.old_scan.file = Some(baseline.path.display().to_string());
                    report.diff = Some(diff.into_baseline());
                }
                Err(e) => {
                    baseline_error = Some(usage(anyhow::Error::new(e).context(format!(
                        "cannot compare with the baseline {} (the report was written without a diff)",
                        baseline.path.display()
                    ))));
                }
            }
        }

        let evaluated = Instant::now();
        let now = eksposture_aws::now_rfc3339();
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
        let stored = match &report_bucket {
            Some(sink) => Some(store(sink, &report).await),
            None => None,
        };
        let finish = Finish {
            security_hub,
            checks: &checks,
            stats: &stats,
            fail_on,
            fail_on_new,
        };
        let times = [started, collected, evaluated];
        let outcome = finish.outcome(&scan, &report, asff.as_ref(), baseline_error, times);
        Ok(Audit {
            outcome: outcome.await,
            report,
            stored,
        })
    }
}

/// What the plan does once the report is written.
struct Finish<'a> {
    security_hub: bool,
    checks: &'a [&'static Check],
    stats: &'a StatsSink,
    fail_on: Option<Severity>,
    fail_on_new: bool,
}

impl Finish<'_> {
    /// The sinks after the files (Security Hub, statistics) and the exit
    /// code: everything here happens with the report already written.
    async fn outcome(
        &self,
        scan: &Scan,
        report: &Report,
        asff: Option<&AsffOptions<'_>>,
        baseline_error: Option<Failure>,
        [started, collected, evaluated]: [Instant; 3],
    ) -> Result<Outcome, Failure> {
        if scan.multi.is_some() && scan.inventories.is_empty() {
            return Err(unscannable(anyhow!(
                "no account could be scanned ({}); the report lists why",
                count(report.accounts.len(), "account failed", "accounts failed"),
            )));
        }
        let mut delivered = true;
        if self.security_hub {
            let Some(asff) = asff else {
                return Err(usage(anyhow!(
                    "--security-hub needs a scanned region for global (IAM) findings, and the scan names none"
                )));
            };
            // Each account's findings go to its own Security Hub, through
            // the role the scan assumed there.
            for inventory in &scan.inventories {
                delivered &= delivery::deliver(
                    scan.account_options(inventory),
                    &report.for_account(inventory),
                    inventory,
                    &render::account_asff(inventory, asff),
                    self.checks,
                )
                .await;
            }
        }
        if self.stats.print || self.stats.file.is_some() {
            let phases = stats::Phases {
                started,
                collect: collected - started,
                evaluate: evaluated - collected,
                report: evaluated.elapsed(),
            };
            stats::emit(
                self.stats.print,
                self.stats.file.as_deref(),
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
        Ok(outcome(report, self.fail_on, self.fail_on_new))
    }
}

/// Puts the JSON report into the report bucket.
async fn store(sink: &ReportBucket, report: &Report) -> Result<String, String> {
    let key = format!("{}{}", sink.prefix, report_key(report));
    eksposture_sinks::s3::put_report(
        &sink.aws,
        &sink.bucket,
        &key,
        eksposture_report::render_json(report).into_bytes(),
    )
    .await?;
    Ok(format!("s3://{}/{key}", sink.bucket))
}

/// `<account>/<started_at>.json`, or `accounts-<caller>/...` for a report
/// of several accounts: one object per run, never overwritten.
pub fn report_key(report: &Report) -> String {
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

/// Keeps `[A-Za-z0-9._-]`, so a name from the report cannot steer the key.
pub fn sanitize(s: &str) -> String {
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

/// Validates `--compliance` names before any scan.
pub fn compliance_frameworks(names: &[String]) -> anyhow::Result<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A saved inventory with one cluster whose endpoint is open to the
    /// world: one failing high finding.
    fn inventory() -> Inventory {
        serde_json::from_value(serde_json::json!({
            "schema_version": eksposture_model::SCHEMA_VERSION,
            "scan": {"account_id": "111122223333", "partition": "aws",
                     "regions": ["us-east-1"], "started_at": "2026-12-07T00:00:00Z",
                     "finished_at": "2026-12-07T00:00:01Z"},
            "iam": {},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
                "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
                "config": {"known": {"endpoint_public_access": true,
                                     "public_access_cidrs": ["0.0.0.0/0"]}}}]}}}
        }))
        .unwrap()
    }

    /// `--no-kubernetes` leaves the Kubernetes checks out, lists them as
    /// skipped, and adds no gap: the scan stays complete.
    #[tokio::test]
    async fn kubernetes_checks_skipped_by_the_user_are_listed_not_unknown() {
        let mut inv = inventory();
        let cluster = &mut inv.regions.get_mut("us-east-1").unwrap().clusters;
        if let eksposture_model::Observed::Known(cs) = cluster {
            cs[0].kubernetes = eksposture_model::Observed::Unknown(
                eksposture_model::Gap::kubernetes_skipped("us-east-1"),
            );
        }
        let audit = Plan::new(Source::Inventory(Box::new(inv)))
            .run()
            .await
            .ok()
            .unwrap();
        let r = &audit.report;
        assert!(r.gaps.is_empty(), "{:?}", r.gaps);
        assert!(!r
            .findings
            .iter()
            .any(|f| f.check_id.starts_with("kubernetes-")));
        let skipped: Vec<&str> = r.summary.skipped.iter().map(|s| s.check.as_str()).collect();
        let kube: Vec<&str> = eksposture_checks::CHECKS
            .iter()
            .filter(|c| c.reads_kubernetes())
            .map(|c| c.meta.id)
            .collect();
        assert!(!kube.is_empty());
        assert_eq!(skipped, kube);
        assert!(r.summary.skipped.iter().all(|s| s.by == "--no-kubernetes"));
        // Without the marker, the same checks run (unknown: nothing read).
        let ran = Plan::new(Source::Inventory(Box::new(inventory())))
            .run()
            .await
            .ok()
            .unwrap();
        assert!(ran.report.summary.skipped.is_empty());
        assert!(ran
            .report
            .findings
            .iter()
            .any(|f| f.check_id.starts_with("kubernetes-")));
    }

    fn plan(targets: Vec<Target>, fail_on: Option<Severity>) -> Plan {
        Plan {
            checks: eksposture_checks::select(Some(&["eks-endpoint-not-open-to-world".into()]))
                .unwrap(),
            targets,
            fail_on,
            ..Plan::new(Source::Inventory(Box::new(inventory())))
        }
    }

    #[tokio::test]
    async fn a_plan_runs_in_process_and_writes_its_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let targets = render::plan(&[crate::Format::Json], Some(&path), None).unwrap();
        let audit = plan(targets, Some(Severity::High))
            .run()
            .await
            .ok()
            .unwrap();
        assert!(matches!(audit.outcome, Ok(Outcome::Failing)));
        assert!(audit.stored.is_none());
        let written = eksposture_report::load_report(&path).unwrap();
        assert_eq!(written.summary.fail, 1);
        assert_eq!(
            written.findings[0].check_id,
            "eks-endpoint-not-open-to-world"
        );
        assert_eq!(written.findings, audit.report.findings);
    }

    #[tokio::test]
    async fn the_fail_on_threshold_decides_the_outcome() {
        let audit = plan(Vec::new(), Some(Severity::Critical))
            .run()
            .await
            .ok()
            .unwrap();
        assert!(matches!(audit.outcome, Ok(Outcome::Clean)));
        let audit = plan(Vec::new(), None).run().await.ok().unwrap();
        assert!(matches!(audit.outcome, Ok(Outcome::Clean)));
    }

    #[test]
    fn unknown_compliance_frameworks_are_named() {
        assert!(compliance_frameworks(&["cis-eks".into()]).is_ok());
        let e = compliance_frameworks(&["sox".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown compliance framework \"sox\""), "{e}");
    }
}
