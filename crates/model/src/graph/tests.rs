//! The relations the graph computes, on small inventories.

use serde_json::{json, Value};

use super::{EksRoleUse, EksRoleUseUnread, Graph, ProfileUseUnread, SecurityGroupUser};
use crate::Inventory;

const ROLE: &str = "arn:aws:iam::111122223333:role/shared";
const PROFILE: &str = "arn:aws:iam::111122223333:instance-profile/shared";

fn gap(operation: &str) -> Value {
    json!({"unknown": {"service": "eks", "region": "us-east-1", "operation": operation,
        "reason": "access_denied", "message": "denied"}})
}

fn inventory(iam: &Value, region: &Value) -> Inventory {
    serde_json::from_value(json!({"schema_version": "1",
        "scan": {"account_id": "111122223333", "partition": "aws", "regions": ["us-east-1"],
            "started_at": "2026-11-01T00:00:00Z", "finished_at": "2026-11-01T00:01:00Z"},
        "iam": iam, "regions": {"us-east-1": region}}))
    .unwrap()
}

fn cluster(name: &str, config: &Value, more: &Value) -> Value {
    let mut c = json!({"name": name, "arn": format!("arn:aws:eks:us-east-1:111122223333:cluster/{name}"),
        "config": config, "nodegroups": {"known": []}, "fargate_profiles": {"known": []},
        "pod_identity_associations": {"known": []}});
    for (k, v) in more.as_object().unwrap() {
        c[k.as_str()] = v.clone();
    }
    c
}

fn node(id: &str, state: &str, more: &Value) -> Value {
    let mut n = json!({"instance_id": id, "arn": format!("arn:aws:ec2:us-east-1:111122223333:instance/{id}"),
        "state": state, "tags": {"eks:cluster-name": "prod"}});
    for (k, v) in more.as_object().unwrap() {
        n[k.as_str()] = v.clone();
    }
    n
}

