"""AWS Organizations."""


def create_organization(aws, accounts, closed):
    """Makes the account of ``aws`` the management account of an
    organization with ``accounts`` member accounts, the first ``closed`` of
    them closed (``SUSPENDED`` in ``ListAccounts``). moto gives created
    accounts random ids. Returns ``{"management", "active", "closed"}``;
    ``active`` includes the management account."""
    org = aws.organizations
    management = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    created = []
    for i in range(accounts):
        status = org.create_account(
            AccountName=f"member-{i}", Email=f"member-{i}@example.com"
        )["CreateAccountStatus"]
        created.append(status["AccountId"])
    for account in created[:closed]:
        org.close_account(AccountId=account)
    return {
        "management": management,
        "active": sorted([management] + created[closed:]),
        "closed": created[:closed],
    }
