//! 100k partitions over 50 brokers (RF 3, 5 racks), every partition with a size (1-1000 MiB),
//! so the byte exchanges run too: 10 new brokers join and the cluster is rebalanced (racks equal,
//! or all new brokers in one rack), and 5 brokers of one rack are drained.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kdeck::plan::{plan, Broker, ClusterState, Goal, PartitionState, PlanRequest, Scope};

/// `partitions` RF-3 partitions laid out cyclically over brokers `0..old_brokers` (consecutive
/// ids are in different racks, so the start is rack-aware), with sizes of 1-1000 MiB.
fn skewed_cluster(partitions: usize, brokers: i32, old_brokers: i32, rack_of: impl Fn(i32) -> i32) -> ClusterState {
    let brokers_v: Vec<Broker> =
        (0..brokers).map(|id| Broker { id, rack: Some(format!("az-{}", rack_of(id))), alive: true }).collect();
    let per_topic = 100;
    let mut parts = Vec::with_capacity(partitions);
    for i in 0..partitions {
        let topic = format!("topic-{:04}", i / per_topic);
        let base = i as i32;
        let replicas: Vec<i32> = (0..3).map(|k| (base + k) % old_brokers).collect();
        parts.push(PartitionState {
            topic,
            partition: (i % per_topic) as i32,
            isr: replicas.clone(),
            leader: replicas.first().copied(),
            replicas,
            size_bytes: Some(((i as u64 * 7919) % 1000 + 1) * 1_048_576),
        });
    }
    ClusterState { brokers: brokers_v, partitions: parts, min_isr: BTreeMap::new() }
}

/// Prints the figures of the plan once, then times it.
fn case(c: &mut Criterion, name: &str, state: &ClusterState, goal: Goal) {
    let req = PlanRequest { goal, scope: Scope::All, target_brokers: Vec::new(), include_unhealthy: false };
    match plan(state, &req) {
        Ok(p) => eprintln!(
            "{name}: moves={} lower_bound={} leader_only={} targets_reached={} replicas {}..{} leaders {}..{} bytes/broker {}..{} MiB (before {}..{}) moved {} MiB topic_search_complete={}",
            p.summary.moves,
            p.summary.lower_bound,
            p.summary.leader_only_changes,
            p.summary.balance.targets_reached,
            p.summary.balance.replicas_min_after,
            p.summary.balance.replicas_max_after,
            p.summary.balance.leaders_min_after,
            p.summary.balance.leaders_max_after,
            p.summary.brokers.iter().filter(|b| b.target).map(|b| b.bytes_after >> 20).min().unwrap_or(0),
            p.summary.brokers.iter().filter(|b| b.target).map(|b| b.bytes_after >> 20).max().unwrap_or(0),
            p.summary.brokers.iter().filter(|b| b.bytes_before > 0).map(|b| b.bytes_before >> 20).min().unwrap_or(0),
            p.summary.brokers.iter().map(|b| b.bytes_before >> 20).max().unwrap_or(0),
            p.summary.bytes_to_move >> 20,
            p.summary.topic_search_complete,
        ),
        Err(e) => eprintln!("{name}: plan failed: {e}"),
    }
    c.bench_function(name, |b| b.iter(|| plan(black_box(state), black_box(&req))));
}

fn bench(c: &mut Criterion) {
    // 40 brokers in 5 racks of 8; 10 new brokers join, 2 per rack.
    let equal = skewed_cluster(100_000, 50, 40, |id| id % 5);
    case(c, "rebalance_100k_partitions_50_brokers", &equal, Goal::Rebalance);
    // The 10 new brokers all join rack az-0 (18 brokers there, 8 in each other rack).
    let one_rack = skewed_cluster(100_000, 50, 40, |id| if id >= 40 { 0 } else { id % 5 });
    case(c, "rebalance_100k_new_brokers_in_one_rack", &one_rack, Goal::Rebalance);
    // 50 brokers in use; the 5 brokers 0, 5, .., 20 of rack az-0 are drained (5 left there, 10
    // in each other rack).
    let full = skewed_cluster(100_000, 50, 50, |id| id % 5);
    case(c, "drain_5_brokers_of_one_rack_100k", &full, Goal::Drain { brokers: vec![0, 5, 10, 15, 20] });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
