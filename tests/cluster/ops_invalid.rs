//! Invalid changes get a clear error and change nothing; --dry-run validates with the broker and
//! changes nothing either.

use crate::common::{data, Fixture};
use crate::ops_fixture::{assert_audit, replicas, topic_config, wait_partitions, Ops};
use crate::topic_ops::cluster_name;

#[test]
fn replication_factor_larger_than_the_cluster() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("rf4");
    let err = ops.fails(&["topic", "create", &topic, "--partitions", "3", "--replication-factor", "4", "--yes"]);
    assert_eq!(err, "error: replication factor 4 is larger than the 3 available brokers");
    assert_eq!(replicas(&ops, &topic), None, "no topic was created");
    let entry = ops.last_audit();
    assert_audit(&entry, &cluster_name(), "topic create", "invalid");
    assert_eq!(entry["message"], "replication factor 4 is larger than the 3 available brokers");
}

#[test]
fn partitions_cannot_shrink() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("shrink");
    data::create_topic(&topic, 6, 2);
    let before = wait_partitions(&ops, &topic, Some(6));
    let err = ops.fails(&["topic", "add-partitions", &topic, "--to", "3", "--yes"]);
    assert_eq!(err, format!("error: topic {topic} has 6 partitions and Kafka cannot remove partitions (asked for 3); nothing was changed"));
    let err = ops.fails(&["topic", "add-partitions", &topic, "--to", "6", "--yes"]);
    assert_eq!(err, format!("error: topic {topic} already has 6 partitions"));
    assert_eq!(replicas(&ops, &topic), before);
    assert_audit(&ops.last_audit(), &cluster_name(), "topic add-partitions", "invalid");
}

#[test]
fn unknown_config_keys() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("unknown-key");
    data::create_topic(&topic, 1, 1);
    wait_partitions(&ops, &topic, Some(1));
    // kdeck's own check, against the keys the topic has
    let err = ops.fails(&["config", "set", "topic", &topic, "foo.bar=1", "--yes"]);
    assert_eq!(err, "error: unknown topic config \"foo.bar\"");
    let err = ops.fails(&["config", "set", "topic", &topic, "retention.msx=1", "--yes"]);
    assert_eq!(err, "error: unknown topic config \"retention.msx\" (did you mean retention.ms?)");
    assert_audit(&ops.last_audit(), &cluster_name(), "config set", "invalid");
    // the broker's validate-only check on create, worded the same way
    let new = fx.topic("unknown-key-new");
    let err = ops.fails(&[
        "topic",
        "create",
        &new,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--config",
        "foo.bar=1",
        "--yes",
    ]);
    assert_eq!(err, "error: unknown topic config \"foo.bar\"");
    assert_eq!(replicas(&ops, &new), None);
    let overrides = ops.ok_json(&["config", "get", "topic", &topic, "--overrides"]);
    assert!(!overrides["configs"].as_array().expect("configs").iter().any(|c| c["name"] == "foo.bar"), "{overrides}");
}

#[test]
fn negative_retention() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("neg-retention");
    data::create_topic(&topic, 1, 1);
    wait_partitions(&ops, &topic, Some(1));
    let err = ops.fails(&["config", "set", "topic", &topic, "retention.ms=-5", "--yes"]);
    assert_eq!(err, "error: retention.ms must be -1 (unlimited) or a value >= 0, got -5");
    assert_eq!(
        topic_config(&ops, &topic, "retention.ms"),
        ("604800000".into(), "default".into(), "DEFAULT_CONFIG".into())
    );
    let new = fx.topic("neg-retention-new");
    let err = ops.fails(&[
        "topic",
        "create",
        &new,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--config",
        "retention.ms=-5",
        "--yes",
    ]);
    assert_eq!(err, "error: retention.ms must be -1 (unlimited) or a value >= 0, got -5");
    assert_eq!(replicas(&ops, &new), None);
    // -1 (keep forever) is fine
    let ok = ops.ok_json(&["--dry-run", "config", "set", "topic", &topic, "retention.ms=-1"]);
    assert_eq!(ok["result"], "dry-run");
}

#[test]
fn deleting_an_unknown_topic() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("never-created");
    let err = ops.fails(&["topic", "delete", &topic, "--yes"]);
    assert_eq!(err, format!("error: unknown topic: {topic}"));
    let entry = ops.last_audit();
    assert_audit(&entry, &cluster_name(), "topic delete", "invalid");
    assert_eq!(entry["request"], format!("delete topic {topic}"));
}

#[test]
fn dry_run_validates_with_the_broker_and_changes_nothing() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("dry");
    data::create_topic(&topic, 2, 2);
    let before = wait_partitions(&ops, &topic, Some(2));

    let new = fx.topic("dry-new");
    let out = ops.ok_json(&[
        "--dry-run",
        "topic",
        "create",
        &new,
        "--partitions",
        "3",
        "--replication-factor",
        "3",
        "--config",
        "retention.ms=1000",
    ]);
    assert_eq!(out["result"], "dry-run");
    assert_eq!(out["validation"], "validated by the broker (CreateTopics, validate-only)");
    assert_eq!(out["mutation"]["name"], new.as_str());
    // a value only the broker knows to be wrong comes back from validate-only mode
    let err = ops.fails(&[
        "--dry-run",
        "topic",
        "create",
        &new,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--config",
        "cleanup.policy=bogus",
    ]);
    assert_eq!(err, "error: invalid config: Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete");

    let grow = ops.ok_json(&["--dry-run", "topic", "add-partitions", &topic, "--to", "4"]);
    assert_eq!(grow["validation"], "validated by the broker (CreatePartitions, validate-only)");
    assert_eq!(grow["partitions"]["new_partitions"].as_array().map(Vec::len), Some(2));
    let set = ops.ok_json(&["--dry-run", "config", "set", "topic", &topic, "retention.ms=1000"]);
    assert_eq!(set["configs"][0]["current"], "604800000");
    assert_eq!(set["configs"][0]["new"], "1000");
    let table = ops.ok(&["--dry-run", "topic", "delete", &topic]);
    assert!(
        table.contains(
            "dry run: nothing was changed (checked that the topic exists (DeleteTopics has no validate-only mode))"
        ),
        "{table}"
    );

    assert_eq!(replicas(&ops, &new), None);
    assert_eq!(replicas(&ops, &topic), before);
    assert_eq!(topic_config(&ops, &topic, "retention.ms").1, "default");
    let results: Vec<String> = ops
        .audit()
        .iter()
        .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        results,
        [
            "topic create dry-run",
            "topic create invalid",
            "topic add-partitions dry-run",
            "config set dry-run",
            "topic delete dry-run"
        ]
    );
}
