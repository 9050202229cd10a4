//! The last N messages of a partition: assign (no group), seek to end − N, read up to the end.
//! Never commits and never joins a group, so it cannot disturb consumers.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::DataConfig;

/// The group id librdkafka needs for assign(); it never joins, commits or shows in the cluster.
pub const PEEK_GROUP: &str = "kdeck-peek";

/// One message read by peek.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PeekMessage {
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch, if the message has a timestamp.
    pub timestamp_ms: Option<i64>,
    pub key: Option<String>,
    pub value: Option<String>,
    pub headers: Vec<(String, String)>,
}

const PREVIEW: usize = 2048;

pub fn peek(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<PeekMessage>> {
    // librdkafka's messages go to the screen: none may quote a secret setting back
    read_last(cfg, topic, partition, count, timeout).map_err(|e| anyhow::anyhow!(cfg.scrub_text(&format!("{e:#}"))))
}

fn read_last(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<PeekMessage>> {
    let consumer: BaseConsumer<super::DataContext> = cfg
        .create(&[
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "true"),
            // librdkafka wants a group id even for assign(); with no commit and no subscribe the
            // group never comes into existence on the broker.
            ("group.id", PEEK_GROUP),
        ])
        .context("creating the peek consumer")?;
    if cfg.needs_token_poll() {
        // nothing is assigned yet: this poll only hands librdkafka its OAUTHBEARER token
        let _ = consumer.poll(Duration::ZERO);
    }
    let (low, high) = consumer
        .fetch_watermarks(topic, partition, timeout)
        .with_context(|| format!("offsets of {topic}/{partition}"))?;
    if high <= low {
        return Ok(Vec::new());
    }
    let start = (high - count as i64).max(low);
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, partition, Offset::Offset(start))?;
    consumer.assign(&tpl).context("assign")?;
    let mut out = Vec::new();
    let deadline = Instant::now() + timeout;
    while out.len() < count && Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            None => continue,
            Some(Err(rdkafka::error::KafkaError::PartitionEOF(_))) => break,
            Some(Err(e)) => bail!("reading {topic}/{partition}: {e}"),
            Some(Ok(m)) => {
                let headers = m
                    .headers()
                    .map(|hs| hs.iter().map(|h| (h.key.to_string(), preview(h.value.unwrap_or_default()))).collect())
                    .unwrap_or_default();
                out.push(PeekMessage {
                    partition: m.partition(),
                    offset: m.offset(),
                    timestamp_ms: m.timestamp().to_millis(),
                    key: m.key().map(preview),
                    value: m.payload().map(preview),
                    headers,
                });
                if m.offset() + 1 >= high {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// UTF-8 text as is (cut to a preview), anything else as hex.
fn preview(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(PREVIEW)];
    match std::str::from_utf8(cut) {
        Ok(s) => s.chars().map(|c| if c.is_control() { '·' } else { c }).collect(),
        Err(_) => cut.iter().take(64).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(""),
    }
}
