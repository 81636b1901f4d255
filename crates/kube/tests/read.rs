//! Reading a real kube-apiserver: what each kind maps to, a list longer
//! than a page, a kind the server does not serve, a kind the scanner may
//! not read, a principal that may read nothing, and read-only proved by the
//! server's audit log.

mod support;

use std::time::Duration;

use eksposture_kube::cluster::read;
use eksposture_kube::connect::{client, client_from, pem_certificates, Bearer, Endpoint};
use eksposture_kube::read::{Auth, Reader};
use eksposture_model::{GapReason, Kubernetes, Observed};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node, Pod, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

const USER: &str = "reader";

fn endpoint(s: &support::KubeServer) -> Endpoint {
    Endpoint {
        url: s.url().to_string(),
        ca: pem_certificates(&s.ca_pem()).expect("CA"),
    }
}

fn admin(s: &support::KubeServer) -> kube::Client {
    client(&endpoint(s), &Bearer::new(s.admin_token())).expect("client")
}

fn object<K: DeserializeOwned>(v: Value) -> K {
    serde_json::from_value(v).expect("object")
}

async fn create<K>(api: &Api<K>, v: Value)
where
    K: kube::Resource + Clone + DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    api.create(&PostParams::default(), &object(v))
        .await
        .expect("create");
}

/// The scenario, once per test binary: the tests only read it.
async fn seeded(s: &support::KubeServer) {
    static SEEDED: OnceCell<()> = OnceCell::const_new();
    SEEDED
        .get_or_init(|| async {
            let c = admin(s);
            let ns: Api<Namespace> = Api::all(c.clone());
            create(&ns, json!({"metadata": {"name": "t-read", "labels": {
                "pod-security.kubernetes.io/enforce": "privileged", "team": "a"}}}))
            .await;
            create(&ns, json!({"metadata": {"name": "t-many"}})).await;
            create(
                &Api::<Node>::all(c.clone()),
                json!({"metadata": {"name": "ip-192-0-2-10.ec2.internal",
                    "labels": {"eks.amazonaws.com/nodegroup": "ng-1"}},
                  "spec": {"providerID": "aws:///us-east-1a/i-0123456789abcdef0"}}),
            )
            .await;
            create(
                &Api::<Pod>::namespaced(c.clone(), "t-read"),
                json!({"metadata": {"name": "agent"}, "spec": {
                    "nodeName": "ip-192-0-2-10.ec2.internal", "hostNetwork": true,
                    "serviceAccountName": "app",
                    "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
                    "containers": [{"name": "agent", "image": "public.ecr.aws/x/agent:1",
                        "securityContext": {"privileged": true},
                        "volumeMounts": [{"name": "root", "mountPath": "/host"}],
                        "env": [
                            {"name": "DB_PASSWORD", "value": "hunter2-literal"},
                            {"name": "REGION", "value": "us-east-1"},
                            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
                        ]}]}}),
            )
            .await;
            create(
                &Api::<ServiceAccount>::namespaced(c.clone(), "t-read"),
                json!({"metadata": {"name": "app", "annotations": {
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/app"}},
                  "automountServiceAccountToken": false}),
            )
            .await;
            // More than one page (500) of one kind.
            let many = Api::<ServiceAccount>::namespaced(c.clone(), "t-many");
            for i in 0..510 {
                create(&many, json!({"metadata": {"name": format!("sa-{i:03}")}})).await;
            }
            let svc = Api::<Service>::namespaced(c.clone(), "t-read");
            create(&svc, json!({"metadata": {"name": "web", "annotations": {
                    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                    "unrelated": "dropped"}},
                "spec": {"type": "LoadBalancer", "selector": {"app": "web"},
                    "ports": [{"port": 443}]}}))
            .await;
            svc.patch_status(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"loadBalancer": {"ingress": [
                    {"hostname": "a1b2-0123.elb.us-east-1.amazonaws.com"}]}}})),
            )
            .await
            .expect("status");
            create(
                &Api::<ConfigMap>::namespaced(c.clone(), "kube-system"),
                json!({"metadata": {"name": "aws-auth"}, "data": {
                    "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/ops\n  username: ops\n  groups: [system:masters]\n",
                    "mapAccounts": "- \"444455556666\"\n"}}),
            )
            .await;
            // The reader may read every kind but Jobs.
            create(
                &Api::<ClusterRole>::all(c.clone()),
                json!({"metadata": {"name": "t-reader"}, "rules": [
                    {"apiGroups": ["", "apps", "rbac.authorization.k8s.io", "networking.k8s.io",
                                   "admissionregistration.k8s.io"],
                     "resources": ["namespaces", "nodes", "pods", "serviceaccounts", "services",
                        "deployments", "daemonsets", "statefulsets", "roles", "clusterroles",
                        "rolebindings", "clusterrolebindings", "networkpolicies", "ingresses",
                        "validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
                     "verbs": ["get", "list"]}]}),
            )
            .await;
            create(
                &Api::<ClusterRoleBinding>::all(c),
                json!({"metadata": {"name": "t-reader"},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "t-reader"},
                  "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}]}),
            )
            .await;
        })
        .await;
}

