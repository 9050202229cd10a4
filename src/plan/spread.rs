//! Topic spread: evens out each topic's replicas over the target brokers by
//! *exchanges* that keep every replica count per broker and never add a move.
//!
//! An exchange takes partitions `c` of topic `A` on broker `x` (not on `y`)
//! and `q` of another topic `B` on `y` (not on `x`): `c` replaces `x` by `y`
//! and `q` replaces `y` by `x`. With `g_A = n_A(x) - n_A(y)` and
//! `g_B = n_B(y) - n_B(x)` (replicas of a topic per broker), the sum of
//! squares of replicas per (topic, broker) changes by
//! `2(1 - g_A) + 2(1 - g_B)`: it falls exactly when `g_A + g_B >= 3`, so one
//! of the two topics is at least 2 replicas more on its side. The rack rule
//! must hold for both partitions, and neither the number of moves nor the
//! number of partitions that lose their preferred leader (first original
//! replica) may grow. The pass ends when no such exchange exists (checked
//! by the property tests) or after a work budget.
//!
//! Search: for every topic `A` and brokers `x`, `y` with `g_A >= 2`, every
//! partition of `A` on `x` against the partitions on `y` of the topics with
//! `g_B >= 3 - g_A`, restricted to the partners that keep the move count
//! (as in [`super::bytes`]). Any improving exchange has `g_A >= 2` or
//! `g_B >= 2`, so it is found from the side of that topic. Whether a partner
//! fits depends on `c` only through `c`'s move and leader effects, so each
//! scan searches once per effect (at most 9), not once per partition. The
//! budget counts every partition and topic looked at.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::dense::{move_delta, part_key, BPart, BrokerIdx};
use super::exchange::{can_leave, leader_delta, partner_slot, Partners};

/// What moving a partition from x to y does: (change in moves, change in lost preferred leaders).
type Effect = (i32, i32);
/// A partner found for an exchange: (partition, its slot on y).
type Partner = (usize, usize);

/// Look-ups allowed per planned partition before the pass gives up.
const WORK_PER_PARTITION: usize = 200;

struct State<'a> {
    parts: &'a [BPart],
    rack_of: &'a [usize],
    slots: &'a mut [Vec<BrokerIdx>],
    /// Replicas of each topic per broker: `topics_on[b][t]`.
    topics_on: Vec<BTreeMap<u32, i64>>,
    partners: Partners<u32>,
}

impl State<'_> {
    fn n(&self, t: u32, b: BrokerIdx) -> i64 {
        self.topics_on[b].get(&t).copied().unwrap_or(0)
    }

    fn index(&mut self, p: usize, insert: bool) {
        let t = self.parts[p].topic;
        self.partners.edit(&self.parts[p], &self.slots[p], part_key(p), insert);
        let slots = &self.slots[p];
        for &b in slots {
            let c = self.topics_on[b].entry(t).or_insert(0);
            *c += if insert { 1 } else { -1 };
            if *c == 0 {
                self.topics_on[b].remove(&t);
            }
        }
    }

    /// A partner for `c` (slot `xi` on `x`) going to `y`: a partition of a
    /// topic `B` with `g_A + g_B >= 3` that keeps moves, leaders and racks.
    fn partner(&self, c: usize, xi: usize, y: BrokerIdx, g_a: i64, work: &mut usize) -> Option<(usize, usize)> {
        let x = self.slots[c][xi];
        let a = self.parts[c].topic;
        let e_c = move_delta(&self.parts[c], x, y);
        let l_c = leader_delta(&self.parts[c], x, y);
        for (&b, &on_y) in &self.topics_on[y] {
            *work += 1;
            if b == a || g_a + on_y - self.n(b, x) < 3 {
                continue;
            }
            for &q in self.partners.sets(e_c, x, y, b).into_iter().flatten().flatten() {
                *work += 1;
                let q = q as usize;
                if let Some(yi) = partner_slot(&self.parts[q], &self.slots[q], self.rack_of, e_c, l_c, x, y) {
                    return Some((q, yi));
                }
            }
        }
        None
    }

    fn exchange(&mut self, c: usize, xi: usize, q: usize, yi: usize) {
        self.index(c, false);
        self.index(q, false);
        let (x, y) = (self.slots[c][xi], self.slots[q][yi]);
        self.slots[c][xi] = y;
        self.slots[q][yi] = x;
        self.index(c, true);
        self.index(q, true);
    }
}

/// Exchanges made, and whether the work budget ran out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spread {
    pub exchanges: usize,
    pub complete: bool,
}

