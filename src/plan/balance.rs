//! Replica placement: reach the per-broker targets with as few moves as possible.
//!
//! Works on dense indices: partitions `0..P` (the planned partitions, sorted by
//! topic then partition) and target brokers `0..B` (sorted by id).
//!
//! With the counts fixed, a placement is an integral flow source ->
//! partition (`rf`) -> (partition, rack) (`h`) -> broker (1, cost 1 unless
//! the broker held the partition before) -> sink (`target`), and its cost is
//! the number of moves. The greedy passes produce most of it cheaply; the
//! rest goes along cheapest paths of single-replica hops, and negative hop
//! cycles are cancelled at the end (see [`Balancer::run`] and the module docs
//! of [`crate::plan`], "Algorithm").

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};

/// Empty slot marker.
pub(crate) const EMPTY: u32 = u32::MAX;

/// Change in moves (brokers not in the original set) when `part` replaces
/// `from` by `to`.
pub(crate) fn move_delta(part: &BPart, from: usize, to: usize) -> i32 {
    i32::from(!part.orig.contains(&(to as u32))) - i32::from(!part.orig.contains(&(from as u32)))
}

/// One planned partition inside the balancer.
pub(crate) struct BPart {
    pub topic: u32,
    /// Size of one replica in bytes (0 when unknown).
    pub size: u64,
    pub size_known: bool,
    /// Original replicas as target-broker indices (`EMPTY` for a replica on a
    /// non-target broker), in original order.
    pub orig: Vec<u32>,
    /// Replication factor wanted at the end.
    pub rf: usize,
    /// At most this many replicas per rack.
    pub h: usize,
}

pub(crate) struct Balancer<'a> {
    parts: &'a [BPart],
    slots: Vec<Vec<u32>>,
    rack_of: &'a [usize],
    rack_n: usize,
    count: Vec<usize>,
    target: &'a [usize],
    /// Sum of `target`.
    target_sum: i64,
    rack_total: Vec<usize>,
    rack_target: Vec<usize>,
    bytes: Vec<u64>,
    on_broker: Vec<BTreeSet<u32>>,
    topic_on: HashMap<(u32, u32), u32>,
    /// Replicas each topic ends with (sum of the wanted replication factors).
    topic_total: HashMap<u32, u64>,
    /// Target brokers dropped from each partition by an RF decrease.
    dropped: Vec<Vec<u32>>,
    /// Number of cheapest-path placements after the greedy passes.
    pub fallback_paths: usize,
    /// Hop index, built after the greedy passes.
    index: Option<HopIndex>,
}

impl<'a> Balancer<'a> {
    pub(crate) fn new(parts: &'a [BPart], rack_of: &'a [usize], rack_n: usize, target: &'a [usize]) -> Self {
        let b_n = rack_of.len();
        let mut rack_target = vec![0usize; rack_n];
        for b in 0..b_n {
            rack_target[rack_of[b]] += target[b];
        }
        let mut me = Balancer {
            parts,
            slots: parts.iter().map(|p| p.orig.clone()).collect(),
            rack_of,
            rack_n,
            count: vec![0; b_n],
            target,
            target_sum: target.iter().map(|&x| x as i64).sum(),
            rack_total: vec![0; rack_n],
            rack_target,
            bytes: vec![0; b_n],
            on_broker: vec![BTreeSet::new(); b_n],
            topic_on: HashMap::new(),
            topic_total: HashMap::new(),
            dropped: vec![Vec::new(); parts.len()],
            fallback_paths: 0,
            index: None,
        };
        for p in parts {
            *me.topic_total.entry(p.topic).or_insert(0) += p.rf as u64;
        }
        for pi in 0..parts.len() {
            for si in 0..me.slots[pi].len() {
                let b = me.slots[pi][si];
                if b != EMPTY {
                    me.add_stats(pi, b);
                }
            }
        }
        me
    }

    fn add_stats(&mut self, pi: usize, b: u32) {
        let bu = b as usize;
        self.count[bu] += 1;
        self.rack_total[self.rack_of[bu]] += 1;
        self.bytes[bu] += self.parts[pi].size;
        self.on_broker[bu].insert(pi as u32);
        *self.topic_on.entry((self.parts[pi].topic, b)).or_insert(0) += 1;
    }

    fn remove_stats(&mut self, pi: usize, b: u32) {
        let bu = b as usize;
        self.count[bu] -= 1;
        self.rack_total[self.rack_of[bu]] -= 1;
        self.bytes[bu] -= self.parts[pi].size;
        self.on_broker[bu].remove(&(pi as u32));
        if let Some(c) = self.topic_on.get_mut(&(self.parts[pi].topic, b)) {
            *c = c.saturating_sub(1);
        }
    }

