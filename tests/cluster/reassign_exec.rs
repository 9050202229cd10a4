//! Executing reassignments on the real cluster: the admin calls (AlterPartitionReassignments,
//! ElectLeaders, DescribeConfigs of the throttle keys), then `kdeck reassign execute|status|
//! verify|cancel|resume`, `kdeck throttles list|clear` and `kdeck elect-leaders`, with Kafka's
//! own kafka-topics, kafka-configs and kafka-reassign-partitions as oracles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kdeck::kafka::reassign::Election;
use kdeck::kafka::topic_config_admin::ConfigResource;
use kdeck::kafka::{Client, ClientConfig};
use serde_json::Value;

use crate::common::{data, env, kafka_tool, unique, wait_for, Fixture};
use crate::ops_fixture::{assert_audit, replicas, Ops};
use crate::topic_ops::cluster_name;

/// Throttle rates are per broker and shared by every reassignment: the tests that set them or
/// check that none is left run one at a time.
static THROTTLES: Mutex<()> = Mutex::new(());

pub(crate) fn throttles_lock() -> MutexGuard<'static, ()> {
    THROTTLES.lock().unwrap_or_else(|e| e.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn client(rt: &tokio::runtime::Runtime) -> Client {
    let cfg =
        ClientConfig { bootstrap: env().bootstrap.split(',').map(str::to_string).collect(), ..Default::default() };
    rt.block_on(Client::connect(cfg)).expect("connect")
}

/// (leader, replicas) of each partition as Kafka's kafka-topics --describe prints them.
pub(crate) fn kafka_describe(topic: &str) -> Vec<(i64, Vec<i64>)> {
    kafka_partitions(topic)
        .into_iter()
        .map(|(leader, replicas, _)| {
            let leader = leader.parse().expect("leader");
            let replicas = replicas.split(',').map(|r| r.parse().expect("replica")).collect();
            (leader, replicas)
        })
        .collect()
}

/// (leader, replicas, isr) of each partition as kafka-topics --describe prints them, leader as
/// printed ("none" when there is none).
pub(crate) fn kafka_partitions(topic: &str) -> Vec<(String, String, String)> {
    let out = kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        &["--bootstrap-server", &env().bootstrap, "--describe", "--topic", topic],
    );
    out.lines()
        .filter(|l| l.contains("Partition:"))
        .map(|l| {
            let field = |name: &str| {
                l.split('\t')
                    .map(str::trim)
                    .find_map(|f| f.strip_prefix(name))
                    .unwrap_or_else(|| panic!("no {name} in {l:?}"))
                    .trim()
                    .to_string()
            };
            (field("Leader:"), field("Replicas:"), field("Isr:"))
        })
        .collect()
}

#[test]
fn admin_calls_move_cancel_and_elect() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let rt = runtime();
    let c = client(&rt);
    let topic = fx.topic("exec-admin");
    data::create_topic_with_assignment(&topic, &[&[1, 2]]);
    data::produce(&topic, 50, 1);

    // nothing to cancel yet: the controller says so for that partition
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 0, None)])).expect("cancel");
    assert_eq!(out.len(), 1);
    let err = out[0].error.as_ref().expect("an error").to_string();
    assert_eq!(err, "AlterPartitionReassignments failed: NO_REASSIGNMENT_IN_PROGRESS", "{err}");

    // a reorder only: [1,2] -> [2,1] completes at once, the leader stays 1 until an election
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 0, Some(vec![2, 1]))])).expect("alter");
    assert_eq!((out.len(), out[0].topic.as_str(), out[0].partition), (1, topic.as_str(), 0));
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    wait_for("replicas [2,1]", Duration::from_secs(30), || {
        (kafka_describe(&topic) == vec![(1, vec![2, 1])]).then_some(())
    });

    let out = rt.block_on(c.elect_leaders(Election::Preferred, &[(topic.clone(), 0)])).expect("elect");
    assert_eq!(out.len(), 1);
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    wait_for("leader 2", Duration::from_secs(30), || (kafka_describe(&topic) == vec![(2, vec![2, 1])]).then_some(()));
    let out = rt.block_on(c.elect_leaders(Election::Preferred, &[(topic.clone(), 0)])).expect("elect again");
    assert_eq!(out[0].error.as_ref().and_then(|e| e.code()), Some(kdeck::kafka::reassign::ELECTION_NOT_NEEDED));

    // an unknown partition is that partition's error, not the request's
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 7, Some(vec![1]))])).expect("alter");
    assert_eq!(
        out[0].error.as_ref().map(ToString::to_string),
        Some(format!(
            "AlterPartitionReassignments failed: UNKNOWN_TOPIC_OR_PARTITION (Unable to find partition {topic}:7.)"
        ))
    );

    // the throttle keys of a topic and a broker, unset: the topic lists its default (empty); a
    // broker lists a rate only once it is set (the rates are dynamic-only configs)
    let keys = ["leader.replication.throttled.replicas", "leader.replication.throttled.rate"];
    let res =
        rt.block_on(c.describe_config_keys(&[ConfigResource::Topic(topic.clone()), ConfigResource::Broker(2)], &keys));
    assert_eq!(res.len(), 2);
    let topic_cfg = res[0].1.as_ref().expect("topic configs");
    assert_eq!(
        topic_cfg.iter().map(|e| (e.name.as_str(), e.value.as_deref())).collect::<Vec<_>>(),
        vec![("leader.replication.throttled.replicas", Some(""))]
    );
    assert_eq!(res[1].1.as_ref().expect("broker configs"), &vec![]);
}

