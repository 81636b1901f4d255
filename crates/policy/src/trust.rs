//! Role trust policies: who can assume a role, and how narrowly.

pub mod assumers;
pub mod irsa;
pub mod pod_identity;

pub use assumers::{assumers, broad, Assumer};
