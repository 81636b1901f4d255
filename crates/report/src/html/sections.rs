//! The sections a report has only when asked for: the comparison with a
//! baseline (`audit --baseline`) and what the suppression file did.

use std::fmt::Write as _;

use eksposture_model::text::{or_dash, plural};

use crate::contract::{counts_line, BaselineDiff, Change, SuppressionSummary};

use super::sev_badge;
use super::text::{short_id, Esc};

pub fn baseline(out: &mut String, b: &BaselineDiff) {
    let side = &b.baseline;
    let _ = write!(
        out,
        "<section id=\"baseline\">\n<h2>Changes since the baseline</h2>\n<p>Compared with {} (eksposture {}, scanned {} to {}, {} {}): <strong>{}</strong>.</p>\n",
        Esc(side.file.as_deref().unwrap_or("the baseline report")),
        Esc(or_dash(&side.tool_version)),
        Esc(or_dash(&side.started_at)),
        Esc(or_dash(&side.finished_at)),
        side.gaps,
        plural(side.gaps, "gap", "gaps"),
        Esc(&counts_line(&b.counts)),
    );
    for (id, heading, changes) in [
        ("new", "New failures", &b.new),
        (
            "now-unknown",
            "Failing before, unknown now (could not be read)",
            &b.now_unknown,
        ),
        ("now-suppressed", "Suppressed since", &b.now_suppressed),
        ("resolved", "Resolved", &b.resolved),
        (
            "gone",
            "Gone (no finding now: resource or check not reported)",
            &b.gone,
        ),
    ] {
        if changes.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h3>{heading} <span class=\"gc\">{}</span></h3>\n<table class=\"changes\" id=\"changes-{id}\"><thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Before → now</th><th>Message</th></tr></thead><tbody>\n",
            changes.len()
        );
        for c in changes {
            change_row(out, c);
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}

fn change_row(out: &mut String, c: &Change) {
    let mut message = Esc(&c.message).to_string();
    if let Some(a) = c.absent_because {
        let _ = write!(message, " <span class=\"muted\">({})</span>", a.as_str());
    }
    if let Some(s) = &c.suppression {
        let _ = write!(
            message,
            " <span class=\"sup\">suppressed: {} ({})</span>",
            Esc(&s.reason),
            Esc(&s.entry)
        );
    }
    let _ = writeln!(
        out,
        "<tr><td>{}</td><td><code>{}</code></td><td><code title=\"{}\">{}</code></td><td>{} → {}</td><td>{message}</td></tr>",
        sev_badge(c.severity),
        Esc(&c.check_id),
        Esc(&c.resource.id),
        Esc(&short_id(&c.resource.id)),
        c.before.as_str(),
        c.after.as_str(),
    );
}

pub fn suppressions(out: &mut String, s: &SuppressionSummary, suppressed: u64) {
    let _ = write!(
        out,
        "<section id=\"suppressions\">\n<h2>Suppressions</h2>\n<p>From <code>{}</code>: {} {}, {} in use, {} failing {} suppressed.</p>\n",
        Esc(&s.file),
        s.entries,
        plural(s.entries, "entry", "entries"),
        s.matched.len(),
        suppressed,
        plural(suppressed, "finding", "findings"),
    );
    let warnings = s.warnings();
    if !warnings.is_empty() {
        out.push_str("<ul class=\"warnings\">");
        for w in &warnings {
            let _ = write!(out, "<li>{}</li>", Esc(w));
        }
        out.push_str("</ul>\n");
    }
    if !s.matched.is_empty() {
        out.push_str(
            "<table><thead><tr><th>Entry</th><th>Check</th><th class=\"num\">findings</th><th class=\"num\">failing</th></tr></thead><tbody>\n",
        );
        for m in &s.matched {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Esc(&m.entry),
                Esc(&m.check),
                m.findings,
                m.failing
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
}
