"""ECR repositories and images."""

import hashlib
import json

# Expires untagged images after 14 days.
LIFECYCLE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged images",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def create_repository(aws, name, scan_on_push, mutability, kms_key=None, exclusions=()):
    """``exclusions``: wildcard filters of tags exempt from
    ``*_WITH_EXCLUSION`` mutability."""
    extra = {}
    if kms_key:
        extra["encryptionConfiguration"] = {"encryptionType": "KMS", "kmsKey": kms_key}
    if exclusions:
        extra["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": f} for f in exclusions
        ]
    repo = aws.ecr.create_repository(
        repositoryName=name,
        imageScanningConfiguration={"scanOnPush": scan_on_push},
        imageTagMutability=mutability,
        **extra,
    )["repository"]
    return {"name": name, "arn": repo["repositoryArn"], "uri": repo["repositoryUri"]}


def manifest(layer_digest, config_digest, config_size, layer_size):
    """A docker v2 image manifest of one layer. moto needs ``mediaType`` and
    derives the image digest from the manifest."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": config_size,
                "digest": config_digest,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": layer_size,
                    "digest": layer_digest,
                }
            ],
        }
    )


def sha256(text):
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def push_image(aws, repo_name, tag, image_manifest):
    """Pushes an image by manifest; returns its digest."""
    return aws.ecr.put_image(
        repositoryName=repo_name, imageManifest=image_manifest, imageTag=tag
    )["image"]["imageId"]["imageDigest"]


def scan_image(aws, repo_name, digest):
    """A completed basic scan. moto then reports one fake HIGH finding
    (CVE-9999-9999) for the image."""
    aws.ecr.start_image_scan(repositoryName=repo_name, imageId={"imageDigest": digest})


def scan_on_push_rule(aws, repository_filter):
    """Basic registry scanning, on push, of the repositories matching the
    wildcard ``repository_filter``."""
    aws.ecr.put_registry_scanning_configuration(
        scanType="BASIC",
        rules=[
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": repository_filter, "filterType": "WILDCARD"}],
            }
        ],
    )


def set_lifecycle_policy(aws, repo_name):
    aws.ecr.put_lifecycle_policy(
        repositoryName=repo_name, lifecyclePolicyText=json.dumps(LIFECYCLE_POLICY)
    )
