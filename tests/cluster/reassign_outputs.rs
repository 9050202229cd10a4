//! What scripts read: the exact JSON of `kdeck reassign execute -o json` and `kdeck reassign
//! resume -o json`; and the unclean election that no flag can confirm: refused without the word
//! typed on a terminal, and nothing changes on the cluster (Kafka's kafka-topics agrees).

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{data, env, kafka_tool, wait_for, Fixture};
use crate::ops_fixture::{assert_audit, Ops};
use crate::reassign_exec::{
    kafka_broker_throttles, kafka_partitions, kafka_topic_throttles, run_bounded, temp_dir, throttles_lock, write_plan,
    Tidy,
};
use crate::topic_ops::cluster_name;

/// The cluster id as Kafka's ClusterTool reads it (the oracle for the id kdeck records).
fn kafka_cluster_id() -> String {
    let out = kafka_tool("org.apache.kafka.tools.ClusterTool", &["cluster-id", "--bootstrap-server", &env().bootstrap]);
    out.lines()
        .find_map(|l| l.strip_prefix("Cluster ID: "))
        .unwrap_or_else(|| panic!("no cluster id in {out:?}"))
        .trim()
        .to_string()
}

/// The one execution record kdeck wrote into this test's state directory: (id, path).
fn only_execution(ops: &Ops) -> (String, String) {
    let dir = ops.state.join("reassign");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let id = files[0].file_stem().and_then(|s| s.to_str()).expect("record name").to_string();
    (id, files[0].to_str().expect("path").to_string())
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// One partition moving as kdeck's execution plans list it.
fn moving(topic: &str, partition: i32) -> Value {
    json!({"topic": topic, "partition": partition, "current": [1], "target": [2]})
}

/// Two empty partitions move 1 -> 2 in batches of one: `execute -o json` submits the first batch
/// and prints the whole preview and outcome; `resume -o json` submits the second, stays attached
/// until both are done and prints the verify report (throttles removed). Every field is
/// asserted; only the execution id (named by the record file) and the cluster id (Kafka's
/// ClusterTool) come from outside.
#[test]
fn execute_and_resume_print_exact_json() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("exec-json");
    data::create_topic_with_assignment(&topic, &[&[1], &[1]]);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("exec-json");
    let plan = write_plan(&dir, "plan.json", &[(&topic, 0, &[2]), (&topic, 1, &[2])]);
    let rollback = dir.join("plan.rollback.json");

    let out = ops.ok_json(&[
        "reassign",
        "execute",
        path(&plan),
        "--batch",
        "1",
        "--throttle",
        "1MB/s",
        "--yes",
        "--additional",
    ]);
    let (id, record) = only_execution(&ops);
    let lists = json!([
        {"topic": topic, "key": "leader.replication.throttled.replicas", "op": "append", "entries": ["0:1"]},
        {"topic": topic, "key": "follower.replication.throttled.replicas", "op": "append", "entries": ["0:2"]},
    ]);
    let rates = json!([
        {"broker": 1, "key": "leader.replication.throttled.rate", "value": 1_000_000, "previous": null},
        {"broker": 2, "key": "follower.replication.throttled.rate", "value": 1_000_000, "previous": null},
    ]);
    let expected = json!({
        "cluster": cluster_name(),
        "action": "reassign execute",
        "summary": format!(
            "execute reassignment {id} from {}: 2 partitions (2 copy data, 0 already at target) in 2 batches, throttle 1000000 B/s on brokers 1,2",
            path(&plan)
        ),
        "mutation": {
            "kind": "reassignment",
            "step": "execute",
            "plan_file": path(&plan),
            "plan": {"partitions": [
                {"topic": topic, "partition": 0, "replicas": [2], "log_dirs": null},
                {"topic": topic, "partition": 1, "replicas": [2], "log_dirs": null},
            ]},
            "throttle": 1_000_000,
            "batch_size": 1,
            "additional": true,
            "prepared": {
                "execution": id,
                "cluster_id": kafka_cluster_id(),
                "batches": [[moving(&topic, 0)], [moving(&topic, 1)]],
                "unchanged": [],
                "rollback_file": path(&rollback),
                "record_file": record,
                "first": {
                    "execution": id,
                    "batch": 0,
                    "batches": 2,
                    "moves": [moving(&topic, 0)],
                    "throttle": 1_000_000,
                    "changes": {
                        "lists": lists,
                        "rates": rates,
                        "throttles": {
                            "topics": {topic.as_str(): {"leader": ["0:1"], "follower": ["0:2"]}},
                            "brokers": [1, 2],
                        },
                    },
                },
            },
        },
        "validation": "checked against the cluster (partitions, brokers, reassignments in progress); throttle configs validated by the broker (IncrementalAlterConfigs, validate-only); AlterPartitionReassignments has no validate-only mode",
        "warnings": [],
        "type_to_confirm": null,
        "result": "ok",
        "message": format!(
            "execution {id}: batch 1 of 2 submitted (1 partitions); rollback: {}; record: {record}",
            path(&rollback)
        ),
        "details": {
            "applied": "submitted",
            "execution": id,
            "batch": 0,
            "batches": 2,
            "accepted": [[topic, 0]],
            "refused": [],
            "throttles": [
                format!("topic {topic}: append leader.replication.throttled.replicas=0:1"),
                format!("topic {topic}: append follower.replication.throttled.replicas=0:2"),
                "broker 1: set leader.replication.throttled.rate=1000000",
                "broker 2: set follower.replication.throttled.rate=1000000",
            ],
            "record_file": record,
        },
    });
    assert_eq!(out, expected);
    // the rollback file holds the assignment before the move, in Kafka's format
    assert_eq!(
        std::fs::read_to_string(&rollback).expect("rollback file"),
        format!(
            r#"{{"version":1,"partitions":[{{"topic":"{topic}","partition":0,"replicas":[1],"log_dirs":["any"]}},{{"topic":"{topic}","partition":1,"replicas":[1],"log_dirs":["any"]}}]}}
"#
        )
    );
    assert_audit(&ops.last_audit(), &cluster_name(), "reassign execute", "ok");

    let out = run_bounded(&ops, &["reassign", "resume", "-o", "json"], Duration::from_secs(120));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let resumed: Value = serde_json::from_slice(&out.stdout).expect("resume printed JSON");
    let done = |partition: i32| json!({"topic": topic, "partition": partition, "target": [2], "replicas": [2], "state": "complete", "execution": id});
    let expected = json!({
        "partitions": [done(0), done(1)],
        "complete": true,
        "removed": [
            format!("topic {topic}: delete leader.replication.throttled.replicas"),
            format!("topic {topic}: delete follower.replication.throttled.replicas"),
            "broker 1: delete leader.replication.throttled.rate",
            "broker 2: delete follower.replication.throttled.rate",
        ],
        "kept": [],
        "executions": [{"id": id, "state": "complete", "throttles_left": []}],
    });
    assert_eq!(resumed, expected);
    // what the report says it removed is gone (Kafka's ConfigCommand)
    assert_eq!(kafka_topic_throttles(&topic), Default::default());
    assert_eq!(kafka_broker_throttles(), Default::default());
}

