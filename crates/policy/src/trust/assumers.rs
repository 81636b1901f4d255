//! Every way a role's trust policy lets someone act as the role, judged by
//! who that someone is: `sts:AssumeRole` by AWS principals and services,
//! `sts:AssumeRoleWithWebIdentity` by OIDC identities (GitHub Actions, an
//! EKS cluster's service accounts, any other provider) and
//! `sts:AssumeRoleWithSAML` by a SAML identity provider's users.
//!
//! Each grant is [`Assumer::Named`] (the trust names who: principals of the
//! account, one repository, one service account, the users a SAML IdP maps
//! to the role), [`Assumer::Broad`] (more than named principals: an account,
//! anyone, another account, every repository or service account that
//! matches a pattern, code run by a compute service) or
//! [`Assumer::Unjudged`] (a grant whose holders eksposture cannot tell).
//! `Deny` statements are not considered: a trust policy is rarely written
//! with them, and leaving them out can only make a grant look wider.

use eksposture_model::wildcard::has_wildcard;

use super::irsa::{federated_trusts, oidc_provider_of, SubjectScope};
use super::pod_identity::{pod_identity_trusts, POD_IDENTITY_SERVICE};
use crate::document::{Condition, Effect, Policy, Principal, PrincipalSpec, Statement};
use crate::principals::account_of;

const ASSUME_ROLE: &str = "sts:AssumeRole";
const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";
const SAML: &str = "sts:AssumeRoleWithSAML";

/// GitHub Actions' OIDC issuer (github.com; GitHub Enterprise Server
/// issuers are other hosts and are judged as generic providers).
pub const GITHUB_ACTIONS: &str = "token.actions.githubusercontent.com";

/// Condition keys that pin the caller to named principals: a statement open
/// to a whole account (or `*`) but conditioned on one of these, with exact
/// values, admits only those principals.
const PINNING_KEYS: [&str; 3] = ["aws:principalarn", "aws:userid", "aws:username"];

/// Services that give the role's credentials to code the customer controls,
/// or act with them on requests the customer writes: whoever can run code
/// there (or pass the role to a new such resource, `iam:PassRole`) acts as
/// the role, and the trust policy names none of them. Step Functions is here
/// because its `eks:call` task calls a cluster's Kubernetes API as the role;
/// SSM because Automation's `aws:executeScript` runs code with it.
const CODE_RUNNING_SERVICES: [(&str, &str); 11] = [
    ("ec2", "every process on an EC2 instance with its instance profile (pods included, through the instance metadata service), and whoever can launch an instance with that profile"),
    ("lambda", "the code of every Lambda function that runs as it, and whoever can create or update such a function"),
    ("ecs-tasks", "every ECS task and AWS Batch job that runs as it, and whoever can register a task definition with it"),
    ("codebuild", "every CodeBuild build that runs as it, and whoever can change such a project's buildspec or source"),
    ("glue", "every Glue job that runs as it, and whoever can change such a job's script"),
    ("sagemaker", "every SageMaker notebook, job and endpoint that runs as it, and whoever can create one"),
    ("states", "every Step Functions state machine that runs as it (its eks:call task reaches the Kubernetes API), and whoever can define one"),
    ("ssm", "every Systems Manager Automation runbook that runs as it (aws:executeScript runs code with its credentials), and whoever can start one"),
    ("tasks.apprunner", "every App Runner service that runs as it, and whoever can deploy one"),
    ("airflow-env", "every Amazon MWAA (Airflow) environment that runs as it, and whoever can change its DAGs"),
    ("scheduler", "every EventBridge Scheduler schedule that runs as it, and whoever can create one"),
];

/// Services that use the role only for their own fixed operations: the EKS
/// control plane (cluster role) and Fargate's kubelet (pod execution role).
/// No customer code ever holds these credentials.
const FIXED_USE_SERVICES: [&str; 2] = ["eks", "eks-fargate-pods"];

/// One way of acting as a role, and who it admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assumer {
    /// The trust names who: the text says whom.
    Named(String),
    /// More than named principals: the text says who.
    Broad(String),
    /// eksposture cannot tell who: the text says why.
    Unjudged(String),
}

