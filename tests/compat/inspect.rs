//! Brokers and the controller, topics, describe, groups and lag on each version, checked with
//! that version's own tools.

use std::time::Duration;

use crate::cluster::{kraft39, unique, wait_for, zk28, Compat};
use crate::support::{consumer_groups_rows, kafka_topics_layout, kdeck_lag_rows, kdeck_layout};

/// (id, host, port, rack, controller, role): a row of `kdeck brokers -o json`.
type BrokerRow = (i64, Option<String>, Option<i64>, Option<String>, bool, String);

/// Every row of `kdeck brokers -o json`.
fn broker_rows(c: &Compat) -> Vec<BrokerRow> {
    let json = c.kdeck_json(&["brokers"]);
    json.as_array()
        .expect("array")
        .iter()
        .map(|b| {
            (
                b["id"].as_i64().unwrap_or(-1),
                b["host"].as_str().map(str::to_string),
                b["port"].as_i64(),
                b["rack"].as_str().map(str::to_string),
                b["controller"] == true,
                b["role"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn broker(
    id: i64,
    port: i64,
    rack: Option<&str>,
    controller: bool,
) -> (i64, Option<String>, Option<i64>, Option<String>, bool, String) {
    (id, Some("127.0.0.1".into()), Some(port), rack.map(str::to_string), controller, "broker".into())
}

/// ZooKeeper mode: the controller is the broker ZooKeeper's /controller names.
#[test]
fn zk28_brokers_and_the_zookeeper_controller() {
    let c = zk28();
    let _g = c.shared();
    let zk = c.tool("org.apache.zookeeper.ZooKeeperMain", &["-server", "127.0.0.1:42181", "get", "/controller"]);
    let znode: serde_json::Value = zk
        .lines()
        .find(|l| l.starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no /controller znode in:\n{zk}"));
    assert_eq!(znode["brokerid"], 1, "{zk}");

    assert_eq!(broker_rows(c), vec![broker(1, 42092, None, true)]);
    let table = c.kdeck(&["brokers"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[1].split_whitespace().take(5).collect::<Vec<_>>(), ["1", "127.0.0.1", "42092", "-", "*"]);
    assert_eq!(lines.last(), Some(&"Controller: 1 (ZooKeeper mode)"), "{table}");
}

/// KRaft with a controller of its own: no broker is the controller, and kdeck says which node
/// is, in agreement with kafka-metadata-quorum.
#[test]
fn kraft39_brokers_and_a_controller_that_is_not_a_broker() {
    let c = kraft39();
    let _g = c.shared();
    let quorum = c.admin_tool("org.apache.kafka.tools.MetadataQuorumCommand", &["describe", "--status"]);
    let leader: i64 = quorum
        .lines()
        .find_map(|l| l.strip_prefix("LeaderId:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no LeaderId in:\n{quorum}"));
    assert_eq!(leader, 3000, "{quorum}");

    let controller_row = (leader, None, None, None, true, "controller".to_string());
    assert_eq!(
        broker_rows(c),
        vec![broker(1, 43192, Some("az-a"), false), broker(2, 43292, Some("az-b"), false), controller_row]
    );
    let table = c.kdeck(&["brokers"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[3].split_whitespace().collect::<Vec<_>>(),
        ["3000", "-", "-", "-", "*", "(not", "a", "broker)", "-", "-", "-"]
    );
    assert_eq!(lines.last(), Some(&"Controller: 3000 (KRaft controller, not a broker)"), "{table}");
}

/// With the KRaft controller down no broker can name the quorum leader: kdeck says the controller
/// is unknown, and why, instead of naming a broker (Metadata's controller id on KRaft is an
/// arbitrary broker); once the controller is back, it names 3000 again.
#[test]
fn kraft39_controller_down_is_unknown_never_a_broker() {
    let c = kraft39();
    let _g = c.exclusive();
    c.script(&["stop-node", "3000"]);
    let outcome = std::panic::catch_unwind(|| {
        let out = c.kdeck_output(&["--timeout", "3s", "brokers", "--output", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.starts_with("warning: controller: no broker named the KRaft quorum leader (DescribeQuorum)"),
            "{stderr}"
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let rows: Vec<(i64, bool)> = json
            .as_array()
            .expect("array")
            .iter()
            .map(|b| (b["id"].as_i64().unwrap_or(-1), b["controller"] == true))
            .collect();
        assert_eq!(rows, vec![(1, false), (2, false)], "{json}");
        let table = c.kdeck(&["--timeout", "3s", "brokers"]);
        let last = table.lines().last().unwrap_or_default();
        assert!(last.starts_with("Controller: unknown (no broker named the KRaft quorum leader"), "{table}");
        assert!(!table.contains('*'), "{table}");
    });
    c.script(&["up"]);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
    let back = wait_for("kdeck to name controller 3000 again", Duration::from_secs(60), || {
        let table = c.kdeck(&["brokers"]);
        table.ends_with("Controller: 3000 (KRaft controller, not a broker)\n").then_some(table)
    });
    assert!(back.contains("* (not a broker)"), "{back}");
}

/// `topic create` (with a replica assignment), then describe and topics: layout as the version's
/// kafka-topics describes it, offsets as produced.
fn topics_and_describe(c: &Compat) {
    let _g = c.shared();
    let topic = unique("compat-describe");
    let ids: Vec<String> = c.brokers.iter().map(|(id, _)| id.to_string()).collect();
    // partition p: replicas rotated by p, so leaders differ where there are several brokers
    let assignment: Vec<String> = (0..3)
        .map(|p| (0..ids.len()).map(|i| ids[(p + i) % ids.len()].clone()).collect::<Vec<_>>().join(":"))
        .collect();
    let assignment = assignment.join(",");
    c.kdeck(&["topic", "create", &topic, "--replica-assignment", &assignment, "--yes"]);
    assert_eq!(c.produce(&topic, 10, 3, 16), vec![4, 3, 3]);

    let json = c.kdeck_json(&["describe", &topic]);
    assert_eq!(
        (&json["partition_count"], &json["replication_factor"], &json["under_replicated"], &json["messages"]),
        (&serde_json::json!(3), &serde_json::json!(c.rf()), &serde_json::json!(0), &serde_json::json!(10)),
        "{json}"
    );
    let parts = json["partitions"].as_array().expect("partitions");
    let ends: Vec<i64> = parts.iter().map(|p| p["log_end_offset"].as_i64().expect("end")).collect();
    assert_eq!(ends, vec![4, 3, 3]);

    let oracle = c.admin_tool(c.tools.topics, &["--describe", "--topic", &topic]);
    let (ours, theirs) = (kdeck_layout(parts), kafka_topics_layout(&oracle));
    assert_eq!(ours, theirs, "kafka-topics {} says:\n{oracle}", c.version);
    let replicas: Vec<String> = ours.iter().map(|o| o.2.replace(',', ":")).collect();
    assert_eq!(replicas.join(","), assignment);

    let table = c.kdeck(&["describe", &topic]);
    let want =
        format!("Topic: {topic}  Partitions: 3  RF: {}  Under-replicated: 0  Offline: 0  Messages: 10\n", c.rf());
    assert!(table.starts_with(&want), "{table}");

    let topics = c.kdeck_json(&["topics"]);
    let row = topics.as_array().expect("array").iter().find(|t| t["name"] == topic.as_str()).expect("topic listed");
    assert_eq!(
        (row["partitions"].as_i64(), row["replication_factor"].as_i64(), row["messages"].as_i64()),
        (Some(3), Some(c.rf() as i64), Some(10))
    );
}

#[test]
fn zk28_topics_and_describe_match_kafka_topics() {
    topics_and_describe(zk28());
}

#[test]
fn kraft39_topics_and_describe_match_kafka_topics() {
    topics_and_describe(kraft39());
}

/// 100 messages over 3 partitions (34/33/33), the group commits 20/15/5: lag 14/18/28 = 60 in
/// kdeck's JSON and table, exactly as this version's kafka-consumer-groups computes it on the
/// same state; `groups` and `lag --all` agree.
fn lag_matches_kafka_consumer_groups(c: &Compat) {
    let _g = c.shared();
    let topic = unique("compat-lag");
    let group = unique("compat-lag-group");
    c.kdeck(&["topic", "create", &topic, "--partitions", "3", "--replication-factor", &c.rf().to_string(), "--yes"]);
    assert_eq!(c.produce(&topic, 100, 3, 16), vec![34, 33, 33]);
    c.commit(&topic, &group, &[20, 15, 5]);

    let json = c.kdeck_json(&["lag", &group]);
    assert_eq!((&json["group"], &json["total_lag"]), (&serde_json::json!(group), &serde_json::json!(60)), "{json}");
    let ours = kdeck_lag_rows(&json);
    let t = topic.clone();
    assert_eq!(ours, vec![(t.clone(), 0, 20, 34, 14), (t.clone(), 1, 15, 33, 18), (t, 2, 5, 33, 28)]);

    // The oracle: this version's ConsumerGroupCommand on the same cluster and state.
    let oracle = c.admin_tool(c.tools.groups, &["--describe", "--group", &group]);
    let theirs = consumer_groups_rows(&oracle, &group);
    assert_eq!(ours, theirs, "kafka-consumer-groups {} says:\n{oracle}", c.version);

    let table = c.kdeck(&["lag", &group]);
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[1][..6], [group.as_str(), topic.as_str(), "0", "20", "34", "14"]);
    assert!(table.contains(&format!("TOTAL LAG {group}: 60 (Empty)")), "{table}");

    let all = c.kdeck_json(&["lag", "--all"]);
    let mine = all.as_array().expect("array").iter().find(|g| g["group"] == group.as_str()).expect("group in --all");
    assert_eq!(mine["total_lag"], 60);
    let groups = c.kdeck_json(&["groups"]);
    let g = groups.as_array().expect("array").iter().find(|g| g["group"] == group.as_str()).expect("group listed");
    assert_eq!(
        (g["state"].as_str(), g["members"].as_i64(), g["total_lag"].as_i64()),
        (Some("Empty"), Some(0), Some(60)),
        "{groups}"
    );
}

#[test]
fn zk28_lag_matches_kafka_consumer_groups() {
    lag_matches_kafka_consumer_groups(zk28());
}

#[test]
fn kraft39_lag_matches_kafka_consumer_groups() {
    lag_matches_kafka_consumer_groups(kraft39());
}
