use std::collections::BTreeMap;

use eksposture_model::graph::{Lookup, NodeView};
use eksposture_model::{Evidence, Graph, ResourceRef};

use super::ec2_arn;
use crate::support::{instance_evidence, instance_gaps, instance_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// Every EBS volume attached to a live node instance (named in the
    /// instance's block device mappings, or listing the instance among its
    /// attachments), one finding per volume: **fail** when `Encrypted` is
    /// `false`; **pass** when it is `true`; **unknown** when DescribeVolumes
    /// failed for the region, its answer does not contain the volume, or it
    /// returned no `Encrypted` flag. A node that lists no EBS volume at all
    /// is unknown (nothing could be judged). Regions whose clusters or
    /// instances could not be listed are unknown.
    ///
    /// ## Rationale
    ///
    /// Node volumes hold container images and layers, `emptyDir` and
    /// container logs, kubelet credentials and any secret a pod wrote to
    /// disk. Unencrypted, they and their snapshots can be read by anyone who
    /// can copy a snapshot or reach the storage. AWS FSBP EC2.3 and the EKS
    /// Best Practices Guide (data encryption) require encrypted volumes.
    ///
    /// ## Remediation
    ///
    /// Turn on EBS encryption by default in every region (`aws ec2
    /// enable-ebs-encryption-by-default`), set `Encrypted: true` in the
    /// node launch template's block device mappings, and roll the nodegroup
    /// so the nodes are replaced with encrypted volumes.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "volume_ids": ["vol-1"]}]},
    ///   "volumes": {"known": [{"volume_id": "vol-1", "encrypted": false, "attached_instance_ids": ["i-1"]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "volume_ids": ["vol-1"]}]},
    ///   "volumes": {"known": [{"volume_id": "vol-1", "encrypted": true, "attached_instance_ids": ["i-1"]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"regions": {"us-east-1": {"clusters": {"known": []}, "instances": {"known": [
    ///   {"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///    "tags": {"eks:cluster-name": "prod"}, "volume_ids": ["vol-1"]}]},
    ///   "volumes": {"known": []}}}}
    /// ```
    id: "ec2-node-ebs-encrypted",
    title: "EBS volumes attached to EKS nodes should be encrypted",
    severity: Medium,
    kind: Configuration,
    resource_type: "AwsEc2Volume",
    remediation: "Enable EBS encryption by default, set Encrypted=true in the node launch template's block devices, and replace the nodes.",
    compliance: ["AWS-FSBP:EC2.3", "PCI-DSS-4.0:3.5.1", "EKS-BPG:data"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in instance_gaps(g) {
        u.emit(out);
    }
    // (region, volume id) -> the live nodes it is attached to.
    let mut attached: BTreeMap<(&str, &str), Vec<&NodeView<'_>>> = BTreeMap::new();
    for node in g.live_nodes() {
        let ids = g.volume_ids_of_node(node);
        if ids.is_empty() {
            let msg = format!(
                "node {} lists no attached EBS volume, so no volume encryption could be judged",
                node.instance.instance_id
            );
            out.unknown_because(instance_ref(node), msg, vec![instance_evidence(node)]);
        }
        for id in ids {
            attached.entry((node.region, id)).or_default().push(node);
        }
    }
    for ((region, id), nodes) in attached {
        let mut evidence: Vec<Evidence> = nodes.iter().map(|n| instance_evidence(n)).collect();
        let on = nodes
            .iter()
            .map(|n| n.instance.instance_id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let subject = format!("volume {id} attached to node {on}");
        let volume = match g.volume(region, id) {
            Lookup::Found(v) => Some(v),
            Lookup::Unknown(gap) => {
                let resource =
                    ResourceRef::new("AwsEc2Volume", ec2_arn(g, region, "volume", id), region);
                out.unknown(
                    resource,
                    &format!("the EBS volumes of region {region} ({subject})"),
                    gap,
                    evidence,
                );
                continue;
            }
            Lookup::Missing => None,
        };
        let Some(v) = volume else {
            let resource =
                ResourceRef::new("AwsEc2Volume", ec2_arn(g, region, "volume", id), region);
            let msg = format!(
                "{subject} is not in the DescribeVolumes answer, so its encryption is unknown"
            );
            out.unknown_because(resource, msg, evidence);
            continue;
        };
        let arn = if v.arn.is_empty() {
            ec2_arn(g, region, "volume", id)
        } else {
            v.arn.clone()
        };
        let key = v.kms_key_id.as_deref().unwrap_or("not returned");
        let detail = match v.encrypted {
            Some(e) => format!("Encrypted={e}, KmsKeyId={key}"),
            None => "no Encrypted flag returned".to_string(),
        };
        evidence.push(Evidence::new("AwsEc2Volume", &arn, detail));
        let resource = ResourceRef::new("AwsEc2Volume", arn, region);
        match v.encrypted {
            Some(true) => out.pass(
                resource,
                format!("{subject} is encrypted (KMS key {key})"),
                evidence,
            ),
            Some(false) => out.fail(resource, format!("{subject} is not encrypted"), evidence),
            None => out.unknown_because(
                resource,
                format!("DescribeVolumes returned no Encrypted flag for {subject}"),
                evidence,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::{Finding, Status};
    use serde_json::{json, Value};

    use crate::ec2::fixtures::{node, region};
    use crate::testing::{self, statuses};

    fn run(volume_ids: &[&str], volumes: &Value) -> Vec<Finding> {
        let mut n = node("i-1", json!(null));
        n["volume_ids"] = json!(volume_ids);
        let r = region(json!({"instances": {"known": [n]}, "volumes": volumes}));
        testing::run(&super::META, r)
    }

    #[test]
    fn fails_per_unencrypted_volume_with_the_instance_in_evidence() {
        let vols = json!({"known": [{"volume_id": "vol-1", "encrypted": true, "attached_instance_ids": ["i-1"]},
            {"volume_id": "vol-2", "encrypted": false, "attached_instance_ids": ["i-1"]}]});
        let f = run(&["vol-1"], &vols);
        assert_eq!(statuses(&f), [Status::Pass, Status::Fail]);
        assert_eq!(
            f[1].resource.id,
            "arn:aws:ec2:us-east-1:111122223333:volume/vol-2"
        );
        assert_eq!(f[1].evidence[0].kind, "AwsEc2Instance");
        assert_eq!(
            f[1].message,
            "volume vol-2 attached to node i-1 is not encrypted"
        );
    }

    #[test]
    fn passes_and_names_the_kms_key() {
        let vols = json!({"known": [{"volume_id": "vol-1", "encrypted": true, "kms_key_id": "arn:aws:kms:us-east-1:111122223333:key/k"}]});
        let f = run(&["vol-1"], &vols);
        assert_eq!(statuses(&f), [Status::Pass]);
        assert!(f[0].message.contains("key/k"), "{}", f[0].message);
    }

    #[test]
    fn unknown_when_flag_missing_volumes_unreadable_or_no_volume_listed() {
        let f = run(&["vol-1"], &json!({"known": [{"volume_id": "vol-1"}]}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        let gap = testing::denied("ec2", "us-east-1", "DescribeVolumes");
        let f = run(&["vol-1", "vol-2"], &gap);
        assert_eq!(statuses(&f), [Status::Unknown, Status::Unknown]);
        let f = run(&[], &json!({"known": []}));
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert_eq!(f[0].resource.kind, "AwsEc2Instance");
    }
}
