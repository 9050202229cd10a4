//! Integration tests against the real 3-node KRaft cluster (scripts/kafka-cluster.sh).
//! One test binary so the cluster is brought up once and rdkafka is linked once.

mod common;
mod ops_fixture;

mod auth;
mod bad_input;
mod config_ops;
mod inspect;
mod isr;
mod ops_invalid;
mod read_only;
mod reassign_exec;
mod reassign_plan;
mod tmux;
mod topic_ops;
mod tui_e2e;
mod tui_ops;
