//! Messages between the UI and the worker, named by direction.

use std::time::Duration;

use super::backend::{PeekMessage, ReassignView};
use crate::cluster::Snapshot;
use crate::ops::reassign::drive;
use crate::ops::reassign::verify::VerifyReport;
use crate::ops::{ConfigView, Mutation, Outcome, Preview};
use crate::plan::execution::Move;
use crate::plan::{ClusterState, Plan, PlanRequest, Reassignment};

/// Out: what the UI asks the worker for. The UI keeps at most one of each kind in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Load a fresh snapshot.
    Refresh,
    /// Read the last `count` messages of a partition.
    Peek { topic: String, partition: i32, count: usize },
    /// Check a change through ops (read-only guard, kdeck's checks, broker validate-only) and
    /// work out exactly what it would send. Changes nothing.
    Prepare(Mutation),
    /// Send exactly this confirmed preview through ops.
    Apply(Box<Preview>),
    /// A topic's configs (DescribeConfigs).
    Configs { topic: String },
    /// The user said no to this preview: only the audit log hears of it.
    Decline(Box<Preview>),
    /// The reassignments in progress with their progress, the throttle configs, kdeck's
    /// unfinished executions.
    ReassignStatus,
    /// Plan a reassignment on the cluster as it is now (the planner; nothing is sent).
    Plan(Box<PlanRequest>),
    /// Write a plan (and its rollback) to files.
    WritePlan { path: String, plan: Reassignment, rollback: Option<Reassignment> },
    /// Stay attached to a kdeck execution until it is over: progress, the next batches, verify.
    Drive { execution: String },
    /// Check kdeck's unfinished executions; remove the throttles of the moves that are over.
    Verify,
    /// After cancelling these moves: wait for them to be back, then remove their throttles.
    AfterCancel(Vec<Move>),
}

/// In: what the worker reports back.
#[derive(Clone, Debug)]
pub enum Event {
    /// A refresh finished (or failed), and how long it took.
    Snapshot {
        result: Result<Box<Snapshot>, String>,
        took: Duration,
    },
    Peeked {
        topic: String,
        partition: i32,
        result: Result<Vec<PeekMessage>, String>,
    },
    /// A [`Request::Prepare`] finished: the preview to confirm, or why the change cannot be made.
    /// `request` is the mutation as asked, so a late answer can be matched (or dropped).
    Prepared {
        request: Mutation,
        result: Result<Box<Preview>, String>,
    },
    /// A [`Request::Apply`] finished (applied or dry run), or failed.
    Applied {
        mutation: Mutation,
        result: Result<Box<Outcome>, String>,
    },
    Configs {
        topic: String,
        result: Result<Vec<ConfigView>, String>,
    },
    /// A [`Request::Decline`] was written to the audit log.
    Declined,
    ReassignStatus(Result<Box<ReassignView>, String>),
    /// A [`Request::Plan`] finished: the state it was planned on and the plan.
    Planned {
        request: Box<PlanRequest>,
        result: Result<Box<(ClusterState, Plan)>, String>,
    },
    /// A [`Request::WritePlan`] finished: the files written.
    Wrote(Result<Vec<String>, String>),
    /// Progress of an execution the console is attached to.
    Driving(Box<drive::Event>),
    /// The attached execution is over (verified), or stopped.
    DriveEnded {
        execution: String,
        result: Result<Box<VerifyReport>, String>,
    },
    /// A [`Request::Verify`] or [`Request::AfterCancel`] finished.
    Verified(Result<Box<VerifyReport>, String>),
}
