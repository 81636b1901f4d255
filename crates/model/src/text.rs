//! Small text helpers for messages, tables and pages: counted nouns, a dash
//! for a missing value, and cuts that end on a character boundary.

use std::fmt::Display;

/// `one` when `n` is 1, else `many`.
pub fn plural<'a, N>(n: N, one: &'a str, many: &'a str) -> &'a str
where
    N: Copy + PartialEq + From<u8>,
{
    if n == N::from(1) {
        one
    } else {
        many
    }
}

/// `1 entry`, `3 entries`.
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + Display + PartialEq + From<u8>,
{
    let noun = plural(n, one, many);
    format!("{n} {noun}")
}

/// `-` for an empty value, which a table cell or a sentence would lose.
pub fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// `s` when it has at most `max` characters, else its first `max - 1`
/// characters and `…`.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `s` when it has at most `max` bytes, else cut to at most `max` bytes at a
/// character boundary with `…` marking the cut (for limits AWS counts in
/// bytes).
pub fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut out = byte_prefix(s, max.saturating_sub('…'.len_utf8())).to_string();
    out.push('…');
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub fn byte_prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nouns() {
        assert_eq!(count(1u64, "entry", "entries"), "1 entry");
        assert_eq!(count(0usize, "entry", "entries"), "0 entries");
        assert_eq!(count(2u64, "gap", "gaps"), "2 gaps");
        assert_eq!(plural(1u64, "it", "them"), "it");
        assert_eq!(plural(7usize, "it", "them"), "them");
    }

    #[test]
    fn dashes_empty_values() {
        assert_eq!(or_dash(""), "-");
        assert_eq!(or_dash("x"), "x");
    }

    #[test]
    fn cuts_on_character_boundaries() {
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abcd", 4), "abcd");
        assert_eq!(truncate_chars("éééé", 3), "éé…");
        assert_eq!(truncate_bytes("abc", 3), "abc");
        assert_eq!(truncate_bytes("abcdef", 5), "ab…");
        assert!(truncate_bytes(&"é".repeat(10), 9).len() <= 9);
        assert_eq!(byte_prefix("aé", 2), "a");
        assert_eq!(byte_prefix("aé", 3), "aé");
    }
}
