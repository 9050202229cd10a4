//! Replica placement: reach the per-broker targets with as few moves as possible.
//!
//! Works on the dense form ([`super::dense`]): partitions `0..P` (the planned partitions, sorted
//! by topic then partition) and target brokers `0..B` (sorted by id).
//!
//! With the counts fixed, a placement is an integral flow source ->
//! partition (`rf`) -> (partition, rack) (`h`) -> broker (1, cost 1 unless
//! the broker held the partition before) -> sink (`target`), and its cost is
//! the number of moves. Three phases (see [`Balancer::run`] and the module docs
//! of [`crate::plan`], "Algorithm"):
//! 1. [`greedy`]: RF changes, rack-rule evictions, then greedy shedding from
//!    over-target to under-target brokers; produces most of the placement cheaply.
//! 2. [`paths`]: what the greedy passes left goes along cheapest paths of
//!    single-replica hops, found in the hop index ([`hops`]).
//! 3. [`cycles`]: negative hop cycles are cancelled until none is left.

mod cycles;
mod greedy;
mod hops;
mod paths;
#[cfg(test)]
mod tests;

use super::dense::{move_delta, part_key, topic_count, BPart, BitRows, BrokerIdx, Slots};
use hops::HopIndex;

pub(crate) struct Balancer<'a> {
    parts: &'a [BPart],
    /// Each partition's replicas in one flat array ([`Slots`]: the greedy passes and the hop
    /// index read the lists of every partition they look at), `rf` long once
    /// [`Balancer::new`] made the replication-factor changes; an empty slot is
    /// [`BrokerIdx::EMPTY`].
    slots: Slots,
    rack_of: &'a [usize],
    rack_n: usize,
    count: Vec<usize>,
    target: &'a [usize],
    /// Sum of `target`.
    target_sum: i64,
    rack_total: Vec<usize>,
    rack_target: Vec<usize>,
    bytes: Vec<u64>,
    /// The partitions on each broker: row `b`, column `p` (a bit each: the greedy passes move
    /// tens of thousands of replicas, each an edit of two brokers' sets, and in B-tree sets those
    /// edits cost more than the passes' own work; 0.6 MiB for 50 brokers and 100k partitions).
    on_broker: BitRows,
    /// Replicas of each topic per broker, `topic_on[t * B + b]` (dense: the greedy passes
    /// look it up for every destination of every move).
    topic_on: Vec<u32>,
    /// Replicas each topic ends with (sum of the wanted replication factors).
    topic_total: Vec<u64>,
    /// Target brokers dropped from each partition by an RF decrease.
    dropped: Vec<Vec<BrokerIdx>>,
    /// Number of cheapest-path placements after the greedy passes.
    pub fallback_paths: usize,
    /// Hop index, built after the greedy passes.
    index: Option<HopIndex>,
}

impl<'a> Balancer<'a> {
    pub(crate) fn new(parts: &'a [BPart], rack_of: &'a [usize], rack_n: usize, target: &'a [usize]) -> Self {
        let b_n = rack_of.len();
        let mut rack_target = vec![0usize; rack_n];
        for b in BrokerIdx::all(b_n) {
            rack_target[rack_of[b]] += target[b];
        }
        let topics = topic_count(parts);
        let mut me = Balancer {
            parts,
            slots: Slots::with_capacity(0, 0),
            rack_of,
            rack_n,
            count: vec![0; b_n],
            target,
            target_sum: target.iter().map(|&x| x as i64).sum(),
            rack_total: vec![0; rack_n],
            rack_target,
            bytes: vec![0; b_n],
            on_broker: BitRows::new(b_n, parts.len()),
            topic_on: vec![0; b_n * topics],
            topic_total: vec![0; topics],
            dropped: vec![Vec::new(); parts.len()],
            fallback_paths: 0,
            index: None,
        };
        for p in parts {
            me.topic_total[p.topic as usize] += p.rf as u64;
        }
        for (pi, p) in parts.iter().enumerate() {
            for &b in p.orig.iter().filter(|b| !b.is_empty()) {
                me.add_stats(pi, b);
            }
        }
        me.slots = me.fix_replication_factor();
        me
    }

    /// Runs the whole placement; returns the final slots (target indices) and
    /// the number of cheapest-path placements needed after the greedy passes.
    pub(crate) fn run(mut self) -> (Slots, usize) {
        self.rebalance_drops();
        self.evict_rack_violations();
        self.place_homeless();
        self.shed_cross_rack();
        self.shed_within_racks();
        self.build_index();
        self.resolve_by_paths();
        self.cancel_negative_cycles();
        let fb = self.fallback_paths;
        (self.slots, fb)
    }

    /// The target brokers `0..B`.
    fn brokers(&self) -> impl DoubleEndedIterator<Item = BrokerIdx> + Clone {
        BrokerIdx::all(self.count.len())
    }

