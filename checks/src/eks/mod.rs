//! EKS control-plane checks.

pub mod endpoint_not_open_to_world;
pub mod endpoint_private;
pub mod secrets_encrypted;
