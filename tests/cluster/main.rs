//! Integration tests against the real 3-node KRaft cluster (scripts/kafka-cluster.sh).
//! One test binary so the cluster is brought up once and rdkafka is linked once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

mod common;
mod ops_fixture;
#[path = "../support/mod.rs"]
mod support;

mod auth;
mod bad_input;
mod cleanup;
mod config_ops;
mod controller;
mod doctor;
mod failover;
mod group_console;
mod group_ops;
mod group_rows;
mod inspect;
mod isr;
mod ops_invalid;
mod partial_failure;
mod read_only;
mod reassign_exec;
mod reassign_outputs;
mod reassign_plan;
mod requests;
mod secrets;
mod tmux;
mod topic_ops;
mod tui_e2e;
mod tui_ops;
mod tui_reassign;
