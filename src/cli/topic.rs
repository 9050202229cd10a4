//! `kdeck topic create|delete|add-partitions`: topic changes through the operations module.

use clap::Subcommand;

use super::{mutate, Global};
use crate::config::Resolved;
use crate::kafka::admin_ops::NewTopic;
use crate::ops::Mutation;

#[derive(Subcommand, Debug)]
pub enum TopicCommand {
    /// Create a topic
    Create {
        name: String,
        #[arg(long)]
        partitions: i32,
        #[arg(long)]
        replication_factor: i16,
        /// Topic config, e.g. --config retention.ms=86400000 (repeatable)
        #[arg(long = "config", value_name = "KEY=VALUE")]
        configs: Vec<String>,
        /// Do not ask for confirmation
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Delete a topic and all its messages
    Delete {
        name: String,
        /// Do not ask for confirmation (required when not on a terminal)
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Add partitions, placed rack-aware and balanced (shown before confirming)
    AddPartitions {
        name: String,
        /// The new total partition count
        #[arg(long, value_name = "N")]
        to: i32,
        /// Do not ask for confirmation
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

/// `key=value` → (key, value); the value may contain `=`.
pub fn parse_pair(s: &str) -> anyhow::Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => anyhow::bail!("expected key=value, got {s:?}"),
    }
}

pub async fn run(global: &Global, resolved: &Resolved, cmd: &TopicCommand) -> anyhow::Result<String> {
    let (mutation, yes) = match cmd {
        TopicCommand::Create { name, partitions, replication_factor, configs, yes } => {
            let configs = configs.iter().map(|c| parse_pair(c)).collect::<anyhow::Result<Vec<_>>>()?;
            let t = NewTopic { name: name.clone(), partitions: *partitions, replication_factor: *replication_factor, assignment: Vec::new(), configs };
            (Mutation::CreateTopic(t), *yes)
        }
        TopicCommand::Delete { name, yes } => (Mutation::DeleteTopic { topic: name.clone() }, *yes),
        TopicCommand::AddPartitions { name, to, yes } => (Mutation::AddPartitions { topic: name.clone(), to: *to, assignment: Vec::new() }, *yes),
    };
    mutate::run(global, resolved, mutation, yes).await
}
