//! The report sink of the Lambda function: one object per run. A write, so
//! it is sent only when a bucket is configured, and its operation is kept
//! out of the read-only list (`operations::REPORT_SINK_OPERATIONS`).

use crate::{error, load_config, Options};

/// Writes `body` to `s3://bucket/key`.
pub async fn put_report(
    opts: &Options,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let sdk = load_config(opts).await;
    let mut conf = aws_sdk_s3::config::Builder::from(&sdk).interceptor(crate::stats::Recorder);
    if sdk.region().is_none() {
        conf = conf.region(aws_config::Region::new(
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
    aws_sdk_s3::Client::from_conf(conf.build())
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
