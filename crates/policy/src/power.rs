//! Role power: what a role's permission policies grant beyond the EKS
//! worker-node baseline.
//!
//! A grant is judged by the documents, never by policy names. Three kinds of
//! grant are risky, each reported once with the statements behind it:
//! full administrator access; a whole-service wildcard (`iam:*`, `s3:*`, ...)
//! on every resource; and the actions of `SENSITIVE` (privilege escalation
//! and lateral movement, secrets, ECR write, ...) on every resource of their
//! type in the account.
//!
//! "Every resource of its type" is decided by asking the policy evaluator
//! about a probe ARN with a name no policy would spell out
//! (`arn:aws:iam::<account>:role/eksposture-probe`, one per scanned region
//! for regional services): `*`, `arn:aws:iam::*:role/*` and a `NotResource`
//! match it, a pattern naming specific resources does not. An unconditional
//! `Deny` that covers the probe cancels the grant.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::document::{ActionSpec, Effect, Policy, ResourceSpec, Statement};
use crate::eval::{Grant, PolicySet};

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
    /// An EC2 instance (a node, with its instance-profile role).
    Instance,
    /// An EC2 instance together with the AWS-owned `AWS-RunShellScript`
    /// document: `ssm:SendCommand` is authorized on both, so a grant limited
    /// to the holder's own documents runs no arbitrary command.
    ShellCommand,
    Function,
    Cluster,
    AccessEntry,
    PodIdentityAssociation,
    /// An ECS task of a cluster: `ecs:ExecuteCommand` is authorized on both.
    EcsTask,
    Stack,
    BuildProject,
    DevEndpoint,
    Notebook,
    Secret,
    Parameter,
    Key,
    Object,
    Repository,
}

impl Kind {
    fn class(self) -> GrantClass {
        match self {
            Kind::Secret | Kind::Parameter | Kind::Key | Kind::Object => GrantClass::DataAccess,
            Kind::Repository => GrantClass::ImageWrite,
            _ => GrantClass::PrivilegeEscalation,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Role => "IAM role",
            Kind::User => "IAM user",
            Kind::Group => "IAM group",
            Kind::ManagedPolicy => "managed policy",
            Kind::Instance | Kind::ShellCommand => "EC2 instance",
            Kind::Function => "Lambda function",
            Kind::Cluster => "EKS cluster",
            Kind::AccessEntry => "EKS access entry",
            Kind::PodIdentityAssociation => "EKS Pod Identity association",
            Kind::EcsTask => "ECS task",
            Kind::Stack => "CloudFormation stack",
            Kind::BuildProject => "CodeBuild project",
            Kind::DevEndpoint => "Glue development endpoint",
            Kind::Notebook => "SageMaker notebook instance",
            Kind::Secret => "secret",
            Kind::Parameter => "SSM parameter",
            Kind::Key => "KMS key",
            Kind::Object => "S3 object",
            Kind::Repository => "ECR repository",
        }
    }
}

/// An action beyond the worker-node baseline when granted on every resource
/// of its type, and why it matters.
struct Sensitive {
    action: &'static str,
    kind: Kind,
    why: &'static str,
}

const fn sensitive(action: &'static str, kind: Kind, why: &'static str) -> Sensitive {
    Sensitive { action, kind, why }
}

