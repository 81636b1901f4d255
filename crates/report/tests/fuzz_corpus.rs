//! Fuzz regressions on stable: every kept input of the `inventory` and
//! `report` fuzz targets (their corpora and crash reproducers) through the
//! targets' own entry code.

#[path = "../../../fuzz/src/inventory.rs"]
mod inventory;
#[path = "../../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../../fuzz/src/report.rs"]
mod report;

fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn inventory_corpus_and_regressions_do_not_panic() {
    assert!(replay::replay(&fuzz_dir(), "inventory", inventory::run) > 0);
}

#[test]
fn report_corpus_and_regressions_do_not_panic() {
    assert!(replay::replay(&fuzz_dir(), "report", report::run) > 0);
}
