//! Reports that cover several accounts (`audit --accounts`,
//! `--organization`): one report over every account's findings, a summary
//! per account, and each account's own slice for ASFF and Security Hub.

use crate::build::assemble;
use crate::contract::{AccountEntry, AccountStatus, Report, Summary};
use eksposture_model::{Finding, Gap, Inventory, ScanInfo};

/// The report of a multi-account scan run by `caller`: `scanned` holds each
/// account's inventory and findings, `failed` one gap per account that could
/// not be scanned (its `account_id` set).
pub fn build_accounts(
    mut caller: ScanInfo,
    scanned: Vec<(&Inventory, Vec<Finding>)>,
    failed: Vec<Gap>,
    tool_version: &str,
) -> Report {
    let mut findings = Vec::new();
    let mut gaps = Vec::new();
    let mut entries = Vec::new();
    let mut regions: Vec<String> = Vec::new();
    for (inventory, mut account_findings) in scanned {
        let account = &inventory.scan.account_id;
        for f in &mut account_findings {
            f.account_id.clone_from(account);
        }
        let mut account_gaps = inventory.gaps.clone();
        account_gaps.sort();
        account_gaps.dedup();
        entries.push(AccountEntry {
            account_id: account.clone(),
            status: AccountStatus::Scanned,
            regions: inventory.scan.regions.clone(),
            summary: Summary::default(),
            gaps: account_gaps.len() as u64,
        });
        gaps.extend(account_gaps.into_iter().map(|mut g| {
            g.account_id = Some(account.clone());
            g
        }));
        findings.extend(account_findings);
        regions.extend(inventory.scan.regions.iter().cloned());
    }
    for gap in failed {
        entries.push(AccountEntry {
            account_id: gap.account_id.clone().unwrap_or_default(),
            status: AccountStatus::Failed,
            regions: Vec::new(),
            summary: Summary::default(),
            gaps: 1,
        });
        gaps.push(gap);
    }
    entries.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    regions.sort();
    regions.dedup();
    if !regions.is_empty() {
        caller.regions = regions;
    }
    let mut report = assemble(caller, findings, gaps, tool_version);
    report.accounts = entries;
    report.refresh_account_summaries();
    report
}

