use eksposture_model::{Graph, MetadataOptions, Status};

use super::{for_each_imds_subject, Verdict};
use crate::imds::{imdsv1_served, Answer, Source};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every live node instance of a cluster (not `terminated` or
    /// `shutting-down`), and the launch-template version each nodegroup
    /// *uses* (not the template's other versions): **fail** when
    /// `HttpTokens` is `optional` (IMDSv1 served) and `HttpEndpoint` is
    /// `enabled`; **pass** when `HttpTokens` is `required` or `HttpEndpoint`
    /// is `disabled`; **unknown** otherwise: an instance whose
    /// DescribeInstances answer lacks `HttpTokens` or `HttpEndpoint` (AWS
    /// always returns both), an unrecognised value, a launch-template version that leaves
    /// `HttpTokens` unset (instances then get the AMI's or the account's
    /// default, which is not read), a version in use that could not be read,
    /// or a region's instances, clusters or nodegroups that could not be
    /// listed. In a launch template an unset `HttpEndpoint` is the
    /// documented default, `enabled`. Nodegroups without a launch template
    /// are judged through their instances.
    ///
    /// ## Rationale
    ///
    /// IMDSv1 answers any unauthenticated GET, so an SSRF bug in any workload
    /// on the node, or any pod that can reach the node network, reads the
    /// node role's credentials. IMDSv2 needs a session token obtained with a
    /// PUT, which SSRF and most proxies cannot send. The EKS Best Practices
    /// Guide and AWS FSBP EC2.8 / EC2.170 require IMDSv2.
    ///
    /// ## Remediation
    ///
    /// Set `HttpTokens=required` in a new launch-template version and roll
    /// the nodegroup to it; for running instances, `aws ec2
    /// modify-instance-metadata-options --instance-id <id> --http-tokens
    /// required`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"},
    ///    "metadata_options": {"http_tokens": "optional", "http_endpoint": "enabled"}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"},
    ///    "metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}}]}}}}
    /// ```
    id: "ec2-node-imdsv2-required",
    title: "EKS nodes and the launch-template versions their nodegroups use should require IMDSv2",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2Instance",
    remediation: "Set HttpTokens=required on node instances and in the launch-template version each nodegroup uses.",
    compliance: ["AWS-FSBP:EC2.8", "AWS-FSBP:EC2.170", "NIST-800-190:4.3.5", "PCI-DSS-4.0:2.2.6", "EKS-BPG:iam"],
}

fn judge(options: Option<&MetadataOptions>, source: Source) -> Verdict {
    match imdsv1_served(options, source) {
        Answer::Yes(why) => (Status::Fail, format!("serves IMDSv1 ({why})")),
        Answer::No(why) => (Status::Pass, format!("does not serve IMDSv1 ({why})")),
        Answer::Unknown(why) => (
            Status::Unknown,
            format!("has IMDSv1 settings that cannot be judged: {why}"),
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

    use crate::ec2::fixtures::{
        cluster, node, nodegroup_with_template, region, template_version, LT_ARN,
    };
    use crate::testing::{self, statuses};

    fn one_node(options: serde_json::Value) -> Vec<eksposture_model::Finding> {
        testing::run(
            &super::META,
            region(json!({"instances": {"known": [node("i-1", options)]}})),
        )
    }

    #[test]
    fn fails_when_node_serves_imdsv1() {
        let f = one_node(json!({"http_tokens": "optional", "http_endpoint": "enabled"}));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "node i-1 serves IMDSv1 (HttpEndpoint=enabled, HttpTokens=optional)"
        );
    }

    #[test]
    fn passes_when_metadata_endpoint_disabled_even_if_tokens_optional() {
        let f = one_node(json!({"http_tokens": "optional", "http_endpoint": "disabled"}));
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_not_fail_when_describe_instances_omitted_the_endpoint() {
        let f = one_node(json!({"http_tokens": "optional"}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message
                .contains("DescribeInstances returned no HttpEndpoint"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn skips_terminated_instances() {
        let mut n = node(
            "i-1",
            json!({"http_tokens": "optional", "http_endpoint": "enabled"}),
        );
        n["state"] = json!("terminated");
        let f = testing::run(&super::META, region(json!({"instances": {"known": [n]}})));
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn judges_only_the_launch_template_version_the_nodegroup_uses() {
        let f = testing::run(
            &super::META,
            region(json!({
            "clusters": nodegroup_with_template("2"),
            "launch_template_versions": [
                template_version(1, json!({"http_tokens": "optional"})),
                template_version(2, json!({"http_tokens": "required"}))]})),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert_eq!(f[0].resource.id, LT_ARN);
        assert_eq!(f[0].resource.kind, "AwsEc2LaunchTemplate");
        assert!(f[0].message.contains("version 2"), "{}", f[0].message);
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["AwsEksCluster", "AwsEksNodegroup", "AwsEc2LaunchTemplate"]
        );
    }

    #[test]
    fn fails_when_the_version_in_use_allows_imdsv1_with_the_default_endpoint() {
        let f = testing::run(
            &super::META,
            region(json!({
            "clusters": nodegroup_with_template("1"),
            "launch_template_versions": [template_version(1, json!({"http_tokens": "optional"}))]})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.starts_with("launch template nodes version 1 used by nodegroup ng serves IMDSv1 (HttpEndpoint unset, which defaults to enabled"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_version_in_use_sets_no_metadata_options() {
        let f = testing::run(
            &super::META,
            region(json!({
            "clusters": nodegroup_with_template("3"),
            "launch_template_versions": [template_version(3, json!(null))]})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains(
                "HttpTokens is unset, so the AMI's or the account's default applies (not read)"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_version_in_use_was_not_collected() {
        let f = testing::run(
            &super::META,
            region(
                json!({"clusters": nodegroup_with_template("2"), "launch_template_versions": []}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_per_cluster_when_instances_could_not_be_listed() {
        let f = testing::run(
            &super::META,
            region(
                json!({"clusters": cluster(json!({})), "instances": {"unknown": {
            "service": "ec2", "region": "us-east-1", "operation": "DescribeInstances",
            "reason": "access_denied", "message": "denied"}}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(
            f[0].resource.id,
            "arn:aws:eks:us-east-1:111122223333:cluster/prod/nodes/*"
        );
    }
}
