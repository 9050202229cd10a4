//! The cluster as the console last saw it: the snapshot and what is derived from it once per
//! refresh rather than on every frame (broker stats, health counts, lag history), plus the brokers
//! seen in this session.

use std::collections::BTreeSet;
use std::time::Instant;

use super::lag::LagHistory;
use super::panes::Ctx;
use super::reassign::Reassign;
use super::theme::Theme;
use crate::cluster::{BrokerStats, Snapshot};

/// Partitions in trouble, counted once per snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    pub under_replicated: usize,
    pub offline: usize,
    pub under_min_isr: usize,
}

#[derive(Default)]
pub struct ClusterView {
    pub snapshot: Snapshot,
    pub broker_stats: Vec<BrokerStats>,
    pub health: Health,
    /// Counts snapshots, so tables re-sort only when the data changed.
    pub generation: u64,
    /// Broker ids seen in this session, to count brokers that dropped out of the metadata.
    pub known_brokers: BTreeSet<i32>,
    pub lag: LagHistory,
    /// Its reassignments (read every few seconds from ops, not from the snapshot), and the plan
    /// the user makes for it.
    pub reassign: Reassign,
}

impl ClusterView {
    /// A fresh snapshot arrived at `now`.
    pub fn update(&mut self, snap: Snapshot, now: Instant) {
        self.known_brokers.extend(snap.brokers.iter().map(|b| b.id));
        for t in &snap.topics {
            for p in &t.partitions {
                self.known_brokers.extend(p.replicas.iter().copied());
            }
        }
        self.lag.record(&snap, now);
        self.broker_stats = snap.broker_stats();
        self.health = Health {
            under_replicated: snap.under_replicated(),
            offline: snap.offline(),
            under_min_isr: snap.under_min_isr(),
        };
        self.snapshot = snap;
        self.generation += 1;
    }

    /// What panes read: the one place a [`Ctx`] is built.
    pub fn ctx<'a>(&'a self, theme: &'a Theme, now: Instant) -> Ctx<'a> {
        Ctx { snap: &self.snapshot, brokers: &self.broker_stats, theme, lag: &self.lag, reassign: &self.reassign, now }
    }
}
