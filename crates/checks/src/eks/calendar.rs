//! Whether a Kubernetes version is in EKS standard support: from
//! `DescribeClusterVersions`, else from the Amazon EKS Kubernetes release
//! calendar below, dated by the scan's start (never the clock).
//!
//! Source: Amazon EKS User Guide, "Amazon EKS Kubernetes release calendar"
//! (<https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar>):
//! 1.29-1.34 from the page as of awsdocs/amazon-eks-user-guide commit
//! 0138560 (late 2025), 1.27-1.28 from its earlier revision 10ac1b4, 1.23-1.26
//! from the same table as reproduced in early 2024 (rows AWS has since
//! removed; 1.23 agrees with the page's FAQ: standard support ended
//! 2023-10-11, extended support 2024-10-11). 1.35 (EKS release 2026-01-27)
//! from endoflife.date/amazon-eks, which mirrors the AWS page, read in
//! February 2026.
//!
//! The dates are UTC+0, and extended support (and its billing) starts at the
//! beginning of the end-of-standard-support day, so a version is out of
//! standard support from `<date>T00:00:00Z` on.

use eksposture_model::{Evidence, Graph, Observed, Status};

use crate::emit::gap_evidence;
use crate::support::unix_seconds;

/// The calendar's date, named in messages when a version is newer than it.
pub const AS_OF: &str = "2026-02";

/// One Kubernetes minor version on EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub minor: u32,
    /// `YYYY-MM-DD`, UTC.
    pub end_of_standard_support: &'static str,
    pub end_of_extended_support: &'static str,
}

impl Release {
    pub fn version(&self) -> String {
        format!("1.{}", self.minor)
    }

    /// The calendar row the judgement rests on.
    pub fn evidence(&self, scan_started: &str) -> Evidence {
        Evidence::new(
            "EksReleaseCalendar",
            format!("eksposture:eks-release-calendar/{AS_OF}"),
            format!(
                "Kubernetes {}: standard support ends {}, extended support ends {}; scan date {}",
                self.version(),
                self.end_of_standard_support,
                self.end_of_extended_support,
                // The date alone: a saved inventory re-evaluated later gives
                // the same evidence as the live scan of the same day.
                scan_started.get(..10).unwrap_or(scan_started)
            ),
        )
    }
}

const fn release(minor: u32, standard: &'static str, extended: &'static str) -> Release {
    Release {
        minor,
        end_of_standard_support: standard,
        end_of_extended_support: extended,
    }
}

/// Sorted by version; end dates grow with the version.
pub const CALENDAR: &[Release] = &[
    release(23, "2023-10-11", "2024-10-11"),
    release(24, "2024-01-31", "2025-01-31"),
    release(25, "2024-05-01", "2025-05-01"),
    release(26, "2024-06-11", "2025-06-11"),
    release(27, "2024-07-24", "2025-07-24"),
    release(28, "2024-11-26", "2025-11-26"),
    release(29, "2025-03-23", "2026-03-23"),
    release(30, "2025-07-23", "2026-07-23"),
    release(31, "2025-11-26", "2026-11-26"),
    release(32, "2026-03-23", "2027-03-23"),
    release(33, "2026-07-29", "2027-07-29"),
    release(34, "2026-12-02", "2027-12-02"),
    release(35, "2027-03-27", "2028-03-27"),
];

/// The minor number of a `1.<minor>` (or `1.<minor>.<patch>`) version.
pub fn minor_of(version: &str) -> Option<u32> {
    let rest = version
        .trim()
        .trim_start_matches(['v', 'V'])
        .strip_prefix("1.")?;
    let minor = rest.split('.').next()?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    minor.parse().ok()
}

/// Where a version falls in the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Listed(Release),
    /// Older than every row: its support ended no later than the oldest row's.
    OlderThan(Release),
    /// Newer than every row: the calendar predates it.
    NewerThan(Release),
    /// Not a `1.<minor>` version.
    Unparsable,
}

fn lookup(version: &str) -> Entry {
    let (Some(minor), Some(oldest), Some(newest)) =
        (minor_of(version), CALENDAR.first(), CALENDAR.last())
    else {
        return Entry::Unparsable;
    };
    if minor < oldest.minor {
        return Entry::OlderThan(*oldest);
    }
    if minor > newest.minor {
        return Entry::NewerThan(*newest);
    }
    CALENDAR
        .iter()
        .find(|r| r.minor == minor)
        .map_or(Entry::Unparsable, |r| Entry::Listed(*r))
}

