//! Scan-to-scan comparison (`eksposture diff`, `audit --baseline`): which
//! failures are new, which were fixed, and which merely dropped out of sight.
//!
//! A finding is keyed by (account, check id, resource id); both reports must
//! be of the same account. "Failing" means [`Finding::is_failing`]: failing
//! and not suppressed. A failure that is unknown now, or no longer reported,
//! is never counted as resolved: only a `pass` shows a fix.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use comfy_table::{Cell, Color, ColumnConstraint, Width};
use eksposture_model::text::{or_dash, plural};
use eksposture_model::{Finding, Severity, Status, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};

use crate::contract::{
    counts_line, Absence, BaselineDiff, Change, DiffCounts, Report, ScanSide, State, Tool,
    TOOL_NAME,
};
use crate::table::{new_table, resolve_width, short_resource, Paint, TableOptions};

/// Two reports that cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error("the reports are of different accounts (old: {old}, new: {new}); a diff compares two scans of one account")]
    AccountMismatch { old: String, new: String },
}

/// The comparison of two reports of one account (`eksposture diff --output
/// json`). Every list is sorted by severity (critical first), then check id,
/// then resource id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    pub schema_version: String,
    pub tool: Tool,
    pub account_id: String,
    pub partition: String,
    pub old_scan: ScanSide,
    pub new_scan: ScanSide,
    pub counts: DiffCounts,
    /// Failing now, not failing before (absent, pass, unknown or suppressed).
    pub new: Vec<Change>,
    /// Failing before, unknown now: not resolved, only unseen.
    pub now_unknown: Vec<Change>,
    /// Failing before, not reported now at all.
    pub gone: Vec<Change>,
    /// Failing before, still failing but suppressed now.
    pub now_suppressed: Vec<Change>,
    /// Failing before, passing now.
    pub resolved: Vec<Change>,
    /// Failing in both.
    pub unchanged: Vec<Change>,
}

impl Diff {
    /// Whether a new failure is at `threshold` or a more severe level.
    pub fn new_at_or_above(&self, threshold: Severity) -> bool {
        self.new.iter().any(|c| c.severity >= threshold)
    }

    /// The section `audit --baseline` adds to the new report.
    pub fn into_baseline(self) -> BaselineDiff {
        BaselineDiff {
            baseline: self.old_scan,
            counts: self.counts,
            new: self.new,
            now_unknown: self.now_unknown,
            gone: self.gone,
            now_suppressed: self.now_suppressed,
            resolved: self.resolved,
        }
    }
}

/// One report's findings by (check id, resource id).
struct Index<'a> {
    by_key: BTreeMap<(&'a str, &'a str), &'a Finding>,
    checks: BTreeSet<&'a str>,
    regions: BTreeSet<&'a str>,
    /// Unknown findings that stand for every resource under an id prefix
    /// (`.../cluster/*` when a region's clusters could not be listed).
    wildcard_unknowns: Vec<&'a Finding>,
}

impl<'a> Index<'a> {
    fn of(report: &'a Report) -> Self {
        let mut by_key: BTreeMap<(&str, &str), &Finding> = BTreeMap::new();
        let mut wildcard_unknowns = Vec::new();
        for f in &report.findings {
            let slot = by_key
                .entry((f.check_id.as_str(), f.resource.id.as_str()))
                .or_insert(f);
            if State::of(f).rank() < State::of(slot).rank() {
                *slot = f;
            }
            if f.status == Status::Unknown && f.resource.id.ends_with('*') {
                wildcard_unknowns.push(f);
            }
        }
        Index {
            by_key,
            checks: report
                .findings
                .iter()
                .map(|f| f.check_id.as_str())
                .collect(),
            regions: report.scan.regions.iter().map(String::as_str).collect(),
            wildcard_unknowns,
        }
    }

    fn state(&self, key: (&str, &str)) -> (State, Option<&'a Finding>) {
        match self.by_key.get(&key) {
            Some(f) => (State::of(f), Some(*f)),
            None => (State::Absent, None),
        }
    }

    /// Why this report has nothing for `check` on a resource in `region`
    /// that `other` reported.
    fn absence(&self, other: &Index<'_>, check: &str, region: &str) -> Absence {
        if other.regions.contains(region) && !self.regions.contains(region) {
            Absence::RegionNotScanned
        } else if !self.checks.contains(check) {
            Absence::CheckNotReported
        } else {
            Absence::ResourceNotReported
        }
    }

    /// An unknown finding of `check` that covers `resource_id` by prefix.
    fn covering_unknown(&self, check: &str, resource_id: &str) -> Option<&'a Finding> {
        self.wildcard_unknowns.iter().copied().find(|f| {
            f.check_id == check
                && f.resource
                    .id
                    .strip_suffix('*')
                    .is_some_and(|prefix| resource_id.starts_with(prefix))
        })
    }
}