const CONFIG_COMMAND: &str = "kafka.admin.ConfigCommand";
const REASSIGN_COMMAND: &str = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";

/// `key=value` of every throttle config Kafka's ConfigCommand describes for a topic.
pub(crate) fn kafka_topic_throttles(topic: &str) -> BTreeMap<String, String> {
    let out = kafka_tool(
        CONFIG_COMMAND,
        &["--bootstrap-server", &env().bootstrap, "--describe", "--entity-type", "topics", "--entity-name", topic],
    );
    throttle_lines(&out)
}

/// Per broker (and "default"), `key=value` of every throttle config ConfigCommand describes.
pub(crate) fn kafka_broker_throttles() -> BTreeMap<String, BTreeMap<String, String>> {
    let out =
        kafka_tool(CONFIG_COMMAND, &["--bootstrap-server", &env().bootstrap, "--describe", "--entity-type", "brokers"]);
    let mut by: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = String::new();
    for l in out.lines() {
        if let Some(rest) = l.strip_prefix("Dynamic configs for broker ") {
            current = rest.trim_end_matches(" are:").to_string();
        } else if l.starts_with("Default configs for brokers") {
            current = "default".into();
        } else {
            by.entry(current.clone()).or_default().extend(throttle_lines(l));
        }
    }
    by.retain(|_, v| !v.is_empty());
    by
}

fn throttle_lines(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|kv| kv.contains(".replication.throttled."))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// kdeck's `throttles list -o json` as (resource, key) → value.
fn kdeck_throttles(ops: &Ops) -> BTreeMap<(String, String), String> {
    ops.ok_json(&["throttles", "list"])
        .as_array()
        .expect("array")
        .iter()
        .map(|i| {
            (
                (i["resource"].as_str().expect("resource").to_string(), i["key"].as_str().expect("key").to_string()),
                i["value"].as_str().expect("value").to_string(),
            )
        })
        .collect()
}

/// The same throttles as ConfigCommand describes them, in kdeck's shape (for comparing).
fn kafka_throttles(topics: &[&str]) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for t in topics {
        for (k, v) in kafka_topic_throttles(t) {
            out.insert((format!("topic {t}"), k), v);
        }
    }
    for (b, kv) in kafka_broker_throttles() {
        for (k, v) in kv {
            out.insert((format!("broker {b}"), k), v);
        }
    }
    out
}

fn entry(resource: &str, key: &str, value: &str) -> ((String, String), String) {
    ((resource.to_string(), key.to_string()), value.to_string())
}

/// A reassignment file in Kafka's format (no log_dirs, as people write them by hand).
pub(crate) fn write_plan(dir: &Path, name: &str, moves: &[(&str, i32, &[i32])]) -> PathBuf {
    let parts: Vec<String> = moves
        .iter()
        .map(|(t, p, r)| {
            let r: Vec<String> = r.iter().map(i32::to_string).collect();
            format!("{{\"topic\":\"{t}\",\"partition\":{p},\"replicas\":[{}]}}", r.join(","))
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, format!("{{\"version\":1,\"partitions\":[{}]}}", parts.join(","))).expect("write plan");
    path
}

pub(crate) fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn replicas_now(ops: &Ops, topic: &str) -> Vec<Vec<i64>> {
    replicas(ops, topic).unwrap_or_else(|| panic!("topic {topic} is gone"))
}

/// The partitions kdeck's `reassign status` lists as moving for `topic`.
fn moving(ops: &Ops, topic: &str) -> Vec<Value> {
    let v = ops.ok_json(&["reassign", "status", "--interval", "500ms"]);
    v["partitions"].as_array().expect("partitions").iter().filter(|p| p["topic"] == topic).cloned().collect()
}

/// On the way out (passed or failed): cancels what the test left moving and removes the
/// throttles nothing needs, so a failure does not spill into the next test.
pub(crate) struct Tidy<'a> {
    pub(crate) ops: &'a Ops,
    pub(crate) topics: Vec<String>,
}

impl Drop for Tidy<'_> {
    fn drop(&mut self) {
        let topics = self.topics.join(",");
        let _ = self.ops.run(&["reassign", "cancel", "--topics", &topics, "--yes"]);
        let _ = self.ops.run(&["throttles", "clear", "--yes"]);
    }
}

/// Runs kdeck and kills it if it is not done within `limit`.
pub(crate) fn run_bounded(ops: &Ops, args: &[&str], limit: Duration) -> Output {
    let mut full = vec!["--bootstrap", env().bootstrap.as_str()];
    full.extend_from_slice(args);
    let mut child = ops
        .command(&full)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kdeck");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "kdeck {args:?} still running after {limit:?}:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Kafka's ReassignPartitionsCommand --verify (throttles left alone) on a plan: per partition
/// "completed" or "in progress".
fn kafka_verify(plan: &Path) -> BTreeMap<String, &'static str> {
    let out = kafka_tool(
        REASSIGN_COMMAND,
        &[
            "--bootstrap-server",
            &env().bootstrap,
            "--verify",
            "--preserve-throttles",
            "--reassignment-json-file",
            plan.to_str().expect("path"),
        ],
    );
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Reassignment of partition ")?;
            let (partition, state) = rest.split_once(' ')?;
            let state = if state.contains("is completed") {
                "completed"
            } else if state.contains("still in progress") {
                "in progress"
            } else {
                "other"
            };
            Some((partition.to_string(), state))
        })
        .collect()
}

