use eksposture_model::{Graph, MetadataOptions, Status};

use super::{endpoint_disabled, for_each_imds_subject, Verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every node instance of a cluster, and the launch-template version each
    /// nodegroup *uses* (not the template's other versions): **fail** when
    /// `HttpTokens` is `optional` (IMDSv1 allowed) and the metadata endpoint
    /// is not disabled; **pass** when `HttpTokens` is `required` or
    /// `HttpEndpoint` is `disabled`; **unknown** when the metadata options or
    /// `HttpTokens` were not returned, when a launch-template version sets no
    /// metadata options (instances then get the AMI's or the account's
    /// default, which is not read), when the version in use could not be
    /// read, or when a region's instances, clusters or nodegroups could not
    /// be listed. Nodegroups without a launch template are judged through
    /// their instances.
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
    resource_type: "AwsEc2Instance",
    remediation: "Set HttpTokens=required on node instances and in the launch-template version each nodegroup uses.",
    compliance: ["AWS-FSBP:EC2.8", "AWS-FSBP:EC2.170", "NIST-800-190:4.3.5", "PCI-DSS-4.0:2.2.6", "EKS-BPG:iam"],
}

fn judge(o: &MetadataOptions) -> Verdict {
    if endpoint_disabled(o) {
        return (
            Status::Pass,
            "has the instance metadata endpoint disabled".into(),
        );
    }
    match o
        .http_tokens
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("required") => (Status::Pass, "requires IMDSv2 (HttpTokens=required)".into()),
        Some("optional") => (
            Status::Fail,
            "allows IMDSv1 (HttpTokens=optional) with the metadata endpoint enabled".into(),
        ),
        Some(other) => (
            Status::Unknown,
            format!("has an unrecognised HttpTokens value {other:?}"),
        ),
        None => (
            Status::Unknown,
            "sets no HttpTokens; the AMI or account default applies (not read)".into(),
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
    use crate::testing::{eval, statuses};

    fn check() -> &'static crate::Check {
        crate::find(super::META.id).unwrap()
    }

    #[test]
    fn fails_when_node_allows_imdsv1() {
        let f = eval(
            check(),
            region(
                json!({"instances": {"known": [node("i-1", json!({"http_tokens": "optional"}))]}}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(f[0].message.contains("IMDSv1"), "{}", f[0].message);
    }

    #[test]
    fn passes_when_metadata_endpoint_disabled_even_if_tokens_optional() {
        let o = json!({"http_tokens": "optional", "http_endpoint": "disabled"});
        let f = eval(
            check(),
            region(json!({"instances": {"known": [node("i-1", o)]}})),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn judges_only_the_launch_template_version_the_nodegroup_uses() {
        let f = eval(
            check(),
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
    fn fails_when_the_version_in_use_allows_imdsv1() {
        let f = eval(
            check(),
            region(json!({
            "clusters": nodegroup_with_template("1"),
            "launch_template_versions": [template_version(1, json!({"http_tokens": "optional"}))]})),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn unknown_when_version_in_use_sets_no_metadata_options() {
        let f = eval(
            check(),
            region(json!({
            "clusters": nodegroup_with_template("3"),
            "launch_template_versions": [template_version(3, json!(null))]})),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains(
            "launch template version 3 sets no metadata options; instances get the account default (not read)"
        ), "{}", f[0].message);
    }

    #[test]
    fn unknown_when_version_in_use_was_not_collected() {
        let f = eval(
            check(),
            region(
                json!({"clusters": nodegroup_with_template("2"), "launch_template_versions": []}),
            ),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }

    #[test]
    fn unknown_per_cluster_when_instances_could_not_be_listed() {
        let f = eval(
            check(),
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
