use eksposture_model::graph::ClusterView;
use eksposture_model::text::count;
use eksposture_model::{AccessEntry, Evidence, Graph, Observed};

use super::access::{admin_grants, entry_evidence, CLUSTER_ADMIN_POLICY};
use crate::emit::gap_evidence;
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config, unix_seconds};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, whether the cluster creator still holds the
    /// cluster-admin access EKS bootstrapped it with. Only that bootstrap
    /// grant is judged: dedicated admin entries are the business of
    /// `eks-cluster-admin-access-restricted`.
    ///
    /// - `accessConfig.bootstrapClusterCreatorAdminPermissions` (set at
    ///   creation, immutable) `false`: **pass**, the creator was never made
    ///   cluster admin, whatever admin entries were created explicitly (the
    ///   terraform-aws-eks v20 pattern).
    /// - `true` and authentication mode `CONFIG_MAP`: **fail**; the creator
    ///   holds `system:masters` through a mapping that is in no ConfigMap and
    ///   cannot be removed until the cluster moves to access entries.
    /// - `true` otherwise: EKS made the creator an access entry with
    ///   `AmazonEKSClusterAdminPolicy` at cluster scope while it created the
    ///   cluster. AWS records neither who the creator was nor a mark on the
    ///   entry, so it is recognised by that policy and by its `createdAt`
    ///   (DescribeAccessEntry) lying within an hour of the cluster's
    ///   `createdAt`: **fail** while such an entry exists (an admin entry a
    ///   tool made in the cluster's first hour cannot be told from it);
    ///   **pass** when the entries and their policies were read and every
    ///   cluster-scoped `AmazonEKSClusterAdminPolicy` entry was created
    ///   later (a dedicated entry, not the creator's), or none exists.
    /// - **unknown** when the flag was not returned (moto never returns it);
    ///   when it is `true` and the access entries, the policies or scope of
    ///   an entry, or the `createdAt` of a cluster-admin entry or of the
    ///   cluster could not be read; when the cluster was created before
    ///   access entries existed (before 2024-02-01: the "Legacy cluster
    ///   access configuration" entry EKS makes for the creator when access
    ///   entries are enabled is dated that day) and a cluster-admin entry was
    ///   created later; and when `DescribeCluster` or the region's cluster
    ///   listing failed.
    ///
    /// ## Rationale
    ///
    /// The identity that ran `CreateCluster` (often a CI role or a person's
    /// SSO session) keeps full cluster-admin unless someone removes it, and
    /// it is rarely the identity anyone means to hold that power. Unused
    /// standing admin access is what an attacker with those credentials
    /// wants; CIS 4.1.1 asks for cluster-admin only where required.
    ///
    /// ## Remediation
    ///
    /// Grant cluster admin to a dedicated role through its own access
    /// entry, then `aws eks delete-access-entry --cluster-name <cluster>
    /// --principal-arn <creator>`. Create new clusters with
    /// `--access-config bootstrapClusterCreatorAdminPermissions=false`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API", "created_at": "2025-03-01T10:00:00Z",
    ///     "bootstrap_cluster_creator_admin_permissions": true}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/ci",
    ///     "detail": {"known": {"created_at": "2025-03-01T10:00:02Z"}},
    ///     "access_policies": {"known": [{"scope_type": "cluster",
    ///       "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}]}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"bootstrap_cluster_creator_admin_permissions": false}}}]}}}}
    /// ```
    ///
    /// Created without the bootstrap grant, with an explicit admin entry:
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API", "created_at": "2025-03-01T10:00:00Z",
    ///     "bootstrap_cluster_creator_admin_permissions": false}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/platform-admin",
    ///     "detail": {"known": {"created_at": "2025-03-01T10:00:01Z"}},
    ///     "access_policies": {"known": [{"scope_type": "cluster",
    ///       "policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}]}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API",
    ///     "bootstrap_cluster_creator_admin_permissions": true}},
    ///   "access_entries": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListAccessEntries", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "eks-creator-admin-removed",
    title: "EKS clusters should not keep the cluster creator's bootstrap cluster-admin access",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Delete the cluster creator's access entry (AmazonEKSClusterAdminPolicy) after granting admin to a dedicated role; create clusters with bootstrapClusterCreatorAdminPermissions=false.",
    compliance: ["CIS-EKS-1.8:4.1.1", "PCI-DSS-4.0:7.2.2", "NIST-800-190:4.3.1", "EKS-BPG:iam"],
}

