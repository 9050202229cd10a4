//! Shared fixtures for the integration tests: the real 3-node cluster (started once through
//! scripts/kafka-cluster.sh), the kdeck binary, Kafka's own tools as oracles, rdkafka for data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

pub use crate::support::{unique, wait_for};

pub struct Env {
    pub bootstrap: String,
    pub sasl_bootstrap: String,
    pub ssl_bootstrap: String,
    pub mtls_bootstrap: String,
    pub certs: PathBuf,
    pub classpath: String,
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Starts the cluster if needed (idempotent) and reads its coordinates.
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let script = root().join("scripts/kafka-cluster.sh");
        let up = Command::new("bash").arg(&script).arg("up").status().expect("run kafka-cluster.sh up");
        assert!(up.success(), "scripts/kafka-cluster.sh up failed");
        let out = Command::new("bash").arg(&script).arg("env").output().expect("run kafka-cluster.sh env");
        assert!(out.status.success(), "kafka-cluster.sh env: {}", String::from_utf8_lossy(&out.stderr));
        let vars = parse_env(&String::from_utf8_lossy(&out.stdout));
        let get = |k: &str| vars.get(k).cloned().unwrap_or_else(|| panic!("kafka-cluster.sh env did not print {k}"));
        Env {
            bootstrap: get("KDECK_TEST_BOOTSTRAP"),
            sasl_bootstrap: get("KDECK_TEST_SASL_BOOTSTRAP"),
            ssl_bootstrap: get("KDECK_TEST_SSL_BOOTSTRAP"),
            mtls_bootstrap: get("KDECK_TEST_MTLS_BOOTSTRAP"),
            certs: PathBuf::from(get("KDECK_TEST_CERTS_DIR")),
            classpath: get("KDECK_KAFKA_CLASSPATH"),
        }
    })
}

fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("export ").or(Some(l.trim())))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches(|c| c == '\'' || c == '"').to_string()))
        .collect()
}

/// Tests that stop a broker take this exclusively; all others share it.
static NODES: RwLock<()> = RwLock::new(());

pub fn shared() -> RwLockReadGuard<'static, ()> {
    let _ = env();
    NODES.read().unwrap_or_else(|e| e.into_inner())
}

pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    let _ = env();
    NODES.write().unwrap_or_else(|e| e.into_inner())
}

/// What a cluster test starts with: its share of the cluster ([`Fixture::shared`], or
/// [`Fixture::exclusive`] to stop a broker) and unique names for the topics and groups it makes,
/// which are deleted when the fixture drops: when the test ends, passed or failed.
///
/// ```ignore
/// let fx = Fixture::shared();
/// let topic = fx.topic("orders");
/// data::create_topic(&topic, 3, 2);
/// ```
pub struct Fixture {
    // Declared first so it drops first: the topics go while the test still holds its nodes.
    cleanup: Cleanup,
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _exclusive: Option<RwLockWriteGuard<'static, ()>>,
}

impl Fixture {
    /// For tests that keep every broker up (most of them; they run in parallel).
    pub fn shared() -> Fixture {
        Fixture { cleanup: Cleanup::new(), _shared: Some(shared()), _exclusive: None }
    }

    /// For tests that stop a broker (and restart it): no other cluster test runs meanwhile.
    pub fn exclusive() -> Fixture {
        Fixture { cleanup: Cleanup::new(), _shared: None, _exclusive: Some(exclusive()) }
    }

    /// A unique topic name, deleted at the end (create it any way; an uncreated one is fine).
    pub fn topic(&self, prefix: &str) -> String {
        self.cleanup.topic(prefix)
    }

    /// A unique consumer group name, deleted at the end.
    pub fn group(&self, prefix: &str) -> String {
        self.cleanup.group(prefix)
    }

