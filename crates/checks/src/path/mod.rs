//! Attack-path checks: chains across resources that end in someone taking
//! power they should not have. Each finding carries the chain as evidence.

pub mod irsa_wildcard_to_broad_role;
pub mod pod_to_node_role;
pub mod public_node_with_broad_role;
pub mod vulnerable_image_in_use;

// Helpers shared by the service's checks (the registry test knows a check
// by its `declare_check!`, not by its name).
mod images;
mod reach;

/// What whoever takes a role gains, for messages: `becomes a full
/// administrator of account <id>`, or the narrower grants. The path checks
/// declare one severity, critical, for the administrator case.
fn gains(g: &eksposture_model::Graph<'_>, power: &eksposture_policy::power::RolePower) -> String {
    if power.is_admin() {
        format!("becomes a full administrator of account {}", g.account_id())
    } else {
        format!("gains {} (not full administrator access)", power.describe())
    }
}
