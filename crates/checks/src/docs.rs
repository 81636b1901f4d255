//! The checks' documentation for people: `eksposture explain <id>` and the
//! catalogue `docs/checks.md`, both generated from the metadata so they can
//! never drift from the code.

use std::fmt::Write as _;

use crate::{compliance, CheckMeta, CHECKS};

/// A compliance reference with its control title: `CIS-EKS-1.8:5.4.1 (Restrict Access to ...)`.
fn reference(r: &str) -> String {
    match compliance::lookup(r) {
        Some((_, title)) => format!("{r} ({title})"),
        None => r.to_string(),
    }
}

/// What `eksposture explain <id>` prints.
pub fn explain(m: &CheckMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", m.id);
    let _ = writeln!(out, "{}\n", m.title);
    let _ = writeln!(out, "- Severity: {}", m.severity);
    let _ = writeln!(out, "- Resource type: {}", m.resource_type);
    let _ = writeln!(out, "- Remediation: {}", m.remediation);
    let _ = writeln!(out, "- Compliance:");
    for r in m.compliance {
        let _ = writeln!(out, "  - {}", reference(r));
    }
    out.push('\n');
    // The check's own `##` sections become `###` under its `#` title.
    for line in m.documentation().trim_end().lines() {
        if line.starts_with("## ") {
            out.push('#');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `docs/checks.md`: an index of every check with its compliance mapping,
/// then each check's documentation.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("# eksposture checks\n\n");
    out.push_str(
        "Generated from the check metadata by `eksposture checks --output markdown`; \
         do not edit by hand (a test fails when this file is stale).\n\n",
    );
    let _ = writeln!(out, "{} checks.\n", CHECKS.len());
    out.push_str("| id | severity | resource | title | compliance |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for c in CHECKS {
        let m = c.meta;
        let _ = writeln!(
            out,
            "| [`{id}`](#{id}) | {} | {} | {} | {} |",
            m.severity,
            m.resource_type,
            m.title,
            m.compliance.join(", "),
            id = m.id,
        );
    }
    out.push_str("\n## Compliance frameworks\n\n");
    for (prefix, title, controls) in compliance::CATALOGUES {
        let _ = writeln!(out, "### {title} (`{prefix}`)\n");
        out.push_str("| control | title | checks |\n| --- | --- | --- |\n");
        for (id, ctitle) in *controls {
            let reference = format!("{prefix}:{id}");
            let checks: Vec<String> = CHECKS
                .iter()
                .filter(|c| c.meta.compliance.contains(&reference.as_str()))
                .map(|c| format!("`{}`", c.meta.id))
                .collect();
            let covered = if checks.is_empty() {
                "not covered (manual)".to_string()
            } else {
                checks.join(", ")
            };
            let _ = writeln!(out, "| {id} | {ctitle} | {covered} |");
        }
        out.push('\n');
    }
    out.push_str("## Checks\n\n");
    for c in CHECKS {
        // One level down again: the check becomes `##`, its sections `####`.
        for line in explain(c.meta).lines() {
            if line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn docs_checks_md_is_up_to_date() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/checks.md");
        let want = super::markdown();
        if std::env::var_os("EKSPOSTURE_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/checks.md is stale: regenerate it with \
             `EKSPOSTURE_UPDATE_DOCS=1 cargo test -p eksposture-checks docs` \
             (or `eksposture checks --output markdown > docs/checks.md`)"
        );
    }

    /// Wherever README.md says "N checks", N is the registry's count.
    #[test]
    fn readme_states_the_number_of_checks() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let words: Vec<&str> = readme.split_whitespace().collect();
        let stated: Vec<&str> = words
            .windows(2)
            .filter(|w| w[1].trim_end_matches(|c: char| !c.is_alphanumeric()) == "checks")
            .map(|w| w[0])
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert!(!stated.is_empty(), "README.md states no number of checks");
        for n in stated {
            assert_eq!(
                n,
                crate::CHECKS.len().to_string(),
                "README.md says {n} checks; the registry has {}",
                crate::CHECKS.len()
            );
        }
    }

    #[test]
    fn explain_lists_every_section() {
        let check = crate::find("eks-endpoint-not-open-to-world").unwrap();
        let text = super::explain(check.meta);
        for s in [
            "# eks-endpoint-not-open-to-world",
            "### What it checks",
            "### Examples",
            "Restrict Access to the Control Plane Endpoint",
        ] {
            assert!(text.contains(s), "missing {s}");
        }
    }
}
