//! End to end against moto: several accounts reached by assume-role (moto
//! keeps each account's state apart), two regions, an AWS Organization with
//! a closed account, the least-privilege policy against what a scan sends,
//! and the Lambda handler started as the Lambda service starts it.
//!
//! Accounts: 111111111111 holds the risky cluster in us-east-1 and the
//! hardened one in eu-west-1; 222222222222 the hardened cluster in
//! us-east-1; 333333333333 has no member role, so assuming it is denied.
//! The default account 123456789012 is the scanner's (and the
//! organization's management account, with an empty member account).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use eksposture_e2e::{
    eksposture_bin, python, run_eksposture, run_python, scratch_dir, str_at, workspace_root,
    MotoServer, Run,
};
use serde_json::{json, Value};

const ROLE: &str = "EksPostureAudit";
const RISKY: &str = "111111111111";
const HARDENED: &str = "222222222222";
const DENIED: &str = "333333333333";
const REGIONS: &str = "us-east-1,eu-west-1";

struct World {
    server: MotoServer,
    /// `mocks/organization.py`'s output.
    organization: Value,
    audit: OnceLock<Run>,
}

static WORLD: OnceLock<World> = OnceLock::new();

fn world() -> &'static World {
    WORLD.get_or_init(|| {
        let server = MotoServer::start();
        let seed = |args: &[&str]| {
            server.seed_with(args);
        };
        seed(&[
            "--account",
            "risky",
            "--account-id",
            RISKY,
            "--member-role",
            ROLE,
        ]);
        seed(&[
            "--account",
            "hardened",
            "--account-id",
            RISKY,
            "--region",
            "eu-west-1",
            "--no-reseed",
        ]);
        seed(&[
            "--account",
            "hardened",
            "--account-id",
            HARDENED,
            "--member-role",
            ROLE,
            "--no-reseed",
        ]);
        let organization: Value = serde_json::from_str(&run_python(
            &[
                workspace_root()
                    .join("mocks/organization.py")
                    .to_str()
                    .unwrap(),
                "--endpoint",
                &server.endpoint(),
                "--accounts",
                "2",
                "--closed",
                "1",
            ],
            "mocks/organization.py",
        ))
        .expect("organization.py prints JSON");
        for account in organization["active"].as_array().unwrap() {
            seed(&[
                "--account",
                "empty",
                "--account-id",
                account.as_str().unwrap(),
                "--member-role",
                ROLE,
                "--no-reseed",
            ]);
        }
        World {
            server,
            organization,
            audit: OnceLock::new(),
        }
    })
}

fn accounts_audit() -> &'static Run {
    let w = world();
    w.audit.get_or_init(|| {
        w.server.run_audit(&[
            "--accounts",
            &format!("{RISKY},{HARDENED},{DENIED}"),
            "--role-name",
            ROLE,
            "--region",
            REGIONS,
            "--output",
            "json",
            "--max-attempts",
            "1",
        ])
    })
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

