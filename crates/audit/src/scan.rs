//! Collection: one account, or several through an assumed role, into the
//! inventories the checks evaluate.

use std::sync::Arc;

use anyhow::anyhow;
use eksposture_aws::{AssumeRole, Options, SessionError};
use eksposture_collect::{Caller, CollectError, OrgAccount, Progress};
use eksposture_model::{Gap, Inventory, ScanInfo};
use eksposture_report::Report;

use crate::exit::{unscannable, usage, Failure};
use crate::output;
use eksposture_model::text::count;

/// Which accounts a multi-account scan reads, and how.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub aws: Options,
    /// Every active account of the organization, or these ids.
    pub organization: bool,
    pub ids: Vec<String>,
    /// The role assumed in each: `arn:<partition>:iam::<id>:role/<role_name>`.
    pub role_name: String,
    pub external_id: Option<String>,
    pub max_parallel: usize,
}

impl Accounts {
    /// Checks the role name and account ids before any call.
    pub fn new(
        aws: Options,
        organization: bool,
        ids: &[String],
        role_name: Option<&str>,
        external_id: Option<String>,
        max_parallel: usize,
    ) -> Result<Accounts, Failure> {
        let role_name = role_name
            .map(|r| r.trim().trim_matches('/'))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                usage(anyhow!(
                    "--role-name is needed to scan other accounts: the role assumed in each"
                ))
            })?
            .to_string();
        let mut checked = Vec::new();
        for id in ids {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(usage(anyhow!(
                    "invalid account id {id:?} in --accounts: an AWS account id is 12 digits"
                )));
            }
            checked.push(id.to_string());
        }
        Ok(Accounts {
            aws,
            organization,
            ids: checked,
            role_name,
            external_id,
            max_parallel: max_parallel.max(1),
        })
    }
}

/// What a scan read: one account, or several through an assumed role.
pub struct Scan {
    pub inventories: Vec<Inventory>,
    /// One gap per account that could not be scanned.
    pub failed: Vec<Gap>,
    /// How the account was reached, for a live scan of one account.
    pub aws: Option<Options>,
    /// Set when the scan covered other accounts than the credentials' own.
    pub multi: Option<MultiAccount>,
}

/// How a multi-account scan reached its accounts.
pub struct MultiAccount {
    pub caller: Caller,
    pub accounts: Accounts,
    pub started_at: String,
    pub finished_at: String,
}

impl Scan {
    /// A saved inventory: no account to reach.
    pub fn single(inventory: Inventory) -> Scan {
        Scan {
            inventories: vec![inventory],
            failed: Vec::new(),
            aws: None,
            multi: None,
        }
    }

    /// The report of every account's findings under `checks`.
    pub fn report(&self, checks: &[&'static eksposture_checks::Check], version: &str) -> Report {
        match &self.multi {
            None => {
                let inventory = &self.inventories[0];
                let findings = eksposture_checks::run(inventory, checks);
                eksposture_report::build(inventory, findings, version)
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
                eksposture_report::build_accounts(caller, scanned, self.failed.clone(), version)
            }
        }
    }

    /// How to reach `inventory`'s account after the scan (Security Hub):
    /// the scan's own credentials, or the role it assumed there.
    pub fn account_options(&self, inventory: &Inventory) -> Options {
        match &self.multi {
            Some(m) => Options {
                assume: Some(AssumeRole::new(
                    &m.caller.partition,
                    &inventory.scan.account_id,
                    &m.accounts.role_name,
                    m.accounts.external_id.as_deref(),
                )),
                ..m.accounts.aws.clone()
            },
            None => self.aws.clone().unwrap_or_default(),
        }
    }
}

/// Reads the account the credentials belong to.
pub async fn account(aws: &Options, progress: Option<Arc<dyn Progress>>) -> Result<Scan, Failure> {
    let inventory = eksposture_collect::collect(aws, progress)
        .await
        .map_err(|e| unscannable(describe(&e)))?;
    Ok(Scan {
        aws: Some(aws.clone()),
        ..Scan::single(inventory)
    })
}

/// Reads each account of `--accounts` or `--organization` through the
/// assumed role, several at a time.
pub async fn accounts(plan: &Accounts) -> Result<Scan, Failure> {
    let started_at = eksposture_aws::now_rfc3339();
    let mut ids = plan.ids.clone();
    let collected = async {
        if plan.organization {
            let listed = eksposture_collect::organization_accounts(&plan.aws).await?;
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
            &plan.aws,
            &ids,
            &plan.role_name,
            plan.external_id.as_deref(),
            plan.max_parallel,
        )
        .await
    };
    let (caller, scans) = collected.await.map_err(|e| unscannable(describe(&e)))?;
    let mut scan = Scan {
        inventories: Vec::new(),
        failed: Vec::new(),
        aws: None,
        multi: Some(MultiAccount {
            caller,
            accounts: plan.clone(),
            started_at,
            finished_at: eksposture_aws::now_rfc3339(),
        }),
    };
    for s in scans {
        match s {
            Ok(inventory) => scan.inventories.push(inventory),
            Err(gap) => scan.failed.push(gap),
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

/// The one-line error for a scan that could not start.
pub fn describe(e: &CollectError) -> anyhow::Error {
    match e {
        CollectError::Session(SessionError::Identity(_)) => anyhow!(
            "{e} — check the credentials (--profile, AWS_PROFILE) and that the endpoint is reachable"
        ),
        _ => anyhow!("{e}"),
    }
}
