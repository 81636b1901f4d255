use eksposture_model::{
    ComplianceView, ControlResult, ControlStatus, Evidence, Finding, Gap, GapReason, Iam,
    Inventory, ResourceRef, ScanInfo, Severity, Status, Suppression,
};

use super::scope::{scopes_of, Scope};
use super::{render_html, CONTENT_SECURITY_POLICY};
use crate::{build, Report};

const ACCOUNT: &str = "111122223333";
const HOSTILE: &str = r#"<script>document.body.dataset.pwned="1"</script><img src=x onerror="document.body.dataset.pwned='2'">"#;

fn arn(service: &str, region: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{ACCOUNT}:{resource}")
}

fn inventory(gaps: Vec<Gap>) -> Inventory {
    Inventory {
        schema_version: "1".into(),
        scan: ScanInfo {
            account_id: ACCOUNT.into(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            started_at: "2025-01-02T03:04:05Z".into(),
            finished_at: "2025-01-02T03:04:09Z".into(),
        },
        gaps,
        iam: Iam::default(),
        regions: std::collections::BTreeMap::new(),
    }
}

fn finding(
    check: &str,
    severity: Severity,
    status: Status,
    resource: ResourceRef,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity,
        kind: crate::tests::kind_of(check),
        status,
        message: format!("{check} message for {}", resource.id),
        account_id: String::new(),
        resource,
        evidence,
        remediation: format!("Fix {check}."),
        compliance: vec!["CIS-EKS-1.8:5.4.1".into(), "EKS-BPG:iam".into()],
        suppressed: None,
    }
}

fn cluster(name: &str) -> ResourceRef {
    ResourceRef::new(
        "AwsEksCluster",
        arn("eks", "us-east-1", &format!("cluster/{name}")),
        "us-east-1",
    )
}

fn cluster_evidence(name: &str) -> Evidence {
    Evidence::new(
        "AwsEksCluster",
        arn("eks", "us-east-1", &format!("cluster/{name}")),
        format!("cluster {name}"),
    )
}

/// The chain `path-public-node-with-broad-role` draws: 9 links.
fn public_node_chain() -> Vec<Evidence> {
    let ec2 = |r: &str| arn("ec2", "us-east-1", r);
    vec![
        cluster_evidence("prod"),
        Evidence::new(
            "AwsEc2Instance",
            ec2("instance/i-0abc"),
            "node i-0abc of cluster prod, nodegroup ng; public IPv4 54.1.2.3",
        ),
        Evidence::new(
            "AwsEc2Subnet",
            ec2("subnet/subnet-1"),
            "subnet subnet-1; MapPublicIpOnLaunch=true",
        ),
        Evidence::new(
            "AwsEc2RouteTable",
            ec2("route-table/rtb-1"),
            "route table rtb-1 (explicitly associated)",
        ),
        Evidence::new(
            "AwsEc2InternetGateway",
            ec2("internet-gateway/igw-1"),
            "route 0.0.0.0/0 -> igw-1 (active)",
        ),
        Evidence::new(
            "AwsEc2SecurityGroup",
            ec2("security-group/sg-1"),
            "sg-1: ingress tcp 22 from 0.0.0.0/0",
        ),
        Evidence::new(
            "AwsIamInstanceProfile",
            arn("iam", "", "instance-profile/node"),
            "roles: node",
        ),
        Evidence::new("AwsIamRole", arn("iam", "", "role/node"), "node role node"),
        Evidence::new(
            "AwsIamPolicy",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            r#"full administrator access (* on *): Allow Action ["*"] on Resource ["*"]"#,
        ),
    ]
}