#[test]
fn three_accounts_two_regions_one_denied() {
    let run = accounts_audit();
    run.assert_code(3);
    let report = run.json();
    assert_eq!(str_at(&report, "/scan/account_id"), "123456789012");
    assert_eq!(report["scan"]["regions"], json!(["eu-west-1", "us-east-1"]));

    let accounts = report["accounts"].as_array().expect("accounts section");
    let status: Vec<(&str, &str)> = accounts
        .iter()
        .map(|a| (str_at(a, "/account_id"), str_at(a, "/status")))
        .collect();
    assert_eq!(
        status,
        [
            (RISKY, "scanned"),
            (HARDENED, "scanned"),
            (DENIED, "failed")
        ]
    );
    assert_eq!(accounts[0]["regions"], json!(["eu-west-1", "us-east-1"]));

    // The denied account is one gap, in its account, and nothing else.
    let denied: Vec<&Value> = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["account_id"] == DENIED)
        .collect();
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(str_at(denied[0], "/operation"), "AssumeRole");
    assert_eq!(str_at(denied[0], "/reason"), "access_denied");
    assert!(str_at(denied[0], "/message").contains(&format!("arn:aws:iam::{DENIED}:role/{ROLE}")));
    assert!(report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["account_id"].is_string()));

    // Every finding names its account, and it is the one of its resource.
    let findings = report["findings"].as_array().unwrap();
    let mut by_account = BTreeSet::new();
    for f in findings {
        let account = str_at(f, "/account_id");
        by_account.insert(account.to_string());
        let id = str_at(f, "/resource/id");
        // The one exception: a role of an account this scan did not read,
        // that this account's configuration hands out (a Pod Identity
        // target role): unknown, reported in the account that uses it.
        let foreign_role = str_at(f, "/resource/type") == "AwsIamRole"
            && str_at(f, "/status") == "unknown"
            && str_at(f, "/message").contains("this scan did not read that account");
        if id.starts_with("arn:") && !id.starts_with("arn:aws:iam::aws:") && !foreign_role {
            assert_eq!(account_of(id), account, "{f}");
        }
    }
    assert_eq!(
        by_account,
        BTreeSet::from([RISKY.to_string(), HARDENED.to_string()])
    );
    // Both regions of the risky account were read.
    let cluster = |account: &str, region: &str, name: &str| {
        format!("arn:aws:eks:{region}:{account}:cluster/{name}")
    };
    for (account, region, name, status) in [
        (RISKY, "us-east-1", "risky", "fail"),
        (RISKY, "eu-west-1", "hardened", "pass"),
        (HARDENED, "us-east-1", "hardened", "pass"),
    ] {
        let arn = cluster(account, region, name);
        let f = findings
            .iter()
            .find(|f| {
                f["check_id"] == "eks-endpoint-not-open-to-world" && f["resource"]["id"] == arn
            })
            .unwrap_or_else(|| panic!("no endpoint finding for {arn}"));
        assert_eq!(str_at(f, "/status"), status, "{arn}");
    }

    // The totals are the accounts' sums.
    for key in ["fail", "pass", "unknown"] {
        let sum: u64 = accounts
            .iter()
            .map(|a| a["summary"][key].as_u64().unwrap())
            .sum();
        assert_eq!(report["summary"][key].as_u64().unwrap(), sum, "{key}");
    }
    assert!(accounts[0]["summary"]["fail"].as_u64().unwrap() > 0);
}

#[test]
fn table_and_asff_carry_each_findings_account() {
    let w = world();
    let args = [
        "--accounts",
        &format!("{RISKY},{HARDENED},{DENIED}"),
        "--role-name",
        ROLE,
        "--region",
        "us-east-1",
        "--max-attempts",
        "1",
    ];
    let table = w.server.run_audit(&args);
    table.assert_code(3);
    let out = &table.stdout;
    assert!(out.contains("3 accounts (2 scanned, 1 failed)"), "{out}");
    assert!(out.contains("Accounts:") && out.contains(DENIED), "{out}");
    assert!(out.contains("Account"), "{out}");

    let mut asff_args = args.to_vec();
    asff_args.extend(["--output", "asff"]);
    let asff = w.server.run_audit(&asff_args);
    asff.assert_code(3);
    let findings: Vec<Value> = serde_json::from_str(&asff.stdout).expect("ASFF JSON array");
    let accounts: BTreeSet<&str> = findings
        .iter()
        .map(|f| str_at(f, "/AwsAccountId"))
        .collect();
    assert_eq!(accounts, BTreeSet::from([RISKY, HARDENED]));
    for f in &findings {
        let account = str_at(f, "/AwsAccountId");
        assert!(
            str_at(f, "/ProductArn").ends_with(&format!(":{account}:product/{account}/default")),
            "{f}"
        );
    }
}