mod load {
    //! An idempotent producer (a retry during a leader change never writes a message twice) of
    //! keyed messages with content hashes, and a reader that checks every one.
    use std::time::Duration;

    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use rdkafka::{Message, Offset, TopicPartitionList};

    use crate::common::data::{fnv1a, payload};
    use crate::common::env;

    pub fn producer() -> ThreadedProducer<DefaultProducerContext> {
        ClientConfig::new()
            .set("bootstrap.servers", &env().bootstrap)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("linger.ms", "5")
            .create()
            .expect("producer")
    }

    /// Message i, keyed `k{i}`, to partition i % partitions.
    pub fn send(p: &ThreadedProducer<DefaultProducerContext>, topic: &str, i: usize, partitions: usize) {
        let key = format!("k{i}");
        let value = payload(i);
        let mut record = BaseRecord::to(topic).partition((i % partitions) as i32).key(&key).payload(&value);
        loop {
            match p.send(record) {
                Ok(()) => return,
                Err((
                    rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                    r,
                )) => {
                    record = r;
                    p.poll(Duration::from_millis(50));
                }
                Err((e, _)) => panic!("produce: {e}"),
            }
        }
    }

    pub fn flush(p: &ThreadedProducer<DefaultProducerContext>) {
        p.flush(Duration::from_secs(60)).expect("flush: every message acknowledged by all in-sync replicas");
    }

    /// Reads every partition to its end and returns the message indices in offset order,
    /// checking each payload's hash, partition and offset.
    pub fn read_all(topic: &str, partitions: usize) -> Vec<Vec<usize>> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &env().bootstrap)
            .set("group.id", format!("{topic}-reader"))
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut ends = Vec::new();
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            let (low, high) = consumer.fetch_watermarks(topic, p as i32, Duration::from_secs(30)).expect("watermarks");
            assert_eq!(low, 0, "partition {p} lost its first messages");
            ends.push(high);
            tpl.add_partition_offset(topic, p as i32, Offset::Beginning).expect("tpl");
        }
        consumer.assign(&tpl).expect("assign");
        let mut got: Vec<Vec<usize>> = vec![Vec::new(); partitions];
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while got.iter().zip(&ends).any(|(g, e)| (g.len() as i64) < *e) {
            assert!(
                std::time::Instant::now() < deadline,
                "read only {:?} of {ends:?}",
                got.iter().map(Vec::len).collect::<Vec<_>>()
            );
            let Some(msg) = consumer.poll(Duration::from_millis(500)) else { continue };
            let msg = msg.expect("consume");
            let p = msg.partition() as usize;
            assert_eq!(msg.offset(), got[p].len() as i64, "partition {p} read out of order");
            let value = std::str::from_utf8(msg.payload().expect("payload")).expect("utf-8");
            let (body, hash) = value.rsplit_once('#').expect("payload carries its hash");
            assert_eq!(format!("{:016x}", fnv1a(body.as_bytes())), hash, "payload {value:?} corrupted");
            let i: usize = body.trim_start_matches("message-").parse().expect("message index");
            assert_eq!(i % partitions, p, "message {i} read from partition {p}");
            assert_eq!(msg.key(), Some(format!("k{i}").as_bytes()), "message {i} lost its key");
            got[p].push(i);
        }
        got
    }
}

/// Keeps producing from index `first` upward until stopped; returns how many it sent.
fn background_load(
    topic: String,
    first: usize,
    partitions: usize,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<usize>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let p = load::producer();
        let mut i = first;
        while !flag.load(Ordering::Relaxed) {
            for _ in 0..20 {
                load::send(&p, &topic, i, partitions);
                i += 1;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        load::flush(&p);
        i - first
    });
    (stop, handle)
}

