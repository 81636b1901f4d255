use eksposture_model::text::count;
use eksposture_model::{Evidence, Graph, Observed};

use super::access::{admin_grants, entry_evidence, CLUSTER_ADMIN_POLICY};
use crate::emit::gap_evidence;
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, `accessConfig.bootstrapClusterCreatorAdminPermissions`
    /// (set at creation, immutable):
    ///
    /// - `false`: **pass**, the creator was never made cluster admin.
    /// - `true` and authentication mode `CONFIG_MAP`: **fail**; the creator
    ///   holds `system:masters` through a mapping that is in no ConfigMap and
    ///   cannot be removed until the cluster moves to access entries.
    /// - `true` otherwise: the creator got an access entry with
    ///   `AmazonEKSClusterAdminPolicy` at cluster scope. AWS does not record
    ///   which principal the creator was, so the entry is recognised by that
    ///   policy: **fail** while any access entry holds
    ///   `AmazonEKSClusterAdminPolicy` at cluster scope (a deliberately kept
    ///   cluster-admin entry fails too, which CIS 4.1.1 asks to justify);
    ///   **pass** when the access entries and all their policies were read
    ///   and none does (the creator's entry was removed).
    /// - **unknown** when the flag was not returned (moto never returns it),
    ///   when `true` and the access entries, or the policies or scope of an
    ///   entry that might be the creator's, could not be read, and when
    ///   `DescribeCluster` or the region's cluster listing failed.
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
    /// Grant admin to a dedicated, narrowly-trusted role, then `aws eks
    /// delete-access-entry --cluster-name <cluster> --principal-arn
    /// <creator>`. Create new clusters with
    /// `--access-config bootstrapClusterCreatorAdminPermissions=false`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"authentication_mode": "API",
    ///     "bootstrap_cluster_creator_admin_permissions": true}},
    ///   "access_entries": {"known": [{"principal_arn": "arn:aws:iam::111122223333:role/ci",
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
        let (mut holders, mut unread) = (Vec::new(), Vec::new());
        for e in entries {
            let (who, note) = (&e.principal_arn, |d: String| entry_evidence(&c, e, d));
            match e.access_policies.as_result() {
                Err(gap) => {
                    unread.extend([note(format!("{who}: policies unread")), gap_evidence(gap)]);
                }
                Ok(policies) => {
                    let grants = admin_grants(policies, &[CLUSTER_ADMIN_POLICY]);
                    if !grants.cluster_wide.is_empty() {
                        holders.push(note(format!(
                            "{who} holds {CLUSTER_ADMIN_POLICY} at cluster scope"
                        )));
                    } else if !grants.scope_unknown.is_empty() {
                        unread.push(note(format!(
                            "{who} holds {CLUSTER_ADMIN_POLICY}, scope unread"
                        )));
                    }
                }
            }
        }
        if !holders.is_empty() {
            let msg = format!("cluster {name} was created with cluster-admin for its creator, and {} still hold {CLUSTER_ADMIN_POLICY} at cluster scope", count(holders.len(), "access entry", "access entries"));
            ev.extend(holders);
            out.fail(cluster_ref(&c), msg, ev);
        } else if !unread.is_empty() {
            let msg = format!("cluster {name} was created with cluster-admin for its creator, and whether some access entries still hold {CLUSTER_ADMIN_POLICY} could not be read");
            ev.extend(unread);
            out.unknown_because(cluster_ref(&c), msg, ev);
        } else {
            let msg = format!("cluster {name} was created with cluster-admin for its creator, but none of its {} access entries holds {CLUSTER_ADMIN_POLICY} any more", entries.len());
            out.pass(cluster_ref(&c), msg, ev);
        }
    });
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

    fn bootstrapped(mode: &str) -> Value {
        json!({"authentication_mode": mode, "bootstrap_cluster_creator_admin_permissions": true})
    }

    #[test]
    fn fails_while_an_entry_holds_cluster_admin_at_cluster_scope() {
        let e = entry(&json!({"known": [{"policy_arn": ADMIN, "scope_type": "cluster"}]}));
        let f = run(&bootstrapped("API_AND_CONFIG_MAP"), &json!({"known": [e]}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].evidence.iter().any(|e| e
            .id
            .ends_with("/access-entry/arn:aws:iam::111122223333:role/ci")));
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
