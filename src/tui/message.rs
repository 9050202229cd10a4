//! Messages between the UI and the worker, named by direction.

use std::time::Duration;

use super::backend::{PeekMessage, ReassignView, TimeLagRow};
use crate::cluster::{Group, Snapshot};
use crate::config::msk::MskCluster;
use crate::data::RecordDetail;
use crate::kafka::doctor::{Report, StepDone};
use crate::ops::reassign::drive;
use crate::ops::reassign::verify::VerifyReport;
use crate::ops::{ConfigView, Mutation, Outcome, Preview};
use crate::plan::execution::Move;
use crate::plan::{ClusterState, Plan, PlanRequest, Reassignment};

/// What the worker read for a pane that holds its own data rather than reading the snapshot.
#[derive(Clone, Debug)]
pub enum Loaded {
    Messages(Vec<PeekMessage>),
    Configs(Vec<ConfigView>),
    /// A group's partitions with their lag in time.
    TimeLags(Vec<TimeLagRow>),
    /// One whole message (None: no message at that offset).
    Record(Option<Box<RecordDetail>>),
    MskClusters(Vec<MskCluster>),
    /// A group with its partition rows (None: it does not exist).
    Group(Option<Box<Group>>),
}

/// Out: what the UI asks the worker for. The UI keeps at most one of each [`Job`] kind in flight
/// (`jobs::Jobs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Load a fresh snapshot.
    Refresh,
    /// Read `count` messages of a partition: the last ones, or from an offset (where a group is).
    Peek { topic: String, partition: i32, from: Option<i64>, count: usize },
    /// A group's lag in time: one small read per lagging partition.
    TimeLag { group: String },
    /// A group with a row per partition (committed offset, end, lag, owner): the refresh keeps
    /// only each group's totals.
    Group { group: String },
    /// The whole message at an offset.
    Record { topic: String, partition: i32, offset: i64 },
    /// Check a change through ops (read-only guard, kdeck's checks, broker validate-only) and
    /// work out exactly what it would send. Changes nothing.
    Prepare(Mutation),
    /// Send exactly this confirmed preview through ops.
    Apply(Box<Preview>),
    /// A topic's configs (DescribeConfigs).
    Configs { topic: String },
    /// The user said no to this preview: only the audit log hears of it.
    Decline(Box<Preview>),
    /// The AWS MSK clusters of the region (the `:msk` picker).
    MskClusters,
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
    /// Run the doctor (a refresh could not connect): its steps come as they end.
    Diagnose,
}

/// In: what the worker reports back.
#[derive(Clone, Debug)]
pub enum Event {
    /// A refresh finished (or failed), and how long it took.
    Snapshot {
        result: Result<Box<Snapshot>, String>,
        took: Duration,
    },
    /// A request for a pane's own data (peek, configs) was answered: `request` as asked, so the
    /// app gives the data to the pane that still needs exactly that.
    Loaded {
        request: Request,
        result: Result<Loaded, String>,
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
    /// A step of the doctor's is over.
    DoctorStep(Box<StepDone>),
    /// The doctor is done ([`Request::Diagnose`]).
    Diagnosed(Result<Box<Report>, String>),
}

/// The kinds of request that have a slot in `jobs::Jobs`: at most one of each is in flight, and
/// one more waits (the newest) until it answers. A change (prepare, apply) is not a job: the change
/// flow (`mode::Op`) holds it, one at a time. A new kind: its variant here, its [`Request`]
/// variant and line in [`Request::job`], and its arm in the worker, which answers it with an
/// [`Event`] whose [`Event::job`] names the kind ([`Event::Loaded`] for a pane's data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    Refresh,
    Peek,
    Configs,
    /// Reading the reassignments in progress and the throttles.
    ReassignStatus,
    /// The planner.
    Plan,
    /// Verifying (or removing the throttles of cancelled moves).
    Verify,
    TimeLag,
    /// A group's partition rows (its detail).
    Group,
    Record,
    Msk,
    /// The doctor, after a refresh that could not connect.
    Diagnose,
}

impl Request {
    /// Its slot, if it has one.
    pub fn job(&self) -> Option<Job> {
        match self {
            Request::Refresh => Some(Job::Refresh),
            Request::Peek { .. } => Some(Job::Peek),
            Request::Configs { .. } => Some(Job::Configs),
            Request::ReassignStatus => Some(Job::ReassignStatus),
            Request::Plan(_) => Some(Job::Plan),
            Request::Verify | Request::AfterCancel(_) => Some(Job::Verify),
            // an execution is attached once (tui::reassign), a file written when asked
            Request::Drive { .. } | Request::WritePlan { .. } => None,
            Request::TimeLag { .. } => Some(Job::TimeLag),
            Request::Group { .. } => Some(Job::Group),
            Request::Record { .. } => Some(Job::Record),
            Request::MskClusters => Some(Job::Msk),
            Request::Diagnose => Some(Job::Diagnose),
            Request::Prepare(_) | Request::Apply(_) | Request::Decline(_) => None,
        }
    }
}

impl Event {
    /// The slot this answer frees.
    pub fn job(&self) -> Option<Job> {
        match self {
            Event::Snapshot { .. } => Some(Job::Refresh),
            Event::Loaded { request, .. } => request.job(),
            Event::ReassignStatus(_) => Some(Job::ReassignStatus),
            Event::Planned { .. } => Some(Job::Plan),
            Event::Verified(_) => Some(Job::Verify),
            Event::Diagnosed(_) => Some(Job::Diagnose),
            Event::DoctorStep(_) => None,
            Event::Wrote(_) | Event::Driving(_) | Event::DriveEnded { .. } => None,
            Event::Prepared { .. } | Event::Applied { .. } | Event::Declined => None,
        }
    }
}
