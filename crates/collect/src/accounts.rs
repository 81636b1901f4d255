//! The accounts of an AWS Organization and the regions enabled for an
//! account: what a multi-account, many-region scan iterates over.

use aws_config::{Region, SdkConfig};
use eksposture_aws::{error, paging};
use eksposture_model::GapReason;

/// What `--organization` adds to the scanner's own policy: the account
/// list, read in the management or delegated administrator account.
pub const ORGANIZATION_OPERATIONS: &[&str] = &["organizations:ListAccounts"];

/// An account of the organization, as `ListAccounts` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `State` (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, ...), or
    /// the older `Status` where an endpoint sends only that.
    pub state: String,
}

impl OrgAccount {
    pub fn is_active(&self) -> bool {
        self.state.eq_ignore_ascii_case("ACTIVE")
    }
}

/// Every account of the organization the credentials belong to, following
/// `NextToken`. Only the management account or a delegated administrator
/// may call `ListAccounts`.
pub async fn organization_accounts(
    sdk: &SdkConfig,
    home: &Region,
) -> Result<Vec<OrgAccount>, String> {
    let client = eksposture_aws::client!(aws_sdk_organizations, sdk, home.clone());
    list_accounts_with(&client).await
}

/// Every account `client` lists, sorted by id.
pub async fn list_accounts_with(
    client: &aws_sdk_organizations::Client,
) -> Result<Vec<OrgAccount>, String> {
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_accounts()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| org_error(&e))?;
        accounts.extend(page.accounts().iter().map(|a| {
            OrgAccount {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().unwrap_or_default().to_string(),
                state: a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .or_else(|| a.status().map(|s| s.as_str().to_string()))
                    .unwrap_or_default(),
            }
        }));
        // A repeated token would end the list early: accounts would be left
        // out of the scan without a word, so it is an error instead.
        match paging::next_token(token.as_deref(), page.next_token().map(str::to_string))? {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    accounts.retain(|a| !a.id.is_empty());
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(accounts)
}

fn org_error<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    R: error::RawStatus + std::fmt::Debug + 'static,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let code = e.as_service_error().and_then(ProvideErrorMetadata::code);
    let (reason, message) = error::classify(e);
    match (code, reason) {
        (Some("AWSOrganizationsNotInUseException"), _) => {
            "the account is not in an AWS Organization: pass --accounts ID,... instead of --organization".to_string()
        }
        (_, GapReason::AccessDenied) => format!(
            "{message} — --organization must run from the management account or a delegated administrator with organizations:ListAccounts"
        ),
        _ => message,
    }
}

/// The regions enabled for the account (`DescribeRegions` without
/// `AllRegions` lists opted-in and opt-in-not-required regions only).
pub async fn enabled_regions(
    sdk: &SdkConfig,
    home: &Region,
) -> Result<Vec<String>, (GapReason, String)> {
    let client = eksposture_aws::client!(aws_sdk_ec2, sdk, home.clone());
    let out = client
        .describe_regions()
        .send()
        .await
        .map_err(|e| error::classify(&e))?;
    Ok(regions_of(&out))
}

/// The region names of a `DescribeRegions` answer, sorted, without regions
/// whose opt-in status says they are not enabled.
pub fn regions_of(
    out: &aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput,
) -> Vec<String> {
    let mut names: Vec<String> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput;
    use aws_sdk_ec2::types::Region as Ec2Region;
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::types::{Account, AccountState};
    use aws_smithy_mocks::mock;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use eksposture_aws::mock_client;

    fn account(id: &str, state: AccountState) -> Account {
        Account::builder()
            .id(id)
            .name(format!("n{id}"))
            .state(state)
            .build()
    }

    #[tokio::test]
    async fn accounts_are_listed_across_pages_with_their_state() {
        let first = mock!(aws_sdk_organizations::Client::list_accounts)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListAccountsOutput::builder()
                    .accounts(account("222222222222", AccountState::Active))
                    .next_token("t1")
                    .build()
            });
        let second = mock!(aws_sdk_organizations::Client::list_accounts)
            .match_requests(|r| r.next_token() == Some("t1"))
            .then_output(|| {
                ListAccountsOutput::builder()
                    .accounts(account("111111111111", AccountState::Suspended))
                    .build()
            });
        let client = mock_client!(aws_sdk_organizations, "us-east-1", &[&first, &second]);
        let listed = list_accounts_with(&client).await.unwrap();
        let ids: Vec<(&str, bool)> = listed
            .iter()
            .map(|a| (a.id.as_str(), a.is_active()))
            .collect();
        assert_eq!(ids, [("111111111111", false), ("222222222222", true)]);
        assert_eq!(listed[0].state, "SUSPENDED");
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_shorter_list() {
        let rule = mock!(aws_sdk_organizations::Client::list_accounts).then_output(|| {
            ListAccountsOutput::builder()
                .accounts(account("222222222222", AccountState::Active))
                .next_token("t1")
                .build()
        });
        let client = mock_client!(aws_sdk_organizations, "us-east-1", &[&rule]);
        let e = list_accounts_with(&client).await.unwrap_err();
        assert!(e.contains("same nextToken twice"), "{e}");
    }

    #[tokio::test]
    async fn an_organization_that_does_not_exist_is_explained() {
        let rule = mock!(aws_sdk_organizations::Client::list_accounts).then_error(|| {
            aws_sdk_organizations::operation::list_accounts::ListAccountsError::generic(
                ErrorMetadata::builder()
                    .code("AWSOrganizationsNotInUseException")
                    .message("not in use")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_organizations, "us-east-1", &[&rule]);
        let e = list_accounts_with(&client).await.unwrap_err();
        assert!(e.contains("pass --accounts"), "{e}");
    }

    #[test]
    fn regions_not_opted_in_are_left_out() {
        let region = |name: &str, status: &str| {
            Ec2Region::builder()
                .region_name(name)
                .opt_in_status(status)
                .build()
        };
        let out = DescribeRegionsOutput::builder()
            .regions(region("us-east-1", "opt-in-not-required"))
            .regions(region("af-south-1", "not-opted-in"))
            .regions(region("ap-east-1", "opted-in"))
            .regions(Ec2Region::builder().region_name("eu-west-1").build())
            .build();
        assert_eq!(regions_of(&out), ["ap-east-1", "eu-west-1", "us-east-1"]);
    }
}