/// Evens out per-topic counts in `slots` (final placement, target indices).
pub(crate) fn refine(parts: &[BPart], rack_of: &[usize], slots: &mut [Vec<BrokerIdx>]) -> Spread {
    let b_n = rack_of.len();
    let mut out = Spread { exchanges: 0, complete: true };
    // Nothing to do unless some topic is 2 or more replicas apart somewhere.
    let mut per: HashMap<u32, Vec<i64>> = HashMap::new();
    for (p, part) in parts.iter().enumerate() {
        let v = per.entry(part.topic).or_insert_with(|| vec![0; b_n]);
        for &b in &slots[p] {
            v[b] += 1;
        }
    }
    let uneven = |v: &Vec<i64>| v.iter().max().unwrap_or(&0) - v.iter().min().unwrap_or(&0) >= 2;
    if b_n < 2 || per.len() < 2 || !per.values().any(uneven) {
        return out;
    }
    let mut st = State { parts, rack_of, slots, topics_on: vec![BTreeMap::new(); b_n], partners: Partners::new() };
    for p in 0..parts.len() {
        st.index(p, true);
    }
    let topics: BTreeSet<u32> = parts.iter().map(|p| p.topic).collect();
    // Partitions of each topic, in order.
    let mut of_topic: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (p, part) in parts.iter().enumerate() {
        of_topic.entry(part.topic).or_default().push(p);
    }
    let budget = parts.len().saturating_mul(WORK_PER_PARTITION);
    let mut work = 0usize;
    loop {
        let mut improved = false;
        for &a in &topics {
            let counts: Vec<i64> = BrokerIdx::all(b_n).map(|b| st.n(a, b)).collect();
            if counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0) < 2 {
                continue;
            }
            for x in BrokerIdx::all(b_n) {
                // The partitions of `a` on `x` (an exchange takes one off).
                let mut on_x: Vec<usize> = of_topic[&a].iter().copied().filter(|&c| st.slots[c].contains(&x)).collect();
                work += of_topic[&a].len();
                for y in BrokerIdx::all(b_n) {
                    // Re-read after every exchange: counts change.
                    while st.n(a, x) - st.n(a, y) >= 2 {
                        let g_a = st.n(a, x) - st.n(a, y);
                        // A partner depends on `c` only through its move and leader effects:
                        // one search per effect until the next exchange.
                        let mut searched: Vec<(Effect, Option<Partner>)> = Vec::new();
                        let mut found = None;
                        for (k, &c) in on_x.iter().enumerate() {
                            work += 1;
                            let Some(xi) = st.slots[c].iter().position(|&s| s == x) else { continue };
                            if !can_leave(&parts[c], &st.slots[c], rack_of, xi, y) {
                                continue;
                            }
                            let effect = (move_delta(&parts[c], x, y), leader_delta(&parts[c], x, y));
                            let partner = match searched.iter().find(|(e, _)| *e == effect) {
                                Some(&(_, r)) => r,
                                None => {
                                    let r = st.partner(c, xi, y, g_a, &mut work);
                                    searched.push((effect, r));
                                    r
                                }
                            };
                            if let Some((q, yi)) = partner {
                                found = Some((k, c, xi, q, yi));
                                break;
                            }
                            if work > budget {
                                out.complete = false;
                                return out;
                            }
                        }
                        let Some((k, c, xi, q, yi)) = found else { break };
                        st.exchange(c, xi, q, yi);
                        on_x.remove(k);
                        out.exchanges += 1;
                        improved = true;
                    }
                }
            }
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

    fn part(topic: u32, orig: &[usize]) -> BPart {
        BPart { topic, size: 0, size_known: true, orig: brokers(orig), rf: orig.len(), h: 1 }
    }

    /// Topic 0 has both replicas on broker 0 (one moved there from 1), topic 1
    /// its only one on broker 1: the moved replica goes home and topic 1's
    /// moves instead, same moves and leaders, both topics 1/1 and 1/0.
    #[test]
    fn exchange_spreads_two_topics_without_extra_moves() {
        let parts = vec![part(0, &[1]), part(0, &[0]), part(1, &[1])];
        let mut slots = placement(&[&[0], &[0], &[1]]);
        let r = refine(&parts, &[0, 1], &mut slots);
        assert_eq!(r, Spread { exchanges: 1, complete: true });
        assert_eq!(slots, placement(&[&[1], &[0], &[0]]));
        // Nothing moved yet (every partition where it was): no exchange can keep the moves.
        let parts = vec![part(0, &[0]), part(0, &[0]), part(1, &[1])];
        let mut slots = placement(&[&[0], &[0], &[1]]);
        assert_eq!(refine(&parts, &[0, 1], &mut slots), Spread { exchanges: 0, complete: true });
        assert_eq!(slots, placement(&[&[0], &[0], &[1]]));
    }
}
