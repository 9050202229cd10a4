//! Topic create, delete and add-partitions against the real cluster, checked with kdeck describe,
//! Kafka's TopicCommand and by reading the messages back.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{data, env, kafka_tool, Fixture};
use crate::ops_fixture::{assert_audit, replicas, topic_config, wait_partitions, Ops};

const TOPIC_COMMAND: &str = "org.apache.kafka.tools.TopicCommand";

/// The cluster's name in messages and the audit log when connecting with --bootstrap.
pub fn cluster_name() -> String {
    env().bootstrap.split(',').next().expect("bootstrap").to_string()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().expect("array").iter().map(|x| x.as_i64().expect("int")).collect()
}

/// Partition → replicas as Kafka's own TopicCommand --describe prints them.
pub fn oracle_replicas(topic: &str) -> Vec<Vec<i64>> {
    let out = kafka_tool(TOPIC_COMMAND, &["--bootstrap-server", &env().bootstrap, "--describe", "--topic", topic]);
    let mut rows: Vec<(i64, Vec<i64>)> = out
        .lines()
        .filter_map(|l| {
            let field = |name: &str| l.split('\t').find_map(|f| f.trim().strip_prefix(name).map(str::trim));
            let p = field("Partition:")?.parse().ok()?;
            let r = field("Replicas:")?.split(',').map(|b| b.parse().expect("broker id")).collect();
            Some((p, r))
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn add_partitions_3_to_6_follows_the_preview_and_keeps_every_message() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("grow");
    let created = ops.ok_json(&["topic", "create", &topic, "--partitions", "3", "--replication-factor", "3", "--yes"]);
    assert_eq!(created["result"], "ok");
    assert_eq!(created["message"], format!("created topic {topic} (3 partitions, replication factor 3)"));
    let before = wait_partitions(&ops, &topic, Some(3)).expect("created");
    assert_eq!(data::produce(&topic, 100, 3), vec![34, 33, 33]);

    // The preview (dry run): three new partitions on all three racks, leaders spread, keys noticed.
    let preview = ops.ok_json(&["--dry-run", "topic", "add-partitions", &topic, "--to", "6"]);
    assert_eq!(preview["result"], "dry-run");
    assert_eq!(preview["action"], "topic add-partitions");
    let plan = &preview["partitions"];
    assert_eq!(
        (plan["current"].as_i64(), plan["to"].as_i64(), plan["replication_factor"].as_i64()),
        (Some(3), Some(6), Some(3))
    );
    let new: Vec<(i64, Vec<i64>)> = plan["new_partitions"]
        .as_array()
        .expect("new")
        .iter()
        .map(|p| (p["partition"].as_i64().expect("p"), ids(&p["replicas"])))
        .collect();
    assert_eq!(new.iter().map(|p| p.0).collect::<Vec<_>>(), vec![3, 4, 5]);
    for (_, r) in &new {
        let set: BTreeSet<i64> = r.iter().copied().collect();
        assert_eq!(set, BTreeSet::from([1, 2, 3]), "RF 3 over racks az-a/b/c needs every broker: {r:?}");
    }
    let leaders: BTreeSet<i64> = new.iter().map(|(_, r)| r[0]).collect();
    assert_eq!(leaders.len(), 3, "new leaders should be spread: {new:?}");
    assert_eq!(plan["key_sample"]["sampled"], 15, "5 newest messages of each of the 3 partitions");
    assert_eq!(plan["key_sample"]["keyed"], 15);
    let warnings = preview["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w.as_str().is_some_and(
            |w| w.starts_with(&format!("topic {topic} looks keyed (15 of 15 sampled messages have keys)"))
        )),
        "{warnings:?}"
    );
    assert_eq!(replicas(&ops, &topic).map(|r| r.len()), Some(3), "a dry run changes nothing");
    let groups = ops.ok_json(&["groups"]);
    assert!(!groups.to_string().contains("kdeck-peek"), "sampling must not leave a consumer group behind: {groups}");

    // Apply: the assignment sent is the one previewed in the same run, and it is what the cluster has.
    let applied = ops.ok_json(&["topic", "add-partitions", &topic, "--to", "6", "--yes"]);
    assert_eq!(applied["result"], "ok");
    let assignment: Vec<Vec<i64>> =
        applied["mutation"]["assignment"].as_array().expect("assignment").iter().map(ids).collect();
    let previewed: Vec<Vec<i64>> =
        applied["partitions"]["new_partitions"].as_array().expect("new").iter().map(|p| ids(&p["replicas"])).collect();
    assert_eq!(assignment, previewed);
    let after = wait_partitions(&ops, &topic, Some(6)).expect("grown");
    assert_eq!(after[..3], before[..], "existing partitions untouched");
    assert_eq!(after[3..], assignment[..], "kdeck describe shows exactly the previewed assignment");
    assert_eq!(oracle_replicas(&topic), after, "Kafka's TopicCommand agrees");

    // Every message produced before is still there, with its hash; the new partitions are empty.
    data::consume_and_commit(&topic, &fx.group("grow-check"), &[34, 33, 33]);
    let described = ops.ok_json(&["describe", &topic]);
    let ends: Vec<i64> = described["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| p["log_end_offset"].as_i64().expect("end"))
        .collect();
    assert_eq!(ends, vec![34, 33, 33, 0, 0, 0]);

    let audit = ops.audit();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert_audit(&audit[0], &cluster_name(), "topic create", "ok");
    assert_eq!(audit[0]["request"], format!("create topic {topic}: 3 partitions, replication factor 3"));
    assert_audit(&audit[1], &cluster_name(), "topic add-partitions", "dry-run");
    assert_audit(&audit[2], &cluster_name(), "topic add-partitions", "ok");
    let text: Vec<String> = assignment
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}=[{}]", i + 3, r.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
        .collect();
    assert_eq!(audit[2]["request"], format!("add partitions to topic {topic}: 3 -> 6, new {}", text.join(" ")));
}

