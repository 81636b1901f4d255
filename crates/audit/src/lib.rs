//! The audit pipeline as a library: a [`Plan`] (what to read, which checks,
//! what to do with the report) and its one-way run,
//!
//! ```text
//! options (CLI args | Lambda event) -> Plan
//! Plan -> collect -> evaluate -> suppress / compliance / diff -> sinks
//! ```
//!
//! where the sinks are the rendered files and stdout, Security Hub and the
//! S3 report bucket. The CLI and the Lambda handler build a plan and run it
//! on their one runtime, whose worker threads need
//! [`WORKER_STACK_BYTES`] of stack.

mod delivery;
pub mod exit;
mod inventory;
pub mod output;
pub mod plan;
pub mod render;
pub mod scan;
pub mod stats;
pub mod suppression_file;

pub use exit::{Code, Failure, Outcome};
pub use inventory::load_inventory;
pub use plan::{compliance_frameworks, Audit, Baseline, Plan, ReportBucket, Source, StatsSink};
pub use render::{Destination, Format, Target};
pub use scan::Accounts;

/// Stack of the runtime's worker threads. Security Hub's generated
/// deserialiser for `GetFindings` (a finding holds a `ResourceDetails` of
/// ~100 optional nested structs) needs far more than a thread's default in
/// unoptimised builds; the import runs as a task on these threads.
pub const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// The one runtime of a process that audits.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
}
