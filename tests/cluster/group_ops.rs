//! Acting on consumer groups against the real cluster: every reset mode next to Kafka's own
//! `kafka-consumer-groups --reset-offsets` on the same group state, the offsets CSV byte for byte
//! and back (kdeck's and Kafka's imports), refusals while a real consumer is a member, read-only
//! and dry-run leaving the offsets alone, delete and delete-offsets, lag in time against the
//! timestamps produced, and the message a group is stuck on read back with its hash.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};
use sha2::{Digest, Sha256};

use crate::common::{self, data, env, kafka_tool, unique, wait_for};
use crate::ops_fixture::{assert_audit, Ops};
use crate::topic_ops::cluster_name;

const GROUPS: &str = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
const MINUTE: i64 = 60_000;

pub type Offsets = BTreeMap<(String, i64), i64>;

fn base() -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &env().bootstrap);
    c
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() as i64
}

/// `2026-01-02T03:04:05.000Z` of milliseconds since the epoch (GNU date, UTC).
fn iso(ms: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{}", ms / 1000), "+%Y-%m-%dT%H:%M:%S"])
        .output()
        .expect("date");
    format!("{}.{:03}Z", String::from_utf8_lossy(&out.stdout).trim(), ms % 1000)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Produces each (timestamp, value) to `partition` in order, acks=all.
fn produce_at(topic: &str, partition: i32, records: &[(i64, Vec<u8>)]) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        base().set("acks", "all").set("linger.ms", "5").create().expect("producer");
    for (ts, value) in records {
        let mut record: BaseRecord<'_, [u8], [u8]> =
            BaseRecord::to(topic).partition(partition).timestamp(*ts).key(b"k".as_slice()).payload(value.as_slice());
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, r)) => {
                    assert!(
                        matches!(
                            e,
                            rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull)
                        ),
                        "produce: {e}"
                    );
                    producer.poll(Duration::from_millis(50));
                    record = r;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
}

/// Commits these offsets for `group` without reading (an assign-only consumer, as an admin).
pub fn commit(group: &str, topic: &str, offsets: &[(i32, i64)]) {
    let consumer: BaseConsumer = base().set("group.id", group).set("enable.auto.commit", "false").create().expect("c");
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets {
        tpl.add_partition_offset(topic, *p, Offset::Offset(*o)).expect("tpl");
    }
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

/// The group's committed offsets as Kafka's own tool describes them.
pub fn kafka_offsets(group: &str) -> Offsets {
    let out = kafka_tool(GROUPS, &["--bootstrap-server", &env().bootstrap, "--describe", "--group", group]);
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 6 && w[0] == group && w[3] != "-")
        .map(|w| ((w[1].to_string(), w[2].parse().expect("partition")), w[3].parse().expect("offset")))
        .collect()
}

/// The new offsets `kafka-consumer-groups --reset-offsets --dry-run` plans.
fn kafka_plan(group: &str, args: &[&str]) -> Offsets {
    let mut full =
        vec!["--bootstrap-server", env().bootstrap.as_str(), "--group", group, "--reset-offsets", "--dry-run"];
    full.extend_from_slice(args);
    let out = kafka_tool(GROUPS, &full);
    let plan: Offsets = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() == 4 && w[0] == group)
        .map(|w| ((w[1].to_string(), w[2].parse().expect("partition")), w[3].parse().expect("offset")))
        .collect();
    assert!(!plan.is_empty(), "kafka-consumer-groups {args:?} planned nothing:\n{out}");
    plan
}

/// The new offsets kdeck's dry run plans (and checks it changed nothing by being a dry run).
fn kdeck_plan(ops: &Ops, group: &str, args: &[&str]) -> Offsets {
    let mut full = vec!["--dry-run", "group", "reset-offsets", group];
    full.extend_from_slice(args);
    let v = ops.ok_json(&full);
    assert_eq!(v["result"], "dry-run", "{v}");
    v["mutation"]["offsets"]
        .as_array()
        .expect("offsets")
        .iter()
        .map(|m| {
            (
                (m["topic"].as_str().expect("t").to_string(), m["partition"].as_i64().expect("p")),
                m["new"].as_i64().expect("new"),
            )
        })
        .collect()
}

