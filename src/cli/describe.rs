//! `kdeck describe TOPIC`: partitions with leader, replicas, ISR and offsets; `describe --all`:
//! the same for every topic (internal ones too, as `kafka-topics --describe`), from one snapshot.

use serde::Serialize;

use super::output::{ids, json, opt, Format, Table};
use crate::cluster::{self, LoadOptions, Partition};
use crate::kafka::Client;

#[derive(Serialize)]
struct TopicView<'a> {
    name: &'a str,
    internal: bool,
    partition_count: usize,
    replication_factor: usize,
    under_replicated: usize,
    offline: usize,
    messages: Option<i64>,
    partitions: Vec<PartitionView<'a>>,
}

#[derive(Serialize)]
struct PartitionView<'a> {
    #[serde(flatten)]
    partition: &'a Partition,
    under_replicated: bool,
    offline: bool,
    out_of_sync: Vec<i32>,
    preferred_leader: bool,
}

/// What `describe` shows of one topic.
fn topic_view(t: &cluster::Topic) -> TopicView<'_> {
    TopicView {
        name: &t.name,
        internal: t.internal,
        partition_count: t.partitions.len(),
        replication_factor: t.replication_factor(),
        under_replicated: t.under_replicated(),
        offline: t.offline(),
        messages: t.messages(),
        partitions: t
            .partitions
            .iter()
            .map(|p| PartitionView {
                partition: p,
                under_replicated: p.is_under_replicated(),
                offline: p.is_offline(),
                out_of_sync: p.out_of_sync(),
                preferred_leader: p.leader.is_some() && p.leader == p.preferred_leader(),
            })
            .collect(),
    }
}

fn render_table(view: &TopicView) -> String {
    let mut out = format!(
        "Topic: {}  Partitions: {}  RF: {}  Under-replicated: {}  Offline: {}  Messages: {}\n",
        view.name,
        view.partition_count,
        view.replication_factor,
        view.under_replicated,
        view.offline,
        opt(view.messages)
    );
    let mut tab = Table::new(["PARTITION", "LEADER", "REPLICAS", "ISR", "OUT-OF-SYNC", "START", "END", "STATUS"]);
    for p in &view.partitions {
        let mut status = Vec::new();
        if p.offline {
            status.push("offline");
        } else if p.under_replicated {
            status.push("under-replicated");
        }
        if !p.offline && !p.preferred_leader {
            status.push("leader-not-preferred");
        }
        tab.row(vec![
            p.partition.partition.to_string(),
            opt(p.partition.leader),
            ids(&p.partition.replicas),
            ids(&p.partition.isr),
            if p.out_of_sync.is_empty() { "-".into() } else { ids(&p.out_of_sync) },
            opt(p.partition.log_start_offset),
            opt(p.partition.log_end_offset),
            if status.is_empty() { "ok".into() } else { status.join(",") },
        ]);
    }
    out.push_str(&tab.render());
    out
}

/// `topic`: that topic; None: every topic of the cluster (JSON: an array, table: one block each).
pub async fn run(client: &Client, format: Format, topic: Option<&str>) -> anyhow::Result<String> {
    let snap = cluster::load(
        client,
        &LoadOptions { topics: topic.map(|t| vec![t.to_string()]), offsets: true, ..Default::default() },
    )
    .await?;
    super::output::warn_down_brokers(&snap);
    let out = match topic {
        Some(topic) => {
            let t = snap.topic(topic).ok_or_else(|| anyhow::anyhow!("unknown topic: {topic}"))?;
            let view = topic_view(t);
            match format {
                Format::Json => json(&view)?,
                Format::Table => render_table(&view),
            }
        }
        None => {
            let views: Vec<TopicView> = snap.topics.iter().map(topic_view).collect();
            match format {
                Format::Json => json(&views)?,
                Format::Table => views.iter().map(render_table).collect::<Vec<_>>().join("\n"),
            }
        }
    };
    super::output::complete(out, super::output::offset_problems(&snap))
}
