//! Read-only mode (`--read-only`, or `read_only = true` in the cluster's profile) refuses every
//! mutating command before anything is sent, records the refusal, and changes nothing.

use crate::common::{data, Fixture};
use crate::ops_fixture::{assert_audit, replicas, topic_config, wait_partitions, Ops};
use crate::topic_ops::cluster_name;

/// Runs `args --yes` once with --read-only and once through the read-only profile `ro`, checking
/// the message and the audit entry each time.
fn refused_both_ways(ops: &Ops, args: &[&str], what: &str, action: &str, request: &str) {
    let mut flag = vec!["--read-only"];
    flag.extend_from_slice(args);
    flag.push("--yes");
    let err = ops.fails(&flag);
    let msg = |cluster: &str| {
        format!("refusing to {what}: cluster {cluster} is read-only (--read-only or read_only = true in its profile); nothing was sent")
    };
    assert_eq!(err, format!("error: {}", msg(&cluster_name())));
    let entry = ops.last_audit();
    assert_audit(&entry, &cluster_name(), action, "refused");
    assert_eq!(entry["request"], request);
    assert_eq!(entry["message"], msg(&cluster_name()));

    let cfg = ops.profiles();
    let mut profile = vec!["--config", cfg.to_str().expect("path"), "--cluster", "ro"];
    profile.extend_from_slice(args);
    profile.push("--yes");
    let err = ops.fails_raw(&profile);
    assert_eq!(err, format!("error: {}", msg("ro")));
    let entry = ops.last_audit();
    assert_audit(&entry, "ro", action, "refused");
    assert_eq!(entry["request"], request);

    // a dry run is refused too: read-only means not even validation requests
    let mut dry = flag.clone();
    dry.insert(0, "--dry-run");
    assert_eq!(ops.fails(&dry), format!("error: {}", msg(&cluster_name())));
}

#[test]
fn read_only_refuses_create() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("ro-create");
    refused_both_ways(
        &ops,
        &["topic", "create", &topic, "--partitions", "3", "--replication-factor", "3", "--config", "retention.ms=1000"],
        &format!("create topic {topic}"),
        "topic create",
        &format!("create topic {topic}: 3 partitions, replication factor 3, configs retention.ms=1000"),
    );
    assert_eq!(replicas(&ops, &topic), None, "no topic was created");
    // refused before connecting: a dead address makes no difference
    let err = ops.fails_raw(&[
        "--read-only",
        "--bootstrap",
        "127.0.0.1:9",
        "topic",
        "create",
        &topic,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
        "--yes",
    ]);
    assert!(
        err.starts_with(&format!("error: refusing to create topic {topic}: cluster 127.0.0.1:9 is read-only")),
        "{err}"
    );
}

#[test]
fn read_only_refuses_delete() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("ro-delete");
    data::create_topic(&topic, 2, 2);
    let before = wait_partitions(&ops, &topic, Some(2));
    refused_both_ways(
        &ops,
        &["topic", "delete", &topic],
        &format!("delete topic {topic}"),
        "topic delete",
        &format!("delete topic {topic}"),
    );
    assert_eq!(replicas(&ops, &topic), before, "the topic is still there");
    ops.ok(&["topic", "delete", &topic, "--yes"]);
}

#[test]
fn read_only_refuses_add_partitions() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("ro-grow");
    data::create_topic(&topic, 3, 2);
    let before = wait_partitions(&ops, &topic, Some(3));
    refused_both_ways(
        &ops,
        &["topic", "add-partitions", &topic, "--to", "6"],
        &format!("add partitions to topic {topic}"),
        "topic add-partitions",
        &format!("add partitions to topic {topic}: to 6"),
    );
    assert_eq!(replicas(&ops, &topic), before, "still 3 partitions, same replicas");
}

#[test]
fn read_only_refuses_config_set() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("ro-set");
    data::create_topic(&topic, 1, 1);
    wait_partitions(&ops, &topic, Some(1));
    refused_both_ways(
        &ops,
        &["config", "set", "topic", &topic, "retention.ms=1000"],
        &format!("change configs of topic {topic}"),
        "config set",
        &format!("set retention.ms=1000 on topic {topic}"),
    );
    assert_eq!(
        topic_config(&ops, &topic, "retention.ms"),
        ("604800000".into(), "default".into(), "DEFAULT_CONFIG".into())
    );
}

#[test]
fn read_only_refuses_config_delete() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("ro-unset");
    data::create_topic(&topic, 1, 1);
    wait_partitions(&ops, &topic, Some(1));
    ops.ok(&["config", "set", "topic", &topic, "retention.ms=7200000", "--yes"]);
    let set = ("7200000".to_string(), "dynamic".to_string(), "DYNAMIC_TOPIC_CONFIG".to_string());
    crate::common::wait_for("the override", std::time::Duration::from_secs(30), || {
        (topic_config(&ops, &topic, "retention.ms") == set).then_some(())
    });
    refused_both_ways(
        &ops,
        &["config", "delete", "topic", &topic, "retention.ms"],
        &format!("change configs of topic {topic}"),
        "config delete",
        &format!("delete retention.ms on topic {topic}"),
    );
    assert_eq!(topic_config(&ops, &topic, "retention.ms"), set, "the override is still there");
}
