//! `kdeck lag GROUP` / `kdeck lag --all`: per-partition and total lag, the columns
//! kafka-consumer-groups --describe prints.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, Group, GroupScope, LoadOptions, PartitionLag};
use crate::data::position::{age, GroupRow, TimeLag};
use crate::kafka::Client;

#[derive(Serialize)]
struct GroupLag<'a> {
    group: &'a str,
    state: &'a str,
    total_lag: i64,
    partitions: Vec<Row<'a>>,
    /// With --time: the largest time lag of the group's partitions, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_time_lag_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    lag: &'a PartitionLag,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    time: Option<TimeLag>,
}

/// One small read per lagging partition (in parallel per leader, inside one consumer).
async fn time_lags(client: &Client, g: &Group) -> anyhow::Result<Vec<TimeLag>> {
    let rows: Vec<GroupRow> =
        g.offsets.iter().map(|p| (p.topic.clone(), p.partition, p.committed_offset, p.lag)).collect();
    let data = crate::data::DataConfig::from_client(client.config()).map_err(anyhow::Error::msg)?;
    let timeout = client.config().request_timeout;
    tokio::task::spawn_blocking(move || crate::data::position::time_lags(&data, &rows, timeout)).await?
}

pub async fn run(
    client: &Client,
    format: Format,
    group: Option<&str>,
    all: bool,
    time: bool,
) -> anyhow::Result<String> {
    let scope = match (group, all) {
        (Some(g), false) => GroupScope::Only(vec![g.to_string()]),
        (None, true) => GroupScope::All,
        (Some(_), true) => anyhow::bail!("give a GROUP or --all, not both"),
        (None, false) => anyhow::bail!("which group? give a GROUP (see `kdeck groups`) or --all"),
    };
    let snap =
        cluster::load(client, &LoadOptions { topics: Some(vec![]), groups: scope, ..Default::default() }).await?;
    if let Some(g) = group {
        let found = snap.group(g).ok_or_else(|| anyhow::anyhow!("consumer group {g:?} does not exist"))?;
        if let Some(e) = &found.error {
            anyhow::bail!("consumer group {g:?}: {e}");
        }
    }
    let mut views: Vec<GroupLag> = snap.groups.iter().map(view).collect();
    if time {
        if let (Some(g), Some(v)) = (snap.groups.first(), views.first_mut()) {
            let lags = time_lags(client, g).await?;
            v.max_time_lag_ms = lags.iter().filter_map(|t| t.time_lag_ms).max();
            for (row, t) in v.partitions.iter_mut().zip(lags) {
                row.time = Some(t);
            }
        }
    }
    let out = match format {
        Format::Json if group.is_some() => json(&views[0])?,
        Format::Json => json(&views)?,
        Format::Table => {
            let mut t = Table::new([
                "GROUP",
                "TOPIC",
                "PARTITION",
                "CURRENT-OFFSET",
                "LOG-END-OFFSET",
                "LAG",
                "CONSUMER-ID",
                "HOST",
                "CLIENT-ID",
            ]);
            let mut timed =
                Table::new(["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LAG", "TIME-LAG", "NEXT-TIMESTAMP"]);
            for g in &views {
                for row in &g.partitions {
                    let p = row.lag;
                    if let Some(tl) = &row.time {
                        timed.row(vec![
                            g.group.to_string(),
                            p.topic.clone(),
                            p.partition.to_string(),
                            opt(p.committed_offset),
                            opt(p.lag),
                            match (&tl.time_lag_ms, &tl.time_lag_error) {
                                (Some(ms), _) => age(*ms),
                                (None, Some(e)) => format!("? ({e})"),
                                (None, None) => "-".into(),
                            },
                            tl.next_timestamp_ms.map(crate::ops::audit::rfc3339_ms).unwrap_or_else(|| "-".into()),
                        ]);
                        continue;
                    }
                    t.row(vec![
                        g.group.to_string(),
                        p.topic.clone(),
                        p.partition.to_string(),
                        opt(p.committed_offset),
                        opt(p.log_end_offset),
                        opt(p.lag),
                        opt(p.member_id.clone()),
                        opt(p.host.clone()),
                        opt(p.client_id.clone()),
                    ]);
                }
            }
            let mut out = if time { timed.render() } else { t.render() };
            for g in &views {
                if let Some(ms) = g.max_time_lag_ms {
                    out.push_str(&format!("MAX TIME LAG {}: {}\n", g.group, age(ms)));
                }
                match g.error {
                    Some(_) => out.push_str(&format!("TOTAL LAG {}: unknown ({})\n", g.group, g.state)),
                    None => out.push_str(&format!("TOTAL LAG {}: {} ({})\n", g.group, g.total_lag, g.state)),
                }
            }
            out
        }
    };
    if group.is_some() {
        // A named group's figures come from its coordinator (its error stopped us above); a broker
        // that did not list its groups leaves nothing of it out.
        super::output::warn(snap.warnings.iter().cloned());
        return Ok(out);
    }
    super::output::complete(out, super::output::group_problems(&snap))
}

fn view(g: &Group) -> GroupLag<'_> {
    GroupLag {
        group: &g.group_id,
        state: &g.state,
        total_lag: g.total_lag,
        partitions: g.offsets.iter().map(|lag| Row { lag, time: None }).collect(),
        max_time_lag_ms: None,
        error: g.error.as_deref(),
    }
}
