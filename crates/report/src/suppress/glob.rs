//! The two pattern languages of suppression entries.

/// `*` matches any run of characters (none included), `?` exactly one;
/// everything else matches itself, case-sensitively.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it currently stands for:
    // on a mismatch it swallows one more character and matching resumes.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
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

/// Matches everything: nothing but `*`.
pub(crate) fn is_match_all(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.chars().all(|c| c == '*')
}
