//! The seeding library's own tests (`mocks/tests`): the account specs are
//! data and valid against `mocks/eksmocks/stack.py`'s schema, and every
//! answer the wire-shape layer (`mocks/wire_layer.py`) serves for them
//! matches botocore's service model. They need no moto server, only the
//! Python that has boto3.

use eksposture_e2e::{python, run_python, workspace_root};

#[test]
fn mocks_library_unit_tests_pass() {
    let mocks = workspace_root().join("mocks");
    let start = mocks.join("tests");
    run_python(
        &[
            "-m",
            "unittest",
            "discover",
            "-s",
            start.to_str().expect("UTF-8 path"),
            "-t",
            mocks.to_str().expect("UTF-8 path"),
        ],
        &format!("python -m unittest in mocks/tests (with {})", python()),
    );
}

/// The fault proxy (`mocks/aws_proxy.py`) names REST requests by its own
/// table; it must name every REST operation the collectors declare
/// (`eksposture_collect::SERVICES`) as they do, or its per-operation faults
/// and statistics would miss them.
#[test]
fn the_fault_proxy_names_every_declared_rest_operation() {
    let mut cases = Vec::new();
    for service in eksposture_collect::SERVICES {
        for rest in service.rest {
            // A label stands for one segment, whatever its characters (an
            // access entry's principal ARN arrives percent-encoded).
            let path: Vec<&str> = rest
                .uri
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fx"
                    } else {
                        seg
                    }
                })
                .collect();
            cases.push(serde_json::json!([
                service.name,
                rest.method,
                path.join("/"),
                rest.operation
            ]));
        }
    }
    assert!(cases.len() > 10, "the REST table is there: {cases:?}");
    let code = "import json, sys\n\
                sys.path.insert(0, sys.argv[1])\n\
                import aws_proxy\n\
                cases = json.loads(sys.argv[2])\n\
                print(json.dumps([[s, m, p, aws_proxy.rest_operation(s, m, p)] for s, m, p, _ in cases]))";
    let mocks = workspace_root().join("mocks");
    let cases_json = serde_json::Value::Array(cases.clone()).to_string();
    let out = run_python(
        &["-c", code, mocks.to_str().expect("UTF-8 path"), &cases_json],
        "aws_proxy.rest_operation over the collectors' REST table",
    );
    let named: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON");
    for (case, answer) in cases.iter().zip(&named) {
        assert_eq!(
            case[3], answer[3],
            "aws_proxy.py names {} {} {} differently",
            case[0], case[1], case[2]
        );
    }
}
