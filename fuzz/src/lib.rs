//! Entry code of the fuzz targets. Each module depends only on the
//! eksposture crates and serde_json (plus percent-encoding for `policy`), so
//! the stable regression tests (`crates/policy/tests/fuzz_corpus.rs`,
//! `crates/report/tests/fuzz_corpus.rs`) include the same files with
//! `#[path]` and replay the corpus through exactly this code.

pub mod inventory;
pub mod policy;
pub mod replay;
pub mod report;
