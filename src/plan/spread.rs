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
//! Search, one ordered broker pair `(x, y)` at a time: every topic `A` with
//! `g_A >= 2`, every partition `c` of `A` on `x`, against the partitions on
//! `y` that keep the move count (as in [`super::bytes`]). Any improving
//! exchange has `g_A >= 2` or `g_B >= 2`, so it is found from the side of
//! that topic (the pair `(x, y)` or `(y, x)`). Whether a partner `q` fits `c`
//! depends on `c` only through `c`'s move and leader effect (at most 9), and
//! not on `c`'s topic; so per pair and effect the pass keeps which topics
//! have a fitting partner, the ones with the largest `g_B` first (at least
//! two: `B` must differ from `A`). Most partitions `c` then end at one
//! comparison, and after an exchange only the two topics it touched are
//! looked at again. A `c` that leaves an original broker (most of them) can
//! only pair with a partition that left `x` for `y`; when no such partner is
//! enough for topic `A`, only `A`'s partitions the plan added to `x` or that
//! left `y` for `x` are looked at, not all of `A` on `x`.
//! The pair-major order matters at scale (100k partitions, tens of thousands
//! of exchanges): a topic-major search recomputed the same per-pair facts
//! for every topic. The budget counts every partition and topic looked at.

use std::cmp::Reverse;
use std::collections::HashMap;

use super::dense::{move_delta, topic_count, BPart, BrokerIdx, Slots};
use super::exchange::{can_leave, leader_delta, partner_slot, Exchanges};

/// What moving a partition from x to y does: (change in moves, change in lost preferred leaders),
/// each -1, 0 or 1.
type Effect = (i32, i32);

/// Look-ups allowed per planned partition before the pass gives up.
const WORK_PER_PARTITION: usize = 200;

/// The budget ran out.
struct Exhausted;

struct State<'a> {
    parts: &'a [BPart],
    rack_of: &'a [usize],
    slots: &'a mut Slots,
    /// Replicas of each topic per broker, `count[b * topics + t]`.
    count: Vec<i64>,
    topics: usize,
    work: usize,
    budget: usize,
    /// The partner index (`by_key`), what exchanges changed (those of the byte pass too), and when
    /// each pair last found nothing.
    shared: &'a mut Exchanges,
}

/// What the search of one broker pair `(x, y)` knows: the topics by `g_B = n_B(y) - n_B(x)`,
/// largest first, and per [`Effect`] of a leaving partition which topics have a fitting partner
/// on `y` (looked up on demand) and the first ones that do in that order ([`Ranked`]).
struct PairFacts {
    /// Topics by `g_B`, largest first (then by id); the two topics of an exchange move to their
    /// new places ([`State::reposition`]).
    order: Vec<u32>,
    /// `fits[effect * topics + t]` is known when `known[..]` equals `generation`.
    fits: Vec<bool>,
    known: Vec<u64>,
    generation: u64,
    /// Per effect, the fitting topics [`State::rank`] found; kept up to date by
    /// [`State::rerank`].
    ranked: Vec<Option<Ranked>>,
}

/// Fitting topics as `(g_B, topic)`, in `order`'s order; `complete` when no other topic fits.
struct Ranked {
    top: Vec<(i64, u32)>,
    complete: bool,
}

/// How many fitting topics [`State::rank`] looks for along the order: enough that an exchange
/// rarely makes it look again.
const RANKED: usize = 8;

/// Position of an effect in [`PairFacts`].
fn effect_slot((e, l): Effect) -> usize {
    ((e + 1) * 3 + l + 1) as usize
}

