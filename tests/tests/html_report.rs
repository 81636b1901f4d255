//! `audit --output html` end to end: the real binary scans the risky moto
//! account into an HTML file, headless Chromium renders it, and the page
//! must load without errors, fetch nothing, and show what the JSON report
//! of the same account shows: every failing finding, the gaps, the attack
//! paths.

use std::collections::BTreeSet;

use eksposture_e2e::chromium;
use eksposture_e2e::{scratch_dir, Scenario};
use serde_json::Value;

/// Attributes through which a page loads or links something.
const URL_ATTRIBUTES: [&str; 5] = ["src", "href", "xlink:href", "action", "poster"];

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

#[test]
fn html_report_of_the_risky_account_renders_in_chromium() {
    let risky = Scenario::start("risky");
    // Without the wire layer's scenario, moto's own 404s leave gaps: the
    // report must show them and say the scan is partial.
    risky.server.forget_wire_shapes();
    let dir = scratch_dir("html-report");
    let file = dir.join("risky.html");
    risky
        .server
        .run_audit(&[
            "--output",
            "html",
            "--output-file",
            file.to_str().unwrap(),
            "--max-attempts",
            "1",
        ])
        .assert_code(3);
    let json = risky.report();

    let page = chromium::render(&file);
    page.assert_clean();
    assert_eq!(
        page.attribute("body", "data-ready").as_deref(),
        Some("true"),
        "the report's script did not run to the end"
    );
    assert_eq!(page.text_of("page-errors").as_deref(), Some(""));

    // Nothing to fetch: no URL attribute points off the file.
    for name in URL_ATTRIBUTES {
        for url in page.attributes("<", name) {
            assert!(
                url.starts_with('#') || url.starts_with("data:"),
                "{name}=\"{url}\" in the page"
            );
        }
    }
    let csp = page
        .attribute("meta http-equiv=\"Content-Security-Policy\"", "content")
        .expect("a CSP meta tag");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");

    // Every finding of the JSON report, and every failing one as failing.
    let findings = json["findings"].as_array().unwrap();
    let shown: BTreeSet<(String, String, String)> = {
        let open = "<details class=\"f\"";
        let checks = page.attributes(open, "data-check");
        let resources = page.attributes(open, "data-resource");
        let states = page.attributes(open, "data-st");
        assert_eq!(checks.len(), findings.len(), "one element per finding");
        assert_eq!(
            (resources.len(), states.len()),
            (checks.len(), checks.len())
        );
        checks
            .into_iter()
            .zip(resources)
            .zip(states)
            .map(|((c, r), s)| (c, r, s))
            .collect()
    };
    let failing: Vec<&Value> = findings
        .iter()
        .filter(|f| str_of(f, "status") == "fail" && f["suppressed"].is_null())
        .collect();
    assert_eq!(
        failing.len() as u64,
        json["summary"]["fail"].as_u64().unwrap()
    );
    assert!(failing.len() > 10);
    for f in &failing {
        let key = (
            str_of(f, "check_id").to_string(),
            str_of(&f["resource"], "id").to_string(),
            "fail".to_string(),
        );
        assert!(shown.contains(&key), "failing finding not shown: {key:?}");
    }
    let tile = page.attributes("<div class=\"tile fail", "data-count");
    assert_eq!(tile, [failing.len().to_string()]);

    // The gaps, and a banner that says the scan is partial.
    let gaps = json["gaps"].as_array().unwrap();
    assert!(!gaps.is_empty(), "moto lacks some EKS operations");
    assert_eq!(
        page.attribute("p class=\"banner partial\"", "data-complete")
            .as_deref(),
        Some("false")
    );
    let gaps_text = page.text_of("gaps").expect("a gaps section");
    assert!(
        gaps_text.contains(&format!("Gaps: {} failed reads", gaps.len())),
        "{gaps_text}"
    );
    for g in gaps {
        for key in ["service", "region", "operation", "reason"] {
            assert!(gaps_text.contains(str_of(g, key)), "{key} of {g} not shown");
        }
    }

    // One drawing per attack path that is not a pass, with a box per link.
    let paths: Vec<&Value> = findings
        .iter()
        .filter(|f| str_of(f, "check_id").starts_with("path-") && str_of(f, "status") != "pass")
        .collect();
    assert!(
        paths.iter().any(|f| str_of(f, "status") == "fail"),
        "the risky account has failing attack paths"
    );
    let drawn = page.attributes("<figure class=\"path", "data-check");
    assert_eq!(drawn.len(), paths.len(), "{drawn:?}");
    assert_eq!(
        page.attributes("<svg class=\"pd\"", "role").len(),
        paths.len()
    );
    let labels = page.attributes("<svg class=\"pd\"", "aria-label");
    let pod_to_node = failing
        .iter()
        .find(|f| str_of(f, "check_id") == "path-pod-to-node-role")
        .expect("a failing path-pod-to-node-role finding");
    let links = pod_to_node["evidence"].as_array().unwrap().len();
    assert!(
        labels.iter().any(
            |l| l.starts_with("Attack path: EKS cluster risky → EC2 instance")
                && l.matches(" → ").count() == links - 1
        ),
        "{labels:?}"
    );

    // It also renders to pixels: a PNG of the requested size.
    let png = dir.join("risky.png");
    chromium::screenshot(&file, &png, 1280, 2000);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let dim = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((dim(16), dim(20)), (1280, 2000));
    assert!(bytes.len() > 50_000, "a blank page? {} bytes", bytes.len());
}
