use std::collections::BTreeSet;

use eksposture_checks::CHECKS;
use eksposture_model::asff::{AsffFinding, AsffResource, AsffResourceDetails};
use eksposture_model::{Evidence, Finding, Inventory, ResourceRef, Severity, Status, Suppression};
use serde_json::{json, Value};

use super::*;
use crate::build;
use crate::tests::kind_of;

const ACCOUNT: &str = "111122223333";
const NOW: &str = "2026-11-01T00:05:00Z";
const DOCS: &str = "https://github.com/eksposture/eksposture/blob/main/docs/checks.md";

fn options() -> AsffOptions<'static> {
    AsffOptions {
        home_region: "eu-central-1",
        now: NOW,
        docs_url: Some(DOCS),
    }
}

/// The base every check example is merged into (as the checks' own tests do).
fn base() -> Value {
    json!({
        "schema_version": "1",
        "scan": {
            "account_id": ACCOUNT,
            "partition": "aws",
            "regions": ["us-east-1"],
            "started_at": "2026-11-01T00:00:00Z",
            "finished_at": "2026-11-01T00:00:10Z"
        }
    })
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

fn inventory(fragment: Value) -> Inventory {
    let mut v = base();
    merge(&mut v, fragment);
    serde_json::from_value(v).expect("a valid inventory")
}

fn render(inv: &Inventory, findings: Vec<Finding>) -> Vec<AsffFinding> {
    let report = build(inv, findings, "0.1.0");
    super::findings(&report, inv, &options())
}

fn finding(check: &str, status: Status, resource: ResourceRef, message: &str) -> Finding {
    Finding {
        check_id: check.into(),
        title: format!("{check} should hold"),
        severity: Severity::High,
        kind: crate::tests::kind_of(check),
        status,
        message: message.into(),
        account_id: String::new(),
        resource,
        evidence: Vec::new(),
        remediation: "Fix it.".into(),
        compliance: vec!["CIS-EKS-1.8:5.4.1".into(), "AWS-FSBP:EKS.1".into()],
        suppressed: None,
    }
}

fn cluster_arn(region: &str, name: &str) -> String {
    format!("arn:aws:eks:{region}:{ACCOUNT}:cluster/{name}")
}

fn cluster(region: &str, name: &str) -> ResourceRef {
    ResourceRef::new("AwsEksCluster", cluster_arn(region, name), region)
}

fn one(inv: &Inventory, f: Finding) -> AsffFinding {
    let mut out = render(inv, vec![f]);
    assert_eq!(out.len(), 1);
    out.remove(0)
}

fn empty() -> Inventory {
    inventory(json!({}))
}

// ---------------------------------------------------------------- every check

#[test]
fn every_check_renders_valid_findings_for_its_fail_pass_and_unknown_examples() {
    let mut rendered = 0;
    for check in CHECKS {
        let mut kinds = BTreeSet::new();
        for (kind, json) in check.meta.examples() {
            let inv = inventory(serde_json::from_str(&json).unwrap());
            let findings = eksposture_checks::run(&inv, &[check]);
            let pairs: BTreeSet<(String, String)> = findings
                .iter()
                .map(|f| (f.check_id.clone(), f.resource.id.clone()))
                .collect();
            let asff = render(&inv, findings);
            assert_eq!(
                asff.len(),
                pairs.len(),
                "{}: one per resource",
                check.meta.id
            );
            let ids: BTreeSet<&str> = asff.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(ids.len(), asff.len(), "{}: Ids are unique", check.meta.id);
            for f in &asff {
                if let Err(problems) = validate(f) {
                    panic!(
                        "{} `{kind}` example renders an invalid finding: {problems:#?}\n{}",
                        check.meta.id,
                        serde_json::to_string_pretty(f).unwrap()
                    );
                }
                assert_eq!(f.generator_id, format!("eksposture/{}", check.meta.id));
                assert!(f.id.starts_with(&f.generator_id));
                rendered += 1;
            }
            let statuses: BTreeSet<&str> = asff
                .iter()
                .map(|f| f.compliance.as_ref().unwrap().status.as_str())
                .collect();
            let expected = match kind.as_str() {
                "fail" => "FAILED",
                "pass" => "PASSED",
                _ => "NOT_AVAILABLE",
            };
            assert!(
                statuses.contains(expected),
                "{} `{kind}`: {statuses:?}",
                check.meta.id
            );
            kinds.insert(kind);
        }
        assert_eq!(
            kinds.len(),
            3,
            "{} has fail, pass and unknown examples",
            check.meta.id
        );
    }
    assert!(rendered >= CHECKS.len() * 3);
}

#[test]
fn two_findings_of_one_check_about_one_resource_become_one_asff_finding() {
    // iam-workload-role-least-privilege reports each unreadable input of a
    // cluster as its own unknown finding about that cluster.
    let check = CHECKS
        .iter()
        .find(|c| c.meta.id == "iam-workload-role-least-privilege")
        .unwrap();
    let (_, json) = check
        .meta
        .examples()
        .into_iter()
        .find(|(k, _)| k == "unknown")
        .unwrap();
    let inv = inventory(serde_json::from_str(&json).unwrap());
    let findings = eksposture_checks::run(&inv, &[check]);
    let prod = cluster_arn("us-east-1", "prod");
    let about_prod = findings.iter().filter(|f| f.resource.id == prod).count();
    assert!(
        about_prod >= 2,
        "the example yields {about_prod} findings about prod"
    );
    let asff = render(&inv, findings);
    let merged: Vec<&AsffFinding> = asff.iter().filter(|f| f.resources[0].id == prod).collect();
    assert_eq!(merged.len(), 1);
    assert!(merged[0].description.contains("Pod Identity associations"));
    assert!(merged[0]
        .description
        .contains("configuration of cluster prod"));
}

#[test]
fn the_worst_status_stands_for_a_resource_an_unsuppressed_failure_first() {
    let inv = empty();
    let mut suppressed = finding("eks-x", Status::Fail, cluster("us-east-1", "a"), "ssh open");
    suppressed.suppressed = Some(Suppression {
        reason: "accepted".into(),
        expires: None,
        entry: "eksposture.toml#1".into(),
    });
    let out = render(
        &inv,
        vec![
            finding("eks-x", Status::Pass, cluster("us-east-1", "a"), "logs on"),
            finding(
                "eks-x",
                Status::Unknown,
                cluster("us-east-1", "a"),
                "roles unreadable",
            ),
            suppressed.clone(),
            finding(
                "eks-x",
                Status::Fail,
                cluster("us-east-1", "a"),
                "endpoint open",
            ),
        ],
    );
    assert_eq!(out.len(), 1);
    let f = &out[0];
    assert_eq!(f.compliance.as_ref().unwrap().status, "FAILED");
    assert_eq!(f.workflow.as_ref().unwrap().status, "NEW");
    assert!(f
        .description
        .starts_with("fail: endpoint open; fail: ssh open"));
    assert!(f.description.contains("unknown: roles unreadable"));
    assert!(f.description.contains("pass: logs on"));

    let only_suppressed = render(&inv, vec![suppressed]);
    assert_eq!(
        only_suppressed[0].workflow.as_ref().unwrap().status,
        "SUPPRESSED"
    );
    assert_eq!(
        only_suppressed[0].product_fields["eksposture/Suppression/Reason"],
        "accepted"
    );
}

// ---------------------------------------------------------------- mapping

#[test]
fn statuses_map_to_compliance_and_workflow() {
    let inv = empty();
    for (status, compliance, workflow, label) in [
        (Status::Fail, "FAILED", "NEW", "HIGH"),
        (Status::Unknown, "NOT_AVAILABLE", "NEW", "HIGH"),
        (Status::Pass, "PASSED", "RESOLVED", "INFORMATIONAL"),
    ] {
        let f = one(
            &inv,
            finding("eks-x", status, cluster("us-east-1", "a"), "m"),
        );
        assert_eq!(f.compliance.as_ref().unwrap().status, compliance);
        assert_eq!(f.workflow.as_ref().unwrap().status, workflow);
        assert_eq!(f.severity.label, label, "{status}");
        assert_eq!(f.severity.original.as_deref(), Some("high"));
        assert_eq!(
            f.finding_provider_fields
                .as_ref()
                .unwrap()
                .severity
                .as_ref(),
            Some(&f.severity)
        );
        assert_eq!(f.record_state.as_deref(), Some("ACTIVE"));
        assert_eq!(f.product_fields["eksposture/Status"], status.as_str());
    }
}

#[test]
fn fields_come_from_the_finding_and_the_scan() {
    let f = one(
        &empty(),
        finding(
            "eks-x",
            Status::Fail,
            cluster("us-east-1", "a"),
            "endpoint open",
        ),
    );
    assert_eq!(f.schema_version, "2018-10-08");
    assert_eq!(f.aws_account_id, ACCOUNT);
    assert_eq!(f.generator_id, "eksposture/eks-x");
    assert_eq!(
        f.id,
        format!("eksposture/eks-x/{}", cluster_arn("us-east-1", "a"))
    );
    assert_eq!(f.title, "eks-x should hold");
    assert_eq!(f.description, "endpoint open");
    assert_eq!(f.created_at, "2026-11-01T00:00:00Z");
    assert_eq!(f.first_observed_at.as_deref(), Some("2026-11-01T00:00:00Z"));
    assert_eq!(f.last_observed_at.as_deref(), Some("2026-11-01T00:00:10Z"));
    assert_eq!(f.updated_at, NOW);
    let rec = &f.remediation.as_ref().unwrap().recommendation;
    assert_eq!(rec.text, "Fix it.");
    assert_eq!(rec.url.as_deref(), Some(format!("{DOCS}#eks-x").as_str()));
    assert_eq!(
        f.compliance.as_ref().unwrap().related_requirements,
        ["CIS-EKS-1.8:5.4.1", "AWS-FSBP:EKS.1"]
    );
    assert_eq!(f.product_fields["eksposture/CheckId"], "eks-x");
    assert_eq!(f.product_fields["eksposture/ToolVersion"], "0.1.0");
    assert_eq!(f.product_name.as_deref(), Some("eksposture"));
}

#[test]
fn types_name_the_kind_of_check_and_the_standards() {
    let refs = |r: &[&str]| r.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert_eq!(
        types(
            kind_of("eks-endpoint-private"),
            &refs(&["CIS-EKS-1.8:5.4.2", "AWS-FSBP:EKS.1", "EKS-BPG:network", "PCI-DSS-4.0:1.3.1"])
        ),
        [
            "Software and Configuration Checks/AWS Security Best Practices",
            "Software and Configuration Checks/Industry and Regulatory Standards/CIS EKS Benchmark",
            "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
            "Software and Configuration Checks/Industry and Regulatory Standards/PCI-DSS",
        ]
    );
    assert_eq!(
        types(
            kind_of("ecr-images-no-critical-vulns"),
            &refs(&["NIST-800-190:4.1.1"])
        ),
        [
            "Software and Configuration Checks/Vulnerabilities/CVE",
            "Software and Configuration Checks/Industry and Regulatory Standards/NIST 800-190",
        ]
    );
    assert_eq!(
        types(kind_of("path-pod-to-node-role"), &[]),
        [
            "Software and Configuration Checks/AWS Security Best Practices/Attack Path",
            "TTPs/Credential Access",
        ]
    );
    assert_eq!(
        types(kind_of("path-vulnerable-image-in-use"), &[]),
        [
            "Software and Configuration Checks/Vulnerabilities/CVE",
            "Software and Configuration Checks/AWS Security Best Practices/Attack Path",
            "TTPs/Initial Access",
        ]
    );
    // A reference to a standard not in the table still gets a type.
    assert_eq!(
        types(kind_of("eks-x"), &refs(&["ISO-27001:A.1"]))[1],
        "Software and Configuration Checks/Industry and Regulatory Standards/ISO-27001"
    );
}

#[test]
fn ids_are_stable_across_runs_and_ignore_message_and_time() {
    let first = one(
        &empty(),
        finding(
            "eks-x",
            Status::Fail,
            cluster("us-east-1", "a"),
            "3 rules open",
        ),
    );
    let mut later_inv = empty();
    later_inv.scan.started_at = "2026-12-24T10:00:00Z".into();
    later_inv.scan.finished_at = "2026-12-24T10:00:09Z".into();
    let later = one(
        &later_inv,
        finding(
            "eks-x",
            Status::Pass,
            cluster("us-east-1", "a"),
            "no rule open",
        ),
    );
    assert_eq!(first.id, later.id);
    assert_eq!(first.product_arn, later.product_arn);
    assert_ne!(first.created_at, later.created_at);
    assert_eq!(
        finding_id("eks-x", &cluster_arn("us-east-1", "a")),
        "eksposture/eks-x/arn:aws:eks:us-east-1:111122223333:cluster/a"
    );
}

#[test]
fn long_resource_ids_are_cut_and_hashed_within_512_characters() {
    let repo = format!(
        "arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{}",
        "n/".repeat(200)
    );
    let a = format!("{repo}ä/sha256:{}", "a".repeat(64));
    let b = format!("{repo}ä/sha256:{}", "b".repeat(64));
    let (ia, ib) = (
        finding_id("ecr-images-scanned", &a),
        finding_id("ecr-images-scanned", &b),
    );
    assert!(ia.len() <= 512 && ib.len() <= 512);
    assert_ne!(ia, ib);
    assert_eq!(ia, finding_id("ecr-images-scanned", &a));
    assert!(ia.ends_with(&format!("#{:016x}", fnv1a64(a.as_bytes()))));
    assert!(ia.starts_with("eksposture/ecr-images-scanned/arn:aws:ecr:"));
}

#[test]
fn fnv1a64_matches_the_reference_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_product_arn_is_the_region_of_the_resource_or_the_home_region() {
    let inv = empty();
    let eu = one(
        &inv,
        finding("eks-x", Status::Fail, cluster("eu-west-1", "a"), "m"),
    );
    assert_eq!(
        eu.product_arn,
        format!("arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default")
    );
    assert_eq!(eu.resources[0].region.as_deref(), Some("eu-west-1"));
    let role = one(
        &inv,
        finding(
            "iam-x",
            Status::Fail,
            ResourceRef::new(
                "AwsIamRole",
                format!("arn:aws:iam::{ACCOUNT}:role/node"),
                "global",
            ),
            "m",
        ),
    );
    assert_eq!(
        role.product_arn,
        format!("arn:aws:securityhub:eu-central-1:{ACCOUNT}:product/{ACCOUNT}/default")
    );
    assert_eq!(role.resources[0].region.as_deref(), Some("eu-central-1"));
    assert_eq!(role.resources[0].partition.as_deref(), Some("aws"));

    let mut cn = empty();
    cn.scan.partition = "aws-cn".into();
    let f = one(
        &cn,
        finding("eks-x", Status::Fail, cluster("cn-north-1", "a"), "m"),
    );
    assert!(f
        .product_arn
        .starts_with("arn:aws-cn:securityhub:cn-north-1:"));
}

#[test]
fn over_long_text_is_cut_at_character_boundaries() {
    let mut f = finding(
        "eks-x",
        Status::Fail,
        cluster("us-east-1", "a"),
        &"é".repeat(2000),
    );
    f.title = "t".repeat(300);
    f.remediation = "ü".repeat(600);
    let a = one(&empty(), f);
    assert!(a.description.len() <= 1024 && a.description.ends_with('…'));
    assert!(a.title.len() <= 256);
    assert!(a.remediation.as_ref().unwrap().recommendation.text.len() <= 512);
    validate(&a).unwrap();
}

#[test]
fn evidence_with_arns_becomes_further_resources_up_to_32() {
    let mut f = finding("eks-x", Status::Fail, cluster("us-east-1", "a"), "m");
    f.evidence = (0..40)
        .map(|i| {
            Evidence::new(
                "AwsEc2Instance",
                format!("arn:aws:ec2:us-west-2:{ACCOUNT}:instance/i-{i:03}"),
                "node",
            )
        })
        .chain([
            Evidence::new("Gap", "eks:us-east-1:ListAccessEntries", "not_supported: -"),
            Evidence::new("AwsEksCluster", cluster_arn("us-east-1", "a"), "itself"),
        ])
        .collect();
    let a = one(&empty(), f);
    assert_eq!(a.resources.len(), 32);
    assert_eq!(a.resources[0].id, cluster_arn("us-east-1", "a"));
    assert_eq!(a.resources[1].kind, "AwsEc2Instance");
    assert_eq!(a.resources[1].region.as_deref(), Some("us-west-2"));
    assert!(a.resources.iter().all(|r| r.kind != "Gap"));
    assert_eq!(a.product_fields["eksposture/EvidenceCount"], "42");
    assert!(a.product_fields.len() <= MAX_OWN_PRODUCT_FIELDS);
    assert!(a.product_fields.contains_key("eksposture/Evidence/01"));
    validate(&a).unwrap();
}

// ---------------------------------------------------------------- details

fn details_inventory() -> Inventory {
    inventory(json!({
        "regions": {"us-east-1": {
            "clusters": {"known": [{"name": "prod", "arn": cluster_arn("us-east-1", "prod"),
                "config": {"known": {"version": "1.29", "status": "ACTIVE",
                    "role_arn": "arn:aws:iam::111122223333:role/eks",
                    "endpoint_public_access": true, "subnet_ids": ["subnet-1"],
                    "security_group_ids": ["sg-1"], "enabled_log_types": ["audit", "api"]}}},
                {"name": "dev", "arn": cluster_arn("us-east-1", "dev"),
                    "config": {"known": {"status": "ACTIVE", "enabled_log_types": []}}}]},
            "instances": {"known": [{"instance_id": "i-1",
                "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                "instance_type": "m5.large", "public_ip_address": "198.51.100.7",
                "private_ip_address": "10.0.0.7",
                "metadata_options": {"http_tokens": "optional", "http_put_response_hop_limit": 2}}]},
            "security_groups": {"known": [{"group_id": "sg-1",
                "arn": "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
                "group_name": "nodes", "vpc_id": "vpc-1",
                "ingress": [{"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                    "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": ["::/0"],
                    "referenced_group_ids": ["sg-2"]}]}]},
            "launch_template_versions": [{"template_id": "lt-1", "requested_version": "3",
                "data": {"known": {"template_id": "lt-1", "template_name": "nodes",
                    "arn": "", "metadata_options": {"http_tokens": "required"},
                    "security_group_ids": ["sg-1"],
                    "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/n"}}}],
            "volumes": {"known": [{"volume_id": "vol-1",
                "arn": "arn:aws:ec2:us-east-1:111122223333:volume/vol-1",
                "encrypted": false, "attached_instance_ids": ["i-1"]}]},
            "repositories": {"known": [{"name": "api",
                "arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
                "registry_id": ACCOUNT, "tag_mutability": "MUTABLE", "scan_on_push": false,
                "policy": {"known": {"Version": "2012-10-17", "Statement": []}},
                "lifecycle_policy": {"known": null},
                "images": {"known": [{"digest": "sha256:aa", "tags": ["v1"],
                    "pushed_at": "2026-10-01T12:00:00Z"}]}}]},
            "ecs_task_definitions": {"known": [{"arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
                "detail": {"known": {"family": "web", "revision": 3, "network_mode": "awsvpc",
                    "task_role_arn": "arn:aws:iam::111122223333:role/task",
                    "containers": [{"name": "app", "image": "nginx", "privileged": true}]}}}]}
        }},
        "iam": {"roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
            "path": "/", "trust_policy": {"known": {"Statement": [{"Effect": "Allow"}]}},
            "attached_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            "inline_policies": [{"name": "extra", "document": {"known": {}}}],
            "instance_profile_arns": ["arn:aws:iam::111122223333:instance-profile/n"]}]}}
    }))
}

