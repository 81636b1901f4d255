//! `--kubeconfig FILE` (or `KUBECONFIG`): which context reaches which EKS
//! cluster. A context matches a cluster when its name is the cluster's ARN
//! (what `aws eks update-kubeconfig` writes) or when its cluster's server
//! URL is the cluster's endpoint. A cluster no context matches is read with
//! an EKS token made from the scan's credentials instead.

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};

#[derive(Debug, thiserror::Error)]
#[error("cannot use kubeconfig {path}: {message}")]
pub struct KubeconfigError {
    pub path: String,
    pub message: String,
}

/// The contexts of the user's kubeconfig.
pub struct Contexts {
    source: String,
    kubeconfig: Kubeconfig,
}

impl std::fmt::Debug for Contexts {
    // A kubeconfig can hold tokens and keys: print only where it came from.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contexts")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

impl Contexts {
    /// `path` when given, else the `KUBECONFIG` files (merged as kubectl
    /// merges them); `None` when neither is set: the default
    /// `~/.kube/config` is not read unless asked for.
    pub fn load(path: Option<&Path>) -> Result<Option<Contexts>, KubeconfigError> {
        let (source, loaded) = match path {
            Some(p) => (p.display().to_string(), Kubeconfig::read_from(p).map(Some)),
            None => ("$KUBECONFIG".to_string(), Kubeconfig::from_env()),
        };
        match loaded {
            Ok(Some(kubeconfig)) => Ok(Some(Contexts { source, kubeconfig })),
            Ok(None) => Ok(None),
            Err(e) => Err(KubeconfigError {
                path: source,
                message: e.to_string(),
            }),
        }
    }

    /// The context for the cluster with this ARN and endpoint, if any.
    pub fn find(&self, cluster_arn: &str, endpoint: Option<&str>) -> Option<&str> {
        let by_name = self
            .kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == cluster_arn);
        let by_server = || {
            let endpoint = normalise(endpoint?);
            self.kubeconfig.contexts.iter().find(|c| {
                let Some(cluster) = c.context.as_ref().map(|x| &x.cluster) else {
                    return false;
                };
                self.kubeconfig.clusters.iter().any(|k| {
                    &k.name == cluster
                        && k.cluster
                            .as_ref()
                            .and_then(|x| x.server.as_deref())
                            .is_some_and(|s| normalise(s) == endpoint)
                })
            })
        };
        by_name.or_else(by_server).map(|c| c.name.as_str())
    }

    /// The client configuration of `context` (its credentials included:
    /// tokens, client certificates, exec plugins as kube-rs runs them).
    pub async fn config(&self, context: &str) -> Result<kube::Config, KubeconfigError> {
        let options = KubeConfigOptions {
            context: Some(context.to_string()),
            ..KubeConfigOptions::default()
        };
        kube::Config::from_custom_kubeconfig(self.kubeconfig.clone(), &options)
            .await
            .map_err(|e| KubeconfigError {
                path: self.source.clone(),
                message: format!("context {context}: {e}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Contexts;

    const ARN: &str = "arn:aws:eks:us-east-1:111122223333:cluster/prod";

    fn contexts(yaml: &str) -> Contexts {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "eksposture-kubeconfig-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(&path, yaml).unwrap();
        let c = Contexts::load(Some(&path)).unwrap().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
        c
    }

    const FILE: &str = r"
apiVersion: v1
kind: Config
clusters:
- name: arn:aws:eks:us-east-1:111122223333:cluster/prod
  cluster: {server: 'https://ABC.gr7.us-east-1.eks.amazonaws.com'}
- name: staging-cluster
  cluster: {server: 'https://DEF.gr7.us-east-1.eks.amazonaws.com/'}
contexts:
- name: arn:aws:eks:us-east-1:111122223333:cluster/prod
  context: {cluster: arn:aws:eks:us-east-1:111122223333:cluster/prod, user: u}
- name: staging
  context: {cluster: staging-cluster, user: u}
users:
- name: u
  user: {token: t}
";

    #[test]
    fn matches_by_the_cluster_arn_or_the_endpoint() {
        let c = contexts(FILE);
        assert_eq!(c.find(ARN, None), Some(ARN));
        let staging = "arn:aws:eks:us-east-1:111122223333:cluster/staging";
        assert_eq!(
            c.find(staging, Some("https://def.gr7.us-east-1.eks.amazonaws.com")),
            Some("staging")
        );
        assert_eq!(c.find(staging, Some("https://other.example")), None);
        assert_eq!(c.find(staging, None), None);
        assert!(!format!("{c:?}").contains("token"));
    }

    #[tokio::test]
    async fn a_context_gives_its_server() {
        let c = contexts(FILE);
        let config = c.config("staging").await.unwrap();
        assert_eq!(
            config.cluster_url.host(),
            Some("DEF.gr7.us-east-1.eks.amazonaws.com")
        );
        let err = c.config("nope").await.unwrap_err().to_string();
        assert!(
            err.starts_with("cannot use kubeconfig ") && err.contains("context nope"),
            "{err}"
        );
    }

    #[test]
    fn a_broken_file_is_named() {
        let path = std::env::temp_dir().join(format!(
            "eksposture-no-such-kubeconfig-{}",
            std::process::id()
        ));
        let err = Contexts::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}
