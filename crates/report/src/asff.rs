//! The report as AWS Security Finding Format (ASFF) findings: what
//! `--output asff` prints and what `audit --security-hub` imports.
//!
//! One ASFF finding per check and resource. Its `Id` depends on nothing but
//! the check id and the resource id, so a rerun updates the finding Security
//! Hub already has instead of adding a duplicate, and a finding that now
//! passes is the same finding turned `PASSED`/`RESOLVED`.

mod details;
mod limits;
mod validate;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use eksposture_model::asff::{
    product_arn, AsffCompliance, AsffFinding, AsffFindingProviderFields, AsffRecommendation,
    AsffRemediation, AsffSeverity, AsffWorkflow, RECORD_ACTIVE, SCHEMA_VERSION,
};
use eksposture_model::text::{byte_prefix, truncate_bytes};
use eksposture_model::{CheckKind, Finding, Inventory, Severity, Status};

use crate::contract::Report;

pub use limits::{
    MAX_DESCRIPTION, MAX_FIELD_KEY, MAX_FIELD_VALUE, MAX_FINDING_BYTES, MAX_ID,
    MAX_OWN_PRODUCT_FIELDS, MAX_RECOMMENDATION, MAX_RELATED_REQUIREMENTS, MAX_RESOURCES, MAX_TITLE,
    MAX_TYPES,
};
pub use validate::validate;

/// Prefix of every `GeneratorId` and `Id`.
pub const ID_PREFIX: &str = "eksposture/";
/// The name Security Hub shows for the findings' product and company.
pub const PRODUCT_NAME: &str = "eksposture";

/// Finding types (`namespace/category/classifier`).
pub const TYPE_BEST_PRACTICES: &str =
    "Software and Configuration Checks/AWS Security Best Practices";
pub const TYPE_CVE: &str = "Software and Configuration Checks/Vulnerabilities/CVE";
pub const TYPE_ATTACK_PATH: &str =
    "Software and Configuration Checks/AWS Security Best Practices/Attack Path";
const TYPE_STANDARDS: &str = "Software and Configuration Checks/Industry and Regulatory Standards";

/// The standards classifier for each compliance-reference prefix; the
/// EKS Best Practices Guide is AWS guidance, covered by the best-practices type.
const STANDARD_CLASSIFIERS: &[(&str, Option<&str>)] = &[
    ("AWS-FSBP", Some("AWS-Foundational-Security-Best-Practices")),
    ("CIS-EKS-1.8", Some("CIS EKS Benchmark")),
    ("EKS-BPG", None),
    ("NIST-800-190", Some("NIST 800-190")),
    ("PCI-DSS-4.0", Some("PCI-DSS")),
];

#[derive(Debug, Clone, Copy)]
pub struct AsffOptions<'a> {
    /// Where findings about global resources (IAM roles) and account-level
    /// ones are imported: Security Hub findings always live in one region.
    pub home_region: &'a str,
    /// RFC 3339 time of rendering, the findings' `UpdatedAt`.
    pub now: &'a str,
    /// The check catalogue (`docs/checks.md`); `#<check-id>` is appended for
    /// `Remediation.Recommendation.Url`.
    pub docs_url: Option<&'a str>,
}

/// `eksposture/<check-id>`.
pub fn generator_id(check_id: &str) -> String {
    format!("{ID_PREFIX}{check_id}")
}

/// The check a `GeneratorId` names, if eksposture wrote it.
pub fn check_of_generator(generator_id: &str) -> Option<&str> {
    generator_id.strip_prefix(ID_PREFIX)
}

/// The finding `Id`: `eksposture/<check-id>/<resource-id>`. A resource id
/// too long for the 512-character limit is cut and followed by `#` and the
/// FNV-1a hash of the whole id, so the `Id` stays unique and stable.
pub fn finding_id(check_id: &str, resource_id: &str) -> String {
    let full = format!("{ID_PREFIX}{check_id}/{resource_id}");
    if full.len() <= MAX_ID {
        return full;
    }
    let hash = format!("#{:016x}", fnv1a64(resource_id.as_bytes()));
    let mut id = byte_prefix(&full, MAX_ID - hash.len()).to_string();
    id.push_str(&hash);
    id
}

/// FNV-1a, 64 bits: fixed by its specification, unlike std's hashers.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

/// The region a finding about a resource in `resource_region` is imported
/// into: its own, or the home region for global and account-level ones.
pub fn import_region<'a>(resource_region: &'a str, home_region: &'a str) -> &'a str {
    if resource_region.is_empty() || resource_region == "global" {
        home_region
    } else {
        resource_region
    }
}