fn details_of(kind: &str, id: &str) -> AsffResource {
    let inv = details_inventory();
    let f = one(
        &inv,
        finding(
            "x-y",
            Status::Fail,
            ResourceRef::new(kind, id, "us-east-1"),
            "m",
        ),
    );
    validate(&f).unwrap();
    f.resources[0].clone()
}

fn json_of(r: &AsffResource) -> Value {
    serde_json::to_value(r).unwrap()
}

#[test]
fn cluster_details() {
    let r = details_of("AwsEksCluster", &cluster_arn("us-east-1", "prod"));
    assert_eq!(
        json_of(&r),
        json!({"Type": "AwsEksCluster", "Id": cluster_arn("us-east-1", "prod"),
            "Partition": "aws", "Region": "us-east-1",
            "Details": {"AwsEksCluster": {"Arn": cluster_arn("us-east-1", "prod"), "Name": "prod",
                "ClusterStatus": "ACTIVE", "RoleArn": "arn:aws:iam::111122223333:role/eks",
                "Version": "1.29",
                "ResourcesVpcConfig": {"SecurityGroupIds": ["sg-1"], "SubnetIds": ["subnet-1"],
                    "EndpointPublicAccess": true},
                "Logging": {"ClusterLogging": [{"Enabled": true, "Types": ["audit", "api"]}]}}}})
    );
}

