//! `kdeck lag GROUP` / `kdeck lag --all`: per-partition and total lag, the columns
//! kafka-consumer-groups --describe prints.

use serde::Serialize;

use super::output::{json, opt, Format, Table};
use crate::cluster::{self, Group, GroupScope, LoadOptions, PartitionLag};
use crate::kafka::Client;

#[derive(Serialize)]
struct GroupLag<'a> {
    group: &'a str,
    state: &'a str,
    total_lag: i64,
    partitions: &'a [PartitionLag],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

pub async fn run(client: &Client, format: Format, group: Option<&str>, all: bool) -> anyhow::Result<String> {
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
    let views: Vec<GroupLag> = snap.groups.iter().map(view).collect();
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
            for g in &views {
                for p in g.partitions {
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
            let mut out = t.render();
            for g in &views {
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
        partitions: &g.offsets,
        error: g.error.as_deref(),
    }
}
