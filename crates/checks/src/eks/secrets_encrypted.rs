use eksposture_model::{Evidence, Graph};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **pass** when an `encryptionConfig` entry lists
    /// `secrets` among its resources and names a KMS key (`provider.keyArn`);
    /// the key ARN is the evidence. **fail** otherwise: no entry at all (real
    /// EKS omits `encryptionConfig`, moto returns `[]`; both read as an empty
    /// list and neither is encryption), entries that do not cover `secrets`,
    /// or a `secrets` entry without a key ARN. **unknown** when
    /// `DescribeCluster` failed or the region's clusters could not be listed.
    ///
    /// Since March 2025 EKS envelope-encrypts all Kubernetes API data on
    /// Kubernetes 1.28+ with an AWS-owned key by default; that default does
    /// not appear in `encryptionConfig` and does not satisfy this check,
    /// which asks for a customer managed KMS key (CIS 5.3.1). That is why the
    /// severity is medium rather than high.
    ///
    /// ## Rationale
    ///
    /// Kubernetes secrets (service-account tokens, database passwords, TLS
    /// keys) live in etcd. Envelope encryption with your own KMS key means
    /// their plaintext depends on a key whose policy, rotation and use you
    /// control and audit in CloudTrail, and that you can revoke.
    ///
    /// ## Remediation
    ///
    /// `aws eks associate-encryption-config --cluster-name <cluster>
    /// --encryption-config '[{"resources":["secrets"],"provider":{"keyArn":"<KMS key ARN>"}}]'`.
    /// It cannot be removed once enabled; existing secrets are re-encrypted.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"encryption_config": []}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"encryption_config": [{"resources": ["secrets"],
    ///     "key_arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "DescribeCluster", "reason": "access_denied",
    ///     "message": "AccessDeniedException"}}}]}}}}
    /// ```
    id: "eks-secrets-encrypted",
    title: "EKS clusters should envelope-encrypt Kubernetes secrets with a customer managed KMS key",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Associate an encryption config covering `secrets` with a customer managed KMS key (aws eks associate-encryption-config).",
    compliance: ["CIS-EKS-1.8:5.3.1", "AWS-FSBP:EKS.3", "PCI-DSS-4.0:3.6.1", "NIST-800-190:4.1.4", "EKS-BPG:data"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let for_secrets: Vec<_> = config
            .encryption_config
            .iter()
            .filter(|e| e.resources.iter().any(|r| r == "secrets"))
            .collect();
        let key = for_secrets
            .iter()
            .find_map(|e| e.key_arn.as_deref().filter(|k| !k.is_empty()));
        if let Some(key) = key {
            out.pass(
                cluster_ref(&c),
                format!(
                    "cluster {} envelope-encrypts secrets with KMS key {key}",
                    c.cluster.name
                ),
                vec![
                    cluster_evidence(&c),
                    Evidence::new(
                        "AwsKmsKey",
                        key,
                        "encryptionConfig provider for resources [secrets]",
                    ),
                ],
            );
            return;
        }
        let why = if !for_secrets.is_empty() {
            "its encryptionConfig entry for secrets names no KMS key"
        } else if config.encryption_config.is_empty() {
            "it has no encryptionConfig"
        } else {
            "no encryptionConfig entry covers secrets"
        };
        let resources: Vec<String> = config
            .encryption_config
            .iter()
            .map(|e| format!("[{}]", e.resources.join(",")))
            .collect();
        out.fail(
            cluster_ref(&c),
            format!(
                "cluster {} does not encrypt secrets with a KMS key: {why}",
                c.cluster.name
            ),
            vec![Evidence::new(
                "AwsEksCluster",
                &c.cluster.arn,
                format!(
                    "encryptionConfig resources: {}",
                    if resources.is_empty() {
                        "none".into()
                    } else {
                        resources.join(" ")
                    }
                ),
            )],
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

    /// Cluster `c` whose `DescribeCluster` answer is `config`.
    fn run(config: &Value) -> Vec<Finding> {
        testing::run(&super::META, testing::cluster(json!({"config": config})))
    }

    fn encryption(entries: &Value) -> Value {
        json!({"known": {"encryption_config": entries}})
    }

    #[test]
    fn fails_on_empty_encryption_config_as_moto_returns_it() {
        let f = run(&encryption(&json!([])));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("no encryptionConfig"));
    }

    #[test]
    fn fails_when_encryption_config_omitted_as_real_eks_does() {
        let f = run(&json!({"known": {"version": "1.31"}}));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn fails_when_secrets_entry_has_no_key_arn() {
        let f = run(&encryption(&json!([{"resources": ["secrets"]}])));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("names no KMS key"));
    }

    #[test]
    fn fails_when_no_entry_covers_secrets() {
        let f = run(&encryption(
            &json!([{"resources": ["configmaps"], "key_arn": KEY}]),
        ));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0]
            .message
            .contains("no encryptionConfig entry covers secrets"));
    }

    #[test]
    fn passes_and_names_the_key_when_secrets_are_encrypted() {
        let f = run(&encryption(
            &json!([{"resources": ["secrets"], "key_arn": KEY}]),
        ));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].evidence.iter().any(|e| e.id == KEY));
    }

    #[test]
    fn unknown_when_describe_cluster_failed() {
        let f = run(&json!({"unknown": {"service": "eks", "region": "us-east-1",
            "operation": "DescribeCluster", "reason": "error", "message": "timeout"}}));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_for_region_whose_clusters_could_not_be_listed() {
        let gap = testing::denied("eks", "us-east-1", "ListClusters");
        let f = testing::run(
            &super::META,
            json!({"regions": {"us-east-1": {"clusters": gap}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