/// The ASFF findings of a report, one per check and resource, in the
/// report's order.
pub fn findings(
    report: &Report,
    inventory: &Inventory,
    options: &AsffOptions<'_>,
) -> Vec<AsffFinding> {
    let index = details::Index::new(inventory);
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
    let mut position: BTreeMap<String, usize> = BTreeMap::new();
    for f in &report.findings {
        let id = finding_id(&f.check_id, &f.resource.id);
        if let Some(&i) = position.get(&id) {
            groups[i].1.push(f);
        } else {
            position.insert(id.clone(), groups.len());
            groups.push((id, vec![f]));
        }
    }
    groups
        .into_iter()
        .map(|(id, members)| to_asff(report, &index, options, id, &members))
        .collect()
}

/// The findings as a pretty-printed JSON array with a trailing newline.
pub fn render_asff(findings: &[AsffFinding]) -> String {
    // Serialising plain structs with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(findings).unwrap_or_default();
    out.push('\n');
    out
}

fn status_rank(f: &Finding) -> (u8, bool) {
    let rank = match f.status {
        Status::Fail => 0,
        Status::Unknown => 1,
        Status::Pass => 2,
    };
    (rank, f.suppressed.is_some())
}

/// One ASFF finding for the findings one check made about one resource
/// (usually one; an `unknown` per unreadable input otherwise). The worst
/// status stands for them all: an unsuppressed failure first.
fn to_asff(
    report: &Report,
    index: &details::Index<'_>,
    options: &AsffOptions<'_>,
    id: String,
    members: &[&Finding],
) -> AsffFinding {
    let mut members = members.to_vec();
    members.sort_by_key(|f| status_rank(f));
    let lead = members[0];
    let scan = &report.scan;
    let region = import_region(&lead.resource.region, options.home_region);
    let types = types(lead.kind, &lead.compliance);
    let severity = AsffSeverity {
        label: if lead.status == Status::Pass {
            "INFORMATIONAL".to_string()
        } else {
            severity_label(lead.severity).to_string()
        },
        original: Some(lead.severity.as_str().to_string()),
    };
    let remediation = (!lead.remediation.trim().is_empty()).then(|| AsffRemediation {
        recommendation: AsffRecommendation {
            text: truncate_bytes(&lead.remediation, MAX_RECOMMENDATION),
            url: options
                .docs_url
                .map(|base| format!("{base}#{}", lead.check_id)),
        },
    });
    let compliance = AsffCompliance {
        status: match lead.status {
            Status::Fail => "FAILED",
            Status::Pass => "PASSED",
            Status::Unknown => "NOT_AVAILABLE",
        }
        .to_string(),
        related_requirements: lead
            .compliance
            .iter()
            .filter(|r| !r.trim().is_empty())
            .take(MAX_RELATED_REQUIREMENTS)
            .cloned()
            .collect(),
    };
    let workflow = if lead.suppressed.is_some() {
        "SUPPRESSED"
    } else if lead.status == Status::Pass {
        "RESOLVED"
    } else {
        "NEW"
    };
    let partition = asff_partition(&scan.partition);
    let mut resources = vec![details::resource(
        index,
        &lead.resource.kind,
        &lead.resource.id,
        partition,
        region,
    )];
    for e in members.iter().flat_map(|f| &f.evidence) {
        if resources.len() >= MAX_RESOURCES {
            break;
        }
        if !e.id.starts_with("arn:") || resources.iter().any(|r| r.id == e.id) {
            continue;
        }
        let evidence_region = eksposture_model::arn::parse(&e.id)
            .map(|a| a.region)
            .filter(|r| !r.is_empty())
            .unwrap_or(region);
        resources.push(details::resource(
            index,
            &e.kind,
            &e.id,
            partition,
            evidence_region,
        ));
    }
    AsffFinding {
        schema_version: SCHEMA_VERSION.to_string(),
        id,
        product_arn: product_arn(&scan.partition, region, &scan.account_id),
        product_name: Some(PRODUCT_NAME.to_string()),
        company_name: Some(PRODUCT_NAME.to_string()),
        generator_id: byte_prefix(&generator_id(&lead.check_id), MAX_ID).to_string(),
        aws_account_id: scan.account_id.clone(),
        types: types.clone(),
        first_observed_at: Some(scan.started_at.clone()),
        last_observed_at: Some(scan.finished_at.clone()),
        created_at: scan.started_at.clone(),
        updated_at: options.now.to_string(),
        severity: severity.clone(),
        title: truncate_bytes(non_empty(&lead.title, &lead.check_id), MAX_TITLE),
        description: truncate_bytes(&description(&members), MAX_DESCRIPTION),
        remediation,
        product_fields: product_fields(report, &members),
        resources,
        compliance: Some(compliance),
        workflow: Some(AsffWorkflow {
            status: workflow.to_string(),
        }),
        record_state: Some(RECORD_ACTIVE.to_string()),
        finding_provider_fields: Some(AsffFindingProviderFields {
            severity: Some(severity),
            types,
        }),
    }
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s
    }
}