impl Report {
    /// The one-account report of `inventory`'s account inside a
    /// multi-account report: its findings and gaps, its scan. A one-account
    /// report is returned whole.
    #[must_use]
    pub fn for_account(&self, inventory: &Inventory) -> Report {
        if !self.is_multi_account() {
            return self.clone();
        }
        let account = &inventory.scan.account_id;
        let findings: Vec<Finding> = self
            .findings
            .iter()
            .filter(|f| &f.account_id == account)
            .cloned()
            .collect();
        let gaps = self
            .gaps
            .iter()
            .filter(|g| g.account_id.as_ref() == Some(account))
            .cloned()
            .collect();
        Report {
            schema_version: self.schema_version.clone(),
            tool: self.tool.clone(),
            scan: inventory.scan.clone(),
            summary: Summary::of(&findings),
            accounts: Vec::new(),
            gaps,
            findings,
            compliance: Vec::new(),
            diff: None,
            suppressions: self.suppressions.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Gap, GapReason, Inventory, ResourceRef, Severity, Status};

    use super::*;
    use crate::{render_csv, render_table_with, TableOptions};

    fn inventory(account: &str, regions: &[&str], gaps: usize) -> Inventory {
        let mut inv: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": "1",
            "scan": {"account_id": account, "partition": "aws", "regions": regions,
                     "started_at": "2026-12-03T06:00:00Z", "finished_at": "2026-12-03T06:00:09Z"}
        }))
        .unwrap();
        inv.gaps = (0..gaps)
            .map(|i| {
                Gap::new(
                    "eks",
                    regions[0],
                    format!("Op{i}"),
                    GapReason::NotSupported,
                    "m",
                )
            })
            .collect();
        inv
    }

    fn finding(account: &str, status: Status) -> Finding {
        Finding {
            check_id: "eks-endpoint-private".into(),
            title: "t".into(),
            severity: Severity::Medium,
            kind: eksposture_model::CheckKind::Configuration,
            status,
            message: format!("{status} in {account}"),
            account_id: String::new(),
            resource: ResourceRef::new(
                "AwsEksCluster",
                format!("arn:aws:eks:us-east-1:{account}:cluster/c"),
                "us-east-1",
            ),
            evidence: Vec::new(),
            remediation: "r".into(),
            compliance: Vec::new(),
            suppressed: None,
        }
    }

    fn caller() -> ScanInfo {
        ScanInfo {
            account_id: "999999999999".into(),
            partition: "aws".into(),
            regions: Vec::new(),
            started_at: "2026-12-03T06:00:00Z".into(),
            finished_at: "2026-12-03T06:00:20Z".into(),
        }
    }

    fn denied(account: &str) -> Gap {
        let mut g = Gap::new(
            "sts",
            "us-east-1",
            "AssumeRole",
            GapReason::AccessDenied,
            "cannot assume",
        );
        g.account_id = Some(account.into());
        g
    }

    fn sample() -> (Vec<Inventory>, Report) {
        let a = inventory("111111111111", &["us-east-1", "eu-west-1"], 1);
        let b = inventory("222222222222", &["us-east-1"], 0);
        let report = build_accounts(
            caller(),
            vec![
                (&a, vec![finding("111111111111", Status::Fail)]),
                (
                    &b,
                    vec![
                        finding("222222222222", Status::Pass),
                        finding("222222222222", Status::Unknown),
                    ],
                ),
            ],
            vec![denied("333333333333")],
            "0",
        );
        (vec![a, b], report)
    }

    #[test]
    fn each_account_has_its_summary_and_the_total_is_their_sum() {
        let (_, r) = sample();
        let ids: Vec<(&str, AccountStatus)> = r
            .accounts
            .iter()
            .map(|a| (a.account_id.as_str(), a.status))
            .collect();
        assert_eq!(
            ids,
            [
                ("111111111111", AccountStatus::Scanned),
                ("222222222222", AccountStatus::Scanned),
                ("333333333333", AccountStatus::Failed)
            ]
        );
        assert_eq!(r.accounts[0].summary.fail, 1);
        assert_eq!(r.accounts[1].summary.pass, 1);
        assert_eq!(r.accounts[1].summary.unknown, 1);
        assert_eq!((r.accounts[0].gaps, r.accounts[2].gaps), (1, 1));
        assert_eq!(
            (r.summary.fail, r.summary.pass, r.summary.unknown),
            (1, 1, 1)
        );
        assert_eq!(r.scan.account_id, "999999999999");
        assert_eq!(r.scan.regions, ["eu-west-1", "us-east-1"]);
        assert!(r.gaps.iter().all(|g| g.account_id.is_some()));
        assert!(r.findings.iter().all(|f| !f.account_id.is_empty()));
        assert!(!r.is_complete());
    }

    #[test]
    fn an_accounts_slice_is_its_own_report() {
        let (invs, r) = sample();
        let b = r.for_account(&invs[1]);
        assert_eq!(b.scan.account_id, "222222222222");
        assert_eq!(b.findings.len(), 2);
        assert!(b.accounts.is_empty() && b.gaps.is_empty());
        let a = r.for_account(&invs[0]);
        assert_eq!((a.findings.len(), a.gaps.len()), (1, 1));
    }

    #[test]
    fn the_table_and_csv_name_each_account() {
        let (_, r) = sample();
        let table = render_table_with(
            &r,
            TableOptions {
                color: false,
                width: Some(160),
            },
        );
        assert!(
            table.contains("3 accounts (2 scanned, 1 failed) · run from account 999999999999"),
            "{table}"
        );
        assert!(
            table.contains("Accounts:") && table.contains("failed"),
            "{table}"
        );
        assert!(table.contains("333333333333"), "{table}");
        let csv = render_csv(&r);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert!(rows.iter().any(|l| l.starts_with("111111111111,")), "{csv}");
        assert!(rows.iter().any(|l| l.starts_with("222222222222,")), "{csv}");
    }

    #[test]
    fn a_multi_account_report_reads_back() {
        let (_, r) = sample();
        let json = crate::render_json(&r);
        assert_eq!(crate::parse_report("r", &json).unwrap(), r);
    }
}
