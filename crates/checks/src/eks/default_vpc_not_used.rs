use eksposture_model::graph::{ClusterView, Lookup};
use eksposture_model::{ClusterConfig, Evidence, Gap, Graph, Observed};

use crate::support::{cluster_evidence, cluster_ref, for_each_cluster_config, Unread};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every EKS cluster, the VPC it runs in: `resourcesVpcConfig.vpcId`,
    /// or, when DescribeCluster does not return it (moto never does), the VPC
    /// of the first of its subnets found in the region's `DescribeSubnets`
    /// answer (EKS requires all of a cluster's subnets to be in one VPC).
    /// **fail** when `DescribeVpcs` reports that VPC as the region's default
    /// VPC (`isDefault=true`); **pass** when it reports it as not the default.
    /// **unknown** when the VPC cannot be determined (no `vpcId`, and no
    /// subnet found or the subnets could not be read), when the region's VPCs
    /// could not be read, the VPC is not among them or came without
    /// `isDefault`, and when `DescribeCluster` failed or the region's
    /// clusters could not be listed.
    ///
    /// ## Rationale
    ///
    /// The default VPC exists in every region for convenience: all its
    /// subnets are public (routed to an internet gateway, public IPv4 on
    /// launch), and anything launched without naming a VPC lands in it, so
    /// the cluster shares its network with unrelated, often forgotten
    /// workloads. A cluster deserves a VPC designed for it, with private
    /// subnets for nodes and only the tiers that belong to it.
    ///
    /// ## Remediation
    ///
    /// Create a dedicated VPC with private node subnets (e.g. `eksctl` or the
    /// AWS VPC templates for EKS) and migrate workloads to a new cluster
    /// there: a cluster's VPC cannot be changed after creation.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"vpc_id": "vpc-d"}}}]},
    ///   "vpcs": {"known": [{"vpc_id": "vpc-d", "arn": "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-d", "is_default": true}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"subnet_ids": ["subnet-1"]}}}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "vpcs": {"known": [{"vpc_id": "vpc-1", "is_default": false}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
    ///   "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
    ///   "config": {"known": {"vpc_id": "vpc-1"}}}]},
    ///   "vpcs": {"unknown": {"service": "ec2", "region": "us-east-1",
    ///     "operation": "DescribeVpcs", "reason": "access_denied", "message": "denied"}}}}}
    /// ```
    id: "eks-default-vpc-not-used",
    title: "EKS clusters should not run in the region's default VPC",
    severity: Low,
    kind: Configuration,
    resource_type: "AwsEksCluster",
    remediation: "Run clusters in a dedicated VPC with private node subnets; a cluster's VPC cannot be changed, so create a new cluster there and migrate.",
    compliance: ["NIST-800-190:4.3.3", "PCI-DSS-4.0:1.3.1", "PCI-DSS-4.0:1.4.1", "EKS-BPG:network"],
}