/// The distinct messages, worst status first; a single message as it is.
fn description(members: &[&Finding]) -> String {
    let mut seen: Vec<(&str, Status)> = Vec::new();
    for f in members {
        if !f.message.trim().is_empty() && !seen.iter().any(|(m, _)| *m == f.message) {
            seen.push((&f.message, f.status));
        }
    }
    match seen.as_slice() {
        [] => non_empty(&members[0].title, &members[0].check_id).to_string(),
        [(only, _)] => (*only).to_string(),
        many => many
            .iter()
            .map(|(m, s)| format!("{s}: {m}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Informational => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// ASFF knows the partitions by these names; an unknown one is left out
/// (the field is optional) rather than rejected.
fn asff_partition(partition: &str) -> Option<&'static str> {
    match partition {
        "aws" => Some("aws"),
        "aws-cn" => Some("aws-cn"),
        "aws-us-gov" => Some("aws-us-gov"),
        "aws-iso" | "aws-us-iso" => Some("aws-us-iso"),
        "aws-iso-b" | "aws-us-iso-b" => Some("aws-us-iso-b"),
        _ => None,
    }
}

/// The finding types of a check: what kind of check it is, then one type
/// per standard its compliance references name.
pub fn types(kind: CheckKind, compliance: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: String| {
        if !out.contains(&t) && out.len() < MAX_TYPES {
            out.push(t);
        }
    };
    if kind.involves_vulnerability() {
        add(TYPE_CVE.to_string());
    }
    match kind {
        CheckKind::Configuration => add(TYPE_BEST_PRACTICES.to_string()),
        CheckKind::Vulnerability => {}
        CheckKind::AttackPath { tactic, .. } => {
            add(TYPE_ATTACK_PATH.to_string());
            add(format!("TTPs/{}", tactic.name()));
        }
    }
    for reference in compliance {
        let prefix = reference
            .split_once(':')
            .map_or(reference.as_str(), |(p, _)| p);
        if prefix.trim().is_empty() {
            continue;
        }
        let classifier = match STANDARD_CLASSIFIERS.iter().find(|(p, _)| *p == prefix) {
            Some((_, Some(c))) => (*c).to_string(),
            Some((_, None)) => continue,
            None => prefix.replace('/', "-"),
        };
        add(format!("{TYPE_STANDARDS}/{classifier}"));
    }
    out
}

fn product_fields(report: &Report, members: &[&Finding]) -> BTreeMap<String, String> {
    let lead = members[0];
    let mut fields = BTreeMap::new();
    put_field(&mut fields, "CheckId", &lead.check_id);
    put_field(&mut fields, "Status", lead.status.as_str());
    put_field(&mut fields, "ResourceType", &lead.resource.kind);
    put_field(&mut fields, "ToolVersion", &report.tool.version);
    if let Some(s) = &lead.suppressed {
        put_field(&mut fields, "Suppression/Reason", &s.reason);
        put_field(&mut fields, "Suppression/Entry", &s.entry);
        if let Some(expires) = &s.expires {
            put_field(&mut fields, "Suppression/Expires", expires);
        }
    }
    let mut evidence = Vec::new();
    for e in members.iter().flat_map(|f| &f.evidence) {
        if !evidence.contains(&e) {
            evidence.push(e);
        }
    }
    put_field(&mut fields, "EvidenceCount", &evidence.len().to_string());
    let room = MAX_OWN_PRODUCT_FIELDS.saturating_sub(fields.len());
    let width = evidence.len().min(room).to_string().len();
    for (i, e) in evidence.iter().take(room).enumerate() {
        let mut line = format!("{} {}", e.kind, e.id);
        if !e.detail.is_empty() {
            let _ = write!(line, ": {}", e.detail);
        }
        put_field(&mut fields, &format!("Evidence/{:0width$}", i + 1), &line);
    }
    fields
}

/// `eksposture/<key>` = `value`, both cut to the AWS limits; blank values are left out.
fn put_field(fields: &mut BTreeMap<String, String>, key: &str, value: &str) {
    if !value.trim().is_empty() {
        fields.insert(
            byte_prefix(&format!("{ID_PREFIX}{key}"), MAX_FIELD_KEY).to_string(),
            truncate_bytes(value, MAX_FIELD_VALUE),
        );
    }
}

#[cfg(test)]
mod tests;
