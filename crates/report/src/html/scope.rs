//! Where each finding belongs in the per-cluster summary of the page.

use std::collections::BTreeMap;

use eksposture_model::{arn, Finding};

/// Where a finding belongs in the per-cluster summary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Cluster { name: String, region: String },
    Region(String),
    Account,
}

impl Scope {
    /// The cluster named by the resource's own ARN (a cluster, nodegroup,
    /// access entry, add-on, ... ARN: `<kind>/<cluster>/...`), else by the
    /// first `AwsEksCluster` link of its evidence, else its region; IAM
    /// resources (region `global`) outside any cluster are account-wide.
    pub fn of(f: &Finding) -> Scope {
        if let Some(s) = eks_cluster(&f.resource.id) {
            return s;
        }
        let region = f.resource.region.as_str();
        for e in f.evidence.iter().filter(|e| e.kind == "AwsEksCluster") {
            if let Some(s) = eks_cluster(&e.id) {
                return s;
            }
            // Evidence may name a cluster whose ARN was not read.
            if arn::parse(&e.id).is_none() && !e.id.is_empty() && e.id != "*" {
                return Scope::Cluster {
                    name: e.id.clone(),
                    region: if region == "global" { "" } else { region }.to_string(),
                };
            }
        }
        if region.is_empty() || region == "global" {
            Scope::Account
        } else {
            Scope::Region(region.to_string())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Scope::Cluster { name, region } if region.is_empty() => format!("cluster {name}"),
            Scope::Cluster { name, region } => format!("cluster {name} ({region})"),
            Scope::Region(r) => format!("{r}, outside clusters"),
            Scope::Account => "account-wide".to_string(),
        }
    }
}

/// [`Scope::of`] for every finding, then one inference: a finding left
/// outside clusters joins the cluster of a resource it is about or cites,
/// when other findings place that resource in exactly one cluster (node
/// findings cite only the instance, whose path findings name the cluster).
pub fn scopes_of(findings: &[Finding]) -> Vec<Scope> {
    let direct: Vec<Scope> = findings.iter().map(Scope::of).collect();
    // Resource id -> its cluster; None once two clusters claim it.
    let mut known: BTreeMap<&str, Option<&Scope>> = BTreeMap::new();
    for (f, s) in findings.iter().zip(&direct) {
        if matches!(s, Scope::Cluster { .. }) {
            let slot = known.entry(f.resource.id.as_str()).or_insert(Some(s));
            if *slot != Some(s) {
                *slot = None;
            }
        }
    }
    findings
        .iter()
        .zip(&direct)
        .map(|(f, s)| {
            if matches!(s, Scope::Cluster { .. }) {
                return s.clone();
            }
            std::iter::once(f.resource.id.as_str())
                .chain(f.evidence.iter().map(|e| e.id.as_str()))
                .find_map(|id| known.get(id).copied().flatten())
                .unwrap_or(s)
                .clone()
        })
        .collect()
}

fn eks_cluster(id: &str) -> Option<Scope> {
    let a = arn::parse(id).filter(|a| a.service == "eks")?;
    let name = a.resource.split('/').nth(1)?;
    // `cluster/*` stands for "every cluster of the region" (not listed).
    (!name.is_empty() && name != "*").then(|| Scope::Cluster {
        name: name.to_string(),
        region: a.region.to_string(),
    })
}
