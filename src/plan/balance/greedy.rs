//! Phase 1 of the placement: replication-factor changes, rack-rule evictions and greedy shedding
//! from over-target to under-target brokers. Cheap, and most of the placement in practice; what it
//! leaves goes to the cheapest-path phase ([`super::paths`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::Balancer;
use crate::plan::dense::{BrokerIdx, Slots};

/// Destination preference ([`Balancer::dest_key`]): fewest replicas of the topic, fewest bytes,
/// largest deficit, lowest index.
type DestKey = (u32, u64, i64, BrokerIdx);

impl Balancer<'_> {
    /// The partitions' replica lists at their wanted replication factor: an RF decrease drops
    /// slots (non-target first, then rack excess, then the most over-target broker, avoiding the
    /// preferred leader); an RF increase appends empty slots.
    pub(super) fn fix_replication_factor(&mut self) -> Slots {
        let mut slots = Slots::with_capacity(self.parts.len(), self.parts.iter().map(|p| p.rf).sum());
        let mut list: Vec<BrokerIdx> = Vec::new();
        for pi in 0..self.parts.len() {
            let rf = self.parts[pi].rf;
            list.clear();
            list.extend_from_slice(&self.parts[pi].orig);
            while list.len() > rf {
                let si = self.pick_drop(pi, &list);
                let b = list[si];
                if !b.is_empty() {
                    self.remove_stats(pi, b);
                    self.dropped[pi].push(b);
                }
                list.remove(si);
            }
            list.resize(rf, BrokerIdx::EMPTY);
            slots.push(&list);
        }
        slots
    }

    /// Changes which replicas an RF decrease drops (free: no move) so that
    /// over-target brokers lose more: alternating paths x -> y where a
    /// partition on x that dropped y keeps y instead of x.
    pub(super) fn rebalance_drops(&mut self) {
        if self.dropped.iter().all(Vec::is_empty) {
            return;
        }
        let b_n = self.count.len();
        loop {
            let mut parent: Vec<Option<BrokerIdx>> = vec![None; b_n];
            // The partition that carries the hop into each broker.
            let mut witness: Vec<Option<usize>> = vec![None; b_n];
            let mut seen = vec![false; b_n];
            let mut queue = VecDeque::new();
            for b in self.brokers() {
                if self.over(b) {
                    seen[b] = true;
                    queue.push_back(b);
                }
            }
            if queue.is_empty() {
                return;
            }
            let mut found = None;
            'bfs: while let Some(x) = queue.pop_front() {
                for q in self.partitions_on(x) {
                    let qu = q as usize;
                    if self.dropped[qu].is_empty() {
                        continue;
                    }
                    let Some(si) = self.slot_of(qu, x) else { continue };
                    for &y in &self.dropped[qu] {
                        if seen[y] || !self.can_take(qu, y, Some(si)) {
                            continue;
                        }
                        seen[y] = true;
                        parent[y] = Some(x);
                        witness[y] = Some(qu);
                        if self.under(y) {
                            found = Some(y);
                            break 'bfs;
                        }
                        queue.push_back(y);
                    }
                }
            }
            let Some(end) = found else { return };
            let mut v = end;
            while let Some(x) = parent[v] {
                let Some(qu) = witness[v] else { return };
                let Some(si) = self.slot_of(qu, x) else { return };
                if !self.can_take(qu, v, Some(si)) {
                    return;
                }
                self.set_slot(qu, si, v);
                if let Some(d) = self.dropped[qu].iter().position(|&b| b == v) {
                    self.dropped[qu][d] = x;
                }
                v = x;
            }
        }
    }

    /// The slot of `slots` (partition `pi`'s replicas) an RF decrease drops next.
    fn pick_drop(&self, pi: usize, slots: &[BrokerIdx]) -> usize {
        if let Some(i) = slots.iter().rposition(|b| b.is_empty()) {
            return i;
        }
        let h = self.parts[pi].h;
        let mut best = 0usize;
        let mut best_key = (false, i64::MIN, false, BrokerIdx::new(0));
        for (i, &b) in slots.iter().enumerate() {
            let rack_excess = self.rack_count_in(slots, self.rack_of[b], None) > h;
            let key = (rack_excess, self.surplus(b), i > 0, b);
            if i == 0 || key > best_key {
                best_key = key;
                best = i;
            }
        }
        best
    }

    /// Empties slots that break the rack limit (input not rack-aware).
    pub(super) fn evict_rack_violations(&mut self) {
        for pi in 0..self.parts.len() {
            let h = self.parts[pi].h;
            for k in 0..self.rack_n {
                while self.rack_count(pi, k, None) > h {
                    // Evict from the most over-target broker of that rack.
                    let mut best: Option<(usize, (i64, bool, BrokerIdx))> = None;
                    for (i, &b) in self.slots[pi].iter().enumerate() {
                        if b.is_empty() || self.rack_of[b] != k {
                            continue;
                        }
                        let key = (self.surplus(b), i > 0, b);
                        if best.as_ref().is_none_or(|(_, bk)| key > *bk) {
                            best = Some((i, key));
                        }
                    }
                    match best {
                        Some((i, _)) => self.set_slot(pi, i, BrokerIdx::EMPTY),
                        None => break,
                    }
                }
            }
        }
    }

    /// Destination key: fewest replicas of the topic, fewest bytes, largest
    /// deficit, lowest index.
    fn dest_key(&self, pi: usize, b: BrokerIdx) -> DestKey {
        (self.topic_count(pi, b), self.bytes[b], self.surplus(b), b)
    }

    /// Best under-target broker for `pi` (slot `slot` vacated) among those
    /// accepted by `filter`.
    fn best_dest<F: Fn(BrokerIdx) -> bool>(&self, pi: usize, slot: Option<usize>, filter: F) -> Option<BrokerIdx> {
        let mut best: Option<(BrokerIdx, DestKey)> = None;
        for b in self.brokers() {
            if !self.under(b) || !filter(b) || !self.can_take(pi, b, slot) {
                continue;
            }
            let key = self.dest_key(pi, b);
            if best.as_ref().is_none_or(|(_, bk)| key < *bk) {
                best = Some((b, key));
            }
        }
        best.map(|(b, _)| b)
    }

    /// Places empty slots on under-target brokers of racks below their total,
    /// largest partitions first.
    pub(super) fn place_homeless(&mut self) {
        for (pi, si) in self.empty_slots() {
            let dest = self.best_dest(pi, Some(si), |b| {
                let k = self.rack_of[b];
                self.rack_total[k] < self.rack_target[k]
            });
            if let Some(b) = dest {
                self.set_slot(pi, si, b);
            }
        }
    }

    /// How far topic `t` is above its share on broker `a`: its count there
    /// minus `total_t * target_a / sum(target)`, scaled by `sum(target)`
    /// (a broker meant to hold more replicas has a larger share of each topic).
    fn topic_excess(&self, t: u32, a: BrokerIdx) -> i64 {
        let n = i64::from(self.topic_on[self.topic_cell(t, a)]);
        n * self.target_sum - self.topic_total[t as usize] as i64 * self.target[a] as i64
    }

    /// Moves replicas off broker `a` to the best destination accepted by
    /// `dest_ok` until `done`: always from the topic most above its even
    /// share on `a` (so topics stay spread), smallest partition of that topic
    /// first, then partition order. Returns whether anything moved.
    fn shed_from<F, D>(&mut self, a: BrokerIdx, dest_ok: F, done: D) -> bool
    where
        F: Fn(&Self, BrokerIdx) -> bool,
        D: Fn(&Self) -> bool,
    {
        // (topic, size, partition), sorted: per topic in order, its partitions in shedding order.
        let mut on_a: Vec<(u32, u64, u32)> =
            self.partitions_on(a).map(|pi| (self.parts[pi as usize].topic, self.parts[pi as usize].size, pi)).collect();
        on_a.sort_unstable();
        let mut lists: Vec<(Vec<u32>, usize)> = Vec::new();
        let mut heap = BinaryHeap::new();
        for run in on_a.chunk_by(|p, q| p.0 == q.0) {
            let t = run[0].0;
            heap.push((self.topic_excess(t, a), Reverse(t), lists.len()));
            lists.push((run.iter().map(|&(_, _, pi)| pi).collect(), 0));
        }
        let mut moved = false;
        while let Some((_, Reverse(t), li)) = heap.pop() {
            if done(self) {
                break;
            }
            let pi = lists[li].0[lists[li].1];
            lists[li].1 += 1;
            let p = pi as usize;
            if let Some(si) = self.slot_of(p, a) {
                if let Some(b) = self.best_dest(p, Some(si), |b| dest_ok(self, b)) {
                    self.set_slot(p, si, b);
                    moved = true;
                }
            }
            if lists[li].1 < lists[li].0.len() {
                heap.push((self.topic_excess(t, a), Reverse(t), li));
            }
        }
        moved
    }

    /// Moves replicas from racks above their total to racks below it.
    pub(super) fn shed_cross_rack(&mut self) {
        for k in 0..self.rack_n {
            if self.rack_total[k] <= self.rack_target[k] {
                continue;
            }
            // Over brokers of the rack, most over first.
            let mut brokers: Vec<BrokerIdx> =
                self.brokers().filter(|&b| self.rack_of[b] == k && self.over(b)).collect();
            brokers.sort_by_key(|&b| (Reverse(self.count[b] - self.target[b]), b));
            for a in brokers {
                if self.rack_total[k] <= self.rack_target[k] {
                    break;
                }
                self.shed_from(
                    a,
                    |me, b| {
                        let j = me.rack_of[b];
                        j != k && me.rack_total[j] < me.rack_target[j]
                    },
                    |me| !me.over(a) || me.rack_total[k] <= me.rack_target[k],
                );
            }
        }
    }

    /// Moves within racks from over- to under-target brokers (always possible
    /// when the rack is not above its total).
    pub(super) fn shed_within_racks(&mut self) {
        for k in 0..self.rack_n {
            let members: Vec<BrokerIdx> = self.brokers().filter(|&b| self.rack_of[b] == k).collect();
            loop {
                let a = members
                    .iter()
                    .copied()
                    .filter(|&b| self.over(b))
                    .max_by_key(|&b| (self.count[b] - self.target[b], Reverse(b)));
                let Some(a) = a else { break };
                if !members.iter().any(|&b| self.under(b)) {
                    break;
                }
                let moved = self.shed_from(
                    a,
                    |me, b| me.rack_of[b] == k,
                    |me| !me.over(a) || !members.iter().any(|&b| me.under(b)),
                );
                if !moved {
                    break;
                }
            }
        }
    }
}
