//! The human-readable rendering: a header, the failing findings, the
//! suppressed ones, a summary, suppression warnings and the gaps.

use std::fmt::Write as _;

use comfy_table::{
    presets, Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width,
};
use eksposture_model::text::{count, or_dash, plural, truncate_chars};
use eksposture_model::{arn, ComplianceView, ControlStatus, Finding, Severity, Status};

use crate::contract::{counts_line, AccountStatus, BaselineDiff, Report};

/// Width used when the caller gives none and stdout is not a terminal.
const DEFAULT_WIDTH: u16 = 120;
/// Narrower terminals get the default width and wrap.
const MIN_TERMINAL_WIDTH: u16 = 40;
/// Gap messages are AWS error texts, sometimes whole HTML pages.
const GAP_MESSAGE_CHARS: usize = 100;

/// How to draw the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// ANSI colours (the caller decides: a terminal and no `NO_COLOR`).
    pub color: bool,
    /// Total width in columns; `None`: the terminal's width when stdout is a
    /// terminal, else 120.
    pub width: Option<u16>,
}

/// The report for people, sized to the terminal.
pub fn render_table(report: &Report, color: bool) -> String {
    render_table_with(report, TableOptions { color, width: None })
}

/// The width asked for, else the terminal's, else the default.
pub(crate) fn resolve_width(opts: TableOptions) -> u16 {
    opts.width
        // A pseudo-terminal without a size (`script`, some CI runners)
        // reports 0 columns.
        .or_else(|| Table::new().width().filter(|&w| w >= MIN_TERMINAL_WIDTH))
        .unwrap_or(DEFAULT_WIDTH)
}

pub fn render_table_with(report: &Report, opts: TableOptions) -> String {
    let width = resolve_width(opts);
    let paint = Paint(opts.color);
    let mut out = String::new();

    let scan = &report.scan;
    let who = if report.is_multi_account() {
        let failed = report
            .accounts
            .iter()
            .filter(|a| a.status == AccountStatus::Failed)
            .count();
        format!(
            "{} ({} scanned, {failed} failed) · run from account {} ({})",
            count(report.accounts.len() as u64, "account", "accounts"),
            report.accounts.len() - failed,
            or_dash(&scan.account_id),
            or_dash(&scan.partition),
        )
    } else {
        format!(
            "account {} ({})",
            or_dash(&scan.account_id),
            or_dash(&scan.partition)
        )
    };
    let _ = writeln!(
        out,
        "{} {} · {who} · {} {}",
        report.tool.name,
        report.tool.version,
        plural(scan.regions.len(), "region", "regions"),
        if scan.regions.is_empty() {
            "-".to_string()
        } else {
            scan.regions.join(", ")
        },
    );
    let _ = writeln!(
        out,
        "Scanned {} to {}",
        or_dash(&scan.started_at),
        or_dash(&scan.finished_at),
    );
    out.push('\n');

    let failing: Vec<&Finding> = report.failing().collect();
    if failing.is_empty() {
        let _ = writeln!(out, "{}", paint.green("No failing findings."));
    } else {
        let columns = Columns {
            account: report.is_multi_account(),
            region: scan.regions.len() > 1,
        };
        let _ = writeln!(
            out,
            "{}",
            findings_table(&failing, report.diff.as_ref(), columns, width, opts.color)
        );
    }
    out.push('\n');

    let suppressed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.suppressed.is_some())
        .collect();
    if !suppressed.is_empty() {
        let _ = writeln!(
            out,
            "Suppressed ({}): failing findings accepted by a suppression entry",
            suppressed.len()
        );
        let _ = writeln!(out, "{}", suppressed_table(&suppressed, width, opts.color));
        out.push('\n');
    }

    let s = &report.summary;
    let _ = write!(
        out,
        "Summary: {} failing, {} passing, {} unknown",
        s.fail, s.pass, s.unknown
    );
    if report.suppressions.is_some() || s.suppressed > 0 {
        let _ = write!(out, ", {} suppressed", s.suppressed);
    }
    out.push('\n');
    if let Some(first) = s.skipped.first() {
        let _ = writeln!(
            out,
            "Not run ({}): {}",
            first.by,
            eksposture_model::text::count(s.skipped.len(), "Kubernetes check", "Kubernetes checks")
        );
    }
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .map(|&sev| {
            let label = format!("{} {}", sev.as_str(), s.by_severity.get(sev));
            if s.by_severity.get(sev) > 0 {
                paint.severity(sev, &label)
            } else {
                label
            }
        })
        .collect();
    let _ = writeln!(out, "Failing by severity: {}", by_severity.join(" · "));
    if report.is_multi_account() {
        out.push('\n');
        let _ = writeln!(out, "Accounts:");
        let _ = writeln!(out, "{}", accounts_table(report, width, opts.color));
    }
    if let Some(b) = &report.diff {
        let _ = writeln!(
            out,
            "Since the baseline {} (scanned {}): {}",
            b.baseline.file.as_deref().unwrap_or("report"),
            or_dash(&b.baseline.started_at),
            counts_line(&b.counts),
        );
    }
    if s.unknown > 0 {
        let _ = writeln!(
            out,
            "{} {} could not be evaluated because a value could not be read; run with --output json for details.",
            s.unknown,
            plural(s.unknown, "finding", "findings"),
        );
    }

    if let Some(sup) = &report.suppressions {
        out.push('\n');
        let _ = writeln!(
            out,
            "Suppressions ({}): {}, {} in use, {} suppressed",
            sup.file,
            count(sup.entries, "entry", "entries"),
            sup.matched.len(),
            count(s.suppressed, "failing finding", "failing findings"),
        );
        for w in sup.warnings() {
            let _ = writeln!(out, "{}", paint.yellow(&format!("warning: {w}")));
        }
    }

    for view in &report.compliance {
        out.push('\n');
        let _ = writeln!(out, "Compliance: {} ({})", view.title, view.framework);
        let _ = writeln!(out, "{}", compliance_table(view, width, opts.color));
    }

    if !report.gaps.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}",
            paint.yellow(&format!(
                "Scan incomplete: {} {} failed; results that depend on {} are unknown.",
                report.gaps.len(),
                plural(report.gaps.len(), "read", "reads"),
                plural(report.gaps.len(), "it", "them"),
            ))
        );
        let _ = writeln!(out, "{}", gaps_table(report, width));
    }
    out
}

