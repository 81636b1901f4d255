//! Several report formats from one run of the real binary against the risky
//! account: `--output table,json,csv --output-dir DIR`.

use std::fs;

use eksposture_e2e::{scratch_dir, Scenario};
use serde_json::Value;

#[test]
fn one_run_writes_table_json_and_csv_that_agree() {
    let risky = Scenario::start("risky");
    let dir = scratch_dir("outputs").join("reports");
    let dir_arg = dir.to_str().unwrap();
    let run = risky.server.run_audit(&[
        "--output",
        "table,json,csv",
        "--output-dir",
        dir_arg,
        "--max-attempts",
        "1",
    ]);
    run.assert_code(3);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["eksposture.csv", "eksposture.json", "eksposture.txt"]
    );

    let report: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("eksposture.json")).unwrap()).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(report["summary"]["fail"].as_u64().unwrap() > 10);

    let text = fs::read_to_string(dir.join("eksposture.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), findings.len());
    for (row, f) in rows.iter().zip(findings) {
        for (column, pointer) in [
            ("check_id", "/check_id"),
            ("status", "/status"),
            ("severity", "/severity"),
            ("resource_type", "/resource/type"),
            ("resource_id", "/resource/id"),
            ("region", "/resource/region"),
            ("message", "/message"),
        ] {
            assert_eq!(
                &row[col(column)],
                f.pointer(pointer).and_then(Value::as_str).unwrap(),
                "{column} of {f}"
            );
        }
        assert_eq!(&row[col("account_id")], report["scan"]["account_id"]);
    }

    let table = fs::read_to_string(dir.join("eksposture.txt")).unwrap();
    assert!(
        table.contains(report["scan"]["account_id"].as_str().unwrap()),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'), "colour codes in a file");
}
