//! Role power as the checks see it: a role's policies gathered from the
//! graph for `eksposture_policy::power`, and the verdict wording on the
//! result.

use eksposture_model::{Evidence, Graph, Observed, Role, Status};
use eksposture_policy::power::{self, Account, Power, RolePower};

use super::{parse_document, policy_evidence};

/// What a role's permission policies (and permissions boundary) grant beyond
/// the worker-node baseline, probed in the scanned account and regions.
pub fn role_power(g: &Graph<'_>, role: &Role) -> RolePower {
    let policies = g.role_policies(role).into_iter().map(|(source, doc)| {
        let read = match doc {
            Observed::Known(doc) => parse_document(doc),
            Observed::Unknown(gap) => Err(format!(
                "{}: {}: {}",
                gap.reason.as_str(),
                gap.operation,
                gap.message
            )),
        };
        (source, read)
    });
    let boundary = role.permissions_boundary_arn.as_ref().map(|arn| {
        let read = match g.managed_policy(arn).map(|p| p.document.as_ref()) {
            Some(Observed::Known(doc)) => parse_document(doc),
            Some(Observed::Unknown(gap)) => {
                Err(format!("{}: {}", gap.reason.as_str(), gap.message))
            }
            None => Err("the boundary policy was not collected".into()),
        };
        (arn.clone(), read)
    });
    let regions = g.all_regions();
    let account = Account {
        partition: g.partition(),
        id: g.account_id(),
        regions: &regions,
    };
    power::role_power(&account, policies, boundary)
}

/// The verdict wording on a [`RolePower`], and its evidence chain.
pub trait PowerVerdict {
    /// The status and message for a role described as `who` ("node role x").
    fn judge(&self, who: &str) -> (Status, String);
    /// [`PowerVerdict::judge`] against a baseline named for the message
    /// ("the Fargate pod-execution baseline").
    fn judge_against(&self, who: &str, baseline: &str) -> (Status, String);
    /// One evidence entry per granting statement and per unread document.
    fn evidence(&self, role: &Role) -> Vec<Evidence>;
}

impl PowerVerdict for RolePower {
    fn judge(&self, who: &str) -> (Status, String) {
        self.judge_against(who, "the worker-node baseline")
    }

    fn judge_against(&self, who: &str, baseline: &str) -> (Status, String) {
        match self.verdict() {
            Power::OverBroad if self.unreadable.is_empty() => {
                (Status::Fail, format!("{who} grants more than {baseline}: {}", self.describe()))
            }
            Power::OverBroad => (
                Status::Fail,
                format!(
                    "{who} grants more than {baseline}: {} (also unread: {})",
                    self.describe(),
                    self.unread_summary()
                ),
            ),
            Power::WithinBaseline => {
                let read = if self.read.is_empty() { "no policies".to_string() } else { self.read.join(", ") };
                (Status::Pass, format!("{who} grants nothing beyond {baseline} ({read})"))
            }
            Power::Unknown if self.risky.is_empty() => (
                Status::Unknown,
                format!("no risky grant in the readable policies of {who}, but these could not be read: {}", self.unread_summary()),
            ),
            Power::Unknown => (
                Status::Unknown,
                format!("{who} grants {}, but {} could not be read", self.describe(), self.unread_summary()),
            ),
        }
    }

    fn evidence(&self, role: &Role) -> Vec<Evidence> {
        let mut out = Vec::new();
        for r in &self.risky {
            let what = if r.why.is_empty() {
                r.describe()
            } else {
                format!("{} ({})", r.describe(), r.why)
            };
            for (source, text) in &r.statements {
                out.push(policy_evidence(role, source, format!("{what}: {text}")));
            }
        }
        for u in self.unreadable.iter().chain(&self.boundary_unreadable) {
            out.push(policy_evidence(
                role,
                &u.source,
                format!("could not be read: {}", u.reason),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Graph;
    use serde_json::{json, Value};

    use eksposture_policy::power::{Power, RiskyGrant, RolePower};

    use super::role_power;
    use crate::iam::fixtures::*;
    use crate::testing::inventory;

    fn power(attached: &[&str], inline: &[(&str, Value)], managed: &Value) -> RolePower {
        power_of(&node_role(attached, inline), managed)
    }

    fn power_of(role: &Value, managed: &Value) -> RolePower {
        let inv = inventory(nodegroup_account(&json!({"known": [role]}), managed));
        let g = Graph::new(&inv);
        role_power(&g, &g.roles()[0])
    }

    fn labels(p: &RolePower) -> Vec<String> {
        p.risky.iter().map(RiskyGrant::describe).collect()
    }

    #[test]
    fn real_worker_node_baseline_policies_grant_nothing_risky() {
        let p = power(&BASELINE, &[], &baseline_managed());
        assert_eq!(p.verdict(), Power::WithinBaseline, "{:?}", p.risky);
        assert_eq!(p.read.len(), 5);
    }

    #[test]
    fn ssm_core_document_is_flagged_when_not_the_aws_managed_policy() {
        let p = power(&[], &[("copy", ssm_core())], &json!([]));
        assert_eq!(
            labels(&p),
            ["ssm:GetParameter, ssm:GetParameters on any SSM parameter"]
        );
    }

    #[test]
    fn url_encoded_document_text_is_decoded() {
        let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22kms%3ADecrypt%22%2C%22Resource%22%3A%22*%22%7D%7D";
        assert_eq!(
            labels(&power(&[], &[("enc", json!(encoded))], &json!([]))),
            ["kms:Decrypt on any KMS key"]
        );
    }

    #[test]
    fn unread_policy_makes_a_clean_role_unknown_but_not_a_risky_one() {
        let p = power(
            &["AmazonEKSWorkerNodePolicy", "Missing"],
            &[],
            &baseline_managed(),
        );
        assert_eq!(p.verdict(), Power::Unknown);
        assert!(p
            .unread_summary()
            .contains("arn:aws:iam::aws:policy/Missing"));
        let p = power(
            &["Missing"],
            &[("p", allow("s3:GetObject", "*"))],
            &json!([]),
        );
        assert_eq!(p.verdict(), Power::OverBroad);
    }

    #[test]
    fn permissions_boundary_limits_the_grants() {
        let mut role = node_role(&[], &[("admin", admin())]);
        role["permissions_boundary_arn"] = json!("arn:aws:iam::aws:policy/Boundary");
        let p = power_of(&role, &managed(&[("Boundary", allow("s3:*", "*"))]));
        assert_eq!(labels(&p), ["s3:* on any resource"]);
        let p = power_of(&role, &json!([]));
        assert_eq!(p.verdict(), Power::Unknown);
        assert!(p.boundary_unreadable.is_some());
    }
}
