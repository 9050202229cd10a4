//! What a just-started cluster does to a client, made to happen on purpose: a group's coordinator
//! crashes; until the controller fences it, it is still named as coordinator and leader, then
//! another broker loads the group from __consumer_offsets (answering COORDINATOR_LOAD_IN_PROGRESS
//! or NOT_COORDINATOR meanwhile). kdeck must answer with the exact figures within its timeout, as
//! Kafka's own tools do, not with the transient error.

use crate::common::{data, env, kafka_tool, kdeck_json, script, Fixture};

/// The broker coordinating `group`, as kafka-consumer-groups --describe --state reports it.
fn coordinator(group: &str) -> String {
    let out = kafka_tool(
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        &["--bootstrap-server", &env().bootstrap, "--describe", "--group", group, "--state"],
    );
    // GROUP  COORDINATOR (ID)  ASSIGNMENT-STRATEGY  STATE  #MEMBERS
    // g      127.0.0.1:29092  (2)                  Empty  0
    let line = out.lines().find(|l| l.starts_with(group)).unwrap_or_else(|| panic!("no state line:\n{out}"));
    let id = line.split_whitespace().find(|w| w.starts_with('(')).unwrap_or_else(|| panic!("no coordinator in {line}"));
    id.trim_matches(|c| c == '(' || c == ')').to_string()
}

fn lag_rows(group: &str) -> (i64, Vec<(i64, i64, i64, i64)>) {
    // the budget for retries is the request timeout: long enough for the controller to fence a
    // crashed broker (broker.session.timeout.ms, 9 s) and a new coordinator to load the group
    let json = kdeck_json(&["--timeout", "30s", "lag", group]);
    let rows = json["partitions"]
        .as_array()
        .unwrap_or_else(|| panic!("no partitions in {json}"))
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_i64().unwrap_or(-9);
            (n("partition"), n("committed_offset"), n("log_end_offset"), n("lag"))
        })
        .collect();
    (json["total_lag"].as_i64().unwrap_or(-9), rows)
}

#[test]
fn lag_is_exact_while_the_groups_coordinator_fails_over() {
    let fx = Fixture::exclusive();
    let topic = fx.topic("failover");
    let group = fx.group("failover-group");
    data::create_topic(&topic, 3, 3);
    assert_eq!(data::produce(&topic, 60, 3), vec![20, 20, 20]);
    data::consume_and_commit(&topic, &group, &[20, 15, 5]);
    let want = (20, vec![(0, 20, 20, 0), (1, 15, 20, 5), (2, 5, 20, 15)]);
    assert_eq!(lag_rows(&group), want);

    let node = coordinator(&group);
    script(&["kill-node", &node]);
    // at once: the crashed broker is still the coordinator in the metadata
    let during = std::panic::catch_unwind(|| lag_rows(&group));
    script(&["start-node", &node]);
    assert_eq!(during.unwrap_or_else(|e| std::panic::resume_unwind(e)), want, "with broker {node} crashed");
    assert_eq!(lag_rows(&group), want, "after broker {node} restarted");
}
