//! Renders the findings of a scan: the [`Report`] (the JSON contract that
//! machines read back, see DESIGN.md "Report contract"), a table for people,
//! a self-contained HTML page, and JSON; reads saved reports back and
//! compares two of them ([`diff`]). Nothing here talks to AWS or decides
//! exit codes.

mod accounts;
pub mod asff;
mod build;
mod contract;
mod csv;
mod diff;
mod html;
mod load;
pub mod suppress;
mod table;

pub use accounts::build_accounts;
pub use build::{build, render_json};
pub use contract::{
    Absence, AccountEntry, AccountStatus, BaselineDiff, BySeverity, Change, DiffCounts, EntryInfo,
    EntryMatches, Report, ScanSide, Skipped, State, Summary, SuppressionSummary, Tool, TOOL_NAME,
};
pub use csv::{render_csv, CSV_COLUMNS};
pub use diff::{diff, render_diff_json, render_diff_table, Diff, DiffError};
pub use html::{render_html, CONTENT_SECURITY_POLICY};
pub use load::{load_report, parse_report, LoadError};
pub use table::{render_table, render_table_with, TableOptions};

#[cfg(test)]
mod tests;
