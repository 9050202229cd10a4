//! `kdeck topic create|delete|add-partitions`: topic changes through the operations module.

use clap::Subcommand;

use super::{mutate, Global};
use crate::config::Resolved;
use crate::kafka::topic_config_admin::NewTopic;
use crate::ops::Mutation;

#[derive(Subcommand, Debug)]
pub enum TopicCommand {
    /// Create a topic
    Create {
        name: String,
        #[arg(long, required_unless_present = "replica_assignment")]
        partitions: Option<i32>,
        #[arg(long, required_unless_present = "replica_assignment")]
        replication_factor: Option<i16>,
        /// Explicit placement instead of --partitions/--replication-factor, as kafka-topics takes
        /// it: 1:2:3,2:3:1 (partition 0 on brokers 1,2,3 led by 1; partition 1 on 2,3,1 …)
        #[arg(long, value_name = "B:B:B,…", conflicts_with_all = ["partitions", "replication_factor"])]
        replica_assignment: Option<String>,
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

/// `1:2:3,2:3:1` → [[1,2,3],[2,3,1]].
pub fn parse_assignment(s: &str) -> anyhow::Result<Vec<Vec<i32>>> {
    s.split(',')
        .map(|p| {
            p.split(':')
                .map(|b| {
                    b.trim()
                        .parse::<i32>()
                        .map_err(|_| anyhow::anyhow!("--replica-assignment {s:?}: {b:?} is not a broker id"))
                })
                .collect()
        })
        .collect()
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
        TopicCommand::Create { name, partitions, replication_factor, replica_assignment, configs, yes } => {
            let configs = configs.iter().map(|c| parse_pair(c)).collect::<anyhow::Result<Vec<_>>>()?;
            let assignment = replica_assignment.as_deref().map(parse_assignment).transpose()?.unwrap_or_default();
            let t = NewTopic {
                name: name.clone(),
                partitions: partitions.unwrap_or(assignment.len() as i32),
                replication_factor: replication_factor.unwrap_or(assignment.first().map_or(0, |r| r.len() as i16)),
                assignment,
                configs,
            };
            (Mutation::CreateTopic(t), *yes)
        }
        TopicCommand::Delete { name, yes } => (Mutation::DeleteTopic { topic: name.clone() }, *yes),
        TopicCommand::AddPartitions { name, to, yes } => {
            (Mutation::AddPartitions { topic: name.clone(), to: *to, assignment: Vec::new() }, *yes)
        }
    };
    mutate::run(global, resolved, mutation, yes).await
}