/// Every grant of `trust`, in statement order. `own_account` tells the
/// account's principals from another account's.
pub fn assumers(trust: &Policy, own_account: &str) -> Vec<Assumer> {
    let mut out = Vec::new();
    for s in &trust.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        let assume_role = s.matches_action(ASSUME_ROLE);
        let any_action = assume_role || s.matches_action(WEB_IDENTITY) || s.matches_action(SAML);
        match &s.principal {
            Some(PrincipalSpec::NotPrincipal(_)) if any_action => {
                out.push(aws_grant(
                    s,
                    "every principal but those of its NotPrincipal".into(),
                ));
            }
            Some(PrincipalSpec::Principal(Principal::Any)) if any_action => {
                out.push(aws_grant(
                    s,
                    "any AWS principal (\"Principal\": \"*\")".into(),
                ));
            }
            Some(PrincipalSpec::Principal(Principal::Specific(p))) => {
                if assume_role {
                    out.extend(p.aws.iter().map(|a| aws_principal(s, a, own_account)));
                    out.extend(p.service.iter().map(|svc| service(trust, svc)));
                }
                for f in &p.federated {
                    out.extend(federated(trust, s, f));
                }
            }
            _ => {}
        }
    }
    // Pod Identity and IRSA scopes are read from the whole policy, once
    // per statement naming them.
    let mut seen = Vec::new();
    out.retain(|a| {
        let new = !seen.contains(a);
        if new {
            seen.push(a.clone());
        }
        new
    });
    out
}

/// The grants of `assumers` beyond named principals, as text.
pub fn broad(assumers: &[Assumer]) -> Vec<&str> {
    assumers
        .iter()
        .filter_map(|a| match a {
            Assumer::Broad(who) => Some(who.as_str()),
            _ => None,
        })
        .collect()
}

fn aws_principal(s: &Statement, principal: &str, own_account: &str) -> Assumer {
    if principal == "*" {
        return aws_grant(s, "any AWS principal (\"AWS\": \"*\")".into());
    }
    if let Some(account) = account_of(principal) {
        let whose = if account == own_account {
            "its own account"
        } else {
            "another account"
        };
        return aws_grant(s, format!("every principal of account {account} ({whose})"));
    }
    // IAM rewrites the principal of a deleted user or role to its unique id
    // (AIDA.../AROA...): nobody can use that grant any more.
    if !principal.starts_with("arn:") {
        return Assumer::Named(format!("the deleted principal {principal}"));
    }
    match eksposture_model::arn::parse(principal) {
        Some(arn) if arn.account != own_account => Assumer::Broad(format!(
            "{principal} of another account ({}), whose own trust and policies that account controls",
            arn.account
        )),
        _ => Assumer::Named(principal.to_string()),
    }
}

/// A grant to an account, to anyone, or to all but some: broad unless the
/// statement pins `aws:PrincipalArn`, `aws:userid` or `aws:username` to
/// exact values, which names the principals. Other conditions (MFA, source
/// IP, organization) are named but do not narrow who.
fn aws_grant(s: &Statement, who: String) -> Assumer {
    if let Some(pin) = s.conditions.iter().find(|c| pins_principal(c)) {
        return Assumer::Named(format!("the principals {} names", pin.key));
    }
    let mut keys: Vec<&str> = s.conditions.iter().map(|c| c.key.as_str()).collect();
    keys.dedup();
    if keys.is_empty() {
        Assumer::Broad(who)
    } else {
        Assumer::Broad(format!(
            "{who} (conditions on {} do not narrow who)",
            keys.join(", ")
        ))
    }
}

fn pins_principal(c: &Condition) -> bool {
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
        && c.values.iter().all(|v| !has_wildcard(v))
}

/// `ec2.amazonaws.com` (`.com.cn` in China) -> `ec2`.
fn service_name(principal: &str) -> &str {
    let p = principal.trim();
    p.strip_suffix(".amazonaws.com")
        .or_else(|| p.strip_suffix(".amazonaws.com.cn"))
        .unwrap_or(p)
}

fn service(trust: &Policy, principal: &str) -> Assumer {
    let name = service_name(principal);
    if principal.eq_ignore_ascii_case(POD_IDENTITY_SERVICE) {
        return pod_identity(trust);
    }
    if let Some((_, who)) = CODE_RUNNING_SERVICES
        .iter()
        .find(|(svc, _)| svc.eq_ignore_ascii_case(name))
    {
        return Assumer::Broad(format!("{who} (service principal {principal})"));
    }
    if FIXED_USE_SERVICES
        .iter()
        .any(|svc| svc.eq_ignore_ascii_case(name))
    {
        return Assumer::Named(format!(
            "the {principal} service, for its own operations only"
        ));
    }
    Assumer::Unjudged(format!(
        "the service {principal}, whose users eksposture cannot tell"
    ))
}

