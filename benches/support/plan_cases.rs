//! The planner benchmark's cases, shared by `benches/plan.rs` (criterion) and
//! `examples/plan_timing.rs` (the timing `scripts/bench/planner.sh` reports): 100k RF-3
//! partitions over 50 brokers in 5 racks, every partition with a size (1-1000 MiB), so the topic
//! and byte exchanges run too.

use std::collections::BTreeMap;

use kdeck::plan::{Broker, ClusterState, Goal, PartitionState, Plan};

/// One case: a name, the cluster and the goal.
pub struct Case {
    pub name: &'static str,
    pub state: ClusterState,
    pub goal: Goal,
}

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

/// Every case the issue names: new brokers across racks, new brokers all in one rack, a drain,
/// and an already balanced cluster.
pub fn cases() -> Vec<Case> {
    vec![
        // 40 brokers in 5 racks of 8; 10 new brokers join, 2 per rack.
        Case {
            name: "rebalance_100k_partitions_50_brokers",
            state: skewed_cluster(100_000, 50, 40, |id| id % 5),
            goal: Goal::Rebalance,
        },
        // The 10 new brokers all join rack az-0 (18 brokers there, 8 in each other rack).
        Case {
            name: "rebalance_100k_new_brokers_in_one_rack",
            state: skewed_cluster(100_000, 50, 40, |id| if id >= 40 { 0 } else { id % 5 }),
            goal: Goal::Rebalance,
        },
        // 50 brokers in use; the 5 brokers 0, 5, .., 20 of rack az-0 are drained (5 left there,
        // 10 in each other rack).
        Case {
            name: "drain_5_brokers_of_one_rack_100k",
            state: skewed_cluster(100_000, 50, 50, |id| id % 5),
            goal: Goal::Drain { brokers: vec![0, 5, 10, 15, 20] },
        },
        // The same 50 brokers, already even (replicas, leaders and every topic): nothing moves.
        Case {
            name: "rebalance_100k_already_balanced",
            state: skewed_cluster(100_000, 50, 50, |id| id % 5),
            goal: Goal::Rebalance,
        },
    ]
}

/// The plan's figures on one line.
pub fn describe(p: &Plan) -> String {
    let target = || p.summary.brokers.iter().filter(|b| b.target);
    format!(
        "moves={} lower_bound={} leader_only={} targets_reached={} replicas {}..{} leaders {}..{} bytes/broker {}..{} MiB (before {}..{}) moved {} MiB topic_search_complete={}",
        p.summary.moves,
        p.summary.lower_bound,
        p.summary.leader_only_changes,
        p.summary.balance.targets_reached,
        p.summary.balance.replicas_min_after,
        p.summary.balance.replicas_max_after,
        p.summary.balance.leaders_min_after,
        p.summary.balance.leaders_max_after,
        target().map(|b| b.bytes_after >> 20).min().unwrap_or(0),
        target().map(|b| b.bytes_after >> 20).max().unwrap_or(0),
        p.summary.brokers.iter().filter(|b| b.bytes_before > 0).map(|b| b.bytes_before >> 20).min().unwrap_or(0),
        p.summary.brokers.iter().map(|b| b.bytes_before >> 20).max().unwrap_or(0),
        p.summary.bytes_to_move >> 20,
        p.summary.topic_search_complete,
    )
}
