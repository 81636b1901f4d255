//! Role power analysis: what a role's permission policies grant beyond the
//! EKS worker-node baseline. See the `iam` module documentation.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use eksposture_model::{Evidence, Graph, Observed, Role, Status};
use eksposture_policy::{ActionSpec, Effect, Grant, PolicySet, ResourceSpec, Statement};

use super::{parse_document, policy_evidence};

/// AWS-managed worker-node baseline policies whose documents grant something
/// on the sensitive list, and the actions exempted for them alone (matched by
/// the exact AWS-managed ARN, so a customer copy is still judged).
///
/// AmazonSSMManagedInstanceCore grants `ssm:GetParameter(s)` on `*`: the SSM
/// Agent resolves `{{ssm:...}}` parameters of the documents it runs. AWS and
/// the EKS guide recommend it on node roles for Session Manager access, so it
/// is the baseline; its reach to parameters is the price of that baseline.
const BASELINE_EXEMPTIONS: &[(&str, &[&str])] = &[(
    "AmazonSSMManagedInstanceCore",
    &["ssm:GetParameter", "ssm:GetParameters"],
)];

/// The resource type a sensitive action is probed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Role,
    User,
    Group,
    ManagedPolicy,
    Secret,
    Parameter,
    Key,
    Object,
    Repository,
}

impl Kind {
    fn class(self) -> GrantClass {
        match self {
            Kind::Role | Kind::User | Kind::Group | Kind::ManagedPolicy => {
                GrantClass::PrivilegeEscalation
            }
            Kind::Secret | Kind::Parameter | Kind::Key | Kind::Object => GrantClass::DataAccess,
            Kind::Repository => GrantClass::ImageWrite,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Role => "IAM role",
            Kind::User => "IAM user",
            Kind::Group => "IAM group",
            Kind::ManagedPolicy => "managed policy",
            Kind::Secret => "secret",
            Kind::Parameter => "SSM parameter",
            Kind::Key => "KMS key",
            Kind::Object => "S3 object",
            Kind::Repository => "ECR repository",
        }
    }
}

/// Actions beyond the worker-node baseline when granted on every resource of
/// their type: privilege escalation, credential and data reads, image writes.
const SENSITIVE: &[(&str, Kind)] = &[
    ("iam:PassRole", Kind::Role),
    ("iam:CreateRole", Kind::Role),
    ("iam:AttachRolePolicy", Kind::Role),
    ("iam:PutRolePolicy", Kind::Role),
    ("iam:UpdateAssumeRolePolicy", Kind::Role),
    ("iam:DeleteRolePermissionsBoundary", Kind::Role),
    ("sts:AssumeRole", Kind::Role),
    ("iam:CreateAccessKey", Kind::User),
    ("iam:CreateLoginProfile", Kind::User),
    ("iam:UpdateLoginProfile", Kind::User),
    ("iam:AttachUserPolicy", Kind::User),
    ("iam:PutUserPolicy", Kind::User),
    ("iam:AttachGroupPolicy", Kind::Group),
    ("iam:PutGroupPolicy", Kind::Group),
    ("iam:AddUserToGroup", Kind::Group),
    ("iam:CreatePolicyVersion", Kind::ManagedPolicy),
    ("iam:SetDefaultPolicyVersion", Kind::ManagedPolicy),
    ("secretsmanager:GetSecretValue", Kind::Secret),
    ("ssm:GetParameter", Kind::Parameter),
    ("ssm:GetParameters", Kind::Parameter),
    ("ssm:GetParametersByPath", Kind::Parameter),
    ("kms:Decrypt", Kind::Key),
    ("s3:GetObject", Kind::Object),
    ("ecr:PutImage", Kind::Repository),
    ("ecr:InitiateLayerUpload", Kind::Repository),
    ("ecr:UploadLayerPart", Kind::Repository),
    ("ecr:CompleteLayerUpload", Kind::Repository),
    ("ecr:BatchDeleteImage", Kind::Repository),
    ("ecr:DeleteRepository", Kind::Repository),
    ("ecr:SetRepositoryPolicy", Kind::Repository),
];

/// What a risky grant gives, so that a check can weigh the kinds differently
/// (a workload role may legitimately read every object of a bucket it owns
/// the account for; no workload needs to pass any role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantClass {
    /// Every action (or all but a few) on every resource.
    Admin,
    /// A whole-service wildcard (`iam:*`, `s3:*`, ...) on every resource.
    ServiceWildcard,
    /// IAM writes, `iam:PassRole` or `sts:AssumeRole` on every role, user,
    /// group or managed policy: the holder can become someone else.
    PrivilegeEscalation,
    /// Secrets, SSM parameters, KMS decrypt or S3 object reads on every
    /// resource of their type.
    DataAccess,
    /// ECR pushes and deletes on every repository.
    ImageWrite,
}

