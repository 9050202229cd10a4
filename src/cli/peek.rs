//! `kdeck peek TOPIC --partition P [--offset N | --from-time T | --last N]`: whole messages of a
//! partition, read without a consumer group (nothing joined, nothing committed).

use std::time::Duration;

use super::output::{json, Format, Table};
use crate::data::{self, DataConfig, Record, RecordDetail, Start};
use crate::ops::audit::rfc3339_ms;
use crate::ops::groups::time::parse_datetime;

/// Where `kdeck peek` starts, from its options.
pub fn start(offset: Option<i64>, from_time: Option<&str>, last: Option<usize>, count: usize) -> anyhow::Result<Start> {
    Ok(match (offset, from_time, last) {
        (Some(o), None, None) => Start::Offset(o),
        (None, Some(t), None) => Start::Timestamp(parse_datetime(t).map_err(|e| anyhow::anyhow!("--from-time {e}"))?),
        (None, None, Some(n)) => Start::Last(n),
        (None, None, None) => Start::Last(count),
        _ => anyhow::bail!("give one of --offset, --from-time and --last"),
    })
}

/// Reads on a blocking thread (librdkafka polls), within the request timeout.
pub async fn read(
    cfg: &crate::kafka::ClientConfig,
    topic: &str,
    partition: i32,
    start: Start,
    count: usize,
) -> anyhow::Result<Vec<Record>> {
    let data = DataConfig::from_client(cfg).map_err(anyhow::Error::msg)?;
    let timeout = cfg.request_timeout.max(Duration::from_secs(1));
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || data::peek::read(&data, &topic, partition, start, count, timeout)).await?
}

/// One line of a value for a table: newlines shown as ⏎, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if c == '\n' {
                '⏎'
            } else if c.is_control() {
                '·'
            } else {
                c
            }
        })
        .collect();
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

pub fn render(records: &[Record], format: Format) -> anyhow::Result<String> {
    let details: Vec<RecordDetail> = records.iter().map(Record::detail).collect();
    match format {
        Format::Json => json(&details),
        Format::Table => {
            let mut t = Table::new(["PARTITION", "OFFSET", "TIMESTAMP", "KEY", "VALUE", "SIZE", "SHA256"]);
            for d in &details {
                let ts = d.timestamp_ms.map(|ms| format!("{} ({})", rfc3339_ms(ms), d.timestamp_type));
                t.row(vec![
                    d.partition.to_string(),
                    d.offset.to_string(),
                    ts.unwrap_or_else(|| "-".into()),
                    d.key.as_ref().map(|k| one_line(&k.text, 24)).unwrap_or_else(|| "-".into()),
                    d.value.as_ref().map(|v| one_line(&v.text, 60)).unwrap_or_else(|| "(null)".into()),
                    d.size.to_string(),
                    d.value_sha256.as_deref().map(|h| h[..16].to_string()).unwrap_or_else(|| "-".into()),
                ]);
            }
            Ok(t.render())
        }
    }
}

pub async fn run(
    cfg: &crate::kafka::ClientConfig,
    format: Format,
    topic: &str,
    partition: i32,
    start: Start,
    count: usize,
) -> anyhow::Result<String> {
    let records = read(cfg, topic, partition, start, count).await?;
    if records.is_empty() && format == Format::Table {
        return Ok(format!("no messages in {topic}-{partition} from there\n"));
    }
    render(&records, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_lines() {
        assert_eq!(start(Some(5), None, None, 10).expect("offset"), Start::Offset(5));
        assert_eq!(start(None, None, None, 10).expect("default"), Start::Last(10));
        assert_eq!(start(None, Some("1970-01-01T00:00:01Z"), None, 3).expect("time"), Start::Timestamp(1000));
        assert!(start(Some(1), None, Some(2), 3).is_err());
        assert_eq!(one_line("{\n  \"a\": 1\n}", 8), "{⏎  \"a\":…");
    }
}
