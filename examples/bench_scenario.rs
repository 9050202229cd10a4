//! The benchmark scenario of scripts/bench.sh (issue #15), loaded on the benchmark cluster
//! (`KDECK_BENCH=1 scripts/kafka-cluster.sh`) through kdeck's own control-plane client (batched
//! CreateTopics/DeleteTopics, OffsetFetch per coordinator, OffsetCommit per group) and rdkafka
//! for the records. Run through scripts/bench-scenario.sh; not product surface.
//!
//! What it makes (every name starts with `bench.`):
//! - topics `bench.t00000`… : T topics × P partitions, replication factor 2;
//! - at least `RECORDS` records in every partition (offsets are committed relative to the end
//!   offsets, so every lag below is known);
//! - groups `bench.g00000`… : G groups with committed offsets (no members) on two topics each,
//!   `t(j mod T)` and `t((j + T/2) mod T)`; group j lags when j mod 4 = 1, by 1 + (j + p) mod 5
//!   records on partition p of each of its topics, else it is at the end;
//! - with `live`: L groups `bench.live.k` with one running rdkafka member each, on topic t(k),
//!   caught up (lag 0), until SIGTERM/SIGINT (then the members leave their groups).
//!
//! `load` is idempotent: it creates only missing topics, produces only missing records, commits
//! only offsets that differ, and deletes `bench.t…`/`bench.g…` objects beyond the asked size. It
//! prints one JSON line with the sizes and the expected total lag.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a tool, not the product
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use futures::stream::{self, StreamExt};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::{CreateTopicsRequest, DeleteTopicsRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use kdeck::kafka::admin::{OffsetSpec, TopicPartition};
use kdeck::kafka::proto::error_name;
use kdeck::kafka::{Client, ClientConfig, Target};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

/// Records in every partition.
const RECORDS: i64 = 10;
/// Topics per CreateTopics/DeleteTopics request (KRaft caps one request at 10,000 records).
const TOPICS_PER_REQUEST: usize = 100;
/// OffsetCommit requests in flight at once.
const COMMITS_IN_FLIGHT: usize = 64;
const TOPIC_PREFIX: &str = "bench.t";
const GROUP_PREFIX: &str = "bench.g";
const LIVE_PREFIX: &str = "bench.live.";
const TOPIC_ALREADY_EXISTS: i16 = 36;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;

#[derive(Parser)]
struct Args {
    /// The benchmark cluster (scripts/kafka-cluster.sh env with KDECK_BENCH=1).
    #[arg(long, env = "KDECK_BENCH_BOOTSTRAP")]
    bootstrap: String,
    #[arg(long, default_value_t = 2000)]
    topics: usize,
    #[arg(long, default_value_t = 10)]
    partitions: i32,
    #[arg(long, default_value_t = 10_000)]
    groups: usize,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create what is missing (idempotent); prints the sizes and the expected total lag as JSON.
    Load,
    /// Delete every `bench.` topic and group.
    Remove,
    /// Run one member in each of `members` groups `bench.live.k` (topic t(k)) until SIGTERM;
    /// prints "ready" once every member is caught up and has committed.
    Live {
        #[arg(long, default_value_t = 4)]
        members: usize,
    },
}

fn topic(i: usize) -> String {
    format!("{TOPIC_PREFIX}{i:05}")
}

fn group(j: usize) -> String {
    format!("{GROUP_PREFIX}{j:05}")
}

/// The topics group j commits offsets on.
fn group_topics(j: usize, topics: usize) -> Vec<usize> {
    let mut ts = vec![j % topics, (j + topics / 2) % topics];
    ts.sort_unstable();
    ts.dedup();
    ts
}

/// How many records group j is behind on partition p of each of its topics.
fn lag(j: usize, p: i32) -> i64 {
    if j % 4 == 1 {
        1 + (j as i64 + i64::from(p)) % 5
    } else {
        0
    }
}

/// The offsets group j commits: its lag behind each partition's end offset.
fn desired_offsets(j: usize, a: &Args, ends: &HashMap<TopicPartition, i64>) -> Vec<(TopicPartition, i64)> {
    group_topics(j, a.topics)
        .into_iter()
        .flat_map(|t| {
            (0..a.partitions).map(move |p| {
                let tp = (topic(t), p);
                let end = ends.get(&tp).copied().unwrap_or(RECORDS);
                (tp, end - lag(j, p))
            })
        })
        .collect()
}

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

async fn connect(a: &Args) -> anyhow::Result<Client> {
    let cfg = ClientConfig {
        bootstrap: a.bootstrap.split(',').map(str::to_string).collect(),
        client_id: "kdeck-bench-scenario".into(),
        request_timeout: Duration::from_secs(60),
        ..ClientConfig::default()
    };
    Client::connect(cfg).await.context("connecting to the benchmark cluster")
}

/// Topic name → (partition, leader) of every `bench.t` topic.
async fn bench_topics(c: &Client) -> anyhow::Result<BTreeMap<String, Vec<(i32, i32)>>> {
    let meta = c.metadata(None).await?;
    Ok(meta
        .topics
        .iter()
        .filter_map(|t| {
            let name = t.name.as_ref()?.0.to_string();
            name.starts_with(TOPIC_PREFIX)
                .then(|| (name, t.partitions.iter().map(|p| (p.partition_index, p.leader_id.0)).collect()))
        })
        .collect())
}

async fn create_topics(c: &Client, names: &[String], partitions: i32) -> anyhow::Result<()> {
    let batches = names.chunks(TOPICS_PER_REQUEST).map(|batch| async move {
        let req = CreateTopicsRequest::default()
            .with_topics(
                batch
                    .iter()
                    .map(|n| {
                        CreatableTopic::default()
                            .with_name(TopicName(s(n)))
                            .with_num_partitions(partitions)
                            .with_replication_factor(2)
                    })
                    .collect(),
            )
            .with_timeout_ms(60_000);
        let resp = c.send(Target::Controller, &req).await?;
        for t in resp.topics {
            if t.error_code != 0 && t.error_code != TOPIC_ALREADY_EXISTS {
                bail!("creating {}: {}", t.name.0, error_name(t.error_code));
            }
        }
        Ok(())
    });
    let results: Vec<anyhow::Result<()>> = stream::iter(batches).buffer_unordered(4).collect().await;
    results.into_iter().collect()
}

async fn delete_topics(c: &Client, names: &[String]) -> anyhow::Result<()> {
    for batch in names.chunks(TOPICS_PER_REQUEST) {
        let req = DeleteTopicsRequest::default()
            .with_topics(batch.iter().map(|n| DeleteTopicState::default().with_name(Some(TopicName(s(n))))).collect())
            .with_timeout_ms(60_000);
        let resp = c.send(Target::Controller, &req).await?;
        for t in resp.responses {
            if t.error_code != 0 && t.error_code != UNKNOWN_TOPIC_OR_PARTITION {
                bail!("deleting {:?}: {}", t.name.map(|n| n.0.to_string()), error_name(t.error_code));
            }
        }
    }
    Ok(())
}

async fn delete_groups(c: &Client, names: &[String]) -> anyhow::Result<()> {
    for (g, r) in c.delete_groups(names).await {
        r.with_context(|| format!("deleting group {g}"))?;
    }
    Ok(())
}

/// Every listed group whose name starts with `prefix`.
async fn groups_with_prefix(c: &Client, prefix: &str) -> anyhow::Result<Vec<String>> {
    let (groups, unreachable) = c.list_groups().await;
    if !unreachable.is_empty() {
        bail!("listing groups: {}", unreachable.join("; "));
    }
    Ok(groups.into_iter().map(|g| g.group_id.0.to_string()).filter(|g| g.starts_with(prefix)).collect())
}

fn step(what: &str, since: Instant) {
    eprintln!("bench_scenario: {what} ({:.1} s)", since.elapsed().as_secs_f64());
}

/// Waits until every partition of `topics` has a leader; returns their (partition, leader).
async fn leaders(c: &Client, a: &Args) -> anyhow::Result<Vec<(TopicPartition, Option<i32>)>> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let have = bench_topics(c).await?;
        let mut out = Vec::new();
        let mut missing = 0usize;
        for i in 0..a.topics {
            match have.get(&topic(i)) {
                Some(ps) if ps.len() == a.partitions as usize && ps.iter().all(|(_, l)| *l >= 0) => {
                    out.extend(ps.iter().map(|(p, l)| ((topic(i), *p), Some(*l))))
                }
                _ => missing += 1,
            }
        }
        if missing == 0 {
            return Ok(out);
        }
        if Instant::now() > deadline {
            bail!("{missing} topics still without every partition led after 180 s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// End offsets of every scenario partition, waiting (up to 10 min) while the brokers are still
/// creating the logs of new partitions (NOT_LEADER_OR_FOLLOWER for a while after CreateTopics).
async fn end_offsets(c: &Client, a: &Args) -> anyhow::Result<Vec<(TopicPartition, i64)>> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let leaders = leaders(c, a).await?;
        let ends = c.list_offsets(&leaders, OffsetSpec::Latest).await;
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for ((tp, _), end) in leaders.iter().zip(ends) {
            match end {
                Ok(e) => out.push((tp.clone(), e)),
                Err(e) => failed.push(format!("{}-{}: {e}", tp.0, tp.1)),
            }
        }
        let Some(first) = failed.first() else { return Ok(out) };
        if Instant::now() > deadline {
            bail!("{} partitions without an end offset after 10 min, e.g. {first}", failed.len());
        }
        eprintln!("bench_scenario: {} partitions not answering yet (e.g. {first}); waiting", failed.len());
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn produce(a: &Args, todo: &[(TopicPartition, i64)]) -> anyhow::Result<usize> {
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &a.bootstrap)
        // No retries, so no duplicates without idempotence (acks=all was too slow at 20k
        // partitions on a loaded 2-core box); what fails is produced by the next run.
        .set("acks", "1")
        .set("retries", "0")
        .set("message.timeout.ms", "600000")
        .set("linger.ms", "50")
        .set("queue.buffering.max.messages", "1000000")
        .set("log_level", "3")
        .create()?;
    let mut pending = Vec::new();
    for ((t, p), n) in todo {
        for k in 0..*n {
            let value = format!("bench record {t}-{p} #{k}: {}", "x".repeat(64));
            let mut rec = FutureRecord::to(t).partition(*p).key("bench").payload(&value);
            loop {
                match producer.send_result(rec) {
                    Ok(f) => {
                        pending.push(f);
                        break;
                    }
                    Err((_, back)) => {
                        rec = back;
                        producer.poll(Duration::from_millis(50));
                    }
                }
            }
        }
    }
    let sent = pending.len();
    for f in pending {
        match f.await {
            Ok(Ok(_)) => {}
            Ok(Err((e, _))) => bail!("producing: {e}"),
            Err(_) => bail!("producing: the delivery report was dropped"),
        }
    }
    producer.flush(Duration::from_secs(60))?;
    Ok(sent)
}

async fn load(a: &Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    if a.topics < 2 || a.partitions < 1 {
        bail!("the scenario needs at least 2 topics of 1 partition");
    }
    let c = connect(a).await?;
    let have = bench_topics(&c).await?;
    let wanted: Vec<String> = (0..a.topics).map(topic).collect();
    for (name, ps) in &have {
        if wanted.contains(name) && ps.len() != a.partitions as usize {
            bail!(
                "topic {name} has {} partitions, the scenario wants {}: remove the scenario first \
                 (scripts/bench-scenario.sh --remove)",
                ps.len(),
                a.partitions
            );
        }
    }
    let extra: Vec<String> = have.keys().filter(|n| !wanted.contains(n)).cloned().collect();
    if !extra.is_empty() {
        delete_topics(&c, &extra).await?;
        step(&format!("deleted {} topics beyond the scenario", extra.len()), t0);
    }
    let missing: Vec<String> = wanted.iter().filter(|n| !have.contains_key(*n)).cloned().collect();
    create_topics(&c, &missing, a.partitions).await?;
    step(&format!("created {} of {} topics", missing.len(), a.topics), t0);

    let ends = end_offsets(&c, a).await?;
    step("every partition answers its end offset", t0);
    let mut todo = Vec::new();
    for (tp, end) in ends {
        if end < RECORDS {
            todo.push((tp, RECORDS - end));
        }
    }
    let produced = produce(a, &todo).await?;
    step(&format!("produced {produced} records into {} partitions", todo.len()), t0);
    // At least RECORDS each (a run stopped while its records were in flight can leave more): the
    // offsets below are committed relative to the real end offsets, so the lag stays as designed.
    let ends: HashMap<TopicPartition, i64> = end_offsets(&c, a).await?.into_iter().collect();

    let extra_groups: Vec<String> = groups_with_prefix(&c, GROUP_PREFIX)
        .await?
        .into_iter()
        .filter(|g| g[GROUP_PREFIX.len()..].parse::<usize>().map_or(true, |j| j >= a.groups))
        .collect();
    if !extra_groups.is_empty() {
        delete_groups(&c, &extra_groups).await?;
        step(&format!("deleted {} groups beyond the scenario", extra_groups.len()), t0);
    }
    let names: Vec<String> = (0..a.groups).map(group).collect();
    let committed = c.offset_fetch(&names).await;
    let mut to_commit = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let want = desired_offsets(j, a, &ends);
        let have: HashMap<TopicPartition, i64> = match committed.named(name) {
            Some(Ok(offsets)) => offsets.into_iter().map(|(t, p, o)| ((t, p), o)).collect(),
            _ => HashMap::new(),
        };
        if have.len() != want.len() || want.iter().any(|(tp, o)| have.get(tp) != Some(o)) {
            to_commit.push((name.clone(), want));
        }
    }
    let commits = to_commit.len();
    let c = &c;
    let results: Vec<anyhow::Result<()>> = stream::iter(to_commit)
        .map(|(g, offsets)| async move {
            c.commit_group_offsets(&g, &offsets).await.with_context(|| format!("committing offsets of {g}"))
        })
        .buffer_unordered(COMMITS_IN_FLIGHT)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<()>>()?;
    step(&format!("committed offsets of {commits} of {} groups", a.groups), t0);

    let expected_lag: i64 = (0..a.groups)
        .map(|j| group_topics(j, a.topics).len() as i64 * (0..a.partitions).map(|p| lag(j, p)).sum::<i64>())
        .sum();
    let lagging = (0..a.groups).filter(|j| j % 4 == 1).count();
    println!(
        "{}",
        serde_json::json!({
            "topics": a.topics,
            "partitions_per_topic": a.partitions,
            "partitions": a.topics * a.partitions as usize,
            "replication_factor": 2,
            "min_records_per_partition": RECORDS,
            "groups": a.groups,
            "lagging_groups": lagging,
            "expected_total_lag": expected_lag,
            "seconds": (t0.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    Ok(())
}

async fn remove(a: &Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let c = connect(a).await?;
    let mut groups = groups_with_prefix(&c, GROUP_PREFIX).await?;
    groups.extend(groups_with_prefix(&c, LIVE_PREFIX).await?);
    delete_groups(&c, &groups).await?;
    step(&format!("deleted {} groups", groups.len()), t0);
    let topics: Vec<String> = bench_topics(&c).await?.into_keys().collect();
    delete_topics(&c, &topics).await?;
    step(&format!("deleted {} topics", topics.len()), t0);
    Ok(())
}

/// One member of `bench.live.k` on topic t(k): polls until `stop`; says when it is caught up.
fn live_member(a: &Args, k: usize, stop: &AtomicBool, ready: std::sync::mpsc::Sender<usize>) -> anyhow::Result<()> {
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &a.bootstrap)
        .set("group.id", format!("{LIVE_PREFIX}{k}"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("log_level", "3")
        .create()?;
    let t = topic(k % a.topics);
    consumer.subscribe(&[&t])?;
    let mut said = false;
    while !stop.load(Ordering::Relaxed) {
        if let Some(Err(e)) = consumer.poll(Duration::from_millis(200)) {
            eprintln!("bench_scenario: live member {k}: {e}");
        }
        if said {
            continue;
        }
        // Where each partition stands: the position once a record was read, else the committed
        // offset (a group already at the end from an earlier run reads nothing, and librdkafka
        // leaves its position unset).
        let assignment = consumer.assignment()?;
        if assignment.count() != a.partitions as usize {
            continue;
        }
        let positions = consumer.position()?;
        let committed = consumer.committed(Duration::from_secs(10))?;
        let at = |list: &TopicPartitionList, p: i32| match list.find_partition(&t, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => Some(o),
            _ => None,
        };
        let mut standing = TopicPartitionList::new();
        let mut caught_up = true;
        for e in assignment.elements() {
            let p = e.partition();
            let here = at(&positions, p).or_else(|| at(&committed, p));
            let end = consumer.fetch_watermarks(&t, p, Duration::from_secs(10)).map(|(_, h)| h).ok();
            match (here, end) {
                (Some(o), Some(h)) if o == h => standing.add_partition_offset(&t, p, Offset::Offset(o))?,
                _ => caught_up = false,
            }
        }
        if caught_up {
            consumer.commit(&standing, CommitMode::Sync)?;
            said = true;
            let _ = ready.send(k);
        }
    }
    consumer.unsubscribe();
    Ok(())
}

async fn live(a: Arc<Args>, members: usize) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let mut threads = Vec::new();
    for k in 0..members {
        let (a, stop, tx) = (a.clone(), stop.clone(), tx.clone());
        threads.push(std::thread::spawn(move || live_member(&a, k, &stop, tx)));
    }
    drop(tx);
    let waiter = tokio::task::spawn_blocking(move || rx.iter().take(members).count());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        n = waiter => {
            if n? == members {
                println!("ready");
            }
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a live member panicked"))??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    match a.cmd {
        Cmd::Load => load(&a).await,
        Cmd::Remove => remove(&a).await,
        Cmd::Live { members } => live(Arc::new(a), members).await,
    }
}
