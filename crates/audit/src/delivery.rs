//! `audit --security-hub`: the report's findings, as ASFF, into AWS
//! Security Hub. The import itself (batches, retries, the archive rule) is
//! `eksposture_sinks::securityhub`; this decides which checks ran
//! completely and tells the user what happened.

use std::collections::BTreeSet;

use eksposture_aws::Options;
use eksposture_checks::Check;
use eksposture_model::{Inventory, Status};
use eksposture_report::asff::{self, AsffOptions};
use eksposture_report::Report;
use eksposture_sinks::securityhub::{self, Delivery, DeliveryReport, Failed};

/// Failed findings listed one by one on stderr before the rest is counted.
const SHOWN_FAILURES: usize = 20;

/// Imports the findings and prints a summary on stderr; `false` when any
/// finding could not be delivered.
pub async fn deliver(
    opts: Options,
    report: &Report,
    inventory: &Inventory,
    options: &AsffOptions<'_>,
    checks: &[&'static Check],
) -> bool {
    let mut invalid = Vec::new();
    let findings: Vec<_> = asff::findings(report, inventory, options)
        .into_iter()
        .filter(|f| match asff::validate(f) {
            Ok(()) => true,
            Err(problems) => {
                invalid.push(Failed {
                    id: f.id.clone(),
                    code: "InvalidInput".into(),
                    message: problems.join("; "),
                });
                false
            }
        })
        .collect();
    let delivery = Delivery {
        account_id: report.scan.account_id.clone(),
        partition: report.scan.partition.clone(),
        regions: report.scan.regions.clone(),
        complete_checks: complete_checks(report, checks),
        now: options.now.to_string(),
    };
    // A task, so that it runs on a worker thread with the stack it needs
    // (`crate::WORKER_STACK_BYTES`), whatever thread drives the audit.
    let task = tokio::spawn(async move { securityhub::deliver(&opts, findings, &delivery).await });
    let mut result = task.await.unwrap_or_else(|e| DeliveryReport {
        errors: vec![format!("the import stopped: {e}")],
        ..DeliveryReport::default()
    });
    result.failed.splice(0..0, invalid);
    print_summary(&result);
    result.is_complete()
}

/// The checks whose earlier findings may be archived: selected, and with no
/// `unknown` finding in this scan (every check reports `unknown` for any
/// read it could not make, failed listings included).
pub fn complete_checks(report: &Report, checks: &[&'static Check]) -> BTreeSet<String> {
    let partial: BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown)
        .map(|f| f.check_id.as_str())
        .collect();
    checks
        .iter()
        .map(|c| c.meta.id)
        .filter(|id| !partial.contains(id))
        .map(str::to_string)
        .collect()
}

fn print_summary(r: &DeliveryReport) {
    eprintln!(
        "eksposture: Security Hub: {} imported, {} updated, {} archived, {} failed",
        r.imported,
        r.updated,
        r.archived,
        r.failed.len()
    );
    for e in &r.errors {
        eprintln!("eksposture: Security Hub: error: {e}");
    }
    for f in r.failed.iter().take(SHOWN_FAILURES) {
        eprintln!(
            "eksposture: Security Hub: failed {}: {}: {}",
            f.id, f.code, f.message
        );
    }
    if r.failed.len() > SHOWN_FAILURES {
        eprintln!(
            "eksposture: Security Hub: ... and {} more failed findings",
            r.failed.len() - SHOWN_FAILURES
        );
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{CheckKind, Finding, Inventory, ResourceRef, Severity, Status};

    use super::complete_checks;

    fn finding(check: &str, status: Status) -> Finding {
        Finding {
            check_id: check.into(),
            title: "t".into(),
            severity: Severity::Low,
            kind: CheckKind::Configuration,
            status,
            message: "m".into(),
            account_id: String::new(),
            resource: ResourceRef::new("AwsEcrRepository", format!("arn:{check}"), "us-east-1"),
            evidence: Vec::new(),
            remediation: "r".into(),
            compliance: Vec::new(),
            suppressed: None,
        }
    }

    #[test]
    fn a_check_with_an_unknown_finding_or_not_selected_is_not_complete() {
        let inv: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": "1",
            "scan": {"account_id": "123456789012", "partition": "aws", "regions": ["us-east-1"],
                     "started_at": "2026-11-01T00:00:00Z", "finished_at": "2026-11-01T00:00:01Z"}
        }))
        .unwrap();
        let report = eksposture_report::build(
            &inv,
            vec![
                finding("ecr-tags-immutable", Status::Fail),
                finding("ecr-lifecycle-policy", Status::Pass),
                finding("ecr-lifecycle-policy", Status::Unknown),
            ],
            "0",
        );
        let selected = eksposture_checks::select(Some(&[
            "ecr-tags-immutable".to_string(),
            "ecr-lifecycle-policy".to_string(),
            "ecr-repo-not-public".to_string(),
        ]))
        .unwrap();
        let complete = complete_checks(&report, &selected);
        assert_eq!(
            complete.into_iter().collect::<Vec<_>>(),
            ["ecr-repo-not-public", "ecr-tags-immutable"]
        );
    }
}
