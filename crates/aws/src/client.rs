//! The one place where SDK clients are built. Every client carries the
//! request-statistics interceptor ([`crate::requests::Recorder`]); a test over
//! the workspace sources fails if a client is built anywhere else, so a new
//! service cannot go uncounted in `--stats` or in the permissions test.

/// `config!(aws_sdk_x, &sdk_config)`: the service's config builder from the
/// shared configuration, with the statistics interceptor, for a caller that
/// must set more (a region of its own, path-style addressing) before
/// `client!`-ing it with `from_builder`.
#[macro_export]
macro_rules! config {
    ($sdk:ident, $config:expr) => {
        $sdk::config::Builder::from($config).interceptor($crate::requests::Recorder)
    };
}

/// `client!(aws_sdk_x, &sdk_config, region)`: a client of that service in
/// `region` (a `Region`, or `None` for the configuration's own).
#[macro_export]
macro_rules! client {
    ($sdk:ident, $config:expr, $region:expr) => {
        $sdk::Client::from_conf($crate::config!($sdk, $config).region($region).build())
    };
    ($sdk:ident, from_builder $builder:expr) => {
        $sdk::Client::from_conf($builder.build())
    };
}

/// Tests only: `mock_client!(aws_sdk_x, "region", rules)`, a client of that
/// service whose calls are answered by `aws-smithy-mocks` rules (`&[Rule]`
/// or `&[&Rule]`): no network, no retries, so an error rule is seen once.
/// The crate that expands it needs `aws-smithy-mocks` as a dev-dependency.
#[doc(hidden)]
#[macro_export]
macro_rules! mock_client {
    ($sdk:ident, $region:expr, $rules:expr) => {
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new($region))
                .credentials_provider($sdk::config::Credentials::new(
                    "AKID", "SECRET", None, None, "test",
                ))
                .retry_config($sdk::config::retry::RetryConfig::disabled())
                .http_client(::aws_smithy_mocks::create_mock_http_client())
                .interceptor(
                    $rules.iter().fold(
                        ::aws_smithy_mocks::MockResponseInterceptor::new()
                            .rule_mode(::aws_smithy_mocks::RuleMode::MatchAny),
                        |i, r| {
                            i.with_rule(::std::borrow::Borrow::<::aws_smithy_mocks::Rule>::borrow(
                                r,
                            ))
                        },
                    ),
                )
                .build(),
        )
    };
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    rust_files(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Outside this file, no client is built by hand: `from_conf` would
    /// bypass the statistics interceptor.
    #[test]
    fn every_sdk_client_is_built_here() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        rust_files(&crates, &mut files);
        let this = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/client.rs");
        let offenders: Vec<String> = files
            .iter()
            .filter(|f| f.canonicalize().ok() != this.canonicalize().ok())
            .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs"))
            .filter(|f| {
                std::fs::read_to_string(f).is_ok_and(|text| {
                    // Unit tests (a file's trailing `#[cfg(test)]` module)
                    // may build clients against a local endpoint.
                    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                    code.contains("from_conf(") || code.contains("Client::new(&")
                })
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(
            offenders.is_empty(),
            "build SDK clients with eksposture_aws::client! so they carry the stats interceptor: {offenders:?}"
        );
    }
}
