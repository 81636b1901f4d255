//! The checks: pure functions from the resource graph to findings.
//!
//! A check is one file, `src/<service>/<slug>.rs`, whose id is
//! `<service>-<slug>` (underscores become dashes). The file declares its
//! metadata once with [`declare_check!`] (the doc comment is the check's
//! documentation, with executable `## Examples`), then `fn evaluate`, then its
//! tests. Checks never call AWS, read the clock or the environment.

pub mod compliance;
pub mod docs;
mod emit;
mod registry;
#[cfg(test)]
mod testing;

pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod eks;
pub mod iam;
mod imds;
pub mod inspector;
pub mod kubernetes;
pub mod path;
mod support;

use eksposture_model::{CheckKind, Finding, Graph, Inventory, Severity};

pub use emit::Findings;
pub use registry::CHECKS;

/// A check's metadata, declared once in its file.
#[derive(Debug)]
pub struct CheckMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Configuration, vulnerability, or attack path with its tactic; every
    /// finding carries it, so renderers need no list of check ids.
    pub kind: CheckKind,
    /// ASFF resource type of the resources it evaluates.
    pub resource_type: &'static str,
    pub remediation: &'static str,
    /// `FRAMEWORK:control`, e.g. `CIS-EKS-1.8:5.4.2`.
    pub compliance: &'static [&'static str],
    /// Markdown: `## What it checks`, `## Rationale`, `## Remediation`, `## Examples`.
    pub doc: &'static str,
    /// Source file, to tie the id to the path.
    pub file: &'static str,
}

impl CheckMeta {
    /// The documentation with the one leading space of each `///` line removed.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `(kind, json)` for every ```` ```json,<kind> ```` block of the
    /// documentation: the examples each check's tests and every renderer's
    /// tests run.
    pub fn examples(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut current: Option<(String, String)> = None;
        for line in self.documentation().lines() {
            let t = line.trim();
            if let Some((kind, body)) = current.as_mut() {
                if t == "```" {
                    out.push((kind.clone(), body.clone()));
                    current = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            } else if let Some(kind) = t.strip_prefix("```json,") {
                current = Some((kind.trim().to_string(), String::new()));
            }
        }
        out
    }
}

/// A registered check.
pub struct Check {
    pub meta: &'static CheckMeta,
    pub evaluate: fn(&Graph<'_>, &mut Findings),
}

impl Check {
    /// Whether the check judges the clusters' own Kubernetes API (the
    /// `kubernetes` service), so `--no-kubernetes` skips it.
    pub fn reads_kubernetes(&self) -> bool {
        self.meta.id.starts_with("kubernetes-")
    }
}

/// Declares a check's metadata as `pub static META`. The doc comment above
/// the fields becomes the check's documentation. `kind` is `Configuration`,
/// `Vulnerability`, or `AttackPath { tactic: <Tactic>, entry: <PathEntry> }`.
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        id: $id:literal,
        title: $title:literal,
        severity: $sev:ident,
        kind: $kind:ident $({ tactic: $tactic:ident, entry: $entry:ident })?,
        resource_type: $rt:literal,
        remediation: $rem:literal,
        compliance: [$($c:literal),* $(,)?] $(,)?
    ) => {
        $(#[doc = $doc])*
        pub static META: $crate::CheckMeta = $crate::CheckMeta {
            id: $id,
            title: $title,
            severity: eksposture_model::Severity::$sev,
            kind: eksposture_model::CheckKind::$kind $({
                tactic: eksposture_model::Tactic::$tactic,
                entry: eksposture_model::PathEntry::$entry,
            })?,
            resource_type: $rt,
            remediation: $rem,
            compliance: &[$($c),*],
            doc: concat!($($doc, "\n"),*),
            file: file!(),
        };
    };
}

/// An id given to `--checks` that no check has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCheck(pub String);

impl std::fmt::Display for UnknownCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown check id {:?} (run `eksposture checks` to list them)",
            self.0
        )
    }
}

impl std::error::Error for UnknownCheck {}

/// Looks a check up by id.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.meta.id == id)
}

/// The checks to run: all, or the ones named.
pub fn select(ids: Option<&[String]>) -> Result<Vec<&'static Check>, UnknownCheck> {
    match ids {
        None => Ok(CHECKS.iter().collect()),
        Some(ids) => ids
            .iter()
            .map(|id| find(id.trim()).ok_or_else(|| UnknownCheck(id.clone())))
            .collect(),
    }
}

/// Evaluates checks over an inventory. Findings are sorted by check id, then
/// resource id, so output is deterministic.
pub fn run(inventory: &Inventory, checks: &[&'static Check]) -> Vec<Finding> {
    let graph = Graph::new(inventory);
    let mut all = Vec::new();
    for check in checks {
        let mut out = Findings::new(check.meta);
        (check.evaluate)(&graph, &mut out);
        all.extend(out.into_vec());
    }
    all.sort_by(|a, b| {
        (&a.check_id, &a.resource.id, &a.message).cmp(&(&b.check_id, &b.resource.id, &b.message))
    });
    all
}