#[test]
fn create_with_configs_then_delete() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("create-delete");
    let out = ops.ok(&[
        "topic",
        "create",
        &topic,
        "--partitions",
        "2",
        "--replication-factor",
        "2",
        "--config",
        "retention.ms=3600000",
        "--yes",
    ]);
    assert!(out.ends_with(&format!("created topic {topic} (2 partitions, replication factor 2)\n")), "{out}");
    let parts = wait_partitions(&ops, &topic, Some(2)).expect("created");
    assert!(parts.iter().all(|r| r.len() == 2), "{parts:?}");
    assert_eq!(
        topic_config(&ops, &topic, "retention.ms"),
        ("3600000".into(), "dynamic".into(), "DYNAMIC_TOPIC_CONFIG".into())
    );
    let oracle = kafka_tool(TOPIC_COMMAND, &["--bootstrap-server", &env().bootstrap, "--describe", "--topic", &topic]);
    let header = oracle.lines().next().expect("header");
    assert!(
        header.contains("PartitionCount: 2")
            && header.contains("ReplicationFactor: 2")
            && header.contains("retention.ms=3600000"),
        "{oracle}"
    );

    let deleted = ops.ok_json(&["topic", "delete", &topic, "--yes"]);
    assert_eq!(deleted["result"], "ok");
    assert_eq!(deleted["message"], format!("deleted topic {topic}"));
    assert_eq!(deleted["topic"]["partitions"], 2);
    assert_eq!(deleted["topic"]["messages"], 0);
    assert_eq!(deleted["type_to_confirm"], topic.as_str());
    wait_partitions(&ops, &topic, None);
    let listed = kafka_tool(TOPIC_COMMAND, &["--bootstrap-server", &env().bootstrap, "--list"]);
    assert!(!listed.lines().any(|l| l == topic), "TopicCommand still lists {topic}");

    let audit = ops.audit();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_audit(&audit[0], &cluster_name(), "topic create", "ok");
    assert_eq!(
        audit[0]["request"],
        format!("create topic {topic}: 2 partitions, replication factor 2, configs retention.ms=3600000")
    );
    assert_audit(&audit[1], &cluster_name(), "topic delete", "ok");
    assert_eq!(audit[1]["request"], format!("delete topic {topic}"));
}

#[test]
fn without_a_terminal_and_without_yes_nothing_happens() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("no-tty");
    let other = fx.topic("no-tty-new");
    data::create_topic(&topic, 3, 3);
    wait_partitions(&ops, &topic, Some(3));
    let cases: [(&[&str], String, &str); 4] = [
        (&["topic", "delete", &topic], format!("delete topic {topic}"), "topic delete"),
        (
            &["topic", "add-partitions", &topic, "--to", "4"],
            format!("add partitions to topic {topic}"),
            "topic add-partitions",
        ),
        (
            &["config", "set", "topic", &topic, "retention.ms=1000"],
            format!("change configs of topic {topic}"),
            "config set",
        ),
        (
            &["topic", "create", &other, "--partitions", "1", "--replication-factor", "1"],
            format!("create topic {other}"),
            "topic create",
        ),
    ];
    for (args, what, action) in cases {
        let err = ops.fails(args);
        assert_eq!(
            err,
            format!("error: refusing to {what} without confirmation: stdin is not a terminal (pass --yes to confirm, or --dry-run to only check)")
        );
        let entry = ops.last_audit();
        assert_audit(&entry, &cluster_name(), action, "refused");
    }
    assert_eq!(replicas(&ops, &topic).map(|r| r.len()), Some(3));
    assert_eq!(topic_config(&ops, &topic, "retention.ms").1, "default");
    assert_eq!(replicas(&ops, &other), None);
}

#[test]
fn create_with_an_explicit_assignment() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("placed");
    let err = ops.fails(&["topic", "create", &topic, "--replica-assignment", "1:1", "--yes"]);
    assert_eq!(err, "error: partition 0 lists a broker twice");
    let err = ops.fails(&["topic", "create", &topic, "--replica-assignment", "1:2,3:9", "--yes"]);
    assert_eq!(err, "error: partition 1: broker 9 is not in the cluster");
    let out = ops.ok_json(&["topic", "create", &topic, "--replica-assignment", "3:1,1:2,2:3", "--yes"]);
    assert_eq!(out["message"], format!("created topic {topic} (3 partitions, replication factor 2)"));
    assert_eq!(out["summary"], format!("create topic {topic}: assignment 0=[3,1] 1=[1,2] 2=[2,3]"));
    assert_eq!(wait_partitions(&ops, &topic, Some(3)), Some(vec![vec![3, 1], vec![1, 2], vec![2, 3]]));
}
