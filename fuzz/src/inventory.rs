//! Loading an inventory JSON (`audit --inventory`): deserialisation, the
//! schema-version gate of the CLI, the graph and every registered check.

use eksposture_model::{Graph, Inventory};

/// Feeds `data` through what `eksposture audit --inventory FILE` does with a
/// file; panics only on a bug.
pub fn run(data: &[u8]) {
    let Ok(inventory) = serde_json::from_slice::<Inventory>(data) else {
        return;
    };
    // The CLI refuses other schema versions before evaluating; the checks
    // must still be total on whatever the model accepts, so they run anyway.
    let graph = Graph::new(&inventory);
    let _ = graph.nodes().len();
    let checks: Vec<_> = eksposture_checks::CHECKS.iter().collect();
    let findings = eksposture_checks::run(&inventory, &checks);
    for finding in &findings {
        assert!(!finding.check_id.is_empty());
    }
}
