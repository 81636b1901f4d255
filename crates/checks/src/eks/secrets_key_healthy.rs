use eksposture_model::{Evidence, Graph, KmsKey, Observed, Status};

use crate::emit::gap_evidence;
use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster that envelope-encrypts secrets with a KMS key,
    /// that key (`DescribeKey`, `GetKeyRotationStatus`). **fail** when the
    /// key state is anything but `Enabled` and not transient (`Disabled`,
    /// `PendingDeletion`, `PendingReplicaDeletion`, `PendingImport`,
    /// `Unavailable`; without a key state, `Enabled=false`), or when
    /// automatic rotation is off (`GetKeyRotationStatus` false; AWS managed
    /// keys always rotate and always report true). **pass** when the key is
    /// enabled and rotates. **unknown** when the key could not be read, its
    /// state is transient (`Creating`, `Updating`) or missing, its rotation
    /// status could not be read, the cluster names a key that was not
    /// collected, `DescribeCluster` failed, or the region's clusters could
    /// not be listed. Clusters without a secrets key get no finding here:
    /// `eks-secrets-encrypted` fails them.
    ///
    /// The two failures differ in impact, which the message states: a
    /// disabled key or one pending deletion makes every secret of the
    /// cluster undecryptable (an outage, and after deletion a permanent
    /// loss: treat as high); rotation off is the medium-severity hygiene
    /// finding the check's severity reflects.
    ///
    /// ## Rationale
    ///
    /// The API server decrypts each secret's data key with this KMS key. If
    /// the key is disabled or deleted, secrets cannot be read, pods that
    /// mount them fail, and deletion is irreversible. Rotation limits how
    /// much data depends on one key version (PCI DSS 3.7.4 cryptoperiods).
    ///
    /// ## Remediation
    ///
    /// `aws kms cancel-key-deletion` and `aws kms enable-key` for a key
    /// pending deletion or disabled; `aws kms enable-key-rotation --key-id
    /// <key>` for rotation.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "secrets_key": {"known": {"arn": "arn:aws:kms:us-east-1:111122223333:key/k1",
    ///     "key_state": "PendingDeletion", "key_manager": "CUSTOMER", "rotation_enabled": {"known": true}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "secrets_key": {"known": {"arn": "arn:aws:kms:us-east-1:111122223333:key/k1",
    ///     "key_state": "Enabled", "key_manager": "CUSTOMER", "rotation_enabled": {"known": true}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "secrets_key": {"unknown": {"service": "kms", "region": "us-east-1",
    ///     "operation": "DescribeKey", "reason": "access_denied", "message": "denied"}}}]}}}}
    /// ```
    id: "eks-secrets-key-healthy",
    title: "The KMS key that encrypts EKS secrets should be enabled and rotate automatically",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Cancel deletion of / re-enable the KMS key that encrypts the cluster's secrets, and enable its automatic rotation (aws kms enable-key-rotation).",
    compliance: ["CIS-EKS-1.8:5.3.1", "AWS-FSBP:KMS.3", "PCI-DSS-4.0:3.6.1", "PCI-DSS-4.0:3.7.4", "EKS-BPG:data"],
}

/// Whether the key can decrypt: `Ok(true)` usable, `Ok(false)` not (with
/// the state), `Err` when that cannot be told.
fn usable(key: &KmsKey) -> Result<(bool, String), String> {
    match (key.key_state.as_deref(), key.enabled) {
        (Some("Enabled"), _) => Ok((true, "Enabled".into())),
        (
            Some(
                s @ ("Disabled"
                | "PendingDeletion"
                | "PendingReplicaDeletion"
                | "PendingImport"
                | "Unavailable"),
            ),
            _,
        ) => Ok((false, s.into())),
        (Some(s), _) => Err(format!("is in the transient state {s}")),
        (None, Some(e)) => Ok((e, format!("Enabled={e}"))),
        (None, None) => Err("came without a key state".into()),
    }
}

