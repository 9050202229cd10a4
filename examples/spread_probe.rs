//! Measures per-topic spread after `rebalance` on 300 random add-a-broker
//! clusters (3-10 old brokers, 1-3 new, 1-12 topics, RF 1-3): topics spread
//! evenly over the old brokers, then placed at random. Prints how far apart
//! (max - min replicas of a topic over the brokers) the topics end.
//!
//!     cargo run --release --example spread_probe            # with 0-3 extra racks
//!     NORACKS=1 cargo run --release --example spread_probe  # no racks

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking
use kdeck::plan::*;
use std::collections::BTreeMap;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    for (label, even_start) in [("topics evenly spread on old brokers", true), ("random placement", false)] {
        let mut hist: BTreeMap<i64, usize> = BTreeMap::new();
        let mut cases = 0;
        for seed in 0..300u64 {
            let mut r = Rng(seed);
            let old = 3 + r.below(8) as i32;
            let new = 1 + r.below(3) as i32;
            // drawn either way, so NORACKS changes only the racks, not the rest of each case
            let drawn = r.below(4);
            let racks = if std::env::var("NORACKS").is_ok() { 0 } else { drawn };
            let brokers: Vec<Broker> = (1..=old + new)
                .map(|id| Broker {
                    id,
                    rack: if racks == 0 { None } else { Some(format!("r{}", id as u64 % (racks + 1))) },
                    alive: true,
                })
                .collect();
            let mut parts = Vec::new();
            let topics = 1 + r.below(12);
            for t in 0..topics {
                let rf = 1 + r.below(3.min(old as u64)) as usize;
                let n = 1 + r.below(40) as i32;
                let start = r.below(old as u64) as i32;
                for p in 0..n {
                    let replicas: Vec<i32> = if even_start {
                        (0..rf as i32).map(|k| (start + p + k) % old + 1).collect()
                    } else {
                        let mut v: Vec<i32> = Vec::new();
                        while v.len() < rf {
                            let b = 1 + r.below(old as u64) as i32;
                            if !v.contains(&b) {
                                v.push(b);
                            }
                        }
                        v
                    };
                    parts.push(PartitionState {
                        topic: format!("t{t}"),
                        partition: p,
                        isr: replicas.clone(),
                        leader: Some(replicas[0]),
                        replicas,
                        size_bytes: Some(1 + r.below(1000)),
                    });
                }
            }
            let state = ClusterState { brokers, partitions: parts, min_isr: BTreeMap::new() };
            let req = PlanRequest {
                goal: Goal::Rebalance,
                scope: Scope::All,
                target_brokers: vec![],
                include_unhealthy: false,
            };
            let Ok(plan) = plan(&state, &req) else { continue };
            cases += 1;
            let moved: BTreeMap<(&str, i32), &Vec<i32>> =
                plan.moves.iter().map(|m| ((m.topic.as_str(), m.partition), &m.to)).collect();
            let mut per: BTreeMap<(&str, i32), i64> = BTreeMap::new();
            let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
            for p in &state.partitions {
                let l = moved.get(&(p.topic.as_str(), p.partition)).copied().unwrap_or(&p.replicas);
                for b in l {
                    *per.entry((p.topic.as_str(), *b)).or_default() += 1;
                }
                *totals.entry(p.topic.as_str()).or_default() += l.len() as i64;
            }
            for t in totals.keys() {
                let c: Vec<i64> = (1..=old + new).map(|b| per.get(&(*t, b)).copied().unwrap_or(0)).collect();
                let spread = c.iter().max().unwrap() - c.iter().min().unwrap();
                *hist.entry(spread.min(5)).or_default() += 1;
            }
        }
        let total: usize = hist.values().sum();
        println!(
            "{label}: {cases} clusters, {total} topics; max-min replicas of a topic over brokers after rebalance:"
        );
        for (k, v) in &hist {
            println!("  {}{}: {} ({:.1}%)", k, if *k == 5 { "+" } else { "" }, v, *v as f64 * 100.0 / total as f64);
        }
    }
}
