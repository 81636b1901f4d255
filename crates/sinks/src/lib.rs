//! The only writers: the Security Hub import (`audit --security-hub`) and
//! the S3 report put (the Lambda function's report bucket). Kept apart from
//! the read-only collectors so that the read-only promise is structural:
//! `eksposture-collect` depends on no SDK crate with a write operation the
//! scanner uses (a test over `cargo metadata` holds it there).

pub mod s3;
pub mod securityhub;

#[cfg(test)]
mod tests {
    use super::{s3, securityhub};

    #[test]
    fn operation_lists_are_sorted_and_of_their_service() {
        for (list, prefix) in [
            (securityhub::OPERATIONS, "securityhub:"),
            (s3::OPERATIONS, "s3:"),
        ] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, list);
            assert!(list.iter().all(|op| op.starts_with(prefix)), "{list:?}");
        }
    }
}
