//! The member role assumed in each scanned account.

use aws_config::{Region, SdkConfig};
use aws_sdk_sts::config::Credentials;
use eksposture_model::GapReason;

use crate::error;

/// `RoleSessionName` of every assumed role: CloudTrail in the member
/// accounts shows eksposture and its version as the actor.
pub const SESSION_NAME: &str = concat!("eksposture-", env!("CARGO_PKG_VERSION"));

/// The role to assume in a scanned account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
}

impl AssumeRole {
    /// `arn:<partition>:iam::<account>:role/<name>`; `name` may carry a path
    /// (`audit/EksPosture`).
    pub fn new(partition: &str, account_id: &str, name: &str, external_id: Option<&str>) -> Self {
        AssumeRole {
            role_arn: format!(
                "arn:{partition}:iam::{account_id}:role/{}",
                name.trim_matches('/')
            ),
            external_id: external_id.map(str::to_string),
        }
    }
}

/// Why an account could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeFailure {
    pub reason: GapReason,
    pub message: String,
}

/// The configuration `base` turns into once `role` is assumed: the same
/// region, endpoint, retry and timeouts, with the role's session credentials
/// (valid for the STS default of one hour, far longer than a scan).
pub async fn assume(
    base: &SdkConfig,
    home: &Region,
    role: &AssumeRole,
) -> Result<SdkConfig, AssumeFailure> {
    let sts = crate::client!(aws_sdk_sts, base, home.clone());
    let credentials = assume_with(&sts, role).await?;
    Ok(base
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build())
}

/// The session credentials of `role`, from `sts`.
pub async fn assume_with(
    sts: &aws_sdk_sts::Client,
    role: &AssumeRole,
) -> Result<Credentials, AssumeFailure> {
    let out = sts
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name(SESSION_NAME)
        .set_external_id(role.external_id.clone())
        .send()
        .await
        .map_err(|e| {
            let (reason, message) = error::classify(&e);
            AssumeFailure {
                reason,
                message: format!("cannot assume {}: {message}", role.role_arn),
            }
        })?;
    let Some(c) = out.credentials() else {
        return Err(AssumeFailure {
            reason: GapReason::Error,
            message: format!("AssumeRole {} returned no credentials", role.role_arn),
        });
    };
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "eksposture-assume-role",
    ))
}

#[cfg(test)]
mod tests {
    use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
    use aws_smithy_mocks::mock;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::mock_client;

    #[tokio::test]
    async fn a_denied_assume_role_is_an_access_denied_failure() {
        let rule = mock!(aws_sdk_sts::Client::assume_role).then_error(|| {
            AssumeRoleError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not authorized to perform: sts:AssumeRole")
                    .build(),
            )
        });
        let sts = mock_client!(aws_sdk_sts, "us-east-1", &[&rule]);
        let role = AssumeRole::new("aws", "333333333333", "/audit/EksPosture/", Some("x"));
        assert_eq!(
            role.role_arn,
            "arn:aws:iam::333333333333:role/audit/EksPosture"
        );
        let f = assume_with(&sts, &role).await.unwrap_err();
        assert_eq!(f.reason, GapReason::AccessDenied);
        assert!(
            f.message
                .starts_with("cannot assume arn:aws:iam::333333333333:role/audit/EksPosture: "),
            "{}",
            f.message
        );
    }

    #[tokio::test]
    async fn an_assumed_role_gives_session_credentials() {
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(|r| {
                r.role_session_name() == Some(SESSION_NAME) && r.external_id() == Some("ext")
            })
            .then_output(|| {
                AssumeRoleOutput::builder()
                    .credentials(
                        aws_sdk_sts::types::Credentials::builder()
                            .access_key_id("ASIA")
                            .secret_access_key("s")
                            .session_token("t")
                            .expiration(aws_smithy_types::DateTime::from_secs(4_000_000_000))
                            .build()
                            .unwrap(),
                    )
                    .build()
            });
        let sts = mock_client!(aws_sdk_sts, "us-east-1", &[&rule]);
        let role = AssumeRole::new("aws", "111111111111", "R", Some("ext"));
        let c = assume_with(&sts, &role).await.unwrap();
        assert_eq!(c.access_key_id(), "ASIA");
        assert_eq!(c.session_token(), Some("t"));
        assert!(c.expiry().is_some());
    }
}
