//! The HTML report in a real browser: headless Chromium loads a report built
//! from hostile account data and must run its script, log nothing, fetch
//! nothing, and show every failing finding. The harness itself is checked
//! first: it must see a script error, a CSP violation and a request.

use std::path::{Path, PathBuf};

use eksposture_e2e::chromium::{self, Page};
use eksposture_e2e::{free_port, scratch_dir};
use eksposture_model::{
    CheckKind, Evidence, Finding, Gap, GapReason, Iam, Inventory, PathEntry, ResourceRef, ScanInfo,
    Severity, Status, Suppression, Tactic,
};
use eksposture_report::{build, render_html, Report, CONTENT_SECURITY_POLICY};

/// Markup an attacker could put in a tag value or resource name. Were it
/// parsed as markup, it would mark the body `data-pwned`.
const HOSTILE: &str = r#"<script>document.body.dataset.pwned="script"</script><img src=x onerror="document.body.dataset.pwned='img'"><svg onload="document.body.dataset.pwned='svg'">"#;

fn write(dir: &Path, name: &str, html: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, html).unwrap();
    path
}

#[test]
fn harness_sees_requests_without_csp() {
    let dir = scratch_dir("harness");
    let url = format!("http://127.0.0.1:{}/pixel.png", free_port());
    let page = chromium::render(&write(
        &dir,
        "open.html",
        &format!("<!DOCTYPE html><html><body><img src=\"{url}\"></body></html>"),
    ));
    assert_eq!(page.requests, [url], "{page:?}");
}

#[test]
fn harness_sees_script_errors_and_csp_violations() {
    let dir = scratch_dir("harness");
    let url = format!("http://127.0.0.1:{}/pixel.png", free_port());
    let page = chromium::render(&write(
        &dir,
        "strict.html",
        &format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\"></head>\
             <body data-x=\"a&amp;b\"><img src=\"{url}\"><script>noSuchFunction();</script></body></html>"
        ),
    ));
    assert!(page.requests.is_empty(), "CSP let a request out: {page:?}");
    let console = page.console.join("\n");
    assert!(console.contains("Content Security Policy"), "{console}");
    assert!(
        console.contains("noSuchFunction is not defined"),
        "{console}"
    );
    assert_eq!(page.attribute("body", "data-x").as_deref(), Some("a&b"));
}

fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:us-east-1:123456789012:{resource}")
}

fn finding(check: &str, severity: Severity, status: Status, resource: ResourceRef) -> Finding {
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity,
        kind: CheckKind::Configuration,
        status,
        message: format!("{check} on {}", resource.id),
        account_id: String::new(),
        evidence: vec![Evidence::new(
            "AwsEksCluster",
            arn("eks", "cluster/prod"),
            "cluster prod",
        )],
        resource,
        remediation: "Fix it.".into(),
        compliance: vec!["CIS-EKS-1.8:5.4.1".into()],
        suppressed: None,
    }
}

