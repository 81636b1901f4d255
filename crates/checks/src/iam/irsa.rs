//! IRSA: which clusters an IAM OIDC provider serves, and which roles trust it.

use std::collections::BTreeMap;

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::Findings;
use eksposture_model::graph::{ClusterView, Lookup};
use eksposture_model::{Evidence, Gap, Graph, OidcProvider, Role};
use eksposture_policy::trust::irsa::provider_trusts;
use eksposture_policy::{FederatedTrust, SubjectScope};

/// An IAM OIDC provider and the clusters whose issuer it registers. Several
/// clusters can share one issuer (moto gives every cluster of a region the
/// same one), so findings about a role name all of them.
pub struct IrsaProvider<'a> {
    pub provider: &'a OidcProvider,
    pub clusters: Vec<ClusterView<'a>>,
}

impl IrsaProvider<'_> {
    /// `prod (us-east-1), dev (us-east-1)`.
    pub fn cluster_names(&self) -> String {
        let names: Vec<String> = self
            .clusters
            .iter()
            .map(|c| format!("{} ({})", c.cluster.name, c.region))
            .collect();
        names.join(", ")
    }

    /// The clusters, then the provider.
    pub fn evidence(&self) -> Vec<Evidence> {
        let mut ev: Vec<Evidence> = self.clusters.iter().map(cluster_evidence).collect();
        ev.push(Evidence::new(
            "AwsIamOidcProvider",
            &self.provider.arn,
            format!("IAM OIDC provider for {}", self.provider.url),
        ));
        ev
    }
}

/// The clusters' IAM OIDC providers, keyed by provider ARN. Emits an unknown
/// finding for each region whose clusters could not be listed and for each
/// cluster whose issuer, or the account's provider list, could not be read.
/// A cluster whose issuer has no provider has no IRSA roles and is left out.
pub fn irsa_providers<'a>(
    g: &Graph<'a>,
    out: &mut Findings,
) -> BTreeMap<&'a str, IrsaProvider<'a>> {
    let mut providers: BTreeMap<&str, IrsaProvider<'_>> = BTreeMap::new();
    for_each_cluster_config(g, out, |out, c, config| {
        let ev = vec![cluster_evidence(&c)];
        let Some(issuer) = config.oidc_issuer.as_deref() else {
            let msg = format!(
                "DescribeCluster returned no OIDC issuer for cluster {}",
                c.cluster.name
            );
            out.unknown_because(cluster_ref(&c), msg, ev);
            return;
        };
        match g.oidc_provider_for_issuer(issuer) {
            Lookup::Found(provider) => providers
                .entry(provider.arn.as_str())
                .or_insert(IrsaProvider {
                    provider,
                    clusters: Vec::new(),
                })
                .clusters
                .push(c),
            Lookup::Unknown(gap) => {
                out.unknown(cluster_ref(&c), "the account's IAM OIDC providers", gap, ev);
            }
            Lookup::Missing => {}
        }
    });
    providers
}

/// What a role's trust policy says about a set of providers.
pub enum TrustRead<'a> {
    /// The `Allow` web-identity statements for one of the providers (none for
    /// a role that is not an IRSA role of these clusters).
    Trusts(Vec<FederatedTrust>),
    /// The trust policy could not be read: the role may trust a provider.
    Unknown(&'a Gap),
    /// The trust policy names a provider but cannot be parsed.
    Unparsable(String),
}

pub fn irsa_trusts<'a>(
    role: &'a Role,
    providers: &BTreeMap<&str, IrsaProvider<'_>>,
) -> TrustRead<'a> {
    let doc = match role.trust_policy.as_result() {
        Ok(doc) => doc,
        Err(gap) => return TrustRead::Unknown(gap),
    };
    let arns: Vec<&str> = providers.keys().copied().collect();
    match provider_trusts(doc, &arns) {
        Ok(trusts) => TrustRead::Trusts(trusts),
        Err(e) => TrustRead::Unparsable(e.to_string()),
    }
}

/// Who a web-identity trust admits, for messages: its `:sub` scope, and the
/// conditions on another issuer's claims that restrict nothing.
pub fn describe_trust(trust: &FederatedTrust) -> String {
    let scope = describe_scope(&trust.subject, trust.audience_restricted_to_sts);
    if trust.vacuous.is_empty() || trust.subject.is_scoped() {
        return scope;
    }
    let (these, name) = if trust.vacuous.len() == 1 {
        ("it names", "a claim")
    } else {
        ("they name", "claims")
    };
    format!(
        "{scope}; {} restricts nothing: {these} {name} of another issuer, absent from this provider's tokens",
        trust.vacuous.join(", ")
    )
}

/// The message for a role none of whose web-identity statements is open:
/// `lines` are `(who the statement admits, whether it admits no token)`.
pub fn scoped_message(name: &str, lines: &[(String, bool)]) -> String {
    let pick = |closed: bool| -> Vec<&str> {
        lines
            .iter()
            .filter(|(_, c)| *c == closed)
            .map(|(l, _)| l.as_str())
            .collect()
    };
    let (named, closed) = (pick(false), pick(true));
    match (named.is_empty(), closed.is_empty()) {
        (true, _) => format!(
            "role {name} cannot be assumed through IRSA: {}",
            closed.join("; ")
        ),
        (false, true) => format!("role {name} trusts only {}", named.join("; ")),
        (false, false) => format!(
            "role {name} trusts only {}; its other statements admit {}",
            named.join("; "),
            closed.join("; ")
        ),
    }
}

/// Who a `:sub` scope admits, for messages.
fn describe_scope(subject: &SubjectScope, aud_pinned: bool) -> String {
    let sa = |ns: &str, name: &str| format!("system:serviceaccount:{ns}:{name}");
    match subject {
        SubjectScope::SingleServiceAccount { namespace, name } => {
            format!("service account {}", sa(namespace, name))
        }
        SubjectScope::ServiceAccounts(list) => {
            format!(
                "service accounts {}",
                list.iter()
                    .map(|s| sa(&s.namespace, &s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        SubjectScope::NonServiceAccount { values } => format!(
            "subjects {} (no service-account token matches)",
            values.join(", ")
        ),
        SubjectScope::Wildcard { pattern } => {
            format!("any service account matching the :sub wildcard {pattern:?}")
        }
        SubjectScope::Unassumable { condition } => format!(
            "no token of the provider ({condition} needs a claim of another issuer, which the provider's tokens never carry)"
        ),
        SubjectScope::Unconstrained if aud_pinned => {
            "any service account (only :aud is constrained, no :sub condition)".into()
        }
        SubjectScope::Unconstrained => "any service account (no :sub condition)".into(),
    }
}
