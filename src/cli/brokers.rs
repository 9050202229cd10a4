//! `kdeck brokers`: who is in the cluster, where, and how much each leads and holds.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, LoadOptions, Snapshot};
use crate::kafka::Client;

#[derive(Serialize)]
struct BrokerRow {
    id: i32,
    host: String,
    port: i32,
    rack: Option<String>,
    controller: bool,
    leaders: usize,
    replicas: usize,
    /// Partitions where this broker is a replica but not in the ISR.
    out_of_sync: usize,
}

pub async fn run(client: &Client, format: Format) -> anyhow::Result<String> {
    let snap = cluster::load(client, &LoadOptions::default()).await?;
    let rows = rows(&snap);
    Ok(match format {
        Format::Json => json(&rows)?,
        Format::Table => {
            let mut t = Table::new(["ID", "HOST", "PORT", "RACK", "CONTROLLER", "LEADERS", "REPLICAS", "OUT-OF-SYNC"]);
            for r in rows {
                t.row(vec![
                    r.id.to_string(),
                    r.host,
                    r.port.to_string(),
                    opt(r.rack),
                    if r.controller { "*".into() } else { String::new() },
                    r.leaders.to_string(),
                    r.replicas.to_string(),
                    r.out_of_sync.to_string(),
                ]);
            }
            t.render()
        }
    })
}

fn rows(snap: &Snapshot) -> Vec<BrokerRow> {
    let parts: Vec<_> = snap.topics.iter().flat_map(|t| &t.partitions).collect();
    snap.brokers
        .iter()
        .map(|b| BrokerRow {
            id: b.id,
            host: b.host.clone(),
            port: b.port,
            rack: b.rack.clone(),
            controller: b.is_controller,
            leaders: parts.iter().filter(|p| p.leader == Some(b.id)).count(),
            replicas: parts.iter().filter(|p| p.replicas.contains(&b.id)).count(),
            out_of_sync: parts.iter().filter(|p| p.replicas.contains(&b.id) && !p.isr.contains(&b.id)).count(),
        })
        .collect()
}
