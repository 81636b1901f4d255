use eksposture_model::graph::Lookup;
use eksposture_model::{Evidence, Graph, Observed};

use crate::iam::PodIdentityUse;
use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster: **pass** when the cluster's OIDC issuer
    /// (`identity.oidc.issuer`) is registered as an IAM OIDC provider (the
    /// provider is the evidence); **fail** when the account's provider list
    /// was read and has no provider for the issuer, so IAM roles for service
    /// accounts (IRSA) cannot work; **pass** instead when the cluster has
    /// EKS Pod Identity associations, which give pods their own role without
    /// an OIDC provider. **unknown** when `DescribeCluster` failed or
    /// returned no issuer, when `ListOpenIDConnectProviders` failed, when the
    /// region's clusters could not be listed, and when there is no provider
    /// and the cluster's Pod Identity associations could not be listed (moto:
    /// not supported): they may be how its pods get roles.
    ///
    /// Cross-account IRSA: a role in another account can trust this
    /// cluster's issuer, registered as an OIDC provider in *that* account
    /// (IAM checks a web-identity token against the provider of the role's
    /// own account). Then this account needs no provider of its own, and
    /// this scan, which reads one account, cannot see the other. The
    /// **fail** message says so: it is a fail only for roles of the scanned
    /// account.
    ///
    /// ## Rationale
    ///
    /// Without a per-workload identity (IRSA or Pod Identity), pods that call
    /// AWS use the node's instance-profile role through IMDS: every pod on a
    /// node shares one role, which then has to hold the union of all their
    /// permissions. CIS 5.2.1 and the EKS Best Practices Guide ask for
    /// dedicated, least-privilege identities per workload. Severity is low:
    /// the missing provider is a missing capability, not an exposure by
    /// itself; `path-pod-to-node-role` reports the exposure.
    ///
    /// ## Remediation
    ///
    /// `eksctl utils associate-iam-oidc-provider --cluster <cluster>
    /// --approve`, or `aws iam create-open-id-connect-provider --url <issuer>
    /// --client-id-list sts.amazonaws.com`; then give each workload its own
    /// role (IRSA) or use EKS Pod Identity.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"oidc_providers": {"known": []}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}},
    ///   "pod_identity_associations": {"known": []}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"iam": {"oidc_providers": {"known": [{
    ///   "arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
    ///   "url": "oidc.eks.us-east-1.amazonaws.com/id/ABC"}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"oidc_providers": {"unknown": {"service": "iam", "region": "global",
    ///   "operation": "ListOpenIDConnectProviders", "reason": "access_denied", "message": "denied"}}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}}}]}}}}
    /// ```
    ///
    /// No provider, and the Pod Identity associations could not be listed:
    ///
    /// ```json,unknown
    /// {"iam": {"oidc_providers": {"known": []}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}},
    ///   "pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    id: "eks-irsa-provider-registered",
    title: "EKS cluster OIDC issuers should be registered as IAM OIDC providers so pods can have their own IAM roles",
    severity: Low,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Register the cluster's OIDC issuer as an IAM OIDC provider (eksctl utils associate-iam-oidc-provider), or use EKS Pod Identity.",
    compliance: ["CIS-EKS-1.8:5.2.1", "PCI-DSS-4.0:7.2.5", "EKS-BPG:iam"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let Some(issuer) = config.oidc_issuer.as_deref() else {
            let msg = format!("DescribeCluster returned no OIDC issuer for cluster {name}");
            out.unknown_because(cluster_ref(&c), msg, vec![cluster_evidence(&c)]);
            return;
        };
        let mut ev = vec![Evidence::new(
            "AwsEksCluster",
            &c.cluster.arn,
            format!("cluster {name}, OIDC issuer {issuer}"),
        )];
        match g.oidc_provider_for_issuer(issuer) {
            Lookup::Found(p) => {
                ev.push(Evidence::new(
                    "AwsIamOidcProvider",
                    &p.arn,
                    format!("IAM OIDC provider for {}", p.url),
                ));
                out.pass(
                    cluster_ref(&c),
                    format!("cluster {name}'s OIDC issuer is registered in IAM: pods can use IRSA"),
                    ev,
                );
            }
            Lookup::Unknown(gap) => {
                out.unknown(cluster_ref(&c), "the account's IAM OIDC providers", gap, ev);
            }
            Lookup::Missing => match &c.cluster.pod_identity_associations {
                Observed::Known(assocs) if !assocs.is_empty() => {
                    ev.extend(assocs.iter().take(10).map(|a| {
                        let u = PodIdentityUse {
                            cluster: c,
                            association: a,
                        };
                        Evidence::new(
                            "AwsEksPodIdentityAssociation",
                            u.id(),
                            format!("service account {}/{}", a.namespace, a.service_account),
                        )
                    }));
                    let msg = format!("cluster {name} has no IAM OIDC provider, but its pods get their own roles through {} EKS Pod Identity association(s)", assocs.len());
                    out.pass(cluster_ref(&c), msg, ev);
                }
                Observed::Known(_) => {
                    let msg = format!(
                        "cluster {name}'s OIDC issuer has no IAM OIDC provider in account {account} and the cluster has no EKS Pod Identity associations: no role of this account can be assumed through IRSA, so pods that call AWS fall back to the node role (unless their IRSA roles live in another account that registers this issuer as its own provider, which a scan of this account cannot see)",
                        account = g.account_id()
                    );
                    out.fail(cluster_ref(&c), msg, ev);
                }
                Observed::Unknown(gap) => {
                    let what = format!(
                        "cluster {name}'s OIDC issuer has no IAM OIDC provider, and its EKS Pod Identity associations (which may give its pods their own roles)"
                    );
                    out.unknown(cluster_ref(&c), &what, gap, ev);
                }
            },
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    const ISSUER: &str = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC";

    fn run(providers: &Value, cluster_extra: &Value) -> Vec<Finding> {
        let mut fields = json!({"config": {"known": {"oidc_issuer": ISSUER}}});
        for (k, v) in cluster_extra.as_object().unwrap() {
            fields[k] = v.clone();
        }
        let mut account = testing::cluster(fields);
        account["iam"] = json!({"oidc_providers": providers});
        testing::run(&super::META, account)
    }

    fn provider(url: &str) -> Value {
        json!({"known": [{"arn": format!("arn:aws:iam::111122223333:oidc-provider/{url}"), "url": url}]})
    }

    #[test]
    fn fails_when_issuer_has_no_provider_and_no_pod_identity_naming_cross_account_irsa() {
        let f = run(
            &provider("oidc.eks.us-east-1.amazonaws.com/id/OTHER"),
            &json!({"pod_identity_associations": {"known": []}}),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        let m = &f[0].message;
        assert!(m.contains("fall back to the node role"), "{m}");
        assert!(
            m.contains("in account 111122223333")
                && m.contains("IRSA roles live in another account that registers this issuer"),
            "{m}"
        );
    }

    #[test]
    fn unknown_not_fail_when_pod_identity_associations_are_unread() {
        // Before: FAIL, "(its EKS Pod Identity associations could not be read)".
        let f = run(
            &provider("oidc.eks.us-east-1.amazonaws.com/id/OTHER"),
            &json!({"pod_identity_associations": {"unknown": {"service": "eks", "region": "us-east-1",
                "operation": "ListPodIdentityAssociations", "reason": "not_supported", "message": "404"}}}),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("Pod Identity associations")
                && f[0].message.contains("could not be read"),
            "{}",
            f[0].message
        );
        assert!(f[0].evidence.iter().any(|e| e.kind == "Gap"));
    }

    #[test]
    fn passes_when_provider_registered_with_trailing_slash() {
        let f = run(
            &provider("oidc.eks.us-east-1.amazonaws.com/id/ABC/"),
            &json!({}),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].evidence.iter().any(|e| e.kind == "AwsIamOidcProvider"));
    }

    #[test]
    fn passes_without_provider_when_pod_identity_is_used() {
        let assoc = json!({"pod_identity_associations": {"known": [{"association_id": "a-1",
            "namespace": "app", "service_account": "api", "role_arn": {"known": "arn:aws:iam::111122223333:role/api"}}]}});
        let f = run(&json!({"known": []}), &assoc);
        assert_eq!(statuses(&f), [Status::Pass]);
        let none = run(
            &json!({"known": []}),
            &json!({"pod_identity_associations": {"known": []}}),
        );
        assert_eq!(statuses(&none), [Status::Fail]);
    }

    #[test]
    fn unknown_when_providers_unread_or_issuer_missing() {
        let gap = json!({"unknown": {"service": "iam", "region": "global",
            "operation": "ListOpenIDConnectProviders", "reason": "error", "message": "timeout"}});
        assert_eq!(statuses(&run(&gap, &json!({}))), [Status::Unknown]);
        let no_issuer = json!({"config": {"known": {"version": "1.31"}}});
        assert_eq!(
            statuses(&run(&provider("x"), &no_issuer)),
            [Status::Unknown]
        );
    }
}