/// How long after the cluster's `createdAt` an access entry may be the one
/// EKS made for the creator while creating the cluster (creation takes
/// minutes; an hour leaves room for slow ones).
const CREATION_WINDOW_SECS: i64 = 3600;

/// Clusters created before this are "legacy" (EKS User Guide, "Legacy
/// cluster access configuration": initial platform versions older than
/// the access-entry table of "Change authentication mode to use access
/// entries"): EKS makes the creator's access entry when access entries are
/// enabled, at any later date. Access entries launched on 2023-12-18; the
/// margin covers their platform versions' rollout.
const ACCESS_ENTRIES_EVERYWHERE: &str = "2024-02-01";

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let flag = |v: bool| {
            Evidence::new(
                "AwsEksCluster",
                &c.cluster.arn,
                format!("cluster {name}: bootstrapClusterCreatorAdminPermissions={v}"),
            )
        };
        let mut ev = match config.bootstrap_cluster_creator_admin_permissions {
            None => {
                let msg = format!("DescribeCluster returned no bootstrapClusterCreatorAdminPermissions for cluster {name}");
                return out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            }
            Some(false) => {
                let msg = format!(
                    "cluster {name} was created without cluster-admin access for its creator"
                );
                return out.pass(cluster_ref(&c), msg, vec![flag(false)]);
            }
            Some(true) => vec![flag(true)],
        };
        if config
            .authentication_mode
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("CONFIG_MAP"))
        {
            let msg = format!("cluster {name} uses the CONFIG_MAP authentication mode, where its creator holds system:masters through a mapping in no ConfigMap that cannot be removed without moving to access entries");
            return out.fail(cluster_ref(&c), msg, ev);
        }
        let entries = match &c.cluster.access_entries {
            Observed::Known(entries) => entries,
            Observed::Unknown(gap) => {
                let what = format!("the access entries of cluster {name} (created with cluster-admin for its creator)");
                return out.unknown(cluster_ref(&c), &what, gap, ev);
            }
        };
        let created = config.created_at.as_deref();
        ev.push(Evidence::new(
            "AwsEksCluster",
            &c.cluster.arn,
            format!(
                "cluster {name}: createdAt={}",
                created.unwrap_or("not returned")
            ),
        ));
        let sorted = sort_entries(&c, entries, created.and_then(unix_seconds));
        judge(out, &c, &sorted, entries.len(), ev);
    });
}

/// The cluster's access entries that hold `AmazonEKSClusterAdminPolicy`
/// at cluster scope, by what they can be, as evidence.
#[derive(Default)]
struct Sorted {
    /// Created with the cluster: the creator's.
    creator: Vec<Evidence>,
    /// Created after the cluster's creation.
    later: Vec<Evidence>,
    /// Whether an entry is (or is dated like) the creator's could not be
    /// read: with the failed reads.
    unread: Vec<Evidence>,
    /// The cluster's creation date is unknown, or precedes access entries.
    legacy_or_undated: bool,
}

