//! The table of services the collectors read. A service module declares one
//! [`Service`]: its IAM prefix, its concurrency bound and every operation it
//! sends. The operations list (and so `eksposture permissions` and the
//! read-only tests) and the per-service concurrency [`Limits`] derive from
//! [`SERVICES`]; adding a service is its module plus one line there.

use std::collections::BTreeMap;

use tokio::sync::{Semaphore, SemaphorePermit};

/// A service the collectors read.
#[derive(Debug)]
pub struct Service {
    /// The IAM service prefix (`eks`, `logs`, `inspector2`).
    pub name: &'static str,
    /// Calls in flight at once, per account, across all of its regions: a
    /// many-region scan must not throttle itself.
    pub concurrency: usize,
    /// Every operation the collector sends: API names, which are also the
    /// IAM action names. Reads only (`List`, `Describe`, `Get`, `BatchGet`).
    pub operations: &'static [&'static str],
    /// REST protocols only (EKS, Inspector2): each operation's HTTP method
    /// and request URI template from the service model (botocore's
    /// `http.method` / `http.requestUri`), so that a request seen only on
    /// the wire (a server's access log, a proxy) can be named.
    pub rest: &'static [Rest],
}

/// How a REST operation appears on the wire.
#[derive(Debug)]
pub struct Rest {
    pub operation: &'static str,
    pub method: &'static str,
    /// `/clusters/{name}/node-groups/{nodegroupName}`.
    pub uri: &'static str,
}

impl Rest {
    /// Whether `method path` is this operation (the query string ignored; a
    /// `{label}` matches one path segment).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or_default();
        let want: Vec<&str> = self.uri.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        method.eq_ignore_ascii_case(self.method)
            && want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| (w.starts_with('{') && !g.is_empty()) || w == g)
    }
}

/// The operation of a REST request to `service` seen on the wire.
pub fn rest_operation(service: &str, method: &str, path: &str) -> Option<&'static str> {
    SERVICES
        .iter()
        .filter(|s| s.name == service)
        .flat_map(|s| s.rest)
        .find(|r| r.matches(method, path))
        .map(|r| r.operation)
}

/// Every service the scan reads, in the order of their modules.
pub const SERVICES: &[&Service] = &[
    &crate::ec2::SERVICE,
    &crate::ecr::SERVICE,
    &crate::ecs::SERVICE,
    &crate::eks::SERVICE,
    &crate::iam::SERVICE,
    &crate::inspector::SERVICE,
    &crate::kms::SERVICE,
    &crate::logs::SERVICE,
];

/// Concurrency bounds per service, shared by every region of one account.
pub struct Limits(BTreeMap<&'static str, Semaphore>);

impl Default for Limits {
    fn default() -> Self {
        Limits(
            SERVICES
                .iter()
                .map(|s| (s.name, Semaphore::new(s.concurrency)))
                .collect(),
        )
    }
}

impl Limits {
    /// A permit for one call of `service`, held for that call only (never
    /// across another call, so fan-out cannot deadlock on the bound).
    pub async fn permit(&self, service: &Service) -> Option<SemaphorePermit<'_>> {
        self.0.get(service.name)?.acquire().await.ok()
    }
}

/// Every operation the scan of one account sends, as sorted, unique
/// `service:Operation` (the IAM action names): the table's operations and
/// the session's own `sts:GetCallerIdentity`.
pub fn operations() -> Vec<String> {
    let mut ops: Vec<String> = SERVICES
        .iter()
        .flat_map(|s| {
            s.operations
                .iter()
                .map(move |op| format!("{}:{op}", s.name))
        })
        .chain(eksposture_aws::OPERATIONS.iter().map(ToString::to_string))
        .collect();
    ops.sort();
    ops.dedup();
    ops
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn is_read(action: &str) -> bool {
        ["List", "Describe", "Get", "BatchGet"]
            .iter()
            .any(|p| action.starts_with(p))
    }

    #[test]
    fn every_operation_is_a_read() {
        for op in operations() {
            let (_, action) = op.split_once(':').unwrap();
            assert!(is_read(action), "{op} is not a read-only operation");
        }
    }

    #[test]
    fn each_service_lists_its_operations_sorted_and_once() {
        for s in SERVICES {
            let mut sorted = s.operations.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                sorted, s.operations,
                "keep {}'s operations sorted and unique",
                s.name
            );
            assert!(s.concurrency > 0, "{}", s.name);
        }
    }

    #[test]
    fn rest_operations_are_the_services_own_and_complete() {
        for s in SERVICES.iter().filter(|s| !s.rest.is_empty()) {
            let mut named: Vec<&str> = s.rest.iter().map(|r| r.operation).collect();
            named.sort_unstable();
            assert_eq!(
                named, s.operations,
                "{}: one REST entry per operation",
                s.name
            );
        }
        assert_eq!(
            rest_operation(
                "eks",
                "GET",
                "/clusters/prod/access-entries/arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr/access-policies"
            ),
            Some("ListAssociatedAccessPolicies")
        );
        assert_eq!(
            rest_operation("eks", "GET", "/clusters/prod?x=1"),
            Some("DescribeCluster")
        );
        assert_eq!(
            rest_operation("eks", "GET", "/clusters"),
            Some("ListClusters")
        );
        assert_eq!(rest_operation("eks", "DELETE", "/clusters/prod"), None);
        assert_eq!(
            rest_operation("inspector2", "POST", "/findings/list"),
            Some("ListFindings")
        );
    }

    /// A module that declares a `SERVICE` and is missing from [`SERVICES`]
    /// would send operations no policy grants, with no concurrency bound.
    #[test]
    fn every_declared_service_is_in_the_table() {
        fn declared(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    declared(&path, out);
                } else if !path.ends_with("service.rs")
                    && std::fs::read_to_string(&path)
                        .is_ok_and(|t| t.contains("pub const SERVICE: Service"))
                {
                    out.push(path.display().to_string());
                }
            }
        }
        let mut files = Vec::new();
        declared(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert_eq!(files.len(), SERVICES.len(), "{files:?}");
        let mut names: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SERVICES.len(), "a service is listed twice");
    }
}
