use eksposture_model::{Graph, MetadataOptions, Status};

use super::{for_each_imds_subject, Verdict};
use crate::imds::{token_reaches_pods, Answer, Source};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every live node instance of a cluster (not `terminated` or
    /// `shutting-down`), and the launch-template version each nodegroup
    /// *uses*: **fail** when `HttpPutResponseHopLimit` is greater than 1 and
    /// `HttpEndpoint` is `enabled`; **pass** when the hop limit is 1 or
    /// `HttpEndpoint` is `disabled`; **unknown** otherwise: an instance
    /// whose DescribeInstances answer lacks the hop limit or `HttpEndpoint`
    /// (AWS always returns both), an invalid value, a launch-template
    /// version that leaves the hop limit unset (the AMI's or the account's
    /// default applies, which is not read; `ImdsSupport=v2.0` AMIs default to
    /// 2), a version in use that could not be read, or a region's instances,
    /// clusters or nodegroups that could not be listed. In a launch template
    /// an unset `HttpEndpoint` is the documented default, `enabled`.
    ///
    /// ## Rationale
    ///
    /// A pod's traffic to 169.254.169.254 crosses one more network hop than
    /// the node's own. With a hop limit of 2 or more the IMDSv2 token
    /// reaches pods, so every pod that is not explicitly blocked can read
    /// the node role's credentials and act as the node (pull any image,
    /// describe the VPC, attach network interfaces, and whatever else the
    /// role carries). The EKS Best Practices Guide (IAM: "restrict access to
    /// the instance profile assigned to the worker node") asks for a hop
    /// limit of 1. Severity is high, not medium: the exposure needs no
    /// vulnerability, only a pod, and it is the first step of the
    /// pod-to-node-role path. The hop limit does not restrict IMDSv1; that
    /// is `ec2-node-imdsv2-required`.
    ///
    /// ## Remediation
    ///
    /// Set `HttpPutResponseHopLimit=1` (with `HttpTokens=required`) in a new
    /// launch-template version and roll the nodegroup to it; for running
    /// instances, `aws ec2 modify-instance-metadata-options --instance-id
    /// <id> --http-put-response-hop-limit 1`. Pods that need AWS access use
    /// IRSA or EKS Pod Identity instead.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"},
    ///    "metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 2,
    ///      "http_endpoint": "enabled"}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"},
    ///    "metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 1}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"},
    ///    "metadata_options": {"http_tokens": "required"}}]}}}}
    /// ```
    id: "ec2-node-imds-hop-limit",
    title: "EKS nodes should keep the instance metadata service to the node (hop limit 1)",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2Instance",
    remediation: "Set HttpPutResponseHopLimit=1 on node instances and in the launch-template version each nodegroup uses; give pods AWS access through IRSA or Pod Identity.",
    compliance: ["EKS-BPG:iam", "NIST-800-190:4.3.5", "PCI-DSS-4.0:2.2.6"],
}

fn judge(options: Option<&MetadataOptions>, source: Source) -> Verdict {
    match token_reaches_pods(options, source) {
        Answer::Yes(why) => (
            Status::Fail,
            format!("lets the IMDSv2 token reach pods ({why})"),
        ),
        Answer::No(why) => (
            Status::Pass,
            format!("keeps the IMDSv2 token on the node ({why})"),
        ),
        Answer::Unknown(why) => (
            Status::Unknown,
            format!("has an IMDS hop limit that cannot be judged: {why}"),
        ),
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_imds_subject(g, out, judge);
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::ec2::fixtures::{node, nodegroup_with_template, region, template_version, LT_ARN};
    use crate::testing::{self, statuses};

    fn one_node(options: serde_json::Value) -> Vec<eksposture_model::Finding> {
        testing::run(
            &super::META,
            region(json!({"instances": {"known": [node("i-1", options)]}})),
        )
    }

    #[test]
    fn fails_when_node_hop_limit_lets_pods_reach_imds() {
        let f = one_node(
            json!({"http_tokens": "required", "http_put_response_hop_limit": 2, "http_endpoint": "enabled"}),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.contains("HttpPutResponseHopLimit=2"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence[0]
            .detail
            .contains("HttpPutResponseHopLimit=2"));
    }

    #[test]
    fn passes_when_hop_limit_is_one() {
        let f = one_node(json!({"http_put_response_hop_limit": 1, "http_endpoint": "enabled"}));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn passes_when_metadata_endpoint_disabled() {
        let f = one_node(json!({"http_put_response_hop_limit": 3, "http_endpoint": "disabled"}));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_hop_limit_or_endpoint_not_returned() {
        let f = one_node(json!({"http_tokens": "required", "http_endpoint": "enabled"}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        let f = one_node(json!({"http_put_response_hop_limit": 2}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.ends_with(
                "HttpPutResponseHopLimit=2, but DescribeInstances returned no HttpEndpoint"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_the_version_in_use_leaves_the_hop_limit_to_the_ami() {
        let f = testing::run(
            &super::META,
            region(json!({
            "clusters": nodegroup_with_template("1"),
            "launch_template_versions": [template_version(1, json!({"http_tokens": "required"}))]})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn judges_only_the_launch_template_version_the_nodegroup_uses() {
        let f = testing::run(
            &super::META,
            region(json!({
            "clusters": nodegroup_with_template("1"),
            "launch_template_versions": [
                template_version(1, json!({"http_put_response_hop_limit": 2})),
                template_version(2, json!({"http_put_response_hop_limit": 1}))]})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, LT_ARN);
        assert!(f[0].message.contains("version 1"), "{}", f[0].message);
    }
}
