//! `kdeck brokers`: who is in the cluster, where, and how much each leads and holds.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, BrokerStats, Controller, LoadOptions};
use crate::kafka::Client;

/// A row of `-o json`: a broker, or the KRaft controller when it is a node of its own.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    stats: BrokerStats,
    /// "broker", or "controller" for a KRaft controller that is not a broker.
    role: &'static str,
}

pub async fn run(client: &Client, format: Format) -> anyhow::Result<String> {
    let snap = cluster::load(client, &LoadOptions::default()).await?;
    super::output::warn_down_brokers(&snap);
    super::output::warn(snap.warnings.iter().cloned());
    // Only brokers the metadata lists: the CLI answers "who is up", describe shows the rest.
    let mut rows: Vec<Row> = snap
        .broker_stats()
        .into_iter()
        .filter(|b| b.host.is_some())
        .map(|stats| Row { stats, role: "broker" })
        .collect();
    if let Controller::Kraft { id, broker: false } = snap.controller {
        let stats = BrokerStats {
            id,
            host: None,
            port: None,
            rack: None,
            controller: true,
            leaders: 0,
            replicas: 0,
            out_of_sync: 0,
        };
        rows.push(Row { stats, role: "controller" });
    }
    Ok(match format {
        Format::Json => json(&rows)?,
        Format::Table => {
            let mut t = Table::new(["ID", "HOST", "PORT", "RACK", "CONTROLLER", "LEADERS", "REPLICAS", "OUT-OF-SYNC"]);
            for Row { stats: r, role } in rows {
                let broker = role == "broker";
                let load = |n: usize| if broker { n.to_string() } else { "-".into() };
                t.row(vec![
                    r.id.to_string(),
                    opt(r.host),
                    opt(r.port),
                    opt(r.rack),
                    match (r.controller, broker) {
                        (true, true) => "*".into(),
                        (true, false) => "* (not a broker)".into(),
                        _ => String::new(),
                    },
                    load(r.leaders),
                    load(r.replicas),
                    load(r.out_of_sync),
                ]);
            }
            format!("{}Controller: {}\n", t.render(), snap.controller.describe())
        }
    })
}
