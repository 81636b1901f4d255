//! Suppressions: accepted findings, each with a mandatory reason and an
//! optional expiry date, read from a TOML file of `[[suppress]]` entries.
//!
//! An entry applies to a finding when its `check` glob matches the check id,
//! its `resource` glob (if any) matches the resource id and every one of
//! its `tags` is on the finding's resource with a matching value (tag
//! values are globs too).
//!
//! Globs: `*` is any run of characters, `?` one character. A resource
//! pattern that starts with `arn:` is matched field by field, as IAM
//! matches `Resource`: `*` stays within its field
//! (`arn:aws:ecr:*:123456789012:...` cannot swallow the account), and in the
//! last field it spans `/` and `:` (`repository/legacy-*` matches
//! `repository/legacy-app` and `repository/legacy/app`). Any other pattern
//! is matched against the whole id. Tags are known only for the
//! resource types in [`eksposture_model::TAGGED_RESOURCE_TYPES`]; an entry
//! with tags never matches a finding on any other resource.
//!
//! The first entry (in file order) that applies wins and is recorded on the
//! finding as `FILE#N`. Every matching finding is marked, whatever its
//! status, so a downstream system (Security Hub's workflow status) sees the
//! same resources suppressed from one scan to the next; only failing
//! findings change the counts and exit codes. An entry whose `expires` date
//! is before the scan's date no longer applies (on that day it still does)
//! and is reported as expired; an entry that suppressed nothing is
//! reported as unmatched.

mod date;
mod file;
mod glob;
#[cfg(test)]
mod tests;

use crate::contract::{EntryInfo, EntryMatches, Report, Summary, SuppressionSummary};
use eksposture_model::text::{count, plural};
use eksposture_model::{Status, Suppression, Tags, TAGGED_RESOURCE_TYPES};

pub use date::Date;
pub use file::{Entry, SuppressionError, Suppressions};

/// Whether an entry's tags hold on a resource.
enum TagMatch {
    Yes,
    No,
    /// The resource's tags were not collected.
    Unknown,
}

impl Entry {
    fn matches_check(&self, check_id: &str) -> bool {
        glob::glob(&self.check, check_id)
    }

    fn matches_resource(&self, id: &str) -> bool {
        self.resource
            .as_deref()
            .is_none_or(|p| glob::resource_matches(p, id))
    }

    fn matches_tags(&self, tags: Option<&Tags>) -> TagMatch {
        if self.tags.is_empty() {
            return TagMatch::Yes;
        }
        let Some(tags) = tags else {
            return TagMatch::Unknown;
        };
        if self
            .tags
            .iter()
            .all(|(k, pattern)| tags.get(k).is_some_and(|v| glob::glob(pattern, v)))
        {
            TagMatch::Yes
        } else {
            TagMatch::No
        }
    }

    fn is_live(&self, today: Date) -> bool {
        self.expires.is_none_or(|last| today <= last)
    }

    fn info(&self, file: &Suppressions, note: Option<String>) -> EntryInfo {
        EntryInfo {
            entry: file.entry_id(self),
            check: self.check.clone(),
            resource: self.resource.clone(),
            tags: self.tags.clone(),
            reason: self.reason.clone(),
            expires: self.expires.map(|d| d.to_string()),
            note,
        }
    }
}

/// What happened to one entry while matching.
#[derive(Default)]
struct Tally {
    findings: u64,
    failing: u64,
    /// A finding of a matching check was seen.
    check_seen: bool,
    /// Findings the entry matched but an earlier entry had already taken.
    shadowed_by: Option<usize>,
    /// Findings that matched check and resource but whose tags are unknown.
    tags_unknown: u64,
}

/// Marks the findings that `file` suppresses on `today` (the scan's date),
/// recomputes the summary and records the `suppressions` section. `tags`
/// gives a resource's tags by id (`Inventory::tags_by_resource`); `None`
/// means they are not known.
pub fn apply<'t>(
    report: &mut Report,
    file: &Suppressions,
    today: Date,
    tags: &dyn Fn(&str) -> Option<&'t Tags>,
) {
    let mut tally: Vec<Tally> = file.entries.iter().map(|_| Tally::default()).collect();
    let live: Vec<bool> = file.entries.iter().map(|e| e.is_live(today)).collect();
    for finding in &mut report.findings {
        finding.suppressed = None;
        let resource_tags = tags(&finding.resource.id);
        let mut winner: Option<usize> = None;
        for (i, entry) in file.entries.iter().enumerate() {
            if !live[i] || !entry.matches_check(&finding.check_id) {
                continue;
            }
            let t = &mut tally[i];
            t.check_seen = true;
            if !entry.matches_resource(&finding.resource.id) {
                continue;
            }
            match entry.matches_tags(resource_tags) {
                TagMatch::No => continue,
                TagMatch::Unknown => {
                    t.tags_unknown += 1;
                    continue;
                }
                TagMatch::Yes => {}
            }
            match winner {
                None => {
                    winner = Some(i);
                    t.findings += 1;
                    if finding.status == Status::Fail {
                        t.failing += 1;
                    }
                }
                Some(w) => {
                    t.shadowed_by.get_or_insert(w);
                }
            }
        }
        if let Some(w) = winner {
            let entry = &file.entries[w];
            finding.suppressed = Some(Suppression {
                reason: entry.reason.clone(),
                expires: entry.expires.map(|d| d.to_string()),
                entry: file.entry_id(entry),
            });
        }
    }

    let mut section = SuppressionSummary {
        file: file.file.clone(),
        entries: file.entries.len() as u64,
        ..SuppressionSummary::default()
    };
    for ((entry, t), live) in file.entries.iter().zip(&tally).zip(live) {
        if !live {
            section.expired.push(entry.info(file, None));
        } else if t.findings > 0 {
            section.matched.push(EntryMatches {
                entry: file.entry_id(entry),
                check: entry.check.clone(),
                findings: t.findings,
                failing: t.failing,
            });
        } else {
            section
                .unmatched
                .push(entry.info(file, unmatched_note(file, entry, t)));
        }
    }
    report.summary = Summary::of(&report.findings);
    report.refresh_account_summaries();
    report.suppressions = Some(section);
}

fn unmatched_note(file: &Suppressions, entry: &Entry, t: &Tally) -> Option<String> {
    if let Some(w) = t.shadowed_by {
        return Some(format!(
            "every finding it matches is already suppressed by {}",
            file.entry_id(&file.entries[w])
        ));
    }
    if t.tags_unknown > 0 {
        return Some(format!(
            "{} its check and resource, but tags are unknown for {} (tags are read for {} only)",
            count(t.tags_unknown, "finding matches", "findings match"),
            plural(t.tags_unknown, "its resource", "their resources"),
            TAGGED_RESOURCE_TYPES.join(", "),
        ));
    }
    if !t.check_seen {
        return Some(format!(
            "this scan has no finding of a check matching {:?}",
            entry.check
        ));
    }
    None
}
