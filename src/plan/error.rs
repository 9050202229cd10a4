//! Errors and warnings of the planner, the JSON readers and the validator.

use serde::Serialize;
use thiserror::Error;

/// Why a plan could not be made, or a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("broker {0} is not part of the cluster")]
    UnknownBroker(i32),
    #[error("broker {0} is not alive and cannot receive replicas; remove it from the target brokers")]
    BrokerNotAlive(i32),
    #[error("no target broker is left (no alive broker, or every target broker is drained)")]
    NoTargetBrokers,
    #[error("topic '{0}' does not exist in the cluster")]
    UnknownTopic(String),
    #[error("invalid topic regex '{pattern}': {message}")]
    InvalidRegex { pattern: String, message: String },
    #[error("the scope matches no topic")]
    EmptyScope,
    #[error("replication factor must be at least 1")]
    ZeroReplicationFactor,
    #[error("replication factor {rf} is larger than the number of target brokers ({targets})")]
    ReplicationFactorTooHigh { rf: usize, targets: usize },
    #[error(
        "{topic}-{partition} has {rf} replicas but only {targets} target brokers are available; add target brokers or lower its replication factor"
    )]
    PartitionRfExceedsTargets { topic: String, partition: i32, rf: usize, targets: usize },
    #[error(
        "draining leaves {remaining} target brokers but {topic}-{partition} needs {needed}; keep more brokers or lower the replication factor first"
    )]
    DrainLeavesTooFewBrokers { remaining: usize, needed: usize, topic: String, partition: i32 },
    #[error("the cluster state lists {topic}-{partition} twice")]
    DuplicatePartitionInState { topic: String, partition: i32 },
    #[error("the cluster state lists broker {broker} twice in the replicas of {topic}-{partition}")]
    DuplicateReplicaInState { topic: String, partition: i32, broker: i32 },
    #[error("the cluster state lists broker {0} twice")]
    DuplicateBrokerInState(i32),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("unsupported version {0} (only version 1 is supported)")]
    UnsupportedVersion(i64),
    #[error("internal planner error: {0}")]
    Internal(String),
}

/// One problem found in an imported reassignment.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ValidationError {
    #[error("topic '{topic}' does not exist in the cluster")]
    UnknownTopic { topic: String },
    #[error("partition {topic}-{partition} does not exist in the cluster")]
    UnknownPartition { topic: String, partition: i32 },
    #[error("{topic}-{partition}: broker {broker} is not part of the cluster")]
    UnknownBroker { topic: String, partition: i32, broker: i32 },
    #[error("{topic}-{partition} appears more than once in the reassignment")]
    DuplicatePartition { topic: String, partition: i32 },
    #[error("{topic}-{partition}: broker {broker} appears more than once in the replica list")]
    DuplicateReplica { topic: String, partition: i32, broker: i32 },
    #[error("{topic}-{partition}: the replica list is empty")]
    EmptyReplicas { topic: String, partition: i32 },
    #[error(
        "{topic}-{partition}: log_dirs has {log_dirs} entries but replicas has {replicas}; give one log dir (or \"any\") per replica"
    )]
    LogDirsLengthMismatch { topic: String, partition: i32, replicas: usize, log_dirs: usize },
    #[error("{topic}-{partition}: log dir '{log_dir}' must be \"any\" or an absolute path")]
    InvalidLogDir { topic: String, partition: i32, log_dir: String },
    #[error("{topic}-{partition}: {actual} replicas but the goal asks for replication factor {expected}")]
    ReplicationFactorMismatch { topic: String, partition: i32, expected: usize, actual: usize },
}

/// All problems of an imported reassignment (never empty), in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl std::fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the reassignment is invalid ({} problem(s))", self.0.len())?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Something accepted but worth a look.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum Warning {
    #[error(
        "{topic}-{partition}: {count} replicas in rack '{rack}' (brokers {brokers:?}) although the racks allow at most {allowed}"
    )]
    RackCollocation { topic: String, partition: i32, rack: String, brokers: Vec<i32>, count: usize, allowed: usize },
    #[error("{topic}-{partition}: replication factor {from} -> {to}; pass --rf {to} if this is intended")]
    ReplicationFactorChange { topic: String, partition: i32, from: usize, to: usize },
    #[error("{topic}-{partition}: broker {broker} is not alive; the reassignment cannot complete until it is back")]
    BrokerNotAlive { topic: String, partition: i32, broker: i32 },
    #[error("{topic}-{partition}: the partition is {reason}; moving it is risky")]
    UnhealthyPartition { topic: String, partition: i32, reason: String },
}
