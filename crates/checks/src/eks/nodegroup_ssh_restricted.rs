use eksposture_model::{Evidence, Graph};

use crate::ec2::security_group_arn;
use crate::support::{nodegroup_chain, nodegroup_gaps, nodegroup_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every managed nodegroup whose `DescribeNodegroup` answer was read:
    /// **fail** when `remoteAccess` names an `ec2SshKey` and no
    /// `sourceSecurityGroups` (EKS then opens port 22 of the nodes to
    /// `0.0.0.0/0`; for a Windows `amiType`, `WINDOWS_*`, the port is RDP's
    /// 3389 and the key decrypts the Administrator password); **pass** when it has no `remoteAccess`, when
    /// `remoteAccess` names no SSH key, or when `sourceSecurityGroups`
    /// limit SSH to those groups (named in the message); **unknown** when the
    /// nodegroup could not be described, or its cluster's nodegroups or its
    /// region's clusters could not be listed. Self-managed nodes and
    /// launch-template nodegroups (which cannot set `remoteAccess`) are
    /// covered by `ec2-node-sg-no-world-ingress`.
    ///
    /// ## Rationale
    ///
    /// With an SSH key and no source security groups, EKS creates a remote
    /// access security group that admits SSH from the whole internet to every
    /// node of the nodegroup: brute force and every sshd vulnerability reach
    /// the nodes directly, and a leaked key is a shell on the node (and its
    /// IAM role). The EKS Best Practices Guide recommends no SSH at all
    /// (use SSM Session Manager), or SSH limited to a bastion's group.
    ///
    /// ## Remediation
    ///
    /// Recreate the nodegroup without `remoteAccess` (use SSM Session
    /// Manager), or with `sourceSecurityGroups` naming a bastion's security
    /// group; `remoteAccess` cannot be changed on an existing nodegroup.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1",
    ///     "remote_access": {"ec2_ssh_key": "ops"}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"arn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1",
    ///     "remote_access": {"ec2_ssh_key": "ops", "source_security_groups": ["sg-bastion"]}}}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"unknown": {"service": "eks", "region": "us-east-1", "operation": "DescribeNodegroup",
    ///     "reason": "access_denied", "message": "denied"}}}]}}]}}}}
    /// ```
    id: "eks-nodegroup-ssh-restricted",
    title: "Managed nodegroups should not allow SSH from anywhere",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEksNodegroup",
    remediation: "Recreate the nodegroup without remoteAccess (use SSM Session Manager) or with sourceSecurityGroups limited to a bastion.",
    compliance: ["AWS-FSBP:EC2.13", "NIST-800-190:4.5.1", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.2", "EKS-BPG:infrastructure"],
}

/// The protocol and port EKS opens for `remoteAccess`: RDP 3389 on Windows
/// AMI types, SSH 22 otherwise (`RemoteAccessConfig` in the EKS API
/// reference: "For Windows, the port is 3389").
fn remote_protocol(ami_type: Option<&str>) -> (&'static str, u16) {
    if ami_type.is_some_and(|t| t.to_ascii_uppercase().starts_with("WINDOWS")) {
        ("RDP", 3389)
    } else {
        ("SSH", 22)
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in nodegroup_gaps(g) {
        u.emit(out);
    }
    for ng in g.nodegroups() {
        let Some(config) = ng.config() else {
            continue;
        };
        let name = &ng.nodegroup.name;
        let mut evidence = nodegroup_chain(&ng);
        let Some(ra) = &config.remote_access else {
            let msg = format!("nodegroup {name} has no remote access (SSH) configured");
            out.pass(nodegroup_ref(&ng), msg, evidence);
            continue;
        };
        let key = ra.ec2_ssh_key.as_deref().filter(|k| !k.is_empty());
        let (protocol, port) = remote_protocol(config.ami_type.as_deref());
        if let Some(last) = evidence.last_mut() {
            last.detail = format!(
                "{}; remoteAccess ec2SshKey={}, sourceSecurityGroups=[{}]",
                last.detail,
                key.unwrap_or("none"),
                ra.source_security_groups.join(",")
            );
        }
        if let Some(sg) = &config.remote_access_security_group {
            evidence.push(Evidence::new(
                "AwsEc2SecurityGroup",
                security_group_arn(g, ng.region, sg),
                format!("remote-access security group {sg} created by EKS"),
            ));
        }
        for sg in &ra.source_security_groups {
            evidence.push(Evidence::new(
                "AwsEc2SecurityGroup",
                security_group_arn(g, ng.region, sg),
                format!("source security group {sg} allowed to {protocol}"),
            ));
        }
        match key {
            None => {
                let msg = format!("nodegroup {name} has remote access without an SSH key");
                out.pass(nodegroup_ref(&ng), msg, evidence);
            }
            Some(key) if ra.source_security_groups.is_empty() => {
                let msg = format!("nodegroup {name} allows {protocol} with key {key} from anywhere (no source security groups: EKS opens port {port} to 0.0.0.0/0)");
                out.fail(nodegroup_ref(&ng), msg, evidence);
            }
            Some(key) => {
                let msg = format!(
                    "nodegroup {name} allows {protocol} with key {key} only from security groups {}",
                    ra.source_security_groups.join(", ")
                );
                out.pass(nodegroup_ref(&ng), msg, evidence);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ec2::fixtures::{cluster, region};
    use crate::testing::{self, statuses};

    fn run(nodegroup: Value) -> Vec<Finding> {
        testing::run(
            &super::META,
            region(json!({"clusters": cluster(nodegroup)})),
        )
    }

    #[test]
    fn fails_when_ssh_key_without_source_groups_and_names_the_eks_group() {
        let f = run(json!({"remote_access": {"ec2_ssh_key": "ops"},
            "remote_access_security_group": "sg-ra"}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("from anywhere"), "{}", f[0].message);
        assert_eq!(
            f[0].evidence.last().unwrap().id,
            "arn:aws:ec2:us-east-1:111122223333:security-group/sg-ra"
        );
    }

    #[test]
    fn windows_nodegroups_open_rdp_not_ssh() {
        let f = run(json!({"ami_type": "WINDOWS_CORE_2022_x86_64",
            "remote_access": {"ec2_ssh_key": "ops"}}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .ends_with("allows RDP with key ops from anywhere (no source security groups: EKS opens port 3389 to 0.0.0.0/0)"),
            "{}",
            f[0].message
        );
        let f = run(json!({"ami_type": "WINDOWS_FULL_2019_x86_64",
            "remote_access": {"ec2_ssh_key": "ops", "source_security_groups": ["sg-b"]}}));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.contains("allows RDP with key ops only from"),
            "{}",
            f[0].message
        );
        let f = run(json!({"ami_type": "AL2023_x86_64_STANDARD",
            "remote_access": {"ec2_ssh_key": "ops"}}));
        assert!(f[0].message.contains("opens port 22 "), "{}", f[0].message);
    }

    #[test]
    fn passes_and_names_the_source_groups_when_restricted() {
        let f = run(
            json!({"remote_access": {"ec2_ssh_key": "ops", "source_security_groups": ["sg-b"]}}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(
            f[0].message.ends_with("only from security groups sg-b"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_when_no_remote_access_is_configured() {
        let f = run(json!({}));
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(
            f[0].message,
            "nodegroup ng has no remote access (SSH) configured"
        );
    }

    #[test]
    fn unknown_when_the_nodegroups_could_not_be_listed() {
        let gap = json!({"service": "eks", "region": "us-east-1", "operation": "ListNodegroups",
            "reason": "throttled", "message": "slow down"});
        let f = testing::run(
            &super::META,
            region(json!({"clusters": {"known": [{"name": "prod",
                "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"unknown": gap}}]}})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