/// A grant beyond the baseline, with the statements that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskyGrant {
    /// E.g. `full administrator access`, `iam:PassRole on any IAM role`.
    pub label: String,
    /// Every action (or all but a few) on every resource.
    pub admin: bool,
    pub class: GrantClass,
    /// Every granting statement carries a `Condition`.
    pub conditional: bool,
    /// `(policy source, statement)`: a managed policy ARN or `inline:<name>`.
    pub statements: Vec<(String, String)>,
}

impl RiskyGrant {
    pub fn describe(&self) -> String {
        if self.conditional {
            format!("{} (conditional)", self.label)
        } else {
            self.label.clone()
        }
    }
}

/// A policy document that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub source: String,
    pub reason: String,
}

/// What a role's permission policies grant beyond the worker-node baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePower {
    pub risky: Vec<RiskyGrant>,
    /// Sources of the policies read and judged.
    pub read: Vec<String>,
    pub unreadable: Vec<Unreadable>,
    /// The permissions boundary could not be read, so a grant may be narrower.
    pub boundary_unreadable: Option<Unreadable>,
}

/// The verdict on a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// A risky grant stands (other, unread policies can only add grants).
    OverBroad,
    /// Every policy was read and nothing risky is granted.
    WithinBaseline,
    /// Nothing risky in what was read, but something was not read; or risky
    /// grants that an unread permissions boundary may cut.
    Unknown,
}

