use eksposture_model::kubernetes::Container;
use eksposture_model::Graph;

use super::{for_each_workload, offenders, verdict};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every workload of every cluster whose Kubernetes API was read (pod
    /// templates of controllers, pods without one; a controller's pods are
    /// counted on it). **fail** when a container takes a Secret into its
    /// environment, naming the variables: an `env` entry from
    /// `valueFrom.secretKeyRef`, an `envFrom` `secretRef`, or a literal
    /// `value` that looked like a secret when it was read (the scanner keeps
    /// only that verdict, never the value: a known credential format, or a
    /// long random value under a name like `*_PASSWORD`, `*_TOKEN`,
    /// `*_SECRET`). **pass** when no container does. **unknown** when the
    /// cluster's API could not be read, a workload kind could not be
    /// listed, or a pod spec came without containers. What EKS installs is
    /// not judged.
    ///
    /// ## Rationale
    ///
    /// Environment variables leak: into crash dumps and logs, to every
    /// process of the container through `/proc/<pid>/environ`, to anyone who
    /// may read the pod spec (a literal) or `exec` into it. Secrets mounted
    /// as files can be given tight permissions and are updated in place when
    /// rotated (CIS EKS 4.4.1, NIST SP 800-190 4.1.4).
    ///
    /// ## Remediation
    ///
    /// Mount Secrets as volumes (or use the Secrets Store CSI driver with
    /// AWS Secrets Manager) instead of `secretKeyRef`/`envFrom`; move
    /// literal credentials out of the pod spec into a Secret.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4",
    ///         "env": [{"name": "DB_PASSWORD", "source": "secretKeyRef"}]}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"known": {"connection": "eks-token", "workloads": {
    ///     "Pod": {"known": []}, "DaemonSet": {"known": []}, "StatefulSet": {"known": []},
    ///     "Job": {"known": []}, "CronJob": {"known": []},
    ///     "Deployment": {"known": [{"kind": "Deployment", "namespace": "payments", "name": "api",
    ///       "spec": {"containers": [{"name": "app", "image": "api:1.4",
    ///         "env": [{"name": "LOG_LEVEL", "source": "literal", "looks_secret": false}],
    ///         "env_from": ["configMap/api"]}]}}]}}}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "kubernetes": {"unknown": {"service": "kubernetes", "region": "us-east-1",
    ///     "operation": "GET /version", "reason": "unreachable", "message": "private endpoint"}}}]}}}}
    /// ```
    id: "kubernetes-pod-no-secrets-in-env",
    title: "Kubernetes containers should take secrets as files, not environment variables",
    severity: Medium,
    kind: Configuration,
    resource_type: "KubernetesWorkload",
    remediation: "Mount Secrets as volumes (or use the Secrets Store CSI driver) instead of secretKeyRef/envFrom, and move literal credentials out of the pod spec.",
    compliance: ["CIS-EKS-1.8:4.4.1", "NIST-800-190:4.1.4", "PCI-DSS-4.0:8.6.2", "EKS-BPG:data"],
}

fn secrets(c: &Container) -> Option<String> {
    let mut found: Vec<String> = c
        .env
        .iter()
        .filter_map(|e| match e.source.as_str() {
            "secretKeyRef" => Some(format!("{} from a Secret", e.name)),
            "literal" if e.looks_secret => {
                Some(format!("{} literal that looks like a secret", e.name))
            }
            _ => None,
        })
        .collect();
    found.extend(
        c.env_from
            .iter()
            .filter_map(|s| s.strip_prefix("secret/"))
            .map(|s| format!("every key of Secret {s}")),
    );
    (!found.is_empty()).then(|| found.join("; "))
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_workload(g, out, |out, s| {
        let bad = offenders(s.spec, secrets);
        verdict(
            out,
            s,
            &bad,
            "secrets in environment variables",
            "no secret in an environment variable",
        );
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::json;

    use crate::kubernetes::fixtures::{
        assert_unknown_when_unreachable, container, deployment, verdicts,
    };
    use crate::testing::{self, statuses};

    #[test]
    fn fails_on_secret_refs_env_from_and_secret_looking_literals() {
        let c = container(
            "app",
            json!({
            "env": [{"name": "DB_PASSWORD", "source": "secretKeyRef"},
                    {"name": "API_KEY", "source": "literal", "looks_secret": true},
                    {"name": "MODE", "source": "literal"}],
            "env_from": ["secret/api-creds", "configMap/api"]}),
        );
        let f = testing::run(&super::META, deployment(&[c]));
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message.ends_with("app (DB_PASSWORD from a Secret; API_KEY literal that looks like a secret; every key of Secret api-creds)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_with_config_maps_and_plain_literals() {
        let c = container(
            "app",
            json!({"env": [{"name": "MODE", "source": "literal"},
            {"name": "NODE", "source": "fieldRef"}], "env_from": ["configMap/api"]}),
        );
        assert_eq!(verdicts(&super::META, deployment(&[c])), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_api_is_unreachable() {
        assert_unknown_when_unreachable(&super::META);
    }
}