async fn read_as(s: &support::KubeServer, c: kube::Client) -> Observed<Kubernetes> {
    let r = Reader::new(c, Auth::Kubeconfig, "us-east-1", "test");
    tokio::time::timeout(
        Duration::from_mins(2),
        read(&r, "test", "arn:aws:iam::111122223333:role/scanner"),
    )
    .await
    .unwrap_or_else(|_| panic!("the read took over 2 minutes; server at {}", s.url()))
}

#[tokio::test]
async fn reads_every_kind_the_reader_may_and_a_gap_for_the_others() {
    let Some(s) = support::server() else { return };
    seeded(s).await;
    let k = read_as(
        s,
        client(&endpoint(s), &Bearer::new(s.reader_token())).unwrap(),
    )
    .await;
    let Observed::Known(k) = k else {
        panic!("nothing read: {k:?}")
    };
    assert!(k
        .server_version
        .as_deref()
        .is_some_and(|v| v.starts_with('v')));

    let ns = k.namespaces.known().expect("namespaces");
    let t = ns.iter().find(|n| n.name == "t-read").expect("t-read");
    assert_eq!(
        t.pod_security
            .get("pod-security.kubernetes.io/enforce")
            .map(String::as_str),
        Some("privileged")
    );
    assert!(
        !t.pod_security.contains_key("team"),
        "only Pod Security labels are kept"
    );

    let node = &k.nodes.known().expect("nodes")[0];
    assert_eq!(node.instance_id.as_deref(), Some("i-0123456789abcdef0"));
    assert_eq!(node.nodegroup.as_deref(), Some("ng-1"));

    let pods = k.workloads["Pod"].known().expect("pods");
    let agent = pods.iter().find(|p| p.name == "agent").expect("agent pod");
    assert!(agent.spec.host_network);
    assert_eq!(agent.spec.service_account, "app");
    assert_eq!(
        agent.spec.host_paths.get("root").map(String::as_str),
        Some("/")
    );
    let container = &agent.spec.containers[0];
    assert_eq!(container.privileged, Some(true));
    let env: Vec<(&str, &str, bool)> = container
        .env
        .iter()
        .map(|e| (e.name.as_str(), e.source.as_str(), e.looks_secret))
        .collect();
    assert_eq!(
        env,
        [
            ("DB_PASSWORD", "literal", true),
            ("REGION", "literal", false),
            ("TOKEN", "secretKeyRef", false)
        ]
    );
    let json = serde_json::to_string(&k).unwrap();
    assert!(
        !json.contains("hunter2"),
        "a literal value reached the inventory"
    );
    assert!(
        !json.contains("\"unrelated\""),
        "unused annotations are dropped"
    );

    let sas = k.service_accounts.known().expect("service accounts");
    let counts = eksposture_kube::requests::snapshot();
    assert!(
        counts.requests["kubernetes:list serviceaccounts"] >= 2,
        "two pages counted: {counts:?}"
    );
    assert_eq!(
        sas.iter().filter(|a| a.namespace == "t-many").count(),
        510,
        "every page"
    );
    let app = sas.iter().find(|a| a.name == "app").unwrap();
    assert_eq!(
        app.role_arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/app")
    );
    assert_eq!(app.automount_service_account_token, Some(false));

    let svc = k
        .services
        .known()
        .unwrap()
        .iter()
        .find(|x| x.name == "web")
        .unwrap();
    assert_eq!(svc.kind, "LoadBalancer");
    assert_eq!(
        svc.load_balancer_hostnames,
        ["a1b2-0123.elb.us-east-1.amazonaws.com"]
    );
    assert!(svc
        .annotations
        .contains_key("service.beta.kubernetes.io/aws-load-balancer-scheme"));

    assert!(k
        .cluster_role_bindings
        .known()
        .unwrap()
        .iter()
        .any(|b| b.name == "t-reader"));

    // Jobs: denied to this reader; CronJobs: not served in batch/v1 before 1.21.
    let jobs = k.workloads["Job"].gap().expect("jobs denied");
    assert_eq!(jobs.reason, GapReason::AccessDenied, "{jobs:?}");
    assert_eq!(jobs.operation, "list jobs.batch");
    match &k.workloads["CronJob"] {
        Observed::Unknown(g) => assert_eq!(g.reason, GapReason::NotSupported, "{g:?}"),
        Observed::Known(_) => {} // a server of 1.21 or later serves batch/v1 CronJobs
    }

    // Read-only, proved by the server: the reader only got and listed, and
    // never touched a Secret.
    let audit = s.audit_log();
    let mine: Vec<Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == USER)
        .collect();
    assert!(!mine.is_empty(), "the audit log has the reader's requests");
    for e in &mine {
        let verb = e["verb"].as_str().unwrap_or_default();
        assert!(matches!(verb, "get" | "list"), "verb {verb}: {e}");
        let uri = e["requestURI"].as_str().unwrap_or_default();
        assert!(!uri.contains("secrets"), "{uri}");
    }
}

