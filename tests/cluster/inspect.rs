//! Lag, topics, describe and brokers against the real cluster, checked with Kafka's own tools.

use crate::common::{self, data, env, kafka_tool, kdeck, kdeck_json, Fixture};
use crate::support::{consumer_groups_rows, kafka_topics_layout, kdeck_lag_rows, kdeck_layout};

/// 100 messages over 3 partitions (34/33/33), the group commits 20/15/5 = 40:
/// lag is 14/18/28 = 60, in kdeck's table, in its JSON, and in kafka-consumer-groups.
#[test]
fn lag_matches_committed_offsets_and_kafka_consumer_groups() {
    let fx = Fixture::shared();
    let topic = fx.topic("lag");
    let group = fx.group("lag-group");
    data::create_topic(&topic, 3, 3);
    let produced = data::produce(&topic, 100, 3);
    assert_eq!(produced, vec![34, 33, 33]);
    data::consume_and_commit(&topic, &group, &[20, 15, 5]);

    let json = kdeck_json(&["lag", &group]);
    assert_eq!(json["group"], group.as_str());
    assert_eq!(json["total_lag"], 60);
    let rows = kdeck_lag_rows(&json);
    assert_eq!(
        rows,
        vec![(topic.clone(), 0, 20, 34, 14), (topic.clone(), 1, 15, 33, 18), (topic.clone(), 2, 5, 33, 28)]
    );

    let table = kdeck(&["lag", &group]);
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0][..6], ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]);
    assert_eq!(lines[1][..6], [group.as_str(), topic.as_str(), "0", "20", "34", "14"]);
    assert_eq!(lines[2][..6], [group.as_str(), topic.as_str(), "1", "15", "33", "18"]);
    assert_eq!(lines[3][..6], [group.as_str(), topic.as_str(), "2", "5", "33", "28"]);
    assert!(table.contains(&format!("TOTAL LAG {group}: 60 (Empty)")), "{table}");

    // The oracle: Kafka's own ConsumerGroupCommand on the same cluster.
    let oracle = kafka_tool(
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        &["--bootstrap-server", &env().bootstrap, "--describe", "--group", &group],
    );
    assert_eq!(rows, consumer_groups_rows(&oracle, &group), "kafka-consumer-groups says:\n{oracle}");

    // `lag --all` includes the group with the same total, and `groups` lists it.
    let all = kdeck_json(&["lag", "--all"]);
    let mine = all.as_array().expect("array").iter().find(|g| g["group"] == group.as_str()).expect("group in --all");
    assert_eq!(mine["total_lag"], 60);
    let groups = kdeck_json(&["groups"]);
    let g = groups.as_array().expect("array").iter().find(|g| g["group"] == group.as_str()).expect("group listed");
    assert_eq!(
        (g["state"].as_str(), g["members"].as_i64(), g["total_lag"].as_i64()),
        (Some("Empty"), Some(0), Some(60))
    );
}

/// Partition layout and offsets agree with kafka-topics --describe; racks and controller show.
#[test]
fn describe_matches_kafka_topics() {
    let fx = Fixture::shared();
    let topic = fx.topic("describe");
    data::create_topic_with_assignment(&topic, &[&[1, 2], &[2, 3], &[3, 1], &[1, 3]]);
    let produced = data::produce(&topic, 10, 4);
    assert_eq!(produced, vec![3, 3, 2, 2]);

    let json = kdeck_json(&["describe", &topic]);
    assert_eq!(json["partition_count"], 4);
    assert_eq!(json["replication_factor"], 2);
    assert_eq!(json["under_replicated"], 0);
    assert_eq!(json["messages"], 10);
    let parts = json["partitions"].as_array().expect("partitions");
    let replicas: Vec<Vec<i64>> = parts
        .iter()
        .map(|p| p["replicas"].as_array().expect("replicas").iter().filter_map(|r| r.as_i64()).collect())
        .collect();
    assert_eq!(replicas, vec![vec![1, 2], vec![2, 3], vec![3, 1], vec![1, 3]]);
    let ends: Vec<i64> = parts.iter().map(|p| p["log_end_offset"].as_i64().expect("end")).collect();
    assert_eq!(ends, vec![3, 3, 2, 2]);

    let oracle = kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        &["--bootstrap-server", &env().bootstrap, "--describe", "--topic", &topic],
    );
    let (ours, theirs) = (kdeck_layout(parts), kafka_topics_layout(&oracle));
    assert_eq!(ours, theirs, "kafka-topics says:\n{oracle}");

    let table = kdeck(&["describe", &topic]);
    assert!(
        table.starts_with(&format!(
            "Topic: {topic}  Partitions: 4  RF: 2  Under-replicated: 0  Offline: 0  Messages: 10\n"
        )),
        "{table}"
    );

    // `describe --all`: every topic from one snapshot, this one exactly as `describe TOPIC`
    // shows it, internal topics included (as kafka-topics --describe lists them).
    let all = kdeck_json(&["describe", "--all"]);
    let all = all.as_array().expect("array");
    assert_eq!(all.iter().find(|t| t["name"] == topic.as_str()), Some(&json), "describe --all: {all:?}");
    let offsets = all.iter().find(|t| t["name"] == "__consumer_offsets").expect("__consumer_offsets in --all");
    assert_eq!(offsets["internal"], true);
    let all_table = kdeck(&["describe", "--all"]);
    assert!(
        all_table.contains(&format!(
            "Topic: {topic}  Partitions: 4  RF: 2  Under-replicated: 0  Offline: 0  Messages: 10\n"
        )),
        "{all_table}"
    );

    let topics = kdeck_json(&["topics"]);
    let row = topics.as_array().expect("array").iter().find(|t| t["name"] == topic.as_str()).expect("topic listed");
    assert_eq!(
        (row["partitions"].as_i64(), row["replication_factor"].as_i64(), row["messages"].as_i64()),
        (Some(4), Some(2), Some(10))
    );
    assert!(!kdeck_json(&["topics"]).as_array().expect("array").iter().any(|t| t["name"] == "__consumer_offsets"));
    assert!(kdeck_json(&["topics", "--internal"])
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["name"] == "__consumer_offsets"));
}

#[test]
fn brokers_show_racks_and_one_controller() {
    let _g = common::shared();
    let json = kdeck_json(&["brokers"]);
    let brokers = json.as_array().expect("array");
    let ids: Vec<(i64, &str, i64, &str)> = brokers
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap_or(-1),
                b["host"].as_str().unwrap_or(""),
                b["port"].as_i64().unwrap_or(-1),
                b["rack"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![(1, "127.0.0.1", 19092, "az-a"), (2, "127.0.0.1", 29092, "az-b"), (3, "127.0.0.1", 39092, "az-c")]
    );
    let controllers: Vec<i64> =
        brokers.iter().filter(|b| b["controller"] == true).map(|b| b["id"].as_i64().unwrap_or(-1)).collect();
    assert_eq!(controllers.len(), 1, "{json}");

    // The oracle for the controller: the metadata quorum's leader.
    let quorum = kafka_tool(
        "org.apache.kafka.tools.MetadataQuorumCommand",
        &["--bootstrap-server", &env().bootstrap, "describe", "--status"],
    );
    let leader: i64 = quorum
        .lines()
        .find_map(|l| l.strip_prefix("LeaderId:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no LeaderId in:\n{quorum}"));
    assert_eq!(controllers[0], leader);
    assert!(brokers.iter().all(|b| b["role"] == "broker"), "{json}");
}
