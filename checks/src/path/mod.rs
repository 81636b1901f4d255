//! path checks.

pub mod pod_to_node_role;