    fn topic_count(&self, pi: usize, b: u32) -> u32 {
        self.topic_on.get(&(self.parts[pi].topic, b)).copied().unwrap_or(0)
    }

    /// Replicas of `pi` in rack `k`, not counting slot `skip`.
    fn rack_count(&self, pi: usize, k: usize, skip: Option<usize>) -> usize {
        self.slots[pi]
            .iter()
            .enumerate()
            .filter(|&(i, &b)| Some(i) != skip && b != EMPTY && self.rack_of[b as usize] == k)
            .count()
    }

    fn holds(&self, pi: usize, b: u32) -> bool {
        self.slots[pi].contains(&b)
    }

    /// Can partition `pi` take broker `b` (in slot `slot`, whose current broker
    /// is vacated)?
    fn can_take(&self, pi: usize, b: u32, slot: Option<usize>) -> bool {
        if self.holds(pi, b) {
            return false;
        }
        self.rack_count(pi, self.rack_of[b as usize], slot) < self.parts[pi].h
    }

    fn over(&self, b: usize) -> bool {
        self.count[b] > self.target[b]
    }

    fn under(&self, b: usize) -> bool {
        self.count[b] < self.target[b]
    }

    fn set_slot(&mut self, pi: usize, si: usize, b: u32) {
        self.index_change(pi, true);
        let old = self.slots[pi][si];
        if old != EMPTY {
            self.remove_stats(pi, old);
        }
        self.slots[pi][si] = b;
        if b != EMPTY {
            self.add_stats(pi, b);
        }
        self.index_change(pi, false);
    }

    fn slot_of(&self, pi: usize, b: u32) -> Option<usize> {
        self.slots[pi].iter().position(|&x| x == b)
    }

    /// Runs the whole placement; returns the final slots (target indices) and
    /// the number of cheapest-path placements needed after the greedy passes.
    pub(crate) fn run(mut self) -> (Vec<Vec<u32>>, usize) {
        self.fix_replication_factor();
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

    /// RF decrease drops slots (non-target first, then rack excess, then the
    /// most over-target broker, avoiding the preferred leader); RF increase
    /// appends empty slots.
    fn fix_replication_factor(&mut self) {
        for pi in 0..self.parts.len() {
            let rf = self.parts[pi].rf;
            while self.slots[pi].len() > rf {
                let si = self.pick_drop(pi);
                let b = self.slots[pi][si];
                if b != EMPTY {
                    self.remove_stats(pi, b);
                    self.dropped[pi].push(b);
                }
                self.slots[pi].remove(si);
            }
            while self.slots[pi].len() < rf {
                self.slots[pi].push(EMPTY);
            }
        }
    }

    /// Changes which replicas an RF decrease drops (free: no move) so that
    /// over-target brokers lose more: alternating paths x -> y where a
    /// partition on x that dropped y keeps y instead of x.
    fn rebalance_drops(&mut self) {
        if self.dropped.iter().all(Vec::is_empty) {
            return;
        }
        let b_n = self.count.len();
        let none = usize::MAX;
        loop {
            let mut parent = vec![none; b_n];
            let mut witness = vec![EMPTY; b_n];
            let mut seen = vec![false; b_n];
            let mut queue = VecDeque::new();
            for (b, seen_b) in seen.iter_mut().enumerate() {
                if self.over(b) {
                    *seen_b = true;
                    queue.push_back(b);
                }
            }
            if queue.is_empty() {
                return;
            }
            let mut found = None;
            'bfs: while let Some(x) = queue.pop_front() {
                for &q in &self.on_broker[x] {
                    let qu = q as usize;
                    if self.dropped[qu].is_empty() {
                        continue;
                    }
                    let Some(si) = self.slot_of(qu, x as u32) else { continue };
                    for &y in &self.dropped[qu] {
                        let yu = y as usize;
                        if seen[yu] || !self.can_take(qu, y, Some(si)) {
                            continue;
                        }
                        seen[yu] = true;
                        parent[yu] = x;
                        witness[yu] = q;
                        if self.under(yu) {
                            found = Some(yu);
                            break 'bfs;
                        }
                        queue.push_back(yu);
                    }
                }
            }
            let Some(end) = found else { return };
            let mut v = end;
            while parent[v] != none {
                let x = parent[v];
                let qu = witness[v] as usize;
                let Some(si) = self.slot_of(qu, x as u32) else { return };
                if !self.can_take(qu, v as u32, Some(si)) {
                    return;
                }
                self.set_slot(qu, si, v as u32);
                if let Some(d) = self.dropped[qu].iter().position(|&b| b as usize == v) {
                    self.dropped[qu][d] = x as u32;
                }
                v = x;
            }
        }
    }

