//! Which ECR image a container definition's `image` names, as far as the
//! inventory can tell: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>`
//! (also `ecr-fips`, `.amazonaws.com.cn` and the dual-stack
//! `<account>.dkr-ecr.<region>.on.aws`) with `:<tag>` (default `latest`) or
//! `@<digest>`. A tag is resolved to the image that carries it at the scan;
//! ECS pins a service's tasks to the digest the tag had at deployment, so
//! with a mutable tag the running digest may differ.

use eksposture_model::{Gap, Graph, Image, Observed, Repository};

/// A parsed ECR image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrRef<'s> {
    pub account: &'s str,
    pub region: &'s str,
    pub repository: &'s str,
    pub tag: Option<&'s str>,
    pub digest: Option<&'s str>,
}

pub fn parse_ecr_image(image: &str) -> Option<EcrRef<'_>> {
    let (host, path) = image.trim().split_once('/')?;
    let parts: Vec<&str> = host.split('.').collect();
    let (account, region) = match parts.as_slice() {
        [a, "dkr", "ecr" | "ecr-fips", r, "amazonaws", "com"]
        | [a, "dkr", "ecr" | "ecr-fips", r, "amazonaws", "com", "cn"]
        | [a, "dkr-ecr", r, "on", "aws"] => (*a, *r),
        _ => return None,
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (named, digest) = match path.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (path, None),
    };
    let last_slash = named.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match named[last_slash..].rfind(':') {
        Some(i) => (&named[..last_slash + i], Some(&named[last_slash + i + 1..])),
        None => (named, None),
    };
    (!repository.is_empty()).then_some(EcrRef {
        account,
        region,
        repository,
        tag,
        digest,
    })
}

/// An image reference resolved against the inventory.
pub enum Resolved<'a> {
    Image {
        region: &'a str,
        repo: &'a Repository,
        image: &'a Image,
        /// How it was found: `by digest`, or `tag v1 as of the scan`.
        via: String,
    },
    /// Why the image cannot be told, and the failed read when there was one.
    Unknown(String, Option<&'a Gap>),
}

pub fn resolve<'a>(g: &Graph<'a>, reference: &str) -> Resolved<'a> {
    let unknown = |why: String| Resolved::Unknown(why, None);
    let Some(r) = parse_ecr_image(reference) else {
        return unknown(format!(
            "{reference} is not in an ECR private registry, and only ECR images' scans are collected"
        ));
    };
    if r.account != g.account_id() {
        return unknown(format!(
            "{reference} is in the registry of account {}, whose scans are not read",
            r.account
        ));
    }
    let Some((region, repos)) = g.repositories_of(r.region) else {
        return unknown(format!(
            "{reference} is in region {}, which was not scanned",
            r.region
        ));
    };
    let repos = match repos {
        Observed::Known(repos) => repos,
        Observed::Unknown(gap) => {
            let why = format!("the ECR repositories of region {region} could not be read");
            return Resolved::Unknown(why, Some(gap));
        }
    };
    let Some(repo) = repos.iter().find(|p| p.name == r.repository) else {
        return unknown(format!(
            "repository {} is not among the repositories of region {region}",
            r.repository
        ));
    };
    let images = match &repo.images {
        Observed::Known(images) => images,
        Observed::Unknown(gap) => {
            let why = format!("the images of repository {} could not be read", repo.name);
            return Resolved::Unknown(why, Some(gap));
        }
    };
    let (found, via) = match (r.digest, r.tag.unwrap_or("latest")) {
        (Some(d), _) => (
            images.iter().find(|i| i.digest == d),
            "by digest".to_string(),
        ),
        (None, tag) => (
            images.iter().find(|i| i.tags.iter().any(|t| t == tag)),
            format!("tag {tag} as of the scan"),
        ),
    };
    match found {
        Some(image) => Resolved::Image {
            region,
            repo,
            image,
            via,
        },
        None => unknown(format!(
            "repository {} holds no image {via} (deleted or retagged since it was deployed)",
            repo.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_ecr_image, EcrRef};

    #[test]
    fn parses_tags_digests_nested_names_and_every_ecr_host_form() {
        let r =
            parse_ecr_image("111122223333.dkr.ecr.us-east-1.amazonaws.com/team/web:v1").unwrap();
        assert_eq!(
            r,
            EcrRef {
                account: "111122223333",
                region: "us-east-1",
                repository: "team/web",
                tag: Some("v1"),
                digest: None
            }
        );
        let r =
            parse_ecr_image("111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web@sha256:ab")
                .unwrap();
        assert_eq!(
            (r.repository, r.tag, r.digest),
            ("web", None, Some("sha256:ab"))
        );
        let r = parse_ecr_image("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1@sha256:ab")
            .unwrap();
        assert_eq!(
            (r.region, r.tag, r.digest),
            ("cn-north-1", Some("1"), Some("sha256:ab"))
        );
        let r = parse_ecr_image("111122223333.dkr-ecr.eu-west-1.on.aws/web").unwrap();
        assert_eq!((r.region, r.repository, r.tag), ("eu-west-1", "web", None));
    }

    #[test]
    fn other_registries_are_not_ecr_private_images() {
        for image in [
            "nginx:1.25",
            "docker.io/library/nginx",
            "public.ecr.aws/nginx/nginx:latest",
            "ghcr.io/org/app:1",
            "12345.dkr.ecr.us-east-1.amazonaws.com/web",
        ] {
            assert_eq!(parse_ecr_image(image), None, "{image}");
        }
    }
}
