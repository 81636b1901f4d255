//! Fuzz regressions on stable: every kept input of the `policy` fuzz target
//! (its corpus and crash reproducers) through the target's own entry code.

#[path = "../../../fuzz/src/policy.rs"]
mod entry;
#[path = "../../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn policy_corpus_and_regressions_do_not_panic() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let count = replay::replay(&fuzz, "policy", entry::run);
    assert!(count > 0, "no inputs under {}", fuzz.display());
}
