//! Where new partitions go: a pure, deterministic planner (no I/O), so the preview a user confirms
//! is exactly what is sent, and the TUI can show it before anything happens.
//!
//! Each new partition gets its preferred leader first, then followers:
//! - replicas of one partition on distinct racks while there are racks left (a broker without a
//!   rack counts as its own rack);
//! - the leader is the broker leading the fewest partitions of this topic, then of the cluster;
//! - followers are the brokers holding the fewest replicas of this topic, then of the cluster;
//! - remaining ties go to the lowest broker id.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerSlot {
    pub id: i32,
    pub rack: Option<String>,
}

/// Why the replicas of new partitions cannot be placed (the reassignment planner's errors are
/// [`crate::plan::PlanError`]).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlacementError {
    #[error("replication factor {rf} is larger than the {brokers} available brokers")]
    NotEnoughBrokers { rf: usize, brokers: usize },
    #[error("replication factor must be at least 1")]
    ZeroReplicationFactor,
}

/// Replicas and preferred leaderships per broker, before and after a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerLoad {
    pub id: i32,
    pub rack: Option<String>,
    pub replicas_before: usize,
    pub replicas_after: usize,
    pub leaders_before: usize,
    pub leaders_after: usize,
}

#[derive(Default, Clone)]
struct Counts {
    replicas: BTreeMap<i32, usize>,
    leaders: BTreeMap<i32, usize>,
}

impl Counts {
    fn of(partitions: &[Vec<i32>]) -> Counts {
        let mut c = Counts::default();
        for p in partitions {
            c.add(p);
        }
        c
    }
    fn add(&mut self, replicas: &[i32]) {
        if let Some(l) = replicas.first() {
            *self.leaders.entry(*l).or_default() += 1;
        }
        for r in replicas {
            *self.replicas.entry(*r).or_default() += 1;
        }
    }
    fn replicas(&self, b: i32) -> usize {
        self.replicas.get(&b).copied().unwrap_or(0)
    }
    fn leaders(&self, b: i32) -> usize {
        self.leaders.get(&b).copied().unwrap_or(0)
    }
}

fn rack_of(b: &BrokerSlot) -> String {
    // "\0" cannot appear in a real rack name, so a rackless broker never shares a rack
    b.rack.clone().unwrap_or_else(|| format!("\0{}", b.id))
}

/// Replica lists for `count` new partitions of a topic with replication factor `rf`.
/// `cluster` holds the replica lists of every partition in the cluster (this topic's included),
/// `topic` this topic's current ones.
pub fn plan_new_partitions(
    brokers: &[BrokerSlot],
    cluster: &[Vec<i32>],
    topic: &[Vec<i32>],
    rf: usize,
    count: usize,
) -> Result<Vec<Vec<i32>>, PlacementError> {
    if rf == 0 {
        return Err(PlacementError::ZeroReplicationFactor);
    }
    let mut brokers: Vec<BrokerSlot> = brokers.to_vec();
    brokers.sort_by_key(|b| b.id);
    brokers.dedup_by_key(|b| b.id);
    if rf > brokers.len() {
        return Err(PlacementError::NotEnoughBrokers { rf, brokers: brokers.len() });
    }
    let mut in_cluster = Counts::of(cluster);
    let mut in_topic = Counts::of(topic);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut chosen: Vec<i32> = Vec::with_capacity(rf);
        let mut racks: BTreeMap<String, usize> = BTreeMap::new();
        for slot in 0..rf {
            let best = brokers.iter().filter(|b| !chosen.contains(&b.id)).min_by_key(|b| {
                let same_rack = racks.get(&rack_of(b)).copied().unwrap_or(0);
                if slot == 0 {
                    (
                        same_rack,
                        in_topic.leaders(b.id),
                        in_cluster.leaders(b.id),
                        in_topic.replicas(b.id),
                        in_cluster.replicas(b.id),
                        b.id,
                    )
                } else {
                    (same_rack, in_topic.replicas(b.id), in_cluster.replicas(b.id), 0, 0, b.id)
                }
            });
            // rf <= brokers.len(), so a broker is always left
            let Some(best) = best else { break };
            *racks.entry(rack_of(best)).or_default() += 1;
            chosen.push(best.id);
        }
        in_cluster.add(&chosen);
        in_topic.add(&chosen);
        out.push(chosen);
    }
    Ok(out)
}

