//! kdeck: a keyboard-driven terminal console for Apache Kafka and AWS MSK.
//!
//! Layers: [`kafka`] (control-plane client) → [`cluster`] (snapshot model and loading) →
//! [`cli`] (subcommands); [`ops`] is the one path for changes; [`config`] resolves how to connect.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod data;
pub mod demo;
pub mod kafka;
pub mod ops;
pub mod plan;
pub mod tui;