pub fn expect(topic: &str, offsets: &[i64]) -> Offsets {
    offsets.iter().enumerate().map(|(p, o)| ((topic.to_string(), p as i64), *o)).collect()
}

/// A new topic of `partitions` partitions (RF 3) with `messages` spread over them.
pub fn filled_topic(prefix: &str, partitions: i32, messages: usize) -> String {
    let topic = unique(prefix);
    data::create_topic(&topic, partitions, 3);
    data::produce(&topic, messages, partitions);
    topic
}

/// Records before `offset` of a partition go (kafka-delete-records), so its log starts there.
fn delete_records(topic: &str, partition: i32, offset: i64) {
    let file = std::env::temp_dir().join(unique("delete-records")).with_extension("json");
    std::fs::write(
        &file,
        format!(r#"{{"partitions":[{{"topic":"{topic}","partition":{partition},"offset":{offset}}}],"version":1}}"#),
    )
    .expect("write");
    kafka_tool(
        "org.apache.kafka.tools.DeleteRecordsCommand",
        &["--bootstrap-server", &env().bootstrap, "--offset-json-file", file.to_str().expect("path")],
    );
    let _ = std::fs::remove_file(file);
}

/// A topic of 3 partitions, 12 messages each; message j of partition p has the timestamp
/// `base + (10 j + 3 p) minutes`; partition 0's log starts at 2.
fn timed_topic(base: i64) -> String {
    let topic = unique("reset");
    data::create_topic(&topic, 3, 3);
    for p in 0..3 {
        let records: Vec<(i64, Vec<u8>)> =
            (0..12).map(|j| (base + (10 * j + 3 * p) * MINUTE, format!("v-{p}-{j}").into_bytes())).collect();
        produce_at(&topic, p as i32, &records);
    }
    delete_records(&topic, 0, 2);
    topic
}

#[test]
fn every_reset_mode_matches_kafka_consumer_groups() {
    let _g = common::shared();
    let ops = Ops::new();
    let base = now_ms() - 180 * MINUTE;
    let topic = timed_topic(base);
    let group = unique("reset-modes");
    commit(&group, &topic, &[(0, 5), (1, 7), (2, 1)]);
    let before = expect(&topic, &[5, 7, 1]);
    assert_eq!(kafka_offsets(&group), before);

    let t = topic.as_str();
    let file = std::env::temp_dir().join(unique("offsets")).with_extension("csv");
    std::fs::write(&file, format!("{t},0,1\n{t},1,9\n{t},2,40\n")).expect("csv");
    let file = file.to_str().expect("path").to_string();
    let at_25 = iso(base + 25 * MINUTE);
    let future = iso(now_ms() + 60 * MINUTE);
    // (kdeck's arguments, Kafka's arguments, the offsets both must plan)
    let cases: Vec<(Vec<&str>, Vec<&str>, Offsets)> = vec![
        (vec!["--to-earliest"], vec!["--to-earliest"], expect(t, &[2, 0, 0])),
        (vec!["--to-latest"], vec!["--to-latest"], expect(t, &[12, 12, 12])),
        (vec!["--to-current"], vec!["--to-current"], before.clone()),
        (vec!["--to-offset", "3"], vec!["--to-offset", "3"], expect(t, &[3, 3, 3])),
        (vec!["--to-offset", "1"], vec!["--to-offset", "1"], expect(t, &[2, 1, 1])),
        (vec!["--to-offset", "50"], vec!["--to-offset", "50"], expect(t, &[12, 12, 12])),
        (vec!["--shift-by", "-4"], vec!["--shift-by", "-4"], expect(t, &[2, 3, 0])),
        (vec!["--shift-by", "6"], vec!["--shift-by", "6"], expect(t, &[11, 12, 7])),
        (vec!["--to-datetime", &at_25], vec!["--to-datetime", &at_25], expect(t, &[3, 3, 2])),
        (vec!["--to-datetime", &future], vec!["--to-datetime", &future], expect(t, &[12, 12, 12])),
        // now − 2h03m30s = base + 56.5 min (plus the seconds this test has run): between the
        // timestamps 56 and 60 min of partitions 2 and 0, so message 6 on every partition
        (vec!["--by-duration", "PT2H3M30S"], vec!["--by-duration", "PT2H3M30S"], expect(t, &[6, 6, 6])),
        (vec!["--from-file", &file], vec!["--from-file", &file], expect(t, &[2, 9, 12])),
    ];
    for (mine, theirs, want) in &cases {
        let mut k = vec!["--topic", t];
        let mut j = vec!["--topic", t];
        if mine[0] == "--from-file" {
            (k, j) = (vec![], vec![]);
        }
        k.extend_from_slice(mine);
        j.extend_from_slice(theirs);
        let kafka = kafka_plan(&group, &j);
        assert_eq!(&kafka, want, "Kafka's plan for {theirs:?}");
        assert_eq!(kdeck_plan(&ops, &group, &k), kafka, "kdeck's plan for {mine:?}");
    }
    // one partition of the topic, and every committed partition
    assert_eq!(
        kdeck_plan(&ops, &group, &["--topic", &format!("{t}:0,2"), "--to-latest"]),
        kafka_plan(&group, &["--topic", &format!("{t}:0,2"), "--to-latest"])
    );
    assert_eq!(
        kdeck_plan(&ops, &group, &["--all-topics", "--shift-by", "-1"]),
        kafka_plan(&group, &["--all-topics", "--shift-by", "-1"])
    );
    assert_eq!(kafka_offsets(&group), before, "dry runs change nothing");

    // the preview table: partition, current -> new, lag before -> after
    let table =
        ops.ok(&["--dry-run", "group", "reset-offsets", &group, "--topic", &format!("{t}:0"), "--to-offset", "1"]);
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with(&format!("{t}-0 ")))
        .unwrap_or_else(|| panic!("no row for partition 0:\n{table}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[..7], [format!("{t}-0").as_str(), "5", "->", "2", "7", "->", "10"], "{table}");
    assert!(table.contains("1 is before the log start; using the log start 2"), "{table}");
    assert!(table.contains("dry run: nothing was changed"), "{table}");

    // applied: Kafka's describe reads back exactly the planned offsets
    let applied = ops.ok_json(&["group", "reset-offsets", &group, "--topic", t, "--to-datetime", &at_25, "--yes"]);
    assert_eq!(applied["result"], "ok", "{applied}");
    assert_eq!(applied["message"], format!("reset the offsets of consumer group {group} on 3 partitions"));
    assert_eq!(kafka_offsets(&group), expect(t, &[3, 3, 2]));
    let entry = ops.last_audit();
    assert_audit(&entry, &cluster_name(), "group reset-offsets", "ok");
    assert_eq!(
        entry["request"],
        format!("reset the offsets of consumer group {group} to the time {at_25}: {t}-0 5->3, {t}-1 7->3, {t}-2 1->2")
    );

    // what Kafka refuses, kdeck refuses too, saying what to do
    commit(&group, &topic, &[(0, 5)]);
    let other = unique("reset-nothing");
    commit(&other, &topic, &[(0, 4)]);
    let err = ops.fails(&["group", "reset-offsets", &other, "--topic", t, "--shift-by", "1", "--yes"]);
    assert!(err.contains(&format!("cannot shift {t}-1: the group has no committed offset there")), "{err}");
    let err = ops.fails(&["group", "reset-offsets", &other, "--topic", &format!("{t}:7"), "--to-earliest", "--yes"]);
    assert_eq!(err, format!("error: topic {t} has no partition 7 (it has 3 partitions, 0-2)"));
    let err = ops.fails(&["group", "reset-offsets", &other, "--topic", "no-such-topic-x", "--to-earliest", "--yes"]);
    assert_eq!(err, "error: unknown topic: no-such-topic-x");
    assert_eq!(kafka_offsets(&other), expect(t, &[4]), "refused resets change nothing");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn offsets_csv_is_kafkas_byte_for_byte_and_restores_both_ways() {
    let _g = common::shared();
    let ops = Ops::new();
    let (a, b) = (filled_topic("csv-a", 3, 30), filled_topic("csv-b", 20, 100));
    let group = unique("csv");
    commit(&group, &a, &[(0, 1), (1, 2), (2, 10)]);
    let b_offsets: Vec<(i32, i64)> = (0..20).map(|p| (p, i64::from(p % 6))).collect();
    commit(&group, &b, &b_offsets);
    let original = kafka_offsets(&group);
    assert_eq!(original.len(), 23);

    let kafka_export = kafka_tool(
        GROUPS,
        &[
            "--bootstrap-server",
            &env().bootstrap,
            "--group",
            &group,
            "--reset-offsets",
            "--all-topics",
            "--to-current",
            "--export",
            "--dry-run",
        ],
    );
    let mine = ops.ok(&["group", "export-offsets", &group]);
    assert_eq!(mine, kafka_export, "the same bytes as kafka-consumer-groups --export");
    let file = std::env::temp_dir().join(unique("export")).with_extension("csv");
    std::fs::write(&file, &mine).expect("write export");
    let path = file.to_str().expect("path");

    // kdeck restores its export after a reset
    ops.ok(&["group", "reset-offsets", &group, "--all-topics", "--to-latest", "--yes"]);
    let latest = kafka_offsets(&group);
    assert_eq!(latest[&(a.clone(), 2)], 10);
    assert_eq!(latest[&(b.clone(), 0)], 5);
    assert_ne!(latest, original);
    let restored = ops.ok_json(&["group", "reset-offsets", &group, "--from-file", path, "--yes"]);
    assert_eq!(restored["result"], "ok");
    assert_eq!(kafka_offsets(&group), original);

    // Kafka's tool imports kdeck's export
    ops.ok(&["group", "reset-offsets", &group, "--all-topics", "--to-earliest", "--yes"]);
    assert!(kafka_offsets(&group).values().all(|o| *o == 0));
    kafka_tool(
        GROUPS,
        &[
            "--bootstrap-server",
            &env().bootstrap,
            "--group",
            &group,
            "--reset-offsets",
            "--from-file",
            path,
            "--execute",
        ],
    );
    assert_eq!(kafka_offsets(&group), original);

    // reset-offsets --export prints the new offsets as Kafka's --export does
    let planned = ops.ok(&["--dry-run", "group", "reset-offsets", &group, "--all-topics", "--to-earliest", "--export"]);
    let kafka_planned = kafka_tool(
        GROUPS,
        &[
            "--bootstrap-server",
            &env().bootstrap,
            "--group",
            &group,
            "--reset-offsets",
            "--all-topics",
            "--to-earliest",
            "--export",
            "--dry-run",
        ],
    );
    assert_eq!(planned, kafka_planned);
    let _ = std::fs::remove_file(&file);
}

/// A real consumer in `group`, polling until dropped (then it leaves the group).
pub struct LiveConsumer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LiveConsumer {
    pub fn start(topic: &str, group: &str, client_id: &str) -> LiveConsumer {
        let consumer: BaseConsumer = base()
            .set("group.id", group)
            .set("client.id", client_id)
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        consumer.subscribe(&[topic]).expect("subscribe");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                let _ = consumer.poll(Duration::from_millis(100));
            }
            drop(consumer);
        });
        LiveConsumer { stop, thread: Some(thread) }
    }
}