impl State<'_> {
    fn n(&self, t: u32, b: BrokerIdx) -> i64 {
        self.count[b.index() * self.topics + t as usize]
    }

    fn charge(&mut self, units: usize) -> Result<(), Exhausted> {
        self.work += units;
        if self.work > self.budget {
            Err(Exhausted)
        } else {
            Ok(())
        }
    }

    /// A partner of topic `t` for a `c` with `effect` leaving `x` for `y`: the first fitting
    /// partition of its sets ([`Partners::sets`]), with its slot on `y`.
    fn partner_of_topic(&self, t: u32, effect: Effect, x: BrokerIdx, y: BrokerIdx) -> Option<(usize, usize)> {
        let sets = self.shared.by_key.sets(effect.0, x, y, t);
        sets.into_iter().flatten().find_map(|&q| {
            let q = q as usize;
            partner_slot(&self.parts[q], &self.slots[q], self.rack_of, effect.0, effect.1, x, y).map(|yi| (q, yi))
        })
    }

    /// The topics by `g_B = n_B(y) - n_B(x)`, largest first, then by id (a counting sort).
    fn topics_by_gap(&self, x: BrokerIdx, y: BrokerIdx, order: &mut Vec<u32>) {
        let gap = |t: u32| self.n(t, y) - self.n(t, x);
        let all = 0..self.topics as u32;
        let (lo, hi) = all.clone().map(gap).fold((i64::MAX, i64::MIN), |(lo, hi), g| (lo.min(g), hi.max(g)));
        let mut start = vec![0usize; (hi - lo + 2).max(1) as usize];
        for t in all.clone() {
            start[(hi - gap(t)) as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        order.clear();
        order.resize(self.topics, 0);
        for t in all {
            let slot = &mut start[(hi - gap(t)) as usize];
            order[*slot] = t;
            *slot += 1;
        }
    }

    /// Moves topic `t` to its place in `order` (topics by `g_B`, largest first, then by id) after
    /// its count on `x` or `y` changed.
    fn reposition(&self, order: &mut Vec<u32>, t: u32, x: BrokerIdx, y: BrokerIdx) {
        let key = |u: u32| (std::cmp::Reverse(self.n(u, y) - self.n(u, x)), u);
        if let Some(at) = order.iter().position(|&u| u == t) {
            order.remove(at);
        }
        let at = order.partition_point(|&u| key(u) < key(t));
        order.insert(at, t);
    }

    /// The topics with a partner for a `c` with `effect` leaving `x` for `y`, in `facts.order`'s
    /// order, as `(g_B, topic)`: the first [`RANKED`] (all of them for a `c` that leaves an
    /// original broker: they are few). Topics with `g_B < 3 - max_g_a` are left out: they
    /// cannot help.
    fn rank(
        &mut self,
        facts: &mut PairFacts,
        effect: Effect,
        x: BrokerIdx,
        y: BrokerIdx,
        max_g_a: i64,
    ) -> Result<Ranked, Exhausted> {
        let e = effect_slot(effect);
        let mut ranked = Ranked { top: Vec::new(), complete: true };
        let mut looked = 0;
        if effect.0 > 0 {
            // Only partitions that left `x` for `y` can partner `c` (`Partners::sets`): look at
            // their few topics, not along the whole order.
            for (t, set) in self.shared.by_key.candidates(effect.0, x, y) {
                looked += 1 + set.len();
                let g = self.n(t, y) - self.n(t, x);
                if max_g_a + g >= 3 && self.partner_of_topic(t, effect, x, y).is_some() {
                    ranked.top.push((g, t));
                }
            }
            ranked.top.sort_by_key(|&(g, t)| (Reverse(g), t));
        } else {
            for &t in &facts.order {
                let g = self.n(t, y) - self.n(t, x);
                if max_g_a + g < 3 {
                    break;
                }
                if ranked.top.len() == RANKED {
                    ranked.complete = false;
                    break;
                }
                looked += 1;
                let i = e * self.topics + t as usize;
                if facts.known[i] != facts.generation {
                    facts.fits[i] = self.partner_of_topic(t, effect, x, y).is_some();
                    facts.known[i] = facts.generation;
                }
                if facts.fits[i] {
                    ranked.top.push((g, t));
                }
            }
        }
        self.charge(looked)?;
        Ok(ranked)
    }

    /// Brings the ranked topics of `(x, y)` up to date after an exchange that changed topics `a`
    /// and `b` only; drops a ranking that no longer knows its best two.
    fn rerank(&self, facts: &mut PairFacts, a: u32, b: u32, x: BrokerIdx, y: BrokerIdx, max_g_a: i64) {
        for e in 0..facts.ranked.len() {
            let effect = ((e / 3) as i32 - 1, (e % 3) as i32 - 1);
            for t in [a, b] {
                facts.known[e * self.topics + t as usize] = 0;
            }
            let Some(ranked) = facts.ranked[e].as_mut() else { continue };
            let key = |(g, t): (i64, u32)| (Reverse(g), t);
            ranked.top.retain(|&(_, t)| t != a && t != b);
            for t in [a, b] {
                let g = self.n(t, y) - self.n(t, x);
                let below_all = ranked.top.last().is_some_and(|&last| key((g, t)) > key(last));
                if max_g_a + g < 3 || (below_all && !ranked.complete) {
                    continue;
                }
                if self.partner_of_topic(t, effect, x, y).is_some() {
                    let at = ranked.top.partition_point(|&r| key(r) < key((g, t)));
                    ranked.top.insert(at, (g, t));
                }
            }
            if ranked.top.len() < 2 && !ranked.complete {
                facts.ranked[e] = None;
            }
        }
    }

    /// Searches the pair `(x, y)` for improving exchanges and makes them; returns how many.
    fn search_pair(&mut self, x: BrokerIdx, y: BrokerIdx, facts: &mut PairFacts) -> Result<usize, Exhausted> {
        self.charge(self.topics)?;
        let gap_a = |me: &Self, a: u32| me.n(a, x) - me.n(a, y);
        let Some(max_g_a) = (0..self.topics as u32).map(|a| gap_a(self, a)).max().filter(|&g| g >= 2) else {
            return Ok(0);
        };
        self.topics_by_gap(x, y, &mut facts.order);
        facts.generation += 1;
        facts.ranked.iter_mut().for_each(|r| *r = None);
        let mut on_x: Vec<u32> = Vec::new();
        let mut exchanges = 0;
        for a in 0..self.topics as u32 {
            while gap_a(self, a) >= 2 {
                let g_a = gap_a(self, a);
                // A `c` that leaves an original broker (the most common kind) pairs only with
                // partitions that left `x` for `y`, so those rankings are cheap: when none of them
                // is enough, only the partitions `a` gained on `x` or that left `y` for `x` can
                // be part of an exchange.
                let mut leaving_helps = false;
                for l in [-1, 0, 1] {
                    let e = effect_slot((1, l));
                    if facts.ranked[e].is_none() {
                        facts.ranked[e] = Some(self.rank(facts, (1, l), x, y, max_g_a)?);
                    }
                    let top = facts.ranked[e].as_ref().map(|r| &r.top[..]).unwrap_or_default();
                    leaving_helps |= top.iter().find(|&&(_, t)| t != a).is_some_and(|&(g_b, _)| g_a + g_b >= 3);
                }
                // The candidates `c` of `a` on `x`, in order.
                on_x.clear();
                if leaving_helps {
                    on_x.extend(self.shared.by_key.on_broker(x, a));
                } else if self.shared.by_key.has_movers(x, y, a) {
                    on_x.extend(self.shared.by_key.movers(x, y, a));
                } else {
                    // No candidate: the loop below would find nothing.
                    break;
                }
                on_x.sort_unstable();
                on_x.dedup();
                self.charge(on_x.len())?;
                let mut found = None;
                for &c in &on_x {
                    let c = c as usize;
                    if self.shared.rack_full(c, self.rack_of[x], self.rack_of[y]) {
                        continue;
                    }
                    let Some(xi) = self.slots[c].iter().position(|&s| s == x) else { continue };
                    if !can_leave(&self.parts[c], &self.slots[c], self.rack_of, xi, y) {
                        continue;
                    }
                    let effect = (move_delta(&self.parts[c], x, y), leader_delta(&self.parts[c], x, y));
                    let e = effect_slot(effect);
                    if facts.ranked[e].is_none() {
                        facts.ranked[e] = Some(self.rank(facts, effect, x, y, max_g_a)?);
                    }
                    let top = facts.ranked[e].as_ref().map(|r| &r.top[..]).unwrap_or_default();
                    let Some(&(g_b, b)) = top.iter().find(|&&(_, t)| t != a) else { continue };
                    if g_a + g_b < 3 {
                        continue;
                    }
                    if let Some((q, yi)) = self.partner_of_topic(b, effect, x, y) {
                        found = Some((c, xi, b, q, yi));
                        break;
                    }
                }
                let Some((c, xi, b, q, yi)) = found else { break };
                self.exchange(c, xi, q, yi);
                exchanges += 1;
                // Counts changed for `a` and `b` only, and which partitions are on `y` only for
                // them: re-sort, and look their fit up again.
                for t in [a, b] {
                    self.reposition(&mut facts.order, t, x, y);
                }
                self.charge(2)?;
                self.rerank(facts, a, b, x, y, max_g_a);
            }
        }
        Ok(exchanges)
    }

    fn exchange(&mut self, c: usize, xi: usize, q: usize, yi: usize) {
        // The brokers whose pairs may search differently now: those holding `c` or `q` (their
        // counts, or which partitions are on them, change; both exchange brokers are among them).
        let (x, y) = (self.slots[c][xi], self.slots[q][yi]);
        for (p, from, to) in [(c, x, y), (q, y, x)] {
            let t = self.parts[p].topic as usize;
            self.count[from.index() * self.topics + t] -= 1;
            self.count[to.index() * self.topics + t] += 1;
        }
        self.shared.exchange(self.parts, self.slots, (c, xi), (q, yi));
    }
}

/// Exchanges made, and whether the work budget ran out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spread {
    pub exchanges: usize,
    pub complete: bool,
}

