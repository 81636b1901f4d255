//! path checks.