/// A version's support at the scan's start, per the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Standard(Release),
    Extended(Release),
    /// Past the end of extended support too.
    Ended(Release),
    /// Older than the calendar, whose first version (given) was out of
    /// standard support: so is this one.
    OlderThanEnded(Release),
    /// The calendar cannot tell; the text says why.
    Unknown(String),
}

/// `version`'s standing at `scan_started` (RFC 3339): out of standard
/// support from 00:00 UTC of the end-of-standard-support day.
pub fn standing(version: &str, scan_started: &str) -> Standing {
    let (release, older) = match lookup(version) {
        Entry::Listed(r) => (r, false),
        Entry::OlderThan(r) => (r, true),
        Entry::NewerThan(r) => {
            return Standing::Unknown(format!(
            "it is newer than eksposture's EKS release calendar (as of {AS_OF}, last version {})",
            r.version()
        ))
        }
        Entry::Unparsable => return Standing::Unknown("it is not a 1.x version".into()),
    };
    let Some(now) = unix_seconds(scan_started) else {
        return Standing::Unknown(format!(
            "the scan's start time {scan_started:?} is not an RFC 3339 timestamp"
        ));
    };
    // The calendar's dates are checked by a test, so `None` cannot happen.
    let reached = |date: &str| unix_seconds(date).is_some_and(|t| now >= t);
    match (older, reached(release.end_of_standard_support)) {
        (true, true) => Standing::OlderThanEnded(release),
        (true, false) => Standing::Unknown(format!(
            "it is older than the release calendar, whose first version {} was still in standard support when the scan started",
            release.version()
        )),
        (false, false) => Standing::Standard(release),
        (false, true) if reached(release.end_of_extended_support) => Standing::Ended(release),
        (false, true) => Standing::Extended(release),
    }
}

/// What extended support means, for messages.
const EXTENDED: &str =
    "AWS still patches it in extended support, at an extra charge per cluster hour, until";
const AFTER: &str = "after which EKS upgrades the control plane on its own";

/// Whether `version` is in standard support in `region` when the scan
/// started: `DescribeClusterVersions` when it gives the version a status,
/// else the calendar. The message continues "cluster X runs Kubernetes V".
pub fn judge(
    g: &Graph<'_>,
    region: &str,
    version: &str,
    scan_started: &str,
    ev: &mut Vec<Evidence>,
) -> (Status, String) {
    match from_api(g, region, version, ev) {
        Some(verdict) => verdict,
        None => from_calendar(version, scan_started, ev),
    }
}

/// The region's `DescribeClusterVersions` status for the version, when it
/// gives one.
fn from_api(
    g: &Graph<'_>,
    region: &str,
    version: &str,
    ev: &mut Vec<Evidence>,
) -> Option<(Status, String)> {
    let list = match g.cluster_versions(region)? {
        Observed::Known(list) => list,
        Observed::Unknown(gap) => {
            ev.push(gap_evidence(gap));
            return None;
        }
    };
    let id = format!("eks:{region}:DescribeClusterVersions");
    let Some(info) = list.iter().find(|v| same_minor(&v.version, version)) else {
        ev.push(Evidence::new(
            "AwsEksClusterVersions",
            id,
            format!("does not list Kubernetes {version}"),
        ));
        return None;
    };
    let or = |d: &Option<String>| d.clone().unwrap_or_else(|| "?".into());
    ev.push(Evidence::new(
        "AwsEksClusterVersions",
        format!("{id}:{}", info.version),
        format!(
            "status {}, end of standard support {}, end of extended support {}",
            or(&info.status),
            or(&info.end_of_standard_support),
            or(&info.end_of_extended_support)
        ),
    ));
    // The deprecated `status` field spells these `extended-support`.
    let status = info
        .status
        .as_deref()?
        .trim()
        .to_ascii_uppercase()
        .replace('-', "_");
    match status.as_str() {
        "STANDARD_SUPPORT" => Some((Status::Pass, ", in standard support".into())),
        "EXTENDED_SUPPORT" => {
            let until = or(&info.end_of_extended_support);
            Some((
                Status::Fail,
                format!(", out of standard support: {EXTENDED} {until}, {AFTER}"),
            ))
        }
        "UNSUPPORTED" => Some((
            Status::Fail,
            format!(", which EKS reports as unsupported: no more patches, {AFTER}"),
        )),
        _ => None,
    }
}

