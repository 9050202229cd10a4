//! kdeck against the Kafka versions MSK runs besides the main 4.1 cluster: 2.8.2 in ZooKeeper
//! mode (one broker) and 3.9.1 KRaft with a controller on a node of its own (two brokers), both
//! started by scripts/kafka-compat.sh. The real kdeck binary runs the inspection commands, lag,
//! topic changes and reassign status; each version's own tools are the oracles.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

mod cluster;
#[path = "../support/mod.rs"]
mod support;

mod inspect;
mod ops;
mod reassign;
