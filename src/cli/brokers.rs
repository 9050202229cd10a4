//! `kdeck brokers`: who is in the cluster, where, and how much each leads and holds.

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, LoadOptions};
use crate::kafka::Client;

pub async fn run(client: &Client, format: Format) -> anyhow::Result<String> {
    let snap = cluster::load(client, &LoadOptions::default()).await?;
    super::output::warn_down_brokers(&snap);
    // Only brokers the metadata lists: the CLI answers "who is up", describe shows the rest.
    let rows: Vec<_> = snap.broker_stats().into_iter().filter(|b| b.host.is_some()).collect();
    Ok(match format {
        Format::Json => json(&rows)?,
        Format::Table => {
            let mut t = Table::new(["ID", "HOST", "PORT", "RACK", "CONTROLLER", "LEADERS", "REPLICAS", "OUT-OF-SYNC"]);
            for r in rows {
                t.row(vec![
                    r.id.to_string(),
                    opt(r.host),
                    opt(r.port),
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