fn sort_entries(
    c: &ClusterView<'_>,
    entries: &[AccessEntry],
    cluster_created: Option<i64>,
) -> Sorted {
    let mut out = Sorted {
        legacy_or_undated: cluster_created
            .zip(unix_seconds(ACCESS_ENTRIES_EVERYWHERE))
            .is_none_or(|(t, everywhere)| t < everywhere),
        ..Sorted::default()
    };
    for e in entries {
        let (who, note) = (&e.principal_arn, |d: String| entry_evidence(c, e, d));
        let policies = match e.access_policies.as_result() {
            Ok(p) => p,
            Err(gap) => {
                out.unread
                    .extend([note(format!("{who}: policies unread")), gap_evidence(gap)]);
                continue;
            }
        };
        let grants = admin_grants(policies, &[CLUSTER_ADMIN_POLICY]);
        if grants.cluster_wide.is_empty() {
            if !grants.scope_unknown.is_empty() {
                out.unread.push(note(format!(
                    "{who} holds {CLUSTER_ADMIN_POLICY}, scope unread"
                )));
            }
            continue;
        }
        let held = format!("{who} holds {CLUSTER_ADMIN_POLICY} at cluster scope");
        let entry_created = match e.detail.as_result() {
            Ok(d) => d.created_at.as_deref(),
            Err(gap) => {
                out.unread
                    .extend([note(format!("{held}; createdAt unread")), gap_evidence(gap)]);
                continue;
            }
        };
        match (cluster_created, entry_created.and_then(unix_seconds)) {
            (Some(cluster), Some(entry)) if entry - cluster <= CREATION_WINDOW_SECS => {
                out.creator.push(note(format!(
                    "{held}, created with the cluster ({})",
                    entry_created.unwrap_or_default()
                )));
            }
            (Some(_), Some(_)) => out.later.push(note(format!(
                "{held}, created after the cluster ({})",
                entry_created.unwrap_or_default()
            ))),
            _ => out.unread.push(note(format!(
                "{held}; when it was created is unknown (createdAt {})",
                entry_created.unwrap_or("not returned")
            ))),
        }
    }
    out
}