/// Every finding in `account`'s Security Hub (us-east-1), through
/// `mocks/securityhub.py`.
fn hub_findings(account: &str) -> Vec<Value> {
    let script = workspace_root().join("mocks/securityhub.py");
    let out = run_python(
        &[
            script.to_str().unwrap(),
            "--endpoint",
            &world().server.endpoint(),
            "--account-id",
            account,
            "findings",
        ],
        "securityhub.py findings",
    );
    serde_json::from_str(&out).expect("securityhub.py prints JSON")
}

#[test]
fn security_hub_import_goes_to_each_accounts_own_hub() {
    let w = world();
    let run = w.server.run_audit(&[
        "--accounts",
        &format!("{RISKY},{HARDENED},{DENIED}"),
        "--role-name",
        ROLE,
        "--region",
        "us-east-1",
        "--max-attempts",
        "1",
        "--output",
        "json",
        "--security-hub",
    ]);
    // Delivered everywhere it could scan: the failures decide the code.
    run.assert_code(3);
    for account in [RISKY, HARDENED] {
        let findings = hub_findings(account);
        assert!(
            !findings.is_empty(),
            "no finding in {account}'s Security Hub"
        );
        for f in &findings {
            assert_eq!(str_at(f, "/AwsAccountId"), account, "{f}");
        }
    }
    assert!(hub_findings(DENIED).is_empty());
    assert!(
        hub_findings("123456789012")
            .iter()
            .all(|f| str_at(f, "/AwsAccountId") == "123456789012"),
        "the scanner's own hub got other accounts' findings"
    );
}

