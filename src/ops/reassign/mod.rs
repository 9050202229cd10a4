//! Executing reassignments, for the CLI now and the console later: plain values in and out,
//! progress as events, and every change to the cluster a [`Step`] that goes through the one path
//! of [`crate::ops`] (read-only guard, checks, preview, apply, audit log).
//!
//! - [`execute`]: validate a plan, write its rollback and the execution's record, set the first
//!   batch's throttles and submit it; later batches are [`Step::Submit`]s.
//! - [`drive`]: stay attached (submit the next batch when one completes, report progress,
//!   verify at the end); resumable from the record at any time.
//! - [`status`]: bytes copied, rate and ETA of the moves in progress.
//! - [`verify`]: check targets, remove the throttles kdeck set once they are not needed; cancel.
//! - [`throttles`]: the throttle configs on the cluster, and what needs them.
//! - [`leaders`]: preferred / unclean leader elections.
//! - [`record`]: one file per execution in the state directory.

pub mod drive;
pub mod execute;
pub mod leaders;
pub mod record;
pub mod state;
pub mod status;
pub mod throttles;
pub mod verify;

use serde::Serialize;

use crate::kafka::{Client, KafkaError};
use crate::ops::{Context, OpsError, Preview};

/// A change to the cluster made while executing reassignments, as a value (see [`crate::ops`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Start executing a reassignment file.
    Execute(Box<execute::Execute>),
    /// Submit the next batch of an execution.
    Submit(execute::Submit),
    /// Cancel moves in progress.
    Cancel(verify::Cancel),
    /// Remove throttle configs.
    ClearThrottles(throttles::Clear),
    /// Elect leaders.
    ElectLeaders(leaders::Elect),
}

/// What a step did, beyond its one-line message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "applied", rename_all = "snake_case")]
pub enum Applied {
    Submitted(execute::Submitted),
    Cancelled(verify::Cancelled),
    Cleared(throttles::Cleared),
    Elected(leaders::Elected),
}

impl Step {
    /// The command as users call it (the audit log's `action`).
    pub fn action(&self) -> &'static str {
        match self {
            Step::Execute(_) => "reassign execute",
            Step::Submit(_) => "reassign submit",
            Step::Cancel(_) => "reassign cancel",
            Step::ClearThrottles(c) => match c.origin {
                throttles::ClearOrigin::Verify => "reassign verify",
                throttles::ClearOrigin::Cancel => "reassign cancel",
                throttles::ClearOrigin::Unneeded | throttles::ClearOrigin::All => "throttles clear",
            },
            Step::ElectLeaders(_) => "elect-leaders",
        }
    }

    pub fn title(&self) -> String {
        match self {
            Step::Execute(_) => "execute a reassignment".into(),
            Step::Submit(s) => format!("submit batch {} of reassignment {}", s.batch + 1, s.execution),
            Step::Cancel(_) => "cancel reassignments".into(),
            Step::ClearThrottles(_) => "remove replication throttles".into(),
            Step::ElectLeaders(_) => "elect leaders".into(),
        }
    }

    pub fn summary(&self) -> String {
        match self {
            Step::Execute(e) => e.summary(),
            Step::Submit(s) => s.summary(),
            Step::Cancel(c) => c.summary(),
            Step::ClearThrottles(c) => c.summary(),
            Step::ElectLeaders(e) => e.summary(),
        }
    }
}

pub async fn prepare(client: &Client, ctx: &Context, step: &Step) -> Result<Preview, OpsError> {
    match step {
        Step::Execute(e) => execute::prepare_execute(client, ctx, e).await,
        Step::Submit(s) => execute::prepare_submit(client, ctx, s).await,
        Step::Cancel(c) => verify::prepare_cancel(client, ctx, c).await,
        Step::ClearThrottles(c) => throttles::prepare_clear(ctx, client, c).await,
        Step::ElectLeaders(e) => leaders::prepare_elect(client, ctx, e).await,
    }
}

pub async fn apply(client: &Client, ctx: &Context, step: &Step) -> Result<(String, Applied), OpsError> {
    match step {
        Step::Execute(e) => execute::apply_execute(client, ctx, e).await,
        Step::Submit(s) => execute::apply_submit(client, ctx, s).await,
        Step::Cancel(c) => verify::apply_cancel(client, ctx, c).await,
        Step::ClearThrottles(c) => throttles::apply_clear(client, ctx, c).await,
        Step::ElectLeaders(e) => leaders::apply_elect(client, e).await,
    }
}

/// A partition's error from the controller, in words.
pub fn partition_error(e: &KafkaError) -> String {
    let KafkaError::Broker { name, message, .. } = e else { return e.to_string() };
    let detail = message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
    let words = match name.as_str() {
        "NO_REASSIGNMENT_IN_PROGRESS" => "no reassignment in progress",
        "REASSIGNMENT_IN_PROGRESS" => "a reassignment is already in progress",
        "INVALID_REPLICA_ASSIGNMENT" => "invalid replica assignment",
        "UNKNOWN_TOPIC_OR_PARTITION" => "no such partition",
        "PREFERRED_LEADER_NOT_AVAILABLE" => "the preferred replica cannot lead (not in sync or down)",
        "ELIGIBLE_LEADERS_NOT_AVAILABLE" => "no replica can become leader",
        "ELECTION_NOT_NEEDED" => "already led as the election would choose",
        "TOPIC_AUTHORIZATION_FAILED" | "CLUSTER_AUTHORIZATION_FAILED" => "not authorized (needs Alter on the cluster)",
        other => return format!("{other}{detail}"),
    };
    format!("{words}{detail}")
}

/// `1,2,3`.
pub fn ids(v: impl IntoIterator<Item = i32>) -> String {
    v.into_iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ApiKey;

    #[test]
    fn partition_errors_in_words() {
        let e = |code, m: Option<&str>| {
            partition_error(&KafkaError::broker(ApiKey::AlterPartitionReassignments, code, m.map(str::to_string)))
        };
        assert_eq!(e(85, None), "no reassignment in progress");
        assert_eq!(e(39, Some("Replica 9 is not alive")), "invalid replica assignment (Replica 9 is not alive)");
        assert_eq!(e(42, None), "INVALID_REQUEST");
        assert_eq!(ids([1, 2, 3]), "1,2,3");
    }
}
