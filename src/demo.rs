//! `kdeck demo`: the local 3-broker cluster, sample topics, a producer and consumer groups that
//! move (one deliberately slow, so its lag climbs), and the console on top. Quitting stops the
//! load; the cluster keeps running until `scripts/kafka-cluster.sh down`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::task::JoinHandle;

pub const BOOTSTRAP: &str = "127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092";

/// (name, partitions, replication factor)
pub const TOPICS: &[(&str, i32, i32)] =
    &[("demo.orders", 6, 3), ("demo.payments", 3, 3), ("demo.clicks", 12, 2), ("demo.audit", 1, 1)];

/// The cluster script: $KDECK_CLUSTER_SCRIPT, else the one in the source tree kdeck was built from.
pub fn cluster_script() -> PathBuf {
    std::env::var_os("KDECK_CLUSTER_SCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka-cluster.sh")))
}

pub fn start_cluster() -> anyhow::Result<()> {
    let script = cluster_script();
    if !script.exists() {
        bail!("{} not found: run kdeck demo from its source tree, or set KDECK_CLUSTER_SCRIPT", script.display());
    }
    eprintln!("kdeck demo: starting the local cluster ({} up)…", script.display());
    let st = Command::new("bash").arg(&script).arg("up").status().context("running the cluster script")?;
    if !st.success() {
        bail!("the local cluster did not start (see the messages above)");
    }
    Ok(())
}

fn base() -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", BOOTSTRAP).set("log_level", "3");
    c
}

pub async fn create_topics() -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = base().create()?;
    let topics: Vec<NewTopic> =
        TOPICS.iter().map(|(n, p, rf)| NewTopic::new(n, *p, TopicReplication::Fixed(*rf))).collect();
    let results =
        admin.create_topics(&topics, &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)))).await?;
    for r in results {
        match r {
            Ok(_) => {}
            Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, e)) => bail!("creating {t}: {e}"),
        }
    }
    Ok(())
}

/// The running demo load; dropping it stops every task.
pub struct Load {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Load {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// `rate` messages per second into orders/payments/clicks; `demo-analytics` keeps up with
/// clicks, `demo-billing` reads orders at a quarter of their rate, `demo-audit` reads payments.
pub fn start_load(rate: u32) -> anyhow::Result<Load> {
    let producer: FutureProducer = base().set("linger.ms", "20").set("acks", "all").create()?;
    let mut tasks = Vec::new();
    let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            let topic = match n % 4 {
                0 | 1 => "demo.clicks",
                2 => "demo.orders",
                _ => "demo.payments",
            };
            let key = format!("customer-{}", n % 97);
            let value = format!("{{\"seq\":{n},\"customer\":\"{key}\",\"amount\":{}}}", (n * 37) % 1000);
            let _ = producer.send(FutureRecord::to(topic).key(&key).payload(&value), Duration::from_secs(5)).await;
            n += 1;
        }
    }));
    let orders_per_sec = f64::from(rate) / 4.0;
    tasks.push(consumer("demo-analytics", "demo.clicks", None)?);
    tasks.push(consumer("demo-billing", "demo.orders", Some(Duration::from_secs_f64(4.0 / orders_per_sec.max(0.25))))?);
    tasks.push(consumer("demo-audit", "demo.payments", None)?);
    Ok(Load { tasks })
}

/// A group member; `pause` per message makes it deliberately slower than the producer.
fn consumer(group: &str, topic: &str, pause: Option<Duration>) -> anyhow::Result<JoinHandle<()>> {
    let c: StreamConsumer = base()
        .set("group.id", group)
        .set("client.id", format!("kdeck-demo-{group}"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()?;
    c.subscribe(&[topic])?;
    Ok(tokio::spawn(async move {
        loop {
            match c.recv().await {
                Ok(m) => {
                    let _ = c.commit_message(&m, CommitMode::Async);
                    if let Some(p) = pause {
                        tokio::time::sleep(p).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "demo consumer");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }))
}