/// Pod Identity: the pods of one named service account, or (scoped to
/// nothing or to a whole cluster) every pod an association maps to the
/// role, associations being created by whoever holds
/// `eks:CreatePodIdentityAssociation` and `iam:PassRole`.
fn pod_identity(trust: &Policy) -> Assumer {
    let scopes = pod_identity_trusts(trust);
    let named = !scopes.is_empty()
        && scopes
            .iter()
            .all(|s| s.namespace.is_some() && s.service_account.is_some());
    if named {
        let which: Vec<String> = scopes
            .iter()
            .map(super::pod_identity::PodTrustScope::describe)
            .collect();
        Assumer::Named(format!(
            "the pods of the service accounts its Pod Identity trust names ({})",
            which.join("; ")
        ))
    } else {
        Assumer::Broad(format!(
            "every pod that a Pod Identity association maps to it, and whoever can create such an association (service principal {POD_IDENTITY_SERVICE}, not scoped to one service account)"
        ))
    }
}

fn federated(trust: &Policy, s: &Statement, principal: &str) -> Vec<Assumer> {
    if principal.contains(":saml-provider/") {
        if !s.matches_action(SAML) {
            return Vec::new();
        }
        let name = principal
            .rsplit_once(":saml-provider/")
            .map_or(principal, |(_, n)| n);
        // The IdP decides who gets the role (its assertion lists the role
        // ARN): IAM Identity Center's AWSSSO_* providers map the users and
        // groups assigned a permission set in this account.
        let who = if name.starts_with("AWSSSO_") {
            format!("the users and groups IAM Identity Center assigns its permission set (SAML provider {name})")
        } else {
            format!("the users SAML identity provider {name} maps to it")
        };
        return vec![Assumer::Named(who)];
    }
    if !s.matches_action(WEB_IDENTITY) {
        return Vec::new();
    }
    let Some(provider) = oidc_provider_of(principal).or_else(|| {
        // Cognito, Google, Login with Amazon and Facebook are trusted by
        // name, not by an IAM OIDC provider ARN.
        (!principal.starts_with("arn:")).then_some(principal)
    }) else {
        return vec![Assumer::Unjudged(format!(
            "the federated principal {principal}, which eksposture does not recognise"
        ))];
    };
    if is_eks_issuer(provider) {
        return eks_service_accounts(trust, principal, provider);
    }
    let subjects = subject_patterns(s, provider);
    // GitHub Enterprise Cloud's issuer adds the enterprise as a path; its
    // subjects read the same.
    let host = provider.split('/').next().unwrap_or(provider);
    if host.eq_ignore_ascii_case(GITHUB_ACTIONS) {
        return vec![github(&subjects)];
    }
    vec![generic_oidc(provider, &subjects)]
}

/// `oidc.eks.<region>.amazonaws.com/id/<ID>` (any partition's domain).
fn is_eks_issuer(provider: &str) -> bool {
    provider
        .split_once('/')
        .is_some_and(|(host, path)| host.starts_with("oidc.eks.") && path.starts_with("id/"))
}

/// Another (or this) cluster's IRSA trust: the `:sub` scope as the IRSA
/// checks read it.
fn eks_service_accounts(trust: &Policy, principal: &str, provider: &str) -> Vec<Assumer> {
    federated_trusts(trust)
        .into_iter()
        .filter(|t| t.provider_arn == principal)
        .map(|t| match &t.subject {
            SubjectScope::Wildcard { pattern } => Assumer::Broad(format!(
                "every service account matching {pattern:?} of the EKS cluster whose OIDC issuer is {provider}"
            )),
            SubjectScope::Unconstrained => Assumer::Broad(format!(
                "every service account of the EKS cluster whose OIDC issuer is {provider} (no {provider}:sub condition)"
            )),
            scope if scope.is_scoped() => Assumer::Named(format!(
                "the service accounts of the EKS cluster whose OIDC issuer is {provider} that its {provider}:sub condition names"
            )),
            _ => Assumer::Broad(format!(
                "service accounts of the EKS cluster whose OIDC issuer is {provider} that no exact {provider}:sub condition names"
            )),
        })
        .collect()
}

/// The value sets of the statement's positive string conditions on
/// `<provider>:sub`, one per condition (IAM ANDs them; a set's values are
/// ORed). The provider's tokens always carry `sub`, so an `...IfExists`
/// operator on it tests it like its base operator.
fn subject_patterns<'s>(s: &'s Statement, provider: &str) -> Vec<&'s [String]> {
    let key = format!("{provider}:sub");
    s.conditions
        .iter()
        .filter(|c| c.key.eq_ignore_ascii_case(&key) && !c.values.is_empty())
        .filter(|c| {
            ["StringEquals", "StringEqualsIgnoreCase", "StringLike"]
                .iter()
                .any(|op| c.base_operator().eq_ignore_ascii_case(op))
        })
        .map(|c| c.values.as_slice())
        .collect()
}

