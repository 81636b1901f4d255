//! One cluster's read: the server's version first (it proves the endpoint
//! answers and the credentials are accepted), then every kind at once,
//! bounded by the reader's concurrency.

use std::collections::BTreeMap;

use eksposture_model::kubernetes::Workload;
use eksposture_model::{Gap, GapReason, Kubernetes, Observed};
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};

use crate::kinds::{self as k, READERS_GROUP};
use crate::map;
use crate::read::Reader;

/// What to tell the user when the scanner's principal may read nothing:
/// `principal` is the IAM role or user the scan runs as.
pub fn grant_hint(cluster: &str, region: &str, principal: &str) -> String {
    format!(
        "give the scanner read access: `aws eks create-access-entry --region {region} --cluster-name {cluster} --principal-arn {principal} --kubernetes-groups {READERS_GROUP}` and apply the ClusterRole and binding that `eksposture permissions --kubernetes` prints"
    )
}

/// Whether a kind of a group-version is served, from discovery: a kind a
/// server does not serve (CronJob in `batch/v1` before Kubernetes 1.21) is
/// a gap of its own, not a failed scan.
async fn served(r: &Reader, group_version: &str, kind: &k::Kind) -> Result<(), Gap> {
    let resource = kind.name();
    let operation = format!("list {resource}");
    r.authenticate(&operation).await?;
    match r.client.list_api_group_resources(group_version).await {
        Ok(list) if list.resources.iter().any(|x| x.name == kind.resource) => Ok(()),
        Ok(_) => Err(r.gap(
            &operation,
            GapReason::NotSupported,
            format!(
                "the API server does not serve {group_version} {}",
                kind.resource
            ),
        )),
        Err(e) => Err(r.error_gap(&operation, &resource, &e)),
    }
}

/// Reads the cluster. `Unknown` when nothing could be read: the endpoint
/// did not answer, the credentials were refused, or every kind was denied.
pub async fn read(r: &Reader, connection: &str, principal: &str) -> Observed<Kubernetes> {
    if let Err(gap) = r.authenticate("get version").await {
        return Observed::Unknown(gap);
    }
    let version = match r.client.apiserver_version().await {
        Ok(info) => info.git_version,
        Err(e) => {
            return Observed::Unknown(whole_api(
                r,
                principal,
                r.error_gap("get version", "version", &e),
            ))
        }
    };
    let (namespaces, nodes, pods, deployments, daemon_sets, stateful_sets, jobs) = tokio::join!(
        r.list(&k::NAMESPACES, map::namespace_of),
        r.list(&k::NODES, map::node_of),
        r.list(&k::PODS, map::pod_of),
        r.list(&k::DEPLOYMENTS, map::deployment_of),
        r.list(&k::DAEMON_SETS, map::daemon_set_of),
        r.list(&k::STATEFUL_SETS, map::stateful_set_of),
        r.list(&k::JOBS, map::job_of),
    );
    let cron_jobs = match served(r, "batch/v1", &k::CRON_JOBS).await {
        Ok(()) => r.list(&k::CRON_JOBS, map::cron_job_of).await,
        Err(gap) => Err(gap),
    };
    let (service_accounts, roles, cluster_roles, role_bindings, cluster_role_bindings) = tokio::join!(
        r.list(&k::SERVICE_ACCOUNTS, map::service_account_of),
        r.list(&k::ROLES, map::role_of),
        r.list(&k::CLUSTER_ROLES, map::cluster_role_of),
        r.list(&k::ROLE_BINDINGS, map::role_binding_of),
        r.list(&k::CLUSTER_ROLE_BINDINGS, map::cluster_role_binding_of),
    );
    let (network_policies, services, ingresses, validating, mutating) = tokio::join!(
        r.list(&k::NETWORK_POLICIES, map::network_policy_of),
        r.list(&k::SERVICES, map::service_of),
        r.list(&k::INGRESSES, map::ingress_of),
        r.list(
            &k::VALIDATING_WEBHOOKS,
            |w: ValidatingWebhookConfiguration| { w.metadata.name.unwrap_or_default() }
        ),
        r.list(&k::MUTATING_WEBHOOKS, |w: MutatingWebhookConfiguration| {
            w.metadata.name.unwrap_or_default()
        }),
    );
    let admission_webhooks = match (validating, mutating) {
        (Ok(mut v), Ok(m)) => {
            v.extend(m);
            v.sort();
            v.dedup();
            Ok(v)
        }
        (Err(g), _) | (_, Err(g)) => Err(g),
    };
    let workloads: BTreeMap<String, Observed<Vec<Workload>>> = [
        ("Pod", pods),
        ("Deployment", deployments),
        ("DaemonSet", daemon_sets),
        ("StatefulSet", stateful_sets),
        ("Job", jobs),
        ("CronJob", cron_jobs),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_string(),
            sorted(v, |w| (w.namespace.clone(), w.name.clone())),
        )
    })
    .collect();
    let k = Kubernetes {
        connection: connection.to_string(),
        server_version: Some(version),
        namespaces: sorted(namespaces, |n| n.name.clone()),
        nodes: sorted(nodes, |n| n.name.clone()),
        workloads,
        service_accounts: sorted(service_accounts, |s| (s.namespace.clone(), s.name.clone())),
        roles: sorted(roles, |x| (x.namespace.clone(), x.name.clone())),
        cluster_roles: sorted(cluster_roles, |x| x.name.clone()),
        role_bindings: sorted(role_bindings, |x| (x.namespace.clone(), x.name.clone())),
        cluster_role_bindings: sorted(cluster_role_bindings, |x| x.name.clone()),
        network_policies: sorted(network_policies, |x| (x.namespace.clone(), x.name.clone())),
        services: sorted(services, |x| (x.namespace.clone(), x.name.clone())),
        ingresses: sorted(ingresses, |x| (x.namespace.clone(), x.name.clone())),
        admission_webhooks: admission_webhooks.into(),
    };
    match all_denied(&k) {
        Some(gap) => Observed::Unknown(whole_api(r, principal, gap)),
        None => Observed::Known(k),
    }
}

fn sorted<T, K: Ord>(v: Result<Vec<T>, Gap>, key: impl Fn(&T) -> K) -> Observed<Vec<T>> {
    Observed::from(v).map(|mut v| {
        v.sort_by_key(|x| key(x));
        v
    })
}

/// The first denial when every kind the server serves was refused with
/// 403: the principal is known to the cluster but bound to nothing that
/// reads (discovery, open to every authenticated user, still answers).
fn all_denied(k: &Kubernetes) -> Option<Gap> {
    let gaps = k.kind_gaps();
    let served: Vec<Option<&Gap>> = gaps
        .into_iter()
        .filter(|g| g.is_none_or(|g| g.reason != GapReason::NotSupported))
        .collect();
    let denied = served
        .iter()
        .all(|g| g.is_some_and(|g| g.reason == GapReason::AccessDenied));
    if served.is_empty() || !denied {
        return None;
    }
    served[0].cloned()
}

/// A failure of the whole API as the cluster's one gap, with what to do.
fn whole_api(r: &Reader, principal: &str, mut gap: Gap) -> Gap {
    if gap.reason == GapReason::AccessDenied {
        gap.operation = "read".to_string();
        gap.message = format!(
            "the scanner ({principal}) cannot read the Kubernetes API of cluster {}: {}; {}",
            r.cluster,
            gap.message,
            grant_hint(&r.cluster, &r.region, principal)
        );
    }
    gap
}
