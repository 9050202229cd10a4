//! The record a consumer would read next: one small fetch per partition at a given offset, all
//! partitions in one consumer (librdkafka fetches from each leader in parallel), each partition
//! paused as soon as its record is in. What lag in time is computed from.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rdkafka::{Offset, TopicPartitionList};

use super::peek::{reader, Record};
use super::reader::{Polled, Reader};
use super::DataConfig;

pub type Position = (String, i32);

/// For each (topic, partition, offset): the first record at or after the offset, or why there is
/// none (the offset is at the end of the partition, or the time ran out).
pub fn next_records(
    cfg: &DataConfig,
    positions: &[(String, i32, i64)],
    timeout: Duration,
) -> anyhow::Result<BTreeMap<Position, Result<Record, String>>> {
    let mut out: BTreeMap<Position, Result<Record, String>> = BTreeMap::new();
    if positions.is_empty() {
        return Ok(out);
    }
    // Small fetches: one record is wanted per partition, not a prefetch queue.
    let consumer = reader(
        cfg,
        &[
            ("fetch.message.max.bytes", "65536"),
            // one response per broker stays small however many partitions lag
            ("fetch.max.bytes", "1048576"),
            ("queued.min.messages", "1"),
            ("queued.max.messages.kbytes", "1024"),
            ("auto.offset.reset", "earliest"),
        ],
    )
    .map_err(|e| anyhow::anyhow!(cfg.scrub_text(&format!("{e:#}"))))?;
    let mut tpl = TopicPartitionList::new();
    for (t, p, o) in positions {
        tpl.add_partition_offset(t, *p, Offset::Offset(*o))?;
    }
    consumer.assign(&tpl).map_err(|e| anyhow::anyhow!("assign: {}", cfg.scrub_text(&e)))?;
    let mut waiting: BTreeSet<Position> = positions.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
    let deadline = Instant::now() + timeout;
    while !waiting.is_empty() {
        let Some(event) = consumer.next(deadline) else { break };
        match event {
            None => {}
            Some(Polled::Message(m)) => {
                let key = (m.topic.clone(), m.partition);
                if waiting.remove(&key) {
                    out.insert(key.clone(), Ok(m));
                    pause(&consumer, &key);
                }
            }
            Some(Polled::End(p)) => {
                // at the end: nothing to read (the EOF names the partition, not the topic)
                let done: Vec<Position> = waiting.iter().filter(|(_, q)| *q == p).cloned().collect();
                if let [only] = done.as_slice() {
                    waiting.remove(only);
                    out.insert(only.clone(), Err("no message at or after the offset".into()));
                    pause(&consumer, only);
                }
            }
            Some(Polled::Error(e)) => tracing::debug!(error = %cfg.scrub_text(&e), "reading next records"),
        }
    }
    for key in waiting {
        out.insert(key, Err(format!("no record read within {timeout:?}")));
    }
    Ok(out)
}

/// How far behind in time one partition of a group is: now minus the timestamp of the next
/// message it reads (the record at its committed offset); 0 where it has no lag.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimeLag {
    pub time_lag_ms: Option<i64>,
    /// The timestamp of the record at the committed offset.
    pub next_timestamp_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_lag_error: Option<String>,
}

/// A group's partition: (topic, partition, committed offset, lag).
pub type GroupRow = (String, i32, Option<i64>, Option<i64>);

/// The time lag of each row (in order): one small read per partition with lag, all at once.
pub fn time_lags(cfg: &DataConfig, rows: &[GroupRow], timeout: Duration) -> anyhow::Result<Vec<TimeLag>> {
    let lagging: Vec<(String, i32, i64)> = rows
        .iter()
        .filter(|(_, _, _, lag)| lag.is_some_and(|l| l > 0))
        .filter_map(|(t, p, committed, _)| Some((t.clone(), *p, (*committed)?)))
        .collect();
    let found = next_records(cfg, &lagging, timeout)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
    Ok(rows
        .iter()
        .map(|(t, p, _, lag)| match found.get(&(t.clone(), *p)) {
            Some(Ok(r)) => TimeLag {
                time_lag_ms: r.timestamp_ms.map(|ts| (now - ts).max(0)),
                next_timestamp_ms: r.timestamp_ms,
                time_lag_error: r.timestamp_ms.is_none().then(|| "the message has no timestamp".to_string()),
            },
            Some(Err(e)) => TimeLag { time_lag_error: Some(e.clone()), ..Default::default() },
            None if *lag == Some(0) => TimeLag { time_lag_ms: Some(0), ..Default::default() },
            None => TimeLag { time_lag_error: Some("no committed offset or lag unknown".into()), ..Default::default() },
        })
        .collect())
}

/// `1h2m3s`, `850ms`: a time lag in words.
pub fn age(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let mut left = ms / 1000;
    let mut out = String::new();
    for (unit, secs) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if left >= secs {
            out.push_str(&format!("{}{unit}", left / secs));
            left %= secs;
        }
    }
    out
}

fn pause(consumer: &Reader, (topic, partition): &Position) {
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, *partition);
    let _ = consumer.pause(&tpl);
}
