//! Editing a plan by hand (the console's plan view): on a partition of the plan, put another
//! broker in one replica slot or move a replica to the front (the preferred leader). Every edit
//! is checked at once with the validator (distinct and known brokers, rack rule, replication
//! factor, brokers alive) and the summary follows it. Pure: no I/O.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use super::error::{ValidationError, Warning};
use super::json::{Reassignment, ReassignmentEntry};
use super::model::{ClusterState, Goal, Plan};
use super::report::{BrokerReport, Summary};
use super::validate::validate;

/// One partition of the plan: where it is, where the planner put it, where it goes now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    pub topic: String,
    pub partition: i32,
    /// The replicas now.
    pub from: Vec<i32>,
    /// What the planner proposed.
    pub planned: Vec<i32>,
    /// What will be sent (the planner's proposal with the user's edits).
    pub to: Vec<i32>,
    /// The partition's size, when known.
    pub size: Option<u64>,
    /// What the validator says about `to`.
    pub errors: Vec<ValidationError>,
    pub warnings: Vec<Warning>,
}

impl PlanRow {
    /// Brokers that get a replica (each one copies the partition).
    pub fn added(&self) -> Vec<i32> {
        self.to.iter().copied().filter(|b| !self.from.contains(b)).collect()
    }

    /// Brokers whose replica goes away.
    pub fn dropped(&self) -> Vec<i32> {
        self.from.iter().copied().filter(|b| !self.to.contains(b)).collect()
    }

    /// Changed by hand.
    pub fn edited(&self) -> bool {
        self.to != self.planned
    }
}

/// Why an edit was refused; nothing changed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EditError {
    #[error("the plan has no row {0}")]
    NoRow(usize),
    #[error("{topic}-{partition} has no replica slot {slot} (it has {replicas})")]
    NoSlot { topic: String, partition: i32, slot: usize, replicas: usize },
    #[error("broker {broker} already holds a replica of {topic}-{partition}: pick another broker")]
    AlreadyReplica { topic: String, partition: i32, broker: i32 },
    #[error("broker {0} is not part of the cluster")]
    UnknownBroker(i32),
}

/// The plan's numbers as edited: moves against the planner's lower bound, bytes, per broker.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EditSummary {
    pub goal: String,
    /// Partitions whose replica list changes.
    pub partitions: usize,
    /// Replicas added (each copies its partition).
    pub moves: usize,
    /// The planner's lower bound on moves for this goal and scope.
    pub lower_bound: usize,
    pub bytes_to_move: u64,
    /// Added replicas of partitions whose size is unknown (not in `bytes_to_move`).
    pub moves_with_unknown_size: usize,
    pub edited: usize,
    pub errors: usize,
    pub warnings: usize,
    /// The planner's per-broker figures, the `_after` ones as edited.
    pub brokers: Vec<BrokerReport>,
}

/// A plan being edited, with the cluster state it was made from.
#[derive(Clone, Debug)]
pub struct PlanEdit {
    state: ClusterState,
    /// Replication factor the goal requires (edits keep it).
    expected_rf: Option<usize>,
    planner: Summary,
    pub rows: Vec<PlanRow>,
}

impl PlanEdit {
    /// The planner's plan, ready for edits; the state must be the one it was planned from.
    pub fn new(state: ClusterState, goal: &Goal, plan: &Plan) -> PlanEdit {
        let sizes: BTreeMap<(&str, i32), Option<u64>> =
            state.partitions.iter().map(|p| ((p.topic.as_str(), p.partition), p.size_bytes)).collect();
        let rows = plan
            .moves
            .iter()
            .map(|m| PlanRow {
                topic: m.topic.clone(),
                partition: m.partition,
                from: m.from.clone(),
                planned: m.to.clone(),
                to: m.to.clone(),
                size: sizes.get(&(m.topic.as_str(), m.partition)).copied().flatten(),
                errors: Vec::new(),
                warnings: Vec::new(),
            })
            .collect();
        let expected_rf = match goal {
            Goal::ReplicationFactor { rf } => Some(*rf),
            _ => None,
        };
        let mut edit = PlanEdit { state, expected_rf, planner: plan.summary.clone(), rows };
        edit.check_all();
        edit
    }

