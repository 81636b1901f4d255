//! What `BatchImportFindings` requires of a finding: the required fields,
//! non-blank (AWS's `.*\S.*` pattern), and every documented size, count and
//! value limit. Lengths are counted in characters, as AWS documents them.

use eksposture_model::asff::{AsffFinding, AsffResource, SCHEMA_VERSION};

use super::limits::{
    is_timestamp, MAX_DESCRIPTION, MAX_FIELD_KEY, MAX_FIELD_VALUE, MAX_FINDING_BYTES, MAX_ID,
    MAX_OTHER_KEY, MAX_OTHER_PAIRS, MAX_OTHER_VALUE, MAX_PRODUCT_FIELDS, MAX_RECOMMENDATION,
    MAX_RELATED_REQUIREMENTS, MAX_RESOURCES, MAX_TITLE, MAX_TYPES,
};

const SEVERITY_LABELS: &[&str] = &["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const COMPLIANCE_STATUSES: &[&str] = &["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"];
const WORKFLOW_STATUSES: &[&str] = &["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];
const RECORD_STATES: &[&str] = &["ACTIVE", "ARCHIVED"];
const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"];
const TYPE_NAMESPACES: &[&str] = &[
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
];

/// Every reason `BatchImportFindings` would reject `f`, or `Ok`.
pub fn validate(f: &AsffFinding) -> Result<(), Vec<String>> {
    let mut v = Problems::default();
    if f.schema_version != SCHEMA_VERSION {
        v.push(format!(
            "SchemaVersion is {:?}, not {SCHEMA_VERSION}",
            f.schema_version
        ));
    }
    v.text("Id", &f.id, 1, MAX_ID);
    v.text("ProductArn", &f.product_arn, 12, 2048);
    if !f.product_arn.starts_with("arn:") || !f.product_arn.contains(":securityhub:") {
        v.push(format!(
            "ProductArn {:?} is not a Security Hub product ARN",
            f.product_arn
        ));
    }
    v.optional("ProductName", f.product_name.as_deref(), 128);
    v.optional("CompanyName", f.company_name.as_deref(), 128);
    v.text("GeneratorId", &f.generator_id, 1, MAX_ID);
    if f.aws_account_id.len() != 12 || !f.aws_account_id.bytes().all(|b| b.is_ascii_digit()) {
        v.push(format!(
            "AwsAccountId {:?} is not a 12-digit account id",
            f.aws_account_id
        ));
    }
    v.types("Types", &f.types, true);
    v.timestamp("CreatedAt", Some(&f.created_at));
    v.timestamp("UpdatedAt", Some(&f.updated_at));
    v.timestamp("FirstObservedAt", f.first_observed_at.as_deref());
    v.timestamp("LastObservedAt", f.last_observed_at.as_deref());
    v.severity(
        "Severity",
        &f.severity.label,
        f.severity.original.as_deref(),
    );
    v.text("Title", &f.title, 1, MAX_TITLE);
    v.text("Description", &f.description, 1, MAX_DESCRIPTION);
    if let Some(r) = &f.remediation {
        let rec = &r.recommendation;
        v.text(
            "Remediation.Recommendation.Text",
            &rec.text,
            1,
            MAX_RECOMMENDATION,
        );
        v.optional(
            "Remediation.Recommendation.Url",
            rec.url.as_deref(),
            usize::MAX,
        );
    }
    if f.product_fields.len() > MAX_PRODUCT_FIELDS {
        v.push(format!(
            "ProductFields has {} pairs, more than {MAX_PRODUCT_FIELDS}",
            f.product_fields.len()
        ));
    }
    for (key, value) in &f.product_fields {
        v.text("ProductFields key", key, 1, MAX_FIELD_KEY);
        v.text(&format!("ProductFields[{key}]"), value, 1, MAX_FIELD_VALUE);
    }
    if f.resources.is_empty() || f.resources.len() > MAX_RESOURCES {
        v.push(format!(
            "Resources has {} entries, not 1 to {MAX_RESOURCES}",
            f.resources.len()
        ));
    }
    for (i, r) in f.resources.iter().enumerate() {
        v.resource(i, r);
    }
    if let Some(c) = &f.compliance {
        v.one_of("Compliance.Status", &c.status, COMPLIANCE_STATUSES);
        if c.related_requirements.len() > MAX_RELATED_REQUIREMENTS {
            v.push(format!(
                "Compliance.RelatedRequirements has {} entries, more than {MAX_RELATED_REQUIREMENTS}",
                c.related_requirements.len()
            ));
        }
        for r in &c.related_requirements {
            v.text("Compliance.RelatedRequirements[]", r, 1, usize::MAX);
        }
    }
    if let Some(w) = &f.workflow {
        v.one_of("Workflow.Status", &w.status, WORKFLOW_STATUSES);
    }
    if let Some(state) = &f.record_state {
        v.one_of("RecordState", state, RECORD_STATES);
    }
    if let Some(p) = &f.finding_provider_fields {
        if let Some(s) = &p.severity {
            v.severity(
                "FindingProviderFields.Severity",
                &s.label,
                s.original.as_deref(),
            );
        }
        v.types("FindingProviderFields.Types", &p.types, false);
    }
    // Serialising plain structs with string keys cannot fail.
    let size = serde_json::to_vec(f).map_or(0, |b| b.len());
    if size > MAX_FINDING_BYTES {
        v.push(format!(
            "the finding is {size} bytes, more than {MAX_FINDING_BYTES}"
        ));
    }
    if v.0.is_empty() {
        Ok(())
    } else {
        Err(v.0)
    }
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, p: String) {
        self.0.push(p);
    }

    /// Present, not blank, and `min..=max` characters long.
    fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        if value.trim().is_empty() {
            self.push(format!("{field} is missing or blank"));
            return;
        }
        let n = value.chars().count();
        if n < min {
            self.push(format!("{field} has {n} characters, fewer than {min}"));
        } else if n > max {
            self.push(format!("{field} has {n} characters, more than {max}"));
        }
    }

    fn optional(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, 1, max);
        }
    }

    fn one_of(&mut self, field: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.push(format!(
                "{field} {value:?} is not one of {}",
                allowed.join(", ")
            ));
        }
    }

    fn severity(&mut self, field: &str, label: &str, original: Option<&str>) {
        self.one_of(&format!("{field}.Label"), label, SEVERITY_LABELS);
        self.optional(&format!("{field}.Original"), original, 64);
    }

    fn timestamp(&mut self, field: &str, value: Option<&str>) {
        match value {
            Some(t) if !is_timestamp(t) => self.push(format!(
                "{field} {t:?} is not an RFC 3339 timestamp Security Hub accepts"
            )),
            _ => {}
        }
    }

    /// `namespace[/category[/classifier]]`, with a namespace AWS defines.
    fn types(&mut self, field: &str, types: &[String], required: bool) {
        if (required && types.is_empty()) || types.len() > MAX_TYPES {
            self.push(format!(
                "{field} has {} entries, not {} to {MAX_TYPES}",
                types.len(),
                u8::from(required)
            ));
        }
        for t in types {
            let parts: Vec<&str> = t.split('/').collect();
            if parts.len() > 3 || parts.iter().any(|p| p.trim().is_empty()) {
                self.push(format!(
                    "{field} entry {t:?} is not namespace/category/classifier"
                ));
            } else if !TYPE_NAMESPACES.contains(&parts[0]) {
                self.push(format!(
                    "{field} entry {t:?} has namespace {:?}, not one of {}",
                    parts[0],
                    TYPE_NAMESPACES.join(", ")
                ));
            }
        }
    }

    fn resource(&mut self, i: usize, r: &AsffResource) {
        let at = format!("Resources[{i}]");
        self.text(&format!("{at}.Type"), &r.kind, 1, 256);
        self.text(&format!("{at}.Id"), &r.id, 1, usize::MAX);
        if let Some(p) = &r.partition {
            self.one_of(&format!("{at}.Partition"), p, PARTITIONS);
        }
        self.optional(&format!("{at}.Region"), r.region.as_deref(), 16);
        let Some(other) = r.details.as_ref().and_then(|d| d.other.as_ref()) else {
            return;
        };
        if other.len() > MAX_OTHER_PAIRS {
            self.push(format!(
                "{at}.Details.Other has {} pairs, more than {MAX_OTHER_PAIRS}",
                other.len()
            ));
        }
        for (k, v) in other {
            self.text(&format!("{at}.Details.Other key"), k, 1, MAX_OTHER_KEY);
            self.text(&format!("{at}.Details.Other[{k}]"), v, 1, MAX_OTHER_VALUE);
        }
    }
}