impl Drop for LiveConsumer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn group_state(group: &str) -> String {
    common::kdeck_json(&["lag", group])["state"].as_str().unwrap_or_default().to_string()
}

fn kafka_groups() -> Vec<String> {
    kafka_tool(GROUPS, &["--bootstrap-server", &env().bootstrap, "--list"]).lines().map(str::to_string).collect()
}

#[test]
fn a_live_member_is_named_and_nothing_changes_until_it_leaves() {
    let _g = common::shared();
    let ops = Ops::new();
    let topic = filled_topic("live", 2, 20);
    let group = unique("live");
    commit(&group, &topic, &[(0, 3), (1, 4)]);
    let before = expect(&topic, &[3, 4]);
    let client_id = unique("stuck-consumer");
    let consumer = LiveConsumer::start(&topic, &group, &client_id);
    wait_for("the consumer to join", Duration::from_secs(60), || (group_state(&group) == "Stable").then_some(()));

    let err = ops.fails(&["group", "reset-offsets", &group, "--topic", &topic, "--to-earliest", "--yes"]);
    assert_eq!(
        err,
        format!("error: consumer group {group} has 1 active member (state Stable): client {client_id} on /127.0.0.1; Kafka resets offsets only while a group is empty: stop its consumers, then try again")
    );
    assert_audit(&ops.last_audit(), &cluster_name(), "group reset-offsets", "invalid");
    let err = ops.fails(&["group", "delete", &group, "--yes"]);
    assert!(err.contains(&format!("client {client_id} on /127.0.0.1")) && err.contains("deletes a group"), "{err}");
    let err = ops.fails(&["group", "delete-offsets", &group, "--topic", &topic, "--yes"]);
    assert!(err.contains(&format!("is consuming topic {topic} (client {client_id} on /127.0.0.1)")), "{err}");
    assert_eq!(kafka_offsets(&group), before, "refused: offsets unchanged");

    drop(consumer);
    wait_for("the consumer to leave", Duration::from_secs(60), || (group_state(&group) == "Empty").then_some(()));
    // a dry run of the delete checks and keeps the group
    let dry = ops.ok_json(&["--dry-run", "group", "delete", &group]);
    assert_eq!((dry["result"].as_str(), dry["type_to_confirm"].as_str()), (Some("dry-run"), Some(group.as_str())));
    assert!(kafka_groups().contains(&group));
    let deleted = ops.ok_json(&["group", "delete", &group, "--yes"]);
    assert_eq!(deleted["message"], format!("deleted consumer group {group}"));
    assert!(!kafka_groups().contains(&group), "gone from kafka-consumer-groups --list");
    let err = ops.fails(&["group", "delete", &group, "--yes"]);
    assert_eq!(err, format!("error: consumer group {group} does not exist (see `kdeck groups`)"));
}

