//! The page itself: its head, header, overview, attack paths, compliance
//! views, findings and footer, written with the [`Html`] builder.

use std::collections::BTreeSet;

use eksposture_model::text::{count, or_dash, plural};
use eksposture_model::{ComplianceView, ControlStatus, Finding, Severity, Status};

use super::labels::{short_id, type_label};
use super::markup::{Attr, Html};
use super::scope::{scopes_of, Scope};
use super::svg::Segment;
use super::{sections, svg};
use crate::contract::{AccountStatus, Report};

/// Nothing may be fetched: styles and scripts are inline, images data: URIs.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

pub(super) const STYLE: &str = include_str!("style.css");
/// Runs first: records script errors, unhandled rejections and CSP
/// violations into `#page-errors`, so a broken page says so.
pub(super) const ERROR_SCRIPT: &str = include_str!("errors.js");
/// Filtering, expand/collapse, opening linked findings; marks the body
/// `data-ready` when done.
pub(super) const MAIN_SCRIPT: &str = include_str!("main.js");

/// The report as one self-contained HTML document.
pub fn render_html(report: &Report) -> String {
    let page = Page::new(report);
    let mut h = Html::with_capacity(16 * 1024 + report.findings.len() * 1500);
    page.head(&mut h);
    h.raw("<body>\n");
    page.header(&mut h);
    page.gaps(&mut h);
    if let Some(b) = &report.diff {
        sections::baseline(&mut h, b);
    }
    page.overview(&mut h);
    page.paths(&mut h);
    page.compliance(&mut h);
    if let Some(s) = &report.suppressions {
        sections::suppressions(&mut h, s, report.summary.suppressed);
    }
    page.findings(&mut h);
    page.footer(&mut h);
    // The error list is filled by ERROR_SCRIPT; the main script runs last,
    // when the whole page is parsed.
    h.raw("<ol id=\"page-errors\" class=\"page-errors\" hidden></ol>\n<script>")
        .raw(MAIN_SCRIPT)
        .raw("</script>\n</body>\n</html>\n");
    h.into_string()
}

/// How a finding is shown: failing, unknown, suppressed (failing but
/// accepted) or passing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Fail,
    Unknown,
    Suppressed,
    Pass,
}

impl State {
    const ORDER: [State; 4] = [State::Fail, State::Unknown, State::Suppressed, State::Pass];

    fn of(f: &Finding) -> State {
        match f.status {
            Status::Fail if f.suppressed.is_some() => State::Suppressed,
            Status::Fail => State::Fail,
            Status::Unknown => State::Unknown,
            Status::Pass => State::Pass,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Fail => "fail",
            State::Unknown => "unknown",
            State::Suppressed => "suppressed",
            State::Pass => "pass",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            State::Fail => "Failing",
            State::Unknown => "Unknown: could not be evaluated",
            State::Suppressed => "Suppressed: failing, accepted by a suppression entry",
            State::Pass => "Passing",
        }
    }
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Informational => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn is_path(f: &Finding) -> bool {
    f.kind.is_attack_path()
}

/// An attack path is drawn for every path check finding that is not a pass.
fn is_drawn(f: &Finding) -> bool {
    is_path(f) && f.status != Status::Pass && !f.evidence.is_empty()
}

struct Page<'a> {
    report: &'a Report,
    scopes: Vec<Scope>,
    /// Index into `scopes` per finding.
    scope_of: Vec<usize>,
    states: Vec<State>,
    /// Per finding: a failure that the baseline did not have.
    new: Vec<bool>,
}

/// "account 1234" or, for a multi-account report, "3 accounts".
fn accounts_label(r: &Report) -> String {
    if r.is_multi_account() {
        format!("{} accounts", r.accounts.len())
    } else {
        format!("account {}", or_dash(&r.scan.account_id))
    }
}

