//! `kdeck topics`: every topic with partitions, RF, health and retained messages.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, LoadOptions};
use crate::kafka::Client;

#[derive(Serialize)]
struct TopicRow {
    name: String,
    internal: bool,
    partitions: usize,
    replication_factor: usize,
    under_replicated: usize,
    offline: usize,
    messages: Option<i64>,
}

pub async fn run(client: &Client, format: Format, internal: bool) -> anyhow::Result<String> {
    let snap = cluster::load(client, &LoadOptions { offsets: true, ..Default::default() }).await?;
    super::output::warn_down_brokers(&snap);
    let rows: Vec<TopicRow> = snap
        .topics
        .iter()
        .filter(|t| internal || !t.internal)
        .map(|t| TopicRow {
            name: t.name.clone(),
            internal: t.internal,
            partitions: t.partitions.len(),
            replication_factor: t.replication_factor(),
            under_replicated: t.under_replicated(),
            offline: t.offline(),
            messages: t.messages(),
        })
        .collect();
    let out = match format {
        Format::Json => json(&rows)?,
        Format::Table => {
            let mut t = Table::new(["TOPIC", "PARTITIONS", "RF", "URP", "OFFLINE", "MESSAGES"]);
            for r in rows {
                t.row(vec![
                    r.name,
                    r.partitions.to_string(),
                    r.replication_factor.to_string(),
                    r.under_replicated.to_string(),
                    r.offline.to_string(),
                    opt(r.messages),
                ]);
            }
            t.render()
        }
    };
    super::output::complete(out, super::output::offset_problems(&snap))
}