#[test]
fn read_only_and_dry_run_leave_the_offsets_alone() {
    let _g = common::shared();
    let ops = Ops::new();
    let topic = filled_topic("ro-group", 2, 10);
    let group = unique("ro-group");
    commit(&group, &topic, &[(0, 2), (1, 3)]);
    let before = expect(&topic, &[2, 3]);
    let refused = |args: &[&str], what: String, action: &str| {
        let mut full = vec!["--read-only"];
        full.extend_from_slice(args);
        full.push("--yes");
        let err = ops.fails(&full);
        assert_eq!(
            err,
            format!("error: refusing to {what}: cluster {} is read-only (--read-only or read_only = true in its profile); nothing was sent", cluster_name())
        );
        assert_audit(&ops.last_audit(), &cluster_name(), action, "refused");
    };
    refused(
        &["group", "reset-offsets", &group, "--topic", &topic, "--to-earliest"],
        format!("reset the offsets of consumer group {group}"),
        "group reset-offsets",
    );
    refused(&["group", "delete", &group], format!("delete consumer group {group}"), "group delete");
    refused(
        &["group", "delete-offsets", &group, "--topic", &topic],
        format!("delete the offsets of consumer group {group} on topic {topic}"),
        "group delete-offsets",
    );
    for args in [
        vec!["--dry-run", "group", "reset-offsets", &group, "--topic", &topic, "--to-latest"],
        vec!["--dry-run", "group", "delete", &group],
        vec!["--dry-run", "group", "delete-offsets", &group, "--topic", &topic],
    ] {
        let v = ops.ok_json(&args);
        assert_eq!(v["result"], "dry-run", "{args:?}: {v}");
        assert_audit(&ops.last_audit(), &cluster_name(), v["action"].as_str().expect("action"), "dry-run");
    }
    assert_eq!(kafka_offsets(&group), before, "offsets read back from the cluster are unchanged");
    assert!(kafka_groups().contains(&group));
}