    /// The rack of a broker (None: no rack, or not a broker of the cluster).
    pub fn rack(&self, broker: i32) -> Option<&str> {
        self.state.brokers.iter().find(|b| b.id == broker).and_then(|b| b.rack.as_deref())
    }

    pub fn alive(&self, broker: i32) -> bool {
        self.state.brokers.iter().any(|b| b.id == broker && b.alive)
    }

    fn row_mut(&mut self, row: usize) -> Result<&mut PlanRow, EditError> {
        self.rows.get_mut(row).ok_or(EditError::NoRow(row))
    }

    /// Puts `broker` in replica slot `slot` of row `row` (slot 0 is the preferred leader).
    pub fn replace(&mut self, row: usize, slot: usize, broker: i32) -> Result<(), EditError> {
        if !self.state.brokers.iter().any(|b| b.id == broker) {
            return Err(EditError::UnknownBroker(broker));
        }
        let r = self.row_mut(row)?;
        let Some(current) = r.to.get(slot).copied() else {
            return Err(EditError::NoSlot {
                topic: r.topic.clone(),
                partition: r.partition,
                slot,
                replicas: r.to.len(),
            });
        };
        if current == broker {
            return Ok(());
        }
        if r.to.contains(&broker) {
            return Err(EditError::AlreadyReplica { topic: r.topic.clone(), partition: r.partition, broker });
        }
        r.to[slot] = broker;
        self.check(row);
        Ok(())
    }

    /// Moves the replica in `slot` to the front: it becomes the preferred leader, the others keep
    /// their order.
    pub fn make_leader(&mut self, row: usize, slot: usize) -> Result<(), EditError> {
        let r = self.row_mut(row)?;
        if slot >= r.to.len() {
            return Err(EditError::NoSlot {
                topic: r.topic.clone(),
                partition: r.partition,
                slot,
                replicas: r.to.len(),
            });
        }
        let b = r.to.remove(slot);
        r.to.insert(0, b);
        self.check(row);
        Ok(())
    }

    /// Back to the planner's proposal.
    pub fn reset(&mut self, row: usize) -> Result<(), EditError> {
        let r = self.row_mut(row)?;
        r.to = r.planned.clone();
        self.check(row);
        Ok(())
    }

    /// The next broker for `slot` of `row` after (or, `forward` false, before) the one there, in
    /// id order among the alive brokers that hold no other replica of the partition.
    pub fn next_broker(&self, row: usize, slot: usize, forward: bool) -> Option<i32> {
        let r = self.rows.get(row)?;
        let here = *r.to.get(slot)?;
        let mut free: Vec<i32> =
            self.state.brokers.iter().filter(|b| b.alive && !r.to.contains(&b.id)).map(|b| b.id).collect();
        free.sort_unstable();
        if forward {
            free.iter().copied().find(|b| *b > here).or_else(|| free.first().copied())
        } else {
            free.iter().rev().copied().find(|b| *b < here).or_else(|| free.last().copied())
        }
    }

    fn entry(r: &PlanRow) -> ReassignmentEntry {
        ReassignmentEntry { topic: r.topic.clone(), partition: r.partition, replicas: r.to.clone(), log_dirs: None }
    }

    /// Re-checks one row against the cluster state.
    fn check(&mut self, row: usize) {
        let Some(r) = self.rows.get(row) else { return };
        let one = Reassignment { partitions: vec![Self::entry(r)] };
        let (errors, warnings) = match validate(&self.state, &one, self.expected_rf) {
            Ok(w) => (Vec::new(), w),
            Err(e) => (e.0, Vec::new()),
        };
        let r = &mut self.rows[row];
        r.errors = errors;
        r.warnings = warnings;
    }

