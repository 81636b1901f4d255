//! Replays the kept inputs of a target — `fuzz/corpus/<target>/` and the
//! crash reproducers in `fuzz/regressions/<target>/` — through its entry
//! code, for the stable regression tests.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Runs every file of the target's corpus and regressions through `run`;
/// panics naming every input that panicked. Returns how many ran.
pub fn replay(fuzz_dir: &Path, target: &str, run: fn(&[u8])) -> usize {
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let dir = fuzz_dir.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).unwrap_or_default();
            catch_unwind(AssertUnwindSafe(|| run(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} {target} inputs panicked:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
    files.len()
}