#[test]
fn a_bad_offsets_file_is_named_and_changes_nothing() {
    let _g = common::shared();
    let ops = Ops::new();
    let topic = filled_topic("bad-file", 1, 5);
    let group = unique("bad-file");
    commit(&group, &topic, &[(0, 2)]);
    let file = std::env::temp_dir().join(unique("bad")).with_extension("csv");
    std::fs::write(&file, format!("{topic},0,3\n{topic},zero,1\n")).expect("write");
    let path = file.to_str().expect("path");
    let err = ops.fails(&["group", "reset-offsets", &group, "--from-file", path, "--yes"]);
    assert_eq!(err, format!("error: {path} line 2: partition \"zero\" is not a number"));
    std::fs::write(&file, format!("other-group,{topic},0,3\n")).expect("write");
    let err = ops.fails(&["group", "reset-offsets", &group, "--from-file", path, "--yes"]);
    assert_eq!(err, format!("error: {path} has no offsets for group {group} (it has groups other-group)"));
    let err = ops.fails(&["group", "reset-offsets", &group, "--topic", &topic, "--to-datetime", "yesterday", "--yes"]);
    assert!(err.starts_with("error: --to-datetime \"yesterday\" is not a date-time"), "{err}");
    assert_eq!(kafka_offsets(&group), expect(&topic, &[2]));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn delete_offsets_removes_one_topic_only() {
    let _g = common::shared();
    let ops = Ops::new();
    let (a, b) = (filled_topic("do-a", 2, 10), filled_topic("do-b", 1, 10));
    let group = unique("delete-offsets");
    commit(&group, &a, &[(0, 1), (1, 2)]);
    commit(&group, &b, &[(0, 7)]);
    let out = ops.ok_json(&["group", "delete-offsets", &group, "--topic", &format!("{a}:1"), "--yes"]);
    assert_eq!(out["message"], format!("deleted the offsets of consumer group {group} on 1 partitions of topic {a}"));
    let mut want = expect(&a, &[1]);
    want.insert((b.clone(), 0), 7);
    assert_eq!(kafka_offsets(&group), want);
    ops.ok(&["group", "delete-offsets", &group, "--topic", &a, "--yes"]);
    assert_eq!(kafka_offsets(&group), expect(&b, &[7]));
    let err = ops.fails(&["group", "delete-offsets", &group, "--topic", &a, "--yes"]);
    assert_eq!(err, format!("error: consumer group {group} has no committed offsets on topic {a}"));
}

#[test]
fn lag_in_time_is_the_age_of_the_next_message() {
    let _g = common::shared();
    let topic = unique("time-lag");
    data::create_topic(&topic, 3, 3);
    let t0 = now_ms() - 90 * MINUTE;
    // partition 0: 10 messages a minute apart; partition 1: 5 messages; partition 2: empty
    produce_at(&topic, 0, &(0..10).map(|j| (t0 + j * MINUTE, format!("m{j}").into_bytes())).collect::<Vec<_>>());
    produce_at(&topic, 1, &(0..5).map(|j| (t0 + 30 * MINUTE + j, b"x".to_vec())).collect::<Vec<_>>());
    let group = unique("time-lag");
    commit(&group, &topic, &[(0, 4), (1, 5), (2, 0)]);

    let before = now_ms();
    let v = common::kdeck_json(&["lag", &group, "--time"]);
    let after = now_ms();
    let rows = v["partitions"].as_array().expect("partitions");
    let next_ts: Vec<Option<i64>> = rows.iter().map(|r| r["next_timestamp_ms"].as_i64()).collect();
    assert_eq!(next_ts, vec![Some(t0 + 4 * MINUTE), None, None], "{v}");
    let lag0 = rows[0]["time_lag_ms"].as_i64().expect("time lag of partition 0");
    assert!(
        (before - (t0 + 4 * MINUTE)..=after - (t0 + 4 * MINUTE)).contains(&lag0),
        "time lag {lag0} is now − the timestamp of offset 4"
    );
    assert_eq!((rows[1]["time_lag_ms"].as_i64(), rows[2]["time_lag_ms"].as_i64()), (Some(0), Some(0)), "no lag");
    assert_eq!(v["max_time_lag_ms"].as_i64(), Some(lag0));

    let before = now_ms();
    let table = common::kdeck(&["lag", &group, "--time"]);
    let after = now_ms();
    assert!(table.lines().next().is_some_and(|h| h.contains("TIME-LAG") && h.contains("NEXT-TIMESTAMP")), "{table}");
    // whole seconds of now − the timestamp of offset 4, at some moment of the call
    let words = |ms: i64| {
        let s = ms / 1000;
        let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
        [(h, "h"), (m, "m"), (s, "s")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, u)| format!("{n}{u}"))
            .collect::<String>()
    };
    let possible: Vec<String> =
        (before..=after + 1000).step_by(500).map(|now| words(now - (t0 + 4 * MINUTE))).collect();
    let row = table.lines().find(|l| l.split_whitespace().nth(2) == Some("0")).expect("partition 0");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[3..5], ["4", "6"], "{row}");
    assert!(possible.contains(&cells[5].to_string()), "time lag {} not in {possible:?}", cells[5]);
    assert_eq!(cells[6], iso(t0 + 4 * MINUTE), "{row}");
    let max = table.lines().find(|l| l.starts_with(&format!("MAX TIME LAG {group}: "))).expect("max line");
    assert_eq!(max, format!("MAX TIME LAG {group}: {}", cells[5]));
}