    /// Checks every row at once (one pass of the validator over the whole plan when it is valid).
    fn check_all(&mut self) {
        match validate(&self.state, &self.reassignment_all(), self.expected_rf) {
            Ok(warnings) => {
                for w in warnings {
                    let (topic, partition) = warning_partition(&w);
                    if let Some(r) = self.rows.iter_mut().find(|r| r.topic == topic && r.partition == partition) {
                        r.warnings.push(w);
                    }
                }
            }
            Err(_) => (0..self.rows.len()).for_each(|i| self.check(i)),
        }
    }

    fn reassignment_all(&self) -> Reassignment {
        Reassignment { partitions: self.rows.iter().map(Self::entry).collect() }
    }

    /// What is sent: every row whose replicas change (edits back to the current list drop out).
    pub fn reassignment(&self) -> Reassignment {
        Reassignment { partitions: self.rows.iter().filter(|r| r.to != r.from).map(Self::entry).collect() }
    }

    /// The way back: the current replicas of the partitions the plan changes.
    pub fn rollback(&self) -> Reassignment {
        Reassignment {
            partitions: self
                .rows
                .iter()
                .filter(|r| r.to != r.from)
                .map(|r| ReassignmentEntry {
                    topic: r.topic.clone(),
                    partition: r.partition,
                    replicas: r.from.clone(),
                    log_dirs: None,
                })
                .collect(),
        }
    }

    /// The first problem that keeps the plan from being executed.
    pub fn blocking_error(&self) -> Option<String> {
        self.rows.iter().flat_map(|r| r.errors.iter()).map(ToString::to_string).next()
    }

    /// The numbers of the plan as it is now: the planner's per-broker figures, with each edited
    /// row's difference from the planner's proposal applied.
    pub fn summary(&self) -> EditSummary {
        let mut brokers: BTreeMap<i32, BrokerReport> = self.planner.brokers.iter().map(|b| (b.id, b.clone())).collect();
        let mut s = EditSummary {
            goal: self.planner.goal.clone(),
            lower_bound: self.planner.lower_bound,
            ..Default::default()
        };
        for r in &self.rows {
            let added = r.added().len();
            if r.to != r.from {
                s.partitions += 1;
            }
            s.moves += added;
            match r.size {
                Some(size) => s.bytes_to_move += size * added as u64,
                None => s.moves_with_unknown_size += added,
            }
            s.edited += usize::from(r.edited());
            s.errors += r.errors.len();
            s.warnings += r.warnings.len();
            if r.edited() {
                let size = r.size.unwrap_or(0);
                for (list, sign) in [(&r.planned, -1i64), (&r.to, 1)] {
                    for (i, b) in list.iter().enumerate() {
                        // the report lists every broker of the state, and edits use no other
                        let Some(load) = brokers.get_mut(b) else { continue };
                        let bytes = |n: u64| (n as i64 + sign * size as i64).max(0) as u64;
                        load.replicas_after = add(load.replicas_after, sign);
                        load.planned_replicas_after = add(load.planned_replicas_after, sign);
                        load.bytes_after = bytes(load.bytes_after);
                        load.planned_bytes_after = bytes(load.planned_bytes_after);
                        if i == 0 {
                            load.leaders_after = add(load.leaders_after, sign);
                            load.planned_leaders_after = add(load.planned_leaders_after, sign);
                        }
                    }
                }
            }
        }
        s.brokers = brokers.into_values().collect();
        s
    }
}

fn add(n: usize, sign: i64) -> usize {
    (n as i64 + sign).max(0) as usize
}

