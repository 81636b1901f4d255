//! AWS plumbing shared by the read-only collectors and the sinks: the one
//! place that builds SDK configurations and clients (session, assumed
//! roles, adaptive retry, timeouts, request statistics), pages by hand with
//! repeated-token detection, and turns SDK errors into gap reasons.
//!
//! It sends only `sts:GetCallerIdentity` and `sts:AssumeRole` itself
//! ([`OPERATIONS`]).

pub mod assume;
mod client;
pub mod error;
pub mod paging;
pub mod requests;
pub mod session;

pub use assume::{AssumeFailure, AssumeRole, SESSION_NAME};
pub use aws_config::{Region, SdkConfig};
pub use error::{classify, describe, RawStatus};
pub use session::{
    account_config, load_config, now_rfc3339, resolve_regions, session, Options, Session,
    SessionError,
};

/// What this crate sends itself. `sts:AssumeRole` only where a member role
/// is assumed (multi-account scans), so it is listed apart.
pub const OPERATIONS: &[&str] = &["sts:GetCallerIdentity"];
pub const ASSUME_ROLE_OPERATIONS: &[&str] = &["sts:AssumeRole"];
