//! Executing a reassignment, the pure part: which partitions really move (current → target) and
//! in which batches they are submitted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::json::Reassignment;
use super::model::ClusterState;

/// One partition going from its current replicas to a target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub topic: String,
    pub partition: i32,
    pub current: Vec<i32>,
    pub target: Vec<i32>,
}

impl Move {
    /// A reassignment the controller is working on, as ListPartitionReassignments describes it:
    /// `replicas` holds the target and the replicas being removed, `adding` the new ones.
    pub fn in_flight(topic: &str, partition: i32, replicas: &[i32], adding: &[i32], removing: &[i32]) -> Move {
        Move {
            topic: topic.to_string(),
            partition,
            current: replicas.iter().copied().filter(|r| !adding.contains(r)).collect(),
            target: replicas.iter().copied().filter(|r| !removing.contains(r)).collect(),
        }
    }

    /// Brokers that get a new replica (and so copy data).
    pub fn adding(&self) -> Vec<i32> {
        self.target.iter().copied().filter(|r| !self.current.contains(r)).collect()
    }

    /// Brokers whose replica goes away once the move completes.
    pub fn removing(&self) -> Vec<i32> {
        self.current.iter().copied().filter(|r| !self.target.contains(r)).collect()
    }

    /// Whether any data is copied (a reorder only changes the preferred leader).
    pub fn copies_data(&self) -> bool {
        self.target.iter().any(|r| !self.current.contains(r))
    }

    pub fn key(&self) -> (String, i32) {
        (self.topic.clone(), self.partition)
    }
}

/// The moves of a reassignment file against the cluster, in file order, and the partitions
/// that are already where the file wants them (nothing to send for those).
pub fn moves_of(state: &ClusterState, r: &Reassignment) -> (Vec<Move>, Vec<(String, i32)>) {
    let current: BTreeMap<(&str, i32), &Vec<i32>> =
        state.partitions.iter().map(|p| ((p.topic.as_str(), p.partition), &p.replicas)).collect();
    let mut moves = Vec::new();
    let mut unchanged = Vec::new();
    for e in &r.partitions {
        let Some(cur) = current.get(&(e.topic.as_str(), e.partition)) else { continue };
        if **cur == e.replicas {
            unchanged.push((e.topic.clone(), e.partition));
        } else {
            moves.push(Move {
                topic: e.topic.clone(),
                partition: e.partition,
                current: (*cur).clone(),
                target: e.replicas.clone(),
            });
        }
    }
    (moves, unchanged)
}

/// Splits moves into batches of at most `size` partitions (None or 0: one batch), in the given
/// order. Reorders are not special: they complete at once and free their slot right away.
pub fn batches(moves: &[Move], size: Option<usize>) -> Vec<Vec<Move>> {
    if moves.is_empty() {
        return Vec::new();
    }
    match size {
        Some(n) if n > 0 => moves.chunks(n).map(<[Move]>::to_vec).collect(),
        _ => vec![moves.to_vec()],
    }
}

/// Where a submitted move stands, from the cluster's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveState {
    /// The replicas are the target (and the controller is not moving it any more).
    Done,
    /// The controller is moving it.
    Moving,
    /// Neither: not submitted yet, cancelled, or changed by someone else.
    Idle,
}

/// A move's state from the partition's replicas now and whether a reassignment is in progress.
pub fn move_state(m: &Move, replicas_now: Option<&[i32]>, in_progress: bool) -> MoveState {
    if in_progress {
        MoveState::Moving
    } else if replicas_now == Some(m.target.as_slice()) {
        MoveState::Done
    } else {
        MoveState::Idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PartitionState, ReassignmentEntry};

    fn mv(p: i32, current: &[i32], target: &[i32]) -> Move {
        Move { topic: "t".into(), partition: p, current: current.to_vec(), target: target.to_vec() }
    }

    #[test]
    fn adding_and_removing() {
        let m = mv(0, &[1, 2, 3], &[4, 2, 1]);
        assert_eq!((m.adding(), m.removing(), m.copies_data()), (vec![4], vec![3], true));
        let reorder = mv(0, &[1, 2], &[2, 1]);
        assert_eq!((reorder.adding(), reorder.removing(), reorder.copies_data()), (vec![], vec![], false));
    }

    #[test]
    fn in_flight_splits_the_replica_list_as_the_controller_reports_it() {
        // moving [1,2,3] -> [4,2,1]: the controller lists replicas [4,2,1,3], adding [4], removing [3]
        let m = Move::in_flight("t", 5, &[4, 2, 1, 3], &[4], &[3]);
        assert_eq!(m, mv(5, &[2, 1, 3], &[4, 2, 1]));
        assert_eq!((m.adding(), m.removing()), (vec![4], vec![3]));
    }

    #[test]
    fn moves_skip_partitions_already_at_their_target() {
        let part = |p: i32, replicas: &[i32]| PartitionState {
            topic: "t".into(),
            partition: p,
            replicas: replicas.to_vec(),
            isr: replicas.to_vec(),
            leader: replicas.first().copied(),
            size_bytes: None,
        };
        let state = ClusterState { partitions: vec![part(0, &[1, 2]), part(1, &[2, 3])], ..Default::default() };
        let entry = |p: i32, replicas: &[i32]| ReassignmentEntry {
            topic: "t".into(),
            partition: p,
            replicas: replicas.to_vec(),
            log_dirs: None,
        };
        let r = Reassignment { partitions: vec![entry(1, &[3, 1]), entry(0, &[1, 2])] };
        let (moves, unchanged) = moves_of(&state, &r);
        assert_eq!(moves, vec![mv(1, &[2, 3], &[3, 1])]);
        assert_eq!(unchanged, vec![("t".to_string(), 0)]);
    }

    #[test]
    fn batches_keep_order_and_size() {
        let moves: Vec<Move> = (0..5).map(|p| mv(p, &[1], &[2])).collect();
        let parts =
            |b: &[Vec<Move>]| b.iter().map(|x| x.iter().map(|m| m.partition).collect()).collect::<Vec<Vec<i32>>>();
        assert_eq!(parts(&batches(&moves, Some(2))), vec![vec![0, 1], vec![2, 3], vec![4]]);
        assert_eq!(parts(&batches(&moves, None)), vec![vec![0, 1, 2, 3, 4]]);
        assert_eq!(parts(&batches(&moves, Some(0))), vec![vec![0, 1, 2, 3, 4]]);
        assert_eq!(parts(&batches(&moves, Some(9))), vec![vec![0, 1, 2, 3, 4]]);
        assert!(batches(&[], Some(2)).is_empty());
    }

    #[test]
    fn state_of_a_move() {
        let m = mv(0, &[1, 2], &[3, 2]);
        assert_eq!(move_state(&m, Some(&[3, 2, 1]), true), MoveState::Moving);
        assert_eq!(move_state(&m, Some(&[3, 2]), false), MoveState::Done);
        // the same brokers in another order is not the target: the preferred leader differs
        assert_eq!(move_state(&m, Some(&[2, 3]), false), MoveState::Idle);
        assert_eq!(move_state(&m, Some(&[1, 2]), false), MoveState::Idle);
        assert_eq!(move_state(&m, None, false), MoveState::Idle);
    }
}
