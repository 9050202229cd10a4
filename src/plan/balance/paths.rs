//! Phase 2 of the placement: what the greedy passes left (empty slots, over-target brokers) goes
//! along cheapest paths of single-replica hops (0-1 BFS over the `B x B` hop matrix).

use std::collections::{BTreeSet, VecDeque};

use super::hops::{cell, NO_HOP};
use super::Balancer;
use crate::plan::dense::BrokerIdx;

impl Balancer<'_> {
    /// Cheapest path (0-1 BFS over the hop matrix `m`; a hop that removes a
    /// move counts as free) from the weighted `starts` (broker, cost) to an
    /// under-target broker. Returns the brokers of the path.
    fn cheapest_path(&self, starts: &[(BrokerIdx, usize)], m: &[i32]) -> Option<Vec<BrokerIdx>> {
        let b_n = self.count.len();
        let mut dist = vec![usize::MAX; b_n];
        let mut parent: Vec<Option<BrokerIdx>> = vec![None; b_n];
        let mut done = vec![false; b_n];
        // Deque sorted by distance: starts at 0 before starts at 1.
        let mut sorted: Vec<(BrokerIdx, usize)> = starts.to_vec();
        sorted.sort_by_key(|&(s, d)| (d, s));
        let mut queue = VecDeque::new();
        for (s, d) in sorted {
            if d < dist[s] {
                dist[s] = d;
                queue.push_back(s);
            }
        }
        let mut found = None;
        while let Some(x) = queue.pop_front() {
            if done[x] {
                continue;
            }
            done[x] = true;
            if self.under(x) {
                found = Some(x);
                break;
            }
            for y in self.brokers() {
                let c = m[cell(b_n, x, y)];
                if c == NO_HOP || done[y] {
                    continue;
                }
                let w = usize::from(c > 0);
                if dist[x] + w < dist[y] {
                    dist[y] = dist[x] + w;
                    parent[y] = Some(x);
                    if w == 0 {
                        queue.push_front(y);
                    } else {
                        queue.push_back(y);
                    }
                }
            }
        }
        let end = found?;
        let mut path = vec![end];
        let mut v = end;
        while let Some(p) = parent[v] {
            v = p;
            path.push(v);
        }
        path.reverse();
        Some(path)
    }

    /// Applies the hops of the cheapest path from `starts` to an under-target
    /// broker (partition `exclude` may not carry a hop), banning hops whose
    /// witnesses fail and retrying; returns the path's first broker.
    fn route(&mut self, starts: &[(BrokerIdx, usize)], exclude: Option<usize>) -> Option<BrokerIdx> {
        let b_n = self.count.len();
        let mut banned = BTreeSet::new();
        for _ in 0..=b_n * b_n {
            let m = self.hop_matrix(&banned);
            let path = self.cheapest_path(starts, &m)?;
            match self.path_witnesses(&path, false, exclude, &m) {
                Ok((hops, _)) => {
                    for (qu, qsi, y) in hops {
                        self.set_slot(qu, qsi, y);
                    }
                    self.fallback_paths += 1;
                    return Some(path[0]);
                }
                Err(edge) => {
                    banned.insert(edge);
                }
            }
        }
        None
    }

    /// Places what the greedy passes left (empty slots, over-target brokers)
    /// along cheapest paths of hops.
    pub(super) fn resolve_by_paths(&mut self) {
        let b_n = self.count.len();
        // Largest partitions first, like the greedy placement.
        let homeless = self.empty_slots();
        if homeless.is_empty() && !self.brokers().any(|b| self.over(b)) {
            return;
        }
        for (pi, si) in homeless {
            if self.slots[pi].get(si) != Some(&BrokerIdx::EMPTY) {
                continue;
            }
            let starts: Vec<(BrokerIdx, usize)> = self
                .brokers()
                .filter(|&b| self.can_take(pi, b, Some(si)))
                .map(|b| (b, usize::from(!self.is_orig(pi, b))))
                .collect();
            if let Some(first) = self.route(&starts, Some(pi)) {
                self.set_slot(pi, si, first);
            } else {
                // Cannot balance further: still keep the hard rules.
                self.place_anywhere(pi, si);
            }
        }
        let mut stuck = vec![false; b_n];
        while let Some(a) = self.brokers().find(|&b| self.over(b) && !stuck[b]) {
            if self.route(&[(a, 0)], None).is_none() {
                stuck[a] = true;
            }
        }
    }

    /// Last resort for an empty slot: any broker that keeps the hard rules,
    /// least over target first.
    fn place_anywhere(&mut self, pi: usize, si: usize) {
        let mut best: Option<(BrokerIdx, (i64, u64, BrokerIdx))> = None;
        for b in self.brokers() {
            if !self.can_take(pi, b, Some(si)) {
                continue;
            }
            let key = (self.surplus(b), self.bytes[b], b);
            if best.as_ref().is_none_or(|(_, bk)| key < *bk) {
                best = Some((b, key));
            }
        }
        if let Some((b, _)) = best {
            self.set_slot(pi, si, b);
        } else {
            // Cannot happen: h(r) guarantees room for r replicas. Keep the
            // slot out rather than break a hard rule.
            // The slot stays empty, and the placement reports the partition incomplete.
            self.set_slot(pi, si, BrokerIdx::EMPTY);
        }
    }
}
