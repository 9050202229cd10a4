//! AWS MSK: the IAM token against AWS's own signer (committed vectors), discovery against a
//! loopback stand-in of the MSK API in its documented shapes, and MSK IAM end to end against a
//! real broker whose OAUTHBEARER validator checks the SigV4 signature (scripts/kafka-iam.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

#[path = "../support/mod.rs"]
#[allow(dead_code)] // shared with the cluster and compat targets; this one uses a part
mod support;

/// What tests/cluster/tmux.rs (the tmux driver, shared) expects of its crate.
mod common {
    pub use crate::support::{unique, wait_for};
}
#[path = "../cluster/tmux.rs"]
#[allow(dead_code)] // shared with the cluster target; this one uses a part
mod tmux;

mod aws_api;
mod console;
mod deps;
mod discovery;
mod iam;
mod secrets;
mod token;
