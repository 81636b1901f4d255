//! The sections a report has only when asked for: the comparison with a
//! baseline (`audit --baseline`) and what the suppression file did.

use eksposture_model::text::{count, or_dash};

use crate::contract::{counts_line, BaselineDiff, Change, SuppressionSummary};

use super::labels::short_id;
use super::markup::Html;

pub fn baseline(h: &mut Html, b: &BaselineDiff) {
    let side = &b.baseline;
    h.raw("<section id=\"baseline\">\n<h2>Changes since the baseline</h2>\n")
        .wrap("p", &[], |h| {
            h.text(format_args!(
                "Compared with {} (eksposture {}, scanned {} to {}, {}): ",
                side.file.as_deref().unwrap_or("the baseline report"),
                or_dash(&side.tool_version),
                or_dash(&side.started_at),
                or_dash(&side.finished_at),
                count(side.gaps, "gap", "gaps"),
            ))
            .el("strong", &[], counts_line(&b.counts))
            .raw(".");
        })
        .nl();
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
        h.wrap("h3", &[], |h| {
            h.text(heading)
                .raw(" ")
                .el("span", &[("class", &"gc")], changes.len());
        })
        .nl()
        .open(
            "table",
            &[
                ("class", &"changes"),
                ("id", &format_args!("changes-{id}")),
            ],
        )
        .raw("<thead><tr><th>Severity</th><th>Check</th><th>Resource</th><th>Before → now</th><th>Message</th></tr></thead><tbody>\n");
        for c in changes {
            change_row(h, c);
        }
        h.raw("</tbody></table>\n");
    }
    h.raw("</section>\n");
}

fn change_row(h: &mut Html, c: &Change) {
    h.wrap("tr", &[], |h| {
        h.wrap("td", &[], |h| {
            h.severity(c.severity);
        })
        .wrap("td", &[], |h| {
            h.el("code", &[], &c.check_id);
        })
        .wrap("td", &[], |h| {
            h.el(
                "code",
                &[("title", &c.resource.id)],
                short_id(&c.resource.id),
            );
        })
        .el(
            "td",
            &[],
            format_args!("{} → {}", c.before.as_str(), c.after.as_str()),
        )
        .wrap("td", &[], |h| {
            h.text(&c.message);
            if let Some(a) = c.absent_because {
                h.raw(" ").el(
                    "span",
                    &[("class", &"muted")],
                    format_args!("({})", a.as_str()),
                );
            }
            if let Some(s) = &c.suppression {
                h.raw(" ").el(
                    "span",
                    &[("class", &"sup")],
                    format_args!("suppressed: {} ({})", s.reason, s.entry),
                );
            }
        });
    })
    .nl();
}

pub fn suppressions(h: &mut Html, s: &SuppressionSummary, suppressed: u64) {
    h.raw("<section id=\"suppressions\">\n<h2>Suppressions</h2>\n")
        .wrap("p", &[], |h| {
            h.raw("From ").el("code", &[], &s.file).text(format_args!(
                ": {}, {} in use, {} suppressed.",
                count(s.entries, "entry", "entries"),
                s.matched.len(),
                count(suppressed, "failing finding", "failing findings"),
            ));
        })
        .nl();
    let warnings = s.warnings();
    if !warnings.is_empty() {
        h.wrap("ul", &[("class", &"warnings")], |h| {
            for w in &warnings {
                h.el("li", &[], w);
            }
        })
        .nl();
    }
    if !s.matched.is_empty() {
        h.raw("<table><thead><tr><th>Entry</th><th>Check</th><th class=\"num\">findings</th><th class=\"num\">failing</th></tr></thead><tbody>\n");
        for m in &s.matched {
            h.wrap("tr", &[], |h| {
                h.wrap("td", &[], |h| {
                    h.el("code", &[], &m.entry);
                })
                .wrap("td", &[], |h| {
                    h.el("code", &[], &m.check);
                })
                .el("td", &[("class", &"num")], m.findings)
                .el("td", &[("class", &"num")], m.failing);
            })
            .nl();
        }
        h.raw("</tbody></table>\n");
    }
    h.raw("</section>\n");
}
