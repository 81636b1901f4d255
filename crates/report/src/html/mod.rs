//! The HTML report: one self-contained file for people (security engineers,
//! auditors). Inline CSS, inline SVG and a small inline script; a
//! Content-Security-Policy that lets the browser fetch nothing at all. Every
//! text from the account is escaped; the script never builds markup from
//! data. The output is a function of the report alone (no rendering time).

mod sections;
mod svg;
mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use eksposture_model::text::{or_dash, plural};
use eksposture_model::{arn, ComplianceView, ControlStatus, Finding, Severity, Status};

use crate::contract::{AccountStatus, Report};
use svg::Segment;
use text::{short_id, type_label, Esc};

/// Nothing may be fetched: styles and scripts are inline, images data: URIs.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const STYLE: &str = include_str!("style.css");
/// Runs first: records script errors, unhandled rejections and CSP
/// violations into `#page-errors`, so a broken page says so.
const ERROR_SCRIPT: &str = include_str!("errors.js");
/// Filtering, expand/collapse, opening linked findings; marks the body
/// `data-ready` when done.
const MAIN_SCRIPT: &str = include_str!("main.js");

/// Where a finding belongs in the per-cluster summary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Cluster { name: String, region: String },
    Region(String),
    Account,
}

impl Scope {
    /// The cluster named by the resource's own ARN (a cluster, nodegroup,
    /// access entry, add-on, ... ARN: `<kind>/<cluster>/...`), else by the
    /// first `AwsEksCluster` link of its evidence, else its region; IAM
    /// resources (region `global`) outside any cluster are account-wide.
    fn of(f: &Finding) -> Scope {
        if let Some(s) = eks_cluster(&f.resource.id) {
            return s;
        }
        let region = f.resource.region.as_str();
        for e in f.evidence.iter().filter(|e| e.kind == "AwsEksCluster") {
            if let Some(s) = eks_cluster(&e.id) {
                return s;
            }
            // Evidence may name a cluster whose ARN was not read.
            if arn::parse(&e.id).is_none() && !e.id.is_empty() && e.id != "*" {
                return Scope::Cluster {
                    name: e.id.clone(),
                    region: if region == "global" { "" } else { region }.to_string(),
                };
            }
        }
        if region.is_empty() || region == "global" {
            Scope::Account
        } else {
            Scope::Region(region.to_string())
        }
    }

    fn label(&self) -> String {
        match self {
            Scope::Cluster { name, region } if region.is_empty() => format!("cluster {name}"),
            Scope::Cluster { name, region } => format!("cluster {name} ({region})"),
            Scope::Region(r) => format!("{r}, outside clusters"),
            Scope::Account => "account-wide".to_string(),
        }
    }
}

/// [`Scope::of`] for every finding, then one inference: a finding left
/// outside clusters joins the cluster of a resource it is about or cites,
/// when other findings place that resource in exactly one cluster (node
/// findings cite only the instance, whose path findings name the cluster).
fn scopes_of(findings: &[Finding]) -> Vec<Scope> {
    let direct: Vec<Scope> = findings.iter().map(Scope::of).collect();
    // Resource id -> its cluster; None once two clusters claim it.
    let mut known: BTreeMap<&str, Option<&Scope>> = BTreeMap::new();
    for (f, s) in findings.iter().zip(&direct) {
        if matches!(s, Scope::Cluster { .. }) {
            let slot = known.entry(f.resource.id.as_str()).or_insert(Some(s));
            if *slot != Some(s) {
                *slot = None;
            }
        }
    }
    findings
        .iter()
        .zip(&direct)
        .map(|(f, s)| {
            if matches!(s, Scope::Cluster { .. }) {
                return s.clone();
            }
            std::iter::once(f.resource.id.as_str())
                .chain(f.evidence.iter().map(|e| e.id.as_str()))
                .find_map(|id| known.get(id).copied().flatten())
                .unwrap_or(s)
                .clone()
        })
        .collect()
}

