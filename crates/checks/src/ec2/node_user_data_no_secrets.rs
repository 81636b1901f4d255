use eksposture_model::{Graph, SecretHint};

use super::launch_templates_in_use;
use crate::support::nodegroup_gaps;
use crate::{declare_check, Findings};

/// The hint kind the collector records for user data it could not decode
/// (compressed, or neither text nor base64 of text): nothing was scanned.
const UNREADABLE: &str = "unreadable";

fn listed(hints: &[&SecretHint]) -> String {
    hints
        .iter()
        .map(|h| format!("{} ({})", h.kind, h.location))
        .collect::<Vec<_>>()
        .join(", ")
}

declare_check! {
    /// ## What it checks
    ///
    /// The user data of every launch-template version a nodegroup *uses*
    /// (not the template's other versions), as scanned by the collector for
    /// AWS access key ids, private keys, API tokens, URLs with credentials
    /// in them (`user:password@`, a `password`/`token`/signature query
    /// parameter) and literal values assigned to names like `PASSWORD`,
    /// `SECRET`, `TOKEN`, `API_KEY`, but not references assigned to them (an
    /// ARN, an absolute path or SSM parameter name, a URL without
    /// credentials; the rules of `ecs-task-no-env-secrets`) (only the kind
    /// and line of each hit are kept, never the value):
    /// **fail** when any credential was spotted (listed by kind and
    /// location); **pass** when the version has no user data, or user data
    /// with nothing spotted; **unknown** when the version could not be read,
    /// when its user data could not be decoded for scanning (hint kind
    /// `unreadable`, e.g. gzip-compressed) and nothing else was spotted, or
    /// when a nodegroup could not be described or a cluster's nodegroups or
    /// a region's clusters could not be listed.
    ///
    /// ## Rationale
    ///
    /// User data is not secret: anyone with `ec2:DescribeLaunchTemplateVersions`
    /// or `ec2:DescribeInstanceAttribute` reads it, and every process on the
    /// node (any pod that reaches IMDS) fetches it from the instance metadata
    /// service. NIST SP 800-190 4.1.4 warns against clear-text secrets
    /// embedded in images and configuration; PCI DSS 8.6.2 forbids
    /// hard-coded passwords in scripts.
    ///
    /// ## Remediation
    ///
    /// Remove the credentials from the launch template (create a new version
    /// without them and roll the nodegroup), rotate them, and have the node
    /// fetch what it needs at boot from Secrets Manager or SSM Parameter
    /// Store with its IAM role.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"launch_template": {"id": "lt-1", "version": "2"}}}}]}}]},
    ///   "launch_template_versions": [{"template_id": "lt-1", "requested_version": "2", "data": {"known": {
    ///     "template_id": "lt-1", "version_number": 2,
    ///     "user_data_secret_hints": [{"kind": "aws-access-key-id", "location": "line 3"}]}}}]}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"launch_template": {"id": "lt-1", "version": "2"}}}}]}}]},
    ///   "launch_template_versions": [{"template_id": "lt-1", "requested_version": "2", "data": {"known": {
    ///     "template_id": "lt-1", "version_number": 2, "user_data_secret_hints": []}}}]}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "nodegroups": {"known": [{"name": "ng",
    ///   "config": {"known": {"launch_template": {"id": "lt-1", "version": "2"}}}}]}}]},
    ///   "launch_template_versions": [{"template_id": "lt-1", "requested_version": "2", "data": {"known": {
    ///     "template_id": "lt-1", "version_number": 2,
    ///     "user_data_secret_hints": [{"kind": "unreadable", "location": "gzip"}]}}}]}}}
    /// ```
    id: "ec2-node-user-data-no-secrets",
    title: "Node launch-template user data should hold no credentials",
    severity: High,
    kind: Configuration,
    resource_type: "AwsEc2LaunchTemplate",
    remediation: "Remove credentials from the launch template's user data, rotate them, and fetch secrets at boot from Secrets Manager or SSM Parameter Store.",
    compliance: ["NIST-800-190:4.1.4", "PCI-DSS-4.0:8.6.2", "EKS-BPG:data"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in nodegroup_gaps(g) {
        u.emit(out);
    }
    for t in launch_templates_in_use(g) {
        let t = match t {
            Ok(t) => t,
            Err(u) => {
                u.emit(out);
                continue;
            }
        };
        let (resource, subject, mut evidence) = (t.resource(g), t.subject(), t.evidence(g));
        let Some(hints) = &t.data.user_data_secret_hints else {
            out.pass(resource, format!("{subject} has no user data"), evidence);
            continue;
        };
        let (unreadable, found): (Vec<&SecretHint>, Vec<&SecretHint>) =
            hints.iter().partition(|h| h.kind == UNREADABLE);
        if let Some(last) = evidence.last_mut() {
            last.detail = format!(
                "{}; user data: {} credential hint(s){}",
                last.detail,
                found.len(),
                if unreadable.is_empty() {
                    ""
                } else {
                    ", partly undecodable"
                }
            );
        }
        if !found.is_empty() {
            let msg = format!(
                "{subject} has credentials in its user data: {}",
                listed(&found)
            );
            out.fail(resource, msg, evidence);
        } else if !unreadable.is_empty() {
            let msg = format!(
                "{subject} has user data that could not be decoded for scanning ({}), so it may hold credentials",
                unreadable.iter().map(|h| h.location.as_str()).collect::<Vec<_>>().join(", ")
            );
            out.unknown_because(resource, msg, evidence);
        } else {
            let msg = format!("{subject} has user data with no credentials spotted");
            out.pass(resource, msg, evidence);
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ec2::fixtures::{
        cluster, nodegroup_with_template, region, template_version, LT_ARN,
    };
    use crate::testing::{self, statuses};

    fn run(hints: Value) -> Vec<Finding> {
        let mut v = template_version(2, json!(null));
        if !hints.is_null() {
            v["data"]["known"]["user_data_secret_hints"] = hints;
        }
        let r = region(
            json!({"clusters": nodegroup_with_template("2"), "launch_template_versions": [v]}),
        );
        testing::run(&super::META, r)
    }

    #[test]
    fn fails_listing_kinds_and_lines_even_when_part_is_undecodable() {
        let f = run(json!([{"kind": "aws-access-key-id", "location": "line 2"},
            {"kind": "unreadable", "location": "part 2 (gzip)"},
            {"kind": "secret-assignment", "location": "line 5"}]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(f[0].resource.id, LT_ARN);
        assert_eq!(
            f[0].message,
            "launch template nodes version 2 used by nodegroup ng has credentials in its user data: \
             aws-access-key-id (line 2), secret-assignment (line 5)"
        );
    }

    #[test]
    fn passes_with_no_user_data_or_clean_user_data() {
        for hints in [json!(null), json!([])] {
            assert_eq!(statuses(&run(hints.clone())), [Status::Pass], "{hints}");
        }
    }

    #[test]
    fn unknown_not_pass_when_user_data_could_not_be_decoded() {
        let f = run(json!([{"kind": "unreadable", "location": "gzip"}]));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("could not be decoded"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_the_version_in_use_was_not_collected_or_nodegroup_unread() {
        let r = region(
            json!({"clusters": nodegroup_with_template("2"), "launch_template_versions": []}),
        );
        assert_eq!(statuses(&testing::run(&super::META, r)), [Status::Unknown]);
        let mut c = cluster(json!({}));
        c["known"][0]["nodegroups"]["known"][0]["config"] = json!({"unknown": {"service": "eks",
            "region": "us-east-1", "operation": "DescribeNodegroup", "reason": "error", "message": "x"}});
        let f = testing::run(&super::META, region(json!({"clusters": c})));
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