/// Drain broker 3 under load: 20,000 keyed messages on six RF-2 partitions that all have a
/// replica on broker 3, a producer writing all along; `execute --throttle --batch --wait`
/// ends with no replica on broker 3, no throttle config left (Kafka's ConfigCommand), Kafka's
/// own --verify saying every partition is complete, and every message readable exactly once.
#[test]
fn drain_under_load_keeps_every_message_and_leaves_no_throttle() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("drain");
    let partitions = 6;
    data::create_topic_with_assignment(&topic, &[&[3, 1], &[3, 2], &[1, 3], &[2, 3], &[3, 1], &[3, 2]]);
    let p = load::producer();
    for i in 0..20_000 {
        load::send(&p, &topic, i, partitions);
    }
    load::flush(&p);
    drop(p);

    let dir = temp_dir("drain");
    let plan = dir.join("plan.json");
    ops.ok(&[
        "reassign",
        "plan",
        "--goal",
        "drain",
        "--drain",
        "3",
        "--topics",
        &topic,
        "--out",
        plan.to_str().expect("path"),
    ]);
    // the planner wrote a rollback too: execute must write its own before it sends anything
    let rollback = dir.join("plan.rollback.json");
    std::fs::remove_file(&rollback).expect("remove the planner's rollback");
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let (stop, producer) = background_load(topic.clone(), 20_000, partitions);
    let out = run_bounded(
        &ops,
        &[
            "reassign",
            "execute",
            plan.to_str().expect("path"),
            "--throttle",
            "2MB/s",
            "--batch",
            "3",
            "--wait",
            "--yes",
            "--additional",
        ],
        Duration::from_secs(300),
    );
    stop.store(true, Ordering::Relaxed);
    let extra = producer.join().expect("producer thread");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "execute --wait failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("batch 2 of 2 submitted (3 partitions)"), "{stderr}");
    assert!(stdout.contains("All 6 partitions are at their target."), "{stdout}");
    assert!(extra > 0, "the producer wrote during the move");

    // no replica on broker 3, as kdeck and Kafka's kafka-topics see it
    let after = replicas_now(&ops, &topic);
    assert!(after.iter().all(|r| r.len() == 2 && !r.contains(&3)), "{after:?}");
    assert!(kafka_describe(&topic).iter().all(|(_, r)| r.len() == 2 && !r.contains(&3)));
    // nothing left throttled, on the topic or any broker (Kafka's ConfigCommand)
    assert_eq!(kafka_topic_throttles(&topic), BTreeMap::new());
    assert_eq!(kafka_broker_throttles(), BTreeMap::new());
    // Kafka's own tool agrees every partition of the plan is done
    let verified = kafka_verify(&plan);
    assert_eq!(verified.len(), partitions, "{verified:?}");
    assert!(verified.values().all(|s| *s == "completed"), "{verified:?}");

    // the rollback is the assignment before the move, in Kafka's format
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&rollback).expect("rollback")).expect("JSON");
    let before: Vec<(i64, Vec<i64>)> = back["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            assert_eq!(p["topic"], topic.as_str());
            (
                p["partition"].as_i64().expect("partition"),
                serde_json::from_value(p["replicas"].clone()).expect("replicas"),
            )
        })
        .collect();
    assert_eq!(
        before,
        vec![(0, vec![3, 1]), (1, vec![3, 2]), (2, vec![1, 3]), (3, vec![2, 3]), (4, vec![3, 1]), (5, vec![3, 2])]
    );
    // the record: both batches submitted, complete, no throttle left to clear
    let records: Vec<Value> = std::fs::read_dir(ops.state.join("reassign"))
        .expect("records")
        .map(|e| serde_json::from_str(&std::fs::read_to_string(e.expect("entry").path()).expect("read")).expect("JSON"))
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0]["state"].as_str(), records[0]["submitted"].as_u64()), (Some("complete"), Some(2)));
    assert_eq!(records[0]["throttles"], serde_json::json!({"topics": {}, "brokers": []}));
    assert_eq!(records[0]["throttle"], 2_000_000);

    // every message, initial and written during the move, exactly once with its hash
    let read = load::read_all(&topic, partitions);
    let mut all: Vec<usize> = read.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all.len(), 20_000 + extra, "duplicates or losses");
    assert!(all.iter().enumerate().all(|(n, i)| n == *i), "messages 0..{} each exactly once", 20_000 + extra);

    // the audit log: the execution, its second batch, the verify that removed the throttles
    let actions: Vec<String> = ops
        .audit()
        .iter()
        .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(actions, vec!["reassign execute ok", "reassign submit ok", "reassign verify ok"]);
}