impl<'a> Page<'a> {
    fn new(report: &'a Report) -> Page<'a> {
        let found = scopes_of(&report.findings);
        let scopes: Vec<Scope> = found
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let scope_of = found
            .iter()
            .map(|s| scopes.binary_search(s).unwrap_or_default())
            .collect();
        let new_keys: BTreeSet<(&str, &str)> = report
            .diff
            .iter()
            .flat_map(|d| &d.new)
            .map(|c| (c.check_id.as_str(), c.resource.id.as_str()))
            .collect();
        Page {
            report,
            scopes,
            scope_of,
            states: report.findings.iter().map(State::of).collect(),
            new: report
                .findings
                .iter()
                .map(|f| {
                    f.is_failing()
                        && new_keys.contains(&(f.check_id.as_str(), f.resource.id.as_str()))
                })
                .collect(),
        }
    }

    fn head(&self, h: &mut Html) {
        let r = self.report;
        let mut title = format!(
            "{} report · {} · {} failing",
            r.tool.name,
            accounts_label(r),
            r.summary.fail
        );
        if !r.is_complete() {
            title.push_str(" · incomplete scan");
        }
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            // The policy's quotes are its own: written as it is.
            .raw("<meta http-equiv=\"Content-Security-Policy\" content=\"")
            .raw(CONTENT_SECURITY_POLICY)
            .raw("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .open(
                "meta",
                &[
                    ("name", &"generator"),
                    (
                        "content",
                        &format_args!("{} {}", r.tool.name, r.tool.version),
                    ),
                ],
            )
            .nl()
            .el("title", &[], &title)
            .nl()
            .raw("<style>")
            .raw(STYLE)
            .raw("</style>\n<script>")
            .raw(ERROR_SCRIPT)
            .raw("</script>\n</head>\n");
    }

    fn header(&self, h: &mut Html) {
        let r = self.report;
        let s = &r.summary;
        let scan = &r.scan;
        let meta = |h: &mut Html, term: &str, dd: &dyn Fn(&mut Html)| {
            h.wrap("div", &[], |h| {
                h.el("dt", &[], term).wrap("dd", &[], dd);
            });
        };
        h.raw("<header class=\"top\">\n<h1>EKS security posture report</h1>\n<dl class=\"meta\">");
        let accounts = if r.is_multi_account() {
            r.accounts
                .iter()
                .map(|a| match a.status {
                    AccountStatus::Scanned => a.account_id.clone(),
                    AccountStatus::Failed => format!("{} (failed)", a.account_id),
                })
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            or_dash(&scan.account_id).to_string()
        };
        let term = if r.is_multi_account() {
            "Accounts"
        } else {
            "Account"
        };
        meta(h, term, &|h| {
            h.el("code", &[], &accounts);
        });
        meta(h, "Partition", &|h| {
            h.text(or_dash(&scan.partition));
        });
        let regions = if scan.regions.is_empty() {
            "-".to_string()
        } else {
            scan.regions.join(", ")
        };
        meta(h, plural(scan.regions.len(), "Region", "Regions"), &|h| {
            h.text(&regions);
        });
        meta(h, "Scan started", &|h| {
            h.text(or_dash(&scan.started_at));
        });
        meta(h, "Scan finished", &|h| {
            h.text(or_dash(&scan.finished_at));
        });
        meta(h, "Tool", &|h| {
            h.text(format_args!("{} {}", r.tool.name, r.tool.version));
        });
        h.raw("</dl>\n</header>\n");

        if r.is_complete() {
            h.raw("<p class=\"banner ok\" id=\"scan-state\" data-complete=\"true\"><strong>Complete scan.</strong> Every read succeeded.</p>\n");
        } else {
            let n = r.gaps.len();
            h.open(
                "p",
                &[
                    ("class", &"banner partial"),
                    ("id", &"scan-state"),
                    ("data-complete", &"false"),
                ],
            )
            .el(
                "strong",
                &[],
                format_args!("Incomplete scan: {} failed.", count(n, "read", "reads")),
            )
            .text(format_args!(
                " Results that depend on {} are unknown ({}), not passing. ",
                plural(n, "it", "them"),
                count(s.unknown, "finding", "findings"),
            ))
            .el("a", &[("href", &"#gaps")], "See the gaps")
            .text(" before drawing conclusions.")
            .close("p")
            .nl();
        }

        let by_sev: Vec<String> = Severity::ALL
            .iter()
            .filter(|&&v| s.by_severity.get(v) > 0)
            .map(|&v| format!("{} {}", s.by_severity.get(v), v.as_str()))
            .collect();
        let tiles = [
            ("fail", "Failing", s.fail, by_sev.join(" · ")),
            (
                "unknown",
                "Unknown",
                s.unknown,
                "could not be evaluated".to_string(),
            ),
            (
                "suppressed",
                "Suppressed",
                s.suppressed,
                "failing, accepted".to_string(),
            ),
            ("pass", "Passing", s.pass, String::new()),
            (
                "gaps",
                "Gaps",
                r.gaps.len() as u64,
                "failed reads".to_string(),
            ),
        ];
        h.raw("<section class=\"counts\" aria-label=\"Counts\">");
        for (class, label, n, note) in tiles {
            let zero = if n == 0 { " zero" } else { "" };
            h.wrap(
                "div",
                &[
                    ("class", &format_args!("tile {class}{zero}")),
                    ("data-count", &n),
                ],
                |h| {
                    h.el("span", &[("class", &"n")], n)
                        .el("span", &[("class", &"l")], label)
                        .el("span", &[("class", &"note")], &note);
                },
            );
        }
        h.raw("</section>\n<nav class=\"toc\">");
        let mut links = Vec::new();
        if !r.gaps.is_empty() {
            links.push(("gaps", "Gaps"));
        }
        if r.diff.is_some() {
            links.push(("baseline", "Changes since baseline"));
        }
        links.push(("overview", "Overview"));
        links.push(("paths", "Attack paths"));
        if !r.compliance.is_empty() {
            links.push(("compliance", "Compliance"));
        }
        if r.suppressions.is_some() {
            links.push(("suppressions", "Suppressions"));
        }
        links.push(("findings", "Findings"));
        for (id, label) in links {
            h.el("a", &[("href", &format_args!("#{id}"))], label);
        }
        h.raw("</nav>\n");
    }

    fn gaps(&self, h: &mut Html) {
        let gaps = &self.report.gaps;
        if gaps.is_empty() {
            return;
        }
        h.raw("<section id=\"gaps\" class=\"gapbox\">\n")
            .el(
                "h2",
                &[],
                format_args!(
                    "Gaps: {} failed {}",
                    gaps.len(),
                    plural(gaps.len(), "read", "reads")
                ),
            )
            .nl()
            .raw(
                "<p>These reads failed, so the scan did not see everything. Findings that needed them are <em>unknown</em>; \
                 a check that did not fail may still fail once the read succeeds. Grant the missing permissions or retry, then scan again.</p>\n\
                 <table><thead><tr><th>Service</th><th>Region</th><th>Operation</th><th>Reason</th><th>Message</th></tr></thead><tbody>\n",
            );
        for g in gaps {
            let reason = g.reason.as_str();
            h.wrap("tr", &[("class", &"gap")], |h| {
                h.el("td", &[], &g.service)
                    .el("td", &[], &g.region)
                    .wrap("td", &[], |h| {
                        h.el("code", &[], &g.operation);
                    })
                    .wrap("td", &[], |h| {
                        h.badge(format_args!("r-{reason}"), reason);
                    })
                    .wrap("td", &[], |h| {
                        h.el("div", &[("class", &"gm")], &g.message);
                    });
            })
            .nl();
        }
        h.raw("</tbody></table>\n</section>\n");
    }

    fn scope_class(&self, i: usize) -> String {
        match &self.scopes[i] {
            Scope::Cluster { .. } => format!("k{}", i % 10),
            Scope::Region(_) => "kr".to_string(),
            Scope::Account => "ka".to_string(),
        }
    }

    fn overview(&self, h: &mut Html) {
        let r = self.report;
        h.raw("<section id=\"overview\">\n<h2>Overview</h2>\n");
        // counts[scope][severity index in Severity::ALL] of failing findings.
        let mut fail = vec![[0u64; 5]; self.scopes.len()];
        let mut other = vec![[0u64; 3]; self.scopes.len()];
        for (i, f) in r.findings.iter().enumerate() {
            let sc = self.scope_of[i];
            match self.states[i] {
                State::Fail => {
                    let k = Severity::ALL
                        .iter()
                        .position(|&v| v == f.severity)
                        .unwrap_or_default();
                    fail[sc][k] += 1;
                }
                State::Unknown => other[sc][0] += 1,
                State::Suppressed => other[sc][1] += 1,
                State::Pass => other[sc][2] += 1,
            }
        }
        let labels: Vec<String> = self.scopes.iter().map(Scope::label).collect();
        let classes: Vec<String> = (0..self.scopes.len())
            .map(|i| self.scope_class(i))
            .collect();
        h.raw("<div class=\"chartbox\">\n<h3>Failing findings by severity</h3>\n");
        if r.summary.fail == 0 {
            h.raw("<p class=\"none\">No failing findings.</p>\n");
        } else {
            let rows: Vec<(Severity, Vec<Segment<'_>>)> = Severity::ALL
                .iter()
                .enumerate()
                .map(|(k, &sev)| {
                    let segs = (0..self.scopes.len())
                        .map(|i| Segment {
                            label: &labels[i],
                            class: &classes[i],
                            count: fail[i][k],
                        })
                        .collect();
                    (sev, segs)
                })
                .collect();
            svg::severity_chart(h, &rows);
            h.raw("\n<ul class=\"legend\">");
            for i in (0..self.scopes.len()).filter(|&i| fail[i].iter().sum::<u64>() > 0) {
                h.wrap("li", &[], |h| {
                    swatch(h, &classes[i]);
                    h.text(&labels[i]);
                });
            }
            h.raw("</ul>\n");
        }
        h.raw("</div>\n<h3>By cluster</h3>\n<table class=\"byscope\"><thead><tr><th>Scope</th>");
        for sev in Severity::ALL {
            h.el("th", &[("class", &"num")], sev.as_str());
        }
        h.raw("<th class=\"num\">failing</th><th class=\"num\">unknown</th><th class=\"num\">suppressed</th><th class=\"num\">passing</th></tr></thead><tbody>\n");
        for (i, label) in labels.iter().enumerate() {
            h.open("tr", &[]).wrap("th", &[("scope", &"row")], |h| {
                swatch(h, &classes[i]);
                h.text(label);
            });
            for (k, sev) in Severity::ALL.iter().enumerate() {
                cell(h, fail[i][k], &format!("s-{}", sev.as_str()));
            }
            cell(h, fail[i].iter().sum(), "tot");
            cell(h, other[i][0], "t-unknown");
            cell(h, other[i][1], "t-suppressed");
            cell(h, other[i][2], "t-pass");
            h.close("tr").nl();
        }
        if labels.is_empty() {
            h.raw("<tr><td colspan=\"10\" class=\"none\">No findings.</td></tr>\n");
        }
        h.raw("</tbody></table>\n</section>\n");
    }

    fn paths(&self, h: &mut Html) {
        let r = self.report;
        h.raw("<section id=\"paths\">\n<h2>Attack paths</h2>\n");
        let drawn: Vec<usize> = State::ORDER
            .iter()
            .flat_map(|&st| {
                (0..r.findings.len())
                    .filter(move |&i| self.states[i] == st && is_drawn(&r.findings[i]))
            })
            .collect();
        let passed = r
            .findings
            .iter()
            .filter(|f| is_path(f) && f.status == Status::Pass)
            .count();
        if drawn.is_empty() {
            let tally = if passed > 0 {
                format!(
                    " ({passed} path {} passed)",
                    plural(passed, "check", "checks")
                )
            } else {
                String::new()
            };
            h.el(
                "p",
                &[("class", &"none")],
                format_args!("No attack path was found{tally}."),
            )
            .nl();
        } else {
            h.raw(
                "<p>Chains of resources that together give an attacker more than any one setting does. \
                 Each box is one link of the finding's evidence, in order; hover a box for its full text.</p>\n",
            );
        }
        for i in drawn {
            let f = &r.findings[i];
            let st = self.states[i];
            h.open(
                "figure",
                &[
                    ("class", &format_args!("path st-{}", st.as_str())),
                    ("id", &format_args!("p-{i}")),
                    ("data-check", &f.check_id),
                ],
            )
            .nl()
            .wrap("figcaption", &[], |h| {
                h.severity(f.severity);
                state_badge(h, st);
                h.raw(" ")
                    .el("strong", &[], &f.title)
                    .raw(" ")
                    .el("code", &[], &f.check_id)
                    .el("p", &[], &f.message);
            })
            .nl()
            .wrap("div", &[("class", &"pw")], |h| {
                svg::path_drawing(h, &f.evidence);
            })
            .nl()
            .wrap("p", &[("class", &"pl")], |h| {
                h.text(self.scopes[self.scope_of[i]].label()).raw(" · ").el(
                    "a",
                    &[("href", &format_args!("#f-{i}"))],
                    "finding details",
                );
            })
            .nl()
            .close("figure")
            .nl();
        }
        h.raw("</section>\n");
    }

    fn compliance(&self, h: &mut Html) {
        let views = &self.report.compliance;
        if views.is_empty() {
            return;
        }
        h.raw("<section id=\"compliance\">\n<h2>Compliance</h2>\n");
        for v in views {
            compliance_view(h, v);
        }
        h.raw("</section>\n");
    }

    fn findings(&self, h: &mut Html) {
        let r = self.report;
        h.raw("<section id=\"findings\">\n<h2>Findings</h2>\n")
            .raw(
                "<div class=\"filters\" id=\"filters\" hidden>\
                 <input type=\"search\" id=\"q\" placeholder=\"Filter by check, resource, message…\" aria-label=\"Filter text\">\
                 <select id=\"fsev\" aria-label=\"Minimum severity\"><option value=\"0\">any severity</option>",
            );
        for sev in Severity::ALL {
            h.el(
                "option",
                &[("value", &severity_rank(sev))],
                format_args!("{} and above", sev.as_str()),
            );
        }
        h.raw("</select><select id=\"fst\" aria-label=\"Status\"><option value=\"\">any status</option>");
        for st in State::ORDER {
            h.el("option", &[], st.as_str());
        }
        h.raw("</select><select id=\"fsc\" aria-label=\"Scope\"><option value=\"\">any scope</option>");
        for (i, s) in self.scopes.iter().enumerate() {
            h.el("option", &[("value", &i)], s.label());
        }
        h.raw(
            "</select><button type=\"button\" id=\"expand\">Expand all</button>\
             <button type=\"button\" id=\"collapse\">Collapse all</button><span id=\"shown\" class=\"shown\"></span></div>\n",
        );
        if r.findings.is_empty() {
            h.raw("<p class=\"none\">The scan produced no findings.</p>\n");
        }
        for st in State::ORDER {
            let members: Vec<usize> = (0..r.findings.len())
                .filter(|&i| self.states[i] == st)
                .collect();
            if members.is_empty() {
                continue;
            }
            let heading = |h: &mut Html| {
                h.wrap("h3", &[], |h| {
                    h.text(st.heading())
                        .raw(" ")
                        .el("span", &[("class", &"gc")], members.len());
                });
            };
            // Passing findings start collapsed.
            let group = if st == State::Pass {
                "details"
            } else {
                "section"
            };
            h.open(
                group,
                &[
                    ("class", &"group"),
                    ("id", &format_args!("g-{}", st.as_str())),
                ],
            );
            if st == State::Pass {
                h.wrap("summary", &[], heading);
            } else {
                heading(h);
            }
            h.nl();
            for &i in &members {
                self.finding(h, i);
            }
            h.close(group).nl();
        }
        h.raw("</section>\n");
    }

    fn finding(&self, h: &mut Html, i: usize) {
        let f = &self.report.findings[i];
        let st = self.states[i];
        let scope = self.scopes[self.scope_of[i]].label();
        let id = format!("f-{i}");
        let rank = severity_rank(f.severity);
        let state = st.as_str();
        let mut attrs: Vec<Attr<'_>> = vec![
            ("class", &"f"),
            ("id", &id),
            ("data-sev", &rank),
            ("data-st", &state),
            ("data-sc", &self.scope_of[i]),
        ];
        if self.new[i] {
            attrs.push(("data-new", &"true"));
        }
        attrs.push(("data-check", &f.check_id));
        attrs.push(("data-resource", &f.resource.id));
        h.open("details", &attrs)
            .wrap("summary", &[], |h| {
                h.severity(f.severity);
                state_badge(h, st);
                h.el("code", &[("class", &"ck")], &f.check_id)
                    .el(
                        "span",
                        &[("class", &"rs"), ("title", &f.resource.id)],
                        short_id(&f.resource.id),
                    )
                    .el("span", &[("class", &"ms")], &f.message);
            })
            .nl()
            .open("div", &[("class", &"fb")])
            .el("p", &[("class", &"tt")], &f.title)
            .open("dl", &[("class", &"kv")]);
        h.el("dt", &[], "Resource").wrap("dd", &[], |h| {
            h.text(type_label(&f.resource.kind))
                .raw(" ")
                .el("code", &[], &f.resource.id);
            if !f.resource.region.is_empty() {
                h.raw(" · ").text(&f.resource.region);
            }
        });
        h.el("dt", &[], "Scope")
            .el("dd", &[], &scope)
            .el("dt", &[], "Message")
            .el("dd", &[], &f.message);
        if self.report.is_multi_account() {
            h.el("dt", &[], "Account").wrap("dd", &[], |h| {
                h.el("code", &[], or_dash(&f.account_id));
            });
        }
        if self.new[i] {
            h.raw("<dt>Baseline</dt><dd>new failure since the baseline</dd>");
        }
        if let Some(s) = &f.suppressed {
            h.el("dt", &[], "Suppressed")
                .wrap("dd", &[("class", &"sup")], |h| {
                    h.text(&s.reason)
                        .raw(" ")
                        .wrap("span", &[("class", &"muted")], |h| {
                            h.text(format_args!(
                                "(expires {}; entry ",
                                s.expires.as_deref().unwrap_or("never")
                            ))
                            .el("code", &[], &s.entry)
                            .raw(")");
                        });
                });
        }
        h.el("dt", &[], "Remediation")
            .el("dd", &[], or_dash(&f.remediation));
        if !f.compliance.is_empty() {
            h.el("dt", &[], "Compliance")
                .wrap("dd", &[("class", &"refs")], |h| {
                    for c in &f.compliance {
                        h.el("code", &[], c).raw(" ");
                    }
                });
        }
        h.close("dl");
        if !f.evidence.is_empty() {
            h.raw("<p class=\"eh\">Evidence chain</p><ol class=\"chain\">");
            for e in &f.evidence {
                let gap: &[Attr<'_>] = if e.kind == "Gap" {
                    &[("class", &"gap")]
                } else {
                    &[]
                };
                h.wrap("li", gap, |h| {
                    h.el("span", &[("class", &"et")], type_label(&e.kind))
                        .raw(" ")
                        .el("code", &[], &e.id)
                        .el("span", &[("class", &"ed")], &e.detail);
                });
            }
            h.raw("</ol>");
        }
        if is_drawn(f) {
            h.wrap("p", &[], |h| {
                h.el(
                    "a",
                    &[("href", &format_args!("#p-{i}"))],
                    "See the attack path drawing",
                );
            });
        }
        h.close("div").close("details").nl();
    }

    fn footer(&self, h: &mut Html) {
        let r = self.report;
        h.el(
            "footer",
            &[],
            format_args!(
                "Generated by {} {} (report schema {}) from the scan of account {}, {} to {}. \
                 This file is self-contained and loads nothing from the network.",
                r.tool.name,
                r.tool.version,
                r.schema_version,
                or_dash(&r.scan.account_id),
                or_dash(&r.scan.started_at),
                or_dash(&r.scan.finished_at),
            ),
        )
        .nl();
    }
}

fn compliance_view(h: &mut Html, v: &ComplianceView) {
    h.wrap("h3", &[], |h| {
        h.text(&v.title)
            .raw(" ")
            .el("span", &[("class", &"muted")], format_args!("({})", v.framework));
    })
    .nl()
    .raw(
        "<table class=\"cv\"><thead><tr><th>Control</th><th>Status</th>\
         <th class=\"num\">fail</th><th class=\"num\">pass</th><th class=\"num\">unknown</th><th>Title</th><th>Checks</th></tr></thead><tbody>\n",
    );
    for c in &v.controls {
        let class = match c.status {
            ControlStatus::Fail => "t-fail",
            ControlStatus::Unknown => "t-unknown",
            ControlStatus::Pass => "t-pass",
            ControlStatus::NotEvaluated | ControlStatus::NotCovered => "t-none",
        };
        h.wrap("tr", &[], |h| {
            h.wrap("td", &[], |h| {
                h.el("code", &[], &c.control);
            })
            .wrap("td", &[], |h| {
                h.badge(class, c.status.as_str());
            });
            for n in [c.fail, c.pass, c.unknown] {
                h.el("td", &[("class", &"num")], n);
            }
            h.el("td", &[], &c.title)
                .wrap("td", &[("class", &"refs")], |h| {
                    for (k, check) in c.checks.iter().enumerate() {
                        if k > 0 {
                            h.raw(" ");
                        }
                        h.el("code", &[], check);
                    }
                });
        })
        .nl();
    }
    h.raw("</tbody></table>\n");
}

/// A count in a table: zeros are greyed out.
fn cell(h: &mut Html, n: u64, class: &str) {
    if n == 0 {
        h.raw("<td class=\"num zero\">0</td>");
    } else {
        h.el("td", &[("class", &format_args!("num {class}"))], n);
    }
}

/// The colour square of a scope.
fn swatch(h: &mut Html, class: &str) {
    h.el("span", &[("class", &format_args!("sw {class}"))], "");
}

fn state_badge(h: &mut Html, s: State) {
    h.badge(format_args!("t-{}", s.as_str()), s.as_str());
}