fn findings() -> Vec<Finding> {
    let node = ResourceRef::new(
        "AwsEc2Instance",
        arn("ec2", "us-east-1", "instance/i-0abc"),
        "us-east-1",
    );
    let mut hostile = finding(
        "eks-endpoint-private",
        Severity::Medium,
        Status::Fail,
        cluster("prod"),
        vec![Evidence::new("AwsEksCluster", HOSTILE, HOSTILE)],
    );
    hostile.message = format!("tag Name={HOSTILE}");
    hostile.title = HOSTILE.into();
    let mut suppressed = finding(
        "ecr-tags-immutable",
        Severity::Low,
        Status::Fail,
        ResourceRef::new(
            "AwsEcrRepository",
            arn("ecr", "us-east-1", "repository/web"),
            "us-east-1",
        ),
        vec![],
    );
    suppressed.suppressed = Some(Suppression {
        reason: "release tags are rewritten by the legacy pipeline until Q3".into(),
        expires: Some("2025-09-30".into()),
        entry: "eksposture.toml#2".into(),
    });
    vec![
        finding(
            "path-public-node-with-broad-role",
            Severity::Critical,
            Status::Fail,
            node.clone(),
            public_node_chain(),
        ),
        finding(
            "path-pod-to-node-role",
            Severity::Critical,
            Status::Pass,
            node.clone(),
            vec![cluster_evidence("prod")],
        ),
        finding(
            "eks-endpoint-not-open-to-world",
            Severity::High,
            Status::Fail,
            cluster("prod"),
            vec![cluster_evidence("prod")],
        ),
        hostile,
        finding(
            "iam-node-role-least-privilege",
            Severity::High,
            Status::Fail,
            ResourceRef::new("AwsIamRole", arn("iam", "", "role/node"), "global"),
            vec![cluster_evidence("staging")],
        ),
        finding(
            "eks-nodegroup-ssh-restricted",
            Severity::High,
            Status::Pass,
            ResourceRef::new(
                "AwsEksNodegroup",
                arn(
                    "eks",
                    "us-east-1",
                    "nodegroup/staging/ng/58b100fa-9cbf-4729-b848-d9d0f25412c3",
                ),
                "us-east-1",
            ),
            vec![],
        ),
        finding(
            "eks-secrets-encrypted",
            Severity::Medium,
            Status::Unknown,
            cluster("legacy"),
            vec![
                cluster_evidence("legacy"),
                Evidence::new(
                    "Gap",
                    "eks:us-east-1:DescribeCluster",
                    "access_denied: not authorized",
                ),
            ],
        ),
        suppressed,
        finding(
            "iam-irsa-trust-scoped",
            Severity::High,
            Status::Pass,
            ResourceRef::new("AwsIamRole", arn("iam", "", "role/app"), "global"),
            vec![],
        ),
    ]
}

fn gaps() -> Vec<Gap> {
    vec![
        Gap::new(
            "eks",
            "us-east-1",
            "ListAccessEntries",
            GapReason::NotSupported,
            "HTTP 404 with no AWS error code: the endpoint does not implement this operation",
        ),
        Gap::new(
            "eks",
            "us-east-1",
            "DescribeCluster",
            GapReason::AccessDenied,
            format!("AccessDeniedException: User: auditor is not authorized {HOSTILE}"),
        ),
    ]
}

fn sample() -> Report {
    build(&inventory(gaps()), findings(), "0.1.0")
}

/// The markup of the element with `id` up to the first closing tag of its
/// kind (enough for the elements the tests look into, which do not nest
/// their own kind).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let open = html[..at].rfind('<').unwrap();
    let tag = &html[open + 1..at];
    let tag = tag.split(' ').next().unwrap();
    let rest = &html[open..];
    let end = rest.find(&format!("</{tag}>")).unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn is_one_self_contained_document() {
    let html = render_html(&sample());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    assert!(html.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
    )));
    for attr in [" src=\"", "href=\"http", "href=\"//", "url(", "@import"] {
        assert!(!html.contains(attr), "{attr} in the page");
    }
    // Our two scripts, nothing else.
    assert_eq!(html.matches("<script>").count(), 2);
    assert_eq!(html.matches("<script").count(), 2);
    for id in [
        "scan-state",
        "gaps",
        "overview",
        "paths",
        "findings",
        "page-errors",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    assert!(
        html.contains("data-ready"),
        "the script marks the page ready"
    );
}

