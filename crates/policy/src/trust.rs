//! Role trust policies: who can assume a role, and how narrowly.

pub mod irsa;
pub mod pod_identity;