fn eks_cluster(id: &str) -> Option<Scope> {
    let a = arn::parse(id).filter(|a| a.service == "eks")?;
    let name = a.resource.split('/').nth(1)?;
    // `cluster/*` stands for "every cluster of the region" (not listed).
    (!name.is_empty() && name != "*").then(|| Scope::Cluster {
        name: name.to_string(),
        region: a.region.to_string(),
    })
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
    f.check_id.starts_with("path-")
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

/// The report as one self-contained HTML document.
pub fn render_html(report: &Report) -> String {
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
    let page = Page {
        report,
        scopes,
        scope_of,
        states: report.findings.iter().map(State::of).collect(),
        new: report
            .findings
            .iter()
            .map(|f| {
                f.is_failing() && new_keys.contains(&(f.check_id.as_str(), f.resource.id.as_str()))
            })
            .collect(),
    };
    let mut out = String::with_capacity(16 * 1024 + report.findings.len() * 1500);
    page.head(&mut out);
    out.push_str("<body>\n");
    page.header(&mut out);
    page.gaps(&mut out);
    if let Some(b) = &report.diff {
        sections::baseline(&mut out, b);
    }
    page.overview(&mut out);
    page.paths(&mut out);
    page.compliance(&mut out);
    if let Some(s) = &report.suppressions {
        sections::suppressions(&mut out, s, report.summary.suppressed);
    }
    page.findings(&mut out);
    page.footer(&mut out);
    let _ = write!(
        out,
        "<ol id=\"page-errors\" class=\"page-errors\" hidden></ol>\n<script>{MAIN_SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// "account 1234" or, for a multi-account report, "3 accounts".
fn accounts_label(r: &Report) -> String {
    if r.is_multi_account() {
        format!("{} accounts", r.accounts.len())
    } else {
        format!("account {}", or_dash(&r.scan.account_id))
    }
}

impl Page<'_> {
    fn head(&self, out: &mut String) {
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
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"{} {}\">\n<title>{}</title>\n\
             <style>{STYLE}</style>\n<script>{ERROR_SCRIPT}</script>\n</head>\n",
            Esc(&r.tool.name),
            Esc(&r.tool.version),
            Esc(&title)
        );
    }

    fn header(&self, out: &mut String) {
        let r = self.report;
        let s = &r.summary;
        let scan = &r.scan;
        let _ = write!(
            out,
            "<header class=\"top\">\n<h1>EKS security posture report</h1>\n<dl class=\"meta\">\
             <div><dt>{}</dt><dd><code>{}</code></dd></div>\
             <div><dt>Partition</dt><dd>{}</dd></div>\
             <div><dt>{}</dt><dd>{}</dd></div>\
             <div><dt>Scan started</dt><dd>{}</dd></div>\
             <div><dt>Scan finished</dt><dd>{}</dd></div>\
             <div><dt>Tool</dt><dd>{} {}</dd></div></dl>\n</header>\n",
            if r.is_multi_account() {
                "Accounts"
            } else {
                "Account"
            },
            Esc(&if r.is_multi_account() {
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
            }),
            Esc(or_dash(&scan.partition)),
            if scan.regions.len() == 1 {
                "Region"
            } else {
                "Regions"
            },
            Esc(&if scan.regions.is_empty() {
                "-".to_string()
            } else {
                scan.regions.join(", ")
            }),
            Esc(or_dash(&scan.started_at)),
            Esc(or_dash(&scan.finished_at)),
            Esc(&r.tool.name),
            Esc(&r.tool.version),
        );
        if r.is_complete() {
            out.push_str(
                "<p class=\"banner ok\" id=\"scan-state\" data-complete=\"true\"><strong>Complete scan.</strong> Every read succeeded.</p>\n",
            );
        } else {
            let n = r.gaps.len() as u64;
            let _ = writeln!(
                out,
                "<p class=\"banner partial\" id=\"scan-state\" data-complete=\"false\"><strong>Incomplete scan: {n} {} failed.</strong> \
                 Results that depend on {} are unknown ({} {}), not passing. <a href=\"#gaps\">See the gaps</a> before drawing conclusions.</p>",
                plural(n, "read", "reads"),
                plural(n, "it", "them"),
                s.unknown,
                plural(s.unknown, "finding", "findings"),
            );
        }
        out.push_str("<section class=\"counts\" aria-label=\"Counts\">");
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
        for (class, label, n, note) in tiles {
            let _ = write!(
                out,
                "<div class=\"tile {class}{}\" data-count=\"{n}\"><span class=\"n\">{n}</span><span class=\"l\">{label}</span><span class=\"note\">{}</span></div>",
                if n == 0 { " zero" } else { "" },
                Esc(&note)
            );
        }
        out.push_str("</section>\n<nav class=\"toc\">");
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
            let _ = write!(out, "<a href=\"#{id}\">{label}</a>");
        }
        out.push_str("</nav>\n");
    }

    fn gaps(&self, out: &mut String) {
        let gaps = &self.report.gaps;
        if gaps.is_empty() {
            return;
        }
        let _ = write!(
            out,
            "<section id=\"gaps\" class=\"gapbox\">\n<h2>Gaps: {} failed {}</h2>\n\
             <p>These reads failed, so the scan did not see everything. Findings that needed them are <em>unknown</em>; \
             a check that did not fail may still fail once the read succeeds. Grant the missing permissions or retry, then scan again.</p>\n\
             <table><thead><tr><th>Service</th><th>Region</th><th>Operation</th><th>Reason</th><th>Message</th></tr></thead><tbody>\n",
            gaps.len(),
            plural(gaps.len(), "read", "reads")
        );
        for g in gaps {
            let _ = writeln!(
                out,
                "<tr class=\"gap\"><td>{}</td><td>{}</td><td><code>{}</code></td><td><span class=\"b r-{}\">{}</span></td><td><div class=\"gm\">{}</div></td></tr>",
                Esc(&g.service),
                Esc(&g.region),
                Esc(&g.operation),
                g.reason.as_str(),
                g.reason.as_str(),
                Esc(&g.message)
            );
        }
        out.push_str("</tbody></table>\n</section>\n");
    }

    fn scope_class(&self, i: usize) -> String {
        match &self.scopes[i] {
            Scope::Cluster { .. } => format!("k{}", i % 10),
            Scope::Region(_) => "kr".to_string(),
            Scope::Account => "ka".to_string(),
        }
    }

    fn overview(&self, out: &mut String) {
        let r = self.report;
        out.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n");
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
        out.push_str("<div class=\"chartbox\">\n<h3>Failing findings by severity</h3>\n");
        if r.summary.fail == 0 {
            out.push_str("<p class=\"none\">No failing findings.</p>\n");
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
            svg::severity_chart(out, &rows);
            out.push_str("\n<ul class=\"legend\">");
            for i in (0..self.scopes.len()).filter(|&i| fail[i].iter().sum::<u64>() > 0) {
                let _ = write!(
                    out,
                    "<li><span class=\"sw {}\"></span>{}</li>",
                    classes[i],
                    Esc(&labels[i])
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str(
            "</div>\n<h3>By cluster</h3>\n<table class=\"byscope\"><thead><tr><th>Scope</th>",
        );
        for sev in Severity::ALL {
            let _ = write!(out, "<th class=\"num\">{}</th>", sev.as_str());
        }
        out.push_str(
            "<th class=\"num\">failing</th><th class=\"num\">unknown</th><th class=\"num\">suppressed</th><th class=\"num\">passing</th></tr></thead><tbody>\n",
        );
        for (i, label) in labels.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><th scope=\"row\"><span class=\"sw {}\"></span>{}</th>",
                classes[i],
                Esc(label)
            );
            for (k, sev) in Severity::ALL.iter().enumerate() {
                cell(out, fail[i][k], &format!("s-{}", sev.as_str()));
            }
            cell(out, fail[i].iter().sum(), "tot");
            cell(out, other[i][0], "t-unknown");
            cell(out, other[i][1], "t-suppressed");
            cell(out, other[i][2], "t-pass");
            out.push_str("</tr>\n");
        }
        if labels.is_empty() {
            out.push_str("<tr><td colspan=\"10\" class=\"none\">No findings.</td></tr>\n");
        }
        out.push_str("</tbody></table>\n</section>\n");
    }

    fn paths(&self, out: &mut String) {
        let r = self.report;
        out.push_str("<section id=\"paths\">\n<h2>Attack paths</h2>\n");
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
            let _ = writeln!(
                out,
                "<p class=\"none\">No attack path was found{}.</p>",
                if passed > 0 {
                    format!(
                        " ({passed} path {} passed)",
                        plural(passed, "check", "checks")
                    )
                } else {
                    String::new()
                }
            );
        } else {
            out.push_str(
                "<p>Chains of resources that together give an attacker more than any one setting does. \
                 Each box is one link of the finding's evidence, in order; hover a box for its full text.</p>\n",
            );
        }
        for i in drawn {
            let f = &r.findings[i];
            let st = self.states[i];
            let _ = write!(
                out,
                "<figure class=\"path st-{st}\" id=\"p-{i}\" data-check=\"{}\">\n<figcaption>{}{} <strong>{}</strong> <code>{}</code><p>{}</p></figcaption>\n<div class=\"pw\">",
                Esc(&f.check_id),
                sev_badge(f.severity),
                state_badge(st),
                Esc(&f.title),
                Esc(&f.check_id),
                Esc(&f.message),
                st = st.as_str(),
            );
            svg::path_drawing(out, &f.evidence);
            let _ = writeln!(
                out,
                "</div>\n<p class=\"pl\">{} · <a href=\"#f-{i}\">finding details</a></p>\n</figure>",
                Esc(&self.scopes[self.scope_of[i]].label()),
            );
        }
        out.push_str("</section>\n");
    }

    fn compliance(&self, out: &mut String) {
        let views = &self.report.compliance;
        if views.is_empty() {
            return;
        }
        out.push_str("<section id=\"compliance\">\n<h2>Compliance</h2>\n");
        for v in views {
            compliance_view(out, v);
        }
        out.push_str("</section>\n");
    }

    fn findings(&self, out: &mut String) {
        let r = self.report;
        out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
        out.push_str(
            "<div class=\"filters\" id=\"filters\" hidden>\
             <input type=\"search\" id=\"q\" placeholder=\"Filter by check, resource, message…\" aria-label=\"Filter text\">\
             <select id=\"fsev\" aria-label=\"Minimum severity\"><option value=\"0\">any severity</option>",
        );
        for sev in Severity::ALL {
            let _ = write!(
                out,
                "<option value=\"{}\">{} and above</option>",
                severity_rank(sev),
                sev.as_str()
            );
        }
        out.push_str(
            "</select><select id=\"fst\" aria-label=\"Status\"><option value=\"\">any status</option>",
        );
        for st in State::ORDER {
            let _ = write!(out, "<option>{}</option>", st.as_str());
        }
        out.push_str(
            "</select><select id=\"fsc\" aria-label=\"Scope\"><option value=\"\">any scope</option>",
        );
        for (i, s) in self.scopes.iter().enumerate() {
            let _ = write!(out, "<option value=\"{i}\">{}</option>", Esc(&s.label()));
        }
        out.push_str(
            "</select><button type=\"button\" id=\"expand\">Expand all</button>\
             <button type=\"button\" id=\"collapse\">Collapse all</button><span id=\"shown\" class=\"shown\"></span></div>\n",
        );
        if r.findings.is_empty() {
            out.push_str("<p class=\"none\">The scan produced no findings.</p>\n");
        }
        for st in State::ORDER {
            let members: Vec<usize> = (0..r.findings.len())
                .filter(|&i| self.states[i] == st)
                .collect();
            if members.is_empty() {
                continue;
            }
            let heading = format!(
                "<h3>{} <span class=\"gc\">{}</span></h3>",
                st.heading(),
                members.len()
            );
            if st == State::Pass {
                let _ = writeln!(
                    out,
                    "<details class=\"group\" id=\"g-{}\"><summary>{heading}</summary>",
                    st.as_str()
                );
            } else {
                let _ = writeln!(
                    out,
                    "<section class=\"group\" id=\"g-{}\">{heading}",
                    st.as_str()
                );
            }
            for i in members {
                self.finding(out, i);
            }
            out.push_str(if st == State::Pass {
                "</details>\n"
            } else {
                "</section>\n"
            });
        }
        out.push_str("</section>\n");
    }

    fn finding(&self, out: &mut String, i: usize) {
        let f = &self.report.findings[i];
        let st = self.states[i];
        let _ = write!(
            out,
            "<details class=\"f\" id=\"f-{i}\" data-sev=\"{}\" data-st=\"{}\" data-sc=\"{}\"{} data-check=\"{}\" data-resource=\"{}\">\
             <summary>{}{}<code class=\"ck\">{}</code><span class=\"rs\" title=\"{}\">{}</span><span class=\"ms\">{}</span></summary>\n<div class=\"fb\">\
             <p class=\"tt\">{}</p><dl class=\"kv\">\
             <dt>Resource</dt><dd>{} <code>{}</code>{}</dd><dt>Scope</dt><dd>{}</dd><dt>Message</dt><dd>{}</dd>",
            severity_rank(f.severity),
            st.as_str(),
            self.scope_of[i],
            if self.new[i] { " data-new=\"true\"" } else { "" },
            Esc(&f.check_id),
            Esc(&f.resource.id),
            sev_badge(f.severity),
            state_badge(st),
            Esc(&f.check_id),
            Esc(&f.resource.id),
            Esc(&short_id(&f.resource.id)),
            Esc(&f.message),
            Esc(&f.title),
            Esc(&type_label(&f.resource.kind)),
            Esc(&f.resource.id),
            if f.resource.region.is_empty() {
                String::new()
            } else {
                format!(" · {}", Esc(&f.resource.region))
            },
            Esc(&self.scopes[self.scope_of[i]].label()),
            Esc(&f.message),
        );
        if self.report.is_multi_account() {
            let _ = write!(
                out,
                "<dt>Account</dt><dd><code>{}</code></dd>",
                Esc(or_dash(&f.account_id))
            );
        }
        if self.new[i] {
            out.push_str("<dt>Baseline</dt><dd>new failure since the baseline</dd>");
        }
        if let Some(s) = &f.suppressed {
            let _ = write!(
                out,
                "<dt>Suppressed</dt><dd class=\"sup\">{} <span class=\"muted\">(expires {}; entry <code>{}</code>)</span></dd>",
                Esc(&s.reason),
                Esc(s.expires.as_deref().unwrap_or("never")),
                Esc(&s.entry)
            );
        }
        let _ = write!(
            out,
            "<dt>Remediation</dt><dd>{}</dd>",
            Esc(or_dash(&f.remediation))
        );
        if !f.compliance.is_empty() {
            out.push_str("<dt>Compliance</dt><dd class=\"refs\">");
            for c in &f.compliance {
                let _ = write!(out, "<code>{}</code> ", Esc(c));
            }
            out.push_str("</dd>");
        }
        out.push_str("</dl>");
        if !f.evidence.is_empty() {
            out.push_str("<p class=\"eh\">Evidence chain</p><ol class=\"chain\">");
            for e in &f.evidence {
                let _ = write!(
                    out,
                    "<li{}><span class=\"et\">{}</span> <code>{}</code><span class=\"ed\">{}</span></li>",
                    if e.kind == "Gap" { " class=\"gap\"" } else { "" },
                    Esc(&type_label(&e.kind)),
                    Esc(&e.id),
                    Esc(&e.detail)
                );
            }
            out.push_str("</ol>");
        }
        if is_drawn(f) {
            let _ = write!(
                out,
                "<p><a href=\"#p-{i}\">See the attack path drawing</a></p>"
            );
        }
        out.push_str("</div></details>\n");
    }

    fn footer(&self, out: &mut String) {
        let r = self.report;
        let _ = writeln!(
            out,
            "<footer>Generated by {} {} (report schema {}) from the scan of account {}, {} to {}. \
             This file is self-contained and loads nothing from the network.</footer>",
            Esc(&r.tool.name),
            Esc(&r.tool.version),
            Esc(&r.schema_version),
            Esc(or_dash(&r.scan.account_id)),
            Esc(or_dash(&r.scan.started_at)),
            Esc(or_dash(&r.scan.finished_at)),
        );
    }
}