/// Per-broker load before and after adding `planned` (for the preview).
pub fn loads(brokers: &[BrokerSlot], cluster: &[Vec<i32>], planned: &[Vec<i32>]) -> Vec<BrokerLoad> {
    let before = Counts::of(cluster);
    let mut after = before.clone();
    for p in planned {
        after.add(p);
    }
    let ids: BTreeSet<i32> = brokers.iter().map(|b| b.id).collect();
    ids.into_iter()
        .map(|id| BrokerLoad {
            id,
            rack: brokers.iter().find(|b| b.id == id).and_then(|b| b.rack.clone()),
            replicas_before: before.replicas(id),
            replicas_after: after.replicas(id),
            leaders_before: before.leaders(id),
            leaders_after: after.leaders(id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(spec: &[(i32, Option<&str>)]) -> Vec<BrokerSlot> {
        spec.iter().map(|(id, r)| BrokerSlot { id: *id, rack: r.map(str::to_string) }).collect()
    }

    fn three() -> Vec<BrokerSlot> {
        slots(&[(1, Some("az-a")), (2, Some("az-b")), (3, Some("az-c"))])
    }

    #[test]
    fn three_to_six_on_three_racks_rotates_leaders() {
        let topic = vec![vec![1, 2, 3], vec![2, 3, 1], vec![3, 1, 2]];
        let plan = plan_new_partitions(&three(), &topic, &topic, 3, 3).expect("plan");
        assert_eq!(plan, vec![vec![1, 2, 3], vec![2, 1, 3], vec![3, 1, 2]]);
        let leaders: BTreeSet<i32> = plan.iter().map(|p| p[0]).collect();
        assert_eq!(leaders, BTreeSet::from([1, 2, 3]));
    }

    #[test]
    fn leaders_avoid_the_busiest_broker() {
        // broker 1 leads 10 partitions of other topics; this topic is balanced
        let topic = vec![vec![1, 2], vec![2, 3], vec![3, 1]];
        let mut cluster = topic.clone();
        cluster.extend(std::iter::repeat_n(vec![1, 2], 10));
        let plan = plan_new_partitions(&three(), &cluster, &topic, 2, 2).expect("plan");
        assert!(plan.iter().all(|p| p[0] != 1), "{plan:?}");
        assert_eq!(plan, vec![vec![3, 1], vec![2, 3]]);
    }

    #[test]
    fn followers_fill_the_emptiest_brokers() {
        // broker 4 is new and empty: it should take the new replicas
        let brokers = slots(&[(1, None), (2, None), (3, None), (4, None)]);
        let topic = vec![vec![1, 2], vec![2, 3], vec![3, 1]];
        let plan = plan_new_partitions(&brokers, &topic, &topic, 2, 2).expect("plan");
        assert_eq!(plan, vec![vec![4, 1], vec![4, 2]]);
        let l = loads(&brokers, &topic, &plan);
        assert_eq!(l.iter().map(|b| b.replicas_after).collect::<Vec<_>>(), vec![3, 3, 2, 2]);
    }

    #[test]
    fn replicas_spread_over_racks() {
        let brokers =
            slots(&[(1, Some("a")), (2, Some("a")), (3, Some("b")), (4, Some("b")), (5, Some("c")), (6, Some("c"))]);
        let plan = plan_new_partitions(&brokers, &[], &[], 3, 12).expect("plan");
        let rack = |id: i32| brokers.iter().find(|b| b.id == id).and_then(|b| b.rack.clone()).expect("rack");
        for p in &plan {
            let racks: BTreeSet<String> = p.iter().map(|b| rack(*b)).collect();
            assert_eq!(racks.len(), 3, "{p:?} not rack-aware");
        }
        let l = loads(&brokers, &[], &plan);
        assert!(l.iter().all(|b| b.replicas_after == 6 && b.leaders_after == 2), "{l:?}");
    }

    #[test]
    fn fewer_racks_than_replicas_still_spreads() {
        let brokers = slots(&[(1, Some("a")), (2, Some("a")), (3, Some("b"))]);
        let plan = plan_new_partitions(&brokers, &[], &[], 3, 2).expect("plan");
        for p in &plan {
            let mut sorted = p.clone();
            sorted.sort();
            assert_eq!(sorted, vec![1, 2, 3]);
        }
        // the second replica is on the other rack than the leader whenever possible
        assert_eq!(plan, vec![vec![1, 3, 2], vec![2, 3, 1]]);
    }

    #[test]
    fn deterministic_whatever_the_broker_order() {
        let topic = vec![vec![2, 3], vec![3, 1]];
        let a = plan_new_partitions(&three(), &topic, &topic, 2, 5).expect("plan");
        let mut rev = three();
        rev.reverse();
        let b = plan_new_partitions(&rev, &topic, &topic, 2, 5).expect("plan");
        assert_eq!(a, b);
        assert_eq!(a, plan_new_partitions(&three(), &topic, &topic, 2, 5).expect("plan"));
    }

    #[test]
    fn too_few_brokers() {
        assert_eq!(
            plan_new_partitions(&three(), &[], &[], 4, 1),
            Err(PlacementError::NotEnoughBrokers { rf: 4, brokers: 3 })
        );
        assert_eq!(
            PlacementError::NotEnoughBrokers { rf: 4, brokers: 3 }.to_string(),
            "replication factor 4 is larger than the 3 available brokers"
        );
        assert_eq!(plan_new_partitions(&three(), &[], &[], 0, 1), Err(PlacementError::ZeroReplicationFactor));
    }
}