/// A low rate holds a move: `status` still shows it in progress after a bounded wait, and the
/// throttle configs are there as kdeck set them (DescribeConfigs and Kafka's ConfigCommand agree).
/// A second reassignment is refused while one runs, unless --additional; once it is over, `verify`
/// removes its topic entries and the rate of the broker only it used, and keeps the rates of the
/// broker the first one still uses. Kafka's --verify agrees with kdeck's on both plans.
#[test]
fn throttle_holds_a_move_and_verify_keeps_the_rates_another_move_uses() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let (slow, quick) = (fx.topic("throttled"), fx.topic("quick"));
    // slow: 2 MB moving 1 -> 2 at 10 kB/s; quick: 2 kB moving 2 -> 3. They share broker 2
    // (slow's follower side, quick's leader side: separate quotas, so quick is not held up).
    data::create_topic_with_assignment(&slow, &[&[1]]);
    data::create_topic_with_assignment(&quick, &[&[2]]);
    // 8 MB: a throttled follower still fetches up to 1 MB at once (replica.fetch.max.bytes)
    // and the quota averages over 11 s, so this takes well over a minute at 10 kB/s
    data::produce_to(&slow, 0, 8000, 1000);
    data::produce_to(&quick, 0, 20, 100);
    let dir = temp_dir("throttle");
    let slow_plan = write_plan(&dir, "slow.json", &[(&slow, 0, &[2])]);
    let quick_plan = write_plan(&dir, "quick.json", &[(&quick, 0, &[3])]);
    let slow_path = slow_plan.to_str().expect("path");
    let quick_path = quick_plan.to_str().expect("path");

    let tidy = Tidy { ops: &ops, topics: vec![slow.clone(), quick.clone()] };
    ops.ok(&["reassign", "execute", slow_path, "--throttle", "10KB/s", "--yes", "--additional"]);
    {
        // the configs kdeck set: the lists on the topic, the rates where they have entries
        let want: BTreeMap<(String, String), String> = [
            entry(&format!("topic {slow}"), "leader.replication.throttled.replicas", "0:1"),
            entry(&format!("topic {slow}"), "follower.replication.throttled.replicas", "0:2"),
            entry("broker 1", "leader.replication.throttled.rate", "10000"),
            entry("broker 2", "follower.replication.throttled.rate", "10000"),
        ]
        .into();
        assert_eq!(kdeck_throttles(&ops), want, "kdeck throttles list");
        assert_eq!(kafka_throttles(&[&slow, &quick]), want, "Kafka's ConfigCommand");

        // copying, but held back: after a bounded wait it is still in progress
        let p = wait_for("the copy to start", Duration::from_secs(60), || {
            moving(&ops, &slow).into_iter().find(|p| p["copied"].as_u64().unwrap_or(0) > 0)
        });
        std::thread::sleep(Duration::from_secs(3));
        let p2 = moving(&ops, &slow);
        assert_eq!(p2.len(), 1, "still moving after a bounded wait: {p2:?}");
        let (copied, total) = (p2[0]["copied"].as_u64().expect("copied"), p2[0]["total"].as_u64().expect("total"));
        assert!(copied < total, "{p2:?}");
        assert_eq!(
            (p["adding"].clone(), p["removing"].clone(), p["target"].clone()),
            (serde_json::json!([2]), serde_json::json!([1]), serde_json::json!([2]))
        );
        assert!(p2[0]["execution"].is_string(), "{p2:?}");

        // a second execution is refused while one is in progress: nothing changes
        let err = ops.fails(&["reassign", "execute", quick_path, "--throttle", "10KB/s", "--yes"]);
        assert!(err.contains("partition reassignment(s) already in progress"), "{err}");
        assert!(err.contains("pass --additional"), "{err}");
        assert_eq!(replicas_now(&ops, &quick), vec![vec![2]]);
        assert_eq!(kafka_topic_throttles(&quick), BTreeMap::new());

        // with --additional it runs alongside, and completes
        ops.ok(&["reassign", "execute", quick_path, "--throttle", "10KB/s", "--yes", "--additional"]);
        wait_for("the quick move to complete", Duration::from_secs(60), || {
            (replicas_now(&ops, &quick) == vec![vec![3]] && moving(&ops, &quick).is_empty()).then_some(())
        });
        assert_eq!(kafka_verify(&quick_plan), BTreeMap::from([(format!("{quick}-0"), "completed")]));
        assert_eq!(kafka_verify(&slow_plan), BTreeMap::from([(format!("{slow}-0"), "in progress")]));

        // kdeck's verify of the slow plan agrees (moving) and removes nothing
        let v = ops.ok_json(&["reassign", "verify", slow_path]);
        assert_eq!(v["partitions"][0]["state"], "moving", "{v}");
        assert_eq!(v["complete"], false);
        assert_eq!(v["removed"], serde_json::json!([]));

        // verifying the quick plan: its entries go, and broker 3's rate (only it used broker 3);
        // broker 2 keeps its rates because the slow move still uses broker 2
        let v = ops.ok_json(&["reassign", "verify", quick_path]);
        assert_eq!(v["complete"], true, "{v}");
        assert_eq!(v["partitions"][0]["state"], "complete");
        let kept: Vec<&str> = v["kept"].as_array().expect("kept").iter().filter_map(Value::as_str).collect();
        assert_eq!(kept, vec![format!("broker 2: replication rates kept, still used by the reassignment of {slow}-0")]);
        let after: BTreeMap<(String, String), String> = [
            entry(&format!("topic {slow}"), "leader.replication.throttled.replicas", "0:1"),
            entry(&format!("topic {slow}"), "follower.replication.throttled.replicas", "0:2"),
            entry("broker 1", "leader.replication.throttled.rate", "10000"),
            entry("broker 2", "follower.replication.throttled.rate", "10000"),
            entry("broker 2", "leader.replication.throttled.rate", "10000"),
        ]
        .into();
        assert_eq!(kdeck_throttles(&ops), after);
        assert_eq!(kafka_throttles(&[&slow, &quick]), after);
        assert_eq!(moving(&ops, &slow).len(), 1, "the slow move is unaffected");
    }
    // cancelling the slow move removes every throttle left, the quick one's kept rate included
    ops.ok(&["reassign", "cancel", "--topics", &slow, "--yes"]);
    assert_eq!(kafka_throttles(&[&slow, &quick]), BTreeMap::new());
    drop(tidy);
}

