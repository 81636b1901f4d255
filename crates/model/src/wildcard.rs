//! The one glob matcher of the tree: IAM's wildcard language (`*` and `?`),
//! used by the policy evaluator for actions, resources and `StringLike`
//! conditions, and by suppression files for check ids and resource ids.

/// Matches `value` against an IAM glob `pattern`: `*` matches any run of
/// characters (including none, and including `:` and `/`), `?` exactly one.
///
/// IAM compares actions case-insensitively and resources and `StringLike`
/// values case-sensitively; callers choose with `case_insensitive`. Policy
/// variables (`${aws:username}`) are not substituted: they match literally.
///
/// Runs in O(pattern × value) worst case by resuming from the last `*` only,
/// so hostile patterns such as `*a*a*a*b` cannot cause exponential work.
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
        let value: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
        match_chars(&pattern, &value)
    } else {
        let pattern: Vec<char> = pattern.chars().collect();
        let value: Vec<char> = value.chars().collect();
        match_chars(&pattern, &value)
    }
}

/// Whether `text` contains a glob metacharacter.
pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// Whether `text` is one or more `*` and nothing else.
pub fn is_all_stars(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c == '*')
}

fn match_chars(pattern: &[char], value: &[char]) -> bool {
    let (mut p, mut v) = (0, 0);
    // Position of the last `*` seen, and the value index it is currently
    // assumed to have consumed up to.
    let mut backtrack: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, v));
                p += 1;
            }
            Some(&c) if c == '?' || c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match backtrack {
                Some((star, consumed)) => {
                    p = star + 1;
                    v = consumed + 1;
                    backtrack = Some((star, consumed + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_patterns_match_only_themselves() {
        assert!(wildcard_match("s3:GetObject", "s3:GetObject", false));
        assert!(!wildcard_match("s3:GetObject", "s3:GetObjectAcl", false));
        assert!(!wildcard_match("s3:GetObjectAcl", "s3:GetObject", false));
        assert!(wildcard_match("", "", false));
        assert!(!wildcard_match("", "x", false));
    }

    #[test]
    fn star_matches_any_run_including_empty() {
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("*", "anything:at/all", false));
        assert!(wildcard_match("s3:Get*", "s3:Get", false));
        assert!(wildcard_match("s3:Get*", "s3:GetObject", false));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject", false));
        assert!(wildcard_match("*Object", "s3:GetObject", false));
        assert!(wildcard_match("s3:*Object*", "s3:GetObjectAcl", false));
    }

    #[test]
    fn star_spans_arn_separators() {
        assert!(wildcard_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b/c",
            false
        ));
        assert!(wildcard_match(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:role/path/node",
            false
        ));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(wildcard_match(
            "ec2:Describe?pcs",
            "ec2:DescribeVpcs",
            false
        ));
        assert!(!wildcard_match(
            "ec2:Describe?pcs",
            "ec2:Describepcs",
            false
        ));
        assert!(!wildcard_match("a?", "a", false));
        assert!(wildcard_match("??", "ab", false));
        assert!(wildcard_match("?", "é", false));
    }

    #[test]
    fn case_sensitivity_is_the_callers_choice() {
        assert!(wildcard_match("S3:getobject", "s3:GetObject", true));
        assert!(wildcard_match("IAM:Pass*", "iam:passrole", true));
        assert!(!wildcard_match("S3:getobject", "s3:GetObject", false));
        assert!(!wildcard_match(
            "arn:aws:s3:::Bucket",
            "arn:aws:s3:::bucket",
            false
        ));
    }

    #[test]
    fn star_backtracks_to_find_a_later_match() {
        assert!(wildcard_match("*ab", "aab", false));
        assert!(wildcard_match("a*b*c", "axxbyybc", false));
        assert!(!wildcard_match("a*b*c", "axxbyyb", false));
        assert!(wildcard_match("*?", "x", false));
        assert!(!wildcard_match("*?", "", false));
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let value = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        let start = std::time::Instant::now();
        assert!(!wildcard_match(&pattern, &value, false));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn wildcard_helpers_classify_text() {
        assert!(has_wildcard("system:serviceaccount:*"));
        assert!(has_wildcard("a?c"));
        assert!(!has_wildcard("system:serviceaccount:ns:sa"));
        assert!(is_all_stars("*"));
        assert!(is_all_stars("***"));
        assert!(!is_all_stars(""));
        assert!(!is_all_stars("*:*"));
    }
}