fn side(report: &Report) -> ScanSide {
    ScanSide {
        file: None,
        tool_version: report.tool.version.clone(),
        started_at: report.scan.started_at.clone(),
        finished_at: report.scan.finished_at.clone(),
        regions: report.scan.regions.clone(),
        gaps: report.gaps.len() as u64,
    }
}

fn account_label(report: &Report) -> String {
    format!(
        "{} ({})",
        or_dash(&report.scan.account_id),
        or_dash(&report.scan.partition)
    )
}

/// Compares two reports of one account.
pub fn diff(old: &Report, new: &Report) -> Result<Diff, DiffError> {
    if old.scan.account_id != new.scan.account_id || old.scan.partition != new.scan.partition {
        return Err(DiffError::AccountMismatch {
            old: account_label(old),
            new: account_label(new),
        });
    }
    let before = Index::of(old);
    let after = Index::of(new);
    let mut d = Diff {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool {
            name: TOOL_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        account_id: new.scan.account_id.clone(),
        partition: new.scan.partition.clone(),
        old_scan: side(old),
        new_scan: side(new),
        counts: DiffCounts::default(),
        new: Vec::new(),
        now_unknown: Vec::new(),
        gone: Vec::new(),
        now_suppressed: Vec::new(),
        resolved: Vec::new(),
        unchanged: Vec::new(),
    };
    let keys: BTreeSet<(&str, &str)> = before
        .by_key
        .keys()
        .chain(after.by_key.keys())
        .copied()
        .collect();
    for key in keys {
        let (was, old_f) = before.state(key);
        let (is, new_f) = after.state(key);
        match (was, is, old_f, new_f) {
            (State::Fail, State::Fail, _, Some(n)) => d.unchanged.push(change(n, was, is, None)),
            (_, State::Fail, _, Some(n)) => {
                let absent_because = old_f
                    .is_none()
                    .then(|| before.absence(&after, key.0, &n.resource.region));
                let mut c = change(n, was, is, absent_because);
                c.suppression = old_f.and_then(|o| o.suppressed.clone());
                d.new.push(c);
            }
            (State::Fail, State::Pass, Some(o), _) => d.resolved.push(change(o, was, is, None)),
            (State::Fail, State::Suppressed, Some(o), Some(n)) => {
                let mut c = change(o, was, is, None);
                c.suppression.clone_from(&n.suppressed);
                d.now_suppressed.push(c);
            }
            (State::Fail, State::Unknown, Some(o), Some(n)) => {
                let mut c = change(o, was, is, None);
                c.message.clone_from(&n.message);
                d.now_unknown.push(c);
            }
            (State::Fail, State::Absent, Some(o), None) => {
                if let Some(u) = after.covering_unknown(key.0, key.1) {
                    let mut c = change(o, was, State::Unknown, None);
                    c.message.clone_from(&u.message);
                    d.now_unknown.push(c);
                } else {
                    let why = after.absence(&before, key.0, &o.resource.region);
                    d.gone.push(change(o, was, is, Some(why)));
                }
            }
            _ => {}
        }
    }
    for list in [
        &mut d.new,
        &mut d.now_unknown,
        &mut d.gone,
        &mut d.now_suppressed,
        &mut d.resolved,
        &mut d.unchanged,
    ] {
        // Stable: ties keep the (check id, resource id) order of the keys.
        list.sort_by_key(|c| std::cmp::Reverse(c.severity));
    }
    d.counts = DiffCounts {
        new: d.new.len() as u64,
        resolved: d.resolved.len() as u64,
        gone: d.gone.len() as u64,
        now_unknown: d.now_unknown.len() as u64,
        now_suppressed: d.now_suppressed.len() as u64,
        unchanged: d.unchanged.len() as u64,
    };
    Ok(d)
}

fn change(f: &Finding, before: State, after: State, absent_because: Option<Absence>) -> Change {
    Change {
        check_id: f.check_id.clone(),
        severity: f.severity,
        resource: f.resource.clone(),
        before,
        after,
        absent_because,
        message: f.message.clone(),
        suppression: f.suppressed.clone(),
    }
}

/// The diff as pretty-printed JSON with a trailing newline.
pub fn render_diff_json(diff: &Diff) -> String {
    // Serialising plain structs with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(diff).unwrap_or_default();
    out.push('\n');
    out
}

/// The diff for people: both scans, every change but the unchanged
/// failures, and the counts.
pub fn render_diff_table(diff: &Diff, opts: TableOptions) -> String {
    let width = resolve_width(opts);
    let paint = Paint(opts.color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} diff · account {} ({})",
        diff.tool.name,
        or_dash(&diff.account_id),
        or_dash(&diff.partition)
    );
    for (label, s) in [("Old", &diff.old_scan), ("New", &diff.new_scan)] {
        let _ = write!(
            out,
            "{label}: {} · eksposture {} · scanned {} to {}",
            s.file.as_deref().unwrap_or("report"),
            or_dash(&s.tool_version),
            or_dash(&s.started_at),
            or_dash(&s.finished_at),
        );
        if s.gaps > 0 {
            let _ = write!(
                out,
                " · {}",
                paint.yellow(&format!(
                    "incomplete ({} {} failed)",
                    s.gaps,
                    plural(s.gaps, "read", "reads")
                ))
            );
        }
        out.push('\n');
    }
    out.push('\n');

    let multi_region = diff.old_scan.regions.len() > 1 || diff.new_scan.regions.len() > 1;
    let rows: Vec<(Kind, &Change)> = [
        (Kind::New, &diff.new),
        (Kind::NowUnknown, &diff.now_unknown),
        (Kind::Gone, &diff.gone),
        (Kind::NowSuppressed, &diff.now_suppressed),
        (Kind::Resolved, &diff.resolved),
    ]
    .into_iter()
    .flat_map(|(k, list)| list.iter().map(move |c| (k, c)))
    .collect();
    if rows.is_empty() {
        let _ = writeln!(out, "No failing finding changed.");
    } else {
        let _ = writeln!(
            out,
            "{}",
            changes_table(&rows, multi_region, width, opts.color)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "Changes: {}", counts_line(&diff.counts));
    if diff.counts.now_unknown + diff.counts.gone > 0 {
        let _ = writeln!(
            out,
            "Failures that are unknown now or gone are not counted as resolved: the new scan did not show them fixed."
        );
    }
    out
}

#[derive(Clone, Copy)]
enum Kind {
    New,
    NowUnknown,
    Gone,
    NowSuppressed,
    Resolved,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::NowUnknown => "unknown now",
            Kind::Gone => "gone",
            Kind::NowSuppressed => "suppressed now",
            Kind::Resolved => "resolved",
        }
    }

    fn color(self) -> Option<Color> {
        match self {
            Kind::New => Some(Color::Red),
            Kind::NowUnknown => Some(Color::Yellow),
            Kind::Resolved => Some(Color::Green),
            Kind::Gone | Kind::NowSuppressed => None,
        }
    }
}