#[tokio::test]
async fn a_principal_that_may_read_nothing_is_one_gap_saying_how_to_grant_it() {
    let Some(s) = support::server() else { return };
    let mut config = kube::Config::new(s.url().parse().unwrap());
    config.root_cert = Some(pem_certificates(&s.ca_pem()).unwrap());
    config.auth_info.token = Some(s.admin_token().to_string().into());
    // Admin, impersonating a user bound to nothing.
    config.headers.push((
        http::HeaderName::from_static("impersonate-user"),
        http::HeaderValue::from_static("nobody"),
    ));
    let c = client_from(config, None).unwrap();
    let Observed::Unknown(gap) = read_as(s, c).await else {
        panic!("read something as a user bound to nothing")
    };
    assert_eq!(gap.reason, GapReason::AccessDenied);
    assert_eq!(gap.service, "kubernetes");
    assert!(
        gap.message.contains("aws eks create-access-entry --region us-east-1 --cluster-name test --principal-arn arn:aws:iam::111122223333:role/scanner --kubernetes-groups eksposture-readers"),
        "{}",
        gap.message
    );
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_is_unreachable() {
    let Some(s) = support::server() else { return };
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = Endpoint {
        url: format!("https://127.0.0.1:{port}"),
        ca: pem_certificates(&s.ca_pem()).unwrap(),
    };
    let c = client(&e, &Bearer::new("x")).unwrap();
    let Observed::Unknown(gap) = read_as(s, c).await else {
        panic!("read a closed port")
    };
    assert_eq!(gap.reason, GapReason::Unreachable, "{gap:?}");
    assert!(gap.message.contains("private endpoint"), "{}", gap.message);
}

/// The read role `eksposture permissions --kubernetes` prints is enough:
/// a principal in its group reads every kind the server serves.
#[tokio::test]
async fn the_printed_read_role_reads_everything_the_server_serves() {
    let Some(s) = support::server() else { return };
    seeded(s).await;
    let rules: Vec<Value> = eksposture_kube::kinds::rules()
        .into_iter()
        .map(|r| {
            json!({"apiGroups": [r.group], "resources": r.resources, "verbs": r.verbs,
                   "resourceNames": r.resource_names})
        })
        .collect();
    let c = admin(s);
    let role = Api::<ClusterRole>::all(c.clone());
    if role.get_opt("eksposture-reader").await.unwrap().is_none() {
        create(
            &role,
            json!({"metadata": {"name": "eksposture-reader"}, "rules": rules}),
        )
        .await;
        create(
            &Api::<ClusterRoleBinding>::all(c),
            json!({"metadata": {"name": "eksposture-reader"},
              "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                          "name": "eksposture-reader"},
              "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                            "name": eksposture_kube::kinds::READERS_GROUP}]}),
        )
        .await;
    }
    let mut config = kube::Config::new(s.url().parse().unwrap());
    config.root_cert = Some(pem_certificates(&s.ca_pem()).unwrap());
    config.auth_info.token = Some(s.admin_token().to_string().into());
    config.headers.extend([
        (
            http::HeaderName::from_static("impersonate-user"),
            http::HeaderValue::from_static("scanner"),
        ),
        (
            http::HeaderName::from_static("impersonate-group"),
            http::HeaderValue::from_static(eksposture_kube::kinds::READERS_GROUP),
        ),
    ]);
    let Observed::Known(k) = read_as(s, client_from(config, None).unwrap()).await else {
        panic!("the read role read nothing")
    };
    let text = serde_json::to_string(&k).unwrap();
    for (kind, w) in &k.workloads {
        if let Observed::Unknown(g) = w {
            assert_eq!(
                (kind.as_str(), g.reason),
                ("CronJob", GapReason::NotSupported),
                "{g:?}"
            );
        }
    }
    // Every other kind is known: the only gap can be the CronJob one above.
    let unread = k.workloads.values().filter(|w| !w.is_known()).count();
    assert_eq!(text.matches("\"unknown\"").count(), unread, "{text}");
}

/// A cluster whose kubeconfig context is named by its ARN (as `aws eks
/// update-kubeconfig` names it) is read through that context, aws-auth
/// included.
#[tokio::test]
async fn a_context_named_by_the_cluster_arn_reads_the_cluster_and_its_aws_auth() {
    use eksposture_kube::eks::{read_cluster, Access, EksCluster};
    use eksposture_kube::kubeconfig::Contexts;

    let Some(s) = support::server() else { return };
    seeded(s).await;
    let arn = "arn:aws:eks:us-east-1:111122223333:cluster/prod";
    let dir = std::env::temp_dir().join(format!("eksposture-kube-ctx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: '{}', certificate-authority: '{}'}}\ncontexts:\n- name: '{arn}'\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user: {{token: '{}'}}\n",
            s.url(),
            s.env["KUBE_CA_FILE"],
            s.admin_token()
        ),
    )
    .unwrap();
    let contexts = Contexts::load(Some(&path)).unwrap().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let access = Access {
        credentials: aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
        ),
        sts_endpoint: None,
        principal: "arn:aws:iam::111122223333:role/scanner".into(),
        contexts: Some(std::sync::Arc::new(contexts)),
    };
    let cluster = EksCluster {
        arn,
        name: "prod",
        region: "us-east-1",
        // Not used: the context wins.
        endpoint: Some("https://unused.example"),
        certificate_authority: None,
        read_aws_auth: true,
    };
    let read = read_cluster(&cluster, &access).await;
    let Observed::Known(k) = read.kubernetes else {
        panic!("not read: {:?}", read.kubernetes)
    };
    assert_eq!(k.connection, format!("kubeconfig:{arn}"));
    let Some(Observed::Known(auth)) = read.aws_auth else {
        panic!("aws-auth not read: {:?}", read.aws_auth)
    };
    assert_eq!(
        auth.map_roles[0].rolearn,
        "arn:aws:iam::111122223333:role/ops"
    );
    assert_eq!(auth.map_roles[0].groups, ["system:masters"]);
    assert_eq!(auth.map_accounts, ["444455556666"]);
}

/// With no matching context, a cluster whose DescribeCluster answer lacks
/// its endpoint is one gap, and so is its aws-auth.
#[tokio::test]
async fn a_cluster_without_an_endpoint_is_a_gap() {
    use eksposture_kube::eks::{read_cluster, Access, EksCluster};
    let access = Access {
        credentials: aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("AKID", "SECRET", None, None, "test"),
        ),
        sts_endpoint: None,
        principal: "arn:aws:iam::111122223333:role/scanner".into(),
        contexts: None,
    };
    let cluster = EksCluster {
        arn: "arn:aws:eks:us-east-1:111122223333:cluster/new",
        name: "new",
        region: "us-east-1",
        endpoint: None,
        certificate_authority: None,
        read_aws_auth: true,
    };
    let read = read_cluster(&cluster, &access).await;
    let gap = read.kubernetes.gap().expect("a gap").clone();
    assert_eq!(
        (gap.service.as_str(), gap.operation.as_str()),
        ("kubernetes", "connect")
    );
    assert!(gap.message.contains("no endpoint"), "{}", gap.message);
    assert_eq!(read.aws_auth.and_then(|a| a.gap().cloned()), Some(gap));
}
