//! Reading a suppression file: TOML `[[suppress]]` entries, validated so
//! that every mistake is one line naming the file, the entry, the line and
//! what to write instead.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use eksposture_model::wildcard::is_all_stars;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::date::Date;
use super::glob::{glob, is_arn_pattern, is_whole_arn_pattern};

/// The keys an entry may have.
const KEYS: &str = "check, resource, tags, reason and expires";
const CHECK_EXAMPLE: &str = "check = \"ecr-tags-immutable\" (or a glob such as \"ecr-*\")";
const REASON_EXAMPLE: &str = "reason = \"Legacy images are rebuilt weekly; tracked in SEC-123\"";

/// One `[[suppress]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the file, from 1.
    pub number: usize,
    /// Line of the entry's `[[suppress]]` header.
    pub line: usize,
    /// A check id or a glob over check ids (`ecr-*`).
    pub check: String,
    /// A glob over the finding's resource id (ARN).
    pub resource: Option<String>,
    /// Every tag must be on the finding's resource; values are globs.
    pub tags: BTreeMap<String, String>,
    pub reason: String,
    /// The last day the entry applies.
    pub expires: Option<Date>,
}

/// A parsed suppression file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressions {
    /// The file as the user named it; entries are `FILE#N`.
    pub file: String,
    pub entries: Vec<Entry>,
}

/// A suppression file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SuppressionError {
    pub file: String,
    pub line: Option<usize>,
    /// The entry's number, from 1.
    pub entry: Option<usize>,
    pub message: String,
}