/// The optional columns of the findings table.
#[derive(Clone, Copy)]
struct Columns {
    account: bool,
    region: bool,
}

fn accounts_table(report: &Report, width: u16, color: bool) -> Table {
    let mut table = new_table(width, color);
    table.set_header([
        "Account", "Status", "Regions", "Fail", "Pass", "Unknown", "Gaps",
    ]);
    for a in &report.accounts {
        let mut status = Cell::new(match a.status {
            AccountStatus::Scanned => "scanned",
            AccountStatus::Failed => "failed",
        });
        if color && a.status == AccountStatus::Failed {
            status = status.fg(Color::Red);
        }
        table.add_row([
            Cell::new(&a.account_id),
            status,
            Cell::new(a.regions.len()),
            Cell::new(a.summary.fail),
            Cell::new(a.summary.pass),
            Cell::new(a.summary.unknown),
            Cell::new(a.gaps),
        ]);
    }
    table
}

fn findings_table(
    failing: &[&Finding],
    baseline: Option<&BaselineDiff>,
    columns: Columns,
    width: u16,
    color: bool,
) -> Table {
    let mut table = new_table(width, color);
    let mut header = Vec::new();
    if baseline.is_some() {
        header.push("Change");
    }
    header.extend(["Severity", "Check"]);
    if columns.account {
        header.push("Account");
    }
    header.push("Resource");
    if columns.region {
        header.push("Region");
    }
    header.push("Message");
    table.set_header(header);
    for f in failing {
        let mut severity = Cell::new(f.severity.as_str());
        if color {
            severity = severity.fg(severity_color(f.severity));
            if f.severity == Severity::Critical {
                severity = severity.add_attribute(Attribute::Bold);
            }
        }
        let mut row = Vec::new();
        if let Some(b) = baseline {
            let new = b.change_of(f) == Some("new");
            let mut mark = Cell::new(if new { "new" } else { "" });
            if color {
                mark = mark.fg(Color::Red);
            }
            row.push(mark);
        }
        row.extend([severity, Cell::new(&f.check_id)]);
        if columns.account {
            row.push(Cell::new(&f.account_id));
        }
        row.push(Cell::new(short_resource(&f.resource.id)));
        if columns.region {
            row.push(Cell::new(&f.resource.region));
        }
        row.push(Cell::new(&f.message));
        table.add_row(row);
    }
    // The change mark, severity, check and account ids never wrap; the
    // resource gets at most a third of the width and the message the rest.
    let first = usize::from(baseline.is_some()) + usize::from(columns.account);
    for i in 0..first + 2 {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    if let Some(col) = table.column_mut(first + 2) {
        col.set_constraint(ColumnConstraint::UpperBoundary(Width::Percentage(30)));
    }
    table
}

fn suppressed_table(suppressed: &[&Finding], width: u16, color: bool) -> Table {
    let mut table = new_table(width, color);
    table.set_header(["Severity", "Check", "Resource", "Reason"]);
    for f in suppressed {
        let reason = f.suppressed.as_ref().map_or(String::new(), |s| {
            let until = s
                .expires
                .as_deref()
                .map_or(String::new(), |d| format!(", until {d}"));
            format!("{} ({}{until})", s.reason, s.entry)
        });
        table.add_row([
            Cell::new(f.severity.as_str()),
            Cell::new(&f.check_id),
            Cell::new(short_resource(&f.resource.id)),
            Cell::new(reason),
        ]);
    }
    for i in 0..2 {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    if let Some(col) = table.column_mut(2) {
        col.set_constraint(ColumnConstraint::UpperBoundary(Width::Percentage(30)));
    }
    table
}

fn compliance_table(view: &ComplianceView, width: u16, color: bool) -> Table {
    let mut table = new_table(width, color);
    table.set_header(["Control", "Status", "Fail", "Pass", "Unknown", "Title"]);
    for c in &view.controls {
        let mut status = Cell::new(c.status.as_str());
        if color {
            status = match c.status {
                ControlStatus::Fail => status.fg(Color::Red),
                ControlStatus::Unknown => status.fg(Color::Yellow),
                ControlStatus::Pass => status.fg(Color::Green),
                ControlStatus::NotEvaluated | ControlStatus::NotCovered => status,
            };
        }
        table.add_row([
            Cell::new(&c.control),
            status,
            Cell::new(c.fail),
            Cell::new(c.pass),
            Cell::new(c.unknown),
            Cell::new(&c.title),
        ]);
    }
    for i in 0..5 {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
}

fn gaps_table(report: &Report, width: u16) -> Table {
    let mut table = new_table(width, false);
    let multi = report.is_multi_account();
    let mut header = Vec::new();
    if multi {
        header.push("Account");
    }
    header.extend(["Service", "Region", "Operation", "Reason", "Message"]);
    table.set_header(header);
    for g in &report.gaps {
        let mut row = Vec::new();
        if multi {
            row.push(g.account_id.clone().unwrap_or_default());
        }
        row.extend([
            g.service.clone(),
            g.region.clone(),
            g.operation.clone(),
            g.reason.as_str().to_string(),
            truncate_chars(&one_line(&g.message), GAP_MESSAGE_CHARS),
        ]);
        table.add_row(row);
    }
    for i in 0..4 + usize::from(multi) {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
}

pub(crate) fn new_table(width: u16, color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// The resource part of an ARN (`cluster/prod`); ids that are not ARNs as
/// they are. The JSON report keeps the full ARN.
pub(crate) fn short_resource(id: &str) -> &str {
    arn::parse(id).map_or(id, |a| a.resource)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn severity_color(severity: Severity) -> Color {
    match severity {
        Severity::Critical | Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
        Severity::Informational => Color::Reset,
    }
}

/// ANSI colouring of text outside the tables, off unless asked for.
#[derive(Clone, Copy)]
pub(crate) struct Paint(pub(crate) bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }

    pub(crate) fn yellow(self, s: &str) -> String {
        self.wrap("33", s)
    }

    fn severity(self, severity: Severity, s: &str) -> String {
        match severity {
            Severity::Critical => self.wrap("1;31", s),
            Severity::High => self.wrap("31", s),
            Severity::Medium => self.wrap("33", s),
            Severity::Low => self.wrap("34", s),
            Severity::Informational => s.to_string(),
        }
    }
}
