//! EKS control-plane checks.

pub mod endpoint_not_open_to_world;
