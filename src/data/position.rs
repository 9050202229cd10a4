//! The record a consumer would read next: one small fetch per partition at a given offset, all
//! partitions in one consumer (librdkafka fetches from each leader in parallel), each partition
//! paused as soon as its record is in. What lag in time is computed from.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError as RdError;
use rdkafka::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::peek::{next_event, reader, Record};
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
    consumer.assign(&tpl).map_err(|e| anyhow::anyhow!("assign: {}", cfg.scrub_text(&e.to_string())))?;
    let mut waiting: BTreeSet<Position> = positions.iter().map(|(t, p, _)| (t.clone(), *p)).collect();
    let deadline = Instant::now() + timeout;
    while !waiting.is_empty() {
        let Some(event) = next_event(&consumer, deadline) else { break };
        match event {
            None => {}
            Some(Ok(m)) => {
                let key = (m.topic().to_string(), m.partition());
                if waiting.remove(&key) {
                    out.insert(key.clone(), Ok(Record::from_message(&m)));
                    pause(&consumer, &key);
                }
            }
            Some(Err(RdError::PartitionEOF(p))) => {
                // at the end: nothing to read (the EOF names the partition, not the topic)
                let done: Vec<Position> = waiting.iter().filter(|(_, q)| *q == p).cloned().collect();
                if let [only] = done.as_slice() {
                    waiting.remove(only);
                    out.insert(only.clone(), Err("no message at or after the offset".into()));
                    pause(&consumer, only);
                }
            }
            Some(Err(e)) => tracing::debug!(error = %cfg.scrub_text(&e.to_string()), "reading next records"),
        }
    }
    for key in waiting {
        out.insert(key, Err(format!("no record read within {timeout:?}")));
    }
    Ok(out)
}

fn pause(consumer: &rdkafka::consumer::BaseConsumer, (topic, partition): &Position) {
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, *partition);
    let _ = consumer.pause(&tpl);
}
