//! Byte refinement: with partition sizes, evens out the bytes per target
//! broker by *exchanges* that keep every replica count and never add a move.
//!
//! An exchange takes two partitions `c` and `q` *of the same topic* and two
//! target brokers `x != y` with `c` on `x` but not on `y` and `q` on `y` but
//! not on `x`: `c` replaces `x` by `y` and `q` replaces `y` by `x`. Replica
//! counts per broker and per (topic, broker) stay, so the topic spread the
//! count-driven placement made is kept; the
//! rack rule must still hold for both partitions; the number of moves
//! (brokers added to replica sets) must not grow; neither may the number of
//! partitions that lose their preferred leader (first original replica):
//! bytes never cost a leader election the counts did not already need. With
//! `X`, `Y` the
//! planned bytes on `x` and `y` and `d = size(c) - size(q)`, the sum of
//! squares of bytes per broker changes by `2d(Y - X + d)`; an exchange is
//! made only when that is negative, and only between brokers whose bytes
//! differ by more than [`tolerance`] (1% of the mean). The pass ends when no
//! such exchange exists (a local optimum, checked by the property tests) or
//! after a work budget far above what any test or benchmark needs
//! ([`ByteBalance::BudgetExhausted`] in the plan summary).
//!
//! It runs only when every planned partition's size is known: a partition
//! of unknown size would look empty and draw large partitions to its broker.
//!
//! Every exchange involves at least one partition whose replica set the
//! plan changes (an exchange of two untouched partitions adds two moves), so
//! the search starts from those.

use super::dense::{move_delta, BPart, BrokerIdx, Slots};
use super::exchange::{can_leave, keys_below, keys_from, leader_delta, partner_slot, Exchanges};
use super::report::ByteBalance;

/// Exchanges made and how the pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refined {
    pub exchanges: usize,
    pub status: ByteBalance,
}

/// At most this many partner look-ups per planned partition; far above what
/// the tests and benchmarks need (a handful of passes), it only bounds
/// pathological inputs.
const WORK_PER_PARTITION: usize = 4_000;

struct State<'a> {
    parts: &'a [BPart],
    rack_of: &'a [usize],
    slots: &'a mut Slots,
    bytes: Vec<i128>,
    /// Brokers whose bytes differ by at most this much are even enough.
    tolerance: i128,
    /// Partners by (size, index) (`by_size`), what exchanges changed (those of the topic pass
    /// too), and when each partition's search last found nothing.
    shared: &'a mut Exchanges,
}

