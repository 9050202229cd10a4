#![doc = include_str!("design.md")]
//!
//! # Where the parts live
//! * [`plan`] (this file): the pipeline, input -> placement -> leaders -> moves -> summary.
//! * `input`: consistency checks, scope, target brokers, partition health, racks.
//! * `dense`: the dense form of the placement phases (`BrokerIdx`, `BPart`).
//! * `placement`: steps 1-7 of "Algorithm" for every goal but leaders-only:
//!   `targets` (step 1), `lower_bound`, `balance` (steps 2-6: `greedy`, `paths`,
//!   `cycles` over the hop index `hops`), `spread` and `bytes` (step 7, sharing `exchange`).
//! * `leaders` (step 8), `summary` (the [`Summary`] of a plan).
//! * Public: [`model`], [`json`], [`validate`](mod@validate), [`report`], [`error`], and the
//!   execution-side helpers [`execution`], [`progress`], [`throttle`].

pub mod edit;
pub mod error;
pub mod execution;
pub mod json;
pub mod model;
pub mod progress;
pub mod report;
pub mod throttle;
pub mod validate;

mod balance;
mod bytes;
mod dense;
mod exchange;
mod input;
mod leaders;
mod lower_bound;
mod placement;
mod spread;
mod summary;
mod targets;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use error::{PlanError, ValidationError, ValidationErrors, Warning};
pub use json::{
    parse_reassignment, parse_topics_to_move, write_reassignment, write_topics_to_move, Reassignment,
    ReassignmentEntry, ANY_LOG_DIR,
};
pub use model::{Broker, ChangeKind, ClusterState, Goal, PartitionMove, PartitionState, Plan, PlanRequest, Scope};
pub use report::{move_allowance, BalanceReport, BrokerReport, ByteBalance, SkipReason, SkippedPartition, Summary};
pub use validate::validate;

pub(crate) use input::{health, RackKey};

/// Turns a cluster state and a goal into a reassignment plan. Pure and
/// deterministic: the same input gives the same plan, byte for byte.
pub fn plan(state: &ClusterState, req: &PlanRequest) -> Result<Plan, PlanError> {
    input::check_state(state)?;
    let topics = input::resolve_scope(state, &req.scope)?;
    let (targets, drained) = input::resolve_targets(state, req)?;
    let selection = input::select_partitions(state, &topics, req.include_unhealthy);
    let planned = &selection.planned;
    let layout = dense::TargetLayout::new(state, &targets);
    let goal_rf = goal_replication_factor(&req.goal, layout.broker_count())?;

    let orig_lists: Vec<Vec<i32>> = planned.iter().map(|&i| state.partitions[i].replicas.clone()).collect();
    let (mut lists, placed) = match req.goal {
        Goal::LeadersOnly => (orig_lists.clone(), placement::PlacementReport::leaders_only()),
        _ => placement::place(state, &req.goal, planned, &layout, goal_rf)?,
    };

    // Leader pass (all goals).
    let free: Vec<bool> = lists.iter().zip(&orig_lists).map(|(l, o)| !same_brokers(l, o)).collect();
    let orig_leader: Vec<Option<i32>> = orig_lists.iter().map(|l| l.first().copied()).collect();
    leaders::balance_leaders(&mut lists, layout.broker_count(), |id| layout.position(id), &free, &orig_leader);

    let moves = partition_moves(state, planned, &orig_lists, &lists);
    let summary = summary::build_summary(summary::SummaryInput {
        state,
        req,
        targets: &targets,
        drained: &drained,
        topics: topics.len(),
        scope: selection.scope,
        planned,
        orig_lists: &orig_lists,
        lists: &lists,
        moves: &moves,
        skipped: selection.skipped,
        lower_bound: placed.lower_bound,
        target_counts: placed.target_counts.as_deref(),
        rack_n: layout.rack_count(),
        rack_limited: placed.rack_limited,
        refined: placed.refined,
        spread: placed.spread,
    });
    Ok(Plan { moves, summary })
}

/// The replication factor a [`Goal::ReplicationFactor`] asks for, checked against the number of
/// target brokers; `None` for the other goals (each partition keeps its own).
fn goal_replication_factor(goal: &Goal, targets: usize) -> Result<Option<usize>, PlanError> {
    match goal {
        Goal::ReplicationFactor { rf: 0 } => Err(PlanError::ZeroReplicationFactor),
        Goal::ReplicationFactor { rf } if *rf > targets => {
            Err(PlanError::ReplicationFactorTooHigh { rf: *rf, targets })
        }
        Goal::ReplicationFactor { rf } => Ok(Some(*rf)),
        _ => Ok(None),
    }
}

/// Whether two replica lists hold the same set of brokers, in any order (lists are short:
/// comparing costs less than a set per list).
fn same_brokers(a: &[i32], b: &[i32]) -> bool {
    a.iter().all(|r| b.contains(r)) && b.iter().all(|r| a.contains(r))
}

/// The changed partitions: old and new replica lists, brokers added and removed.
fn partition_moves(
    state: &ClusterState,
    planned: &[usize],
    orig_lists: &[Vec<i32>],
    lists: &[Vec<i32>],
) -> Vec<PartitionMove> {
    let mut moves = Vec::new();
    for (j, &i) in planned.iter().enumerate() {
        if lists[j] == orig_lists[j] {
            continue;
        }
        let p = &state.partitions[i];
        let added: Vec<i32> = lists[j].iter().copied().filter(|b| !orig_lists[j].contains(b)).collect();
        let removed: Vec<i32> = orig_lists[j].iter().copied().filter(|b| !lists[j].contains(b)).collect();
        let kind = if added.is_empty() && removed.is_empty() { ChangeKind::LeaderOnly } else { ChangeKind::Reassign };
        moves.push(PartitionMove {
            topic: p.topic.clone(),
            partition: p.partition,
            from: orig_lists[j].clone(),
            to: lists[j].clone(),
            added,
            removed,
            kind,
        });
    }
    moves
}

/// The state's brokers by id (ids are unique once `input::check_state` passed).
fn brokers_by_id(state: &ClusterState) -> HashMap<i32, &Broker> {
    state.brokers.iter().map(|b| (b.id, b)).collect()
}