fn from_calendar(version: &str, started: &str, ev: &mut Vec<Evidence>) -> (Status, String) {
    let (r, status, why) = match standing(version, started) {
        Standing::Unknown(why) => {
            let why = format!(", and DescribeClusterVersions did not say whether it is in standard support: {why}");
            return (Status::Unknown, why);
        }
        Standing::Standard(r) => {
            let why = format!(
                ", in standard support until {} (EKS release calendar)",
                r.end_of_standard_support
            );
            (r, Status::Pass, why)
        }
        Standing::Extended(r) => {
            let (since, until) = (r.end_of_standard_support, r.end_of_extended_support);
            let why =
                format!(", out of standard support since {since}: {EXTENDED} {until}, {AFTER}");
            (r, Status::Fail, why)
        }
        Standing::Ended(r) => {
            let (std, ext) = (r.end_of_standard_support, r.end_of_extended_support);
            let why = format!(", past the end of standard ({std}) and extended ({ext}) support");
            (r, Status::Fail, why)
        }
        Standing::OlderThanEnded(r) => {
            let why = format!(
                ", older than {}, whose standard support ended {}",
                r.version(),
                r.end_of_standard_support
            );
            (r, Status::Fail, why)
        }
    };
    ev.push(r.evidence(started));
    (status, why)
}

fn same_minor(a: &str, b: &str) -> bool {
    match (minor_of(a), minor_of(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::{lookup, minor_of, standing, Entry, Standing, CALENDAR};
    use crate::support::unix_seconds;

    #[test]
    fn calendar_is_contiguous_sorted_and_dated() {
        for pair in CALENDAR.windows(2) {
            assert_eq!(pair[0].minor + 1, pair[1].minor);
            assert!(pair[0].end_of_standard_support < pair[1].end_of_standard_support);
        }
        for r in CALENDAR {
            let std = unix_seconds(r.end_of_standard_support).unwrap();
            let ext = unix_seconds(r.end_of_extended_support).unwrap();
            assert!(std < ext, "1.{}", r.minor);
        }
    }

    #[test]
    fn reads_minor_versions_and_places_them() {
        assert_eq!(minor_of("1.31"), Some(31));
        assert_eq!(minor_of("1.31.2"), Some(31));
        assert_eq!(minor_of("2.0"), None);
        assert_eq!(minor_of("1.x"), None);
        assert!(matches!(lookup("1.19"), Entry::OlderThan(r) if r.minor == 23));
        assert!(matches!(lookup("1.40"), Entry::NewerThan(r) if r.minor == 35));
        assert!(
            matches!(lookup("1.30"), Entry::Listed(r) if r.end_of_standard_support == "2025-07-23")
        );
        assert_eq!(lookup("latest"), Entry::Unparsable);
    }

    #[test]
    fn standing_is_dated_by_the_scan_start_at_midnight_utc() {
        let at = |started: &str| standing("1.31", started);
        assert!(matches!(at("2025-11-25T23:59:59Z"), Standing::Standard(_)));
        assert!(matches!(at("2025-11-26T00:00:00Z"), Standing::Extended(_)));
        assert!(matches!(
            at("2025-11-25T19:00:00-05:00"),
            Standing::Extended(_)
        ));
        assert!(matches!(at("2026-11-26T00:00:00.5Z"), Standing::Ended(_)));
        assert!(matches!(at("last tuesday"), Standing::Unknown(m) if m.contains("RFC 3339")));
    }

    #[test]
    fn versions_outside_the_calendar() {
        let nov_2026 = "2026-11-01T00:00:00Z";
        assert!(matches!(standing("1.19", nov_2026), Standing::OlderThanEnded(r) if r.minor == 23));
        assert!(matches!(
            standing("1.19", "2023-01-01T00:00:00Z"),
            Standing::Unknown(_)
        ));
        assert!(
            matches!(standing("1.36", nov_2026), Standing::Unknown(m) if m.contains("as of 2026-02"))
        );
    }
}
