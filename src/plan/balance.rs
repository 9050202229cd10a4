//! Replica placement: reach the per-broker targets with as few moves as possible.
//!
//! Works on dense indices: partitions `0..P` (the planned partitions, sorted by
//! topic then partition) and target brokers `0..B` (sorted by id).

use std::collections::{BTreeSet, HashMap, VecDeque};

/// Empty slot marker.
const EMPTY: u32 = u32::MAX;

/// One planned partition inside the balancer.
pub(crate) struct BPart {
    pub topic: u32,
    pub size: u64,
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
    rack_total: Vec<usize>,
    rack_target: Vec<usize>,
    bytes: Vec<u64>,
    on_broker: Vec<BTreeSet<u32>>,
    topic_on: HashMap<(u32, u32), u32>,
    /// Target brokers dropped from each partition by an RF decrease.
    dropped: Vec<Vec<u32>>,
    /// Extra (non-lower-bound) moves are allowed only through the fallback.
    pub fallback_paths: usize,
}

impl<'a> Balancer<'a> {
    pub(crate) fn new(
        parts: &'a [BPart],
        rack_of: &'a [usize],
        rack_n: usize,
        target: &'a [usize],
    ) -> Self {
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
            rack_total: vec![0; rack_n],
            rack_target,
            bytes: vec![0; b_n],
            on_broker: vec![BTreeSet::new(); b_n],
            topic_on: HashMap::new(),
            dropped: vec![Vec::new(); parts.len()],
            fallback_paths: 0,
        };
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
        self.topic_on
            .get(&(self.parts[pi].topic, b))
            .copied()
            .unwrap_or(0)
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
        let old = self.slots[pi][si];
        if old != EMPTY {
            self.remove_stats(pi, old);
        }
        self.slots[pi][si] = b;
        if b != EMPTY {
            self.add_stats(pi, b);
        }
    }

    fn slot_of(&self, pi: usize, b: u32) -> Option<usize> {
        self.slots[pi].iter().position(|&x| x == b)
    }

    /// Runs the whole placement; returns the final slots (target indices).
    pub(crate) fn run(mut self) -> (Vec<Vec<u32>>, usize) {
        self.fix_replication_factor();
        self.rebalance_drops();
        self.evict_rack_violations();
        let mut guard = 0usize;
        loop {
            self.place_homeless();
            self.shed_cross_rack();
            self.shed_within_racks();
            let homeless = self.first_homeless();
            let over = (0..self.count.len()).find(|&b| self.over(b));
            if homeless.is_none() && over.is_none() {
                break;
            }
            guard += 1;
            let limit = 4 * (self.parts.len() + self.count.len()) + 16;
            let resolved = if guard > limit {
                false
            } else if let Some((pi, si)) = homeless {
                self.fallback_homeless(pi, si)
            } else if let Some(a) = over {
                self.fallback_over(a)
            } else {
                false
            };
            if !resolved {
                // Cannot balance further: still keep the hard rules.
                if let Some((pi, si)) = homeless {
                    self.place_anywhere(pi, si);
                } else {
                    break;
                }
            }
        }
        let fb = self.fallback_paths;
        (self.slots, fb)
    }

    fn first_homeless(&self) -> Option<(usize, usize)> {
        for pi in 0..self.slots.len() {
            if let Some(si) = self.slots[pi].iter().position(|&b| b == EMPTY) {
                return Some((pi, si));
            }
        }
        None
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
            for b in 0..b_n {
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
                        let key = (
                            self.count[bu] as i64 - self.target[bu] as i64,
                            i > 0,
                            b,
                        );
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

    /// Destination key: fewest bytes, fewest replicas of the topic, largest
    /// deficit, lowest index.
    fn dest_key(&self, pi: usize, b: usize) -> (u64, u32, i64, usize) {
        (
            self.bytes[b],
            self.topic_count(pi, b as u32),
            self.count[b] as i64 - self.target[b] as i64,
            b,
        )
    }

    /// Best under-target broker for `pi` (slot `slot` vacated) among those
    /// accepted by `filter`.
    fn best_dest<F: Fn(usize) -> bool>(&self, pi: usize, slot: Option<usize>, filter: F) -> Option<usize> {
        let mut best: Option<(usize, (u64, u32, i64, usize))> = None;
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

    /// Candidate partitions to move off broker `a`: smallest first, then the
    /// topic most represented on `a`, then partition order.
    fn shed_candidates(&self, a: usize) -> Vec<u32> {
        let mut v: Vec<u32> = self.on_broker[a].iter().copied().collect();
        v.sort_by_cached_key(|&pi| {
            let p = pi as usize;
            (
                self.parts[p].size,
                std::cmp::Reverse(self.topic_count(p, a as u32)),
                pi,
            )
        });
        v
    }

    /// Moves replicas from racks above their total to racks below it.
    fn shed_cross_rack(&mut self) {
        for k in 0..self.rack_n {
            if self.rack_total[k] <= self.rack_target[k] {
                continue;
            }
            // Over brokers of the rack, most over first.
            let mut brokers: Vec<usize> = (0..self.count.len())
                .filter(|&b| self.rack_of[b] == k && self.over(b))
                .collect();
            brokers.sort_by_key(|&b| (std::cmp::Reverse(self.count[b] - self.target[b]), b));
            for a in brokers {
                if self.rack_total[k] <= self.rack_target[k] {
                    break;
                }
                let cands = self.shed_candidates(a);
                for pi in cands {
                    if !self.over(a) || self.rack_total[k] <= self.rack_target[k] {
                        break;
                    }
                    let p = pi as usize;
                    let Some(si) = self.slot_of(p, a as u32) else { continue };
                    let dest = self.best_dest(p, Some(si), |b| {
                        let j = self.rack_of[b];
                        j != k && self.rack_total[j] < self.rack_target[j]
                    });
                    if let Some(b) = dest {
                        self.set_slot(p, si, b as u32);
                    }
                }
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
                let cands = self.shed_candidates(a);
                let mut moved = false;
                for pi in cands {
                    if !self.over(a) {
                        break;
                    }
                    let p = pi as usize;
                    let Some(si) = self.slot_of(p, a as u32) else { continue };
                    let dest = self.best_dest(p, Some(si), |b| self.rack_of[b] == k);
                    if let Some(b) = dest {
                        self.set_slot(p, si, b as u32);
                        moved = true;
                    }
                    if !members.iter().any(|&b| self.under(b)) {
                        break;
                    }
                }
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
            self.slots[pi].remove(si);
        }
    }

    /// Empty slot that found no direct place: put the partition on a broker
    /// that accepts it and push a replica from there along a path of brokers
    /// to an under-target broker.
    fn fallback_homeless(&mut self, pi: usize, si: usize) -> bool {
        let starts: Vec<usize> = (0..self.count.len())
            .filter(|&b| self.can_take(pi, b as u32, Some(si)))
            .collect();
        if let Some(&b) = starts.iter().find(|&&b| self.under(b)) {
            self.set_slot(pi, si, b as u32);
            return true;
        }
        let Some(path) = self.bfs(&starts, Some(pi)) else { return false };
        if !self.apply_path(&path) {
            return false;
        }
        let start = path.first().map(|s| s.0).unwrap_or(usize::MAX);
        if start == usize::MAX || !self.can_take(pi, start as u32, Some(si)) {
            return false;
        }
        self.set_slot(pi, si, start as u32);
        self.fallback_paths += 1;
        true
    }

    /// Over-target broker that could not shed directly.
    fn fallback_over(&mut self, a: usize) -> bool {
        let Some(path) = self.bfs(&[a], None) else { return false };
        if path.len() < 2 {
            return false;
        }
        let ok = self.apply_path(&path);
        if ok {
            self.fallback_paths += 1;
        }
        ok
    }

    /// Cheapest path over brokers (0-1 BFS): edge x -> y when some partition
    /// on x may move to y; it costs nothing when that replica was itself
    /// placed by this plan (re-routing an existing move), one move otherwise.
    /// Returns [(x0, _), (x1, q1), ..., (xm, qm)] where qi moves from x(i-1)
    /// to xi and xm is under target.
    fn bfs(&self, starts: &[usize], exclude: Option<usize>) -> Option<Vec<(usize, u32)>> {
        let b_n = self.count.len();
        let none = usize::MAX;
        let mut parent = vec![none; b_n];
        let mut witness = vec![EMPTY; b_n];
        let mut dist = vec![usize::MAX; b_n];
        let mut done = vec![false; b_n];
        let mut queue = VecDeque::new();
        for &s in starts {
            dist[s] = 0;
            queue.push_back(s);
        }
        let mut found = None;
        while let Some(x) = queue.pop_front() {
            if done[x] {
                continue;
            }
            done[x] = true;
            if parent[x] != none && self.under(x) {
                found = Some(x);
                break;
            }
            // Best witness per reachable y.
            let mut best: Vec<Option<(bool, u64, u32)>> = vec![None; b_n];
            for &q in &self.on_broker[x] {
                let qu = q as usize;
                if Some(qu) == exclude {
                    continue;
                }
                let Some(si) = self.slot_of(qu, x as u32) else { continue };
                let is_orig = self.parts[qu].orig.contains(&(x as u32));
                for y in 0..b_n {
                    if done[y] || !self.can_take(qu, y as u32, Some(si)) {
                        continue;
                    }
                    let key = (is_orig, self.parts[qu].size, q);
                    if best[y].is_none_or(|bk| key < bk) {
                        best[y] = Some(key);
                    }
                }
            }
            for y in 0..b_n {
                if let Some((is_orig, _, q)) = best[y] {
                    let d = dist[x] + usize::from(is_orig);
                    if d < dist[y] {
                        dist[y] = d;
                        parent[y] = x;
                        witness[y] = q;
                        if is_orig {
                            queue.push_back(y);
                        } else {
                            queue.push_front(y);
                        }
                    }
                }
            }
        }
        let end = found?;
        let mut path = vec![(end, witness[end])];
        let mut v = end;
        while parent[v] != none {
            v = parent[v];
            path.push((v, witness[v]));
        }
        path.reverse();
        Some(path)
    }

    /// Applies the moves of a path, last hop first. Returns false (after
    /// undoing nothing) when a hop became invalid; hops applied so far keep
    /// the hard rules.
    fn apply_path(&mut self, path: &[(usize, u32)]) -> bool {
        for i in (1..path.len()).rev() {
            let from = path[i - 1].0 as u32;
            let (to, q) = path[i];
            let qu = q as usize;
            let Some(si) = self.slot_of(qu, from) else { return false };
            if !self.can_take(qu, to as u32, Some(si)) {
                return false;
            }
            self.set_slot(qu, si, to as u32);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_within_rack() {
        let parts: Vec<BPart> = (0..4)
            .map(|_| BPart { topic: 0, size: 0, orig: vec![0], rf: 1, h: 1 })
            .collect();
        let rack_of = [0usize, 0];
        let target = [2usize, 2];
        let (slots, fb) = Balancer::new(&parts, &rack_of, 1, &target).run();
        assert_eq!(fb, 0);
        let on1 = slots.iter().filter(|s| s[0] == 1).count();
        assert_eq!(on1, 2);
    }
}
