//! The hop index: which single-replica hops `x -> y` ("a partition on `x` may move to `y`") exist,
//! classed by their effect on the move count, kept up to date on every change once built; and the
//! witnesses (the partitions that carry a hop) the path and cycle phases apply.

use std::collections::BTreeSet;

use super::Balancer;
use crate::plan::dense::{part_key, BrokerIdx};

/// Entry of `HopIndex::back`: (hop cost, preference, partition).
type BackKey = (i8, u64, u32);

/// Hops of a path: (partition, slot, destination broker).
pub(super) type Hops = Vec<(usize, usize, BrokerIdx)>;

/// No hop between two brokers.
pub(super) const NO_HOP: i32 = i32::MAX;

/// At most this many racks get one witness bucket each (see `buckets`).
const MAX_BUCKETS: usize = 16;

/// Counts of possible single-replica hops between brokers, kept up to date
/// by [`Balancer::set_slot`] once built. Hop classes are `hop_cost + 1`
/// (0: removes a move, 1: free, 2: adds a move).
pub(super) struct HopIndex {
    /// `[(x * racks + k) * 3 + class]`: hops from broker `x` into rack `k`.
    rack_cnt: Vec<i64>,
    /// `[(x * brokers + y) * 3 + class]`: correction for broker `y`.
    pair_adj: Vec<i64>,
    /// `[x * brokers + y]`: partitions on `x` that held `y` before the plan and no
    /// longer do (hops of class 0 or 1). Dense: looked up on every change of a partition.
    pub(super) back: Vec<BTreeSet<BackKey>>,
    /// `[x * buckets + bucket]`: partitions whose replica on `x` is added by
    /// the plan and may move into the bucket's rack.
    pub(super) added_on: Vec<BTreeSet<u32>>,
    /// `[x * buckets + bucket]`: partitions on `x` that were there before the
    /// plan and may move into the bucket's rack, by (size, index); built on
    /// first use.
    by_size: Vec<Option<BTreeSet<(u64, u32)>>>,
    /// The hop matrix without banned hops ([`Balancer::hop_matrix`]), row `x` up to date
    /// unless `stale[x]`: a path changes the hops of the few brokers its partitions are on, and
    /// the matrix is asked for again for every path.
    matrix: Vec<i32>,
    stale: Vec<bool>,
    /// Scratch: a partition's replicas per rack ([`Balancer::index_contrib`]).
    rack_counts: Vec<usize>,
}

/// An entry of partition `q` in a witness set ([`Balancer::witness_keys`]), with the set's
/// position.
enum WitnessKey {
    AddedOn(usize, u32),
    /// In `by_size`, when that set is built.
    Original(usize, (u64, u32)),
    Back(usize, BackKey),
}

/// Inserts `key` into `set`, or removes it when `remove`.
fn edit<K: Ord>(set: &mut BTreeSet<K>, key: K, remove: bool) {
    if remove {
        set.remove(&key);
    } else {
        set.insert(key);
    }
}

/// Position of the ordered broker pair `(x, y)` in a `b_n x b_n` matrix.
pub(super) fn cell(b_n: usize, x: BrokerIdx, y: BrokerIdx) -> usize {
    x.index() * b_n + y.index()
}

