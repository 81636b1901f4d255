//! Role trust policies: who can assume a role, and how narrowly.

pub mod irsa;
pub mod pod_identity;

use crate::document::{Effect, Policy, Principal, PrincipalSpec, Statement};
use crate::principals::account_of;

/// Condition keys that pin the caller to named principals: a statement open
/// to a whole account (or `*`) but conditioned on one of these, with exact
/// values, admits only those principals.
const PINNING_KEYS: [&str; 3] = ["aws:principalarn", "aws:userid", "aws:username"];

/// Who beyond individually named principals a trust policy lets call
/// `sts:AssumeRole`: one description per broad grant, empty when every
/// `Allow` statement names its principals (roles, users, services, identity
/// providers). Broad: `"*"` (alone or in `AWS`), `NotPrincipal`, and an
/// account (`arn:<p>:iam::<account>:root` or the bare 12-digit id), which
/// delegates to every principal of that account whose IAM policies allow
/// the call. A statement conditioned on `aws:PrincipalArn`, `aws:userid` or
/// `aws:username` with exact values is narrow; other conditions (MFA, source
/// IP, organization) are named but do not narrow who.
pub fn trust_breadth(trust: &Policy, own_account: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in &trust.statements {
        if s.effect != Effect::Allow || !s.matches_action("sts:AssumeRole") || narrowed(s) {
            continue;
        }
        let mut broad = Vec::new();
        match &s.principal {
            Some(PrincipalSpec::NotPrincipal(_)) => {
                broad.push("every principal but those of its NotPrincipal".to_string());
            }
            Some(PrincipalSpec::Principal(Principal::Any)) => {
                broad.push("any AWS principal (\"Principal\": \"*\")".to_string());
            }
            Some(PrincipalSpec::Principal(Principal::Specific(p))) => {
                for a in &p.aws {
                    if a == "*" {
                        broad.push("any AWS principal (\"AWS\": \"*\")".to_string());
                    } else if let Some(account) = account_of(a) {
                        let whose = if account == own_account {
                            "its own account"
                        } else {
                            "another account"
                        };
                        broad.push(format!("every principal of account {account} ({whose})"));
                    }
                }
            }
            None => {}
        }
        let mut keys: Vec<&str> = s.conditions.iter().map(|c| c.key.as_str()).collect();
        keys.dedup();
        let under = if keys.is_empty() {
            String::new()
        } else {
            format!(" (conditions on {} do not narrow who)", keys.join(", "))
        };
        out.extend(broad.into_iter().map(|b| format!("{b}{under}")));
    }
    out
}

fn narrowed(s: &Statement) -> bool {
    s.conditions.iter().any(|c| {
        let op = c.base_operator().to_ascii_lowercase();
        PINNING_KEYS.contains(&c.key.to_ascii_lowercase().as_str())
            && !c.if_exists()
            && c.qualifier().is_none()
            && [
                "stringequals",
                "stringequalsignorecase",
                "stringlike",
                "arnequals",
                "arnlike",
            ]
            .contains(&op.as_str())
            && !c.values.is_empty()
            && c.values.iter().all(|v| !v.contains(['*', '?']))
    })
}

#[cfg(test)]
mod tests;