impl fmt::Display for SuppressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = self.entry {
            write!(f, ": entry {entry}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Suppressions {
    /// Parses `text`, the contents of `file`. A file without `[[suppress]]`
    /// entries is valid and suppresses nothing.
    pub fn parse(file: &str, text: &str) -> Result<Suppressions, SuppressionError> {
        let err =
            |span: Option<Range<usize>>, entry: Option<usize>, message: String| SuppressionError {
                file: file.to_string(),
                line: span.map(|s| line_of(text, s.start)),
                entry,
                message,
            };
        let doc = DeTable::parse(text).map_err(|e| {
            err(
                e.span(),
                None,
                format!("invalid TOML: {}", one_line(e.message())),
            )
        })?;
        let mut entries = Vec::new();
        for (key, value) in in_file_order(doc.get_ref()) {
            if key.get_ref() != "suppress" {
                return Err(err(
                    Some(key.span()),
                    None,
                    format!(
                        "unknown key `{}`: this file holds only [[suppress]] entries",
                        key.get_ref()
                    ),
                ));
            }
            let DeValue::Array(items) = value.get_ref() else {
                return Err(err(
                    Some(value.span()),
                    None,
                    "`suppress` must be a list of entries: write [[suppress]] (two brackets) above each entry".into(),
                ));
            };
            for (i, item) in items.iter().enumerate() {
                let number = i + 1;
                let DeValue::Table(table) = item.get_ref() else {
                    return Err(err(
                        Some(item.span()),
                        Some(number),
                        "an entry must be a table: write [[suppress]] followed by key = value lines".into(),
                    ));
                };
                let entry = parse_entry(number, line_of(text, item.span().start), table).map_err(
                    |(span, message)| err(Some(span.unwrap_or(item.span())), Some(number), message),
                )?;
                entries.push(entry);
            }
        }
        Ok(Suppressions {
            file: file.to_string(),
            entries,
        })
    }

    /// Checks every entry's check pattern against the known check ids: a
    /// pattern that matches none is a typo or a removed check.
    pub fn check_ids(&self, known: &[&str]) -> Result<(), SuppressionError> {
        match self
            .entries
            .iter()
            .find(|e| !known.iter().any(|id| glob(&e.check, id)))
        {
            None => Ok(()),
            Some(e) => Err(SuppressionError {
                file: self.file.clone(),
                line: Some(e.line),
                entry: Some(e.number),
                message: format!(
                    "check {:?} matches no check id: run `eksposture checks` to list them",
                    e.check
                ),
            }),
        }
    }

    /// `FILE#N`, how findings and warnings name an entry.
    pub fn entry_id(&self, entry: &Entry) -> String {
        format!("{}#{}", self.file, entry.number)
    }
}

type Problem = (Option<Range<usize>>, String);

fn parse_entry(number: usize, line: usize, table: &DeTable<'_>) -> Result<Entry, Problem> {
    let mut check = None;
    let mut resource = None;
    let mut tags = BTreeMap::new();
    let mut reason = None;
    let mut expires = None;
    for (key, value) in in_file_order(table) {
        let at = |message: String| (Some(value.span()), message);
        match key.get_ref().as_ref() {
            "check" => {
                let v = string(value)
                    .filter(|v| !v.trim().is_empty())
                    .ok_or_else(|| at(format!("`check` must be a check id: {CHECK_EXAMPLE}")))?;
                check = Some(v.to_string());
            }
            "resource" => {
                let v = string(value)
                    .filter(|v| !v.trim().is_empty())
                    .ok_or_else(|| {
                        at("`resource` must be a resource ARN or a glob over ARNs, e.g. resource = \"arn:aws:ecr:*:123456789012:repository/legacy-*\"".into())
                    })?;
                if is_arn_pattern(v) && !is_whole_arn_pattern(v) {
                    return Err(at(format!(
                        "`resource` {v:?} is not a whole ARN: write all six fields, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, with * for any (e.g. \"arn:aws:ecr:*:*:repository/*\")"
                    )));
                }
                resource = Some(v.to_string());
            }
            "tags" => tags = parse_tags(value)?,
            "reason" => {
                let v = string(value).ok_or_else(|| {
                    at(format!("`reason` must be a string: {REASON_EXAMPLE}"))
                })?;
                if v.trim().is_empty() {
                    return Err(at(format!(
                        "`reason` is empty: say why the finding is accepted, e.g. {REASON_EXAMPLE}"
                    )));
                }
                reason = Some(v.trim().to_string());
            }
            "expires" => expires = Some(parse_date(value).ok_or_else(|| {
                at("`expires` must be a date: expires = 2026-12-31 (or \"2026-12-31\"), the last day the entry applies".into())
            })?),
            other => {
                return Err((
                    Some(key.span()),
                    format!("unknown key `{other}`: an entry takes {KEYS}"),
                ))
            }
        }
    }
    let check = check.ok_or_else(|| (None, format!("`check` is missing: {CHECK_EXAMPLE}")))?;
    let reason = reason.ok_or_else(|| {
        (
            None,
            format!("`reason` is missing: every suppression needs one, e.g. {REASON_EXAMPLE}"),
        )
    })?;
    if is_all_stars(&check) && resource.as_deref().is_none_or(is_all_stars) && tags.is_empty() {
        return Err((
            None,
            format!("this entry would suppress every finding: name a check, {CHECK_EXAMPLE}, or narrow it with resource or tags"),
        ));
    }
    Ok(Entry {
        number,
        line,
        check,
        resource,
        tags,
        reason,
        expires,
    })
}

fn parse_tags(value: &Spanned<DeValue<'_>>) -> Result<BTreeMap<String, String>, Problem> {
    const EXAMPLE: &str = "tags = { team = \"legacy\" }";
    let DeValue::Table(table) = value.get_ref() else {
        return Err((
            Some(value.span()),
            format!("`tags` must be a table of tag values, e.g. {EXAMPLE}"),
        ));
    };
    if table.is_empty() {
        return Err((
            Some(value.span()),
            format!("`tags` is empty: remove it or name a tag, e.g. {EXAMPLE}"),
        ));
    }
    in_file_order(table)
        .into_iter()
        .map(|(k, v)| match string(v) {
            Some(s) => Ok((k.get_ref().to_string(), s.to_string())),
            None => Err((
                Some(v.span()),
                format!(
                    "tag `{}` must have a string value, e.g. {EXAMPLE}",
                    k.get_ref()
                ),
            )),
        })
        .collect()
}

/// A TOML local date (`2026-12-31`) or a string holding one.
fn parse_date(value: &Spanned<DeValue<'_>>) -> Option<Date> {
    match value.get_ref() {
        DeValue::String(s) => Date::parse(s),
        DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            Date::new(d.year, d.month, d.day)
        }
        _ => None,
    }
}

fn string<'v>(value: &'v Spanned<DeValue<'_>>) -> Option<&'v str> {
    value.get_ref().as_str()
}

/// The table's entries in the order they appear in the file, so the first
/// problem reported is the first one a reader meets.
fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut items: Vec<_> = table.iter().collect();
    items.sort_by_key(|(k, _)| k.span().start);
    items
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
