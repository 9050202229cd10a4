//! What the exchange passes ([`super::spread`], [`super::bytes`]) share: the
//! rules an exchange must keep and the index of partners that keep the move
//! count. An exchange: partition `c` on `x` takes `y`, partition `q` on `y`
//! takes `x`.

use std::collections::{BTreeSet, HashMap};

use super::dense::{move_delta, BPart, BrokerIdx};

/// Whether `part` (now on `slots`) may replace its replica in slot `si` by
/// broker `y` under the rack rule.
pub(crate) fn rack_ok(part: &BPart, slots: &[BrokerIdx], rack_of: &[usize], si: usize, y: BrokerIdx) -> bool {
    let k = rack_of[y];
    let same = slots.iter().enumerate().filter(|&(i, &b)| i != si && rack_of[b] == k).count();
    same < part.h
}

/// Change in partitions without their preferred leader (first original
/// replica) when `part` replaces `from` by `to`.
pub(crate) fn leader_delta(part: &BPart, from: BrokerIdx, to: BrokerIdx) -> i32 {
    let lead = part.orig.first().copied();
    i32::from(lead == Some(from)) - i32::from(lead == Some(to))
}

/// Whether `part` (now on `slots`) may give its replica in slot `xi` to `y`:
/// not already on `y`, and the rack rule holds after.
pub(crate) fn can_leave(part: &BPart, slots: &[BrokerIdx], rack_of: &[usize], xi: usize, y: BrokerIdx) -> bool {
    !slots.contains(&y) && rack_ok(part, slots, rack_of, xi, y)
}

/// Whether partition `q` (now on `slots`) can be the partner of a `c` leaving
/// `x` for `y` whose own move and leader changes are `e_c` and `l_c`: `q` is on
/// `y` and not on `x`, may take `x` under the rack rule, and together the two
/// add no move and cost no preferred leader. Returns `q`'s slot on `y`.
pub(crate) fn partner_slot(
    part: &BPart,
    slots: &[BrokerIdx],
    rack_of: &[usize],
    e_c: i32,
    l_c: i32,
    x: BrokerIdx,
    y: BrokerIdx,
) -> Option<usize> {
    if slots.contains(&x) {
        return None;
    }
    let yi = slots.iter().position(|&b| b == y)?;
    (rack_ok(part, slots, rack_of, yi, x) && e_c + move_delta(part, y, x) <= 0 && l_c + leader_delta(part, y, x) <= 0)
        .then_some(yi)
}

/// Partitions by key `K` (ordered), per topic `t`: `added[(b, t)]` those the
/// plan adds to broker `b`, `kept[(b, t)]` those on `b` before and after,
/// `left[(x, y, t)]` those that left `x` and are on `y`.
pub(crate) struct Partners<K> {
    added: HashMap<(BrokerIdx, u32), BTreeSet<K>>,
    kept: HashMap<(BrokerIdx, u32), BTreeSet<K>>,
    left: HashMap<(BrokerIdx, BrokerIdx, u32), BTreeSet<K>>,
}

impl<K: Ord + Copy> Partners<K> {
    pub(crate) fn new() -> Self {
        Partners { added: HashMap::new(), kept: HashMap::new(), left: HashMap::new() }
    }

    /// Adds (or removes) `key` for `part` placed on `slots`.
    pub(crate) fn edit(&mut self, part: &BPart, slots: &[BrokerIdx], key: K, insert: bool) {
        let t = part.topic;
        let edit = |set: &mut BTreeSet<K>| {
            if insert {
                set.insert(key);
            } else {
                set.remove(&key);
            }
        };
        for &b in slots {
            let map = if part.orig.contains(&b) { &mut self.kept } else { &mut self.added };
            edit(map.entry((b, t)).or_default());
        }
        for &x in part.orig.iter().filter(|&&x| !x.is_empty() && !slots.contains(&x)) {
            for &b in slots {
                edit(self.left.entry((x, b, t)).or_default());
            }
        }
    }

    /// Partitions of topic `t` on `y` that can go to `x` without the
    /// exchange adding a move, for a `c` whose own move changes by `e_c`: a
    /// `c` returning to an original broker pairs with anyone; a re-routed `c`
    /// with a partner added to `y` or returning to `x`; a `c` leaving an
    /// original broker only with one that returns to `x` from an added `y`.
    pub(crate) fn sets(&self, e_c: i32, x: BrokerIdx, y: BrokerIdx, t: u32) -> [Option<&BTreeSet<K>>; 2] {
        let on_y = (y, t);
        let left = self.left.get(&(x, y, t));
        match e_c {
            i32::MIN..=-1 => [self.added.get(&on_y), self.kept.get(&on_y)],
            0 => [self.added.get(&on_y), left],
            _ => [left, None],
        }
    }
}