/// The one list of risky grants every role check uses: privilege escalation
/// and lateral movement (becoming or running code as another principal),
/// credential and data reads, image writes.
///
/// Sources: Rhino Security Labs' IAM privilege-escalation methods, PMapper's
/// edges, Cloudsplaining's privilege-escalation list and pathfinding.cloud's
/// paths (`existing-passrole` paths need no `iam:PassRole`: the resource
/// already runs as a role). Paths that need `iam:PassRole` plus a launch
/// action (`ec2:RunInstances`, `lambda:CreateFunction`,
/// `cloudformation:CreateStack`, `glue:CreateDevEndpoint`, `ecs:RunTask`,
/// `eks:CreateNodegroup`, ...) are reported through `iam:PassRole` on any
/// role: the launch action alone passes no role. Nor are paths that need
/// several actions of which none alone is a path (`ec2:ModifyInstanceAttribute`
/// user data takes `ec2:StopInstances` and `ec2:StartInstances` too).
/// `eks:UpdateClusterConfig`
/// is not here: it changes endpoint access, logging and the authentication
/// mode, not who holds which identity (the endpoint and logging checks judge
/// its effects), and moving to `API` access entries grants nobody access.
const SENSITIVE: &[Sensitive] = &[
    sensitive("iam:PassRole", Kind::Role, "hands any role to a new instance, function, stack, task or Pod Identity association, which then runs as it"),
    sensitive("iam:CreateRole", Kind::Role, "creates roles the holder can trust itself in"),
    sensitive("iam:AttachRolePolicy", Kind::Role, "attaches any managed policy (AdministratorAccess) to a role"),
    sensitive("iam:PutRolePolicy", Kind::Role, "writes any inline policy on a role"),
    sensitive("iam:UpdateAssumeRolePolicy", Kind::Role, "rewrites a role's trust to let the holder assume it"),
    sensitive("iam:DeleteRolePermissionsBoundary", Kind::Role, "lifts the permissions boundary that caps a role"),
    sensitive("iam:PutRolePermissionsBoundary", Kind::Role, "swaps the permissions boundary that caps a role for a looser one"),
    sensitive("sts:AssumeRole", Kind::Role, "assumes every role whose trust admits the holder's account"),
    sensitive("iam:CreateAccessKey", Kind::User, "mints long-lived keys for other users"),
    sensitive("iam:CreateLoginProfile", Kind::User, "sets a console password for users that have none"),
    sensitive("iam:UpdateLoginProfile", Kind::User, "resets other users' console passwords"),
    sensitive("iam:AttachUserPolicy", Kind::User, "attaches any managed policy to a user"),
    sensitive("iam:PutUserPolicy", Kind::User, "writes any inline policy on a user"),
    sensitive("iam:DeleteUserPermissionsBoundary", Kind::User, "lifts the permissions boundary that caps a user"),
    sensitive("iam:PutUserPermissionsBoundary", Kind::User, "swaps the permissions boundary that caps a user for a looser one"),
    sensitive("iam:AttachGroupPolicy", Kind::Group, "attaches any managed policy to a group"),
    sensitive("iam:PutGroupPolicy", Kind::Group, "writes any inline policy on a group"),
    sensitive("iam:AddUserToGroup", Kind::Group, "adds a user to a more privileged group"),
    sensitive("iam:CreatePolicyVersion", Kind::ManagedPolicy, "rewrites customer managed policies (a new version can be made the default)"),
    sensitive("iam:SetDefaultPolicyVersion", Kind::ManagedPolicy, "reverts a managed policy to an older, broader version"),
    sensitive("eks:CreateAccessEntry", Kind::Cluster, "gives any IAM principal an access entry, and so Kubernetes access, to any cluster"),
    sensitive("eks:CreatePodIdentityAssociation", Kind::Cluster, "binds a Pod Identity role to a service account the holder runs pods as"),
    sensitive("eks:AssociateAccessPolicy", Kind::AccessEntry, "associates AmazonEKSClusterAdminPolicy with an access entry: cluster admin"),
    sensitive("eks:UpdateAccessEntry", Kind::AccessEntry, "changes the Kubernetes groups an access entry maps to"),
    sensitive("eks:UpdatePodIdentityAssociation", Kind::PodIdentityAssociation, "re-points an existing association to another role or target role"),
    sensitive("ssm:SendCommand", Kind::ShellCommand, "runs shell commands as root on any instance, and so takes its role"),
    sensitive("ssm:StartSession", Kind::Instance, "opens a shell on any instance, and so takes its role"),
    sensitive("ec2-instance-connect:SendSSHPublicKey", Kind::Instance, "pushes an SSH key to any instance, and so takes its role"),
    sensitive("ec2-instance-connect:SendSerialConsoleSSHPublicKey", Kind::Instance, "opens the serial console of any instance"),
    sensitive("lambda:UpdateFunctionCode", Kind::Function, "replaces a function's code, which then runs as its execution role"),
    sensitive("lambda:UpdateFunctionConfiguration", Kind::Function, "adds a layer or environment that runs the holder's code as the function's role"),
    sensitive("ecs:ExecuteCommand", Kind::EcsTask, "opens a shell in any running container, with its task role"),
    sensitive("cloudformation:UpdateStack", Kind::Stack, "makes a stack's service role create whatever the holder's template says"),
    sensitive("codebuild:StartBuild", Kind::BuildProject, "overrides a project's buildspec, run as its service role"),
    sensitive("codebuild:StartBuildBatch", Kind::BuildProject, "overrides a project's buildspec, run as its service role"),
    sensitive("glue:UpdateDevEndpoint", Kind::DevEndpoint, "adds an SSH key to a development endpoint, which runs as its role"),
    sensitive("sagemaker:CreatePresignedNotebookInstanceUrl", Kind::Notebook, "opens a notebook instance's Jupyter, which runs as its role"),
    sensitive("secretsmanager:GetSecretValue", Kind::Secret, "reads every secret"),
    sensitive("ssm:GetParameter", Kind::Parameter, "reads every parameter, SecureString ones included"),
    sensitive("ssm:GetParameters", Kind::Parameter, "reads every parameter, SecureString ones included"),
    sensitive("ssm:GetParametersByPath", Kind::Parameter, "reads every parameter, SecureString ones included"),
    sensitive("kms:Decrypt", Kind::Key, "decrypts with every key whose key policy delegates to IAM"),
    sensitive("s3:GetObject", Kind::Object, "reads every object of every bucket"),
    sensitive("ecr:PutImage", Kind::Repository, "pushes images that nodes then pull and run"),
    sensitive("ecr:InitiateLayerUpload", Kind::Repository, "pushes images that nodes then pull and run"),
    sensitive("ecr:UploadLayerPart", Kind::Repository, "pushes images that nodes then pull and run"),
    sensitive("ecr:CompleteLayerUpload", Kind::Repository, "pushes images that nodes then pull and run"),
    sensitive("ecr:BatchDeleteImage", Kind::Repository, "deletes the images workloads run"),
    sensitive("ecr:DeleteRepository", Kind::Repository, "deletes repositories workloads pull from"),
    sensitive("ecr:SetRepositoryPolicy", Kind::Repository, "opens any repository to other accounts or the public"),
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
    /// Becoming or running code as another principal: IAM writes,
    /// `iam:PassRole` or `sts:AssumeRole` on every role, user, group or
    /// managed policy; the EKS access API on every cluster; commands, shells
    /// or code on every instance, container, function, stack or build.
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
    /// Why each action of the grant matters, `; `-separated; empty for
    /// admin and service wildcards, which say it themselves.
    pub why: String,
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
}

