//! Messages between the UI and the worker, named by direction.

use std::time::Duration;

use super::backend::{PeekMessage, TimeLagRow};
use crate::cluster::Snapshot;
use crate::config::msk::MskCluster;
use crate::data::RecordDetail;
use crate::ops::{ConfigView, Mutation, Outcome, Preview};

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
}

/// In: what the worker reports back.
#[derive(Clone, Debug)]
pub enum Event {
    /// A refresh finished (or failed), and how long it took.
    Snapshot { result: Result<Box<Snapshot>, String>, took: Duration },
    /// A request for a pane's own data (peek, configs) was answered: `request` as asked, so the
    /// app gives the data to the pane that still needs exactly that.
    Loaded { request: Request, result: Result<Loaded, String> },
    /// A [`Request::Prepare`] finished: the preview to confirm, or why the change cannot be made.
    /// `request` is the mutation as asked, so a late answer can be matched (or dropped).
    Prepared { request: Mutation, result: Result<Box<Preview>, String> },
    /// A [`Request::Apply`] finished (applied or dry run), or failed.
    Applied { mutation: Mutation, result: Result<Box<Outcome>, String> },
    /// A [`Request::Decline`] was written to the audit log.
    Declined,
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
    TimeLag,
    Record,
    Msk,
}

impl Request {
    /// Its slot, if it has one.
    pub fn job(&self) -> Option<Job> {
        match self {
            Request::Refresh => Some(Job::Refresh),
            Request::Peek { .. } => Some(Job::Peek),
            Request::Configs { .. } => Some(Job::Configs),
            Request::TimeLag { .. } => Some(Job::TimeLag),
            Request::Record { .. } => Some(Job::Record),
            Request::MskClusters => Some(Job::Msk),
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
            Event::Prepared { .. } | Event::Applied { .. } | Event::Declined => None,
        }
    }
}
