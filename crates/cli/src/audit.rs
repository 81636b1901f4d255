//! `eksposture audit` and `eksposture collect`: the command line turned
//! into an [`eksposture_audit::Plan`], run on the process's one runtime.

use std::future::Future;
use std::sync::Arc;

use anyhow::{anyhow, Context};
use eksposture_audit::exit::{unscannable, usage};
use eksposture_audit::{output, Accounts, Baseline, Failure, Outcome, Plan, Source, StatsSink};
use eksposture_collect::Progress;

use crate::args::{AuditArgs, AwsArgs, CollectArgs, FailOn};
use crate::progress::Bar;

pub fn audit(args: &AuditArgs) -> Result<Outcome, Failure> {
    let mut plan = plan(args)?;
    // The bar follows one account's collection; it starts once the command
    // line is known to be good.
    let bar = matches!(plan.source, Source::Account(_))
        .then(Bar::on_terminal)
        .flatten();
    plan.progress = bar.clone().map(|b| b as Arc<dyn Progress>);
    let audit = run(plan);
    if let Some(bar) = bar {
        bar.finish();
    }
    audit?.outcome
}

/// Everything that can be wrong with the command line is found here,
/// before a scan that may take minutes.
pub fn plan(args: &AuditArgs) -> Result<Plan, Failure> {
    args.aws.check_endpoint().map_err(|e| usage(anyhow!(e)))?;
    if let Some(path) = &args.stats_file {
        output::check_writable(path).map_err(usage)?;
    }
    let checks = eksposture_checks::select(args.checks.as_deref()).map_err(usage)?;
    let frameworks = eksposture_audit::compliance_frameworks(&args.compliance).map_err(usage)?;
    let targets = eksposture_audit::render::plan(
        &args.output,
        args.output_file.as_deref(),
        args.output_dir.as_deref(),
    )
    .map_err(usage)?;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline {
            report: eksposture_report::load_report(path).map_err(usage)?,
            path: path.clone(),
        }),
        None => None,
    };
    let suppressions = eksposture_audit::suppression_file::load(
        args.suppressions.as_deref(),
        args.no_suppressions,
    )
    .map_err(usage)?;
    let source = match &args.inventory {
        Some(path) => Source::Inventory(Box::new(
            eksposture_audit::load_inventory(path).map_err(usage)?,
        )),
        None if args.accounts.is_multi() => Source::Accounts(Accounts::new(
            aws_options(&args.aws),
            args.accounts.organization,
            &args.accounts.accounts,
            args.accounts.role_name.as_deref(),
            args.accounts.external_id.clone(),
            usize::from(args.accounts.max_parallel_accounts),
        )?),
        None => Source::Account(aws_options(&args.aws)),
    };
    Ok(Plan {
        checks,
        frameworks,
        suppressions,
        baseline,
        targets,
        security_hub: args.security_hub,
        stats: StatsSink {
            print: args.stats,
            file: args.stats_file.clone(),
        },
        fail_on: args.fail_on.threshold(),
        fail_on_new: args.fail_on_new,
        ..Plan::new(source)
    })
}

/// Runs `plan` on the process's runtime.
pub fn run(plan: Plan) -> Result<eksposture_audit::Audit, Failure> {
    on_runtime(plan.run())
}

/// Runs `work` as a task on the process's one runtime, whose worker threads
/// have the stack the SDK's deserialisers need, and waits for it.
fn on_runtime<T: Send + 'static>(
    work: impl Future<Output = Result<T, Failure>> + Send + 'static,
) -> Result<T, Failure> {
    let runtime = eksposture_audit::runtime()
        .context("cannot start the async runtime")
        .map_err(unscannable)?;
    let result = runtime.block_on(async { tokio::spawn(work).await });
    // Blocking tasks the SDK may leave behind (file reads, DNS) must not
    // hold the process open.
    runtime.shutdown_background();
    result
        .map_err(|e| unscannable(anyhow!("the scan stopped unexpectedly: {e}")))
        .and_then(|r| r)
}

pub fn collect(args: &CollectArgs) -> Result<Outcome, Failure> {
    args.aws.check_endpoint().map_err(|e| usage(anyhow!(e)))?;
    output::check_writable(&args.out).map_err(usage)?;
    let bar = Bar::on_terminal();
    let opts = aws_options(&args.aws);
    let progress = bar.clone().map(|b| b as Arc<dyn Progress>);
    let scan = on_runtime(async move { eksposture_audit::scan::account(&opts, progress).await });
    if let Some(bar) = bar {
        bar.finish();
    }
    let scan = scan?;
    let inventory = &scan.inventories[0];
    let mut json = serde_json::to_string_pretty(inventory)
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
                eksposture_model::text::count(inventory.scan.regions.len(), "region", "regions"),
                eksposture_model::text::count(inventory.gaps.len(), "gap", "gaps"),
            );
        }
    }
    // The gaps are recorded in the file; `audit --inventory` reports them.
    Ok(Outcome::Clean)
}

/// How to reach AWS, from the command line.
pub fn aws_options(aws: &AwsArgs) -> eksposture_aws::Options {
    eksposture_aws::Options {
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
        kubernetes: !aws.no_kubernetes,
        kubeconfig: aws.kubeconfig.clone(),
        ..eksposture_aws::Options::default()
    }
}

impl FailOn {
    /// The lowest severity whose failures fail the run.
    pub fn threshold(self) -> Option<eksposture_model::Severity> {
        use eksposture_model::Severity;
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Informational => Some(Severity::Informational),
            FailOn::Never => None,
        }
    }
}