impl State<'_> {
    fn size(&self, p: usize) -> u64 {
        self.parts[p].size
    }

    /// The best partner `q` on `y` for `c` leaving `x` for `y`, with the
    /// change in the sum of squares it gives (negative), if any improves.
    fn best_partner(&self, c: usize, xi: usize, y: BrokerIdx) -> Option<(usize, usize, i128)> {
        let x = self.slots[c][xi];
        let (bx, by) = (self.bytes[x], self.bytes[y]);
        if (bx - by).abs() <= self.tolerance {
            return None;
        }
        let sc = i128::from(self.size(c));
        let e_c = move_delta(&self.parts[c], x, y);
        let l_c = leader_delta(&self.parts[c], x, y);
        // Improving partners have d = sc - sq strictly between 0 and X - Y;
        // the best one has d closest to (X - Y) / 2.
        let gap = bx - by;
        let (lo, hi) = if gap > 0 { (sc - gap, sc) } else { (sc, sc - gap) };
        let ideal = (sc - gap / 2).clamp(0, i128::from(u64::MAX)) as u64;
        let eligible = |&(sq, q): &(u64, u32)| -> Option<(usize, usize, i128)> {
            let q = q as usize;
            // `c` is on `x`, so it is never its own partner.
            let yi = partner_slot(&self.parts[q], &self.slots[q], self.rack_of, e_c, l_c, x, y)?;
            let d = sc - i128::from(sq);
            // None on overflow (gaps beyond 2^62 bytes): no exchange.
            let change = d.checked_mul(by - bx + d)?.checked_mul(2)?;
            (change < 0).then_some((q, yi, change))
        };
        let sets = self.shared.by_size.sets(e_c, x, y, self.parts[c].topic);
        let mut best: Option<(usize, usize, i128)> = None;
        for set in sets {
            let up = keys_from(set, &(ideal, 0)).iter().take_while(|&&(s, _)| i128::from(s) < hi).find_map(&eligible);
            let down =
                keys_below(set, &(ideal, 0)).iter().rev().take_while(|&&(s, _)| i128::from(s) > lo).find_map(&eligible);
            // Equal gains: the smaller size difference (fewer bytes change hands).
            let key = |(q, _, change): (usize, usize, i128)| (change, (sc - i128::from(self.size(q))).abs(), q);
            for cand in [up, down].into_iter().flatten() {
                if best.is_none_or(|b| key(cand) < key(b)) {
                    best = Some(cand);
                }
            }
        }
        best
    }

    /// The first broker `y` from index `next` on that `c` leaving `x` may find a partner on
    /// (among `only` when given, in order): a partner is on `y` only if `c` held `y` before, or a
    /// partition of its topic that left `x` is on `y` ([`Partners::left_to`]), or, when `x` is
    /// not an original broker of `c`, the plan added a partition of its topic to `y`
    /// ([`Partners::next_added`]); a `c` leaving an original broker for a new one pairs only with
    /// a partition that left `x` ([`Partners::sets`]). The byte search skips the other brokers
    /// without looking (most brokers, for most of its look-ups).
    ///
    /// [`Partners::sets`]: super::exchange::Partners::sets
    /// [`Partners::left_to`]: super::exchange::Partners::left_to
    /// [`Partners::next_added`]: super::exchange::Partners::next_added
    fn next_destination(
        &self,
        c: usize,
        x: BrokerIdx,
        mut next: usize,
        only: Option<&[BrokerIdx]>,
    ) -> Option<BrokerIdx> {
        let part = &self.parts[c];
        let index = &self.shared.by_size;
        let held = part.held(x);
        let left_to = index.left_to(x, part.topic);
        loop {
            let y = match only {
                Some(only) => *only[only.partition_point(|b| b.index() < next)..].first()?,
                None if next < self.rack_of.len() => BrokerIdx::new(next),
                None => return None,
            };
            // The first allowed broker from `y` on.
            let returning = part.orig.iter().copied().filter(|&b| !b.is_empty() && b >= y).min();
            let leaving = keys_from(left_to, &y).first().copied();
            let added = if held { None } else { index.next_added(part.topic, y.index()) };
            let allowed = [returning, leaving, added].into_iter().flatten().min()?;
            if allowed == y {
                return Some(y);
            }
            next = allowed.index();
        }
    }

    fn exchange(&mut self, c: usize, xi: usize, q: usize, yi: usize) {
        let x = self.slots[c][xi];
        let y = self.slots[q][yi];
        let d = i128::from(self.size(c)) - i128::from(self.size(q));
        self.bytes[x] -= d;
        self.bytes[y] += d;
        self.shared.exchange(self.parts, self.slots, (c, xi), (q, yi));
    }
}

/// Even enough: 1% of the mean bytes per target broker.
pub(crate) fn tolerance(bytes: &[i128]) -> i128 {
    let total: i128 = bytes.iter().sum();
    total / (bytes.len().max(1) as i128) / 100
}

fn changed(part: &BPart, slots: &[BrokerIdx]) -> bool {
    slots.len() != part.orig.len() || slots.iter().any(|b| !part.orig.contains(b))
}