    /// The partitions on broker `b`, in increasing order.
    fn partitions_on(&self, b: BrokerIdx) -> impl Iterator<Item = u32> + '_ {
        self.on_broker.ones(b.index()).map(part_key)
    }

    fn add_stats(&mut self, pi: usize, b: BrokerIdx) {
        self.count[b] += 1;
        self.rack_total[self.rack_of[b]] += 1;
        self.bytes[b] += self.parts[pi].size;
        self.on_broker.insert(b.index(), pi);
        let cell = self.topic_cell(self.parts[pi].topic, b);
        self.topic_on[cell] += 1;
    }

    fn remove_stats(&mut self, pi: usize, b: BrokerIdx) {
        self.count[b] -= 1;
        self.rack_total[self.rack_of[b]] -= 1;
        self.bytes[b] -= self.parts[pi].size;
        self.on_broker.remove(b.index(), pi);
        let cell = self.topic_cell(self.parts[pi].topic, b);
        let c = &mut self.topic_on[cell];
        *c = c.saturating_sub(1);
    }

    /// Where topic `t`'s count on broker `b` is in `topic_on`: a topic's counts on every broker
    /// side by side, because a move compares them for every destination broker.
    fn topic_cell(&self, t: u32, b: BrokerIdx) -> usize {
        t as usize * self.count.len() + b.index()
    }

    fn topic_count(&self, pi: usize, b: BrokerIdx) -> u32 {
        self.topic_on[self.topic_cell(self.parts[pi].topic, b)]
    }

    /// Replicas of `pi` in rack `k`, not counting slot `skip`.
    fn rack_count(&self, pi: usize, k: usize, skip: Option<usize>) -> usize {
        self.rack_count_in(&self.slots[pi], k, skip)
    }

    /// Replicas of `slots` in rack `k`, not counting slot `skip`.
    fn rack_count_in(&self, slots: &[BrokerIdx], k: usize, skip: Option<usize>) -> usize {
        slots.iter().enumerate().filter(|&(i, &b)| Some(i) != skip && !b.is_empty() && self.rack_of[b] == k).count()
    }

    fn holds(&self, pi: usize, b: BrokerIdx) -> bool {
        self.slots[pi].contains(&b)
    }

    /// Can partition `pi` take broker `b` (in slot `slot`, whose current broker
    /// is vacated)?
    fn can_take(&self, pi: usize, b: BrokerIdx, slot: Option<usize>) -> bool {
        if self.holds(pi, b) {
            return false;
        }
        self.rack_count(pi, self.rack_of[b], slot) < self.parts[pi].h
    }

    fn over(&self, b: BrokerIdx) -> bool {
        self.count[b] > self.target[b]
    }

    fn under(&self, b: BrokerIdx) -> bool {
        self.count[b] < self.target[b]
    }

    /// How far broker `b` is above its target (negative: below).
    fn surplus(&self, b: BrokerIdx) -> i64 {
        self.count[b] as i64 - self.target[b] as i64
    }

    fn set_slot(&mut self, pi: usize, si: usize, b: BrokerIdx) {
        self.index_change(pi, true);
        let old = self.slots[pi][si];
        if !old.is_empty() {
            self.remove_stats(pi, old);
        }
        self.slots[pi][si] = b;
        if !b.is_empty() {
            self.add_stats(pi, b);
        }
        self.index_change(pi, false);
    }

    fn slot_of(&self, pi: usize, b: BrokerIdx) -> Option<usize> {
        self.slots[pi].iter().position(|&x| x == b)
    }

    /// Did broker `b` hold partition `pi` before the plan?
    fn is_orig(&self, pi: usize, b: BrokerIdx) -> bool {
        self.parts[pi].held(b)
    }

    /// Change in the number of moves when partition `pi` moves its replica
    /// from broker `x` to broker `y`: +1 (an original replica leaves for a
    /// new broker), 0 (a replica this plan adds is re-routed, or an RF
    /// decrease keeps `y` instead of `x`), -1 (an added replica goes back to
    /// an original broker).
    fn hop_cost(&self, pi: usize, x: BrokerIdx, y: BrokerIdx) -> i32 {
        move_delta(&self.parts[pi], x, y)
    }

    /// Empty slots `(partition, slot)`, largest partitions first (then in order).
    fn empty_slots(&self) -> Vec<(usize, usize)> {
        let mut todo: Vec<(usize, usize)> = Vec::new();
        for pi in 0..self.slots.len() {
            for si in 0..self.slots[pi].len() {
                if self.slots[pi][si].is_empty() {
                    todo.push((pi, si));
                }
            }
        }
        todo.sort_by(|a, b| self.parts[b.0].size.cmp(&self.parts[a.0].size).then(a.cmp(b)));
        todo
    }
}
