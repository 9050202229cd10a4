//! Input and output types of the planner.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::report::Summary;

/// One broker of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broker {
    pub id: i32,
    /// `broker.rack`; a broker without a rack is treated as a rack of its own.
    pub rack: Option<String>,
    /// Registered and fenced-off/unfenced status as seen by the client: only
    /// alive brokers may be targets.
    pub alive: bool,
}

/// One partition as described by the cluster metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub topic: String,
    pub partition: i32,
    /// Assigned replicas in order; the first one is the preferred leader.
    pub replicas: Vec<i32>,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// Current leader, `None` when the partition has no leader.
    pub leader: Option<i32>,
    /// Size of one replica in bytes, when known.
    pub size_bytes: Option<u64>,
}

/// Everything the planner knows about the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    pub brokers: Vec<Broker>,
    pub partitions: Vec<PartitionState>,
    /// `min.insync.replicas` per topic; a topic not listed uses 1.
    pub min_isr: BTreeMap<String, i32>,
}

/// Which topics a request applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Every topic of the state.
    All,
    /// Exactly these topics; naming an unknown topic is an error.
    Topics(Vec<String>),
    /// Topics whose whole name matches this regular expression
    /// (the pattern is anchored: `orders-.*` does not match `x-orders-1`).
    Regex(String),
}

/// What the plan should achieve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Goal {
    /// Balance replicas (and preferred leaders) over the target brokers.
    Rebalance,
    /// Move every replica of the scope off these brokers, then balance over
    /// the remaining target brokers.
    Drain { brokers: Vec<i32> },
    /// Set the replication factor of every partition of the scope, then balance.
    ReplicationFactor { rf: usize },
    /// Only reorder replica lists so that preferred leaders are balanced;
    /// replica sets never change.
    LeadersOnly,
}

/// A planning request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub goal: Goal,
    pub scope: Scope,
    /// Brokers that may hold replicas of the scope; empty means every alive
    /// broker of the state. For `Drain`, the drained brokers are removed from it.
    pub target_brokers: Vec<i32>,
    /// Also plan partitions that are offline or under min ISR (skipped and
    /// reported otherwise).
    pub include_unhealthy: bool,
}

/// How a partition changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The replica set changes (at least one broker added or removed).
    Reassign,
    /// Same replica set, new order (preferred leader change only).
    LeaderOnly,
}

/// One partition whose replica list changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMove {
    pub topic: String,
    pub partition: i32,
    /// Current replica list.
    pub from: Vec<i32>,
    /// Planned replica list (first = preferred leader).
    pub to: Vec<i32>,
    /// Brokers added to the replica set (each one is a "move"), in `to` order.
    pub added: Vec<i32>,
    /// Brokers removed from the replica set, in `from` order.
    pub removed: Vec<i32>,
    pub kind: ChangeKind,
}

/// A plan: the changed partitions (sorted by topic, then partition) and its summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub moves: Vec<PartitionMove>,
    pub summary: Summary,
}

impl Plan {
    /// Kafka reassignment JSON of the planned assignment (input of
    /// `kafka-reassign-partitions.sh --execute`).
    pub fn reassignment_json(&self) -> String {
        super::json::write_reassignment(self.moves.iter().map(|m| (m.topic.as_str(), m.partition, m.to.as_slice())))
    }

    /// Kafka reassignment JSON restoring the current assignment of exactly the
    /// partitions of the plan.
    pub fn rollback_json(&self) -> String {
        super::json::write_reassignment(self.moves.iter().map(|m| (m.topic.as_str(), m.partition, m.from.as_slice())))
    }

    /// Number of moves (brokers added to replica sets) in the plan.
    pub fn move_count(&self) -> usize {
        self.moves.iter().map(|m| m.added.len()).sum()
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }
}
