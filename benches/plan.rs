//! 100k partitions over 50 brokers (RF 3, 5 racks): everything starts on 40
//! brokers, then 10 new brokers join and the cluster is rebalanced. Every
//! partition has a size (1-1000 MiB), so the byte exchanges run too.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kdeck::plan::{plan, Broker, ClusterState, Goal, PartitionState, PlanRequest, Scope};

fn skewed_cluster(partitions: usize, brokers: i32, old_brokers: i32, racks: i32) -> ClusterState {
    let brokers_v: Vec<Broker> = (0..brokers)
        .map(|id| Broker { id, rack: Some(format!("az-{}", id % racks)), alive: true })
        .collect();
    let per_topic = 100;
    let mut parts = Vec::with_capacity(partitions);
    for i in 0..partitions {
        let topic = format!("topic-{:04}", i / per_topic);
        let base = i as i32;
        // Consecutive broker ids are in different racks: rack-aware start.
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

fn bench(c: &mut Criterion) {
    let state = skewed_cluster(100_000, 50, 40, 5);
    let req = PlanRequest {
        goal: Goal::Rebalance,
        scope: Scope::All,
        target_brokers: Vec::new(),
        include_unhealthy: false,
    };
    // Print the figures of the plan once.
    match plan(&state, &req) {
        Ok(p) => eprintln!(
            "plan: moves={} lower_bound={} leader_only={} targets_reached={} replicas {}..{} leaders {}..{} bytes/broker {}..{} MiB (before {}..{}) moved {} MiB",
            p.summary.moves,
            p.summary.lower_bound,
            p.summary.leader_only_changes,
            p.summary.balance.targets_reached,
            p.summary.balance.replicas_min_after,
            p.summary.balance.replicas_max_after,
            p.summary.balance.leaders_min_after,
            p.summary.balance.leaders_max_after,
            p.summary.brokers.iter().map(|b| b.bytes_after >> 20).min().unwrap_or(0),
            p.summary.brokers.iter().map(|b| b.bytes_after >> 20).max().unwrap_or(0),
            p.summary.brokers.iter().filter(|b| b.bytes_before > 0).map(|b| b.bytes_before >> 20).min().unwrap_or(0),
            p.summary.brokers.iter().map(|b| b.bytes_before >> 20).max().unwrap_or(0),
            p.summary.bytes_to_move >> 20,
        ),
        Err(e) => eprintln!("plan failed: {e}"),
    }
    c.bench_function("rebalance_100k_partitions_50_brokers", |b| {
        b.iter(|| plan(black_box(&state), black_box(&req)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
