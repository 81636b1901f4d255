//! `--output csv`: one row per finding, for spreadsheets and ticket imports.
//!
//! RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a
//! comma, quote or line break, quotes doubled. Resource names and tags come
//! from the scanned account, so a cell that a spreadsheet would evaluate as a
//! formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed with `'` (OWASP's
//! CSV-injection advice); ARNs and ids never start with those characters.

use crate::contract::Report;

/// The header row, in column order.
pub const CSV_COLUMNS: [&str; 17] = [
    "account_id",
    "partition",
    "region",
    "check_id",
    "title",
    "severity",
    "status",
    "suppressed",
    "suppression_reason",
    "suppression_expires",
    "resource_type",
    "resource_id",
    "message",
    "evidence",
    "remediation",
    "compliance",
    // With `audit --baseline`: new, unchanged, resolved, now_unknown or
    // now_suppressed; empty otherwise.
    "baseline_change",
];

/// The findings of `report` as CSV, header first, in the report's order.
pub fn render_csv(report: &Report) -> String {
    let mut out = String::new();
    push_row(&mut out, CSV_COLUMNS.iter().map(|c| (*c).to_string()));
    for f in &report.findings {
        let suppression = f.suppressed.as_ref();
        let evidence = f
            .evidence
            .iter()
            .map(|e| format!("{} {}: {}", e.kind, e.id, e.detail))
            .collect::<Vec<_>>()
            .join(" -> ");
        push_row(
            &mut out,
            [
                if f.account_id.is_empty() {
                    report.scan.account_id.clone()
                } else {
                    f.account_id.clone()
                },
                report.scan.partition.clone(),
                f.resource.region.clone(),
                f.check_id.clone(),
                f.title.clone(),
                f.severity.as_str().to_string(),
                f.status.as_str().to_string(),
                suppression.is_some().to_string(),
                suppression.map(|s| s.reason.clone()).unwrap_or_default(),
                suppression
                    .and_then(|s| s.expires.clone())
                    .unwrap_or_default(),
                f.resource.kind.clone(),
                f.resource.id.clone(),
                f.message.clone(),
                evidence,
                f.remediation.clone(),
                f.compliance.join(";"),
                report
                    .diff
                    .as_ref()
                    .and_then(|d| d.change_of(f))
                    .unwrap_or_default()
                    .to_string(),
            ]
            .into_iter(),
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, &cell);
    }
    out.push_str("\r\n");
}

fn push_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        let mut s = String::new();
        push_cell(&mut s, text);
        s
    }

    #[test]
    fn plain_cells_are_bare() {
        assert_eq!(
            cell("arn:aws:eks:us-east-1:1:cluster/prod"),
            "arn:aws:eks:us-east-1:1:cluster/prod"
        );
        assert_eq!(cell(""), "");
    }

    #[test]
    fn commas_quotes_and_newlines_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("-1"), "\"'-1\"");
    }
}
