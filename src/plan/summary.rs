//! The [`Summary`] of a plan: per-broker before/after figures (all partitions and the planned
//! ones), moves, bytes, racks touched and the balance over the target brokers.

use std::collections::{BTreeSet, HashMap};

use super::bytes;
use super::input::RackKey;
use super::model::{ChangeKind, ClusterState, Goal, PartitionMove, PlanRequest};
use super::report::{move_allowance, BalanceReport, BrokerReport, SkippedPartition, Summary};
use super::spread;

pub(crate) struct SummaryInput<'a> {
    pub state: &'a ClusterState,
    pub req: &'a PlanRequest,
    pub targets: &'a [i32],
    pub drained: &'a [i32],
    pub topics: usize,
    pub scope: usize,
    pub planned: &'a [usize],
    pub orig_lists: &'a [Vec<i32>],
    pub lists: &'a [Vec<i32>],
    pub moves: &'a [PartitionMove],
    pub skipped: Vec<SkippedPartition>,
    pub lower_bound: usize,
    pub target_counts: Option<&'a [usize]>,
    pub rack_n: usize,
    pub rack_limited: bool,
    pub refined: bytes::Refined,
    pub spread: spread::Spread,
}

#[derive(Default)]
struct Tally {
    replicas: usize,
    leaders: usize,
    bytes: u64,
}

