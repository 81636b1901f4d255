//! `eksposture checks` and `eksposture explain`: the check registry for people.

use std::fmt::Write as _;

use anyhow::Result;
use eksposture_checks::{UnknownCheck, CHECKS};
use serde_json::json;

use crate::args::{ChecksArgs, ListFormat};
use eksposture_audit::exit::{usage, Failure, Outcome};
use eksposture_audit::output;

pub fn list(args: &ChecksArgs) -> Result<Outcome, Failure> {
    let text = match args.output {
        ListFormat::Json => json_listing(),
        ListFormat::Table => table_listing(),
        ListFormat::Markdown => eksposture_checks::docs::markdown(),
    };
    output::print(&text).map_err(usage)?;
    Ok(Outcome::Clean)
}

fn json_listing() -> String {
    let checks: Vec<_> = CHECKS
        .iter()
        .map(|c| {
            json!({
                "id": c.meta.id,
                "title": c.meta.title,
                "severity": c.meta.severity,
                "resource_type": c.meta.resource_type,
                "compliance": c.meta.compliance,
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&checks).unwrap_or_default();
    out.push('\n');
    out
}

fn table_listing() -> String {
    let id_width = CHECKS
        .iter()
        .map(|c| c.meta.id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let mut out = String::new();
    let _ = writeln!(out, "{:<id_width$}  {:<13}  TITLE", "ID", "SEVERITY");
    for c in CHECKS {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<13}  {}",
            c.meta.id,
            c.meta.severity.as_str(),
            c.meta.title
        );
    }
    out
}

pub fn explain(id: &str) -> Result<Outcome, Failure> {
    let check = eksposture_checks::find(id).ok_or_else(|| usage(UnknownCheck(id.to_string())))?;
    output::print(&eksposture_checks::docs::explain(check.meta)).map_err(usage)?;
    Ok(Outcome::Clean)
}
