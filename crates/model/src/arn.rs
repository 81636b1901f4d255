//! ARN construction and parsing for resources whose API responses carry only
//! an id (EC2 instances, security groups, subnets, launch templates, volumes).

/// `arn:<partition>:ec2:<region>:<account>:<kind>/<id>`
pub fn ec2(partition: &str, region: &str, account: &str, kind: &str, id: &str) -> String {
    format!("arn:{partition}:ec2:{region}:{account}:{kind}/{id}")
}

/// The partition an AWS region belongs to.
pub fn partition_for_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The last path segment of an ARN's resource (`role/path/name` -> `name`).
pub fn resource_name(arn: &str) -> Option<&str> {
    parse(arn).and_then(|a| a.resource.rsplit('/').next())
}

/// Whether two role ARNs name the same role: same account and name (role
/// names are unique per account, case-insensitively; paths may differ in
/// how a resource spells the ARN).
pub fn same_role(left: &str, right: &str) -> bool {
    let parts = |arn| parse(arn).zip(resource_name(arn));
    match (parts(left), parts(right)) {
        (Some((l_arn, l_name)), Some((r_arn, r_name))) => {
            l_arn.account == r_arn.account && l_name.eq_ignore_ascii_case(r_name)
        }
        _ => left == right,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_ec2_arn() {
        assert_eq!(
            ec2("aws", "eu-west-1", "123", "instance", "i-1"),
            "arn:aws:ec2:eu-west-1:123:instance/i-1"
        );
    }

    #[test]
    fn parses_role_arn_with_path() {
        let a = parse("arn:aws:iam::123456789012:role/eks/node-role").unwrap();
        assert_eq!(a.service, "iam");
        assert_eq!(a.region, "");
        assert_eq!(
            resource_name("arn:aws:iam::1:role/eks/node-role"),
            Some("node-role")
        );
    }

    #[test]
    fn partition_follows_region() {
        assert_eq!(partition_for_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_for_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_for_region("eu-central-1"), "aws");
    }
}
