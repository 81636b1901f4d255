//! The eksposture data model: the collected [`Inventory`], the [`Observed`]
//! wrapper that keeps "could not read" apart from "not configured", the
//! [`graph::Graph`] of typed relations that checks query, and the
//! [`Finding`] a check emits.
//!
//! This crate depends on serde only, so everything that reasons over an
//! inventory compiles and tests without the AWS SDK.

pub mod arn;
pub mod asff;
pub mod finding;
pub mod graph;
pub mod inventory;
pub mod kind;
pub mod observed;
pub mod secrets;
pub mod text;
pub mod wildcard;

pub use finding::{
    ComplianceView, ControlResult, ControlStatus, Evidence, Finding, ResourceRef, Severity, Status,
    Suppression,
};
pub use graph::Graph;
pub use inventory::*;
pub use kind::{CheckKind, PathEntry, Tactic};
pub use observed::{Gap, GapReason, Observed};

/// Version of the inventory and report JSON layouts. Bumped on any change
/// that an older reader would misinterpret.
pub const SCHEMA_VERSION: &str = "1";
