use std::fmt;

use crate::document::{ActionSpec, Effect, Policy, ResourceSpec, Statement};

/// The outcome of evaluating identity policies for one action on one resource.
///
/// Conditions are never evaluated (there is no request context): an `Allow`
/// with a `Condition` becomes [`Decision::ConditionalAllow`], and a `Deny` with
/// a `Condition` is ignored, because for "what could this principal do" it
/// cannot be relied on to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An unconditional `Allow` matches and no unconditional `Deny` does.
    Allow,
    /// Only `Allow` statements with conditions match; the grant holds for some
    /// requests.
    ConditionalAllow,
    /// An unconditional `Deny` matches; it overrides every `Allow`.
    ExplicitDeny,
    /// No `Allow` matches.
    ImplicitDeny,
}

impl Decision {
    /// True only for an unconditional [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    /// True for [`Decision::Allow`] and [`Decision::ConditionalAllow`]: the
    /// action can succeed for at least some requests.
    pub fn may_allow(self) -> bool {
        matches!(self, Decision::Allow | Decision::ConditionalAllow)
    }
}

/// Evaluates identity policies for `action` on `resource`.
///
/// Only the IAM identity-policy layer: permission boundaries, SCPs, session
/// policies and resource policies are out of scope. `Principal` elements are
/// ignored (identity policies have none).
pub fn allows(policies: &[Policy], action: &str, resource: &str) -> Decision {
    decide(
        policies.iter().flat_map(|p| p.statements.iter()),
        action,
        resource,
    )
}

pub(crate) fn decide<'a>(
    statements: impl Iterator<Item = &'a Statement>,
    action: &str,
    resource: &str,
) -> Decision {
    let mut allow = false;
    let mut conditional_allow = false;
    for statement in statements {
        if !statement.matches_action(action) || !statement.matches_resource(resource) {
            continue;
        }
        match (statement.effect, statement.is_conditional()) {
            (Effect::Deny, false) => return Decision::ExplicitDeny,
            (Effect::Deny, true) => {}
            (Effect::Allow, false) => allow = true,
            (Effect::Allow, true) => conditional_allow = true,
        }
    }
    if allow {
        Decision::Allow
    } else if conditional_allow {
        Decision::ConditionalAllow
    } else {
        Decision::ImplicitDeny
    }
}

/// A policy together with a label saying where it came from (a managed
/// policy ARN, `inline:<name>`, ...), carried into every [`Grant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedPolicy {
    pub source: String,
    pub policy: Policy,
}

/// All the identity policies of one principal, each labelled with its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySet {
    policies: Vec<SourcedPolicy>,
}

impl PolicySet {
    pub fn new() -> PolicySet {
        PolicySet::default()
    }

    /// Adds a policy under a source label such as a policy ARN or `inline:<name>`.
    pub fn add(&mut self, source: impl Into<String>, policy: Policy) {
        self.policies.push(SourcedPolicy {
            source: source.into(),
            policy,
        });
    }

    pub fn policies(&self) -> &[SourcedPolicy] {
        &self.policies
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Every statement with the source of its policy, in insertion order.
    pub fn statements(&self) -> impl Iterator<Item = (&str, &Statement)> {
        self.policies
            .iter()
            .flat_map(|p| p.policy.statements.iter().map(|s| (p.source.as_str(), s)))
    }

    /// [`allows`] over every policy of the set.
    pub fn allows(&self, action: &str, resource: &str) -> Decision {
        decide(self.statements().map(|(_, s)| s), action, resource)
    }
}

impl<S: Into<String>> FromIterator<(S, Policy)> for PolicySet {
    fn from_iter<I: IntoIterator<Item = (S, Policy)>>(iter: I) -> PolicySet {
        let mut set = PolicySet::new();
        for (source, policy) in iter {
            set.add(source, policy);
        }
        set
    }
}

/// Evidence that an `Allow` statement grants something: what it says and
/// where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The label the policy was added with.
    pub source: String,
    pub sid: Option<String>,
    /// The statement's `Action` / `NotAction` as written.
    pub actions: ActionSpec,
    /// The statement's `Resource` / `NotResource` as written.
    pub resources: Option<ResourceSpec>,
    /// The `Action` patterns that made the statement qualify; empty when it
    /// qualified through `NotAction`.
    pub matched_actions: Vec<String>,
    /// The statement has a `Condition`: the grant holds only for some requests.
    pub conditional: bool,
}

impl Grant {
    pub(crate) fn new(source: &str, statement: &Statement, matched_actions: Vec<String>) -> Grant {
        Grant {
            source: source.to_owned(),
            sid: statement.sid.clone(),
            actions: statement.action.clone(),
            resources: statement.resource.clone(),
            matched_actions,
            conditional: statement.is_conditional(),
        }
    }
}

