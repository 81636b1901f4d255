//! `audit --stats` / `--stats-file`: what the scan sent (from the
//! collector's request counters), how long each phase took, and the peak
//! memory of the process.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use eksposture_aws::requests::Counts;
use serde_json::{json, Value};

use crate::output;

/// Wall-clock time of each phase of an audit.
#[derive(Debug, Clone, Copy)]
pub struct Phases {
    pub started: Instant,
    pub collect: Duration,
    pub evaluate: Duration,
    pub report: Duration,
}

/// The peak resident set size of this process in KiB (`VmHWM`), where the
/// system tells it.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The statistics as JSON (the `--stats-file` format).
pub fn to_json(counts: &Counts, phases: &Phases, gaps: usize, peak_rss_kb: Option<u64>) -> Value {
    json!({
        "requests": {
            "total": counts.total_requests(),
            "by_service": counts.by_service(),
            "by_operation": counts.requests,
        },
        "operations": counts.operations,
        "retries": counts.retries(),
        "throttles": counts.throttles,
        "errors": counts.errors,
        "gaps": gaps,
        "phases_ms": {
            "collect": ms(phases.collect),
            "evaluate": ms(phases.evaluate),
            "report": ms(phases.report),
        },
        "peak_rss_kb": peak_rss_kb,
        "wall_ms": ms(phases.started.elapsed()),
    })
}

/// The statistics for people, on stderr.
pub fn to_text(counts: &Counts, phases: &Phases, gaps: usize, peak_rss_kb: Option<u64>) -> String {
    let mut out = String::from("eksposture stats\n");
    let by_service: BTreeMap<String, u64> = counts.by_service();
    let _ = writeln!(
        out,
        "  requests     {} ({} operations, {} retries, {} throttled, {} errors)",
        counts.total_requests(),
        counts.operations,
        counts.retries(),
        counts.throttles,
        counts.errors
    );
    for (service, n) in &by_service {
        let _ = writeln!(out, "    {service:<14}{n:>6}");
        let prefix = format!("{service}:");
        for (op, n) in counts
            .requests
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
        {
            let _ = writeln!(out, "      {:<40}{n:>6}", &op[prefix.len()..]);
        }
    }
    let _ = writeln!(out, "  gaps         {gaps}");
    let _ = writeln!(
        out,
        "  time         collect {} ms · evaluate {} ms · report {} ms · total {} ms",
        ms(phases.collect),
        ms(phases.evaluate),
        ms(phases.report),
        ms(phases.started.elapsed())
    );
    let _ = writeln!(
        out,
        "  peak memory  {}",
        peak_rss_kb.map_or_else(
            || "unknown".to_string(),
            |kb| format!(
                "{:.1} MiB",
                f64::from(u32::try_from(kb).unwrap_or(u32::MAX)) / 1024.0
            )
        )
    );
    out
}

/// Prints (`--stats`) and writes (`--stats-file`) the statistics.
pub fn emit(show: bool, file: Option<&Path>, phases: &Phases, gaps: usize) -> Result<()> {
    let mut counts = eksposture_aws::requests::snapshot();
    // The clusters' Kubernetes API, counted by its own client layer: one
    // request per operation (`kubernetes:list pods`, ...).
    let kube = eksposture_kube::requests::snapshot();
    counts.operations += kube.requests.values().sum::<u64>();
    counts.requests.extend(kube.requests);
    counts.throttles += kube.throttles;
    counts.errors += kube.errors;
    let rss = peak_rss_kb();
    if show {
        eprint!("{}", to_text(&counts, phases, gaps, rss));
    }
    if let Some(path) = file {
        let mut text =
            serde_json::to_string_pretty(&to_json(&counts, phases, gaps, rss)).unwrap_or_default();
        text.push('\n');
        output::write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_has_every_figure() {
        let counts = Counts {
            requests: BTreeMap::from([
                ("ec2:DescribeInstances".to_string(), 3),
                ("eks:ListClusters".to_string(), 1),
            ]),
            operations: 3,
            throttles: 1,
            errors: 0,
        };
        let phases = Phases {
            started: Instant::now(),
            collect: Duration::from_millis(1500),
            evaluate: Duration::from_millis(20),
            report: Duration::from_millis(5),
        };
        let v = to_json(&counts, &phases, 2, Some(20480));
        assert_eq!(v["requests"]["total"], 4);
        assert_eq!(v["requests"]["by_service"]["ec2"], 3);
        assert_eq!(v["requests"]["by_operation"]["eks:ListClusters"], 1);
        assert_eq!(
            (v["retries"].as_u64(), v["throttles"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(v["phases_ms"]["collect"], 1500);
        assert_eq!(v["peak_rss_kb"], 20480);
        let text = to_text(&counts, &phases, 2, Some(20480));
        assert!(
            text.contains("requests     4 (3 operations, 1 retries, 1 throttled, 0 errors)"),
            "{text}"
        );
        assert!(
            text.contains("DescribeInstances") && text.contains("20.0 MiB"),
            "{text}"
        );
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kb().is_some_and(|kb| kb > 0));
        }
    }
}