/// Cancel mid-way: the partition goes back to its original replicas and every throttle the
/// execution set is removed.
#[test]
fn cancel_mid_way_restores_the_assignment_and_removes_the_throttles() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("cancel");
    data::create_topic_with_assignment(&topic, &[&[1, 2]]);
    data::produce_to(&topic, 0, 4000, 1000);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("cancel");
    let plan = write_plan(&dir, "plan.json", &[(&topic, 0, &[1, 3])]);
    // attached with --wait, as someone would be when another operator cancels
    let bootstrap = env().bootstrap.clone();
    let plan_path = plan.to_str().expect("path").to_string();
    let mut attached = ops
        .command(&[
            "--bootstrap",
            &bootstrap,
            "reassign",
            "execute",
            &plan_path,
            "--throttle",
            "10KB/s",
            "--yes",
            "--additional",
            "--wait",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kdeck");
    wait_for("the move to be in progress", Duration::from_secs(30), || {
        (!moving(&ops, &topic).is_empty()).then_some(())
    });
    assert_eq!(kafka_topic_throttles(&topic).len(), 2);

    let out = ops.ok_json(&["reassign", "cancel", "--topics", &topic, "--yes"]);
    // the attached execution ends too, and says why
    wait_for("the attached execution to end", Duration::from_secs(60), || attached.try_wait().expect("wait"));
    let done = attached.wait_with_output().expect("output");
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(1), "{err}");
    assert!(err.contains(" was cancelled: its cancelled partitions went back to their original replicas"), "{err}");
    assert_eq!(out["result"], "ok", "{out}");
    assert_eq!(out["after"]["assignment"], serde_json::json!([[topic, 0, [1, 2]]]), "{out}");
    let removed: Vec<&str> =
        out["after"]["throttles"]["removed"].as_array().expect("removed").iter().filter_map(Value::as_str).collect();
    assert!(
        removed.contains(&format!("topic {topic}: delete leader.replication.throttled.replicas").as_str()),
        "{removed:?}"
    );
    assert!(moving(&ops, &topic).is_empty());
    assert_eq!(kafka_describe(&topic), vec![(1, vec![1, 2])]);
    assert_eq!(kafka_topic_throttles(&topic), BTreeMap::new());
    assert_eq!(kafka_broker_throttles(), BTreeMap::new());
    let audit = ops.audit();
    let actions: Vec<&str> = audit.iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, vec!["reassign execute", "reassign cancel", "reassign cancel"]);
    assert_audit(&audit[1], &cluster_name(), "reassign cancel", "ok");
    assert_eq!(audit[1]["request"], format!("cancel the reassignment of {topic}-0"));
}

/// Throttles set by hand show in `throttles list`; `throttles clear` removes exactly those no
/// reassignment in progress needs (an entry by hand on a moving topic goes, the move's stay).
#[test]
fn leftover_throttles_are_listed_and_clear_removes_only_unneeded_ones() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let (left, live) = (fx.topic("leftover"), fx.topic("inuse"));
    data::create_topic_with_assignment(&left, &[&[1], &[2]]);
    data::create_topic_with_assignment(&live, &[&[1]]);
    data::produce_to(&live, 0, 8000, 1000);
    let tidy = Tidy { ops: &ops, topics: vec![live.clone()] };
    let dir = temp_dir("leftover");
    let plan = write_plan(&dir, "plan.json", &[(&live, 0, &[3])]);
    ops.ok(&["reassign", "execute", plan.to_str().expect("path"), "--throttle", "10KB/s", "--yes", "--additional"]);
    {
        let alter = |entity: &str, name: &str, config: &str| {
            kafka_tool(
                CONFIG_COMMAND,
                &[
                    "--bootstrap-server",
                    &env().bootstrap,
                    "--alter",
                    "--entity-type",
                    entity,
                    "--entity-name",
                    name,
                    "--add-config",
                    config,
                ],
            );
        };
        // by hand: lists on a topic nothing moves, an extra entry on the moving topic, a rate
        // on broker 2 (the move uses brokers 1 and 3)
        alter("topics", &left, "leader.replication.throttled.replicas=[0:1,1:2]");
        alter("topics", &live, "leader.replication.throttled.replicas=[0:1,5:1]");
        alter("brokers", "2", "follower.replication.throttled.rate=12345");
        let list = ops.ok_json(&["throttles", "list"]);
        let item = |res: &str, key: &str| {
            list.as_array()
                .expect("array")
                .iter()
                .find(|i| i["resource"] == res && i["key"] == key)
                .cloned()
                .unwrap_or_else(|| panic!("no {res} {key} in {list}"))
        };
        let l = item(&format!("topic {left}"), "leader.replication.throttled.replicas");
        assert_eq!(
            (l["value"].as_str(), l["needed"].as_bool(), l["set_by"].as_array().map(Vec::len)),
            (Some("0:1,1:2"), Some(false), Some(0))
        );
        let m = item(&format!("topic {live}"), "leader.replication.throttled.replicas");
        assert_eq!(
            (m["value"].as_str(), m["needed"].as_bool(), m["unneeded_entries"].as_str()),
            (Some("0:1,5:1"), Some(true), Some("5:1"))
        );
        assert_eq!(m["set_by"].as_array().map(Vec::len), Some(1), "kdeck's execution set 0:1");
        let b = item("broker 2", "follower.replication.throttled.rate");
        assert_eq!((b["value"].as_str(), b["needed"].as_bool()), (Some("12345"), Some(false)));
        assert_eq!(
            b["note"],
            "throttles nothing: no topic's follower.replication.throttled.replicas names a replica on broker 2"
        );
        let table = ops.ok(&["throttles", "list"]);
        assert!(
            table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["topic", left.as_str(), "leader.replication.throttled.replicas", "0:1,1:2", "no", "-"]),
            "{table}"
        );

        // a dry run changes nothing
        ops.ok(&["--dry-run", "throttles", "clear"]);
        assert_eq!(kafka_topic_throttles(&left).len(), 1);
        // without --yes and without a terminal: refused
        let err = ops.fails(&["throttles", "clear"]);
        assert!(err.contains("without confirmation"), "{err}");

        ops.ok(&["throttles", "clear", "--yes"]);
        assert_eq!(kafka_topic_throttles(&left), BTreeMap::new());
        assert_eq!(
            kafka_topic_throttles(&live),
            BTreeMap::from([
                ("leader.replication.throttled.replicas".to_string(), "0:1".to_string()),
                ("follower.replication.throttled.replicas".to_string(), "0:3".to_string()),
            ])
        );
        let brokers = kafka_broker_throttles();
        assert_eq!(
            brokers,
            BTreeMap::from([
                (
                    "1".to_string(),
                    BTreeMap::from([("leader.replication.throttled.rate".to_string(), "10000".to_string())])
                ),
                (
                    "3".to_string(),
                    BTreeMap::from([("follower.replication.throttled.rate".to_string(), "10000".to_string())])
                ),
            ])
        );
        assert_eq!(moving(&ops, &live).len(), 1, "the move goes on, throttled");
        let last = ops.last_audit();
        assert_audit(&last, &cluster_name(), "throttles clear", "ok");
    }
    ops.ok(&["reassign", "cancel", "--topics", &live, "--yes"]);
    assert_eq!(kafka_throttles(&[&left, &live]), BTreeMap::new());
    drop(tidy);
}

