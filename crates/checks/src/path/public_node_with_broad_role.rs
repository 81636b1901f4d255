use eksposture_model::{Evidence, Graph, Status};

use super::gains;
use super::reach::{internet_reach, Reach};
use crate::iam::{instance_role, InstanceRole};
use crate::support::{instance_gaps, instance_ref};
use crate::{declare_check, Findings};

declare_check! {
    /// ## What it checks
    ///
    /// For every live node instance (not `terminated` or `shutting-down`):
    /// can the internet open a connection to it, and is the role its
    /// instance profile hands out over-broad in the sense of
    /// `iam-node-role-least-privilege` (administrator access, a
    /// whole-service wildcard, or privilege escalation and lateral movement
    /// (IAM writes, the EKS access API, `ssm:SendCommand`, ...), secret, KMS,
    /// S3 read or ECR write actions on every resource)? Reachable means: a public
    /// IPv4 address, and a security group of the node with an ingress rule
    /// from `0.0.0.0/0` on some port or protocol other than ICMP. A node
    /// without a public IPv4 address is not reachable over IPv4 even in a
    /// subnet routed to an internet gateway; over IPv6 it is when it has an
    /// IPv6 address and a group admits `::/0`, and as instance IPv6
    /// addresses are not collected, that case is unknown. Network ACLs are
    /// not read.
    ///
    /// | reach \ node role | over-broad | within baseline / no role | unknown |
    /// | --- | --- | --- | --- |
    /// | reachable | **fail** | pass | unknown |
    /// | not reachable | pass | pass | pass |
    /// | unknown | unknown | pass | unknown |
    ///
    /// Reach is unknown when the node's subnet, route table or a security
    /// group could not be read or found (unless every group that was read
    /// admits nothing from the internet and no other is missing), a rule
    /// admits a managed prefix list or lacks its ports, or only `::/0` is
    /// admitted. The role is unknown as in `path-pod-to-node-role`. Regions
    /// whose clusters or instances could not be listed give one unknown per
    /// region or cluster. The declared severity is critical, the case where
    /// the role is an account administrator: the message says whether the
    /// intruder becomes one, or lists the narrower grants gained.
    ///
    /// ## Rationale
    ///
    /// Whoever compromises anything listening on an internet-facing node
    /// (SSH, the kubelet, a NodePort service, a host-network pod) reads the
    /// node role's credentials from IMDS on the host, where no hop limit
    /// applies. An over-broad node role turns one exposed port into an
    /// account compromise.
    ///
    /// ## Remediation
    ///
    /// Move nodes to private subnets without public IPs behind load
    /// balancers, remove internet-wide ingress from node security groups,
    /// and cut the node role down to the worker-node baseline.
    ///
    /// ## Examples
    ///
    /// ```json,fail
    /// {"iam": {"instance_profiles": {"known": [{"name": "node", "arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "role_arns": ["arn:aws:iam::111122223333:role/node"]}]},
    ///  "roles": {"known": [{"role_name": "node", "arn": "arn:aws:iam::111122223333:role/node",
    ///   "inline_policies": [{"name": "admin", "document": {"known": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}}]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///     "public_ip_address": "203.0.113.7", "subnet_id": "subnet-1", "security_group_ids": ["sg-1"]}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "gateway_id": "igw-1", "state": "active"}]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "ingress": [{"ip_protocol": "tcp",
    ///     "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    ///
    /// ```json,pass
    /// {"regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "subnet_id": "subnet-1", "security_group_ids": ["sg-1"]}]},
    ///   "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
    ///   "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true,
    ///     "routes": [{"destination_cidr": "0.0.0.0/0", "nat_gateway_id": "nat-1", "state": "active"}]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "ingress": [{"ip_protocol": "-1",
    ///     "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    ///
    /// ```json,unknown
    /// {"iam": {"roles": {"unknown": {"service": "iam", "region": "global",
    ///   "operation": "GetAccountAuthorizationDetails", "reason": "access_denied", "message": "denied"}},
    ///  "instance_profiles": {"known": [{"name": "node", "arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///   "role_arns": ["arn:aws:iam::111122223333:role/node"]}]}},
    ///  "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}]},
    ///   "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ///     "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": "arn:aws:iam::111122223333:instance-profile/node",
    ///     "public_ip_address": "203.0.113.7", "security_group_ids": ["sg-1"]}]},
    ///   "security_groups": {"known": [{"group_id": "sg-1", "ingress": [{"ip_protocol": "tcp",
    ///     "from_port": 22, "to_port": 22, "ipv4_ranges": ["0.0.0.0/0"]}]}]}}}}
    /// ```
    id: "path-public-node-with-broad-role",
    title: "Internet-reachable nodes should not carry an over-broad node role",
    severity: Critical,
    kind: AttackPath { tactic: InitialAccess, entry: Configuration },
    resource_type: "AwsEc2Instance",
    remediation: "Take the node off the internet (private subnet, no public IP, no 0.0.0.0/0 ingress) and reduce its role to the worker-node baseline.",
    compliance: ["NIST-800-190:4.3.5", "NIST-800-190:4.5.1", "PCI-DSS-4.0:1.4.2", "PCI-DSS-4.0:7.2.1", "EKS-BPG:infrastructure"],
}