    fn pick_drop(&self, pi: usize) -> usize {
        let slots = &self.slots[pi];
        if let Some(i) = slots.iter().rposition(|&b| b == EMPTY) {
            return i;
        }
        let h = self.parts[pi].h;
        let mut best = 0usize;
        let mut best_key = (false, i64::MIN, false, 0u32);
        for (i, &b) in slots.iter().enumerate() {
            let bu = b as usize;
            let rack_excess = self.rack_count(pi, self.rack_of[bu], None) > h;
            let over = self.count[bu] as i64 - self.target[bu] as i64;
            let key = (rack_excess, over, i > 0, b);
            if i == 0 || key > best_key {
                best_key = key;
                best = i;
            }
        }
        best
    }

    /// Empties slots that break the rack limit (input not rack-aware).
    fn evict_rack_violations(&mut self) {
        for pi in 0..self.parts.len() {
            let h = self.parts[pi].h;
            for k in 0..self.rack_n {
                while self.rack_count(pi, k, None) > h {
                    // Evict from the most over-target broker of that rack.
                    let mut best: Option<(usize, (i64, bool, u32))> = None;
                    for (i, &b) in self.slots[pi].iter().enumerate() {
                        if b == EMPTY || self.rack_of[b as usize] != k {
                            continue;
                        }
                        let bu = b as usize;
                        let key = (self.count[bu] as i64 - self.target[bu] as i64, i > 0, b);
                        if best.as_ref().is_none_or(|(_, bk)| key > *bk) {
                            best = Some((i, key));
                        }
                    }
                    match best {
                        Some((i, _)) => self.set_slot(pi, i, EMPTY),
                        None => break,
                    }
                }
            }
        }
    }

    /// Destination key: fewest replicas of the topic, fewest bytes, largest
    /// deficit, lowest index.
    fn dest_key(&self, pi: usize, b: usize) -> (u32, u64, i64, usize) {
        (self.topic_count(pi, b as u32), self.bytes[b], self.count[b] as i64 - self.target[b] as i64, b)
    }