fn warning_partition(w: &Warning) -> (&str, i32) {
    match w {
        Warning::RackCollocation { topic, partition, .. }
        | Warning::ReplicationFactorChange { topic, partition, .. }
        | Warning::BrokerNotAlive { topic, partition, .. }
        | Warning::UnhealthyPartition { topic, partition, .. } => (topic, *partition),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, Broker, PartitionState, PlanRequest, Scope};

    fn state() -> ClusterState {
        let broker = |id: i32, rack: &str| Broker { id, rack: Some(rack.into()), alive: true };
        let part = |p: i32, replicas: &[i32], size: u64| PartitionState {
            topic: "orders".into(),
            partition: p,
            replicas: replicas.to_vec(),
            isr: replicas.to_vec(),
            leader: replicas.first().copied(),
            size_bytes: Some(size),
        };
        ClusterState {
            brokers: vec![broker(1, "a"), broker(2, "b"), broker(3, "c"), broker(4, "a")],
            partitions: vec![part(0, &[1, 3], 100), part(1, &[3, 2], 200), part(2, &[2, 1], 300)],
            min_isr: BTreeMap::new(),
        }
    }

    fn drained(brokers: Vec<i32>) -> PlanEdit {
        let goal = Goal::Drain { brokers };
        let req =
            PlanRequest { goal: goal.clone(), scope: Scope::All, target_brokers: vec![], include_unhealthy: false };
        let p = plan(&state(), &req).expect("plan");
        PlanEdit::new(state(), &goal, &p)
    }

    fn load(s: &EditSummary, id: i32) -> (usize, usize, u64) {
        let b = s.brokers.iter().find(|b| b.id == id).expect("broker");
        (b.replicas_after, b.leaders_after, b.bytes_after)
    }

    #[test]
    fn a_drain_starts_as_the_planners_plan_with_its_numbers() {
        let e = drained(vec![3]);
        let rows: Vec<(i32, Vec<i32>, Vec<i32>)> =
            e.rows.iter().map(|r| (r.partition, r.from.clone(), r.to.clone())).collect();
        assert_eq!(rows.len(), 2, "the partitions on broker 3: {rows:?}");
        assert!(e.rows.iter().all(|r| !r.to.contains(&3) && r.errors.is_empty() && !r.edited()));
        let s = e.summary();
        assert_eq!((s.moves, s.lower_bound, s.partitions, s.edited), (2, 2, 2, 0));
        assert_eq!(s.bytes_to_move, 300, "partitions 0 (100 B) and 1 (200 B) each copy once");
        assert_eq!(load(&s, 3), (0, 0, 0));
        assert_eq!(e.reassignment().partitions.len(), 2);
        assert_eq!(e.rollback().partitions[0].replicas, vec![1, 3]);
    }

    #[test]
    fn replacing_a_replica_is_checked_and_the_summary_follows() {
        let mut e = drained(vec![3]);
        let row = e.rows.iter().position(|r| r.partition == 1).expect("partition 1 moves");
        let before = e.summary();
        let slot = e.rows[row].to.iter().position(|b| *b != 2).expect("the replica that replaced 3");
        let was = e.rows[row].to[slot];
        let other = if was == 1 { 4 } else { 1 };
        // a broker already holding a replica is refused, and nothing changes
        assert_eq!(
            e.replace(row, slot, 2),
            Err(EditError::AlreadyReplica { topic: "orders".into(), partition: 1, broker: 2 })
        );
        assert_eq!(e.replace(row, slot, 9), Err(EditError::UnknownBroker(9)));
        assert_eq!(
            e.replace(row, 5, 1),
            Err(EditError::NoSlot { topic: "orders".into(), partition: 1, slot: 5, replicas: 2 })
        );
        assert_eq!(e.summary(), before);
        e.replace(row, slot, other).expect("edit");
        assert!(e.rows[row].edited());
        let after = e.summary();
        assert_eq!(after.edited, 1);
        assert_eq!(after.moves, before.moves, "still one broker added to partition 1");
        let (r_was, _, b_was) = load(&before, was);
        let (r_other, _, b_other) = load(&before, other);
        assert_eq!(load(&after, was).0, r_was - 1);
        assert_eq!(load(&after, was).2, b_was - 200);
        assert_eq!(load(&after, other).0, r_other + 1);
        assert_eq!(load(&after, other).2, b_other + 200);
        // putting broker 3 back in the slot makes the partition stay where it is: nothing to send
        e.replace(row, slot, 3).expect("edit");
        let back = e.summary();
        assert_eq!((back.moves, back.partitions), (before.moves - 1, before.partitions - 1));
        assert!(e.reassignment().partitions.iter().all(|p| p.partition != 1));
        e.reset(row).expect("reset");
        assert_eq!(e.summary(), before);
    }

    #[test]
    fn the_rack_rule_warns_live() {
        let mut e = drained(vec![3]);
        // partition 2 [2,1] does not move; partition 0 [1,3] goes somewhere without 3
        let row = e.rows.iter().position(|r| r.partition == 0).expect("partition 0 moves");
        let keep = e.rows[row].to.iter().position(|b| *b == 1).expect("broker 1 stays");
        let other = 1 - keep;
        // brokers 1 and 4 share rack a, and three racks are alive
        e.replace(row, other, 4).expect("edit");
        assert_eq!(e.rows[row].errors, vec![]);
        assert!(
            matches!(&e.rows[row].warnings[..], [Warning::RackCollocation { rack, count: 2, .. }] if rack == "a"),
            "{:?}",
            e.rows[row].warnings
        );
        assert_eq!(e.summary().warnings, 1);
        assert_eq!(e.blocking_error(), None, "a warning does not block");
        e.replace(row, other, 2).expect("edit");
        assert_eq!(e.rows[row].warnings, vec![]);
    }

    #[test]
    fn a_new_preferred_leader_moves_no_data() {
        let mut e = drained(vec![3]);
        let before = e.summary();
        let row = 0;
        let second = e.rows[row].to[1];
        e.make_leader(row, 1).expect("reorder");
        assert_eq!(e.rows[row].to[0], second);
        let after = e.summary();
        assert_eq!((after.moves, after.bytes_to_move), (before.moves, before.bytes_to_move));
        assert_eq!(load(&after, second).1, load(&before, second).1 + 1);
        assert_eq!(
            e.make_leader(row, 2),
            Err(EditError::NoSlot { topic: "orders".into(), partition: e.rows[row].partition, slot: 2, replicas: 2 })
        );
    }

    #[test]
    fn the_rf_goal_keeps_the_replication_factor_and_dead_brokers_warn() {
        let mut s = state();
        s.brokers[3].alive = false; // broker 4
        let goal = Goal::ReplicationFactor { rf: 3 };
        let req =
            PlanRequest { goal: goal.clone(), scope: Scope::All, target_brokers: vec![], include_unhealthy: false };
        let p = plan(&s, &req).expect("plan");
        let mut e = PlanEdit::new(s, &goal, &p);
        assert!(e.rows.iter().all(|r| r.to.len() == 3 && r.errors.is_empty()));
        // three alive brokers, three replicas: none is free to offer
        assert_eq!(e.next_broker(0, 2, true), None);
        // the dead broker can still be typed: a warning, not an error
        e.replace(0, 2, 4).expect("edit");
        assert!(
            e.rows[0].warnings.iter().any(|w| matches!(w, Warning::BrokerNotAlive { broker: 4, .. })),
            "{:?}",
            e.rows[0].warnings
        );
        assert!(!e.alive(4) && e.alive(1));
        assert_eq!(e.rack(4), Some("a"));
    }

    #[test]
    fn next_broker_cycles_over_the_free_alive_brokers_in_id_order() {
        let e = drained(vec![3]);
        let r = &e.rows[0];
        assert_eq!((r.partition, r.from.clone()), (0, vec![1, 3]));
        let slot = r.to.iter().position(|b| *b != 1).expect("the replacement of 3");
        let here = r.to[slot];
        // free: the alive brokers other than 1 and `here`, drained broker 3 included
        let free: Vec<i32> = [2, 3, 4].into_iter().filter(|b| *b != here).collect();
        let after = |b: i32| free.iter().copied().find(|f| *f > b).unwrap_or(free[0]);
        let before = |b: i32| free.iter().rev().copied().find(|f| *f < b).unwrap_or(free[free.len() - 1]);
        assert_eq!(e.next_broker(0, slot, true), Some(after(here)));
        assert_eq!(e.next_broker(0, slot, false), Some(before(here)));
        assert_eq!(e.next_broker(0, 7, true), None);
        assert_eq!(e.next_broker(9, 0, true), None);
    }
}