/// The account a role lives in: the partition and account of the probe ARNs
/// and of the AWS-managed policy ARNs, and the regions probed for regional
/// services (`us-east-1` when none is given).
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub partition: &'a str,
    pub id: &'a str,
    pub regions: &'a BTreeSet<&'a str>,
}

/// A role's permission policy (or permissions boundary), labelled by its
/// source (a managed policy ARN or `inline:<name>`), or why it could not be read.
pub type ReadPolicy = (String, Result<Policy, String>);

/// Analyses every permission policy of a role, and its permissions boundary.
pub fn role_power(
    account: &Account<'_>,
    policies: impl IntoIterator<Item = ReadPolicy>,
    boundary: Option<ReadPolicy>,
) -> RolePower {
    let mut power = RolePower::default();
    let mut set = PolicySet::new();
    for (source, read) in policies {
        match read {
            Ok(policy) => {
                power.read.push(source.clone());
                set.add(source, policy);
            }
            Err(reason) => power.unreadable.push(Unreadable { source, reason }),
        }
    }
    let boundary = boundary.and_then(|(source, read)| match read {
        Ok(policy) => Some([(source, policy)].into_iter().collect::<PolicySet>()),
        Err(reason) => {
            power.boundary_unreadable = Some(Unreadable { source, reason });
            None
        }
    });
    power.risky = risky_grants(account, &set, boundary.as_ref());
    power
}