#[test]
fn a_cluster_without_control_plane_logs_has_logging_disabled() {
    let r = details_of("AwsEksCluster", &cluster_arn("us-east-1", "dev"));
    assert_eq!(
        json_of(&r)["Details"]["AwsEksCluster"]["Logging"],
        json!({"ClusterLogging": [{"Enabled": false}]})
    );
}

#[test]
fn ec2_details() {
    let i = details_of(
        "AwsEc2Instance",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    );
    assert_eq!(
        json_of(&i)["Details"],
        json!({"AwsEc2Instance": {"Type": "m5.large",
            "IpV4Addresses": ["198.51.100.7", "10.0.0.7"],
            "MetadataOptions": {"HttpPutResponseHopLimit": 2, "HttpTokens": "optional"}}})
    );
    let sg = details_of(
        "AwsEc2SecurityGroup",
        "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
    );
    assert_eq!(
        json_of(&sg)["Details"],
        json!({"AwsEc2SecurityGroup": {"GroupName": "nodes", "GroupId": "sg-1",
            "OwnerId": ACCOUNT, "VpcId": "vpc-1",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "UserIdGroupPairs": [{"GroupId": "sg-2"}]}]}})
    );
    // The template's ARN is built from its id when the collector had none.
    let lt = details_of(
        "AwsEc2LaunchTemplate",
        "arn:aws:ec2:us-east-1:111122223333:launch-template/lt-1",
    );
    assert_eq!(
        json_of(&lt)["Details"],
        json!({"AwsEc2LaunchTemplate": {"Id": "lt-1", "LaunchTemplateName": "nodes",
            "LaunchTemplateData": {
                "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/n"},
                "MetadataOptions": {"HttpTokens": "required"},
                "SecurityGroupIdSet": ["sg-1"]}}})
    );
    let vol = details_of(
        "AwsEc2Volume",
        "arn:aws:ec2:us-east-1:111122223333:volume/vol-1",
    );
    assert_eq!(
        json_of(&vol)["Details"],
        json!({"AwsEc2Volume": {"VolumeId": "vol-1", "Encrypted": false,
            "Attachments": [{"InstanceId": "i-1"}]}})
    );
}

