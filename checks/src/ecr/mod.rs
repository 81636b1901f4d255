//! ecr checks.
