//! `kdeck group reset-offsets|delete|delete-offsets|export-offsets|peek`: acting on a consumer
//! group, through the operations module; offsets files in Kafka's CSV format.

use clap::{ArgGroup, Subcommand};

use super::output::{json, Format};
use super::{mutate, Global};
use crate::config::Resolved;
use crate::kafka::Client;
use crate::ops::groups::{csv, time, GroupChange, ResetScope, ResetTarget};
use crate::ops::{self, Mutation, Outcome};

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Move a group's committed offsets (the group must have no active members), as
    /// kafka-consumer-groups --reset-offsets does; the preview shows every partition's move
    #[command(group(ArgGroup::new("to").required(true).args(
        ["to_earliest", "to_latest", "to_current", "to_offset", "shift_by", "to_datetime", "by_duration", "from_file"])))]
    #[command(group(ArgGroup::new("scope").required(true).args(["topic", "all_topics", "from_file"])))]
    ResetOffsets {
        group: String,
        /// Topic, or topic:partition,partition (repeatable)
        #[arg(long, value_name = "T[:P,…]")]
        topic: Vec<String>,
        /// Every partition the group has committed offsets for
        #[arg(long)]
        all_topics: bool,
        #[arg(long)]
        to_earliest: bool,
        #[arg(long)]
        to_latest: bool,
        /// The committed offset (the log end where the group has none)
        #[arg(long)]
        to_current: bool,
        /// An offset (clamped to each log's start and end)
        #[arg(long, value_name = "N")]
        to_offset: Option<i64>,
        /// The committed offset plus N (negative: back), clamped to the log
        #[arg(long, value_name = "±N", allow_negative_numbers = true)]
        shift_by: Option<i64>,
        /// The first message at or after a time: 2026-11-29T03:00:00Z (no zone: UTC)
        #[arg(long, value_name = "DATETIME")]
        to_datetime: Option<String>,
        /// The first message at or after this long ago: PT30M, PT2H, P1D
        #[arg(long, value_name = "DURATION")]
        by_duration: Option<String>,
        /// The offsets of a CSV file as `kafka-consumer-groups --export` (or `kdeck group
        /// export-offsets`) writes it: the rollback of a reset
        #[arg(long, value_name = "FILE")]
        from_file: Option<std::path::PathBuf>,
        /// Print the new offsets as CSV (Kafka's --export format) instead of the table
        #[arg(long)]
        export: bool,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Delete a group and its committed offsets (the group must have no active members)
    Delete {
        group: String,
        /// Do not ask to type the group's name
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Delete a group's committed offsets of one topic (no member may consume it)
    DeleteOffsets {
        group: String,
        #[arg(long, value_name = "T[:P,…]")]
        topic: String,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// The group's committed offsets as CSV in the format of kafka-consumer-groups --export:
    /// keep it before a reset, and `reset-offsets --from-file` it to go back
    ExportOffsets { group: String },
    /// The messages at the group's committed offset of a partition: the one it is stuck on
    Peek {
        group: String,
        #[arg(long)]
        topic: String,
        #[arg(short, long)]
        partition: i32,
        /// How many messages from the committed offset on
        #[arg(short = 'n', long, default_value_t = 5)]
        count: usize,
    },
}

/// `--topic orders` or `--topic orders:0,2`.
pub fn parse_topic(arg: &str) -> anyhow::Result<(String, Option<Vec<i32>>)> {
    ops::groups::parse_topic_arg(arg).map_err(|e| anyhow::anyhow!("--topic {e}"))
}

/// The rows of an offsets file for `group`: a file of one group's offsets, or the lines of
/// `group` in a file of several.
pub fn offsets_from_file(path: &std::path::Path, group: &str) -> anyhow::Result<Vec<(String, i32, i64)>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let rows = csv::parse(&text, &path.display().to_string()).map_err(anyhow::Error::msg)?;
    let with_group = rows.iter().any(|r| r.group.is_some());
    let mine: Vec<(String, i32, i64)> = rows
        .iter()
        .filter(|r| r.group.as_deref().is_none_or(|g| g == group))
        .map(|r| (r.topic.clone(), r.partition, r.offset))
        .collect();
    if mine.is_empty() && with_group {
        let mut groups: Vec<&str> = rows.iter().filter_map(|r| r.group.as_deref()).collect();
        groups.sort();
        groups.dedup();
        anyhow::bail!("{} has no offsets for group {group} (it has groups {})", path.display(), groups.join(", "));
    }
    Ok(mine)
}

#[allow(clippy::too_many_arguments)]
fn target(
    to_earliest: bool,
    to_latest: bool,
    to_current: bool,
    to_offset: Option<i64>,
    shift_by: Option<i64>,
    to_datetime: Option<&str>,
    by_duration: Option<&str>,
    from_file: Option<(&std::path::Path, &str)>,
) -> anyhow::Result<ResetTarget> {
    Ok(match (to_offset, shift_by, to_datetime, by_duration, from_file) {
        (Some(o), ..) => ResetTarget::Offset(o),
        (_, Some(n), ..) => ResetTarget::ShiftBy(n),
        (_, _, Some(t), ..) => {
            ResetTarget::Datetime(time::parse_datetime(t).map_err(|e| anyhow::anyhow!("--to-datetime {e}"))?)
        }
        (_, _, _, Some(d), _) => {
            ResetTarget::Duration(time::parse_duration(d).map_err(|e| anyhow::anyhow!("--by-duration {e}"))?)
        }
        (_, _, _, _, Some((path, group))) => ResetTarget::File(offsets_from_file(path, group)?),
        _ if to_earliest => ResetTarget::Earliest,
        _ if to_latest => ResetTarget::Latest,
        _ if to_current => ResetTarget::Current,
        _ => anyhow::bail!("say where to: --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration or --from-file"),
    })
}

pub async fn run(global: &Global, resolved: &Resolved, cmd: &GroupCommand) -> anyhow::Result<String> {
    let (change, yes, export) = match cmd {
        GroupCommand::ResetOffsets {
            group,
            topic,
            all_topics,
            to_earliest,
            to_latest,
            to_current,
            to_offset,
            shift_by,
            to_datetime,
            by_duration,
            from_file,
            export,
            yes,
        } => {
            let target = target(
                *to_earliest,
                *to_latest,
                *to_current,
                *to_offset,
                *shift_by,
                to_datetime.as_deref(),
                by_duration.as_deref(),
                from_file.as_deref().map(|p| (p, group.as_str())),
            )?;
            let scope = if *all_topics {
                ResetScope::AllTopics
            } else {
                ResetScope::Topics(topic.iter().map(|t| parse_topic(t)).collect::<anyhow::Result<_>>()?)
            };
            (GroupChange::ResetOffsets { group: group.clone(), scope, target, offsets: Vec::new() }, *yes, *export)
        }
        GroupCommand::Delete { group, yes } => (GroupChange::Delete { group: group.clone() }, *yes, false),
        GroupCommand::DeleteOffsets { group, topic, yes } => {
            let (topic, partitions) = parse_topic(topic)?;
            (
                GroupChange::DeleteOffsets { group: group.clone(), topic, partitions: partitions.unwrap_or_default() },
                *yes,
                false,
            )
        }
        GroupCommand::ExportOffsets { group } => {
            let client = Client::connect(resolved.client.clone()).await?;
            return export_offsets(&client, group, global.output).await;
        }
        GroupCommand::Peek { group, topic, partition, count } => {
            let client = Client::connect(resolved.client.clone()).await?;
            return where_stuck(&client, group, topic, *partition, *count, global.output).await;
        }
    };
    let (client, ctx, preview) = mutate::connect_and_prepare(global, resolved, Mutation::Group(change)).await?;
    // the order Kafka's tool fills its map in, taken before the reset changes anything
    let export_order = match &preview.mutation {
        Mutation::Group(GroupChange::ResetOffsets { scope, target, .. }) if export => match (target, scope) {
            (ResetTarget::File(rows), _) => rows.iter().map(|(t, p, _)| (t.clone(), *p)).collect(),
            (_, ResetScope::AllTopics) => listed_offsets(&client, group_of(&preview.mutation))
                .await?
                .into_iter()
                .map(|(t, p, _)| (t, p))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let asked = !ctx.dry_run && !yes;
    if asked {
        mutate::confirm(&ctx, &preview)?;
    }
    let outcome = ops::apply(&client, &ctx, preview).await?;
    if export && global.output == Format::Table {
        return Ok(export_outcome(&outcome, &export_order));
    }
    mutate::render_outcome(&outcome, global.output, !asked)
}

fn group_of(m: &Mutation) -> &str {
    match m {
        Mutation::Group(change) => change.group(),
        _ => "",
    }
}

/// The new offsets of a reset in Kafka's --export format, partitions in `order` first (see
/// [`csv::write`]), the others in (topic, partition) order.
fn export_outcome(o: &Outcome, order: &[(String, i32)]) -> String {
    let Mutation::Group(GroupChange::ResetOffsets { offsets, .. }) = &o.preview.mutation else { return String::new() };
    let rank = |t: &str, p: i32| order.iter().position(|(ot, op)| ot == t && *op == p).unwrap_or(usize::MAX);
    let mut rows: Vec<(String, i32, i64)> = offsets.iter().map(|m| (m.topic.clone(), m.partition, m.new)).collect();
    rows.sort_by_key(|(t, p, _)| (rank(t, *p), t.clone(), *p));
    csv::write(&rows)
}

/// The group's committed offsets in the order its coordinator lists them: the order Kafka's
/// tool fills its maps in, which decides the order of partitions that share a bucket.
async fn listed_offsets(client: &Client, group: &str) -> anyhow::Result<Vec<(String, i32, i64)>> {
    let answers = client.offset_fetch(&[group.to_string()]).await;
    let offsets = answers
        .named(group)
        .ok_or_else(|| anyhow::anyhow!("the coordinator of group {group:?} did not answer"))?
        .map_err(|e| anyhow::anyhow!("committed offsets of group {group:?}: {e}"))?;
    Ok(offsets.into_iter().filter(|(_, _, offset)| *offset >= 0).collect())
}

async fn committed(client: &Client, group: &str) -> anyhow::Result<Vec<crate::cluster::PartitionLag>> {
    let g = ops::groups::describe(client, group)
        .await?
        .ok_or_else(|| anyhow::anyhow!("consumer group {group:?} does not exist (see `kdeck groups`)"))?;
    Ok(g.offsets.into_iter().filter(|o| o.committed_offset.is_some()).collect())
}

async fn export_offsets(client: &Client, group: &str, format: Format) -> anyhow::Result<String> {
    committed(client, group).await?; // a group that does not exist is said so
    let rows = listed_offsets(client, group).await?;
    if rows.is_empty() {
        anyhow::bail!("consumer group {group:?} has no committed offsets");
    }
    match format {
        Format::Table => Ok(csv::write(&rows)),
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Row<'a> {
                topic: &'a str,
                partition: i32,
                offset: i64,
            }
            json(
                &rows
                    .iter()
                    .map(|(topic, partition, offset)| Row { topic, partition: *partition, offset: *offset })
                    .collect::<Vec<_>>(),
            )
        }
    }
}

async fn where_stuck(
    client: &Client,
    group: &str,
    topic: &str,
    partition: i32,
    count: usize,
    format: Format,
) -> anyhow::Result<String> {
    let rows = committed(client, group).await?;
    let row = rows
        .iter()
        .find(|o| o.topic == topic && o.partition == partition)
        .ok_or_else(|| anyhow::anyhow!("consumer group {group:?} has no committed offset on {topic}-{partition}"))?;
    let at = row.committed_offset.unwrap_or_default();
    let records = super::peek::read(client.config(), topic, partition, crate::data::Start::Offset(at), count).await?;
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Stuck<'a> {
                group: &'a str,
                topic: &'a str,
                partition: i32,
                committed_offset: i64,
                log_end_offset: Option<i64>,
                lag: Option<i64>,
                messages: Vec<crate::data::RecordDetail>,
            }
            json(&Stuck {
                group,
                topic,
                partition,
                committed_offset: at,
                log_end_offset: row.log_end_offset,
                lag: row.lag,
                messages: records.iter().map(crate::data::Record::detail).collect(),
            })
        }
        Format::Table => {
            let end = row.log_end_offset.map(|e| e.to_string()).unwrap_or_else(|| "?".into());
            let lag = row.lag.map(|l| l.to_string()).unwrap_or_else(|| "?".into());
            let head = format!("Group {group} is at offset {at} of {topic}-{partition} (log end {end}, lag {lag})");
            if records.is_empty() {
                return Ok(format!("{head}: nothing to read there\n"));
            }
            Ok(format!("{head}; the next messages it reads:\n{}", super::peek::render(&records, format)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arguments() {
        assert_eq!(parse_topic("orders").expect("t"), ("orders".to_string(), None));
        assert_eq!(parse_topic("orders:0,2").expect("tp"), ("orders".to_string(), Some(vec![0, 2])));
        assert_eq!(
            parse_topic("orders:x").expect_err("bad").to_string(),
            "--topic \"orders:x\": \"x\" is not a partition number"
        );
        assert!(parse_topic(":1").is_err());
    }

    #[test]
    fn targets() {
        let t = |o, s, d: Option<&str>, b: Option<&str>| target(false, false, false, o, s, d, b, None);
        assert_eq!(t(Some(5), None, None, None).expect("offset"), ResetTarget::Offset(5));
        assert_eq!(t(None, Some(-3), None, None).expect("shift"), ResetTarget::ShiftBy(-3));
        assert_eq!(t(None, None, Some("1970-01-01T00:00:01Z"), None).expect("dt"), ResetTarget::Datetime(1000));
        assert_eq!(t(None, None, None, Some("PT1M")).expect("dur"), ResetTarget::Duration(60_000));
        assert!(t(None, None, Some("yesterday"), None).expect_err("bad").to_string().starts_with("--to-datetime"));
        assert_eq!(target(true, false, false, None, None, None, None, None).expect("e"), ResetTarget::Earliest);
    }
}
