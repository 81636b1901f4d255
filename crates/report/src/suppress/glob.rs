//! The two pattern languages of suppression entries.

/// `*` matches any run of characters (none included), `?` exactly one;
/// everything else matches itself, case-sensitively: IAM's own glob.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    eksposture_model::wildcard::wildcard_match(pattern, text, false)
}

/// A resource pattern against a finding's resource id, the way IAM matches
/// `Resource` ARNs: an ARN pattern is matched field by field
/// (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`), so a `*` stays within
/// its field and never swallows the account; within the last field it
/// spans `/` and `:` (`repository/legacy-*` matches `repository/legacy/app`).
/// A pattern that is not an ARN is matched against the whole id.
pub(crate) fn resource_matches(pattern: &str, id: &str) -> bool {
    if !is_arn_pattern(pattern) {
        return glob(pattern, id);
    }
    let pattern: Vec<&str> = pattern.splitn(6, ':').collect();
    let id: Vec<&str> = id.splitn(6, ':').collect();
    pattern.len() == 6 && id.len() == 6 && pattern.iter().zip(&id).all(|(p, t)| glob(p, t))
}

pub(crate) fn is_arn_pattern(pattern: &str) -> bool {
    pattern.starts_with("arn:")
}

/// Whether the pattern has all six ARN fields.
pub(crate) fn is_whole_arn_pattern(pattern: &str) -> bool {
    pattern.splitn(6, ':').count() == 6
}