/// GitHub Actions' `sub` is `repo:<owner>/<repo>:<context>` (a branch, tag,
/// environment or `pull_request`). A pattern that fixes owner and repository
/// names one repository's workflows; one with a wildcard in either admits
/// every repository it matches, on all of GitHub when the owner is open
/// (`repo:*`, `*`). Without a `sub` condition any workflow of any
/// repository can assume the role: `aud` is chosen by the workflow and
/// narrows nothing. A subject customised away from `repo:` (GitHub's OIDC
/// subject customisation) is not judged.
fn github(subjects: &[&[String]]) -> Assumer {
    if subjects.is_empty() {
        return Assumer::Broad(format!(
            "any GitHub Actions workflow of any repository on GitHub (no {GITHUB_ACTIONS}:sub condition)"
        ));
    }
    // The ANDed conditions admit no more than the narrowest of them.
    if let Some(set) = subjects
        .iter()
        .find(|set| set.iter().all(|v| github_repository(v).is_some()))
    {
        let mut repos: Vec<&str> = set.iter().filter_map(|v| github_repository(v)).collect();
        repos.sort_unstable();
        repos.dedup();
        let noun = if repos.len() == 1 {
            "repository"
        } else {
            "repositories"
        };
        return Assumer::Named(format!(
            "GitHub Actions workflows of {noun} {}",
            repos.join(", ")
        ));
    }
    let values: Vec<&str> = subjects
        .iter()
        .flat_map(|set| set.iter().map(String::as_str))
        .collect();
    let reach: Vec<Option<&str>> = values.iter().map(|v| github_reach(v)).collect();
    if reach.contains(&None) {
        return Assumer::Unjudged(format!(
            "GitHub Actions workflows whose token subject matches {values:?}, a subject format eksposture cannot read"
        ));
    }
    let scope = if reach.contains(&Some(ANY_REPOSITORY)) {
        ANY_REPOSITORY
    } else {
        "several repositories"
    };
    Assumer::Broad(format!(
        "GitHub Actions workflows of {scope} ({GITHUB_ACTIONS}:sub {values:?})"
    ))
}

const ANY_REPOSITORY: &str = "any repository on GitHub";

/// `owner/repo` when a `sub` value admits one repository only.
fn github_repository(subject: &str) -> Option<&str> {
    let rest = subject.strip_prefix("repo:")?;
    let repo = rest.split_once(':').map_or(rest, |(repo, _)| repo);
    let (owner, name) = repo.split_once('/')?;
    let named = |p: &str| !p.is_empty() && !has_wildcard(p);
    // Without a `:` after the repository, a wildcard-free value is exact
    // and a wildcard one (`repo:o/r*`) spills into other repositories.
    let closed = rest.contains(':') || !has_wildcard(rest);
    (named(owner) && named(name) && closed).then_some(repo)
}

/// How far a `sub` value that names no single repository reaches: any
/// repository when the text before its first wildcard could still be
/// followed by any owner, several when it starts `repo:` with an owner;
/// `None` for another subject format.
fn github_reach(subject: &str) -> Option<&'static str> {
    let head = subject.split(['*', '?']).next().unwrap_or(subject);
    let owner_open = "repo:".starts_with(head)
        || head
            .strip_prefix("repo:")
            .is_some_and(|r| !r.contains('/') && has_wildcard(subject));
    if owner_open {
        Some(ANY_REPOSITORY)
    } else if subject.starts_with("repo:") {
        Some("several repositories")
    } else {
        None
    }
}

/// Any other OIDC provider (Cognito, Google, GitLab, an IdP of the
/// customer's): exact `sub` values name identities; no `sub` condition, or
/// a pattern that matches every subject, admits every identity the provider
/// issues a token to (an `aud` condition only picks the application, whose
/// every user it still admits). Other patterns depend on a subject format
/// eksposture does not know: not judged.
fn generic_oidc(provider: &str, subjects: &[&[String]]) -> Assumer {
    if subjects
        .iter()
        .any(|set| set.iter().all(|v| !has_wildcard(v)))
    {
        return Assumer::Named(format!(
            "the identities of OIDC provider {provider} that its {provider}:sub condition names"
        ));
    }
    if subjects.is_empty() {
        return Assumer::Broad(format!(
            "every identity OIDC provider {provider} issues a token to (no {provider}:sub condition)"
        ));
    }
    let values: Vec<&str> = subjects
        .iter()
        .flat_map(|set| set.iter().map(String::as_str))
        .collect();
    let everything = |v: &&str| v.chars().all(|c| c == '*') && v.contains('*');
    if values.iter().any(everything) {
        Assumer::Broad(format!(
            "every identity OIDC provider {provider} issues a token to ({provider}:sub {values:?})"
        ))
    } else {
        Assumer::Unjudged(format!(
            "the identities of OIDC provider {provider} whose subject matches {values:?}, a subject format eksposture cannot read"
        ))
    }
}

#[cfg(test)]
mod tests;
