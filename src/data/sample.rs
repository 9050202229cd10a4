//! A look at a topic's newest messages to tell whether producers use keys: adding partitions
//! remaps keys, which matters only if there are keys.

use std::time::{Duration, Instant};

use rdkafka::{Offset, TopicPartitionList};
use serde::Serialize;

use super::reader::Polled;
use super::DataConfig;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeySample {
    pub sampled: usize,
    pub keyed: usize,
}

impl KeySample {
    pub fn looks_keyed(&self) -> bool {
        self.keyed > 0
    }
}

/// Reads up to `per_partition` of the newest messages of each partition, without a consumer
/// group (assign, no commits), and counts those with keys. Stops at the end of every partition
/// or after `timeout`.
pub fn sample_keys(
    cfg: &DataConfig,
    topic: &str,
    partitions: &[i32],
    per_partition: i64,
    timeout: Duration,
) -> Result<KeySample, String> {
    let consumer = super::peek::reader(cfg, &[]).map_err(|e| format!("cannot create a consumer: {e:#}"))?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, *p, Offset::OffsetTail(per_partition)).map_err(|e| e.to_string())?;
    }
    consumer.assign(&tpl).map_err(|e| format!("cannot read {topic}: {e}"))?;
    let mut sample = KeySample::default();
    let mut at_end = std::collections::BTreeSet::new();
    let deadline = Instant::now() + timeout;
    let limit = per_partition.max(1) as usize * partitions.len();
    while at_end.len() < partitions.len() && sample.sampled < limit {
        let Some(event) = consumer.next(deadline) else { break };
        match event {
            None => {}
            Some(Polled::Message(m)) => {
                sample.sampled += 1;
                if m.key.is_some_and(|k| !k.is_empty()) {
                    sample.keyed += 1;
                }
            }
            Some(Polled::End(p)) => {
                at_end.insert(p);
            }
            Some(Polled::Error(e)) => return Err(format!("reading {topic}: {e}")),
        }
    }
    Ok(sample)
}