/// A report with a long attack path, gaps, a suppression, and account data
/// full of markup in every field that comes from the account.
fn hostile_report() -> Report {
    let cluster = ResourceRef::new("AwsEksCluster", arn("eks", "cluster/prod"), "us-east-1");
    let node = ResourceRef::new("AwsEc2Instance", arn("ec2", "instance/i-1"), "us-east-1");
    let mut path = finding(
        "path-public-node-with-broad-role",
        Severity::Critical,
        Status::Fail,
        node.clone(),
    );
    path.kind = CheckKind::AttackPath {
        tactic: Tactic::InitialAccess,
        entry: PathEntry::Configuration,
    };
    path.evidence = (0..8)
        .map(|i| {
            Evidence::new(
                "AwsEc2SecurityGroup",
                arn("ec2", &format!("security-group/sg-{i}")),
                format!("link {i}: {HOSTILE}"),
            )
        })
        .collect();
    let mut tagged = finding(
        "eks-endpoint-private",
        Severity::Medium,
        Status::Fail,
        ResourceRef::new(
            "AwsEksCluster",
            arn("eks", &format!("cluster/{HOSTILE}")),
            "us-east-1",
        ),
    );
    tagged.message = format!("cluster tag Name={HOSTILE}");
    tagged.title = HOSTILE.into();
    tagged
        .evidence
        .push(Evidence::new(HOSTILE, HOSTILE, HOSTILE));
    let mut suppressed = finding(
        "ecr-tags-immutable",
        Severity::Low,
        Status::Fail,
        ResourceRef::new(
            "AwsEcrRepository",
            arn("ecr", "repository/web"),
            "us-east-1",
        ),
    );
    suppressed.suppressed = Some(Suppression {
        reason: format!("accepted risk {HOSTILE}"),
        expires: Some("2030-01-01".into()),
        entry: "eksposture.toml#1".into(),
    });
    let findings = vec![
        path,
        tagged,
        suppressed,
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Fail,
            cluster.clone(),
        ),
        finding(
            "eks-secrets-encrypted",
            Severity::Medium,
            Status::Unknown,
            cluster.clone(),
        ),
        finding(
            "eks-audit-logging-enabled",
            Severity::Medium,
            Status::Pass,
            cluster,
        ),
    ];
    let inventory = Inventory {
        schema_version: "1".into(),
        scan: ScanInfo {
            account_id: "123456789012".into(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            started_at: "2025-01-02T03:04:05Z".into(),
            finished_at: "2025-01-02T03:04:09Z".into(),
        },
        gaps: vec![Gap::new(
            "eks",
            "us-east-1",
            "ListAccessEntries",
            GapReason::AccessDenied,
            format!("AccessDeniedException: {HOSTILE}"),
        )],
        iam: Iam::default(),
        regions: std::collections::BTreeMap::new(),
    };
    build(&inventory, findings, "0.1.0")
}

fn render_report(report: &Report, fragment: &str) -> Page {
    let dir = scratch_dir("html");
    let file = write(&dir, "report.html", &render_html(report));
    chromium::render_at(&file, fragment)
}

#[test]
fn report_loads_cleanly_and_shows_every_failing_finding() {
    let report = hostile_report();
    let page = render_report(&report, "");
    page.assert_clean();
    assert_eq!(
        page.attribute("body", "data-ready").as_deref(),
        Some("true"),
        "the report's script did not finish\n{}",
        page.dom
    );
    assert_eq!(page.text_of("page-errors").as_deref(), Some(""));
    assert_eq!(
        page.attribute("body", "data-pwned"),
        None,
        "account data ran as markup"
    );
    // The filter bar only shows once the script ran.
    assert!(page.dom.contains("<div class=\"filters\" id=\"filters\">"));

    let shown: Vec<(String, String)> = page
        .attributes("<details class=\"f\"", "data-check")
        .into_iter()
        .zip(page.attributes("<details class=\"f\"", "data-resource"))
        .collect();
    let failing: Vec<_> = report.failing().collect();
    assert_eq!(failing.len(), 3);
    for f in failing {
        assert!(
            shown.contains(&(f.check_id.clone(), f.resource.id.clone())),
            "{} on {} not shown",
            f.check_id,
            f.resource.id
        );
    }
    assert_eq!(shown.len(), report.findings.len());

    let gaps = page.text_of("gaps").expect("a gaps section");
    assert!(
        gaps.contains("ListAccessEntries") && gaps.contains("access_denied"),
        "{gaps}"
    );
    // Hostile text is shown as text.
    assert!(gaps.contains(HOSTILE), "{gaps}");
    assert_eq!(
        page.attributes("<figure class=\"path", "data-check"),
        ["path-public-node-with-broad-role"]
    );
    assert_eq!(page.attributes("<svg class=\"pd\"", "role"), ["img"]);
    let paths = page.text_of("paths").unwrap();
    for i in 0..8 {
        assert!(
            paths.contains(&format!("{} · EC2 security group", i + 1)),
            "{paths}"
        );
    }
}

#[test]
fn a_link_to_a_finding_opens_it() {
    let report = hostile_report();
    let page = render_report(&report, "f-2");
    page.assert_clean();
    let open = page.attributes("<details class=\"f\"", "open");
    assert_eq!(open.len(), 1, "exactly the linked finding is open");
    assert!(page.dom.contains("<details class=\"f\" id=\"f-2\""));
    let linked = page
        .dom
        .find("id=\"f-2\"")
        .map(|at| &page.dom[page.dom[..at].rfind('<').unwrap()..at + 400])
        .unwrap();
    assert!(linked.contains(" open=\"\""), "{linked}");
}
