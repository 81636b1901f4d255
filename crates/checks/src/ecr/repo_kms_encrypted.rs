use eksposture_model::{Evidence, Graph, Observed};

use crate::support::{repositories_of_region_ref, repository_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every ECR repository, its `encryptionConfiguration`
    /// (`DescribeRepositories`) and who manages its key (`kms:DescribeKey`
    /// `KeyManager`, read once per key):
    ///
    /// - **pass** on `KMS` or `KMS_DSSE` with a key whose `KeyManager` is
    ///   `CUSTOMER` (the key ARN is in the evidence).
    /// - **fail** on `AES256` (S3-managed keys: no key policy, no key-use
    ///   audit trail, no way to revoke access); on a key whose `KeyManager`
    ///   is `AWS` or named by the alias `alias/aws/ecr`; and on `KMS` without
    ///   a `kmsKey` (ECR uses the AWS managed `aws/ecr` key when none is
    ///   given). Security Hub's ECR.5 asks for a customer managed key: the
    ///   AWS managed key's policy cannot be changed, so it cannot limit who
    ///   decrypts, nor be disabled to cut access.
    /// - **unknown** when no encryption type was returned or it is
    ///   unrecognised, when the key could not be described (the gap is in
    ///   the evidence) or was not read, and for a region whose repositories
    ///   could not be listed.
    ///
    /// ECR reports the ARN of the key (`arn:aws:kms:...:key/<id>`) even for
    /// the AWS managed `aws/ecr` key, so the ARN alone does not tell who
    /// manages it: only `DescribeKey` does.
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
    /// ```json,fail
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "encryption_type": "KMS",
    ///   "kms_key": "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321",
    ///   "kms_key_manager": {"known": "AWS"}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "encryption_type": "KMS",
    ///   "kms_key": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ///   "kms_key_manager": {"known": "CUSTOMER"}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"repositories": {"known": [{"name": "api",
    ///   "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api", "encryption_type": "KMS",
    ///   "kms_key": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ///   "kms_key_manager": {"unknown": {"service": "kms", "region": "us-east-1",
    ///     "operation": "DescribeKey", "reason": "access_denied", "message": "denied"}}}]}}}}
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
        let manager = match &repo.kms_key_manager {
            Some(Observed::Known(m)) => format!(", KeyManager={m}"),
            _ => String::new(),
        };
        let detail = match (repo.encryption_type.as_deref(), key) {
            (Some(t), Some(k)) => format!("encryptionType={t}, kmsKey={k}{manager}"),
            (Some(t), None) => format!("encryptionType={t}"),
            (None, _) => "no encryptionConfiguration returned".to_string(),
        };
        let mut ev = vec![Evidence::new("AwsEcrRepository", &repo.arn, detail)];
        let res = repository_ref(&r);
        let t = match repo.encryption_type.as_deref() {
            Some("AES256") => {
                let msg = format!(
                    "repository {name} is encrypted with S3-managed AES256 keys, not a KMS key"
                );
                out.fail(res, msg, ev);
                continue;
            }
            Some(t @ ("KMS" | "KMS_DSSE")) => t,
            Some(other) => {
                let msg =
                    format!("repository {name} has an unrecognised encryption type {other:?}");
                out.unknown_because(res, msg, ev);
                continue;
            }
            None => {
                let msg = format!("DescribeRepositories returned no encryption configuration for repository {name}");
                out.unknown_because(res, msg, ev);
                continue;
            }
        };
        let aws_managed = format!("repository {name} is encrypted with the AWS managed key aws/ecr, whose key policy you cannot control");
        let Some(k) = key else {
            // CreateRepository: "If no key is specified, the default AWS
            // managed KMS key for Amazon ECR will be used."
            out.fail(res, format!("{aws_managed} ({t} with no kmsKey)"), ev);
            continue;
        };
        if k.ends_with(":alias/aws/ecr") || k == "alias/aws/ecr" {
            out.fail(res, aws_managed, ev);
            continue;
        }
        match &repo.kms_key_manager {
            Some(Observed::Known(m)) if m == "CUSTOMER" => {
                out.pass(
                    res,
                    format!("repository {name} is encrypted with {t} customer managed key {k}"),
                    ev,
                );
            }
            Some(Observed::Known(m)) if m == "AWS" => {
                out.fail(res, format!("{aws_managed} ({k})"), ev);
            }
            Some(Observed::Known(m)) => {
                let msg = format!("who manages the key {k} of repository {name} is unknown: KeyManager {m:?} is unrecognised");
                out.unknown_because(res, msg, ev);
            }
            Some(Observed::Unknown(gap)) => {
                let what = format!("who manages the key {k} of repository {name}");
                out.unknown(res, &what, gap, ev);
            }
            None => {
                ev.push(Evidence::new("KmsKey", k, "DescribeKey not read"));
                let msg = format!("who manages the key {k} of repository {name} was not read (kms:DescribeKey): a customer managed key passes, the AWS managed aws/ecr key fails");
                out.unknown_because(res, msg, ev);
            }
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

    /// `kind` with [`KEY`], whose `DescribeKey` answer is `manager`.
    fn managed(kind: &str, manager: &Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            testing::repository(
                json!({"encryption_type": kind, "kms_key": KEY, "kms_key_manager": manager}),
            ),
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
    fn fails_on_kms_without_a_key_which_is_the_aws_managed_key() {
        for kind in ["KMS", "KMS_DSSE"] {
            let f = run(&json!(kind), &json!(null));
            assert_eq!(statuses(&f), [Status::Fail], "{kind}");
            assert!(f[0].message.contains("aws/ecr"), "{}", f[0].message);
        }
    }

    #[test]
    fn fails_on_a_key_arn_that_kms_says_aws_manages() {
        let f = managed("KMS", &json!({"known": "AWS"}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains(KEY), "{}", f[0].message);
        assert!(f[0].evidence[0].detail.contains("KeyManager=AWS"));
    }

    #[test]
    fn passes_on_kms_and_dual_layer_kms_with_a_customer_managed_key() {
        for kind in ["KMS", "KMS_DSSE"] {
            let f = managed(kind, &json!({"known": "CUSTOMER"}));
            assert_eq!(statuses(&f), [Status::Pass], "{kind}");
            assert!(f[0].message.contains(KEY) && f[0].evidence[0].detail.contains(KEY));
        }
    }

    #[test]
    fn unknown_when_the_key_manager_is_unread_or_unrecognised() {
        let denied = testing::denied("kms", "us-east-1", "DescribeKey");
        let f = managed("KMS", &denied);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
        let f = managed("KMS", &json!(null));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("not read"), "{}", f[0].message);
        assert_eq!(
            statuses(&managed("KMS", &json!({"known": "PARTNER"}))),
            [Status::Unknown]
        );
    }

    #[test]
    fn unknown_when_type_missing_or_unrecognised() {
        assert_eq!(
            statuses(&run(&json!(null), &json!(null))),
            [Status::Unknown]
        );
        assert_eq!(
            statuses(&run(&json!("ROT13"), &json!(null))),
            [Status::Unknown]
        );
    }
}
