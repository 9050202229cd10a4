//! Steps 1-7 of the module docs' "Algorithm" for every goal but leaders-only: the planned
//! partitions in dense form, target counts, the movement lower bound, the placement by counts
//! ([`super::balance`]), then topic and byte exchanges until neither finds anything.

use std::collections::{BTreeMap, HashMap};

use super::balance::Balancer;
use super::bytes;
use super::dense::{BPart, TargetLayout};
use super::error::PlanError;
use super::exchange::Exchanges;
use super::lower_bound::compute_lower_bound;
use super::model::{ClusterState, Goal};
use super::report::ByteBalance;
use super::spread;
use super::targets;

/// What the placement reports besides the replica lists.
pub(crate) struct PlacementReport {
    /// Replicas per target broker the placement reached for (dense order); none for leaders-only.
    pub target_counts: Option<Vec<usize>>,
    pub lower_bound: usize,
    /// The targets are not all within ±1 of the mean (the racks do not allow it).
    pub rack_limited: bool,
    pub refined: bytes::Refined,
    pub spread: spread::Spread,
}

impl PlacementReport {
    /// Nothing placed: a leaders-only plan keeps every replica set.
    pub(crate) fn leaders_only() -> PlacementReport {
        PlacementReport {
            target_counts: None,
            lower_bound: 0,
            rack_limited: false,
            refined: bytes::Refined { exchanges: 0, status: ByteBalance::NotRun },
            spread: spread::Spread { exchanges: 0, complete: true },
        }
    }
}

/// Final replica lists (broker ids) of the `planned` partitions (indices into
/// `state.partitions`, in planned order), with what the placement reports.
pub(crate) fn place(
    state: &ClusterState,
    goal: &Goal,
    planned: &[usize],
    layout: &TargetLayout,
    goal_rf: Option<usize>,
) -> Result<(Vec<Vec<i32>>, PlacementReport), PlanError> {
    let b_n = layout.broker_count();
    let rfs = replication_factors(state, goal, planned, b_n, goal_rf)?;
    let parts = dense_partitions(state, planned, layout, &rfs);
    let mut classes: BTreeMap<usize, usize> = BTreeMap::new();
    for &rf in &rfs {
        *classes.entry(rf).or_insert(0) += 1;
    }
    let classes: Vec<(usize, usize)> = classes.into_iter().collect();
    let mut current = vec![0usize; b_n];
    for p in &parts {
        for &b in &p.orig {
            if !b.is_empty() {
                current[b] += 1;
            }
        }
    }
    let tgt = targets::compute_targets(&targets::TargetInput {
        rack_members: &layout.rack_members,
        classes: &classes,
        current: &current,
    })?;
    let rack_n = layout.rack_count();
    let lower_bound = compute_lower_bound(&parts, &layout.rack_of, rack_n, &current, &tgt);
    let total: usize = tgt.iter().sum();
    let lo = total / b_n;
    let hi = total.div_ceil(b_n);
    let rack_limited = tgt.iter().any(|&t| t < lo || t > hi);
    let (mut slots, _fallbacks) = Balancer::new(&parts, &layout.rack_of, rack_n, &tgt).run();
    for (j, s) in slots.iter().enumerate() {
        if s.len() != parts[j].rf || s.iter().any(|&b| b.index() >= b_n) {
            return Err(PlanError::Internal(format!(
                "placement of {}-{} is incomplete",
                state.partitions[planned[j]].topic, state.partitions[planned[j]].partition
            )));
        }
    }
    // Topic exchanges, then byte exchanges within topics; a byte exchange
    // can open a topic exchange (other partitions now sit where they
    // were), so alternate until neither changes anything. Each exchange
    // lowers (topic sum of squares, byte sum of squares): this ends.
    let mut refined = bytes::Refined { exchanges: 0, status: ByteBalance::NotRun };
    let mut spread_out = spread::Spread { exchanges: 0, complete: true };
    let mut round = 0;
    let mut shared = Exchanges::new(b_n, &parts);
    loop {
        let s = spread::refine(&parts, &layout.rack_of, &mut slots, &mut shared);
        spread_out = spread::Spread {
            exchanges: spread_out.exchanges + s.exchanges,
            complete: spread_out.complete && s.complete,
        };
        if round > 0 && s.exchanges == 0 {
            break;
        }
        let b = bytes::refine(&parts, &layout.rack_of, &mut slots, &mut shared);
        refined = bytes::Refined { exchanges: refined.exchanges + b.exchanges, status: b.status };
        if b.exchanges == 0 || b.status != ByteBalance::Done {
            break;
        }
        round += 1;
    }
    let lists = slots.iter().map(|s| s.iter().map(|&b| layout.id(b)).collect()).collect();
    let report = PlacementReport { target_counts: Some(tgt), lower_bound, rack_limited, refined, spread: spread_out };
    Ok((lists, report))
}

/// Replication factor per planned partition (the goal's, else its own), checked against the
/// number of target brokers.
fn replication_factors(
    state: &ClusterState,
    goal: &Goal,
    planned: &[usize],
    b_n: usize,
    goal_rf: Option<usize>,
) -> Result<Vec<usize>, PlanError> {
    let mut rfs = Vec::with_capacity(planned.len());
    for &i in planned {
        let p = &state.partitions[i];
        let rf = goal_rf.unwrap_or(p.replicas.len());
        if rf > b_n {
            return Err(if matches!(goal, Goal::Drain { .. }) {
                PlanError::DrainLeavesTooFewBrokers {
                    remaining: b_n,
                    needed: rf,
                    topic: p.topic.clone(),
                    partition: p.partition,
                }
            } else {
                PlanError::PartitionRfExceedsTargets {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    rf,
                    targets: b_n,
                }
            });
        }
        rfs.push(rf);
    }
    Ok(rfs)
}

/// The planned partitions in dense form (topics numbered in order of appearance).
fn dense_partitions(state: &ClusterState, planned: &[usize], layout: &TargetLayout, rfs: &[usize]) -> Vec<BPart> {
    let mut topic_ids: HashMap<&str, u32> = HashMap::new();
    let mut parts: Vec<BPart> = Vec::with_capacity(planned.len());
    // The planned partitions come topic by topic: the previous one's id saves most look-ups.
    let mut last: Option<(&str, u32)> = None;
    for (j, &i) in planned.iter().enumerate() {
        let p = &state.partitions[i];
        let next = u32::try_from(topic_ids.len()).unwrap_or(u32::MAX);
        let topic = match last {
            Some((name, id)) if name == p.topic => id,
            _ => *topic_ids.entry(p.topic.as_str()).or_insert(next),
        };
        last = Some((p.topic.as_str(), topic));
        parts.push(BPart {
            topic,
            size: p.size_bytes.unwrap_or(0),
            size_known: p.size_bytes.is_some(),
            orig: p.replicas.iter().map(|&b| layout.idx(b)).collect(),
            rf: rfs[j],
            h: targets::rack_limit(rfs[j], &layout.caps),
        });
    }
    parts
}