/// What a draft grant is about, before it becomes a label.
enum What {
    Admin(String),
    Wildcards(Vec<String>),
    Actions(Kind, Vec<&'static Sensitive>),
}

struct Draft {
    what: What,
    /// Indexes into the policy set's statements.
    stmts: BTreeSet<usize>,
    conditional: bool,
}

fn risky_grants(
    account: &Account<'_>,
    set: &PolicySet,
    boundary: Option<&PolicySet>,
) -> Vec<RiskyGrant> {
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
    for entry in SENSITIVE {
        let (action, kind) = (entry.action, entry.kind);
        let mut hits = BTreeSet::new();
        for resources in probes(account, kind) {
            let allowed = resources.iter().all(|probe| {
                set.allows(action, probe).may_allow()
                    && boundary.is_none_or(|b| b.allows(action, probe).may_allow())
            });
            if !allowed {
                continue;
            }
            hits.extend(stmts.iter().enumerate().filter_map(|(i, (src, s))| {
                let grants = s.effect == Effect::Allow
                    && s.matches_action(action)
                    && resources.iter().any(|probe| s.matches_resource(probe));
                (grants && !exempt(account, src, action)).then_some(i)
            }));
        }
        if hits.is_empty() || !hits.is_disjoint(&broad) {
            continue;
        }
        // Actions on the same kind of resource granted by the same
        // statements read as one grant.
        let same = drafts.iter_mut().find(|d| {
            d.stmts == hits && matches!(&d.what, What::Actions(k, _) if k.noun() == kind.noun())
        });
        if let Some(Draft {
            what: What::Actions(_, actions),
            ..
        }) = same
        {
            actions.push(entry);
        } else {
            let conditional = hits.iter().all(|i| stmts[*i].1.is_conditional());
            drafts.push(Draft {
                what: What::Actions(kind, vec![entry]),
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
                    let names: Vec<&str> = actions.iter().map(|a| a.action).collect();
                    format!("{} on any {}", names.join(", "), kind.noun())
                }
            },
            admin: matches!(d.what, What::Admin(_)),
            class: match &d.what {
                What::Admin(_) => GrantClass::Admin,
                What::Wildcards(_) => GrantClass::ServiceWildcard,
                What::Actions(kind, _) => kind.class(),
            },
            conditional: d.conditional,
            why: match &d.what {
                What::Admin(_) | What::Wildcards(_) => String::new(),
                What::Actions(_, actions) => {
                    let mut why: Vec<&str> = Vec::new();
                    for a in actions {
                        if !why.contains(&a.why) {
                            why.push(a.why);
                        }
                    }
                    why.join("; ")
                }
            },
            statements: d
                .stmts
                .iter()
                .map(|i| (stmts[*i].0.to_string(), statement_text(stmts[*i].1)))
                .collect(),
        })
        .collect()
}

fn exempt(account: &Account<'_>, source: &str, action: &str) -> bool {
    BASELINE_EXEMPTIONS.iter().any(|(name, actions)| {
        source == format!("arn:{}:iam::aws:policy/{name}", account.partition)
            && actions.iter().any(|a| a.eq_ignore_ascii_case(action))
    })
}

/// ARNs of made-up resources of a kind, in the account and its regions: one
/// set per region, each of whose ARNs the action must be allowed on (an
/// action authorized on two resources, like `ssm:SendCommand` on the
/// instance and the document, is granted only when both are allowed).
fn probes(account: &Account<'_>, kind: Kind) -> Vec<Vec<String>> {
    const NAME: &str = "eksposture-probe";
    // Instance ids read `i-<hex>`: a pattern like `instance/i-*` means every
    // instance, so the probe keeps the prefix.
    const INSTANCE: &str = "i-0e5c0e5c0e5c0e5c0";
    const UUID: &str = "e5c0e5c0-0000-4000-8000-e5c0e5c0e5c0";
    let (p, a) = (account.partition, account.id);
    let iam = |what: &str| vec![vec![format!("arn:{p}:iam::{a}:{what}/{NAME}")]];
    let default = BTreeSet::from(["us-east-1"]);
    let regions = if account.regions.is_empty() {
        &default
    } else {
        account.regions
    };
    let regional = |resources: &[(&str, &str)]| -> Vec<Vec<String>> {
        regions
            .iter()
            .map(|r| {
                resources
                    .iter()
                    .map(|(svc, what)| format!("arn:{p}:{svc}:{r}:{a}:{what}"))
                    .collect()
            })
            .collect()
    };
    let instance = format!("instance/{INSTANCE}");
    match kind {
        Kind::Role => iam("role"),
        Kind::User => iam("user"),
        Kind::Group => iam("group"),
        Kind::ManagedPolicy => iam("policy"),
        Kind::Object => vec![vec![format!("arn:{p}:s3:::{NAME}/{NAME}")]],
        Kind::Instance => regional(&[("ec2", &instance)]),
        // AWS-owned documents have no account in their ARN.
        Kind::ShellCommand => regions
            .iter()
            .map(|r| {
                vec![
                    format!("arn:{p}:ec2:{r}:{a}:{instance}"),
                    format!("arn:{p}:ssm:{r}::document/AWS-RunShellScript"),
                ]
            })
            .collect(),
        Kind::Function => regional(&[("lambda", &format!("function:{NAME}"))]),
        Kind::Cluster => regional(&[("eks", &format!("cluster/{NAME}"))]),
        Kind::AccessEntry => regional(&[(
            "eks",
            &format!("access-entry/{NAME}/role/{a}/{NAME}/{UUID}"),
        )]),
        Kind::PodIdentityAssociation => {
            regional(&[("eks", &format!("podidentityassociation/{NAME}/a-{NAME}"))])
        }
        Kind::EcsTask => regional(&[
            ("ecs", &format!("cluster/{NAME}")),
            ("ecs", &format!("task/{NAME}/{}", UUID.replace('-', ""))),
        ]),
        Kind::Stack => regional(&[("cloudformation", &format!("stack/{NAME}/{UUID}"))]),
        Kind::BuildProject => regional(&[("codebuild", &format!("project/{NAME}"))]),
        Kind::DevEndpoint => regional(&[("glue", &format!("devEndpoint/{NAME}"))]),
        Kind::Notebook => regional(&[("sagemaker", &format!("notebook-instance/{NAME}"))]),
        Kind::Secret => regional(&[("secretsmanager", &format!("secret:{NAME}-AbCdEf"))]),
        Kind::Parameter => regional(&[("ssm", &format!("parameter/{NAME}"))]),
        Kind::Key => regional(&[("kms", &format!("key/{NAME}"))]),
        Kind::Repository => regional(&[("ecr", &format!("repository/{NAME}"))]),
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
mod tests;