/// Evens out per-topic counts in `slots` (final placement, target indices). `shared` carries
/// what earlier calls of both passes built, changed and found (one per plan).
pub(crate) fn refine(parts: &[BPart], rack_of: &[usize], slots: &mut Slots, shared: &mut Exchanges) -> Spread {
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
    let topics = topic_count(parts);
    let mut st = State {
        parts,
        rack_of,
        slots,
        count: vec![0; b_n * topics],
        topics,
        work: 0,
        budget: parts.len().saturating_mul(WORK_PER_PARTITION),
        shared,
    };
    for (p, part) in parts.iter().enumerate() {
        for &b in st.slots[p].iter() {
            st.count[b.index() * topics + part.topic as usize] += 1;
        }
    }
    st.shared.fill_by_key(parts, st.slots, rack_of);
    let mut facts = PairFacts {
        order: Vec::with_capacity(topics),
        fits: vec![false; 9 * topics],
        known: vec![0; 9 * topics],
        generation: 0,
        ranked: (0..9).map(|_| None).collect(),
    };
    // Per pair, the exchange clock when a search of it last found nothing (`shared.pair_idle`, kept
    // across calls). A pair's search depends only on the partitions on its two brokers, so while
    // no exchange (of either pass) touches either, it would find nothing again. (A search that
    // made exchanges may have opened others for topics it had passed: the pair is searched again.)
    loop {
        let mut improved = false;
        for x in BrokerIdx::all(b_n) {
            for y in BrokerIdx::all(b_n).filter(|&y| y != x) {
                let pair = x.index() * b_n + y.index();
                if st.shared.pair_idle[pair].is_some_and(|at| st.shared.pair_unchanged(x, y, at)) {
                    continue;
                }
                // No partition on `x` may go to `y`'s rack: nothing to search.
                if st.shared.no_room(x, rack_of[x], rack_of[y]) {
                    st.shared.pair_idle[pair] = Some(st.shared.now());
                    continue;
                }
                let result = st.search_pair(x, y, &mut facts);
                st.shared.pair_idle[pair] = matches!(result, Ok(0)).then_some(st.shared.now());
                match result {
                    Ok(made) => {
                        out.exchanges += made;
                        improved |= made > 0;
                    }
                    Err(Exhausted) => {
                        out.complete = false;
                        return out;
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
    use crate::plan::dense::{placement, unsized_part as part};

    /// Topic 0 has both replicas on broker 0 (one moved there from 1), topic 1
    /// its only one on broker 1: the moved replica goes home and topic 1's
    /// moves instead, same moves and leaders, both topics 1/1 and 1/0.
    #[test]
    fn exchange_spreads_two_topics_without_extra_moves() {
        let parts = vec![part(0, &[1]), part(0, &[0]), part(1, &[1])];
        let mut slots = placement(&[&[0], &[0], &[1]]);
        let r = refine(&parts, &[0, 1], &mut slots, &mut Exchanges::new(2, &parts));
        assert_eq!(r, Spread { exchanges: 1, complete: true });
        assert_eq!(slots, placement(&[&[1], &[0], &[0]]));
        // Nothing moved yet (every partition where it was): no exchange can keep the moves.
        let parts = vec![part(0, &[0]), part(0, &[0]), part(1, &[1])];
        let mut slots = placement(&[&[0], &[0], &[1]]);
        assert_eq!(
            refine(&parts, &[0, 1], &mut slots, &mut Exchanges::new(2, &parts)),
            Spread { exchanges: 0, complete: true }
        );
        assert_eq!(slots, placement(&[&[0], &[0], &[1]]));
    }
}
