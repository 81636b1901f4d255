//! EKS control-plane checks.

pub mod audit_logging_enabled;
pub mod auth_mode_api;
pub mod cluster_admin_access_restricted;
pub mod cluster_role_dedicated;
pub mod cluster_sg_no_world_ingress;
pub mod creator_admin_removed;
pub mod default_vpc_not_used;
pub mod deletion_protection_enabled;
pub mod endpoint_not_open_to_world;
pub mod endpoint_private;
pub mod irsa_provider_registered;
pub mod log_retention;
pub mod network_policy_enforced;
pub mod nodegroup_ssh_restricted;
pub mod pod_identity_trust_scoped;
pub mod secrets_encrypted;
pub mod secrets_key_healthy;
pub mod version_supported;

// Helpers shared by the service's checks (the registry test knows a check
// by its `declare_check!`, not by its name).
mod access;
mod calendar;
mod role_use;
