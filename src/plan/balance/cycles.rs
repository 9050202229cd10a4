//! Phase 3 of the placement: the min-cost-flow optimality pass. Negative cycles of hops keep every
//! broker count and remove moves; they are applied until none is left.

use std::collections::BTreeSet;

use super::hops::NO_HOP;
use super::Balancer;
use crate::plan::dense::BrokerIdx;

impl Balancer<'_> {
    /// Min-cost-flow optimality pass. With the counts fixed, a placement is a
    /// flow (partitions -> racks -> brokers, cost 1 per added replica) and it
    /// is optimal iff its residual graph has no negative cycle. Projected on
    /// brokers, a residual cycle is a cycle of hops `x -> y` ("a partition on
    /// `x` moves to `y`"), each costing [`Self::hop_cost`], and it keeps
    /// every broker count. Negative cycles are found by Bellman-Ford on the
    /// broker graph (edge = cheapest hop, from the index) and applied with
    /// distinct partitions. Each applied cycle removes at least one move, so
    /// the pass ends.
    pub(super) fn cancel_negative_cycles(&mut self) {
        let b_n = self.count.len();
        let any_change = self
            .index
            .as_ref()
            .is_some_and(|ix| ix.back.iter().any(|s| !s.is_empty()) || ix.added_on.iter().any(|s| !s.is_empty()));
        if b_n < 2 || !any_change {
            return;
        }
        let mut banned: BTreeSet<(BrokerIdx, BrokerIdx)> = BTreeSet::new();
        let moves: usize = (0..self.parts.len())
            .map(|pi| self.slots[pi].iter().filter(|&&b| !b.is_empty() && !self.is_orig(pi, b)).count())
            .sum();
        let mut budget = moves + 2 * b_n * b_n + 16;
        while budget > 0 {
            budget -= 1;
            let m = self.hop_matrix(&banned);
            let Some(cycle) = negative_cycle(&m, b_n) else { return };
            let cycle: Vec<BrokerIdx> = cycle.into_iter().map(BrokerIdx::new).collect();
            match self.path_witnesses(&cycle, true, None, &m) {
                Ok((hops, total)) if total < 0 => {
                    for (qu, si, y) in hops {
                        self.set_slot(qu, si, y);
                    }
                    banned.clear();
                }
                Ok(_) => {
                    // The cheapest hops share a partition: drop the closing hop.
                    banned.insert((cycle[cycle.len() - 1], cycle[0]));
                }
                Err(edge) => {
                    banned.insert(edge);
                }
            }
        }
    }
}

/// A negative cycle of the dense cost matrix `m` (`NO_HOP` = no edge), as
/// nodes `[x0, ..., x(k-1)]` with hops `xi -> x(i+1)` closing at `x0`.
/// Bellman-Ford from a virtual source; a cycle in the predecessor graph
/// (checked after every round) is negative.
pub(super) fn negative_cycle(m: &[i32], b_n: usize) -> Option<Vec<usize>> {
    let none = usize::MAX;
    let mut dist = vec![0i64; b_n];
    let mut parent = vec![none; b_n];
    for _ in 0..=b_n {
        let mut changed = false;
        for x in 0..b_n {
            for y in 0..b_n {
                let c = m[x * b_n + y];
                if c != NO_HOP && dist[x] + i64::from(c) < dist[y] {
                    dist[y] = dist[x] + i64::from(c);
                    parent[y] = x;
                    changed = true;
                }
            }
        }
        if !changed {
            return None;
        }
        if let Some(c) = parent_cycle(&parent) {
            let cost: i64 = (0..c.len()).map(|i| i64::from(m[c[i] * b_n + c[(i + 1) % c.len()]])).sum();
            if cost < 0 {
                return Some(c);
            }
        }
    }
    None
}

/// A cycle of the predecessor graph (`usize::MAX` = no predecessor), in forward (hop) order.
pub(super) fn parent_cycle(parent: &[usize]) -> Option<Vec<usize>> {
    let n = parent.len();
    let none = usize::MAX;
    let mut stamp = vec![none; n];
    for s in 0..n {
        let mut v = s;
        while v != none && stamp[v] == none {
            stamp[v] = s;
            v = parent[v];
        }
        if v != none && stamp[v] == s {
            // v is on a cycle: collect it backwards, then reverse.
            let mut c = vec![v];
            let mut u = parent[v];
            while u != v {
                if u == none || c.len() > n {
                    return None;
                }
                c.push(u);
                u = parent[u];
            }
            c.reverse();
            return Some(c);
        }
    }
    None
}