#[test]
fn eks_role_uses_finds_every_holder_by_role_name_and_every_unread_list() {
    // The Fargate profile spells the ARN with a path and another case: IAM
    // role names are unique per account, case-insensitively.
    let other = cluster(
        "other",
        &json!({"known": {"role_arn": ROLE}}),
        &json!({"fargate_profiles": {"known": [
                {"name": "fp", "pod_execution_role_arn": "arn:aws:iam::111122223333:role/eks/SHARED"},
                {"name": "unset"}]},
            "pod_identity_associations": {"known": [
                {"association_id": "a-1", "namespace": "ns", "service_account": "sa", "role_arn": {"known": ROLE}},
                {"association_id": "a-2", "namespace": "ns", "service_account": "sb", "role_arn": gap("DescribePodIdentityAssociation")}]},
            "nodegroups": gap("ListNodegroups")}),
    );
    let dark = cluster("dark", &gap("DescribeCluster"), &json!({}));
    let inv = inventory(&json!({}), &json!({"clusters": {"known": [other, dark]}}));
    let g = Graph::new(&inv);
    let uses = g.eks_role_uses(ROLE);
    let names: Vec<String> = uses
        .uses
        .iter()
        .map(|u| match u {
            EksRoleUse::Cluster(c) => format!("cluster {}", c.cluster.name),
            EksRoleUse::FargateProfile(_, p) => format!("fargate {}", p.name),
            EksRoleUse::PodIdentity(_, a) => format!("pod identity {}", a.association_id),
        })
        .collect();
    assert_eq!(names, ["cluster other", "fargate fp", "pod identity a-1"]);
    let unread: Vec<String> = uses
        .unread
        .iter()
        .map(|u| match u {
            EksRoleUseUnread::FargateRoleUnset(_, p) => format!("fargate role {}", p.name),
            EksRoleUseUnread::PodIdentityRole(_, a, _) => {
                format!("pod identity {}", a.association_id)
            }
            EksRoleUseUnread::Nodegroups(c, _) => format!("nodegroups {}", c.cluster.name),
            EksRoleUseUnread::ClusterConfig(c, _) => format!("config {}", c.cluster.name),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        unread,
        [
            "fargate role unset",
            "pod identity a-2",
            "nodegroups other",
            "config dark"
        ]
    );
}

#[test]
fn instance_profile_users_are_the_non_node_instances_in_force() {
    let iam = json!({"roles": {"known": [{"role_name": "shared", "arn": ROLE}]},
        "instance_profiles": {"known": [{"name": "shared", "arn": PROFILE, "role_arns": [ROLE]}]}});
    let association = |id: &str, state: Option<&str>| json!({"instance_id": id, "instance_profile_arn": PROFILE, "state": state});
    let region = json!({"clusters": {"known": [cluster("prod", &json!({"known": {}}), &json!({}))]},
        "instances": {"known": [node("i-node", "running", &json!({}))]},
        "instance_profile_associations": {"known": [
            association("i-node", Some("associated")),
            association("i-web", Some("associated")),
            association("i-old", Some("disassociated")),
            association("i-odd", None)]}});
    let inv = inventory(&iam, &region);
    let users = Graph::new(&inv).instance_profile_users(ROLE);
    let ids: Vec<&str> = users
        .instances
        .iter()
        .map(|(_, a)| a.instance_id.as_str())
        .collect();
    assert_eq!(ids, ["i-web"]);
    assert!(
        matches!(users.unread.as_slice(), [ProfileUseUnread::State(a)] if a.instance_id == "i-odd"),
        "{:?}",
        users.unread
    );
}

#[test]
fn unreadable_associations_matter_only_in_regions_with_nodes() {
    let iam = json!({"instance_profiles": gap("GetAccountAuthorizationDetails")});
    for (instances, want) in [
        (json!([]), 1),
        (json!([node("i-1", "running", &json!({}))]), 2),
    ] {
        let region = json!({"instances": {"known": instances},
            "instance_profile_associations": gap("DescribeIamInstanceProfileAssociations")});
        let inv = inventory(&iam, &region);
        let users = Graph::new(&inv).instance_profile_users(ROLE);
        // The role is unknown, so the unread profile list counts too.
        assert!(matches!(
            users.unread[0],
            ProfileUseUnread::InstanceProfiles(_)
        ));
        assert_eq!(users.unread.len(), want, "{:?}", users.unread);
    }
}

#[test]
fn live_nodes_volumes_and_security_group_users() {
    let region = json!({
        "clusters": {"known": [cluster("prod",
            &json!({"known": {"security_group_ids": ["sg-extra"], "cluster_security_group_id": "sg-cluster"}}),
            &json!({}))]},
        "instances": {"known": [
            node("i-1", "running", &json!({"volume_ids": ["vol-a"], "security_group_ids": ["sg-node"]})),
            node("i-2", "terminated", &json!({"security_group_ids": ["sg-gone"]}))]},
        "volumes": {"known": [{"volume_id": "vol-b", "attached_instance_ids": ["i-1"]}]}});
    let inv = inventory(&json!({}), &region);
    let g = Graph::new(&inv);
    let live: Vec<&str> = g
        .live_nodes()
        .map(|n| n.instance.instance_id.as_str())
        .collect();
    assert_eq!(live, ["i-1"]);
    let node = g.node("i-1").unwrap();
    assert_eq!(
        g.volume_ids_of_node(node).into_iter().collect::<Vec<_>>(),
        ["vol-a", "vol-b"]
    );
    let groups: Vec<(&str, &str)> = g
        .security_group_users()
        .users
        .iter()
        .map(|(_, id, user)| {
            let by = match user {
                SecurityGroupUser::ClusterAdditional(_) => "additional",
                SecurityGroupUser::Cluster(_) => "cluster",
                SecurityGroupUser::RemoteAccess(_) => "remote access",
                SecurityGroupUser::LaunchTemplate(..) => "launch template",
                SecurityGroupUser::Node(_) => "node",
            };
            (*id, by)
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("sg-extra", "additional"),
            ("sg-cluster", "cluster"),
            ("sg-node", "node")
        ]
    );
}