#[test]
fn iam_role_details() {
    let r = details_of("AwsIamRole", "arn:aws:iam::111122223333:role/node");
    assert_eq!(
        json_of(&r)["Details"],
        json!({"AwsIamRole": {"RoleName": "node", "Path": "/",
            "AssumeRolePolicyDocument": "{\"Statement\":[{\"Effect\":\"Allow\"}]}",
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "RolePolicyList": [{"PolicyName": "extra"}],
            "InstanceProfileList": [{"Arn": "arn:aws:iam::111122223333:instance-profile/n"}]}})
    );
}

#[test]
fn ecr_and_ecs_details() {
    let repo = details_of(
        "AwsEcrRepository",
        "arn:aws:ecr:us-east-1:111122223333:repository/api",
    );
    let mut details = json_of(&repo)["Details"].clone();
    // The policy is JSON text whose key order depends on serde_json's features.
    let policy = details["AwsEcrRepository"]
        .as_object_mut()
        .unwrap()
        .remove("RepositoryPolicyText")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(policy.as_str().unwrap()).unwrap(),
        json!({"Version": "2012-10-17", "Statement": []})
    );
    assert_eq!(
        details,
        json!({"AwsEcrRepository": {"Arn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
            "RepositoryName": "api", "ImageTagMutability": "MUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": false}}})
    );
    let image = details_of(
        "AwsEcrContainerImage",
        "arn:aws:ecr:us-east-1:111122223333:repository/api/sha256:aa",
    );
    assert_eq!(
        json_of(&image)["Details"],
        json!({"AwsEcrContainerImage": {"RegistryId": ACCOUNT, "RepositoryName": "api",
            "ImageDigest": "sha256:aa", "ImageTags": ["v1"],
            "ImagePublishedAt": "2026-10-01T12:00:00Z"}})
    );
    let td = details_of(
        "AwsEcsTaskDefinition",
        "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3",
    );
    assert_eq!(
        json_of(&td)["Details"],
        json!({"AwsEcsTaskDefinition": {"Family": "web",
            "TaskRoleArn": "arn:aws:iam::111122223333:role/task", "NetworkMode": "awsvpc",
            "ContainerDefinitions": [{"Name": "app", "Image": "nginx", "Privileged": true}]}})
    );
}

