//! Topic create, add-partitions and config set/get on each version, checked with that version's
//! kafka-topics and kafka-configs.

use crate::cluster::{kraft39, unique, zk28, Compat};

/// Partition count of a topic as this version's kafka-topics describes it.
fn partition_count(c: &Compat, topic: &str) -> String {
    let out = c.admin_tool(c.tools.topics, &["--describe", "--topic", topic]);
    let w: Vec<&str> = out.split_whitespace().collect();
    w.iter().position(|x| *x == "PartitionCount:").map(|i| w[i + 1].to_string()).unwrap_or(out)
}

/// The topic's dynamic configs as this version's kafka-configs lists them ("key=value").
fn dynamic_configs(c: &Compat, topic: &str) -> Vec<String> {
    let out = c.admin_tool(c.tools.configs, &["--describe", "--entity-type", "topics", "--entity-name", topic]);
    // "  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000, ...}"
    let mut found: Vec<String> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.contains('='))
        .map(str::to_string)
        .collect();
    found.sort();
    found
}

/// (key, value, source) of `config get topic T --overrides -o json`.
fn overrides(c: &Compat, topic: &str) -> Vec<(String, String, String)> {
    let json = c.kdeck_json(&["config", "get", "topic", topic, "--overrides"]);
    let rows = json["configs"].as_array().unwrap_or_else(|| panic!("no configs in {json}"));
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("name"), s("value"), s("source"))
        })
        .collect();
    out.sort();
    out
}

fn topic_ops(c: &Compat) {
    let _g = c.shared();
    let topic = unique("compat-ops");
    let rf = c.rf().to_string();
    let created = c.kdeck(&[
        "topic",
        "create",
        &topic,
        "--partitions",
        "2",
        "--replication-factor",
        &rf,
        "--config",
        "retention.ms=3600000",
        "--yes",
    ]);
    assert!(created.contains(&format!("created topic {topic} (2 partitions, replication factor {rf})")), "{created}");
    assert_eq!(partition_count(c, &topic), "2");
    assert_eq!(dynamic_configs(c, &topic), vec!["retention.ms=3600000"]);

    let grown = c.kdeck(&["topic", "add-partitions", &topic, "--to", "4", "--yes"]);
    assert!(grown.contains(&format!("topic {topic} now has 4 partitions")), "{grown}");
    assert_eq!(partition_count(c, &topic), "4");
    assert_eq!(c.kdeck_json(&["describe", &topic])["partition_count"], 4);

    c.kdeck(&["config", "set", "topic", &topic, "max.message.bytes=2097152", "retention.ms=7200000", "--yes"]);
    assert_eq!(dynamic_configs(c, &topic), vec!["max.message.bytes=2097152", "retention.ms=7200000"]);
    let dynamic = |k: &str, v: &str| (k.to_string(), v.to_string(), "dynamic".to_string());
    assert_eq!(overrides(c, &topic), vec![dynamic("max.message.bytes", "2097152"), dynamic("retention.ms", "7200000")]);

    c.kdeck(&["config", "delete", "topic", &topic, "retention.ms", "--yes"]);
    assert_eq!(dynamic_configs(c, &topic), vec!["max.message.bytes=2097152"]);
    assert_eq!(overrides(c, &topic), vec![dynamic("max.message.bytes", "2097152")]);
}

#[test]
fn zk28_topic_create_grow_and_configs() {
    topic_ops(zk28());
}

#[test]
fn kraft39_topic_create_grow_and_configs() {
    topic_ops(kraft39());
}
