//! What the test targets against real clusters share (tests/cluster, tests/compat): running
//! Kafka's own tools, reading their output and kdeck's JSON the same way, producing with rdkafka.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseRecord, DefaultProducerContext, ThreadedProducer};

/// A topic/group name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos % 1_000_000_000)
}

/// Polls `check` until it returns Some or the deadline passes (then fails with `what`).
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < limit, "gave up waiting for {what} after {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Runs one of Kafka's tools from the given classpath.
pub fn java_output(classpath: &str, class: &str, args: &[&str]) -> Output {
    Command::new("java")
        .args(["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, class])
        .args(args)
        .output()
        .expect("run java")
}

/// Runs one of Kafka's tools (the oracle) and returns stdout, failing the test on error.
pub fn java_tool(classpath: &str, class: &str, args: &[&str]) -> String {
    let out = java_output(classpath, class, args);
    assert!(
        out.status.success(),
        "{class} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (topic, partition, committed offset, log-end offset, lag) per partition.
pub type LagRow = (String, i64, i64, i64, i64);

/// The partitions of `kdeck lag GROUP -o json`.
pub fn kdeck_lag_rows(json: &serde_json::Value) -> Vec<LagRow> {
    json["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            (
                p["topic"].as_str().expect("topic").to_string(),
                p["partition"].as_i64().expect("partition"),
                p["committed_offset"].as_i64().expect("committed"),
                p["log_end_offset"].as_i64().expect("end"),
                p["lag"].as_i64().expect("lag"),
            )
        })
        .collect()
}

/// The rows of `kafka-consumer-groups --describe --group GROUP`, sorted ("GROUP TOPIC PARTITION
/// CURRENT-OFFSET LOG-END-OFFSET LAG ...").
pub fn consumer_groups_rows(oracle: &str, group: &str) -> Vec<LagRow> {
    let mut rows: Vec<LagRow> = oracle
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 6 && w[0] == group)
        .map(|w| {
            let n = |i: usize| w[i].parse::<i64>().unwrap_or(-9);
            (w[1].to_string(), n(2), n(3), n(4), n(5))
        })
        .collect();
    rows.sort();
    rows
}

/// (partition, leader, replicas, ISR) as text, e.g. ("0", "1", "1,2", "1,2").
pub type Layout = (String, String, String, String);

/// The partitions of `kafka-topics --describe --topic T`:
/// "Topic: t  Partition: 0  Leader: 1  Replicas: 1,2  Isr: 1,2 ...".
pub fn kafka_topics_layout(oracle: &str) -> Vec<Layout> {
    oracle
        .lines()
        .filter(|l| l.contains("Partition:"))
        .map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            let field =
                |name: &str| w.iter().position(|x| *x == name).map(|i| w[i + 1].to_string()).unwrap_or_default();
            (field("Partition:"), field("Leader:"), field("Replicas:"), field("Isr:"))
        })
        .collect()
}

/// The same from the partitions of `kdeck describe T -o json`.
pub fn kdeck_layout(partitions: &[serde_json::Value]) -> Vec<Layout> {
    partitions
        .iter()
        .map(|p| {
            let list =
                |k: &str| p[k].as_array().expect("list").iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
            (p["partition"].to_string(), p["leader"].to_string(), list("replicas"), list("isr"))
        })
        .collect()
}

/// Queues a record, waiting while the producer's queue is full.
pub fn send(producer: &ThreadedProducer<DefaultProducerContext>, mut record: BaseRecord<'_, String, String>) {
    while let Err((e, r)) = producer.send(record) {
        assert!(
            matches!(e, rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull)),
            "produce: {e}"
        );
        record = r;
        producer.poll(Duration::from_millis(50));
    }
}