#[test]
fn other_kinds_become_other_and_unseen_resources_have_no_details() {
    let ng = details_of(
        "AwsEksNodegroup",
        "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/ng/1",
    );
    assert_eq!(ng.kind, "Other");
    assert_eq!(
        ng.details,
        Some(AsffResourceDetails {
            other: Some(
                [(
                    "eksposture/ResourceType".to_string(),
                    "AwsEksNodegroup".to_string()
                )]
                .into()
            ),
            ..AsffResourceDetails::default()
        })
    );
    let gone = details_of("AwsEksCluster", &cluster_arn("us-east-1", "*"));
    assert_eq!(gone.kind, "AwsEksCluster");
    assert_eq!(gone.details, None);
    // A resource the inventory knows nothing about beyond its id has no
    // `Details` rather than an empty object.
    let bare = one(
        &inventory(json!({"regions": {"us-east-1": {"instances": {"known": [
            {"instance_id": "i-9", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-9"}]}}}})),
        finding(
            "x-y",
            Status::Fail,
            ResourceRef::new(
                "AwsEc2Instance",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-9",
                "us-east-1",
            ),
            "m",
        ),
    );
    assert_eq!(bare.resources[0].details, None);
    let account = details_of(
        "AwsAccount",
        "arn:aws:inspector2:us-east-1:111122223333:account",
    );
    assert_eq!(
        (account.kind.as_str(), account.details),
        ("AwsAccount", None)
    );
}

#[test]
fn json_keys_are_pascal_case_and_absent_values_are_left_out() {
    let f = one(
        &empty(),
        finding("eks-x", Status::Fail, cluster("us-east-1", "a"), "m"),
    );
    let v = serde_json::to_value(&f).unwrap();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
        "Compliance",
        "Workflow",
        "RecordState",
        "ProductFields",
        "FindingProviderFields",
    ] {
        assert!(keys.contains(k), "{k} missing from {keys:?}");
    }
    assert!(keys
        .iter()
        .all(|k| k.chars().next().unwrap().is_ascii_uppercase()));
    assert_eq!(v["Resources"][0].get("Details"), None);
    let back: AsffFinding = serde_json::from_value(v).unwrap();
    assert_eq!(back, f);
    assert!(render_asff(&[f]).starts_with("[\n  {\n    \"SchemaVersion\""));
}

// ---------------------------------------------------------------- validator

fn valid() -> AsffFinding {
    let mut f = finding("eks-x", Status::Fail, cluster("us-east-1", "a"), "m");
    f.evidence = vec![Evidence::new(
        "AwsIamRole",
        "arn:aws:iam::111122223333:role/r",
        "d",
    )];
    let a = one(&empty(), f);
    validate(&a).unwrap();
    a
}

fn rejects(what: &str, change: impl FnOnce(&mut AsffFinding)) {
    let mut f = valid();
    change(&mut f);
    let problems = validate(&f).expect_err(what);
    assert!(
        problems.iter().any(|p| p.contains(what)),
        "expected a problem naming {what}: {problems:?}"
    );
}

#[test]
fn the_validator_rejects_missing_required_fields() {
    rejects("SchemaVersion", |f| f.schema_version = "2018-10-09".into());
    rejects("Id", |f| f.id = " ".into());
    rejects("ProductArn", |f| f.product_arn = String::new());
    rejects("ProductArn", |f| {
        f.product_arn = "arn:aws:s3:::bucket/product".into();
    });
    rejects("GeneratorId", |f| f.generator_id = String::new());
    rejects("AwsAccountId", |f| f.aws_account_id = "12345".into());
    rejects("CreatedAt", |f| f.created_at = String::new());
    rejects("UpdatedAt", |f| f.updated_at = String::new());
    rejects("Title", |f| f.title = String::new());
    rejects("Description", |f| f.description = "\n".into());
    rejects("Resources", |f| f.resources.clear());
    rejects("Types", |f| f.types.clear());
    rejects("Resources[1].Id", |f| f.resources[1].id = String::new());
    rejects("Resources[0].Type", |f| f.resources[0].kind = String::new());
}

#[test]
fn the_validator_rejects_every_limit_exceeded() {
    rejects("Id has 513", |f| f.id = "i".repeat(513));
    rejects("GeneratorId has 513", |f| f.generator_id = "g".repeat(513));
    rejects("Title has 257", |f| f.title = "ä".repeat(257));
    rejects("Description has 1025", |f| f.description = "d".repeat(1025));
    rejects("Remediation.Recommendation.Text has 513", |f| {
        f.remediation.as_mut().unwrap().recommendation.text = "r".repeat(513);
    });
    rejects("Types has 51", |f| {
        f.types = vec![TYPE_BEST_PRACTICES.to_string(); 51];
    });
    rejects("not namespace/category/classifier", |f| {
        f.types = vec!["Software and Configuration Checks//x".into()];
    });
    rejects("has namespace \"Config\"", |f| {
        f.types = vec!["Config/Checks".into()];
    });
    rejects("FindingProviderFields.Types", |f| {
        f.finding_provider_fields.as_mut().unwrap().types = vec!["Nope/x".into()];
    });
    rejects("Resources has 33", |f| {
        let r = f.resources[0].clone();
        f.resources = vec![r; 33];
    });
    rejects("RelatedRequirements has 33", |f| {
        f.compliance.as_mut().unwrap().related_requirements = vec!["CIS-EKS-1.8:5.4.1".into(); 33];
    });
    rejects("ProductFields has 51", |f| {
        f.product_fields = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    });
    rejects("ProductFields key has 129", |f| {
        f.product_fields.insert("k".repeat(129), "v".into());
    });
    rejects("has 2049", |f| {
        f.product_fields.insert("k".into(), "v".repeat(2049));
    });
    rejects("ProductName has 129", |f| {
        f.product_name = Some("p".repeat(129));
    });
    rejects("Severity.Original has 65", |f| {
        f.severity.original = Some("o".repeat(65));
    });
    rejects("Resources[0].Region has 17", |f| {
        f.resources[0].region = Some("r".repeat(17));
    });
    rejects("Details.Other[k] has 1024", |f| {
        f.resources[0].details = Some(AsffResourceDetails {
            other: Some([("k".to_string(), "v".repeat(1024))].into()),
            ..AsffResourceDetails::default()
        });
    });
    rejects("more than 245760", |f| {
        let other: std::collections::BTreeMap<String, String> = (0..50)
            .map(|i| (format!("k{i}"), "v".repeat(1000)))
            .collect();
        for r in &mut f.resources {
            r.details = Some(AsffResourceDetails {
                other: Some(other.clone()),
                ..AsffResourceDetails::default()
            });
        }
        let r = f.resources[0].clone();
        f.resources.resize(6, r);
    });
}

#[test]
fn the_validator_rejects_bad_values() {
    rejects("Severity.Label \"BOGUS\"", |f| {
        f.severity.label = "BOGUS".into();
    });
    rejects("FindingProviderFields.Severity.Label", |f| {
        f.finding_provider_fields
            .as_mut()
            .unwrap()
            .severity
            .as_mut()
            .unwrap()
            .label = "high".into();
    });
    rejects("Compliance.Status", |f| {
        f.compliance.as_mut().unwrap().status = "FAIL".into();
    });
    rejects("Workflow.Status", |f| {
        f.workflow.as_mut().unwrap().status = "OPEN".into();
    });
    rejects("RecordState", |f| f.record_state = Some("DELETED".into()));
    rejects("Partition", |f| {
        f.resources[0].partition = Some("aws-moon".into());
    });
    rejects("CreatedAt \"2026-11-01\"", |f| {
        f.created_at = "2026-11-01".into();
    });
    rejects("UpdatedAt", |f| {
        f.updated_at = "2026-13-01T00:00:00Z".into();
    });
    rejects("FirstObservedAt", |f| {
        f.first_observed_at = Some("yesterday".into());
    });
    rejects("LastObservedAt", |f| {
        f.last_observed_at = Some("2026-11-01T00:00:00+19:00".into());
    });
}

#[test]
fn timestamps_in_every_form_security_hub_documents_are_accepted() {
    for ok in [
        "2019-01-31T23:00:00Z",
        "2019-01-31T23:00:00.123456789Z",
        "2024-01-04T15:25:10+17:59",
        "2024-01-04T15:25:10-1759",
        "2024-01-04T15:25:10.123456789+17:59",
        "2024-01-04T15:25:10+05",
    ] {
        assert!(limits::is_timestamp(ok), "{ok}");
    }
    for bad in [
        "2019-01-31 23:00:00Z",
        "2019-01-31T23:00:00",
        "2019-01-31T23:00:00.Z",
        "2019-01-31T23:00:00.1234567890Z",
        "2019-01-31T24:00:00Z",
        "2019-01-31T23:00:00+18:01",
        "2019-01-31T23:00:00+1:00",
        "2019-1-31T23:00:00Z",
    ] {
        assert!(!limits::is_timestamp(bad), "{bad}");
    }
}
