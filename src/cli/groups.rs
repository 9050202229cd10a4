//! `kdeck groups`: consumer groups with state, members and total lag.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, GroupScope, LoadOptions};
use crate::kafka::Client;

#[derive(Serialize)]
struct GroupRow {
    group: String,
    state: String,
    group_type: String,
    members: usize,
    topics: Vec<String>,
    total_lag: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn run(client: &Client, format: Format) -> anyhow::Result<String> {
    let snap =
        cluster::load(client, &LoadOptions { topics: Some(vec![]), groups: GroupScope::All, ..Default::default() })
            .await?;
    let rows: Vec<GroupRow> = snap
        .groups
        .iter()
        .map(|g| {
            let mut topics: Vec<String> = g.offsets.iter().map(|o| o.topic.clone()).collect();
            topics.dedup();
            GroupRow {
                group: g.group_id.clone(),
                state: g.state.clone(),
                group_type: g.group_type.clone(),
                members: g.members.len(),
                topics,
                total_lag: g.total_lag,
                error: g.error.clone(),
            }
        })
        .collect();
    let out = match format {
        Format::Json => json(&rows)?,
        Format::Table => {
            let mut t = Table::new(["GROUP", "STATE", "TYPE", "MEMBERS", "TOPICS", "LAG"]);
            for r in rows {
                // a group whose offsets did not come has no lag to show, not 0
                let lag = if r.error.is_some() { "-".into() } else { r.total_lag.to_string() };
                t.row(vec![
                    r.group,
                    if r.state.is_empty() { opt(r.error) } else { r.state },
                    if r.group_type.is_empty() { "-".into() } else { r.group_type },
                    r.members.to_string(),
                    r.topics.join(","),
                    lag,
                ]);
            }
            t.render()
        }
    };
    super::output::complete(out, super::output::group_problems(&snap))
}