/// After a reassignment that changes preferred leaders (a reorder: nothing to copy),
/// `elect-leaders` moves leadership to the preferred replicas (kafka-topics agrees), reports
/// each partition, and a second run finds them all fine.
#[test]
fn elect_leaders_after_a_reorder_matches_preferred_leaders() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("elect");
    data::create_topic_with_assignment(&topic, &[&[1, 2], &[2, 3], &[3, 1]]);
    data::produce(&topic, 30, 3);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("elect");
    let plan = write_plan(&dir, "reorder.json", &[(&topic, 0, &[2, 1]), (&topic, 1, &[3, 2]), (&topic, 2, &[1, 3])]);
    let out = run_bounded(
        &ops,
        &["reassign", "execute", plan.to_str().expect("path"), "--wait", "--yes", "--additional"],
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // replicas reordered, leaders not moved yet
    assert_eq!(kafka_describe(&topic), vec![(1, vec![2, 1]), (2, vec![3, 2]), (3, vec![1, 3])]);

    // unclean: every partition has a leader, so there is nothing to elect (and nothing to confirm)
    let unclean = ops.ok(&["elect-leaders", "--topics", &topic, "--type", "unclean", "--yes"]);
    assert!(unclean.ends_with("0 elected, 3 already fine, 0 not possible, 0 failed\n"), "{unclean}");
    assert_eq!(kafka_describe(&topic), vec![(1, vec![2, 1]), (2, vec![3, 2]), (3, vec![1, 3])]);

    let json = ops.ok_json(&["elect-leaders", "--topics", &topic, "--yes"]);
    let rows: Vec<(i64, i64, i64, String)> = json["details"]["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            (
                p["partition"].as_i64().expect("partition"),
                p["before"].as_i64().expect("before"),
                p["after"].as_i64().expect("after"),
                p["result"].as_str().expect("result").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(0, 1, 2, "elected".to_string()), (1, 2, 3, "elected".to_string()), (2, 3, 1, "elected".to_string())]
    );
    assert_eq!(json["message"], "3 elected, 0 already fine, 0 not possible, 0 failed");
    wait_for("kafka-topics to show the preferred leaders", Duration::from_secs(30), || {
        (kafka_describe(&topic) == vec![(2, vec![2, 1]), (3, vec![3, 2]), (1, vec![1, 3])]).then_some(())
    });

    let again = ops.ok(&["elect-leaders", "--topics", &topic, "--yes"]);
    assert!(again.contains("Partitions to elect: 0; already fine: 3; not possible: 0"), "{again}");
    assert!(again.ends_with("0 elected, 3 already fine, 0 not possible, 0 failed\n"), "{again}");
    let actions: Vec<String> = ops
        .audit()
        .iter()
        .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        actions,
        // no throttle was set, so verifying the reorder had nothing to remove (no change, no entry)
        vec!["reassign execute ok", "elect-leaders ok", "elect-leaders ok", "elect-leaders ok"]
    );
}