fn detail(kind: Kind, c: &Change) -> String {
    let msg = &c.message;
    let entry = c
        .suppression
        .as_ref()
        .map_or_else(String::new, |s| format!(" by {}: {}", s.entry, s.reason));
    match kind {
        Kind::New => match (c.before, c.absent_because) {
            (State::Suppressed, _) => format!("no longer suppressed (was{entry}); {msg}"),
            (State::Unknown, _) => format!("was unknown; {msg}"),
            (
                State::Absent,
                Some(why @ (Absence::RegionNotScanned | Absence::CheckNotReported)),
            ) => {
                format!("{}; {msg}", why.describe("before"))
            }
            _ => msg.clone(),
        },
        Kind::NowUnknown => format!("not evaluated now: {msg}"),
        Kind::Gone => match c.absent_because {
            Some(why) => format!("{}; was: {msg}", why.describe("now")),
            None => format!("was: {msg}"),
        },
        Kind::NowSuppressed => format!("still failing, suppressed{entry}; {msg}"),
        Kind::Resolved => format!("passes now; was: {msg}"),
    }
}

fn changes_table(
    rows: &[(Kind, &Change)],
    multi_region: bool,
    width: u16,
    color: bool,
) -> comfy_table::Table {
    let mut table = new_table(width, color);
    let mut header = vec!["Change", "Severity", "Check", "Resource"];
    if multi_region {
        header.push("Region");
    }
    header.push("Detail");
    table.set_header(header);
    for (kind, c) in rows {
        let mut label = Cell::new(kind.label());
        if let (true, Some(fg)) = (color, kind.color()) {
            label = label.fg(fg);
        }
        let mut row = vec![
            label,
            Cell::new(c.severity.as_str()),
            Cell::new(&c.check_id),
            Cell::new(short_resource(&c.resource.id)),
        ];
        if multi_region {
            row.push(Cell::new(&c.resource.region));
        }
        row.push(Cell::new(detail(*kind, c)));
        table.add_row(row);
    }
    for i in 0..3 {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    if let Some(col) = table.column_mut(3) {
        col.set_constraint(ColumnConstraint::UpperBoundary(Width::Percentage(25)));
    }
    table
}

#[cfg(test)]
mod tests;