/// Whether the key rotates automatically, or the gap that hides it.
fn rotates(key: &KmsKey) -> Observed<bool> {
    if key.key_manager.as_deref() == Some("AWS") {
        return Observed::Known(true);
    }
    key.rotation_enabled.clone()
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        let name = &c.cluster.name;
        let mut evidence = vec![cluster_evidence(&c)];
        let key = match (&c.cluster.secrets_key, c.cluster.config.as_result()) {
            (Some(Observed::Known(key)), _) => key,
            (Some(Observed::Unknown(gap)), _) => {
                out.unknown(
                    cluster_ref(&c),
                    &format!("the KMS key that encrypts the secrets of cluster {name}"),
                    gap,
                    evidence,
                );
                continue;
            }
            (None, Err(gap)) => {
                out.unknown(
                    cluster_ref(&c),
                    &format!("the configuration of cluster {name} (its secrets key)"),
                    gap,
                    evidence,
                );
                continue;
            }
            (None, Ok(config)) => {
                let configured = config
                    .encryption_config
                    .iter()
                    .filter(|e| e.resources.iter().any(|r| r == "secrets"))
                    .find_map(|e| e.key_arn.as_deref());
                if let Some(arn) = configured {
                    let msg = format!("cluster {name} encrypts secrets with KMS key {arn}, which was not collected");
                    out.unknown_because(cluster_ref(&c), msg, evidence);
                }
                continue;
            }
        };
        let state = usable(key);
        let rotation = rotates(key);
        let manager = key.key_manager.as_deref().unwrap_or("unknown manager");
        let detail = format!(
            "state {}, {manager} managed, rotation {}",
            state.as_ref().map_or("unknown", |(_, s)| s.as_str()),
            match &rotation {
                Observed::Known(true) => "on",
                Observed::Known(false) => "off",
                Observed::Unknown(_) => "unknown",
            }
        );
        evidence.push(Evidence::new("AwsKmsKey", &key.arn, detail));
        let subject = format!(
            "KMS key {} that encrypts the secrets of cluster {name}",
            key.arn
        );
        let mut problems = Vec::new();
        if let Ok((false, s)) = &state {
            problems.push(format!("is {s}: the cluster's secrets cannot be decrypted (an outage; permanent once the key is deleted: high impact)"));
        }
        if let Observed::Known(false) = rotation {
            problems.push("does not rotate automatically".to_string());
        }
        let (status, msg) = if !problems.is_empty() {
            (
                Status::Fail,
                format!("{subject} {}", problems.join(", and ")),
            )
        } else if let Err(why) = &state {
            (Status::Unknown, format!("{subject} {why}"))
        } else if let Observed::Unknown(gap) = &rotation {
            evidence.push(gap_evidence(gap));
            (
                Status::Unknown,
                format!(
                    "the rotation status of {subject} could not be read ({}: {})",
                    gap.reason.as_str(),
                    gap.operation
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{subject} is enabled and rotates automatically"),
            )
        };
        out.emit(status, cluster_ref(&c), msg, evidence);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn cluster(key: Value, config: Value) -> Value {
        let mut c =
            json!({"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"});
        c["config"] = config;
        if !key.is_null() {
            c["secrets_key"] = key;
        }
        json!({"regions": {"us-east-1": {"clusters": {"known": [c]}}}})
    }

    fn key(state: &str, manager: &str, rotation: Value) -> Value {
        let mut k = json!({"known": {"arn": "arn:aws:kms:us-east-1:111122223333:key/k1",
            "key_state": state, "key_manager": manager}});
        k["known"]["rotation_enabled"] = rotation;
        k
    }

    fn run(key: Value) -> Vec<eksposture_model::Finding> {
        testing::run(&super::META, cluster(key, json!({"known": {}})))
    }

    #[test]
    fn fails_when_disabled_or_pending_deletion_even_if_rotation_unreadable() {
        for state in ["Disabled", "PendingDeletion"] {
            let denied = testing::denied("kms", "us-east-1", "GetKeyRotationStatus");
            let f = run(key(state, "CUSTOMER", denied));
            assert_eq!(statuses(&f), [Status::Fail], "{state}");
            assert!(
                f[0].message.contains("cannot be decrypted"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn fails_when_a_customer_key_does_not_rotate() {
        let f = run(key("Enabled", "CUSTOMER", json!({"known": false})));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("does not rotate automatically"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].evidence[1].id,
            "arn:aws:kms:us-east-1:111122223333:key/k1"
        );
    }

    #[test]
    fn passes_when_enabled_and_rotating_or_aws_managed() {
        assert_eq!(
            statuses(&run(key("Enabled", "CUSTOMER", json!({"known": true})))),
            [Status::Pass]
        );
        let denied = testing::denied("kms", "us-east-1", "GetKeyRotationStatus");
        assert_eq!(
            statuses(&run(key("Enabled", "AWS", denied))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_rotation_or_state_unreadable_or_key_not_collected() {
        let denied = testing::denied("kms", "us-east-1", "GetKeyRotationStatus");
        assert_eq!(
            statuses(&run(key("Enabled", "CUSTOMER", denied))),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&run(key("Updating", "CUSTOMER", json!({"known": true})))),
            [Status::Unknown]
        );
        let config = json!({"known": {"encryption_config": [{"resources": ["secrets"], "key_arn": "arn:aws:kms:us-east-1:111122223333:key/k1"}]}});
        let f = testing::run(&super::META, cluster(Value::Null, config));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("was not collected"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn no_finding_for_a_cluster_without_a_secrets_key() {
        let f = testing::run(
            &super::META,
            cluster(Value::Null, json!({"known": {"encryption_config": []}})),
        );
        assert!(f.is_empty(), "{f:#?}");
    }
}
