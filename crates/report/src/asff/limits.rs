//! The limits AWS documents for ASFF fields, and the timestamp forms
//! Security Hub accepts: what the rendering cuts to and what
//! `validate` checks, kept in one place so the two cannot disagree.

/// AWS limits the text fields are cut to (in bytes, which bounds characters too).
pub const MAX_ID: usize = 512;
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 1024;
pub const MAX_RECOMMENDATION: usize = 512;
pub const MAX_RESOURCES: usize = 32;
pub const MAX_RELATED_REQUIREMENTS: usize = 32;
pub const MAX_TYPES: usize = 50;
pub const MAX_FIELD_KEY: usize = 128;
pub const MAX_FIELD_VALUE: usize = 2048;
/// AWS allows 50 `ProductFields` pairs; Security Hub adds its own
/// `aws/securityhub/*` keys to imported findings, so eksposture keeps to 40.
pub const MAX_OWN_PRODUCT_FIELDS: usize = 40;

/// "The maximum allowed size for a finding is 240 Kb."
pub const MAX_FINDING_BYTES: usize = 240 * 1024;
pub const MAX_PRODUCT_FIELDS: usize = 50;
pub const MAX_OTHER_PAIRS: usize = 50;

/// `Details.Other` limits: keys under 128, values under 1024 characters.
pub const MAX_OTHER_KEY: usize = 127;
pub const MAX_OTHER_VALUE: usize = 1023;

/// The timestamp forms Security Hub accepts: `YYYY-MM-DDTHH:MM:SS`, an
/// optional fraction of 1 to 9 digits, then `Z` or an offset `±HH`,
/// `±HH:MM` or `±HHMM` within ±18:00.
pub fn is_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = t.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(_), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        rest = &frac[n..];
    }
    if rest == "Z" {
        return true;
    }
    let Some(offset) = rest.strip_prefix('+').or_else(|| rest.strip_prefix('-')) else {
        return false;
    };
    let (h, m) = match offset.len() {
        2 => (offset, "00"),
        4 => (&offset[..2], &offset[2..]),
        5 if offset.as_bytes()[2] == b':' => (&offset[..2], &offset[3..]),
        _ => return false,
    };
    let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>()) else {
        return false;
    };
    h.to_string().len() <= 2 && m < 60 && h * 60 + m <= 18 * 60
}