    /// Runs `f` with node `node` stopped and starts the node again before returning, also
    /// when `f` fails (its panic goes on once the node is back). Exclusive fixtures only.
    pub fn with_node_stopped<T>(&self, node: &str, f: impl FnOnce() -> T) -> T {
        assert!(self._exclusive.is_some(), "stopping a node needs Fixture::exclusive()");
        script(&["stop-node", node]);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        script(&["start-node", node]);
        result.unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

/// How long deleting a test's topics and groups may take: a test never hangs on its cleanup.
pub const CLEANUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Deletes the topics and groups it named when dropped, also while a failed test unwinds. Never
/// panics (a panic in a drop during unwinding aborts the test binary): what cannot be deleted
/// within [`CLEANUP_TIMEOUT`] is reported on stderr and left.
pub struct Cleanup {
    bootstrap: String,
    topics: Mutex<Vec<String>>,
    groups: Mutex<Vec<String>>,
}

impl Cleanup {
    pub fn new() -> Cleanup {
        Cleanup::against(&env().bootstrap)
    }

    /// Cleans up on the cluster at `bootstrap`.
    pub fn against(bootstrap: &str) -> Cleanup {
        Cleanup { bootstrap: bootstrap.to_string(), topics: Mutex::default(), groups: Mutex::default() }
    }

    /// A unique topic name, deleted when this drops.
    pub fn topic(&self, prefix: &str) -> String {
        let name = unique(prefix);
        self.topics.lock().unwrap_or_else(|e| e.into_inner()).push(name.clone());
        name
    }

    /// A unique consumer group name, deleted when this drops.
    pub fn group(&self, prefix: &str) -> String {
        let name = unique(prefix);
        self.groups.lock().unwrap_or_else(|e| e.into_inner()).push(name.clone());
        name
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let topics = std::mem::take(self.topics.get_mut().unwrap_or_else(|e| e.into_inner()));
        let groups = std::mem::take(self.groups.get_mut().unwrap_or_else(|e| e.into_inner()));
        if topics.is_empty() && groups.is_empty() {
            return;
        }
        if let Err(e) = delete_topics_and_groups(&self.bootstrap, &topics, &groups) {
            eprintln!("test cleanup left topics {topics:?} / groups {groups:?}: {e}");
        }
    }
}

/// Deletes `topics` and `groups` (those already gone count as deleted) within [`CLEANUP_TIMEOUT`].
fn delete_topics_and_groups(bootstrap: &str, topics: &[String], groups: &[String]) -> Result<(), String> {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::config::ClientConfig;
    use rdkafka::types::RDKafkaErrorCode;

    let admin: AdminClient<DefaultClientContext> =
        ClientConfig::new().set("bootstrap.servers", bootstrap).create().map_err(|e| format!("admin client: {e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("runtime: {e}"))?;
    let opts =
        AdminOptions::new().request_timeout(Some(CLEANUP_TIMEOUT / 2)).operation_timeout(Some(CLEANUP_TIMEOUT / 2));
    let topic_names: Vec<&str> = topics.iter().map(String::as_str).collect();
    let group_names: Vec<&str> = groups.iter().map(String::as_str).collect();
    let work = async {
        let mut failed = Vec::new();
        if !group_names.is_empty() {
            match admin.delete_groups(&group_names, &opts).await {
                Ok(results) => failed.extend(results.into_iter().filter_map(|r| match r {
                    Err((g, code)) if code != RDKafkaErrorCode::GroupIdNotFound => Some(format!("group {g}: {code}")),
                    _ => None,
                })),
                Err(e) => failed.push(format!("groups: {e}")),
            }
        }
        if !topic_names.is_empty() {
            match admin.delete_topics(&topic_names, &opts).await {
                Ok(results) => failed.extend(results.into_iter().filter_map(|r| match r {
                    Err((t, code)) if code != RDKafkaErrorCode::UnknownTopicOrPartition => {
                        Some(format!("topic {t}: {code}"))
                    }
                    _ => None,
                })),
                Err(e) => failed.push(format!("topics: {e}")),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed.join("; "))
        }
    };
    rt.block_on(async { tokio::time::timeout(CLEANUP_TIMEOUT, work).await })
        .map_err(|_| format!("not done after {CLEANUP_TIMEOUT:?}"))?
}

/// Runs the kdeck binary with the given arguments (no bootstrap added).
pub fn kdeck_raw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .env("KDECK_CONFIG", root().join("tests/cluster/no-such-config.toml"))
        .env_remove("KDECK_BOOTSTRAP")
        .env_remove("KDECK_CLUSTER")
        .output()
        .expect("run kdeck")
}

/// Runs kdeck against the PLAINTEXT listener and returns stdout, failing the test on error.
pub fn kdeck(args: &[&str]) -> String {
    let mut full = vec!["--bootstrap", env().bootstrap.as_str()];
    full.extend_from_slice(args);
    let out = kdeck_raw(&full);
    assert!(out.status.success(), "kdeck {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn kdeck_json(args: &[&str]) -> serde_json::Value {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--output", "json"]);
    serde_json::from_str(&kdeck(&full)).expect("kdeck printed JSON")
}

/// Runs one of Kafka's own tools from the cluster's jars (the oracle).
pub fn kafka_tool(class: &str, args: &[&str]) -> String {
    crate::support::java_tool(&env().classpath, class, args)
}

pub fn script(args: &[&str]) {
    let st = Command::new("bash").arg(root().join("scripts/kafka-cluster.sh")).args(args).status().expect("run script");
    assert!(st.success(), "kafka-cluster.sh {args:?} failed");
}

pub mod data {
    //! rdkafka (the data plane) to create topics, produce and consume real messages.
    use std::time::Duration;

    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use rdkafka::{Message, Offset, TopicPartitionList};

    use crate::support::send;

    fn base() -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &super::env().bootstrap);
        c
    }

