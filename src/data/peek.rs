//! Reading a partition's messages without a consumer group: the newest N, or from an offset or a
//! timestamp. Assign (no subscribe), never commit: it cannot disturb consumers.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rdkafka::{Offset, TopicPartitionList};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use super::reader::Record;
use super::reader::{Polled, Reader, Unreachable};
use super::DataConfig;

/// The group id librdkafka needs for assign(); it never joins, commits or shows in the cluster.
pub const PEEK_GROUP: &str = "kdeck-peek";

/// One message read by peek, cut to a preview for a list.
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

/// Where reading starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The newest N messages.
    Last(usize),
    /// At this offset (the log start if it is older than that).
    Offset(i64),
    /// At the first message whose timestamp is at or after this (milliseconds since the epoch).
    Timestamp(i64),
}

/// A message's content as it is shown in full: text (JSON pretty-printed when it parses) or hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Content {
    /// "json", "text" or "hex" (not UTF-8).
    pub format: &'static str,
    pub text: String,
    pub size: usize,
}

impl Content {
    pub fn of(bytes: &[u8]) -> Content {
        let size = bytes.len();
        match std::str::from_utf8(bytes) {
            Ok(s) => match serde_json::from_str::<serde::de::IgnoredAny>(s) {
                Ok(_) if s.trim_start().starts_with(['{', '[']) => {
                    Content { format: "json", text: pretty_json(s), size }
                }
                _ => Content { format: "text", text: s.to_string(), size },
            },
            Err(_) => Content { format: "hex", text: hex(bytes), size },
        }
    }
}