fn judge(out: &mut Findings, c: &ClusterView<'_>, s: &Sorted, total: usize, mut ev: Vec<Evidence>) {
    let name = &c.cluster.name;
    let created = format!("cluster {name} was created with cluster-admin for its creator");
    if !s.creator.is_empty() {
        let msg = format!(
            "{created}, and {} created with the cluster still {} {CLUSTER_ADMIN_POLICY} at cluster scope",
            count(s.creator.len(), "access entry", "access entries"),
            if s.creator.len() == 1 { "holds" } else { "hold" }
        );
        ev.extend(s.creator.iter().cloned());
        out.fail(cluster_ref(c), msg, ev);
    } else if !s.unread.is_empty() {
        let msg = format!("{created}, and whether the creator's access entry still holds {CLUSTER_ADMIN_POLICY} could not be read");
        ev.extend(s.unread.iter().cloned());
        out.unknown_because(cluster_ref(c), msg, ev);
    } else if !s.later.is_empty() && s.legacy_or_undated {
        let msg = format!("{created}; {} {CLUSTER_ADMIN_POLICY} at cluster scope, created after the cluster, but the cluster predates access entries (or its createdAt is unknown), and EKS makes a legacy cluster's creator entry when access entries are enabled: which is the creator's cannot be told", count(s.later.len(), "access entry holds", "access entries hold"));
        ev.extend(s.later.iter().cloned());
        out.unknown_because(cluster_ref(c), msg, ev);
    } else if !s.later.is_empty() {
        let msg = format!("{created}, but the creator's access entry was removed: the {} {CLUSTER_ADMIN_POLICY} at cluster scope {} created after the cluster", count(s.later.len(), "entry that holds", "entries that hold"), if s.later.len() == 1 { "was" } else { "were" });
        ev.extend(s.later.iter().cloned());
        out.pass(cluster_ref(c), msg, ev);
    } else {
        let msg = format!("{created}, but none of its {total} access entries holds {CLUSTER_ADMIN_POLICY} any more");
        out.pass(cluster_ref(c), msg, ev);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

    fn run(config: &Value, entries: &Value) -> Vec<Finding> {
        let mut fields = json!({"config": {"known": config}});
        if !entries.is_null() {
            fields["access_entries"] = entries.clone();
        }
        testing::run(&super::META, testing::cluster(fields))
    }

    /// An entry for role `ci`; `null` policies: not collected.
    fn entry(policies: &Value) -> Value {
        let mut e = json!({"principal_arn": "arn:aws:iam::111122223333:role/ci"});
        if !policies.is_null() {
            e["access_policies"] = policies.clone();
        }
        e
    }

    const CREATED: &str = "2025-03-01T10:00:00Z";

    fn bootstrapped(mode: &str) -> Value {
        json!({"authentication_mode": mode, "bootstrap_cluster_creator_admin_permissions": true,
            "created_at": CREATED})
    }

    /// A cluster-admin entry for role `ci` created at `created_at`.
    fn admin_entry(created_at: &str) -> Value {
        let mut e = entry(&json!({"known": [{"policy_arn": ADMIN, "scope_type": "cluster"}]}));
        e["detail"] = json!({"known": {"created_at": created_at}});
        e
    }

    #[test]
    fn fails_while_an_entry_created_with_the_cluster_holds_cluster_admin() {
        let e = admin_entry("2025-03-01T10:12:40.123Z");
        let f = run(&bootstrapped("API_AND_CONFIG_MAP"), &json!({"known": [e]}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].evidence.iter().any(|e| e
            .id
            .ends_with("/access-entry/arn:aws:iam::111122223333:role/ci")));
        assert!(f[0].message.contains("created with the cluster"));
    }

    #[test]
    fn passes_when_every_cluster_admin_entry_was_created_later() {
        let e = admin_entry("2025-06-01T08:00:00Z");
        let f = run(&bootstrapped("API"), &json!({"known": [e]}));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("was removed"), "{}", f[0].message);
    }

    #[test]
    fn passes_without_the_bootstrap_grant_whatever_the_admin_entries() {
        let config = json!({"authentication_mode": "API", "created_at": CREATED,
            "bootstrap_cluster_creator_admin_permissions": false});
        let f = run(&config, &json!({"known": [admin_entry(CREATED)]}));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_it_cannot_tell_the_creators_entry() {
        // Undated entry, or unread description.
        let mut undated = admin_entry(CREATED);
        undated["detail"] = json!({"known": {}});
        let f = run(&bootstrapped("API"), &json!({"known": [undated]}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        let mut unread = admin_entry(CREATED);
        unread["detail"] = testing::denied("eks", "us-east-1", "DescribeAccessEntry");
        let f = run(&bootstrapped("API"), &json!({"known": [unread]}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
        // Undated cluster.
        let config = json!({"authentication_mode": "API",
            "bootstrap_cluster_creator_admin_permissions": true});
        let f = run(&config, &json!({"known": [admin_entry(CREATED)]}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        // A cluster older than access entries: EKS made the creator's entry
        // when they were enabled, at any later date.
        let legacy = json!({"authentication_mode": "API_AND_CONFIG_MAP", "created_at": "2022-05-01T00:00:00Z",
            "bootstrap_cluster_creator_admin_permissions": true});
        let f = run(
            &legacy,
            &json!({"known": [admin_entry("2024-06-01T00:00:00Z")]}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("predates access entries"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fails_in_config_map_mode_whatever_the_entries() {
        let f = run(&bootstrapped("CONFIG_MAP"), &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("system:masters"));
    }

    #[test]
    fn passes_when_flag_false_or_creator_entry_removed() {
        let off = run(
            &json!({"bootstrap_cluster_creator_admin_permissions": false}),
            &json!(null),
        );
        assert_eq!(statuses(&off), [Status::Pass]);
        let ns = entry(
            &json!({"known": [{"policy_arn": ADMIN, "scope_type": "namespace", "namespaces": ["a"]}]}),
        );
        let removed = run(&bootstrapped("API"), &json!({"known": [ns]}));
        assert_eq!(statuses(&removed), [Status::Pass]);
    }

    #[test]
    fn unknown_when_entries_or_their_policies_unread() {
        let gap = json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "ListAccessEntries", "reason": "not_supported", "message": "404"}});
        assert_eq!(
            statuses(&run(&bootstrapped("API"), &gap)),
            [Status::Unknown]
        );
        let unread = json!({"known": [entry(&json!(null))]});
        assert_eq!(
            statuses(&run(&bootstrapped("API"), &unread)),
            [Status::Unknown]
        );
        let no_scope = json!({"known": [entry(&json!({"known": [{"policy_arn": ADMIN}]}))]});
        assert_eq!(
            statuses(&run(&bootstrapped("API"), &no_scope)),
            [Status::Unknown]
        );
    }

    #[test]
    fn unknown_when_flag_not_returned_as_moto_does() {
        let f = run(&json!({"version": "1.31"}), &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
