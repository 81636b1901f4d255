//! `audit --stats` / `--stats-file` against moto: the requests the scanner
//! counts are exactly the requests moto received (its recorder, plus its
//! access log for routes it does not implement).

use std::collections::BTreeMap;

use eksposture_e2e::{scratch_dir, Scenario};
use serde_json::Value;

#[test]
fn stats_count_exactly_the_requests_moto_received() {
    // A server of its own: no other test's requests in the recording.
    let scenario = Scenario::start("risky");
    let server = &scenario.server;
    let dir = scratch_dir("stats");
    let file = dir.join("stats.json");
    server.start_recording();
    let run = server.run_audit(&[
        "--output",
        "json",
        "--max-attempts",
        "1",
        "--stats",
        "--stats-file",
        file.to_str().unwrap(),
    ]);
    let calls = server.stop_recording();
    run.assert_code(3);
    let stats: Value = serde_json::from_slice(&std::fs::read(&file).expect("stats file written"))
        .expect("stats file is JSON");
    let _ = std::fs::remove_dir_all(&dir);

    let mut received: BTreeMap<String, u64> = BTreeMap::new();
    for c in &calls {
        *received
            .entry(format!("{}:{}", c.service, c.operation))
            .or_insert(0) += 1;
    }
    let counted: BTreeMap<String, u64> =
        serde_json::from_value(stats["requests"]["by_operation"].clone()).unwrap();
    assert_eq!(
        counted, received,
        "counted (left) vs received by moto (right)"
    );
    let total: u64 = received.values().sum();
    assert_eq!(stats["requests"]["total"].as_u64(), Some(total));
    // One attempt per call: nothing is retried.
    assert_eq!(stats["retries"].as_u64(), Some(0));
    assert_eq!(stats["throttles"].as_u64(), Some(0));
    let report = run.json();
    assert_eq!(
        stats["gaps"].as_u64(),
        report["gaps"].as_array().map(|g| g.len() as u64)
    );
    assert!(stats["peak_rss_kb"].as_u64().is_some_and(|kb| kb > 1024));
    for phase in ["collect", "evaluate", "report"] {
        assert!(stats["phases_ms"][phase].is_u64(), "{phase}");
    }
    assert!(
        run.stderr.contains("eksposture stats") && run.stderr.contains("peak memory"),
        "{}",
        run.stderr
    );
}