/// One line for finding evidence, e.g.
/// `inline:admin (Sid "All"): Allow Action ["*"] on Resource ["*"]`.
impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(sid) = &self.sid {
            write!(f, " (Sid {sid:?})")?;
        }
        match &self.actions {
            ActionSpec::Action(a) => write!(f, ": Allow Action {a:?}")?,
            ActionSpec::NotAction(a) => write!(f, ": Allow NotAction {a:?}")?,
        }
        match &self.resources {
            Some(ResourceSpec::Resource(r)) => write!(f, " on Resource {r:?}")?,
            Some(ResourceSpec::NotResource(r)) => write!(f, " on NotResource {r:?}")?,
            None => {}
        }
        if self.conditional {
            f.write_str(" (conditional)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(doc: &serde_json::Value) -> Policy {
        Policy::parse(doc).unwrap()
    }

    fn allow(action: &serde_json::Value, resource: &serde_json::Value) -> Policy {
        policy(&json!({"Statement": {"Effect": "Allow", "Action": action, "Resource": resource}}))
    }

    const BUCKET_OBJ: &str = "arn:aws:s3:::bucket/key";

    #[test]
    fn no_policies_is_an_implicit_deny() {
        assert_eq!(
            allows(&[], "s3:GetObject", BUCKET_OBJ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn action_wildcard_grants_matching_actions_only() {
        let p = [allow(&json!("s3:Get*"), &json!("*"))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
        assert_eq!(
            allows(&p, "s3:PutObject", BUCKET_OBJ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn actions_compare_case_insensitively() {
        let p = [allow(&json!("S3:getobject"), &json!("*"))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
    }

    #[test]
    fn resources_compare_case_sensitively() {
        let p = [allow(
            &json!("s3:GetObject"),
            &json!("arn:aws:s3:::Bucket/*"),
        )];
        assert_eq!(
            allows(&p, "s3:GetObject", BUCKET_OBJ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_grants_everything_except_the_listed_actions() {
        let p = [policy(&json!({"Statement": {
            "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
        assert_eq!(allows(&p, "IAM:PassRole", "*"), Decision::ImplicitDeny);
    }

    #[test]
    fn not_resource_grants_everything_except_the_listed_resources() {
        let p = [policy(&json!({"Statement": {
            "Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}}))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
        assert_eq!(
            allows(&p, "s3:GetObject", "arn:aws:s3:::secret/k"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_overrides_allow_across_policies() {
        let p = [
            allow(&json!("*"), &json!("*")),
            policy(
                &json!({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}]}),
            ),
        ];
        assert_eq!(
            allows(&p, "s3:GetObject", BUCKET_OBJ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            allows(&p, "s3:GetObject", "arn:aws:s3:::other/k"),
            Decision::Allow
        );
    }

    #[test]
    fn deny_with_not_action_denies_everything_else() {
        let p = [policy(&json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]}))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
        assert_eq!(
            allows(&p, "s3:PutObject", BUCKET_OBJ),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn conditional_allow_is_reported_separately() {
        let p = [policy(
            &json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": true}}}}),
        )];
        let decision = allows(&p, "s3:GetObject", BUCKET_OBJ);
        assert_eq!(decision, Decision::ConditionalAllow);
        assert!(decision.may_allow());
        assert!(!decision.is_allowed());
    }

    #[test]
    fn unconditional_allow_wins_over_conditional_allow() {
        let p = [policy(&json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))];
        assert_eq!(allows(&p, "s3:GetObject", BUCKET_OBJ), Decision::Allow);
        assert_eq!(
            allows(&p, "s3:PutObject", BUCKET_OBJ),
            Decision::ConditionalAllow
        );
    }

    #[test]
    fn conditional_deny_is_not_a_guaranteed_deny() {
        let p = [policy(&json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}))];
        assert_eq!(allows(&p, "iam:CreateUser", "*"), Decision::Allow);
    }

    #[test]
    fn policy_set_evaluates_all_sources() {
        let mut set = PolicySet::new();
        set.add("inline:read", allow(&json!("s3:GetObject"), &json!("*")));
        set.add(
            "arn:aws:iam::1:policy/deny",
            policy(&json!({"Statement": {"Effect": "Deny", "Action": "s3:GetObject", "Resource": BUCKET_OBJ}})),
        );
        assert_eq!(
            set.allows("s3:GetObject", BUCKET_OBJ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            set.allows("s3:GetObject", "arn:aws:s3:::b/x"),
            Decision::Allow
        );
        assert_eq!(set.statements().count(), 2);
    }

    #[test]
    fn grant_display_names_source_sid_and_patterns() {
        let p = policy(
            &json!({"Statement": {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*"],
            "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}),
        );
        let grant = Grant::new("inline:read", &p.statements[0], vec!["s3:Get*".into()]);
        assert_eq!(
            grant.to_string(),
            r#"inline:read (Sid "Read"): Allow Action ["s3:Get*"] on Resource ["*"] (conditional)"#
        );
    }
}
