//! An endpoint nothing listens on: the scan cannot identify the account.

use std::time::Duration;

use eksposture_e2e::{free_port, run_eksposture};

#[test]
fn unreachable_endpoint_exits_1_quickly_with_a_one_line_error() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let run = run_eksposture(&[
        "audit",
        "--endpoint-url",
        &endpoint,
        "--max-attempts",
        "1",
        "--output",
        "json",
    ]);
    run.assert_code(1);
    assert!(
        run.stdout.trim().is_empty(),
        "no report on stdout: {}",
        run.stdout
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected a one-line error, got:\n{}",
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(30),
        "took {:?} to give up on a closed port",
        run.elapsed
    );
}
