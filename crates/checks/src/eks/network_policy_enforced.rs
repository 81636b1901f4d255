use eksposture_model::{Addon, Evidence, Graph, Observed};
use serde_json::Value;

use crate::support::{cluster_evidence, cluster_ref, clusters_of_region_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, its EKS add-ons (`ListAddons`,
    /// `DescribeAddon`). **pass** when an add-on whose name contains
    /// `calico`, `cilium` or `tigera` is installed, or when the `vpc-cni`
    /// add-on's configuration values enable network policy
    /// (`enableNetworkPolicy` `true` or `"true"`: parsed as JSON, or for YAML
    /// a top-level `enableNetworkPolicy: true` line). **fail** when the
    /// add-ons were read and none of that holds: no policy engine add-on,
    /// and `vpc-cni` absent, with no configuration values (network policy
    /// is off by default) or with `enableNetworkPolicy` false. **unknown**
    /// when the add-ons could not be listed (moto does not implement
    /// `ListAddons`), when the `vpc-cni` add-on could not be described or its
    /// configuration values mention `enableNetworkPolicy` in a form that
    /// cannot be read, and when the region's clusters could not be listed.
    ///
    /// A Calico or Cilium installed with Helm or manifests, and a
    /// self-managed VPC CNI configured in its DaemonSet, are invisible to
    /// the AWS APIs: such a cluster fails here although it may enforce
    /// network policies. The failure message says so; suppress the finding
    /// for clusters where you have verified in-cluster enforcement.
    ///
    /// ## Rationale
    ///
    /// Without a network policy engine, Kubernetes `NetworkPolicy` objects are
    /// accepted and silently ignored: every pod can reach every other pod and
    /// the node network, so one compromised pod reaches databases, the
    /// kubelet and other tenants (CIS 5.4.4, NIST SP 800-190 4.3.3). The AWS
    /// APIs show enforcement only through add-ons; reporting its absence as a
    /// failure, with the blind spot named, is the only way this check can
    /// ever catch a cluster that enforces nothing; reporting it as unknown
    /// would make the check unable to fail.
    ///
    /// ## Remediation
    ///
    /// `aws eks update-addon --cluster-name <cluster> --addon-name vpc-cni
    /// --configuration-values '{"enableNetworkPolicy": "true"}'` (VPC CNI
    /// 1.14+), or install a Calico/Cilium add-on; then write default-deny
    /// policies per namespace.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "addons": {"known": [{"name": "vpc-cni", "detail": {"known": {}}}]}}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "addons": {"known": [{"name": "vpc-cni", "detail": {"known":
    ///     {"configuration_values": "{\"enableNetworkPolicy\": \"true\"}"}}}]}}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "addons": {"unknown": {"service": "eks", "region": "us-east-1",
    ///     "operation": "ListAddons", "reason": "not_supported", "message": "404"}}}]}}}}
    /// ```
    id: "eks-network-policy-enforced",
    title: "EKS clusters should enforce Kubernetes network policies (VPC CNI network policy or a Calico/Cilium add-on)",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Enable network policy in the vpc-cni add-on (configuration value enableNetworkPolicy: \"true\") or install a Calico/Cilium add-on, then apply default-deny NetworkPolicies.",
    compliance: ["CIS-EKS-1.8:5.4.4", "NIST-800-190:4.3.3", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.1", "EKS-BPG:network"],
}

const ENGINES: [&str; 3] = ["calico", "cilium", "tigera"];
const KEY: &str = "enableNetworkPolicy";

/// What the `vpc-cni` configuration values say about network policy:
/// `Ok(on)`, or `Err` when the key is there in a form not understood.
fn network_policy_enabled(values: &str) -> Result<bool, String> {
    if let Ok(doc) = serde_json::from_str::<Value>(values) {
        return match doc.get(KEY) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(other) => Err(format!("{KEY} is {other}")),
        };
    }
    // YAML: only a top-level `enableNetworkPolicy: <value>` line is read;
    // comment lines are skipped.
    let mut found = None;
    let setting = |l: &&str| l.contains(KEY) && !l.trim_start().starts_with('#');
    for line in values.lines().filter(setting) {
        let Some(value) = line
            .strip_prefix(KEY)
            .and_then(|r| r.trim_start().strip_prefix(':'))
        else {
            return Err(format!(
                "the line {:?} is not a top-level {KEY} setting",
                line.trim()
            ));
        };
        let value = value
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        match value {
            "true" => found = Some(true),
            "false" => found = Some(false),
            other => return Err(format!("{KEY} is {other:?}")),
        }
    }
    Ok(found.unwrap_or(false))
}

fn addon_evidence(arn: &str, addon: &Addon, detail: &str) -> Evidence {
    let id = addon
        .detail
        .known()
        .and_then(|d| d.arn.clone())
        .unwrap_or_else(|| format!("{arn}/addon/{}", addon.name));
    Evidence::new(
        "AwsEksAddon",
        id,
        format!("add-on {}: {detail}", addon.name),
    )
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for (region, gap) in g.cluster_listing_gaps() {
        let what = format!("the EKS clusters of region {region}");
        out.unknown(clusters_of_region_ref(g, region), &what, gap, vec![]);
    }
    for c in g.clusters() {
        let (name, arn) = (&c.cluster.name, &c.cluster.arn);
        let mut evidence = vec![cluster_evidence(&c)];
        let addons = match &c.cluster.addons {
            Observed::Known(addons) => addons,
            Observed::Unknown(gap) => {
                out.unknown(
                    cluster_ref(&c),
                    &format!("the add-ons of cluster {name}"),
                    gap,
                    evidence,
                );
                continue;
            }
        };
        if let Some(engine) = addons.iter().find(|a| {
            ENGINES
                .iter()
                .any(|e| a.name.to_ascii_lowercase().contains(e))
        }) {
            evidence.push(addon_evidence(arn, engine, "network policy engine"));
            out.pass(
                cluster_ref(&c),
                format!(
                    "cluster {name} runs the network policy add-on {}",
                    engine.name
                ),
                evidence,
            );
            continue;
        }
        let cni = addons.iter().find(|a| a.name == "vpc-cni");
        let verdict = match cni.map(|a| (a, &a.detail)) {
            None => Ok((false, "no vpc-cni add-on (a self-managed VPC CNI's settings are not visible)".to_string())),
            Some((_, Observed::Unknown(gap))) => Err((format!("the vpc-cni add-on of cluster {name}"), Some(gap))),
            Some((a, Observed::Known(d))) => match d.configuration_values.as_deref().map(network_policy_enabled) {
                None => Ok((false, "vpc-cni add-on without configuration values (network policy is off by default)".into())),
                Some(Ok(on)) => Ok((on, format!("vpc-cni add-on with {KEY}={on}"))),
                Some(Err(why)) => {
                    evidence.push(addon_evidence(arn, a, &why));
                    Err((format!("cluster {name}: the vpc-cni configuration values could not be interpreted ({why})"), None))
                }
            },
        };
        match verdict {
            Ok((on, detail)) => {
                if let Some(a) = cni {
                    evidence.push(addon_evidence(arn, a, &detail));
                }
                if on {
                    out.pass(
                        cluster_ref(&c),
                        format!("cluster {name} enforces network policies with the VPC CNI"),
                        evidence,
                    );
                } else {
                    let msg = format!("network policy is not enforced by any EKS add-on of cluster {name}: {detail}; no Calico/Cilium add-on (a self-managed Calico/Cilium installed with Helm is invisible to AWS APIs)");
                    out.fail(cluster_ref(&c), msg, evidence);
                }
            }
            Err((what, Some(gap))) => out.unknown(cluster_ref(&c), &what, gap, evidence),
            Err((msg, None)) => out.unknown_because(cluster_ref(&c), msg, evidence),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use super::network_policy_enabled;
    use crate::testing::{self, statuses};

    fn cluster(addons: Value) -> Value {
        let mut c =
            json!({"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"});
        c["addons"] = addons;
        json!({"regions": {"us-east-1": {"clusters": {"known": [c]}}}})
    }

    fn cni(values: Value) -> Value {
        let mut a = json!({"known": [{"name": "kube-proxy", "detail": {"known": {}}},
            {"name": "vpc-cni", "detail": {"known": {}}}]});
        a["known"][1]["detail"]["known"]["configuration_values"] = values;
        a
    }

    #[test]
    fn reads_json_and_simple_yaml_configuration_values() {
        assert_eq!(
            network_policy_enabled(r#"{"enableNetworkPolicy": "true"}"#),
            Ok(true)
        );
        assert_eq!(
            network_policy_enabled(r#"{"enableNetworkPolicy": false, "env": {}}"#),
            Ok(false)
        );
        assert_eq!(
            network_policy_enabled(
                "env:\n  WARM_IP_TARGET: \"5\"\nenableNetworkPolicy: \"true\"\n"
            ),
            Ok(true)
        );
        assert_eq!(
            network_policy_enabled("enableNetworkPolicy: true # on\n"),
            Ok(true)
        );
        assert_eq!(network_policy_enabled("env:\n  A: b\n"), Ok(false));
        assert_eq!(
            network_policy_enabled("# enableNetworkPolicy: true\nenv: {}\n"),
            Ok(false)
        );
        assert!(network_policy_enabled("nodeAgent:\n  enableNetworkPolicy: true\n").is_err());
        assert!(network_policy_enabled(r#"{"enableNetworkPolicy": "yes"}"#).is_err());
    }

    #[test]
    fn fails_with_the_helm_caveat_when_vpc_cni_leaves_network_policy_off() {
        for values in [json!(null), json!("{\"enableNetworkPolicy\": \"false\"}")] {
            let f = testing::run(&super::META, cluster(cni(values.clone())));
            assert_eq!(statuses(&f), [Status::Fail], "{values}");
            assert!(
                f[0].message.contains("invisible to AWS APIs"),
                "{}",
                f[0].message
            );
            assert_eq!(
                f[0].evidence[1].id,
                "arn:aws:eks:us-east-1:111122223333:cluster/prod/addon/vpc-cni"
            );
        }
        let f = testing::run(&super::META, cluster(json!({"known": []})));
        assert_eq!(statuses(&f), [Status::Fail]);
    }

    #[test]
    fn passes_with_vpc_cni_network_policy_or_a_policy_engine_addon() {
        let f = testing::run(
            &super::META,
            cluster(cni(json!("enableNetworkPolicy: 'true'"))),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
        let unread_cni = json!({"known": [{"name": "tigera-operator"}, {"name": "vpc-cni"}]});
        assert_eq!(
            statuses(&testing::run(&super::META, cluster(unread_cni))),
            [Status::Pass]
        );
    }

    #[test]
    fn unknown_when_addons_or_vpc_cni_unreadable_or_uninterpretable() {
        let gap = json!({"service": "eks", "region": "us-east-1", "operation": "DescribeAddon",
            "reason": "access_denied", "message": "denied"});
        for addons in [
            json!({"unknown": gap}),
            json!({"known": [{"name": "vpc-cni", "detail": {"unknown": gap}}]}),
            cni(json!("nodeAgent:\n  enableNetworkPolicy: true\n")),
        ] {
            let f = testing::run(&super::META, cluster(addons.clone()));
            assert_eq!(statuses(&f), [Status::Unknown], "{addons}");
        }
    }
}
