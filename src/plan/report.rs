//! The plan summary (serde `Serialize`, for JSON output or a table).

use serde::Serialize;

/// Why a partition of the scope was left out of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// No leader, or no alive broker in the ISR.
    Offline,
    /// Fewer in-sync replicas than the topic's `min.insync.replicas`.
    UnderMinIsr { isr: usize, min_isr: i32 },
    /// The partition has no replica at all.
    NoReplicas,
}

/// How the byte exchanges (module docs of [`crate::plan`], "Bytes") ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteBalance {
    /// Not run: leaders-only goal, or no partition is planned.
    NotRun,
    /// Not run: some planned partitions have no known size.
    SizesIncomplete,
    /// Ran to the end: no exchange is left (or nothing to even out).
    Done,
    /// Stopped by the work budget: valid, but maybe not a local optimum.
    BudgetExhausted,
}

/// A partition of the scope that the plan does not touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedPartition {
    pub topic: String,
    pub partition: i32,
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// Per-broker figures before and after the plan, over every partition of the
/// state (partitions outside the plan count the same before and after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerReport {
    pub id: i32,
    pub rack: Option<String>,
    pub alive: bool,
    /// Listed in the cluster state (false: only seen in replica lists).
    pub known: bool,
    pub target: bool,
    pub drained: bool,
    pub replicas_before: usize,
    pub replicas_after: usize,
    pub leaders_before: usize,
    pub leaders_after: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// Replicas of the planned partitions only (the set balance is measured on).
    pub planned_replicas_before: usize,
    pub planned_replicas_after: usize,
    /// Balance target of this broker (target brokers only).
    pub planned_replicas_target: Option<usize>,
    pub planned_leaders_before: usize,
    pub planned_leaders_after: usize,
    /// Bytes of the planned partitions (unknown sizes count 0).
    pub planned_bytes_before: u64,
    pub planned_bytes_after: u64,
}

/// Balance figures over the planned partitions and the target brokers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceReport {
    pub target_brokers: usize,
    pub racks: usize,
    /// Planned replicas / target brokers.
    pub replicas_mean: f64,
    pub replicas_min_after: usize,
    pub replicas_max_after: usize,
    /// Every target broker within floor/ceil of the mean after the plan.
    pub replicas_within_one: bool,
    /// The rack rule makes the global ±1 impossible; the targets are the most
    /// balanced reachable (see module docs).
    pub rack_limited: bool,
    /// Every target broker ended exactly on its target.
    pub targets_reached: bool,
    pub leaders_mean: f64,
    pub leaders_min_after: usize,
    pub leaders_max_after: usize,
    pub leaders_within_one: bool,
}

/// What the plan does, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// `rebalance`, `drain`, `replication_factor` or `leaders_only`.
    pub goal: String,
    pub target_brokers: Vec<i32>,
    pub drained_brokers: Vec<i32>,
    pub scope_topics: usize,
    pub scope_partitions: usize,
    pub planned_partitions: usize,
    /// Brokers added to replica sets.
    pub moves: usize,
    /// Lower bound on `moves` (module docs).
    pub lower_bound: usize,
    /// `lower_bound + ceil(lower_bound / 10)`: the most moves the planner allows itself.
    pub move_allowance: usize,
    /// Partitions whose replica set changes.
    pub reassigned_partitions: usize,
    /// Partitions only reordered (same replica set, new preferred leader).
    pub leader_only_changes: usize,
    /// Partitions whose preferred leader changes (reassigned or reordered).
    pub preferred_leader_changes: usize,
    /// Sum of the sizes of the partitions for every added replica.
    pub bytes_to_move: u64,
    /// Added replicas of partitions with unknown size (not in `bytes_to_move`).
    pub moves_with_unknown_size: usize,
    /// Exchanges made to spread topics evenly (module docs, "Per-topic
    /// spread"), and whether the search ran to the end (false: stopped by
    /// its work budget).
    pub topic_exchanges: usize,
    pub topic_search_complete: bool,
    /// How the byte exchanges ended, and how many were made.
    pub byte_balance: ByteBalance,
    pub byte_exchanges: usize,
    /// Replicas removed without replacement (replication factor decrease).
    pub replicas_dropped: usize,
    pub brokers: Vec<BrokerReport>,
    /// Racks of brokers that gain or lose a replica (a broker without a rack
    /// shows as `broker:<id>`).
    pub racks_touched: Vec<String>,
    pub skipped: Vec<SkippedPartition>,
    pub balance: BalanceReport,
}

/// The allowed number of moves for a lower bound: `lb + ceil(lb / 10)`,
/// i.e. `ceil(1.1 * lb)`; `0` for `lb = 0`.
pub fn move_allowance(lower_bound: usize) -> usize {
    lower_bound + lower_bound.div_ceil(10)
}
