use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it): each container's `image` reference. **fail** when it
    /// has no digest (`@sha256:...`) and its tag is `latest` or absent
    /// (which means `latest`): what runs changes whenever the tag is pushed
    /// and a node pulls. **pass** when every image is pinned by digest or
    /// names a specific tag (whether the registry keeps that tag immutable
    /// is `ecr-tags-immutable`'s question). **unknown** when the cluster's
    /// API could not be read, a workload kind could not be listed, or a pod
    /// spec came without containers. What EKS installs is not judged.
    ///
    /// ## Rationale
    ///
    /// A floating tag makes the running version depend on when each node
    /// pulled: replicas differ, a rollback redeploys the new image, and a
    /// pushed or poisoned `latest` reaches production without a deployment
    /// (NIST SP 800-190 4.2.2 asks for immutable names of discrete
    /// versions; EKS Best Practices Guide, image security).
    ///
    /// ## Remediation
    ///
    /// Reference images by digest (`repo@sha256:...`) or by a versioned tag
    /// in a repository with immutable tags; set `imagePullPolicy` to
    /// `IfNotPresent`.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/api:latest"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2"},
    ///         {"name": "proxy", "image": "envoyproxy/envoy@sha256:4f1c"}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-image-tag-pinned",
    title: "Kubernetes containers should reference images by digest or a specific tag, not latest",
    severity: Low,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Reference images by digest or by a versioned tag in a repository with immutable tags.",
    compliance: ["NIST-800-190:4.2.2", "EKS-BPG:image"],
}

/// The tag of an image reference: after the last `:` of its last path
/// segment (a registry's `host:port` is not a tag); `None` when untagged.
fn tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

fn floating(image: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    match tag(image) {
        None => Some(format!("{image}, untagged: latest")),
        Some("latest") => Some(image.to_string()),
        Some(_) => None,
    }
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, |c| floating(&c.image));
        verdict(
            out,
            s,
            &bad,
            "images by a floating tag",
            "every image is pinned by digest or a specific tag",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use super::floating;
    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, deployment, verdicts,
    };
    use crate::testing::{self, statuses};

    #[test]
    fn reads_tags_past_registry_ports() {
        assert!(floating("nginx").is_some());
        assert!(floating("registry:5000/team/app").is_some());
        assert!(floating("registry:5000/team/app:latest").is_some());
        assert!(floating("registry:5000/team/app:2.1").is_none());
        assert!(floating("app:latest@sha256:abc").is_none());
    }

    #[test]
    fn fails_on_latest_or_no_tag() {
        let f = testing::run(
            &super::META,
            deployment(&[container("app", json!({"image": "nginx"}))]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("app (nginx, untagged: latest)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_digests_and_versioned_tags() {
        let c = container("app", json!({"image": "nginx:1.27"}));
        assert_eq!(verdicts(&super::META, deployment(&[c])), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