pub(crate) fn build_summary(inp: SummaryInput<'_>) -> Summary {
    let state = inp.state;
    // Every broker id (sorted, distinct), and the tallies densely by position in it: looked up
    // for every replica of every partition, four times (a map per tally cost more than the rest
    // of the summary).
    let mut ids: Vec<i32> = state.brokers.iter().map(|b| b.id).collect();
    ids.extend(state.partitions.iter().flat_map(|p| p.replicas.iter().copied()));
    ids.sort_unstable();
    ids.dedup();
    let pos = |id: i32| ids.binary_search(&id).ok();
    let tallies = || -> Vec<Tally> { ids.iter().map(|_| Tally::default()).collect() };
    let (mut before, mut after) = (tallies(), tallies());
    // The same over the planned partitions only.
    let (mut pb, mut pa) = (tallies(), tallies());
    let tally = |m: &mut [Tally], list: &[i32], size: u64| {
        for (i, b) in list.iter().enumerate() {
            let Some(t) = pos(*b).and_then(|at| m.get_mut(at)) else { continue };
            t.replicas += 1;
            t.bytes += size;
            if i == 0 {
                t.leaders += 1;
            }
        }
    };
    let mut planned_pos: Vec<Option<usize>> = vec![None; state.partitions.len()];
    for (j, &i) in inp.planned.iter().enumerate() {
        if let Some(slot) = planned_pos.get_mut(i) {
            *slot = Some(j);
        }
    }
    for (i, p) in state.partitions.iter().enumerate() {
        let size = p.size_bytes.unwrap_or(0);
        tally(&mut before, &p.replicas, size);
        match planned_pos[i] {
            Some(j) => {
                tally(&mut after, &inp.lists[j], size);
                tally(&mut pb, &inp.orig_lists[j], size);
                tally(&mut pa, &inp.lists[j], size);
            }
            None => tally(&mut after, &p.replicas, size),
        }
    }
    let broker_by_id = super::brokers_by_id(state);
    let tset: HashMap<i32, usize> = inp.targets.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let brokers: Vec<BrokerReport> = ids
        .iter()
        .enumerate()
        .map(|(at, &id)| {
            let b = broker_by_id.get(&id);
            let bf = before.get(at);
            let af = after.get(at);
            let none = Tally::default();
            let pbv = pb.get(at).unwrap_or(&none);
            let pav = pa.get(at).unwrap_or(&none);
            BrokerReport {
                id,
                rack: b.and_then(|b| b.rack.clone()),
                alive: b.is_some_and(|b| b.alive),
                known: b.is_some(),
                target: tset.contains_key(&id),
                drained: inp.drained.contains(&id),
                replicas_before: bf.map_or(0, |t| t.replicas),
                replicas_after: af.map_or(0, |t| t.replicas),
                leaders_before: bf.map_or(0, |t| t.leaders),
                leaders_after: af.map_or(0, |t| t.leaders),
                bytes_before: bf.map_or(0, |t| t.bytes),
                bytes_after: af.map_or(0, |t| t.bytes),
                planned_replicas_before: pbv.replicas,
                planned_replicas_after: pav.replicas,
                planned_replicas_target: match (inp.target_counts, tset.get(&id)) {
                    (Some(tc), Some(&i)) => tc.get(i).copied(),
                    _ => None,
                },
                planned_leaders_before: pbv.leaders,
                planned_leaders_after: pav.leaders,
                planned_bytes_before: pbv.bytes,
                planned_bytes_after: pav.bytes,
            }
        })
        .collect();

    let mut moves_n = 0usize;
    let mut dropped = 0usize;
    // Brokers added or removed, by position in `ids`; their racks' names at the end (a name per
    // replica moved cost an allocation each).
    let mut touched = vec![false; ids.len()];
    // (Every broker of a plan is in `ids`; this only keeps the list complete if one is not.)
    let mut untracked: Vec<i32> = Vec::new();
    let rack_name = |id: i32| -> String {
        broker_by_id.get(&id).map(|b| RackKey::of(b).display()).unwrap_or_else(|| RackKey::Own(id).display())
    };
    let mut leader_changes = 0usize;
    let mut leader_only = 0usize;
    let mut reassigned = 0usize;
    for m in inp.moves {
        moves_n += m.added.len();
        dropped += m.removed.len().saturating_sub(m.added.len());
        for &b in m.added.iter().chain(&m.removed) {
            match pos(b).and_then(|at| touched.get_mut(at)) {
                Some(t) => *t = true,
                None => untracked.push(b),
            }
        }
        if m.from.first() != m.to.first() {
            leader_changes += 1;
        }
        match m.kind {
            ChangeKind::LeaderOnly => leader_only += 1,
            ChangeKind::Reassign => reassigned += 1,
        }
    }
    // Bytes to move: a partition's size per broker the plan adds to it (what `moves` lists as
    // added), read from the planned partitions directly rather than looked up by name per move.
    let mut bytes = 0u64;
    let mut unknown = 0usize;
    for (j, &i) in inp.planned.iter().enumerate() {
        let added = inp.lists[j].iter().filter(|b| !inp.orig_lists[j].contains(b)).count();
        match state.partitions[i].size_bytes {
            Some(s) => bytes += s * added as u64,
            None => unknown += added,
        }
    }

    let touched_ids = ids.iter().zip(&touched).filter(|&(_, &t)| t).map(|(&id, _)| id);
    let racks: BTreeSet<String> = touched_ids.chain(untracked).map(rack_name).collect();

    // Balance over target brokers.
    let b_n = inp.targets.len().max(1);
    let mut rep_after = vec![0usize; inp.targets.len()];
    let mut lead_after = vec![0usize; inp.targets.len()];
    let mut total_rep = 0usize;
    let mut total_lead = 0usize;
    for l in inp.lists {
        for (i, b) in l.iter().enumerate() {
            if let Some(&t) = tset.get(b) {
                rep_after[t] += 1;
                total_rep += 1;
                if i == 0 {
                    lead_after[t] += 1;
                }
            }
        }
        if l.first().is_some_and(|b| tset.contains_key(b)) {
            total_lead += 1;
        }
    }
    let within = |v: &[usize], total: usize| -> bool {
        let lo = total / b_n;
        let hi = total.div_ceil(b_n);
        v.iter().all(|&x| x >= lo && x <= hi)
    };
    let targets_reached = match inp.target_counts {
        Some(tc) => tc == rep_after.as_slice(),
        None => true,
    };
    let balance = BalanceReport {
        target_brokers: inp.targets.len(),
        racks: inp.rack_n,
        replicas_mean: total_rep as f64 / b_n as f64,
        replicas_min_after: rep_after.iter().copied().min().unwrap_or(0),
        replicas_max_after: rep_after.iter().copied().max().unwrap_or(0),
        replicas_within_one: within(&rep_after, total_rep),
        rack_limited: inp.rack_limited,
        targets_reached,
        leaders_mean: total_lead as f64 / b_n as f64,
        leaders_min_after: lead_after.iter().copied().min().unwrap_or(0),
        leaders_max_after: lead_after.iter().copied().max().unwrap_or(0),
        leaders_within_one: within(&lead_after, total_lead),
    };
    let goal = match &inp.req.goal {
        Goal::Rebalance => "rebalance",
        Goal::Drain { .. } => "drain",
        Goal::ReplicationFactor { .. } => "replication_factor",
        Goal::LeadersOnly => "leaders_only",
    };
    Summary {
        goal: goal.to_string(),
        target_brokers: inp.targets.to_vec(),
        drained_brokers: inp.drained.to_vec(),
        scope_topics: inp.topics,
        scope_partitions: inp.scope,
        planned_partitions: inp.planned.len(),
        moves: moves_n,
        lower_bound: inp.lower_bound,
        move_allowance: move_allowance(inp.lower_bound),
        reassigned_partitions: reassigned,
        leader_only_changes: leader_only,
        preferred_leader_changes: leader_changes,
        bytes_to_move: bytes,
        moves_with_unknown_size: unknown,
        topic_exchanges: inp.spread.exchanges,
        topic_search_complete: inp.spread.complete,
        byte_balance: inp.refined.status,
        byte_exchanges: inp.refined.exchanges,
        replicas_dropped: dropped,
        brokers,
        racks_touched: racks.into_iter().collect(),
        skipped: inp.skipped,
        balance,
    }
}