#[test]
fn the_stuck_message_is_read_back_whole_with_its_hash() {
    let _g = common::shared();
    let topic = unique("stuck");
    data::create_topic(&topic, 1, 3);
    let t0 = now_ms() - 10 * MINUTE;
    let poison = br#"{"order":17,"amount":"NaN"}"#.to_vec();
    let binary = vec![0xff, 0x00, 0xfe, 0x10];
    let mut records: Vec<(i64, Vec<u8>)> = (0..3).map(|j| (t0 + j, format!("ok-{j}").into_bytes())).collect();
    records.push((t0 + 3, poison.clone()));
    records.push((t0 + 4, binary.clone()));
    produce_at(&topic, 0, &records);
    let group = unique("stuck");
    commit(&group, &topic, &[(0, 3)]);

    let v = common::kdeck_json(&["group", "peek", &group, "--topic", &topic, "--partition", "0", "-n", "2"]);
    assert_eq!((v["committed_offset"].as_i64(), v["lag"].as_i64()), (Some(3), Some(2)));
    let msgs = v["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 2);
    assert_eq!((msgs[0]["offset"].as_i64(), msgs[0]["timestamp_ms"].as_i64()), (Some(3), Some(t0 + 3)));
    assert_eq!(msgs[0]["value_sha256"].as_str(), Some(sha256_hex(&poison).as_str()));
    assert_eq!(msgs[0]["value"]["format"], "json");
    assert_eq!(msgs[0]["value"]["text"], "{\n  \"order\": 17,\n  \"amount\": \"NaN\"\n}");
    assert_eq!((msgs[0]["timestamp_type"].as_str(), msgs[0]["key"]["text"].as_str()), (Some("create"), Some("k")));
    assert_eq!(msgs[1]["value"]["format"], "hex");
    assert_eq!(msgs[1]["value"]["text"], "ff00fe10");
    assert_eq!(msgs[1]["value_sha256"].as_str(), Some(sha256_hex(&binary).as_str()));

    let table = common::kdeck(&["group", "peek", &group, "--topic", &topic, "--partition", "0"]);
    assert!(
        table.starts_with(&format!(
            "Group {group} is at offset 3 of {topic}-0 (log end 5, lag 2); the next messages it reads:"
        )),
        "{table}"
    );
    assert!(table.contains(&sha256_hex(&poison)[..16]), "{table}");

    // peek from an offset and from a time
    let from = common::kdeck_json(&["peek", &topic, "--partition", "0", "--offset", "1", "-n", "2"]);
    let offsets: Vec<i64> = from.as_array().expect("list").iter().map(|m| m["offset"].as_i64().expect("o")).collect();
    assert_eq!(offsets, vec![1, 2]);
    let at = iso(t0 + 2);
    let from = common::kdeck_json(&["peek", &topic, "--partition", "0", "--from-time", &at]);
    let offsets: Vec<i64> = from.as_array().expect("list").iter().map(|m| m["offset"].as_i64().expect("o")).collect();
    assert_eq!(offsets, vec![2, 3, 4]);
    assert_eq!(from[0]["value"]["text"], "ok-2");
}