/// Refines `slots` (final placement, target-broker indices) in place. `shared` carries what
/// earlier calls of both passes built, changed and found (one per plan).
pub(crate) fn refine(parts: &[BPart], rack_of: &[usize], slots: &mut Slots, shared: &mut Exchanges) -> Refined {
    let b_n = rack_of.len();
    let mut out = Refined { exchanges: 0, status: ByteBalance::Done };
    if parts.is_empty() {
        out.status = ByteBalance::NotRun;
        return out;
    }
    if parts.iter().any(|p| !p.size_known) {
        out.status = ByteBalance::SizesIncomplete;
        return out;
    }
    if b_n < 2 || !parts.iter().any(|p| p.size > 0) {
        return out;
    }
    let mut st = State { parts, rack_of, slots, bytes: vec![0; b_n], tolerance: 0, shared };
    for (p, part) in parts.iter().enumerate() {
        for &b in st.slots[p].iter() {
            st.bytes[b] += i128::from(part.size);
        }
    }
    st.shared.fill_by_size(parts, st.slots);
    st.tolerance = tolerance(&st.bytes);
    let mut seeds: Vec<usize> = (0..parts.len()).filter(|&p| changed(&parts[p], &st.slots[p])).collect();
    let mut is_seed: Vec<bool> = vec![false; parts.len()];
    for &p in &seeds {
        is_seed[p] = true;
    }
    let mut budget = parts.len().saturating_mul(WORK_PER_PARTITION);
    let mut fresh: Vec<BrokerIdx> = Vec::new();
    loop {
        let mut improved = false;
        let mut i = 0;
        while i < seeds.len() {
            let c = seeds[i];
            i += 1;
            // When `c`'s search last found nothing and `c` has not changed since, a look-up of
            // `c` leaving `x` for `y` can find something now only if an exchange since changed
            // the bytes of `x` or `y` or the partitions of `c`'s topic on them: for an `x` that
            // no exchange changed, only the changed brokers `fresh` are looked at as `y`.
            let idle = st.shared.part_idle[c];
            if let Some(at) = idle {
                st.shared.changed_since(st.parts[c].topic, at, &mut fresh);
            }
            let mut made = false;
            for xi in 0..st.slots[c].len() {
                let narrow = idle.is_some() && fresh.binary_search(&st.slots[c][xi]).is_err();
                // The next `y` to look at; after an exchange (`c` changed) every broker is.
                let mut next = 0;
                loop {
                    let x = st.slots[c][xi];
                    let Some(y) = st.next_destination(c, x, next, (narrow && !made).then_some(&fresh[..])) else {
                        break;
                    };
                    next = y.index() + 1;
                    if (st.bytes[x] - st.bytes[y]).abs() <= st.tolerance
                        || !can_leave(&st.parts[c], &st.slots[c], st.rack_of, xi, y)
                    {
                        continue;
                    }
                    if budget == 0 {
                        out.status = ByteBalance::BudgetExhausted;
                        return out;
                    }
                    budget -= 1;
                    if let Some((q, yi, _)) = st.best_partner(c, xi, y) {
                        st.exchange(c, xi, q, yi);
                        out.exchanges += 1;
                        improved = true;
                        made = true;
                        if !is_seed[q] {
                            is_seed[q] = true;
                            seeds.push(q);
                        }
                    }
                }
            }
            st.shared.part_idle[c] = (!made).then_some(st.shared.now());
        }
        if !improved {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::dense::{brokers, placement};

    fn part(topic: u32, size: u64, orig: &[usize]) -> BPart {
        BPart { topic, size, size_known: true, orig: brokers(orig).into(), rf: orig.len(), h: 1 }
    }

    /// Swapping the 100 B partition of topic 0 with the 1 B one of topic 1
    /// would even the bytes, but only partitions of one topic swap: per-topic
    /// counts stay, nothing changes.
    #[test]
    fn exchanges_stay_within_a_topic() {
        // Brokers 0, 1 (no racks); both partitions moved (added), so both are candidates.
        let parts = vec![part(0, 100, &[1]), part(1, 1, &[0]), part(0, 2, &[0]), part(1, 3, &[1])];
        let mut slots = placement(&[&[0], &[1], &[0], &[1]]);
        let r = refine(&parts, &[0, 1], &mut slots, &mut Exchanges::new(2, &parts));
        assert_eq!(slots, placement(&[&[0], &[1], &[0], &[1]]));
        assert_eq!(r, Refined { exchanges: 0, status: ByteBalance::Done });
        // The same as one topic: 102/4 B becomes {100, 1} / {2, 3} = 101/5 B, the best split.
        let parts: Vec<BPart> = parts.into_iter().map(|p| BPart { topic: 0, ..p }).collect();
        let r = refine(&parts, &[0, 1], &mut slots, &mut Exchanges::new(2, &parts));
        assert_eq!(slots, placement(&[&[1], &[1], &[0], &[0]]));
        assert_eq!(r, Refined { exchanges: 1, status: ByteBalance::Done });
    }
}
