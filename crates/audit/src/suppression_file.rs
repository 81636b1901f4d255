//! `audit --suppressions FILE`, or `./eksposture.toml` when present: read and
//! validated before any scan, applied to the report on the scan's date.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use eksposture_model::Inventory;
use eksposture_report::suppress::{self, Date, Suppressions};
use eksposture_report::Report;

/// Read from the working directory unless `--suppressions` or
/// `--no-suppressions` says otherwise.
pub const DEFAULT_FILE: &str = "eksposture.toml";

/// The suppression file to use (`file`, else [`DEFAULT_FILE`] when
/// present, never with `none`), parsed, with every check pattern matching
/// a registered check; `None` when there is none.
pub fn load(file: Option<&Path>, none: bool) -> Result<Option<Suppressions>> {
    let path = match file {
        _ if none => return Ok(None),
        Some(path) => path.to_path_buf(),
        None => {
            let path = PathBuf::from(DEFAULT_FILE);
            if !path.exists() {
                return Ok(None);
            }
            path
        }
    };
    read(&path).map(Some)
}

fn read(path: &Path) -> Result<Suppressions> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read suppression file {}", path.display()))?;
    let file = Suppressions::parse(&path.display().to_string(), &text)?;
    let ids: Vec<&str> = eksposture_checks::CHECKS
        .iter()
        .map(|c| c.meta.id)
        .collect();
    file.check_ids(&ids)?;
    Ok(file)
}

/// Marks the suppressed findings and prints one warning line per expired
/// or unmatched entry to stderr (they are in the report too).
pub fn apply(report: &mut Report, file: &Suppressions, inventories: &[Inventory]) {
    // Resource ids are ARNs, which name their account: one map serves
    // every account of the scan.
    let tags: std::collections::BTreeMap<_, _> = inventories
        .iter()
        .flat_map(Inventory::tags_by_resource)
        .collect();
    let today = scan_date(&report.scan.started_at);
    suppress::apply(report, file, today, &|id| tags.get(id).copied());
    for warning in report
        .suppressions
        .iter()
        .flat_map(eksposture_report::SuppressionSummary::warnings)
    {
        eprintln!("eksposture: warning: {warning}");
    }
}

/// The UTC day the scan started, so re-evaluating a saved inventory gives
/// the same result on any later day; today when the inventory has no date.
fn scan_date(started_at: &str) -> Date {
    started_at
        .get(..10)
        .and_then(Date::parse)
        .unwrap_or_else(|| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Date::from_unix_seconds(now)
        })
}