/// Invalid plans, read-only and dry run: nothing reaches the cluster — checked against the
/// cluster (replicas, reassignments in progress, throttle configs per Kafka's ConfigCommand), not
/// only the exit code — and no rollback or record is written.
#[test]
fn invalid_plans_read_only_and_dry_run_send_nothing() {
    let fx = Fixture::shared();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("nothing");
    data::create_topic_with_assignment(&topic, &[&[1, 2], &[2, 3]]);
    data::produce(&topic, 20, 2);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("nothing");
    let untouched = |ops: &Ops| {
        assert_eq!(replicas_now(ops, &topic), vec![vec![1, 2], vec![2, 3]]);
        assert!(moving(ops, &topic).is_empty());
        assert_eq!(kafka_topic_throttles(&topic), BTreeMap::new());
        assert_eq!(kafka_broker_throttles(), BTreeMap::new());
        assert!(
            !ops.state.join("reassign").exists()
                || std::fs::read_dir(ops.state.join("reassign")).expect("dir").count() == 0,
            "an execution record was written"
        );
    };

    // invalid: an unknown broker and an unknown partition, both named; nothing sent
    let bad = write_plan(&dir, "bad.json", &[(&topic, 0, &[1, 9]), (&topic, 7, &[1, 2])]);
    let err = ops.fails(&["reassign", "execute", bad.to_str().expect("path"), "--throttle", "1MB/s", "--yes"]);
    assert_eq!(
        err,
        format!(
            "error: {}: the reassignment is invalid (2 problem(s))\n  - {topic}-0: broker 9 is not part of the cluster\n  - partition {topic}-7 does not exist in the cluster",
            bad.display()
        )
    );
    assert!(!dir.join("bad.rollback.json").exists());
    assert_audit(&ops.last_audit(), &cluster_name(), "reassign execute", "invalid");
    untouched(&ops);
    // not JSON at all, and a log dir kdeck does not move between
    std::fs::write(dir.join("junk.json"), "{").expect("write");
    let err = ops.fails(&["reassign", "execute", dir.join("junk.json").to_str().expect("path"), "--yes"]);
    assert!(err.starts_with(&format!("error: {}: invalid JSON", dir.join("junk.json").display())), "{err}");
    let dirs = dir.join("dirs.json");
    std::fs::write(
        &dirs,
        format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{topic}\",\"partition\":0,\"replicas\":[1,3],\"log_dirs\":[\"/data/a\",\"any\"]}}]}}"),
    )
    .expect("write");
    let err = ops.fails(&["reassign", "execute", dirs.to_str().expect("path"), "--yes"]);
    assert!(err.contains(&format!("{topic}-0: kdeck does not move replicas between log directories")), "{err}");
    // a bad rate is bad usage (exit 2)
    let out = ops.run(&["reassign", "execute", dirs.to_str().expect("path"), "--throttle", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    untouched(&ops);

    let good = write_plan(&dir, "good.json", &[(&topic, 0, &[1, 3]), (&topic, 1, &[3, 2])]);
    let good_path = good.to_str().expect("path");
    // read-only: refused before anything is contacted
    for args in [
        vec!["--read-only", "reassign", "execute", good_path, "--throttle", "1MB/s", "--yes"],
        vec!["--read-only", "reassign", "cancel", "--yes"],
        vec!["--read-only", "throttles", "clear", "--yes"],
        vec!["--read-only", "elect-leaders", "--topics", &topic, "--yes"],
    ] {
        let err = ops.fails(&args);
        assert!(err.contains("is read-only"), "{args:?}: {err}");
        assert!(err.ends_with("nothing was sent"), "{err}");
        assert_eq!(ops.last_audit()["result"], "refused", "{args:?}");
    }
    assert_eq!(ops.last_audit()["action"], "elect-leaders");
    untouched(&ops);

    // dry run: the throttles are validated by the brokers, the preview shown, nothing changes
    let out = ops.ok(&["--dry-run", "reassign", "execute", good_path, "--throttle", "1MB/s", "--wait"]);
    // partition 1 is only reordered: it copies nothing and gets no throttle entry
    assert!(out.contains(&format!("topic {topic}: append leader.replication.throttled.replicas=0:1,0:2\n")), "{out}");
    assert!(out.contains(&format!("topic {topic}: append follower.replication.throttled.replicas=0:3\n")), "{out}");
    assert!(out.contains("broker 3: set follower.replication.throttled.rate=1000000"), "{out}");
    assert!(out.trim_end().ends_with("AlterPartitionReassignments has no validate-only mode)"), "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    assert!(!dir.join("good.rollback.json").exists(), "a dry run writes no rollback");
    assert_audit(&ops.last_audit(), &cluster_name(), "reassign execute", "dry-run");
    let out = ops.ok(&["--dry-run", "elect-leaders", "--topics", &topic]);
    assert!(out.contains("Partitions to elect: 0; already fine: 2"), "{out}");
    untouched(&ops);
}

/// The broker receiving a replica stops during the move: `status` names it, the move completes
/// once it is back (`resume` stays attached until then), and the verify at the end removes the
/// throttles, those on the restarted broker included.
#[test]
fn target_broker_stopped_during_a_move() {
    let fx = Fixture::exclusive();
    let _t = throttles_lock();
    let ops = Ops::new();
    let topic = fx.topic("stopped");
    data::create_topic_with_assignment(&topic, &[&[1]]);
    data::produce_to(&topic, 0, 8000, 1000);
    let _tidy = Tidy { ops: &ops, topics: vec![topic.clone()] };
    let dir = temp_dir("stopped");
    let plan = write_plan(&dir, "plan.json", &[(&topic, 0, &[3])]);
    ops.ok(&["reassign", "execute", plan.to_str().expect("path"), "--throttle", "1MB/s", "--yes", "--additional"]);
    fx.with_node_stopped("3", || {
        let p = wait_for("status to name broker 3", Duration::from_secs(60), || {
            let v = ops.ok_json(&["reassign", "status", "--interval", "200ms"]);
            (v["brokers_down"] == serde_json::json!([3])).then_some(v)
        });
        let mine: Vec<&Value> =
            p["partitions"].as_array().expect("partitions").iter().filter(|x| x["topic"] == topic).collect();
        assert_eq!(mine.len(), 1, "{p}");
        assert_eq!(
            mine[0]["problems"],
            serde_json::json!(["broker 3 is down (receives a new replica): the move waits for it"])
        );
        let table = ops.ok(&["reassign", "status", "--interval", "200ms"]);
        assert!(table.contains("Brokers down: 3\n"), "{table}");
        assert!(
            table.contains(&format!(
                "WARNING: {topic}-0: broker 3 is down (receives a new replica): the move waits for it"
            )),
            "{table}"
        );
    });
    let out = run_bounded(&ops, &["reassign", "resume"], Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("All 1 partitions are at their target."), "{stdout}");
    assert_eq!(kafka_describe(&topic), vec![(3, vec![3])]);
    assert_eq!(kafka_topic_throttles(&topic), BTreeMap::new());
    assert_eq!(kafka_broker_throttles(), BTreeMap::new());
}
