//! The report sink of the Lambda function: one object per run. A write, so
//! it is sent only when a bucket is configured ([`OPERATIONS`]).

use eksposture_aws::{error, load_config, Options};

/// What the report sink writes.
pub const OPERATIONS: &[&str] = &["s3:PutObject"];

/// Writes `body` to `s3://bucket/key`.
pub async fn put_report(
    opts: &Options,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let sdk = load_config(opts).await;
    let mut conf = eksposture_aws::config!(aws_sdk_s3, &sdk);
    if sdk.region().is_none() {
        conf = conf.region(eksposture_aws::Region::new(
            opts.regions
                .first()
                .cloned()
                .unwrap_or_else(|| "us-east-1".to_string()),
        ));
    }
    // A custom endpoint (an emulator, a VPC endpoint by IP) cannot take the
    // bucket as a host name.
    if sdk.endpoint_url().is_some() || opts.endpoint_url.is_some() {
        conf = conf.force_path_style(true);
    }
    eksposture_aws::client!(aws_sdk_s3, from_builder conf)
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(body.into())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let (_, message) = error::classify(&e);
            format!("cannot write s3://{bucket}/{key}: {message}")
        })
}