    /// Best under-target broker for `pi` (slot `slot` vacated) among those
    /// accepted by `filter`.
    fn best_dest<F: Fn(usize) -> bool>(&self, pi: usize, slot: Option<usize>, filter: F) -> Option<usize> {
        let mut best: Option<(usize, (u32, u64, i64, usize))> = None;
        for b in 0..self.count.len() {
            if !self.under(b) || !filter(b) || !self.can_take(pi, b as u32, slot) {
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
    fn place_homeless(&mut self) {
        let mut todo: Vec<(usize, usize)> = Vec::new();
        for pi in 0..self.slots.len() {
            for si in 0..self.slots[pi].len() {
                if self.slots[pi][si] == EMPTY {
                    todo.push((pi, si));
                }
            }
        }
        if todo.is_empty() {
            return;
        }
        todo.sort_by(|a, b| self.parts[b.0].size.cmp(&self.parts[a.0].size).then(a.cmp(b)));
        for (pi, si) in todo {
            let dest = self.best_dest(pi, Some(si), |b| {
                let k = self.rack_of[b];
                self.rack_total[k] < self.rack_target[k]
            });
            if let Some(b) = dest {
                self.set_slot(pi, si, b as u32);
            }
        }
    }

    /// How far topic `t` is above its share on broker `a`: its count there
    /// minus `total_t * target_a / sum(target)`, scaled by `sum(target)`
    /// (a broker meant to hold more replicas has a larger share of each topic).
    fn topic_excess(&self, t: u32, a: usize) -> i64 {
        let n = i64::from(self.topic_on.get(&(t, a as u32)).copied().unwrap_or(0));
        n * self.target_sum - self.topic_total.get(&t).copied().unwrap_or(0) as i64 * self.target[a] as i64
    }

    /// Moves replicas off broker `a` to the best destination accepted by
    /// `dest_ok` until `done`: always from the topic most above its even
    /// share on `a` (so topics stay spread), smallest partition of that topic
    /// first, then partition order. Returns whether anything moved.
    fn shed_from<F, D>(&mut self, a: usize, dest_ok: F, done: D) -> bool
    where
        F: Fn(&Self, usize) -> bool,
        D: Fn(&Self) -> bool,
    {
        let mut by_topic: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &pi in &self.on_broker[a] {
            by_topic.entry(self.parts[pi as usize].topic).or_default().push(pi);
        }
        let mut lists: Vec<(Vec<u32>, usize)> = Vec::with_capacity(by_topic.len());
        let mut heap = BinaryHeap::new();
        for (t, mut v) in by_topic {
            v.sort_by_key(|&pi| (self.parts[pi as usize].size, pi));
            heap.push((self.topic_excess(t, a), Reverse(t), lists.len()));
            lists.push((v, 0));
        }
        let mut moved = false;
        while let Some((_, Reverse(t), li)) = heap.pop() {
            if done(self) {
                break;
            }
            let pi = lists[li].0[lists[li].1];
            lists[li].1 += 1;
            let p = pi as usize;
            if let Some(si) = self.slot_of(p, a as u32) {
                if let Some(b) = self.best_dest(p, Some(si), |b| dest_ok(self, b)) {
                    self.set_slot(p, si, b as u32);
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
    fn shed_cross_rack(&mut self) {
        for k in 0..self.rack_n {
            if self.rack_total[k] <= self.rack_target[k] {
                continue;
            }
            // Over brokers of the rack, most over first.
            let mut brokers: Vec<usize> =
                (0..self.count.len()).filter(|&b| self.rack_of[b] == k && self.over(b)).collect();
            brokers.sort_by_key(|&b| (std::cmp::Reverse(self.count[b] - self.target[b]), b));
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
    fn shed_within_racks(&mut self) {
        for k in 0..self.rack_n {
            let members: Vec<usize> = (0..self.count.len()).filter(|&b| self.rack_of[b] == k).collect();
            loop {
                let a = members
                    .iter()
                    .copied()
                    .filter(|&b| self.over(b))
                    .max_by_key(|&b| (self.count[b] - self.target[b], std::cmp::Reverse(b)));
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

    /// Last resort for an empty slot: any broker that keeps the hard rules,
    /// least over target first.
    fn place_anywhere(&mut self, pi: usize, si: usize) {
        let mut best: Option<(usize, (i64, u64, usize))> = None;
        for b in 0..self.count.len() {
            if !self.can_take(pi, b as u32, Some(si)) {
                continue;
            }
            let key = (self.count[b] as i64 - self.target[b] as i64, self.bytes[b], b);
            if best.as_ref().is_none_or(|(_, bk)| key < *bk) {
                best = Some((b, key));
            }
        }
        if let Some((b, _)) = best {
            self.set_slot(pi, si, b as u32);
        } else {
            // Cannot happen: h(r) guarantees room for r replicas. Keep the
            // slot out rather than break a hard rule.
            self.index_change(pi, true);
            self.slots[pi].remove(si);
            self.index_change(pi, false);
        }
    }

    /// Did broker `b` hold partition `pi` before the plan?
    fn is_orig(&self, pi: usize, b: u32) -> bool {
        self.parts[pi].orig.contains(&b)
    }

    /// Change in the number of moves when partition `pi` moves its replica
    /// from broker `x` to broker `y`: +1 (an original replica leaves for a
    /// new broker), 0 (a replica this plan adds is re-routed, or an RF
    /// decrease keeps `y` instead of `x`), -1 (an added replica goes back to
    /// an original broker).
    fn hop_cost(&self, pi: usize, x: u32, y: u32) -> i32 {
        move_delta(&self.parts[pi], x as usize, y as usize)
    }

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
    fn bucket_of(&self, y: usize) -> usize {
        if self.rack_n <= MAX_BUCKETS {
            self.rack_of[y]
        } else {
            0
        }
    }

    /// May the replica of `pi` on `x` move into rack `k` (rack limit only)?
    fn rack_room(&self, pi: usize, x: u32, k: usize) -> bool {
        let kx = self.rack_of[x as usize];
        self.rack_count(pi, k, None).saturating_sub(usize::from(k == kx)) < self.parts[pi].h
    }

    /// Builds the hop index over the current placement.
    fn build_index(&mut self) {
        let b_n = self.count.len();
        self.index = Some(HopIndex {
            rack_cnt: vec![0; b_n * self.rack_n * 3],
            pair_adj: vec![0; b_n * b_n * 3],
            back: HashMap::new(),
            added_on: vec![BTreeSet::new(); b_n * self.buckets()],
            by_size: vec![None; b_n * self.buckets()],
        });
        for pi in 0..self.parts.len() {
            self.index_change(pi, false);
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
        let mut cnt = vec![0usize; k_n];
        for &b in slots {
            if b != EMPTY {
                cnt[self.rack_of[b as usize]] += 1;
            }
        }
        for &x in slots {
            if x == EMPTY {
                continue;
            }
            let xu = x as usize;
            let kx = self.rack_of[xu];
            // Class of a hop from x to a broker the partition never held.
            let c_new = 1 + usize::from(self.is_orig(pi, x));
            let room = |k: usize| cnt[k].saturating_sub(usize::from(k == kx)) < h;
            for k in 0..k_n {
                if room(k) {
                    ix.rack_cnt[(xu * k_n + k) * 3 + c_new] += sign;
                }
            }
            for &y in slots {
                if y != EMPTY && y != x && room(self.rack_of[y as usize]) {
                    ix.pair_adj[(xu * b_n + y as usize) * 3 + c_new] -= sign;
                }
            }
            for &y in &self.parts[pi].orig {
                if y == EMPTY || slots.contains(&y) || !room(self.rack_of[y as usize]) {
                    continue;
                }
                let e = (xu * b_n + y as usize) * 3;
                ix.pair_adj[e + c_new] -= sign;
                ix.pair_adj[e + c_new - 1] += sign;
            }
        }
        self.index = Some(ix);
    }

    /// Index bookkeeping around a change of partition `pi` (`before` = true
    /// before the change, false after it): hop counts, and the witness sets
    /// `back`, `added_on` and (once built) `by_size`.
    fn index_change(&mut self, pi: usize, before: bool) {
        if self.index.is_none() {
            return;
        }
        self.index_contrib(pi, if before { -1 } else { 1 });
        let q = pi as u32;
        let slots = &self.slots[pi];
        let orig = &self.parts[pi].orig;
        let nb = self.buckets();
        let mut feasible = vec![true; nb];
        let Some(mut ix) = self.index.take() else { return };
        for &x in slots {
            if x == EMPTY {
                continue;
            }
            if nb > 1 {
                for (k, f) in feasible.iter_mut().enumerate() {
                    *f = self.rack_room(pi, x, k);
                }
            }
            let is_orig = orig.contains(&x);
            for (k, &f) in feasible.iter().enumerate() {
                if !f {
                    continue;
                }
                let e = x as usize * nb + k;
                if !is_orig {
                    let set = &mut ix.added_on[e];
                    if before {
                        set.remove(&q);
                    } else {
                        set.insert(q);
                    }
                } else if let Some(set) = ix.by_size[e].as_mut() {
                    let key = (self.parts[pi].size, q);
                    if before {
                        set.remove(&key);
                    } else {
                        set.insert(key);
                    }
                }
            }
            for &y in orig {
                if y == EMPTY || slots.contains(&y) || !self.rack_room(pi, x, self.rack_of[y as usize]) {
                    continue;
                }
                // Hop class -1 (x added by the plan) or 0; for -1 the
                // largest partition first (fewest bytes moved).
                let size = self.parts[pi].size;
                let key = if orig.contains(&x) { (0i8, size, q) } else { (-1i8, u64::MAX - size, q) };
                if before {
                    if let Some(set) = ix.back.get_mut(&(x, y)) {
                        set.remove(&key);
                        if set.is_empty() {
                            ix.back.remove(&(x, y));
                        }
                    }
                } else {
                    ix.back.entry((x, y)).or_default().insert(key);
                }
            }
        }
        self.index = Some(ix);
    }

    /// Cheapest hop class per ordered broker pair (`NO_HOP` when none), with
    /// the hops in `banned` removed.
    fn hop_matrix(&self, banned: &BTreeSet<(usize, usize)>) -> Vec<i32> {
        let b_n = self.count.len();
        let k_n = self.rack_n;
        let mut m = vec![NO_HOP; b_n * b_n];
        let Some(ix) = self.index.as_ref() else { return m };
        for x in 0..b_n {
            for y in 0..b_n {
                if x == y || banned.contains(&(x, y)) {
                    continue;
                }
                let k = self.rack_of[y];
                for c in 0..3 {
                    if ix.rack_cnt[(x * k_n + k) * 3 + c] + ix.pair_adj[(x * b_n + y) * 3 + c] > 0 {
                        m[x * b_n + y] = c as i32 - 1;
                        break;
                    }
                }
            }
        }
        m
    }

    /// Can partition `q` carry hop `x -> y` now? Returns its slot on `x`.
    fn hop_slot(&self, q: usize, x: usize, y: usize) -> Option<usize> {
        let si = self.slot_of(q, x as u32)?;
        self.can_take(q, y as u32, Some(si)).then_some(si)
    }

    /// The best partition (not in `used`) to carry hop `x -> y`, with its
    /// slot and hop cost. Cheapest hop first: -1 or 0 from `back` (a
    /// partition that held `y` before; for -1 the largest partition, fewest
    /// bytes moved), then 0 from `added_on` (re-route a replica this plan
    /// adds), then +1 (an original replica on `x`, smallest partition first).
    fn witness(&mut self, x: usize, y: usize, used: &BTreeSet<usize>, min_class: i32) -> Option<(usize, usize, i32)> {
        let mut best: Option<((i32, u64, usize), usize)> = None;
        let ok = |q: usize| !used.contains(&q);
        if min_class > 0 {
            // Only +1 hops exist: skip the sets of cheaper ones.
        } else if let Some(set) = self.index.as_ref().and_then(|ix| ix.back.get(&(x as u32, y as u32))) {
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
                for &q in &ix.added_on[x * self.buckets() + self.bucket_of(y)] {
                    let qu = q as usize;
                    if !ok(qu) || self.is_orig(qu, y as u32) {
                        continue;
                    }
                    if let Some(si) = self.hop_slot(qu, x, y) {
                        best = Some(((self.hop_cost(qu, x as u32, y as u32), 0, qu), si));
                        break;
                    }
                }
            }
        }
        if best.is_none() {
            // Original replicas on x, smallest partition first.
            let e = x * self.buckets() + self.bucket_of(y);
            let k = self.rack_of[y];
            let needs_set = self.index.as_ref().is_some_and(|ix| ix.by_size[e].is_none());
            if needs_set {
                let bucketed = self.buckets() > 1;
                let set: BTreeSet<(u64, u32)> = self.on_broker[x]
                    .iter()
                    .filter(|&&q| self.is_orig(q as usize, x as u32))
                    .filter(|&&q| !bucketed || self.rack_room(q as usize, x as u32, k))
                    .map(|&q| (self.parts[q as usize].size, q))
                    .collect();
                if let Some(ix) = self.index.as_mut() {
                    ix.by_size[e] = Some(set);
                }
            }
            if let Some(set) = self.index.as_ref().and_then(|ix| ix.by_size[e].as_ref()) {
                for &(_, q) in set {
                    let qu = q as usize;
                    if !ok(qu) || self.is_orig(qu, y as u32) {
                        continue;
                    }
                    if let Some(si) = self.hop_slot(qu, x, y) {
                        best = Some(((self.hop_cost(qu, x as u32, y as u32), 0, qu), si));
                        break;
                    }
                }
            }
        }
        best.map(|((c, _, q), si)| (q, si, c))
    }

    /// Cheapest path (0-1 BFS over the hop matrix `m`; a hop that removes a
    /// move counts as free) from the weighted `starts` (broker, cost) to an
    /// under-target broker. Returns the brokers of the path.
    fn cheapest_path(&self, starts: &[(usize, usize)], m: &[i32]) -> Option<Vec<usize>> {
        let b_n = self.count.len();
        let none = usize::MAX;
        let mut dist = vec![usize::MAX; b_n];
        let mut parent = vec![none; b_n];
        let mut done = vec![false; b_n];
        // Deque sorted by distance: starts at 0 before starts at 1.
        let mut sorted: Vec<(usize, usize)> = starts.to_vec();
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
            for y in 0..b_n {
                let c = m[x * b_n + y];
                if c == NO_HOP || done[y] {
                    continue;
                }
                let w = usize::from(c > 0);
                if dist[x] + w < dist[y] {
                    dist[y] = dist[x] + w;
                    parent[y] = x;
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
        while parent[v] != none {
            v = parent[v];
            path.push(v);
        }
        path.reverse();
        Some(path)
    }

    /// Witnesses for the hops of `path` (closing back to its start when
    /// `closed`): distinct partitions, none of them `exclude`, each as
    /// (partition, slot, destination), with the total hop cost; on failure
    /// the hop that had none.
    fn path_witnesses(
        &mut self,
        path: &[usize],
        closed: bool,
        exclude: Option<usize>,
        matrix: &[i32],
    ) -> Result<(Hops, i32), (usize, usize)> {
        let m = path.len();
        let hops = if closed { m } else { m.saturating_sub(1) };
        let mut used: BTreeSet<usize> = exclude.into_iter().collect();
        let mut out = Vec::with_capacity(hops);
        let mut total = 0;
        for i in 0..hops {
            let (x, y) = (path[i], path[(i + 1) % m]);
            match self.witness(x, y, &used, matrix[x * self.count.len() + y]) {
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

    /// Applies the hops of the cheapest path from `starts` to an under-target
    /// broker (partition `exclude` may not carry a hop), banning hops whose
    /// witnesses fail and retrying; returns the path's first broker.
    fn route(&mut self, starts: &[(usize, usize)], exclude: Option<usize>) -> Option<usize> {
        let b_n = self.count.len();
        let mut banned = BTreeSet::new();
        for _ in 0..=b_n * b_n {
            let m = self.hop_matrix(&banned);
            let path = self.cheapest_path(starts, &m)?;
            match self.path_witnesses(&path, false, exclude, &m) {
                Ok((hops, _)) => {
                    for (qu, qsi, y) in hops {
                        self.set_slot(qu, qsi, y as u32);
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
    fn resolve_by_paths(&mut self) {
        let b_n = self.count.len();
        let mut homeless: Vec<(usize, usize)> = Vec::new();
        for pi in 0..self.slots.len() {
            for si in 0..self.slots[pi].len() {
                if self.slots[pi][si] == EMPTY {
                    homeless.push((pi, si));
                }
            }
        }
        if homeless.is_empty() && !(0..b_n).any(|b| self.over(b)) {
            return;
        }
        // Largest partitions first, like the greedy placement.
        homeless.sort_by(|a, b| self.parts[b.0].size.cmp(&self.parts[a.0].size).then(a.cmp(b)));
        for (pi, si) in homeless {
            if self.slots[pi].get(si) != Some(&EMPTY) {
                continue;
            }
            let starts: Vec<(usize, usize)> = (0..b_n)
                .filter(|&b| self.can_take(pi, b as u32, Some(si)))
                .map(|b| (b, usize::from(!self.is_orig(pi, b as u32))))
                .collect();
            if let Some(first) = self.route(&starts, Some(pi)) {
                self.set_slot(pi, si, first as u32);
            } else {
                // Cannot balance further: still keep the hard rules.
                self.place_anywhere(pi, si);
            }
        }
        let mut stuck = vec![false; b_n];
        while let Some(a) = (0..b_n).find(|&b| self.over(b) && !stuck[b]) {
            if self.route(&[(a, 0)], None).is_none() {
                stuck[a] = true;
            }
        }
    }

    /// Min-cost-flow optimality pass. With the counts fixed, a placement is a
    /// flow (partitions -> racks -> brokers, cost 1 per added replica) and it
    /// is optimal iff its residual graph has no negative cycle. Projected on
    /// brokers, a residual cycle is a cycle of hops `x -> y` ("a partition on
    /// `x` moves to `y`"), each costing [`Self::hop_cost`], and it keeps
    /// every broker count. Negative cycles are found by Bellman-Ford on the
    /// broker graph (edge = cheapest hop, from the index) and applied with
    /// distinct partitions. Each applied cycle removes at least one move, so
    /// the pass ends.
    fn cancel_negative_cycles(&mut self) {
        let b_n = self.count.len();
        let any_change =
            self.index.as_ref().is_some_and(|ix| !ix.back.is_empty() || ix.added_on.iter().any(|s| !s.is_empty()));
        if b_n < 2 || !any_change {
            return;
        }
        let mut banned: BTreeSet<(usize, usize)> = BTreeSet::new();
        let moves: usize = (0..self.parts.len())
            .map(|pi| self.slots[pi].iter().filter(|&&b| b != EMPTY && !self.is_orig(pi, b)).count())
            .sum();
        let mut budget = moves + 2 * b_n * b_n + 16;
        while budget > 0 {
            budget -= 1;
            let m = self.hop_matrix(&banned);
            let Some(cycle) = negative_cycle(&m, b_n) else { return };
            match self.path_witnesses(&cycle, true, None, &m) {
                Ok((hops, total)) if total < 0 => {
                    for (qu, si, y) in hops {
                        self.set_slot(qu, si, y as u32);
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

/// Entry of `HopIndex::back`: (hop cost, preference, partition).
type BackKey = (i8, u64, u32);

/// Hops of a path: (partition, slot, destination broker).
type Hops = Vec<(usize, usize, usize)>;

/// No hop between two brokers.
const NO_HOP: i32 = i32::MAX;

/// At most this many racks get one witness bucket each (see `buckets`).
const MAX_BUCKETS: usize = 16;

/// Counts of possible single-replica hops between brokers, kept up to date
/// by [`Balancer::set_slot`] once built. Hop classes are `hop_cost + 1`
/// (0: removes a move, 1: free, 2: adds a move).
struct HopIndex {
    /// `[(x * racks + k) * 3 + class]`: hops from broker `x` into rack `k`.
    rack_cnt: Vec<i64>,
    /// `[(x * brokers + y) * 3 + class]`: correction for broker `y`.
    pair_adj: Vec<i64>,
    /// `(x, y)` -> partitions on `x` that held `y` before the plan and no
    /// longer do (hops of class 0 or 1).
    back: HashMap<(u32, u32), BTreeSet<BackKey>>,
    /// `[x * buckets + bucket]`: partitions whose replica on `x` is added by
    /// the plan and may move into the bucket's rack.
    added_on: Vec<BTreeSet<u32>>,
    /// `[x * buckets + bucket]`: partitions on `x` that were there before the
    /// plan and may move into the bucket's rack, by (size, index); built on
    /// first use.
    by_size: Vec<Option<BTreeSet<(u64, u32)>>>,
}

/// A negative cycle of the dense cost matrix `m` (`NO_HOP` = no edge), as
/// brokers `[x0, ..., x(k-1)]` with hops `xi -> x(i+1)` closing at `x0`.
/// Bellman-Ford from a virtual source; a cycle in the predecessor graph
/// (checked after every round) is negative.
fn negative_cycle(m: &[i32], b_n: usize) -> Option<Vec<usize>> {
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

/// A cycle of the predecessor graph, in forward (hop) order.
fn parent_cycle(parent: &[usize]) -> Option<Vec<usize>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_within_rack() {
        let parts: Vec<BPart> =
            (0..4).map(|_| BPart { topic: 0, size: 0, size_known: false, orig: vec![0], rf: 1, h: 1 }).collect();
        let rack_of = [0usize, 0];
        let target = [2usize, 2];
        let (slots, fb) = Balancer::new(&parts, &rack_of, 1, &target).run();
        assert_eq!(fb, 0);
        let on1 = slots.iter().filter(|s| s[0] == 1).count();
        assert_eq!(on1, 2);
    }

    fn moves_of(parts: &[BPart], slots: &[Vec<u32>]) -> usize {
        parts.iter().zip(slots).map(|(p, s)| s.iter().filter(|b| !p.orig.contains(b)).count()).sum()
    }

    #[test]
    fn negative_cycles_are_found_in_hop_order() {
        let none = NO_HOP;
        // 0 -> 1 (-1), 1 -> 2 (0), 2 -> 0 (0): cost -1.
        let m = vec![none, -1, none, none, none, 0, 0, none, none];
        assert_eq!(negative_cycle(&m, 3), Some(vec![1, 2, 0]));
        // Same cycle costing +1: none.
        let m = vec![none, 1, none, none, none, 0, 0, none, none];
        assert_eq!(negative_cycle(&m, 3), None);
        assert_eq!(parent_cycle(&[usize::MAX, 0, 1]), None);
        assert_eq!(parent_cycle(&[2, 0, 1]), Some(vec![1, 2, 0]));
    }

    #[test]
    fn cancelling_undoes_a_needless_swap() {
        // Partition 0 was on broker 0, partition 1 on broker 1; a placement
        // that swapped them (2 moves) has the same counts as no move at all.
        let parts: Vec<BPart> =
            (0..2).map(|i| BPart { topic: 0, size: 0, size_known: false, orig: vec![i], rf: 1, h: 1 }).collect();
        let rack_of = [0usize, 1];
        let target = [1usize, 1];
        let mut b = Balancer::new(&parts, &rack_of, 2, &target);
        b.set_slot(0, 0, 1);
        b.set_slot(1, 0, 0);
        assert_eq!(moves_of(&parts, &b.slots), 2);
        b.build_index();
        b.cancel_negative_cycles();
        assert_eq!(b.slots, vec![vec![0], vec![1]]);
    }

    #[test]
    fn forced_destinations_cost_a_second_move() {
        // Brokers 0 and 1 remain. Five RF-2 partitions were on {0, drained}:
        // their new replica can only go to broker 1, which already holds ten
        // RF-1 partitions. Targets 10/10: five RF-1 partitions must leave
        // broker 1 as well, so 10 moves is the minimum (the movement lower
        // bound only sees the deficit of broker 0, 5).
        let mut parts: Vec<BPart> =
            (0..5).map(|_| BPart { topic: 0, size: 0, size_known: false, orig: vec![0, EMPTY], rf: 2, h: 2 }).collect();
        parts.extend((0..10).map(|_| BPart { topic: 1, size: 0, size_known: false, orig: vec![1], rf: 1, h: 1 }));
        let rack_of = [0usize, 0];
        let target = [10usize, 10];
        let (slots, _) = Balancer::new(&parts, &rack_of, 1, &target).run();
        for s in &slots[..5] {
            let mut v = s.clone();
            v.sort_unstable();
            assert_eq!(v, vec![0, 1]);
        }
        assert_eq!(slots[5..].iter().filter(|s| s[0] == 0).count(), 5);
        assert_eq!(moves_of(&parts, &slots), 10);
    }
}