pub fn evaluate(g: &Graph<'_>, out: &mut Findings) {
    for u in instance_gaps(g) {
        u.emit(out);
    }
    for n in g.live_nodes() {
        let (reach, mut ev) = internet_reach(g, n);
        let cluster_arn = g
            .cluster(n.region, n.cluster_name)
            .map_or(n.cluster_name, |c| c.arn.as_str());
        let cluster = format!("cluster {}", n.cluster_name);
        ev.insert(0, Evidence::new("AwsEksCluster", cluster_arn, cluster));
        let role = instance_role(g, n.instance.iam_instance_profile_arn.as_deref(), &mut ev);
        let id = &n.instance.instance_id;
        let (status, message) = match (reach, role) {
            (_, InstanceRole::Limited(what)) => (Status::Pass, format!("node {id}: {what}")),
            (Reach::No(why), _) => (Status::Pass, format!("node {id} cannot be reached from the internet: {why}")),
            (Reach::Yes(why), InstanceRole::OverBroad(name, power)) => (
                Status::Fail,
                format!(
                    "node {id} is reachable from the internet ({why}); whoever compromises a service on it takes node role {name} from IMDS and {}",
                    gains(g, &power)
                ),
            ),
            (Reach::Yes(why), InstanceRole::Unknown(what)) => {
                (Status::Unknown, format!("node {id} is reachable from the internet ({why}); {what}"))
            }
            (Reach::Unknown(why), InstanceRole::OverBroad(name, power)) => (
                Status::Unknown,
                format!("node role {name} of node {id} grants {}; whether the internet reaches the node is unknown: {why}", power.describe()),
            ),
            (Reach::Unknown(why), InstanceRole::Unknown(what)) => {
                (Status::Unknown, format!("node {id}: internet reach unknown ({why}); {what}"))
            }
        };
        out.emit(status, instance_ref(n), message, ev);
    }
}

#[cfg(test)]
mod tests {
    use eksposture_model::Status;
    use serde_json::{json, Value};

    use crate::iam::fixtures::*;
    use crate::testing::{self, statuses};

    const PROFILE: &str = "arn:aws:iam::111122223333:instance-profile/node";

    /// Node i-1 in subnet-1 (main table routes `route`), group sg-1 with
    /// `rule`, and an instance profile whose role is `role`.
    fn account(public_ip: Option<&str>, route: &Value, rule: &Value, role: &Value) -> Value {
        json!({"iam": {"roles": {"known": [role]}, "managed_policies": managed(&[("AdministratorAccess", admin())]),
                "instance_profiles": {"known": [{"name": "node", "arn": PROFILE, "role_arns": [NODE_ROLE_ARN]}]}},
            "regions": {"us-east-1": {"clusters": {"known": [{"name": "prod", "arn": CLUSTER_ARN}]},
                "instances": {"known": [{"instance_id": "i-1", "arn": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                    "tags": {"eks:cluster-name": "prod"}, "iam_instance_profile_arn": PROFILE, "public_ip_address": public_ip,
                    "subnet_id": "subnet-1", "security_group_ids": ["sg-1"]}]},
                "subnets": {"known": [{"subnet_id": "subnet-1", "vpc_id": "vpc-1"}]},
                "route_tables": {"known": [{"route_table_id": "rtb-1", "vpc_id": "vpc-1", "main": true, "routes": [route]}]},
                "security_groups": {"known": [{"group_id": "sg-1", "ingress": [rule]}]}}}})
    }

