//! The compatibility clusters (scripts/kafka-compat.sh), started once per test binary, the kdeck
//! binary against them, their own version's tools as oracles and rdkafka for data.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// Kafka's own command-line tools of one version (their classes moved between versions).
pub struct Tools {
    pub topics: &'static str,
    pub groups: &'static str,
    pub configs: &'static str,
    pub reassign: &'static str,
}

pub struct Compat {
    /// The script's name for it: zk28, kraft39.
    pub name: &'static str,
    pub version: String,
    pub bootstrap: String,
    pub classpath: String,
    /// Broker ids, and the racks they are in.
    pub brokers: Vec<(i32, Option<&'static str>)>,
    pub tools: Tools,
    /// Tests that stop a node take this exclusively; all others share it.
    nodes: RwLock<()>,
}

/// Kafka 2.8.2, ZooKeeper mode, one broker (id 1, no rack).
pub fn zk28() -> &'static Compat {
    static C: OnceLock<Compat> = OnceLock::new();
    C.get_or_init(|| {
        Compat::start(
            "zk28",
            vec![(1, None)],
            Tools {
                topics: "kafka.admin.TopicCommand",
                groups: "kafka.admin.ConsumerGroupCommand",
                configs: "kafka.admin.ConfigCommand",
                reassign: "kafka.admin.ReassignPartitionsCommand",
            },
        )
    })
}

/// Kafka 3.9.1, KRaft, controller 3000 on a node of its own, brokers 1 (az-a) and 2 (az-b).
pub fn kraft39() -> &'static Compat {
    static C: OnceLock<Compat> = OnceLock::new();
    C.get_or_init(|| {
        Compat::start(
            "kraft39",
            vec![(1, Some("az-a")), (2, Some("az-b"))],
            Tools {
                topics: "org.apache.kafka.tools.TopicCommand",
                groups: "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                configs: "kafka.admin.ConfigCommand",
                reassign: "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
            },
        )
    })
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub use crate::support::{unique, wait_for};

impl Compat {
    /// `kafka-compat.sh NAME up` (idempotent, safe to run concurrently) and its coordinates.
    fn start(name: &'static str, brokers: Vec<(i32, Option<&'static str>)>, tools: Tools) -> Compat {
        let script = root().join("scripts/kafka-compat.sh");
        let up = Command::new("bash").arg(&script).args([name, "up"]).status().expect("run kafka-compat.sh");
        assert!(up.success(), "scripts/kafka-compat.sh {name} up failed");
        let out = Command::new("bash").arg(&script).args([name, "env"]).output().expect("run kafka-compat.sh env");
        assert!(out.status.success(), "kafka-compat.sh {name} env: {}", String::from_utf8_lossy(&out.stderr));
        let vars: HashMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        let get = |k: &str| vars.get(k).cloned().unwrap_or_else(|| panic!("kafka-compat.sh {name} env has no {k}"));
        Compat {
            name,
            version: get("KDECK_COMPAT_KAFKA_VERSION"),
            bootstrap: get("KDECK_COMPAT_BOOTSTRAP"),
            classpath: get("KDECK_COMPAT_CLASSPATH"),
            brokers,
            tools,
            nodes: RwLock::new(()),
        }
    }

    pub fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.nodes.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.nodes.write().unwrap_or_else(|e| e.into_inner())
    }

    /// `kafka-compat.sh NAME ARGS…`, failing the test on error.
    pub fn script(&self, args: &[&str]) {
        let st = Command::new("bash")
            .arg(root().join("scripts/kafka-compat.sh"))
            .arg(self.name)
            .args(args)
            .status()
            .expect("run kafka-compat.sh");
        assert!(st.success(), "kafka-compat.sh {} {args:?} failed", self.name);
    }

    /// The replication factor tests use: every broker.
    pub fn rf(&self) -> usize {
        self.brokers.len()
    }

    /// Runs kdeck against this cluster.
    pub fn kdeck_output(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args(["--bootstrap", &self.bootstrap])
            .args(args)
            .env("KDECK_CONFIG", root().join("tests/compat/no-such-config.toml"))
            .env("KDECK_STATE_DIR", std::env::temp_dir().join(format!("kdeck-compat-{}", self.name)))
            .env_remove("KDECK_BOOTSTRAP")
            .env_remove("KDECK_CLUSTER")
            .output()
            .expect("run kdeck")
    }

    /// Runs kdeck and returns stdout, failing the test on error.
    pub fn kdeck(&self, args: &[&str]) -> String {
        let out = self.kdeck_output(args);
        assert!(
            out.status.success(),
            "kdeck {args:?} failed on Kafka {}:\n{}",
            self.version,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    pub fn kdeck_json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--output", "json"]);
        serde_json::from_str(&self.kdeck(&full)).expect("kdeck printed JSON")
    }

    /// Runs one of this version's own tools.
    pub fn tool_output(&self, class: &str, args: &[&str]) -> Output {
        crate::support::java_output(&self.classpath, class, args)
    }

    /// Runs one of this version's own tools (the oracle) and returns stdout, failing the test on
    /// error.
    pub fn tool(&self, class: &str, args: &[&str]) -> String {
        crate::support::java_tool(&self.classpath, class, args)
    }

    /// A tool that talks to the brokers: `--bootstrap-server` is added first.
    pub fn admin_tool(&self, class: &str, args: &[&str]) -> String {
        let mut full = vec!["--bootstrap-server", self.bootstrap.as_str()];
        full.extend_from_slice(args);
        self.tool(class, &full)
    }

    fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.bootstrap);
        c
    }

    /// Produces `n` messages of `size` bytes, message i to partition i % partitions, acks=all;
    /// returns the count per partition.
    pub fn produce(&self, topic: &str, n: usize, partitions: i32, size: usize) -> Vec<i64> {
        let producer: ThreadedProducer<DefaultProducerContext> =
            self.client_config().set("acks", "all").set("linger.ms", "5").create().expect("producer");
        let mut counts = vec![0i64; partitions as usize];
        let value = "x".repeat(size);
        for i in 0..n {
            let p = (i % partitions as usize) as i32;
            let key = format!("k{i}");
            crate::support::send(&producer, BaseRecord::to(topic).partition(p).key(&key).payload(&value));
            counts[p as usize] += 1;
        }
        producer.flush(Duration::from_secs(30)).expect("flush");
        counts
    }

    /// Commits offset `offsets[p]` on partition p of `topic` for `group` (which has no members).
    pub fn commit(&self, topic: &str, group: &str, offsets: &[i64]) {
        let consumer: BaseConsumer =
            self.client_config().set("group.id", group).set("enable.auto.commit", "false").create().expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for (p, off) in offsets.iter().enumerate() {
            tpl.add_partition_offset(topic, p as i32, Offset::Offset(*off)).expect("tpl");
        }
        consumer.commit(&tpl, CommitMode::Sync).expect("commit");
    }
}