/// A partition without a leader whose other replica is alive but out of sync (a throttled move
/// adds it, then the leader's broker stops): an unclean election is possible, and kdeck refuses
/// it without the word `unclean` typed on a terminal, `--yes` or not. Nothing changes on the
/// cluster: still no leader, same replicas and ISR (kafka-topics), and the audit log records the
/// refusal.
#[test]
fn unclean_election_without_typed_confirmation_changes_nothing() {
    let fx = Fixture::exclusive();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("unclean");
    data::create_topic_with_assignment(&topic, &[&[2]]);
    // 8 MB at 10 kB/s: broker 3 stays far behind (out of the ISR) for minutes
    data::produce_to(&topic, 0, 8000, 1000);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("unclean");
    let plan = write_plan(&dir, "plan.json", &[(&topic, 0, &[2, 3])]);
    ops.ok(&["reassign", "execute", path(&plan), "--throttle", "10KB/s", "--yes", "--additional"]);
    wait_for("replicas 2,3 with only 2 in sync", Duration::from_secs(60), || {
        (kafka_partitions(&topic) == vec![("2".to_string(), "2,3".to_string(), "2".to_string())]).then_some(())
    });

    fx.with_node_stopped("2", || {
        let leaderless = wait_for("no leader", Duration::from_secs(60), || {
            let p = kafka_partitions(&topic);
            (p.len() == 1 && p[0].0 == "none").then_some(p)
        });
        assert_eq!(leaderless[0].1, "2,3", "{leaderless:?}");
        let why = "an unclean election needs the word `unclean` typed on a terminal (it can lose committed messages)";
        for yes in [true, false] {
            let mut args = vec!["elect-leaders", "--topics", topic.as_str(), "--type", "unclean"];
            if yes {
                args.push("--yes");
            }
            let err = ops.fails(&args);
            assert_eq!(err, format!("error: refusing to elect leaders without confirmation: {why}"));
            let entry = ops.last_audit();
            assert_audit(&entry, &cluster_name(), "elect-leaders", "refused");
            assert_eq!(entry["request"], format!("unclean leader election on {topic}: {topic}-0"), "{entry}");
            assert_eq!(entry["message"], format!("not confirmed: {why}"), "{entry}");
            assert_eq!(
                kafka_partitions(&topic),
                leaderless,
                "nothing elected, replicas and ISR as they were (--yes: {yes})"
            );
        }
    });
    wait_for("broker 2 leading again", Duration::from_secs(60), || {
        kafka_partitions(&topic).first().is_some_and(|p| p.0 == "2").then_some(())
    });
}