/// The cluster's VPC id and how it was found, or what is missing.
fn cluster_vpc(
    g: &Graph<'_>,
    c: &ClusterView<'_>,
    config: &ClusterConfig,
) -> Result<(String, Vec<Evidence>), Box<Unread>> {
    let name = &c.cluster.name;
    if let Some(vpc) = &config.vpc_id {
        return Ok((vpc.clone(), vec![cluster_evidence(c)]));
    }
    let mut gap: Option<&Gap> = None;
    for id in &config.subnet_ids {
        match g.subnet(c.region, id) {
            Lookup::Found(s) => {
                if let Some(vpc) = &s.vpc_id {
                    let detail = format!("subnet {id} of cluster {name}, in {vpc}");
                    let arn = if s.arn.is_empty() {
                        eksposture_model::arn::ec2(
                            g.partition(),
                            c.region,
                            g.account_id(),
                            "subnet",
                            id,
                        )
                    } else {
                        s.arn.clone()
                    };
                    return Ok((
                        vpc.clone(),
                        vec![
                            cluster_evidence(c),
                            Evidence::new("AwsEc2Subnet", arn, detail),
                        ],
                    ));
                }
            }
            Lookup::Unknown(unread) => gap = Some(unread),
            Lookup::Missing => {}
        }
    }
    let what = match (config.subnet_ids.is_empty(), gap) {
        (true, _) => format!("DescribeCluster returned neither vpcId nor subnetIds for cluster {name}, so its VPC is unknown"),
        (false, Some(_)) => format!("the subnets of cluster {name} (to find its VPC)"),
        (false, None) => format!("DescribeCluster returned no vpcId for cluster {name}, and none of its subnets {} was found with a VPC", config.subnet_ids.join(", ")),
    };
    Err(Box::new(Unread {
        resource: cluster_ref(c),
        what,
        gap: gap.cloned(),
        evidence: vec![cluster_evidence(c)],
    }))
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for_each_cluster_config(g, out, |out, c, config| {
        let name = &c.cluster.name;
        let (vpc_id, mut evidence) = match cluster_vpc(g, &c, config) {
            Ok(found) => found,
            Err(u) => return u.emit(out),
        };
        let vpcs = g.vpcs(c.region);
        let vpcs = match vpcs {
            Some(Observed::Known(vpcs)) => vpcs,
            Some(Observed::Unknown(gap)) => {
                let what = format!(
                    "the VPCs of region {} (is {vpc_id} of cluster {name} the default VPC?)",
                    c.region
                );
                return out.unknown(cluster_ref(&c), &what, gap, evidence);
            }
            None => {
                return out.unknown_because(
                    cluster_ref(&c),
                    format!("the VPCs of region {} were not collected", c.region),
                    evidence,
                )
            }
        };
        let Some(vpc) = vpcs.iter().find(|v| v.vpc_id == vpc_id) else {
            let msg = format!(
                "VPC {vpc_id} of cluster {name} is not among the VPCs DescribeVpcs returned"
            );
            return out.unknown_because(cluster_ref(&c), msg, evidence);
        };
        let arn = if vpc.arn.is_empty() {
            eksposture_model::arn::ec2(g.partition(), c.region, g.account_id(), "vpc", &vpc_id)
        } else {
            vpc.arn.clone()
        };
        let detail = |d: &str| Evidence::new("AwsEc2Vpc", &arn, format!("VPC {vpc_id}: {d}"));
        match vpc.is_default {
            Some(true) => {
                evidence.push(detail("isDefault=true"));
                out.fail(
                    cluster_ref(&c),
                    format!(
                        "cluster {name} runs in {vpc_id}, the default VPC of {}",
                        c.region
                    ),
                    evidence,
                );
            }
            Some(false) => {
                evidence.push(detail("isDefault=false"));
                out.pass(
                    cluster_ref(&c),
                    format!("cluster {name} runs in {vpc_id}, not the default VPC"),
                    evidence,
                );
            }
            None => {
                evidence.push(detail("isDefault not returned"));
                out.unknown_because(
                    cluster_ref(&c),
                    format!("DescribeVpcs returned no isDefault for {vpc_id} of cluster {name}"),
                    evidence,
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::testing::{self, statuses};

    fn fixture(config: Value, subnets: Value, vpcs: Value) -> Value {
        let mut v = json!({"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod",
            "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod", "config": {"known": null}}]}}}});
        let region = &mut v["regions"]["us-east-1"];
        region["clusters"]["known"][0]["config"]["known"] = config;
        region["subnets"] = subnets;
        region["vpcs"] = vpcs;
        v
    }

    fn vpcs(default: Value) -> Value {
        let mut v =
            json!({"known": [{"vpc_id": "vpc-1"}, {"vpc_id": "vpc-2", "is_default": false}]});
        v["known"][0]["is_default"] = default;
        v
    }

    fn denied(op: &str) -> Value {
        json!({"unknown": {"service": "ec2", "region": "us-east-1", "operation": op, "reason": "access_denied", "message": "denied"}})
    }

    #[test]
    fn fails_when_vpc_derived_from_subnets_is_the_default() {
        let subnets = json!({"known": [{"subnet_id": "subnet-a", "vpc_id": "vpc-1"}]});
        let f = testing::run(
            &super::META,
            fixture(
                json!({"subnet_ids": ["subnet-gone", "subnet-a"]}),
                subnets,
                vpcs(json!(true)),
            ),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert_eq!(
            f[0].message,
            "cluster prod runs in vpc-1, the default VPC of us-east-1"
        );
        let ids: Vec<&str> = f[0].evidence.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids[1..],
            [
                "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-a",
                "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1"
            ]
        );
    }

    #[test]
    fn passes_when_vpc_id_names_a_non_default_vpc() {
        let f = testing::run(
            &super::META,
            fixture(
                json!({"vpc_id": "vpc-2"}),
                denied("DescribeSubnets"),
                vpcs(json!(true)),
            ),
        );
        assert_eq!(statuses(&f), [Status::Pass]);
    }

    #[test]
    fn unknown_when_the_vpc_cannot_be_determined() {
        let f = testing::run(
            &super::META,
            fixture(
                json!({"subnet_ids": ["subnet-a"]}),
                denied("DescribeSubnets"),
                vpcs(json!(true)),
            ),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(f[0].message.contains("DescribeSubnets"), "{}", f[0].message);
        let f = testing::run(
            &super::META,
            fixture(json!({}), json!({"known": []}), vpcs(json!(true))),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("neither vpcId nor subnetIds"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_when_vpcs_unreadable_missing_or_without_is_default() {
        for (config, vpcs) in [
            (json!({"vpc_id": "vpc-1"}), denied("DescribeVpcs")),
            (json!({"vpc_id": "vpc-9"}), vpcs(json!(true))),
            (json!({"vpc_id": "vpc-1"}), vpcs(json!(null))),
        ] {
            let f = testing::run(
                &super::META,
                fixture(config, json!({"known": []}), vpcs.clone()),
            );
            assert_eq!(statuses(&f), [Status::Unknown], "{vpcs}");
        }
    }
}
