//! The seeding library's own tests (`mocks/tests`): the account specs are
//! data and valid against `mocks/eksmocks/stack.py`'s schema. They need no
//! moto server, only the Python that has boto3.

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