/// Valid JSON re-indented by two spaces, keys in the producer's order (parsing into a map would
/// sort them, and the order is part of what the producer wrote).
fn pretty_json(valid: &str) -> String {
    let mut out = String::with_capacity(valid.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = valid.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (c, escaped) {
                (_, true) => escaped = false,
                ('\\', false) => escaped = true,
                ('"', false) => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|n| matches!(n, '}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the bytes, in hex: to compare a message with what was produced.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The whole record for its detail view and `-o json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordDetail {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub timestamp_type: &'static str,
    pub key: Option<Content>,
    pub value: Option<Content>,
    /// SHA-256 of the value's bytes (None: a null value, a tombstone).
    pub value_sha256: Option<String>,
    pub headers: Vec<(String, Option<Content>)>,
    /// Bytes of key, value and headers (names and values).
    pub size: usize,
}

impl Record {
    pub fn detail(&self) -> RecordDetail {
        let header_bytes: usize = self.headers.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len)).sum();
        RecordDetail {
            topic: self.topic.clone(),
            partition: self.partition,
            offset: self.offset,
            timestamp_ms: self.timestamp_ms,
            timestamp_type: self.timestamp_type,
            key: self.key.as_deref().map(Content::of),
            value: self.value.as_deref().map(Content::of),
            value_sha256: self.value.as_deref().map(sha256),
            headers: self.headers.iter().map(|(k, v)| (k.clone(), v.as_deref().map(Content::of))).collect(),
            size: self.key.as_ref().map_or(0, Vec::len) + self.value.as_ref().map_or(0, Vec::len) + header_bytes,
        }
    }

    fn preview(&self) -> PeekMessage {
        PeekMessage {
            partition: self.partition,
            offset: self.offset,
            timestamp_ms: self.timestamp_ms,
            key: self.key.as_deref().map(preview),
            value: self.value.as_deref().map(preview),
            headers: self.headers.iter().map(|(k, v)| (k.clone(), preview(v.as_deref().unwrap_or_default()))).collect(),
        }
    }
}

const PREVIEW: usize = 2048;

/// The last `count` messages of a partition, as previews.
pub fn peek(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<PeekMessage>> {
    peek_from(cfg, topic, partition, Start::Last(count), count, timeout)
}

/// Up to `count` messages from `start`, as previews.
pub fn peek_from(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    start: Start,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<PeekMessage>> {
    Ok(read(cfg, topic, partition, start, count, timeout)?.iter().map(Record::preview).collect())
}

/// Up to `count` whole messages of a partition from `start`, up to the end of the partition.
pub fn read(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    start: Start,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<Record>> {
    // librdkafka's messages go to the screen: none may quote a secret setting back
    read_from(cfg, topic, partition, start, count, timeout).map_err(|e| {
        let text = cfg.scrub_text(&format!("{e:#}"));
        if e.chain().any(|c| c.is::<Unreachable>()) {
            Unreachable(text).into()
        } else {
            anyhow::anyhow!(text)
        }
    })
}

/// A consumer that only ever reads assigned partitions.
pub(crate) fn reader(cfg: &DataConfig, extra: &[(&str, &str)]) -> anyhow::Result<Reader> {
    let mut settings = vec![
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("enable.partition.eof", "true"),
        // librdkafka wants a group id even for assign(); with no commit and no subscribe the
        // group never comes into existence on the broker.
        ("group.id", PEEK_GROUP),
    ];
    settings.extend_from_slice(extra);
    Reader::new(cfg, &settings).context("creating a consumer")
}

fn read_from(
    cfg: &DataConfig,
    topic: &str,
    partition: i32,
    start: Start,
    count: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<Record>> {
    let consumer = reader(cfg, &[])?;
    let (low, high) = consumer
        .fetch_watermarks(topic, partition, timeout)
        .with_context(|| format!("offsets of {topic}/{partition}"))?;
    let first = match start {
        Start::Last(n) => (high - n as i64).max(low),
        Start::Offset(o) => o.max(low),
        Start::Timestamp(ts) => {
            let mut q = TopicPartitionList::new();
            q.add_partition_offset(topic, partition, Offset::Offset(ts))?;
            consumer
                .offsets_for_times(&q, timeout)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("looking up {topic}/{partition} by timestamp"))?;
            match q.find_partition(topic, partition).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => o,
                // no message at or after the timestamp
                _ => high,
            }
        }
    };
    if count == 0 || first >= high {
        return Ok(Vec::new());
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, partition, Offset::Offset(first))?;
    consumer.assign(&tpl).map_err(anyhow::Error::msg).context("assign")?;
    let mut out = Vec::new();
    let deadline = Instant::now() + timeout;
    while out.len() < count {
        let Some(event) = consumer.next(deadline) else { break };
        match event {
            None => continue,
            Some(Polled::End(_)) => break,
            Some(Polled::Error(e)) => bail!("reading {topic}/{partition}: {e}"),
            Some(Polled::Message(m)) => {
                let last = m.offset + 1 >= high;
                out.push(m);
                if last {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_pretty_json_text_or_hex() {
        let json = Content::of(br#"{"b":1,"a":[true, {}],"s":"x\"{,:"}"#);
        assert_eq!((json.format, json.size), ("json", 35));
        assert_eq!(json.text, "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    {}\n  ],\n  \"s\": \"x\\\"{,:\"\n}");
        let text = Content::of(b"42");
        assert_eq!((text.format, text.text.as_str()), ("text", "42"), "a bare number is text, not JSON");
        let bin = Content::of(&[0xff, 0x00, 0x10]);
        assert_eq!((bin.format, bin.text.as_str(), bin.size), ("hex", "ff0010", 3));
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn detail_sizes_and_hashes() {
        let r = Record {
            topic: "t".into(),
            partition: 0,
            offset: 7,
            timestamp_ms: Some(5),
            timestamp_type: "create",
            key: Some(b"k1".to_vec()),
            value: None,
            headers: vec![("h".into(), Some(b"vv".to_vec())), ("n".into(), None)],
        };
        let d = r.detail();
        assert_eq!((d.size, d.value_sha256, d.value), (2 + 3 + 1, None, None));
        assert_eq!(d.headers[1], ("n".to_string(), None));
    }
}