    pub fn create_topic(name: &str, partitions: i32, rf: i32) {
        let admin: AdminClient<DefaultClientContext> = base().create().expect("admin client");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let res = rt
            .block_on(admin.create_topics(
                &[NewTopic::new(name, partitions, TopicReplication::Fixed(rf))],
                &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
            ))
            .expect("create_topics");
        for r in res {
            r.unwrap_or_else(|(t, e)| panic!("create topic {t}: {e}"));
        }
    }

    pub fn create_topic_with_assignment(name: &str, assignment: &[&[i32]]) {
        let admin: AdminClient<DefaultClientContext> = base().create().expect("admin client");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let res = rt
            .block_on(admin.create_topics(
                &[NewTopic::new(name, assignment.len() as i32, TopicReplication::Variable(assignment))],
                &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
            ))
            .expect("create_topics");
        for r in res {
            r.unwrap_or_else(|(t, e)| panic!("create topic {t}: {e}"));
        }
    }

    /// The payload of message `i`: its content hash travels with it so reads can be checked.
    pub fn payload(i: usize) -> String {
        let body = format!("message-{i}");
        format!("{body}#{:016x}", fnv1a(body.as_bytes()))
    }

    pub fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
    }

    fn producer() -> ThreadedProducer<DefaultProducerContext> {
        base().set("acks", "all").set("linger.ms", "5").create().expect("producer")
    }

    /// Produces `n` messages, message i to partition i % partitions, acks=all; returns the count
    /// per partition.
    pub fn produce(topic: &str, n: usize, partitions: i32) -> Vec<i64> {
        let producer = producer();
        let mut counts = vec![0i64; partitions as usize];
        for i in 0..n {
            let p = (i % partitions as usize) as i32;
            let key = format!("k{i}");
            let value = payload(i);
            send(&producer, BaseRecord::to(topic).partition(p).key(&key).payload(&value));
            counts[p as usize] += 1;
        }
        producer.flush(Duration::from_secs(30)).expect("flush");
        counts
    }

    /// Produces `n` messages of `size` bytes each (and a 7-byte key) to one partition, acks=all.
    pub fn produce_to(topic: &str, partition: i32, n: usize, size: usize) {
        let producer = producer();
        let value = "x".repeat(size);
        for i in 0..n {
            let key = format!("k{i:06}");
            send(&producer, BaseRecord::to(topic).partition(partition).key(&key).payload(&value));
        }
        producer.flush(Duration::from_secs(30)).expect("flush");
    }

    /// Reads the first `want[p]` messages of each partition (verifying each payload's hash and
    /// partition), then commits exactly those positions for `group`. Partitions are assigned
    /// explicitly so the committed offsets are known in advance.
    pub fn consume_and_commit(topic: &str, group: &str, want: &[i64]) {
        let consumer: BaseConsumer = base()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for p in 0..want.len() {
            tpl.add_partition_offset(topic, p as i32, Offset::Beginning).expect("tpl");
        }
        consumer.assign(&tpl).expect("assign");
        let partitions = want.len();
        let mut got = vec![0i64; partitions];
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while got.iter().zip(want).any(|(g, w)| g < w) {
            assert!(std::time::Instant::now() < deadline, "read only {got:?} of {want:?}");
            let Some(msg) = consumer.poll(Duration::from_millis(500)) else { continue };
            let msg = msg.expect("consume");
            let p = msg.partition() as usize;
            if got[p] >= want[p] {
                continue;
            }
            let value = std::str::from_utf8(msg.payload().expect("payload")).expect("utf-8");
            let (body, hash) = value.rsplit_once('#').expect("payload carries its hash");
            assert_eq!(format!("{:016x}", fnv1a(body.as_bytes())), hash, "payload {value:?} corrupted");
            let i: usize = body.trim_start_matches("message-").parse().expect("message index");
            assert_eq!(i % partitions, p, "message {i} read from partition {p}");
            assert_eq!(msg.offset(), got[p], "partition {p} read out of order");
            got[p] += 1;
        }
        let mut commit = TopicPartitionList::new();
        for (p, off) in want.iter().enumerate() {
            commit.add_partition_offset(topic, p as i32, Offset::Offset(*off)).expect("tpl");
        }
        consumer.commit(&commit, CommitMode::Sync).expect("commit");
    }
}