fn compliance_view(out: &mut String, v: &ComplianceView) {
    let _ = write!(
        out,
        "<h3>{} <span class=\"muted\">({})</span></h3>\n<table class=\"cv\"><thead><tr><th>Control</th><th>Status</th>\
         <th class=\"num\">fail</th><th class=\"num\">pass</th><th class=\"num\">unknown</th><th>Title</th><th>Checks</th></tr></thead><tbody>\n",
        Esc(&v.title),
        Esc(&v.framework)
    );
    for c in &v.controls {
        let class = match c.status {
            ControlStatus::Fail => "t-fail",
            ControlStatus::Unknown => "t-unknown",
            ControlStatus::Pass => "t-pass",
            ControlStatus::NotEvaluated | ControlStatus::NotCovered => "t-none",
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><span class=\"b {class}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"refs\">{}</td></tr>",
            Esc(&c.control),
            c.status.as_str(),
            c.fail,
            c.pass,
            c.unknown,
            Esc(&c.title),
            c.checks
                .iter()
                .map(|k| format!("<code>{}</code>", Esc(k)))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    out.push_str("</tbody></table>\n");
}

fn cell(out: &mut String, n: u64, class: &str) {
    if n == 0 {
        out.push_str("<td class=\"num zero\">0</td>");
    } else {
        let _ = write!(out, "<td class=\"num {class}\">{n}</td>");
    }
}

fn sev_badge(s: Severity) -> String {
    format!("<span class=\"b s-{0}\">{0}</span>", s.as_str())
}

fn state_badge(s: State) -> String {
    format!("<span class=\"b t-{0}\">{0}</span>", s.as_str())
}

#[cfg(test)]
mod tests;