#[test]
fn the_organization_is_scanned_without_its_closed_accounts() {
    let w = world();
    let run = w.server.run_audit(&[
        "--organization",
        "--role-name",
        ROLE,
        "--output",
        "json",
        "--max-attempts",
        "1",
        "--max-parallel-accounts",
        "2",
    ]);
    assert!(matches!(run.code, Some(0 | 3 | 4)), "{run:?}");
    let report = run.json();
    let scanned: Vec<String> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(str_at(a, "/status"), "scanned", "{a}");
            str_at(a, "/account_id").to_string()
        })
        .collect();
    let active: Vec<String> = w.organization["active"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(scanned, active);
    for closed in w.organization["closed"].as_array().unwrap() {
        let closed = closed.as_str().unwrap();
        assert!(!scanned.iter().any(|a| a == closed));
        assert!(
            run.stderr.contains(&format!("skipping account {closed}")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn all_regions_are_the_regions_the_account_has_enabled() {
    let w = world();
    let enabled: Vec<String> = serde_json::from_str(&run_python(
        &[
            "-c",
            "import boto3,json,sys; r=boto3.client('ec2', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing').describe_regions()['Regions']; \
             print(json.dumps(sorted(x['RegionName'] for x in r if x.get('OptInStatus') != 'not-opted-in')))",
            &w.server.endpoint(),
        ],
        "describe_regions",
    ))
    .unwrap();
    assert!(enabled.len() > 2, "{enabled:?}");
    let run = w.server.run_audit(&[
        "--accounts",
        RISKY,
        "--role-name",
        ROLE,
        "--all-regions",
        "--output",
        "json",
        "--max-attempts",
        "1",
    ]);
    run.assert_code(3);
    let report = run.json();
    assert_eq!(report["accounts"][0]["regions"], json!(enabled));
    // Both seeded regions' clusters were found among them.
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            report["findings"].as_array().unwrap().iter().any(|f| {
                f["resource"]["type"] == "AwsEksCluster" && f["resource"]["region"] == region
            }),
            "no cluster finding in {region}"
        );
    }
}

#[test]
fn bad_account_options_are_usage_errors() {
    let w = world();
    let run = w
        .server
        .run_audit(&["--accounts", "12345", "--role-name", ROLE]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("an AWS account id is 12 digits"),
        "{}",
        run.stderr
    );
    let run = run_eksposture(&["audit", "--accounts", RISKY]);
    run.assert_code(2);
    assert!(run.stderr.contains("--role-name"), "{}", run.stderr);
    let run = run_eksposture(&[
        "audit",
        "--organization",
        "--accounts",
        RISKY,
        "--role-name",
        ROLE,
    ]);
    run.assert_code(2);
}

#[test]
fn every_operation_a_scan_sends_is_in_the_printed_policy() {
    let w = world();
    let mut allowed = BTreeSet::new();
    for args in [
        &["permissions"][..],
        &["permissions", "--role-name", ROLE, "--organization"][..],
    ] {
        let run = run_eksposture(args);
        run.assert_code(0);
        let policy = run.json();
        for statement in policy["Statement"].as_array().unwrap() {
            for action in statement["Action"].as_array().unwrap() {
                allowed.insert(action.as_str().unwrap().to_string());
            }
        }
    }
    w.server.start_recording();
    let run = w.server.run_audit(&[
        "--organization",
        "--role-name",
        ROLE,
        "--region",
        REGIONS,
        "--output",
        "json",
        "--max-attempts",
        "1",
    ]);
    let calls = w.server.stop_recording();
    assert!(matches!(run.code, Some(0 | 3 | 4)), "{run:?}");
    let sent: BTreeSet<String> = calls
        .iter()
        .map(|c| format!("{}:{}", c.service, c.operation))
        .collect();
    for op in [
        "sts:AssumeRole",
        "organizations:ListAccounts",
        "eks:ListClusters",
    ] {
        assert!(sent.contains(op), "{op} not sent: {sent:?}");
    }
    let missing: Vec<&String> = sent.iter().filter(|op| !allowed.contains(*op)).collect();
    assert!(
        missing.is_empty(),
        "sent but not in `eksposture permissions`: {missing:?}"
    );
    let writes: Vec<&String> = sent
        .iter()
        .filter(|op| {
            let action = op.split_once(':').map_or("", |(_, a)| a);
            *op != "sts:AssumeRole"
                && !["List", "Describe", "Get", "BatchGet"]
                    .iter()
                    .any(|p| action.starts_with(p))
        })
        .collect();
    assert!(writes.is_empty(), "write operations sent: {writes:?}");
}

/// Runs the binary as the Lambda service does, against the stand-in
/// Runtime API, and returns each invocation's result.
fn invoke_lambda(events: &[Value], env: &[(&str, &str)]) -> Vec<Value> {
    let w = world();
    let dir = scratch_dir("lambda");
    let events_file = dir.join("events.json");
    std::fs::write(&events_file, serde_json::to_vec(events).unwrap()).unwrap();
    let mut api = Command::new(python())
        .arg(workspace_root().join("mocks/lambda_runtime_api.py"))
        .args([
            "--events",
            events_file.to_str().unwrap(),
            "--timeout",
            "300",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the runtime API stand-in");
    let mut lines = BufReader::new(api.stdout.take().unwrap()).lines();
    let first = lines.next().expect("PORT line").expect("read PORT line");
    let port = first.strip_prefix("PORT ").expect("PORT line").to_string();
    let missing = dir.join("no-such-aws-file");
    let mut function = Command::new(eksposture_bin())
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("TMPDIR", &dir)
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "eksposture")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", w.server.endpoint())
        .env("EKSPOSTURE_MAX_ATTEMPTS", "1")
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the function");
    let stderr = function.stderr.take().unwrap();
    let log = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let result = lines.next().and_then(Result::ok);
    let _ = api.wait();
    let _ = function.kill();
    let _ = function.wait();
    let log = log.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let result: Value = serde_json::from_str(&result.unwrap_or_default())
        .unwrap_or_else(|e| panic!("no result from the runtime API ({e}); function log:\n{log}"));
    assert_eq!(result["init_error"], Value::Null, "{log}");
    assert_eq!(result["timed_out"], false, "{log}");
    result["results"].as_array().unwrap().clone()
}

#[test]
fn the_lambda_handler_lists_accounts_and_audits_on_schedule() {
    let w = world();
    let bucket = "eksposture-reports";
    let endpoint = w.server.endpoint();
    run_python(
        &[
            "-c",
            "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing').create_bucket(Bucket=sys.argv[2])",
            &endpoint,
            bucket,
        ],
        "create the report bucket",
    );
    let scheduled = json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-12-03T06:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/eksposture-daily"],
        "detail": {}
    });
    let results = invoke_lambda(
        &[
            json!({"action": "list-accounts"}),
            scheduled,
            json!({"accounts": [RISKY, DENIED], "regions": ["us-east-1"]}),
            json!({"acounts": [RISKY]}),
        ],
        &[
            ("EKSPOSTURE_ROLE_NAME", ROLE),
            ("EKSPOSTURE_REGIONS", "us-east-1"),
            ("EKSPOSTURE_S3_BUCKET", bucket),
            ("EKSPOSTURE_S3_PREFIX", "daily"),
        ],
    );
    assert_eq!(results.len(), 4, "{results:?}");

    // list-accounts: the organization's active accounts, for the Map state.
    assert!(results[0]["ok"].as_bool().unwrap(), "{}", results[0]);
    assert_eq!(results[0]["body"]["accounts"], w.organization["active"]);

    // The scheduled event: an organization audit with the environment's
    // settings, its report in S3.
    let body = &results[1]["body"];
    assert!(results[1]["ok"].as_bool().unwrap(), "{}", results[1]);
    let scanned: Vec<&Value> = body["accounts"].as_array().unwrap().iter().collect();
    assert_eq!(
        scanned.len(),
        w.organization["active"].as_array().unwrap().len()
    );
    assert!(scanned.iter().all(|a| a["status"] == "scanned"), "{body}");
    let location = str_at(body, "/report");
    let key = location
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap_or_else(|| panic!("report location {location}"));
    assert!(key.starts_with("daily/accounts-123456789012/"), "{key}");
    let stored: Value = serde_json::from_str(&run_python(
        &[
            "-c",
            "import boto3,sys; print(boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing')\
             .get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read().decode())",
            &endpoint,
            bucket,
            key,
        ],
        "read the report back",
    ))
    .expect("the stored report is JSON");
    assert_eq!(stored["summary"], body["summary"]);
    assert_eq!(stored["accounts"].as_array().unwrap().len(), scanned.len());

    // One Map item's invocation: a denied account is reported, not fatal.
    let body = &results[2]["body"];
    assert!(results[2]["ok"].as_bool().unwrap(), "{}", results[2]);
    assert_eq!(body["exit_code"], 3, "{body}");
    let status: Vec<(&str, &str)> = body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (str_at(a, "/account_id"), str_at(a, "/status")))
        .collect();
    assert_eq!(status, [(RISKY, "scanned"), (DENIED, "failed")]);
    assert!(body["summary"]["fail"].as_u64().unwrap() > 0);

    // A malformed event is an invocation error that names the problem.
    assert!(!results[3]["ok"].as_bool().unwrap());
    let error = results[3]["body"].to_string();
    assert!(error.contains("unknown field `acounts`"), "{error}");
}

#[test]
fn permissions_are_printed_for_the_member_role_and_the_scanner() {
    let run = run_eksposture(&["permissions", "--security-hub"]);
    run.assert_code(0);
    let policy = run.json();
    assert_eq!(policy["Statement"][0]["Sid"], "EksPostureRead");
    assert_eq!(policy["Statement"][1]["Sid"], "EksPostureSecurityHub");
    let run = run_eksposture(&[
        "permissions",
        "--role-name",
        ROLE,
        "--organization",
        "--s3-bucket",
        "reports",
    ]);
    run.assert_code(0);
    let policy = run.json();
    let actions: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Action"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "sts:AssumeRole",
            "organizations:ListAccounts",
            "s3:PutObject"
        ]
    );
}
