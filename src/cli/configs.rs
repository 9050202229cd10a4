//! `kdeck config get|set|delete|append|subtract topic|broker NAME`.

use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use super::output::{json, Format, Table};
use super::topic::parse_pair;
use super::{mutate, Global};
use crate::config::Resolved;
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource};
use crate::kafka::Client;
use crate::ops::{self, ConfigView, Mutation};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EntityKind {
    Topic,
    Broker,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// All configs with their source (default / dynamic / static); secrets masked
    Get {
        kind: EntityKind,
        /// Topic name, broker id, or `default` for the cluster-wide broker defaults
        name: String,
        /// Only values set on the topic/broker (dynamic or static), not Kafka's defaults
        #[arg(long = "overrides")]
        only_overrides: bool,
    },
    /// Set configs: key=value…
    Set {
        kind: EntityKind,
        name: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Remove overrides, so the keys fall back to the broker or Kafka default
    Delete {
        kind: EntityKind,
        name: String,
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Add items to list-valued configs: key=value…
    Append {
        kind: EntityKind,
        name: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Remove items from list-valued configs: key=value…
    Subtract {
        kind: EntityKind,
        name: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

fn resource(kind: EntityKind, name: &str) -> anyhow::Result<ConfigResource> {
    Ok(match kind {
        EntityKind::Topic => ConfigResource::Topic(name.to_string()),
        EntityKind::Broker if name == "default" => ConfigResource::BrokerDefault,
        EntityKind::Broker => ConfigResource::Broker(
            name.parse()
                .map_err(|_| anyhow::anyhow!("a broker is named by its numeric id (or `default`), got {name:?}"))?,
        ),
    })
}

fn changes(pairs: &[String], op: AlterOp) -> anyhow::Result<Vec<ConfigChange>> {
    pairs.iter().map(|p| parse_pair(p).map(|(key, value)| ConfigChange { key, op, value: Some(value) })).collect()
}

#[derive(Serialize)]
struct ConfigsOut<'a> {
    resource: &'a ConfigResource,
    configs: Vec<ConfigView>,
}

pub async fn run(global: &Global, resolved: &Resolved, cmd: &ConfigCommand) -> anyhow::Result<String> {
    let (res, changes, yes) = match cmd {
        ConfigCommand::Get { kind, name, only_overrides } => {
            let res = resource(*kind, name)?;
            let client = Client::connect(resolved.client.clone()).await?;
            return get(&client, global.output, &res, *only_overrides).await;
        }
        ConfigCommand::Set { kind, name, pairs, yes } => (resource(*kind, name)?, changes(pairs, AlterOp::Set)?, *yes),
        ConfigCommand::Append { kind, name, pairs, yes } => {
            (resource(*kind, name)?, changes(pairs, AlterOp::Append)?, *yes)
        }
        ConfigCommand::Subtract { kind, name, pairs, yes } => {
            (resource(*kind, name)?, changes(pairs, AlterOp::Subtract)?, *yes)
        }
        ConfigCommand::Delete { kind, name, keys, yes } => {
            let changes =
                keys.iter().map(|k| ConfigChange { key: k.clone(), op: AlterOp::Delete, value: None }).collect();
            (resource(*kind, name)?, changes, *yes)
        }
    };
    mutate::run(global, resolved, Mutation::AlterConfigs { resource: res, changes }, yes).await
}

async fn get(client: &Client, format: Format, res: &ConfigResource, overrides: bool) -> anyhow::Result<String> {
    let mut configs = ops::configs::describe(client, res).await?;
    if overrides {
        configs.retain(|c| c.source != "default");
    }
    Ok(match format {
        Format::Json => json(&ConfigsOut { resource: res, configs })?,
        Format::Table => {
            let mut t = Table::new(["KEY", "VALUE", "SOURCE", "FROM"]);
            for c in &configs {
                t.row(vec![
                    c.name.clone(),
                    match c.value.as_deref() {
                        None => "-".into(),
                        Some("") => "(empty)".into(),
                        Some(v) => v.to_string(),
                    },
                    c.source.to_string(),
                    c.source_detail.to_string(),
                ]);
            }
            t.render()
        }
    })
}