#[test]
fn header_shows_the_scan_and_the_counts() {
    let r = sample();
    let html = render_html(&r);
    for text in [
        ACCOUNT,
        "us-east-1",
        "2025-01-02T03:04:05Z",
        "2025-01-02T03:04:09Z",
        "eksposture 0.1.0",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    let s = &r.summary;
    assert_eq!((s.fail, s.unknown, s.suppressed, s.pass), (4, 1, 1, 3));
    for (class, n) in [
        ("fail", 4),
        ("unknown", 1),
        ("suppressed", 1),
        ("pass", 3),
        ("gaps", 2),
    ] {
        assert!(
            html.contains(&format!("<div class=\"tile {class}\" data-count=\"{n}\">")),
            "{class} tile"
        );
    }
    assert!(html.contains("1 critical · 2 high · 1 medium"));
}

#[test]
fn text_from_the_account_is_inert() {
    let html = render_html(&sample());
    assert!(!html.contains("<script>document"), "raw script tag");
    assert!(!html.contains("<img"), "raw img tag");
    assert!(!html.contains("onerror=\""), "raw event handler attribute");
    assert!(html.contains("&lt;script&gt;document.body.dataset.pwned=&quot;1&quot;&lt;/script&gt;"));
    // In attributes too (the resource id and the evidence tooltip).
    assert!(html.contains("onerror=&quot;document.body.dataset.pwned=&#39;2&#39;&quot;&gt;"));
}

#[test]
fn gaps_are_listed_and_the_scan_says_it_is_incomplete() {
    let html = render_html(&sample());
    let banner = section(&html, "scan-state");
    assert!(
        banner.contains("Incomplete scan: 2 reads failed."),
        "{banner}"
    );
    assert!(banner.contains("(1 finding)"), "{banner}");
    let gaps = section(&html, "gaps");
    assert_eq!(gaps.matches("<tr class=\"gap\">").count(), 2);
    for g in self::gaps() {
        assert!(gaps.contains(&format!("<code>{}</code>", g.operation)));
        assert!(gaps.contains(g.reason.as_str()));
    }
    assert!(gaps.contains("the endpoint does not implement this operation"));
    assert!(html.contains(
        "<title>eksposture report · account 111122223333 · 4 failing · incomplete scan</title>"
    ));

    let complete = render_html(&build(&inventory(vec![]), findings(), "0.1.0"));
    assert!(!complete.contains("id=\"gaps\""));
    assert!(section(&complete, "scan-state").contains("Complete scan."));
}

#[test]
fn suppressed_findings_are_marked_with_reason_and_expiry() {
    let html = render_html(&sample());
    let group = section(&html, "g-suppressed");
    assert!(
        group.contains("data-st=\"suppressed\" data-sc=\""),
        "{group}"
    );
    assert!(group.contains("ecr-tags-immutable"));
    assert!(group.contains("release tags are rewritten by the legacy pipeline until Q3"));
    assert!(group.contains("expires 2025-09-30"));
    assert!(group.contains("eksposture.toml#2"));
    assert!(!section(&html, "g-fail").contains("ecr-tags-immutable"));
}

#[test]
fn groups_come_failing_unknown_suppressed_then_passing_collapsed() {
    let html = render_html(&sample());
    let at = |id: &str| html.find(&format!("id=\"{id}\"")).unwrap();
    assert!(at("g-fail") < at("g-unknown"));
    assert!(at("g-unknown") < at("g-suppressed"));
    assert!(at("g-suppressed") < at("g-pass"));
    assert!(html.contains("<details class=\"group\" id=\"g-pass\"><summary>"));
    assert!(!html.contains("<details class=\"group\" id=\"g-pass\" open"));
    let fail = section(&html, "g-fail");
    assert_eq!(fail.matches("<details class=\"f\"").count(), 4, "{fail}");
    // Most severe first within a group.
    let critical = fail.find("path-public-node-with-broad-role").unwrap();
    let medium = fail.find("data-check=\"eks-endpoint-private\"").unwrap();
    assert!(critical < medium);
}

#[test]
fn every_finding_shows_its_fields_and_evidence_chain_in_order() {
    let r = sample();
    let html = render_html(&r);
    for (i, f) in r.findings.iter().enumerate() {
        let el = section(&html, &format!("f-{i}"));
        assert!(
            el.contains(&format!("data-check=\"{}\"", f.check_id)),
            "{el}"
        );
        for c in &f.compliance {
            assert!(el.contains(&format!("<code>{c}</code>")), "{el}");
        }
        assert!(el.contains(&format!("Fix {}.", f.check_id)), "{el}");
        let mut last = 0;
        for e in &f.evidence {
            let mut code = super::markup::Html::default();
            code.el("code", &[], &e.id);
            let at = el[last..]
                .find(&code.into_string())
                .unwrap_or_else(|| panic!("{} out of order in {el}", e.id));
            last += at + 1;
        }
    }
}

#[test]
fn failing_path_findings_are_drawn_passing_ones_are_not() {
    let r = sample();
    let html = render_html(&r);
    let paths = section(&html, "paths");
    assert_eq!(paths.matches("<figure class=\"path").count(), 1, "{paths}");
    let i = r
        .findings
        .iter()
        .position(|f| f.check_id == "path-public-node-with-broad-role")
        .unwrap();
    let fig = section(&html, &format!("p-{i}"));
    assert!(fig.contains("<svg class=\"pd\""), "{fig}");
    assert_eq!(fig.matches("<rect ").count(), 9, "one box per link");
    assert!(fig.contains(
        "aria-label=\"Attack path: EKS cluster prod → EC2 instance i-0abc → EC2 subnet subnet-1"
    ));
    assert!(fig.contains(&format!("href=\"#f-{i}\"")));
    assert!(section(&html, &format!("f-{i}")).contains(&format!("href=\"#p-{i}\"")));

    let none = render_html(&build(
        &inventory(vec![]),
        findings()
            .into_iter()
            .filter(|f| f.status == Status::Pass)
            .collect(),
        "0.1.0",
    ));
    assert!(section(&none, "paths").contains("No attack path was found (1 path check passed)."));
    assert!(!none.contains("<svg class=\"pd\""));
}

#[test]
fn findings_belong_to_the_cluster_of_their_arn_or_evidence() {
    let f = findings();
    let scope = |check: &str| Scope::of(f.iter().find(|x| x.check_id == check).unwrap());
    let cl = |name: &str| Scope::Cluster {
        name: name.into(),
        region: "us-east-1".into(),
    };
    assert_eq!(scope("eks-endpoint-not-open-to-world"), cl("prod"));
    assert_eq!(scope("eks-nodegroup-ssh-restricted"), cl("staging"));
    assert_eq!(scope("iam-node-role-least-privilege"), cl("staging"));
    assert_eq!(scope("path-public-node-with-broad-role"), cl("prod"));
    assert_eq!(scope("iam-irsa-trust-scoped"), Scope::Account);
    assert_eq!(
        scope("ecr-tags-immutable"),
        Scope::Region("us-east-1".into())
    );
    // A node finding citing only its instance joins the instance's cluster,
    // which the path finding on the same instance names.
    let node = ResourceRef::new(
        "AwsEc2Instance",
        arn("ec2", "us-east-1", "instance/i-0abc"),
        "us-east-1",
    );
    let mut all = f.clone();
    all.push(finding(
        "ec2-node-imdsv2-required",
        Severity::High,
        Status::Fail,
        node.clone(),
        vec![Evidence::new("AwsEc2Instance", &node.id, "node")],
    ));
    let volume = ResourceRef::new(
        "AwsEc2Volume",
        arn("ec2", "us-east-1", "volume/vol-1"),
        "us-east-1",
    );
    all.push(finding(
        "ec2-node-ebs-encrypted",
        Severity::Medium,
        Status::Fail,
        volume,
        vec![Evidence::new("AwsEc2Instance", &node.id, "node")],
    ));
    let scopes = scopes_of(&all);
    assert_eq!(scopes[scopes.len() - 2], cl("prod"));
    assert_eq!(scopes[scopes.len() - 1], cl("prod"));
    // A resource two clusters claim stays where it was.
    let mut twice = all.clone();
    twice.push(finding(
        "path-pod-to-node-role",
        Severity::Critical,
        Status::Fail,
        node,
        vec![cluster_evidence("staging")],
    ));
    let scopes = scopes_of(&twice);
    assert_eq!(scopes[all.len() - 1], Scope::Region("us-east-1".into()));
    // A placeholder for "every cluster of the region" is no cluster.
    let every = finding(
        "eks-endpoint-private",
        Severity::Medium,
        Status::Unknown,
        cluster("*"),
        vec![],
    );
    assert_eq!(Scope::of(&every), Scope::Region("us-east-1".into()));
}

#[test]
fn overview_counts_failing_findings_per_cluster_and_severity() {
    let html = render_html(&sample());
    let overview = section(&html, "overview");
    assert!(overview.contains("<svg class=\"chart\""), "{overview}");
    assert!(overview.contains("aria-label=\"4 failing findings by severity\""));
    // prod: 1 critical, 1 high, 1 medium; staging: 1 high (the node role).
    assert!(overview.contains("<title>cluster prod (us-east-1): 1 critical failing</title>"));
    assert!(overview.contains("<title>cluster staging (us-east-1): 1 high failing</title>"));
    let row = overview
        .split("<tr>")
        .find(|r| r.contains("cluster prod (us-east-1)</th>"))
        .unwrap();
    assert!(row.contains("<td class=\"num s-critical\">1</td><td class=\"num s-high\">1</td><td class=\"num s-medium\">1</td>"), "{row}");

    let clean = render_html(&build(&inventory(vec![]), vec![], "0.1.0"));
    assert!(section(&clean, "overview").contains("No failing findings."));
    assert!(section(&clean, "findings").contains("The scan produced no findings."));
}

#[test]
fn compliance_views_are_tabled_when_asked_for() {
    let mut r = sample();
    assert!(!render_html(&r).contains("id=\"compliance\""));
    r.compliance.push(ComplianceView {
        framework: "CIS-EKS-1.8".into(),
        title: "CIS Amazon EKS Benchmark 1.8".into(),
        controls: vec![ControlResult {
            control: "CIS-EKS-1.8:5.4.1".into(),
            title: "Restrict access to the control plane endpoint".into(),
            status: ControlStatus::Fail,
            checks: vec!["eks-endpoint-not-open-to-world".into()],
            fail: 1,
            pass: 0,
            unknown: 0,
        }],
    });
    let html = render_html(&r);
    let c = section(&html, "compliance");
    assert!(c.contains("CIS Amazon EKS Benchmark 1.8"));
    assert!(c.contains("<span class=\"b t-fail\">fail</span>"));
}

#[test]
fn output_is_deterministic() {
    let a = render_html(&sample());
    let mut reversed = findings();
    reversed.reverse();
    let mut gaps = gaps();
    gaps.reverse();
    let b = render_html(&build(&inventory(gaps), reversed, "0.1.0"));
    assert_eq!(a, b);
}

#[test]
fn stays_small_for_thousands_of_findings() {
    let many: Vec<Finding> = (0..3000)
        .map(|i| {
            finding(
                "ec2-node-imdsv2-required",
                Severity::High,
                if i % 3 == 0 {
                    Status::Pass
                } else {
                    Status::Fail
                },
                ResourceRef::new(
                    "AwsEc2Instance",
                    arn("ec2", "us-east-1", &format!("instance/i-{i:017x}")),
                    "us-east-1",
                ),
                vec![cluster_evidence("prod")],
            )
        })
        .collect();
    let html = render_html(&build(&inventory(vec![]), many, "0.1.0"));
    let per_finding = html.len() / 3000;
    assert!(per_finding < 2000, "{per_finding} bytes per finding");
}

#[test]
fn markup_matches_snapshot() {
    let html = render_html(&sample());
    // The stylesheet and scripts are covered by the browser test; the
    // snapshot is about the markup.
    let html = html
        .replace(super::page::STYLE, "/* style.css */")
        .replace(super::page::ERROR_SCRIPT, "/* errors.js */")
        .replace(super::page::MAIN_SCRIPT, "/* main.js */");
    insta::assert_snapshot!(html);
}

#[test]
fn a_baseline_comparison_lists_changes_and_marks_new_failures() {
    // The baseline knew only the endpoint failure, and the node role passed.
    let old: Vec<Finding> = findings()
        .into_iter()
        .filter(|f| f.check_id == "eks-endpoint-not-open-to-world")
        .chain(
            findings()
                .into_iter()
                .filter(|f| f.check_id == "iam-node-role-least-privilege")
                .map(|mut f| {
                    f.status = Status::Pass;
                    f
                }),
        )
        .collect();
    let old = build(&inventory(vec![]), old, "0.0.9");
    let mut now = sample();
    assert!(!render_html(&now).contains("id=\"baseline\""));
    now.diff = Some(crate::diff(&old, &now).unwrap().into_baseline());
    let html = render_html(&now);
    let b = section(&html, "baseline");
    assert!(b.contains("eksposture 0.0.9"), "{b}");
    let new = section(&html, "changes-new");
    assert!(
        new.contains("iam-node-role-least-privilege") && new.contains("pass → fail"),
        "{new}"
    );
    assert!(
        !new.contains("eks-endpoint-not-open-to-world"),
        "unchanged is not new"
    );
    let marked = |check: &str| {
        html.lines().any(|l| {
            l.contains(&format!("data-check=\"{check}\"")) && l.contains("data-new=\"true\"")
        })
    };
    assert!(marked("iam-node-role-least-privilege"));
    assert!(!marked("eks-endpoint-not-open-to-world"));
    assert!(html.contains("<a href=\"#baseline\">"));
}

#[test]
fn the_suppression_file_summary_and_its_warnings_are_shown() {
    let mut r = sample();
    r.suppressions = Some(crate::SuppressionSummary {
        file: "eksposture.toml".into(),
        entries: 2,
        matched: vec![crate::EntryMatches {
            entry: "eksposture.toml#2".into(),
            check: "ecr-tags-immutable".into(),
            findings: 1,
            failing: 1,
        }],
        expired: vec![crate::EntryInfo {
            entry: "eksposture.toml#1".into(),
            check: "eks-endpoint-private".into(),
            resource: None,
            tags: std::collections::BTreeMap::new(),
            reason: HOSTILE.into(),
            expires: Some("2024-12-31".into()),
            note: None,
        }],
        unmatched: vec![],
    });
    let html = render_html(&r);
    let s = section(&html, "suppressions");
    assert!(
        s.contains(
            "<code>eksposture.toml</code>: 2 entries, 1 in use, 1 failing finding suppressed."
        ),
        "{s}"
    );
    assert!(
        s.contains("eksposture.toml#1") && s.contains("expired on 2024-12-31"),
        "{s}"
    );
    assert!(
        s.contains(
            "<td><code>eksposture.toml#2</code></td><td><code>ecr-tags-immutable</code></td>"
        ),
        "{s}"
    );
}
