//! Messages between the UI and the worker, named by direction.

use std::time::Duration;

use super::backend::PeekMessage;
use crate::cluster::Snapshot;

/// Out: what the UI asks the worker for. The UI keeps at most one of each kind in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Load a fresh snapshot.
    Refresh,
    /// Read the last `count` messages of a partition.
    Peek { topic: String, partition: i32, count: usize },
}

/// In: what the worker reports back.
#[derive(Clone, Debug)]
pub enum Event {
    /// A refresh finished (or failed), and how long it took.
    Snapshot { result: Result<Box<Snapshot>, String>, took: Duration },
    Peeked { topic: String, partition: i32, result: Result<Vec<PeekMessage>, String> },
}