    fn run(public_ip: Option<&str>, rule: &Value, role: &Value) -> Vec<eksposture_model::Finding> {
        let igw = json!({"destination_cidr": "0.0.0.0/0", "destination_ipv6_cidr": null, "gateway_id": "igw-1", "state": "active"});
        testing::run(&super::META, account(public_ip, &igw, rule, role))
    }

    fn world(proto: &str, port: i32, cidr: &str) -> Value {
        let key = if cidr.contains(':') {
            "ipv6_ranges"
        } else {
            "ipv4_ranges"
        };
        json!({"ip_protocol": proto, "from_port": port, "to_port": port, key: [cidr]})
    }

    #[test]
    fn fails_for_a_public_node_open_on_https_whose_role_is_admin_with_the_chain() {
        let f = run(
            Some("203.0.113.7"),
            &world("tcp", 443, "0.0.0.0/0"),
            &node_role(&["AdministratorAccess"], &[]),
        );
        assert_eq!(statuses(&f), [Status::Fail]);
        assert!(
            f[0].message
                .contains("becomes a full administrator of account 111122223333"),
            "{}",
            f[0].message
        );
        let kinds: Vec<&str> = f[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "AwsEksCluster",
                "AwsEc2Instance",
                "AwsEc2Subnet",
                "AwsEc2RouteTable",
                "AwsEc2InternetGateway",
                "AwsEc2SecurityGroup",
                "AwsIamInstanceProfile",
                "AwsIamRole",
                "AwsIamPolicy"
            ]
        );
        let role = node_role(&[], &[("pass", allow("iam:PassRole", "*"))]);
        let f = run(
            Some("203.0.113.7"),
            &world("udp", 30001, "0.0.0.0/0"),
            &role,
        );
        assert!(
            f[0].message
                .contains("gains iam:PassRole on any IAM role (not full administrator access)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_without_a_public_ipv4_address_or_world_ingress_or_with_a_baseline_role() {
        let admin_role = node_role(&["AdministratorAccess"], &[]);
        for (ip, rule, role) in [
            (None, world("tcp", 443, "0.0.0.0/0"), &admin_role),
            (
                Some("203.0.113.7"),
                world("tcp", 443, "10.0.0.0/8"),
                &admin_role,
            ),
            (
                Some("203.0.113.7"),
                world("icmp", -1, "0.0.0.0/0"),
                &admin_role,
            ),
            (
                Some("203.0.113.7"),
                world("tcp", 443, "0.0.0.0/0"),
                &node_role(&[], &[]),
            ),
        ] {
            let f = run(ip, &rule, role);
            assert_eq!(statuses(&f), [Status::Pass], "{ip:?} {rule}: {f:#?}");
        }
    }

    #[test]
    fn unknown_when_only_ipv6_is_admitted_or_the_role_cannot_be_read() {
        let admin_role = node_role(&["AdministratorAccess"], &[]);
        let f = run(None, &world("tcp", 443, "::/0"), &admin_role);
        assert_eq!(statuses(&f), [Status::Unknown]);
        assert!(
            f[0].message.contains("IPv6 address (not collected)"),
            "{}",
            f[0].message
        );
        let f = run(
            Some("203.0.113.7"),
            &world("tcp", 22, "0.0.0.0/0"),
            &node_role(&["NotCollected"], &[]),
        );
        assert_eq!(statuses(&f), [Status::Unknown]);
    }
}