impl Balancer<'_> {
    /// Witness buckets per broker: one per destination rack when there are
    /// few racks (a replica's possible destinations then depend strongly on
    /// its partition's racks), else a single bucket.
    fn buckets(&self) -> usize {
        if self.rack_n <= MAX_BUCKETS {
            self.rack_n
        } else {
            1
        }
    }

    /// Bucket of a destination broker.
    fn bucket_of(&self, y: BrokerIdx) -> usize {
        if self.rack_n <= MAX_BUCKETS {
            self.rack_of[y]
        } else {
            0
        }
    }

    /// Witness set position for hops from `x` to `y`.
    fn bucket_cell(&self, x: BrokerIdx, y: BrokerIdx) -> usize {
        x.index() * self.buckets() + self.bucket_of(y)
    }

    /// May the replica of `pi` on `x` move into rack `k` (rack limit only)?
    fn rack_room(&self, pi: usize, x: BrokerIdx, k: usize) -> bool {
        let kx = self.rack_of[x];
        self.rack_count(pi, k, None).saturating_sub(usize::from(k == kx)) < self.parts[pi].h
    }

    /// Builds the hop index over the current placement.
    pub(super) fn build_index(&mut self) {
        let b_n = self.count.len();
        self.index = Some(HopIndex {
            rack_cnt: vec![0; b_n * self.rack_n * 3],
            pair_adj: vec![0; b_n * b_n * 3],
            back: vec![BTreeSet::new(); b_n * b_n],
            matrix: vec![NO_HOP; b_n * b_n],
            stale: vec![true; b_n],
            rack_counts: vec![0; self.rack_n],
            added_on: vec![BTreeSet::new(); b_n * self.buckets()],
            by_size: vec![None; b_n * self.buckets()],
        });
        // The witness sets are built in bulk: their keys gathered per set, then each set made
        // from its sorted keys at once (inserting 100k partitions' keys one by one into B-tree
        // sets cost more than the whole path phase after).
        let mut added_on: Vec<Vec<u32>> = vec![Vec::new(); b_n * self.buckets()];
        let mut back: Vec<Vec<BackKey>> = vec![Vec::new(); b_n * b_n];
        for pi in 0..self.parts.len() {
            self.index_contrib(pi, 1);
            self.witness_keys(pi, |key| match key {
                WitnessKey::AddedOn(e, q) => added_on[e].push(q),
                WitnessKey::Original(..) => {}
                WitnessKey::Back(e, key) => back[e].push(key),
            });
        }
        if let Some(ix) = self.index.as_mut() {
            ix.added_on = added_on.into_iter().map(BTreeSet::from_iter).collect();
            ix.back = back.into_iter().map(BTreeSet::from_iter).collect();
        }
    }

    /// Adds (`sign` = 1) or removes (`sign` = -1) the hops of partition `pi`
    /// in its current placement to/from the index: for every replica `x` and
    /// every broker `y` it may move to, one hop of class `hop_cost + 1`.
    /// Counted per destination rack, with per-broker corrections for the
    /// brokers the partition holds (no hop) or held originally (one cheaper).
    fn index_contrib(&mut self, pi: usize, sign: i64) {
        let Some(mut ix) = self.index.take() else { return };
        let b_n = self.count.len();
        let k_n = self.rack_n;
        let h = self.parts[pi].h;
        let slots = &self.slots[pi];
        let mut cnt = std::mem::take(&mut ix.rack_counts);
        cnt.fill(0);
        for &b in slots {
            if !b.is_empty() {
                cnt[self.rack_of[b]] += 1;
            }
        }
        for &x in slots {
            if x.is_empty() {
                continue;
            }
            ix.stale[x] = true;
            let kx = self.rack_of[x];
            // Class of a hop from x to a broker the partition never held.
            let c_new = 1 + usize::from(self.is_orig(pi, x));
            let room = |k: usize| cnt[k].saturating_sub(usize::from(k == kx)) < h;
            for k in 0..k_n {
                if room(k) {
                    ix.rack_cnt[(x.index() * k_n + k) * 3 + c_new] += sign;
                }
            }
            for &y in slots {
                if !y.is_empty() && y != x && room(self.rack_of[y]) {
                    ix.pair_adj[cell(b_n, x, y) * 3 + c_new] -= sign;
                }
            }
            for &y in &self.parts[pi].orig {
                if y.is_empty() || slots.contains(&y) || !room(self.rack_of[y]) {
                    continue;
                }
                let e = cell(b_n, x, y) * 3;
                ix.pair_adj[e + c_new] -= sign;
                ix.pair_adj[e + c_new - 1] += sign;
            }
        }
        ix.rack_counts = cnt;
        self.index = Some(ix);
    }

    /// Index bookkeeping around a change of partition `pi` (`before` = true
    /// before the change, false after it): hop counts, and the witness sets
    /// `back`, `added_on` and (once built) `by_size`.
    pub(super) fn index_change(&mut self, pi: usize, before: bool) {
        if self.index.is_none() {
            return;
        }
        self.index_contrib(pi, if before { -1 } else { 1 });
        let Some(mut ix) = self.index.take() else { return };
        self.witness_keys(pi, |key| match key {
            WitnessKey::AddedOn(e, q) => edit(&mut ix.added_on[e], q, before),
            WitnessKey::Original(e, key) => {
                if let Some(set) = ix.by_size[e].as_mut() {
                    edit(set, key, before);
                }
            }
            WitnessKey::Back(e, key) => edit(&mut ix.back[e], key, before),
        });
        self.index = Some(ix);
    }

    /// The witness-set entries of partition `pi` in its current placement, to `f`: for each
    /// replica on `x` and each bucket it may move into, `added_on` (a replica the plan added) or
    /// `by_size` (an original one); for each original broker `y` it left that it may return to,
    /// `back[(x, y)]`.
    fn witness_keys(&self, pi: usize, mut f: impl FnMut(WitnessKey)) {
        let q = part_key(pi);
        let slots = &self.slots[pi];
        let orig = &self.parts[pi].orig;
        let size = self.parts[pi].size;
        let nb = self.buckets();
        for &x in slots {
            if x.is_empty() {
                continue;
            }
            let is_orig = orig.contains(&x);
            // Every bucket when there is one; else those the rack rule lets the replica into.
            for k in (0..nb).filter(|&k| nb == 1 || self.rack_room(pi, x, k)) {
                let e = x.index() * nb + k;
                f(if is_orig { WitnessKey::Original(e, (size, q)) } else { WitnessKey::AddedOn(e, q) });
            }
            for &y in orig {
                if y.is_empty() || slots.contains(&y) || !self.rack_room(pi, x, self.rack_of[y]) {
                    continue;
                }
                // Hop class -1 (x added by the plan) or 0; for -1 the
                // largest partition first (fewest bytes moved).
                let key = if is_orig { (0i8, size, q) } else { (-1i8, u64::MAX - size, q) };
                f(WitnessKey::Back(cell(self.count.len(), x, y), key));
            }
        }
    }

    /// Cheapest hop class per ordered broker pair (`NO_HOP` when none, else
    /// `hop_cost`), with the hops in `banned` removed; a `b_n x b_n` matrix.
    pub(super) fn hop_matrix(&mut self, banned: &BTreeSet<(BrokerIdx, BrokerIdx)>) -> Vec<i32> {
        let b_n = self.count.len();
        let k_n = self.rack_n;
        let Some(mut ix) = self.index.take() else { return vec![NO_HOP; b_n * b_n] };
        // Row by row over slices (no index arithmetic or bounds check per class), only the rows
        // a change made stale: built for every path of the placement, thousands of times in
        // the 100k-partition benchmark.
        for ((x, row), (racks, adj)) in self
            .brokers()
            .zip(ix.matrix.chunks_exact_mut(b_n))
            .zip(ix.rack_cnt.chunks_exact(k_n * 3).zip(ix.pair_adj.chunks_exact(b_n * 3)))
        {
            if !ix.stale[x] {
                continue;
            }
            for ((y, hop), adj) in self.brokers().zip(row.iter_mut()).zip(adj.chunks_exact(3)) {
                let k = self.rack_of[y];
                let counts = &racks[k * 3..k * 3 + 3];
                let cost = (0..3).find(|&c| counts[c] + adj[c] > 0);
                *hop = match cost {
                    Some(cost) if x != y => cost as i32 - 1,
                    _ => NO_HOP,
                };
            }
            ix.stale[x] = false;
        }
        let mut m = ix.matrix.clone();
        for &(x, y) in banned {
            m[cell(b_n, x, y)] = NO_HOP;
        }
        self.index = Some(ix);
        m
    }

    /// Can partition `q` carry hop `x -> y` now? Returns its slot on `x`.
    fn hop_slot(&self, q: usize, x: BrokerIdx, y: BrokerIdx) -> Option<usize> {
        let si = self.slot_of(q, x)?;
        self.can_take(q, y, Some(si)).then_some(si)
    }

    /// The best partition (not in `used`) to carry hop `x -> y`, with its
    /// slot and hop cost. Cheapest hop first: -1 or 0 from `back` (a
    /// partition that held `y` before; for -1 the largest partition, fewest
    /// bytes moved), then 0 from `added_on` (re-route a replica this plan
    /// adds), then +1 (an original replica on `x`, smallest partition first).
    fn witness(
        &mut self,
        x: BrokerIdx,
        y: BrokerIdx,
        used: &BTreeSet<usize>,
        min_class: i32,
    ) -> Option<(usize, usize, i32)> {
        let mut best: Option<((i32, u64, usize), usize)> = None;
        let ok = |q: usize| !used.contains(&q);
        if min_class > 0 {
            // Only +1 hops exist: skip the sets of cheaper ones.
        } else if let Some(set) = self.index.as_ref().map(|ix| &ix.back[cell(self.count.len(), x, y)]) {
            // Ordered by hop class, then preference.
            for &(c, sk, q) in set {
                let qu = q as usize;
                if !ok(qu) {
                    continue;
                }
                if let Some(si) = self.hop_slot(qu, x, y) {
                    best = Some(((i32::from(c), sk, qu), si));
                    break;
                }
            }
        }
        if best.is_none() && min_class <= 0 {
            if let Some(ix) = self.index.as_ref() {
                let carrier = self.first_carrier(ix.added_on[self.bucket_cell(x, y)].iter().copied(), x, y, used);
                best = carrier.map(|(qu, si)| ((self.hop_cost(qu, x, y), 0, qu), si));
            }
        }
        if best.is_none() {
            // Original replicas on x, smallest partition first.
            let e = self.bucket_cell(x, y);
            let k = self.rack_of[y];
            let needs_set = self.index.as_ref().is_some_and(|ix| ix.by_size[e].is_none());
            if needs_set {
                let bucketed = self.buckets() > 1;
                let set: BTreeSet<(u64, u32)> = self
                    .partitions_on(x)
                    .filter(|&q| self.is_orig(q as usize, x))
                    .filter(|&q| !bucketed || self.rack_room(q as usize, x, k))
                    .map(|q| (self.parts[q as usize].size, q))
                    .collect();
                if let Some(ix) = self.index.as_mut() {
                    ix.by_size[e] = Some(set);
                }
            }
            if let Some(set) = self.index.as_ref().and_then(|ix| ix.by_size[e].as_ref()) {
                let carrier = self.first_carrier(set.iter().map(|&(_, q)| q), x, y, used);
                best = carrier.map(|(qu, si)| ((self.hop_cost(qu, x, y), 0, qu), si));
            }
        }
        best.map(|((c, _, q), si)| (q, si, c))
    }

    /// The first of `candidates` (partition keys, in preference order) not in `used` that did
    /// not hold `y` before and can carry hop `x -> y` now, with its slot on `x`.
    fn first_carrier(
        &self,
        candidates: impl Iterator<Item = u32>,
        x: BrokerIdx,
        y: BrokerIdx,
        used: &BTreeSet<usize>,
    ) -> Option<(usize, usize)> {
        candidates
            .map(|q| q as usize)
            .filter(|&qu| !used.contains(&qu) && !self.is_orig(qu, y))
            .find_map(|qu| self.hop_slot(qu, x, y).map(|si| (qu, si)))
    }

    /// Witnesses for the hops of `path` (closing back to its start when
    /// `closed`): distinct partitions, none of them `exclude`, each as
    /// (partition, slot, destination), with the total hop cost; on failure
    /// the hop that had none.
    pub(super) fn path_witnesses(
        &mut self,
        path: &[BrokerIdx],
        closed: bool,
        exclude: Option<usize>,
        matrix: &[i32],
    ) -> Result<(Hops, i32), (BrokerIdx, BrokerIdx)> {
        let m = path.len();
        let hops = if closed { m } else { m.saturating_sub(1) };
        let mut used: BTreeSet<usize> = exclude.into_iter().collect();
        let mut out = Vec::with_capacity(hops);
        let mut total = 0;
        for i in 0..hops {
            let (x, y) = (path[i], path[(i + 1) % m]);
            match self.witness(x, y, &used, matrix[cell(self.count.len(), x, y)]) {
                Some((qu, si, c)) => {
                    used.insert(qu);
                    total += c;
                    out.push((qu, si, y));
                }
                None => return Err((x, y)),
            }
        }
        Ok((out, total))
    }
}
