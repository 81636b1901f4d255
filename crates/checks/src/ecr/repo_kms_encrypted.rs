use eksposture_model::{Evidence, Graph};

use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, its `encryptionConfiguration`
    /// (`DescribeRepositories`): **pass** on `KMS` or `KMS_DSSE` with the key
    /// ARN ECR reports (in the evidence); **fail** on `AES256` (S3-managed
    /// keys: no key policy, no key-use audit trail, no way to revoke
    /// access), and on `KMS` naming the AWS managed alias `alias/aws/ecr`;
    /// **unknown** when no encryption type was returned, `KMS` came without
    /// a key, the type is unrecognised, and for a region whose repositories
    /// could not be listed.
    ///
    /// ECR reports the ARN of the key even when the repository uses the AWS
    /// managed `aws/ecr` key (created with `KMS` and no key), and a key ARN
    /// does not say who manages the key; eksposture does not call
    /// `kms:DescribeKey` for repository keys, so such a repository passes
    /// here while Security Hub's ECR.5 (customer managed keys only) fails it.
    ///
    /// ## Rationale
    ///
    /// Images carry application code and often configuration. A KMS key
    /// puts their encryption under a key policy (who may decrypt, i.e. pull),
    /// logs every use in CloudTrail, and can be disabled to cut all access.
    ///
    /// ## Remediation
    ///
    /// Encryption is fixed at creation: create a new repository with
    /// `--encryption-configuration encryptionType=KMS,kmsKey=<customer managed
    /// key ARN>`, copy the images over and delete the old repository.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "encryption_type": "AES256"}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "encryption_type": "KMS",
    ///   "kms_key": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api"}]}}}}
    /// ```
    id: "ecr-repo-kms-encrypted",
    title: "ECR repositories should be encrypted with a KMS key",
    severity: Low,
    kind: Configuration,
    resource_type: "AwsEcrRepository",
    remediation: "Recreate the repository with encryptionType=KMS and a customer managed KMS key, then move the images.",
    compliance: ["AWS-FSBP:ECR.5", "EKS-BPG:data"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.repository_listing_gaps() {
        let what = "the region's ECR repositories";
        out.unknown(repositories_of_region_ref(g, region), what, gap, vec![]);
    }
    for r in g.repositories() {
        let repo = r.repository;
        let name = &repo.name;
        let key = repo.kms_key.as_deref();
        let detail = match (repo.encryption_type.as_deref(), key) {
            (Some(t), Some(k)) => format!("encryptionType={t}, kmsKey={k}"),
            (Some(t), None) => format!("encryptionType={t}"),
            (None, _) => "no encryptionConfiguration returned".to_string(),
        };
        let ev = vec![Evidence::new("AwsEcrRepository", &repo.arn, detail)];
        let res = repository_ref(&r);
        match (repo.encryption_type.as_deref(), key) {
            (Some("AES256"), _) => out.fail(
                res,
                format!("repository {name} is encrypted with S3-managed AES256 keys, not a KMS key"),
                ev,
            ),
            (Some("KMS" | "KMS_DSSE"), Some(k)) if k.ends_with(":alias/aws/ecr") || k == "alias/aws/ecr" => out.fail(
                res,
                format!("repository {name} is encrypted with the AWS managed key aws/ecr, whose key policy you cannot control"),
                ev,
            ),
            (Some(t @ ("KMS" | "KMS_DSSE")), Some(k)) => {
                out.pass(res, format!("repository {name} is encrypted with {t} key {k}"), ev);
            }
            (Some(t @ ("KMS" | "KMS_DSSE")), None) => out.unknown_because(
                res,
                format!("repository {name} uses {t} encryption but ECR returned no key"),
                ev,
            ),
            (Some(other), _) => out.unknown_because(
                res,
                format!("repository {name} has an unrecognised encryption type {other:?}"),
                ev,
            ),
            (None, _) => out.unknown_because(
                res,
                format!("DescribeRepositories returned no encryption configuration for repository {name}"),
                ev,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn run(kind: &Value, key: &Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            testing::repository(json!({"encryption_type": kind, "kms_key": key})),
        )
    }

    #[test]
    fn fails_on_aes256_and_on_the_aws_managed_alias() {
        assert_eq!(
            statuses(&run(&json!("AES256"), &json!(null))),
            [Status::Fail]
        );
        let alias = json!("arn:aws:kms:us-east-1:111122223333:alias/aws/ecr");
        assert_eq!(statuses(&run(&json!("KMS"), &alias)), [Status::Fail]);
    }

    #[test]
    fn passes_on_kms_and_dual_layer_kms_naming_the_key() {
        for kind in ["KMS", "KMS_DSSE"] {
            let f = run(&json!(kind), &json!(KEY));
            assert_eq!(statuses(&f), [Status::Pass], "{kind}");
            assert!(f[0].message.contains(KEY) && f[0].evidence[0].detail.contains(KEY));
        }
    }

    #[test]
    fn unknown_when_type_or_key_missing() {
        assert_eq!(
            statuses(&run(&json!(null), &json!(null))),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&run(&json!("KMS"), &json!(null))),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&run(&json!("ROT13"), &json!(null))),
            [Status::Unknown]
        );
    }
}
