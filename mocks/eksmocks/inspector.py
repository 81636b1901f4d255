"""Amazon Inspector."""


def enable(aws):
    """Inspector2 scanning of EC2 and ECR. moto needs ``accountIds`` (it
    answers 500 without them)."""
    aws.inspector2.enable(accountIds=[aws.account_id], resourceTypes=["EC2", "ECR"])