impl RolePower {
    pub fn verdict(&self) -> Power {
        match (self.risky.is_empty(), &self.boundary_unreadable) {
            (false, None) => Power::OverBroad,
            (true, None) if self.unreadable.is_empty() => Power::WithinBaseline,
            _ => Power::Unknown,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.risky.iter().any(|r| r.admin && !r.conditional)
    }

    /// The risky grants, `; `-separated.
    pub fn describe(&self) -> String {
        self.risky
            .iter()
            .map(RiskyGrant::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Why the verdict is unknown, for a message.
    pub fn unread_summary(&self) -> String {
        let mut parts: Vec<String> = self
            .unreadable
            .iter()
            .map(|u| format!("{} ({})", u.source, u.reason))
            .collect();
        if let Some(b) = &self.boundary_unreadable {
            parts.push(format!("permissions boundary {} ({})", b.source, b.reason));
        }
        parts.join(", ")
    }

    /// Only the risky grants `keep` accepts, for a check that weighs some
    /// kinds of grant as legitimate for the roles it judges.
    #[must_use]
    pub fn retain(mut self, keep: impl Fn(&RiskyGrant) -> bool) -> RolePower {
        self.risky.retain(|r| keep(r));
        self
    }

    /// The status and message for a role described as `who` ("node role x").
    pub fn judge(&self, who: &str) -> (Status, String) {
        self.judge_against(who, "the worker-node baseline")
    }

    /// [`RolePower::judge`] against a baseline named for the message
    /// ("the Fargate pod-execution baseline").
    pub fn judge_against(&self, who: &str, baseline: &str) -> (Status, String) {
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

    /// One evidence entry per granting statement and per unread document.
    pub fn evidence(&self, role: &Role) -> Vec<Evidence> {
        let mut out = Vec::new();
        for r in &self.risky {
            for (source, text) in &r.statements {
                out.push(policy_evidence(
                    role,
                    source,
                    format!("{}: {text}", r.describe()),
                ));
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

/// Analyses every permission policy of a role (and its permissions boundary).
pub fn role_power(g: &Graph<'_>, role: &Role) -> RolePower {
    let mut power = RolePower::default();
    let mut set = PolicySet::new();
    for (source, doc) in g.role_policies(role) {
        match doc.map(parse_document) {
            Observed::Known(Ok(policy)) => {
                power.read.push(source.clone());
                set.add(source, policy);
            }
            Observed::Known(Err(reason)) => power.unreadable.push(Unreadable { source, reason }),
            Observed::Unknown(gap) => power.unreadable.push(Unreadable {
                source,
                reason: format!(
                    "{}: {}: {}",
                    gap.reason.as_str(),
                    gap.operation,
                    gap.message
                ),
            }),
        }
    }
    let boundary = role.permissions_boundary_arn.as_ref().and_then(|arn| {
        let unreadable = |reason: String| Unreadable {
            source: arn.clone(),
            reason,
        };
        let parsed = match g.managed_policy(arn).map(|p| p.document.as_ref()) {
            Some(Observed::Known(doc)) => parse_document(doc).map_err(unreadable),
            Some(Observed::Unknown(gap)) => Err(unreadable(format!(
                "{}: {}",
                gap.reason.as_str(),
                gap.message
            ))),
            None => Err(unreadable("the boundary policy was not collected".into())),
        };
        match parsed {
            Ok(policy) => Some([(arn.clone(), policy)].into_iter().collect::<PolicySet>()),
            Err(u) => {
                power.boundary_unreadable = Some(u);
                None
            }
        }
    });
    power.risky = risky_grants(g, &set, boundary.as_ref());
    power
}

/// What a draft grant is about, before it becomes a label.
enum What {
    Admin(String),
    Wildcards(Vec<String>),
    Actions(Kind, Vec<&'static str>),
}

struct Draft {
    what: What,
    /// Indexes into the policy set's statements.
    stmts: BTreeSet<usize>,
    conditional: bool,
}

fn risky_grants(g: &Graph<'_>, set: &PolicySet, boundary: Option<&PolicySet>) -> Vec<RiskyGrant> {
    let stmts: Vec<(&str, &Statement)> = set.statements().collect();
    let find = |grant: &Grant| {
        stmts.iter().position(|(src, s)| {
            *src == grant.source
                && s.sid == grant.sid
                && s.action == grant.actions
                && s.resource == grant.resources
        })
    };
    let mut drafts: Vec<Draft> = Vec::new();
    let admin = set
        .grants_full_admin()
        .filter(|_| boundary.is_none_or(|b| b.grants_full_admin().is_some()));
    if let Some(grant) = admin {
        let label = match &grant.actions {
            ActionSpec::NotAction(except) => {
                format!("every action except {} on any resource", except.join(", "))
            }
            ActionSpec::Action(_) => "full administrator access (* on *)".to_string(),
        };
        let stmts = find(&grant).into_iter().collect();
        drafts.push(Draft {
            what: What::Admin(label),
            stmts,
            conditional: grant.conditional,
        });
    }
    // Whole-service wildcards (`iam:*`) named in the policies or the boundary,
    // asked as actions so that `*` and `NotAction` statements count too.
    let patterns: BTreeSet<String> = std::iter::once(set)
        .chain(boundary)
        .flat_map(PolicySet::wildcard_service_actions)
        .flat_map(|grant| grant.matched_actions)
        .filter(|p| {
            p.split_once(':')
                .is_some_and(|(svc, _)| !svc.chars().all(|c| c == '*'))
        })
        .map(|p| p.to_ascii_lowercase())
        .collect();
    for pattern in patterns {
        let bounded = boundary.is_none_or(|b| b.grants_action_on_any_resource(&pattern).is_some());
        let Some(grant) = set
            .grants_action_on_any_resource(&pattern)
            .filter(|_| bounded)
        else {
            continue;
        };
        let Some(i) = find(&grant) else { continue };
        match drafts.iter_mut().find(|d| d.stmts.contains(&i)) {
            Some(Draft {
                what: What::Wildcards(ps),
                ..
            }) => ps.push(pattern),
            Some(_) => {}
            None => drafts.push(Draft {
                what: What::Wildcards(vec![pattern]),
                stmts: [i].into(),
                conditional: grant.conditional,
            }),
        }
    }
    // Sensitive actions a broader grant does not already explain, grouped
    // when the same statements grant them.
    let broad: BTreeSet<usize> = drafts
        .iter()
        .flat_map(|d| d.stmts.iter().copied())
        .collect();
    for &(action, kind) in SENSITIVE {
        let mut hits = BTreeSet::new();
        for probe in probes(g, kind) {
            let allowed = set.allows(action, &probe).may_allow()
                && boundary.is_none_or(|b| b.allows(action, &probe).may_allow());
            hits.extend(stmts.iter().enumerate().filter_map(|(i, (src, s))| {
                let grants = s.effect == Effect::Allow
                    && s.matches_action(action)
                    && s.matches_resource(&probe);
                (allowed && grants && !exempt(g, src, action)).then_some(i)
            }));
        }
        if hits.is_empty() || !hits.is_disjoint(&broad) {
            continue;
        }
        let same = drafts
            .iter_mut()
            .find(|d| d.stmts == hits && matches!(d.what, What::Actions(k, _) if k == kind));
        if let Some(Draft {
            what: What::Actions(_, actions),
            ..
        }) = same
        {
            actions.push(action);
        } else {
            let conditional = hits.iter().all(|i| stmts[*i].1.is_conditional());
            drafts.push(Draft {
                what: What::Actions(kind, vec![action]),
                stmts: hits,
                conditional,
            });
        }
    }
    drafts
        .into_iter()
        .map(|d| RiskyGrant {
            label: match &d.what {
                What::Admin(label) => label.clone(),
                What::Wildcards(ps) => format!("{} on any resource", ps.join(", ")),
                What::Actions(kind, actions) => {
                    format!("{} on any {}", actions.join(", "), kind.noun())
                }
            },
            admin: matches!(d.what, What::Admin(_)),
            class: match &d.what {
                What::Admin(_) => GrantClass::Admin,
                What::Wildcards(_) => GrantClass::ServiceWildcard,
                What::Actions(kind, _) => kind.class(),
            },
            conditional: d.conditional,
            statements: d
                .stmts
                .iter()
                .map(|i| (stmts[*i].0.to_string(), statement_text(stmts[*i].1)))
                .collect(),
        })
        .collect()
}

fn exempt(g: &Graph<'_>, source: &str, action: &str) -> bool {
    BASELINE_EXEMPTIONS.iter().any(|(name, actions)| {
        source == format!("arn:{}:iam::aws:policy/{name}", g.partition())
            && actions.iter().any(|a| a.eq_ignore_ascii_case(action))
    })
}

/// ARNs of made-up resources of a kind, in the scanned account and regions.
fn probes(g: &Graph<'_>, kind: Kind) -> Vec<String> {
    const NAME: &str = "eksposture-probe";
    let (p, a) = (g.partition(), g.account_id());
    let iam = |what: &str| vec![format!("arn:{p}:iam::{a}:{what}/{NAME}")];
    let mut regions = g.all_regions();
    if regions.is_empty() {
        regions.insert("us-east-1");
    }
    let regional = |svc: &str, what: &str| {
        regions
            .iter()
            .map(|r| format!("arn:{p}:{svc}:{r}:{a}:{what}"))
            .collect()
    };
    match kind {
        Kind::Role => iam("role"),
        Kind::User => iam("user"),
        Kind::Group => iam("group"),
        Kind::ManagedPolicy => iam("policy"),
        Kind::Object => vec![format!("arn:{p}:s3:::{NAME}/{NAME}")],
        Kind::Secret => regional("secretsmanager", &format!("secret:{NAME}-AbCdEf")),
        Kind::Parameter => regional("ssm", &format!("parameter/{NAME}")),
        Kind::Key => regional("kms", &format!("key/{NAME}")),
        Kind::Repository => regional("ecr", &format!("repository/{NAME}")),
    }
}

/// `Sid "X": Allow Action ["*"] on Resource ["*"] when StringEquals aws:SourceVpc`.
fn statement_text(s: &Statement) -> String {
    let mut text = s
        .sid
        .as_ref()
        .map_or_else(String::new, |sid| format!("Sid {sid:?}: "));
    let _ = match &s.action {
        ActionSpec::Action(a) => write!(text, "Allow Action {a:?}"),
        ActionSpec::NotAction(a) => write!(text, "Allow NotAction {a:?}"),
    };
    let _ = match &s.resource {
        Some(ResourceSpec::Resource(r)) => write!(text, " on Resource {r:?}"),
        Some(ResourceSpec::NotResource(r)) => write!(text, " on NotResource {r:?}"),
        None => Ok(()),
    };
    if !s.conditions.is_empty() {
        let c: Vec<String> = s
            .conditions
            .iter()
            .map(|c| format!("{} {}", c.operator, c.key))
            .collect();
        let _ = write!(text, " when {}", c.join(" and "));
    }
    text
}

#[cfg(test)]
mod tests {
    use eksposture_model::Graph;
    use serde_json::{json, Value};

    use super::{role_power, Power, RolePower};
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
        p.risky.iter().map(super::RiskyGrant::describe).collect()
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
    fn administrator_access_is_full_admin_and_hides_narrower_grants() {
        let p = power(
            &["AdministratorAccess"],
            &[],
            &managed(&[("AdministratorAccess", admin())]),
        );
        assert_eq!(p.verdict(), Power::OverBroad);
        assert!(p.is_admin());
        assert_eq!(labels(&p), ["full administrator access (* on *)"]);
        assert_eq!(
            p.risky[0].statements[0].0,
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
    }

    #[test]
    fn service_wildcards_and_sensitive_actions_are_each_reported_once() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:network-interface/*"},
            {"Effect": "Allow", "Action": ["iam:PassRole", "sts:AssumeRole"], "Resource": "arn:aws:iam::*:role/*"},
            {"Effect": "Allow", "Action": "ecr:*Upload*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:*:secret:app-*"}]});
        let p = power(&[], &[("mixed", doc)], &json!([]));
        assert_eq!(labels(&p), [
            "s3:* on any resource",
            "iam:PassRole, sts:AssumeRole on any IAM role",
            "ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload on any ECR repository (conditional)",
        ]);
    }

    #[test]
    fn unconditional_deny_cancels_a_grant() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]});
        assert_eq!(
            power(&[], &[("p", doc)], &json!([])).verdict(),
            Power::WithinBaseline
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
