//! What the exchange passes ([`super::spread`], [`super::bytes`]) share: the
//! rules an exchange must keep and the index of partners that keep the move
//! count. An exchange: partition `c` on `x` takes `y`, partition `q` on `y`
//! takes `x`.

use super::dense::{move_delta, part_key, topic_count, BPart, BitRows, BrokerIdx, Slots};

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

/// The original target brokers `part` is no longer on when placed on `slots`.
fn left_brokers<'a>(part: &'a BPart, slots: &'a [BrokerIdx]) -> impl Iterator<Item = BrokerIdx> + 'a {
    part.orig.iter().copied().filter(|&x| !x.is_empty() && !slots.contains(&x))
}

/// The racks (`0..ROOM_RACKS`) in which `part`, placed on `slots`, holds its rack limit, as bits.
fn full_racks(part: &BPart, slots: &[BrokerIdx], rack_of: &[usize]) -> u64 {
    let mut mask = 0u64;
    for &b in slots {
        let k = rack_of[b];
        if k < ROOM_RACKS && slots.iter().filter(|&&o| rack_of[o] == k).count() >= part.h {
            mask |= 1 << k;
        }
    }
    mask
}

/// The non-empty sets of a per-topic slice, with their topic.
fn non_empty<'a, K: 'a>(per_topic: impl Iterator<Item = &'a SortedSet<K>>) -> impl Iterator<Item = (u32, &'a [K])> {
    per_topic.zip(0u32..).filter(|(set, _)| !set.is_empty()).map(|(set, t)| (t, &set.0[..]))
}

/// The keys of a sorted slice from `key` on, in order.
pub(crate) fn keys_from<'a, K: Ord>(keys: &'a [K], key: &K) -> &'a [K] {
    &keys[keys.partition_point(|k| k < key)..]
}

/// The keys of a sorted slice below `key`, in order.
pub(crate) fn keys_below<'a, K: Ord>(keys: &'a [K], key: &K) -> &'a [K] {
    &keys[..keys.partition_point(|k| k < key)]
}

/// An ordered set as a sorted vector. The partner sets hold few keys each (a topic's partitions on
/// one broker: 6 on average in the 100k × 50 benchmark), where B-tree nodes cost more to build,
/// search and free.
pub(crate) struct SortedSet<K>(Vec<K>);

impl<K> Default for SortedSet<K> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<K> SortedSet<K> {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, K> {
        self.0.iter()
    }
}

impl<K: Ord + Copy> SortedSet<K> {
    fn insert(&mut self, key: K) {
        if let Err(at) = self.0.binary_search(&key) {
            self.0.insert(at, key);
        }
    }

    fn remove(&mut self, key: &K) {
        if let Ok(at) = self.0.binary_search(key) {
            self.0.remove(at);
        }
    }
}

/// Sets of keys per broker as two parallel vectors sorted by (broker, key): the partitions of
/// one topic that left one broker, by the broker they are on now (a handful), searched and edited
/// millions of times; a map of sets costs an allocation per set and more cache misses to search,
/// edit and free.
struct BrokerSets<K> {
    brokers: Vec<BrokerIdx>,
    keys: Vec<K>,
}

impl<K> Default for BrokerSets<K> {
    fn default() -> Self {
        BrokerSets { brokers: Vec::new(), keys: Vec::new() }
    }
}

impl<K: Ord + Copy> BrokerSets<K> {
    /// Where broker `b`'s keys are (an empty range where they would be when it has none).
    fn range(&self, b: BrokerIdx) -> std::ops::Range<usize> {
        let start = self.brokers.partition_point(|&u| u < b);
        let len = self.brokers[start..].iter().take_while(|&&u| u == b).count();
        start..start + len
    }

    /// Broker `b`'s keys, in order.
    fn get(&self, b: BrokerIdx) -> &[K] {
        &self.keys[self.range(b)]
    }

    /// Inserts `key` into broker `b`'s set; whether the set was empty before.
    fn insert(&mut self, b: BrokerIdx, key: K) -> bool {
        let range = self.range(b);
        let was_empty = range.is_empty();
        if let Err(at) = self.keys[range.clone()].binary_search(&key) {
            self.brokers.insert(range.start + at, b);
            self.keys.insert(range.start + at, key);
        }
        was_empty
    }

    /// Removes `key` from broker `b`'s set; whether the set is empty now (and was not).
    fn remove(&mut self, b: BrokerIdx, key: &K) -> bool {
        let range = self.range(b);
        let Ok(at) = self.keys[range.clone()].binary_search(key) else { return false };
        self.brokers.remove(range.start + at);
        self.keys.remove(range.start + at);
        range.len() == 1
    }
}

impl<'a, K> IntoIterator for &'a SortedSet<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Partitions by key `K` (ordered), per topic `t`: `added[(b, t)]` those the
/// plan adds to broker `b`, `kept[(b, t)]` those on `b` before and after,
/// `left[(x, t)][y]` those that left `x` and are on `y`. Dense per broker
/// (and topic), no hashing: the exchange searches look these up millions of
/// times. `left_topics[(x, y)]` marks the topics `t` whose `left[(x, t)][y]` is not
/// empty (a bit each), because a partition that leaves an original broker can only pair
/// with one that returns to it ([`Partners::sets`]): the topic search then
/// looks only at the few topics that have such partitions, not at every
/// topic on `y`. The brokers of `left[(x, t)]` are the only brokers a partition of `t`
/// leaving `x` can go to ([`Partners::left_to`]).
pub(crate) struct Partners<K> {
    brokers: usize,
    added: Vec<SortedSet<K>>,
    kept: Vec<SortedSet<K>>,
    left: Vec<BrokerSets<K>>,
    /// Row `x * brokers + y`, column `t`: `left[(x, t)][y]` is not empty.
    left_topics: BitRows,
    /// Row `t`, column `b`: `added[(b, t)]` is not empty. The topic search asks, for one broker
    /// pair, which of a thousand topics have movers; the byte search, which brokers the plan added
    /// a topic's partitions to.
    added_to: BitRows,
}

impl<K: Ord + Copy> Partners<K> {
    /// Empty sets for target brokers `0..brokers` and topics `0..topics`.
    pub(crate) fn new(brokers: usize, topics: usize) -> Self {
        Partners {
            brokers,
            added: (0..brokers * topics).map(|_| SortedSet::default()).collect(),
            kept: (0..brokers * topics).map(|_| SortedSet::default()).collect(),
            left: (0..brokers * topics).map(|_| BrokerSets::default()).collect(),
            left_topics: BitRows::new(brokers * brokers, topics),
            added_to: BitRows::new(topics, brokers),
        }
    }

    /// Where the sets of (broker `b`, topic `t`) are: a topic's sets on every broker side by side,
    /// because the byte search looks up one topic's sets on every broker in turn.
    fn on(&self, b: BrokerIdx, t: u32) -> usize {
        t as usize * self.brokers + b.index()
    }

    /// The row of `left_topics` for the pair `(x, y)`.
    fn pair(&self, x: BrokerIdx, y: BrokerIdx) -> usize {
        x.index() * self.brokers + y.index()
    }

    /// Adds (or removes) `key` for `part` placed on `slots`.
    pub(crate) fn edit(&mut self, part: &BPart, slots: &[BrokerIdx], key: K, insert: bool) {
        for &b in slots {
            self.edit_on(part, b, key, insert);
        }
        for x in left_brokers(part, slots) {
            for &b in slots {
                self.edit_left(part.topic, x, b, key, insert);
            }
        }
    }

    /// Moves `key` of `part` from its place on `before` to its place on `after` (the same
    /// brokers but one): only the sets that differ change (an exchange changes one replica of a
    /// partition; removing and adding it everywhere cost three times as many set edits).
    pub(crate) fn replace(&mut self, part: &BPart, before: &[BrokerIdx], after: &[BrokerIdx], key: K) {
        for &b in before.iter().filter(|b| !after.contains(b)) {
            self.edit_on(part, b, key, false);
        }
        for &b in after.iter().filter(|b| !before.contains(b)) {
            self.edit_on(part, b, key, true);
        }
        // An original broker `part` left is still left (is left already) when `after` (`before`)
        // does not hold it either.
        for x in left_brokers(part, before) {
            let still_left = !after.contains(&x);
            for &b in before.iter().filter(|b| !(still_left && after.contains(b))) {
                self.edit_left(part.topic, x, b, key, false);
            }
        }
        for x in left_brokers(part, after) {
            let was_left = !before.contains(&x);
            for &b in after.iter().filter(|b| !(was_left && before.contains(b))) {
                self.edit_left(part.topic, x, b, key, true);
            }
        }
    }

    /// Adds (or removes) `key` for `part` on broker `b` (kept or added).
    fn edit_on(&mut self, part: &BPart, b: BrokerIdx, key: K, insert: bool) {
        let e = self.on(b, part.topic);
        let held = part.held(b);
        let set = if held { &mut self.kept[e] } else { &mut self.added[e] };
        if insert {
            set.insert(key);
        } else {
            set.remove(&key);
        }
        if !held {
            self.added_to.set(part.topic as usize, b.index(), !self.added[e].is_empty());
        }
    }

    /// The first broker from index `from` on that the plan added a partition of topic `t` to.
    pub(crate) fn next_added(&self, t: u32, from: usize) -> Option<BrokerIdx> {
        self.added_to.next_one(t as usize, from).map(BrokerIdx::new)
    }

    /// Adds (or removes) `key` of topic `t` to the partitions that left `x` and are on `b`.
    fn edit_left(&mut self, t: u32, x: BrokerIdx, b: BrokerIdx, key: K, insert: bool) {
        let (x_t, pair) = (self.on(x, t), self.pair(x, b));
        if insert {
            if self.left[x_t].insert(b, key) {
                self.left_topics.insert(pair, t as usize);
            }
        } else if self.left[x_t].remove(b, &key) {
            self.left_topics.remove(pair, t as usize);
        }
    }

    /// Partitions of topic `t` on `y` that can go to `x` without the
    /// exchange adding a move, for a `c` whose own move changes by `e_c`: a
    /// `c` returning to an original broker pairs with anyone; a re-routed `c`
    /// with a partner added to `y` or returning to `x`; a `c` leaving an
    /// original broker only with one that returns to `x` from an added `y`.
    pub(crate) fn sets(&self, e_c: i32, x: BrokerIdx, y: BrokerIdx, t: u32) -> [&[K]; 2] {
        let on_y = self.on(y, t);
        let left = self.left[self.on(x, t)].get(y);
        let added = self.added.get(on_y).map_or(&[][..], |set| &set.0[..]);
        match e_c {
            i32::MIN..=-1 => [added, self.kept.get(on_y).map_or(&[][..], |set| &set.0[..])],
            0 => [added, left],
            _ => [left, &[]],
        }
    }

    /// The brokers `y` (in order) holding a partition of topic `t` that left `x`: the only
    /// brokers a partition of `t` leaving its original broker `x` can go to ([`Partners::sets`]:
    /// it pairs only with such a partition), a broker once per such partition.
    pub(crate) fn left_to(&self, x: BrokerIdx, t: u32) -> &[BrokerIdx] {
        &self.left[self.on(x, t)].brokers
    }

    /// Every set [`Partners::sets`] gives for `(e_c, x, y)` over all topics, with its topic (a
    /// topic may come twice). Without the topics that have none: for a `c` leaving an original
    /// broker, only the few topics with partitions that left `x` for `y`.
    pub(crate) fn candidates(&self, e_c: i32, x: BrokerIdx, y: BrokerIdx) -> impl Iterator<Item = (u32, &[K])> {
        let step = self.brokers.max(1);
        let added = (e_c <= 0).then(|| non_empty(self.added.iter().skip(y.index()).step_by(step)));
        let kept = (e_c < 0).then(|| non_empty(self.kept.iter().skip(y.index()).step_by(step)));
        let left = (e_c >= 0).then(|| {
            let topics = self.left_topics.ones(self.pair(x, y)).map(|t| t as u32);
            topics.map(move |t| (t, self.left[self.on(x, t)].get(y)))
        });
        added.into_iter().flatten().chain(kept.into_iter().flatten()).chain(left.into_iter().flatten())
    }

    /// The partitions of topic `t` on `x` that can leave it for `y` without adding a move: those
    /// the plan adds to `x`, and those that left `y` for `x`.
    pub(crate) fn movers(&self, x: BrokerIdx, y: BrokerIdx, t: u32) -> impl Iterator<Item = &K> {
        let left = self.left[self.on(y, t)].get(x);
        self.added[self.on(x, t)].iter().chain(left)
    }

    /// Whether [`Partners::movers`] of `(x, y, t)` has any partition, from two bits (without
    /// reading the sets).
    pub(crate) fn has_movers(&self, x: BrokerIdx, y: BrokerIdx, t: u32) -> bool {
        self.added_to.contains(t as usize, x.index()) || self.left_topics.contains(self.pair(y, x), t as usize)
    }

    /// The partitions of topic `t` on broker `b` (those the plan keeps there, then those it adds).
    pub(crate) fn on_broker(&self, b: BrokerIdx, t: u32) -> impl Iterator<Item = &K> {
        let e = self.on(b, t);
        self.kept[e].iter().chain(self.added[e].iter())
    }
}

/// What both exchange passes share over every call of [`super::spread::refine`] and
/// [`super::bytes::refine`] of one plan: the partner indexes, filled on first use and then kept
/// up to date by every exchange of either pass (they were rebuilt, and dropped, on every call),
/// and what the exchanges changed and when, by a clock that counts them, with when each search
/// last found nothing. A search whose inputs no exchange changed since it found
/// nothing would find nothing again, so the passes skip it: the placement alternates the two
/// passes until neither finds anything, and the last rounds make a handful of exchanges over a
/// few brokers (they re-searched all 100k partitions and 2,450 broker pairs each time).
pub(crate) struct Exchanges {
    /// Partners by partition index (the topic pass); filled when `key_filled`.
    pub by_key: Partners<u32>,
    key_filled: bool,
    /// Per planned partition (filled with `by_key`): bit `k` set when it holds its rack limit
    /// (`h`) in rack `k` (racks `0..ROOM_RACKS`; beyond, no bit), so it cannot take a broker of
    /// rack `k` for one of another rack ([`Exchanges::rack_full`]).
    full_racks: Vec<u64>,
    /// Rack of each target broker (given with `by_key`).
    rack_of: Vec<usize>,
    /// `room[b * room_racks + k]` (filled with `by_key`, racks `0..room_racks`, at most
    /// `ROOM_RACKS`): how many partitions on broker `b` do not hold their rack limit in rack `k`.
    /// None (0) means no partition on `b` can take a broker of `k` from another rack: the topic
    /// search skips such a pair whole ([`Exchanges::no_room`]). When all new brokers join one
    /// rack, every partition ends with a replica there, and the pairs into that rack were most of
    /// the search.
    room: Vec<u32>,
    room_racks: usize,
    /// Partners by (size, partition index) (the byte pass); filled when `size_filled`.
    pub by_size: Partners<(u64, u32)>,
    size_filled: bool,
    clock: u64,
    topics: usize,
    /// Per broker: the last exchange that changed a replica set holding it.
    broker: Vec<u64>,
    /// Per broker: the last exchange that changed its bytes (the two exchange brokers).
    bytes: Vec<u64>,
    /// Per (broker, topic), `broker * topics + topic`: the last exchange that changed a replica
    /// set of the topic holding the broker (before or after).
    on: Vec<u64>,
    /// Per ordered broker pair `x * B + y`: the clock when the topic search of the pair last
    /// found nothing.
    pub pair_idle: Vec<Option<u64>>,
    /// Per planned partition: the clock when the byte search from it last found nothing.
    pub part_idle: Vec<Option<u64>>,
    /// `(clock, broker, topic)` for each `on` change, `(clock, broker, BYTES)` for each `bytes`
    /// change, in clock order: what changed after a time, without looking at every broker.
    events: Vec<(u64, BrokerIdx, u32)>,
}

/// Racks `0..ROOM_RACKS` have a bit in a partition's full racks (one word) and can have a count
/// in `Exchanges::room`; beyond, the searches read the replica lists.
const ROOM_RACKS: usize = u64::BITS as usize;

/// The topic of an [`Exchanges`] event that changed a broker's bytes.
const BYTES: u32 = u32::MAX;

impl Exchanges {
    /// Nothing changed and nothing searched yet, for `brokers` target brokers and `parts`.
    pub(crate) fn new(brokers: usize, parts: &[BPart]) -> Self {
        let topics = topic_count(parts);
        Exchanges {
            by_key: Partners::new(brokers, topics),
            key_filled: false,
            full_racks: Vec::new(),
            rack_of: Vec::new(),
            room: Vec::new(),
            room_racks: 0,
            by_size: Partners::new(brokers, topics),
            size_filled: false,
            clock: 0,
            topics,
            broker: vec![0; brokers],
            bytes: vec![0; brokers],
            on: vec![0; brokers * topics],
            pair_idle: vec![None; brokers * brokers],
            part_idle: vec![None; parts.len()],
            events: Vec::new(),
        }
    }

    /// Fills the partner index by partition index, and the full racks, from `slots` (brokers in
    /// racks `rack_of`) unless they are.
    pub(crate) fn fill_by_key(&mut self, parts: &[BPart], slots: &Slots, rack_of: &[usize]) {
        if !self.key_filled {
            self.rack_of = rack_of.to_vec();
            self.room_racks = rack_of.iter().map(|&k| k + 1).max().unwrap_or(0).min(ROOM_RACKS);
            self.room = vec![0; rack_of.len() * self.room_racks];
            for (p, part) in parts.iter().enumerate() {
                self.by_key.edit(part, &slots[p], part_key(p), true);
                let full = full_racks(part, &slots[p], rack_of);
                self.full_racks.push(full);
                self.count_room(&slots[p], full, true);
            }
            self.key_filled = true;
        }
    }

    /// Whether partition `p`, on a broker of rack `kx`, cannot take a broker of another rack
    /// `ky` under the rack rule, known from its full racks alone (false when they cannot tell, or
    /// are not filled). The topic search rules out most of its candidates by this, without
    /// reading their replica lists.
    pub(crate) fn rack_full(&self, p: usize, kx: usize, ky: usize) -> bool {
        kx != ky && ky < ROOM_RACKS && self.full_racks.get(p).is_some_and(|&mask| (mask >> ky) & 1 == 1)
    }

    /// Whether no partition on broker `x` (of rack `kx`) can take a broker of another rack `ky`
    /// under the rack rule: every one holds its limit in `ky` (false when that is not known).
    pub(crate) fn no_room(&self, x: BrokerIdx, kx: usize, ky: usize) -> bool {
        kx != ky && ky < self.room_racks && self.room.get(x.index() * self.room_racks + ky).is_some_and(|&n| n == 0)
    }

    /// Counts (or uncounts) a partition on `slots` whose full racks are `full` in `room`.
    fn count_room(&mut self, slots: &[BrokerIdx], full: u64, add: bool) {
        for &b in slots {
            for k in (0..self.room_racks).filter(|&k| (full >> k) & 1 == 0) {
                let n = &mut self.room[b.index() * self.room_racks + k];
                *n = if add { *n + 1 } else { *n - 1 };
            }
        }
    }

    /// Fills the partner index by size from `slots` unless it is.
    pub(crate) fn fill_by_size(&mut self, parts: &[BPart], slots: &Slots) {
        if !self.size_filled {
            for (p, part) in parts.iter().enumerate() {
                self.by_size.edit(part, &slots[p], (part.size, part_key(p)), true);
            }
            self.size_filled = true;
        }
    }

    /// Moves partition `p` from `before` to `after` in the filled indexes.
    fn reindex(&mut self, parts: &[BPart], p: usize, before: &[BrokerIdx], after: &[BrokerIdx]) {
        if self.key_filled {
            self.by_key.replace(&parts[p], before, after, part_key(p));
            self.count_room(before, self.full_racks[p], false);
            self.full_racks[p] = full_racks(&parts[p], after, &self.rack_of);
            self.count_room(after, self.full_racks[p], true);
        }
        if self.size_filled {
            self.by_size.replace(&parts[p], before, after, (parts[p].size, part_key(p)));
        }
    }

    /// Makes the exchange: `c` (in slot `xi` on `x`) takes `y`, `q` (in slot `yi` on `y`) takes
    /// `x`; the indexes and the log follow.
    pub(crate) fn exchange(
        &mut self,
        parts: &[BPart],
        slots: &mut Slots,
        (c, xi): (usize, usize),
        (q, yi): (usize, usize),
    ) {
        let (x, y) = (slots[c][xi], slots[q][yi]);
        self.record(parts, (c, &slots[c]), (q, &slots[q]), x, y);
        for (p, si, to) in [(c, xi, y), (q, yi, x)] {
            let before = slots[p].to_vec();
            slots[p][si] = to;
            self.reindex(parts, p, &before, &slots[p]);
        }
    }

    /// The clock now (a search that finds nothing records it).
    pub(crate) fn now(&self) -> u64 {
        self.clock
    }

    /// Records the exchange of `c` (on `c_slots`) leaving `x` for `y` and `q` (on `q_slots`)
    /// leaving `y` for `x`, before it is made.
    fn record(
        &mut self,
        parts: &[BPart],
        (c, c_slots): (usize, &[BrokerIdx]),
        (q, q_slots): (usize, &[BrokerIdx]),
        x: BrokerIdx,
        y: BrokerIdx,
    ) {
        self.clock += 1;
        let now = self.clock;
        for b in [x, y] {
            self.bytes[b] = now;
            self.events.push((now, b, BYTES));
        }
        for (p, slots) in [(c, c_slots), (q, q_slots)] {
            let t = parts[p].topic;
            for &b in slots.iter().chain([x, y].iter()) {
                self.broker[b] = now;
                self.on[b.index() * self.topics + t as usize] = now;
                self.events.push((now, b, t));
            }
        }
    }

    /// Whether the topic search of `(x, y)` found nothing at `idle` and no exchange touched either
    /// broker since.
    pub(crate) fn pair_unchanged(&self, x: BrokerIdx, y: BrokerIdx, idle: u64) -> bool {
        self.broker[x] <= idle && self.broker[y] <= idle
    }

    /// The brokers (in order, into `out`) whose bytes or partitions of topic `t` an exchange
    /// changed after `idle`: what a byte search of a partition of `t` that found nothing at
    /// `idle` must look at again.
    pub(crate) fn changed_since(&self, t: u32, idle: u64, out: &mut Vec<BrokerIdx>) {
        out.clear();
        let since = &self.events[self.events.partition_point(|&(at, _, _)| at <= idle)..];
        if since.len() <= self.broker.len() {
            out.extend(since.iter().filter(|&&(_, _, u)| u == t || u == BYTES).map(|&(_, b, _)| b));
            out.sort_unstable();
            out.dedup();
        } else {
            let on = |b: BrokerIdx| self.on[b.index() * self.topics + t as usize];
            out.extend(BrokerIdx::all(self.broker.len()).filter(|&b| self.bytes[b] > idle || on(b) > idle));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::dense::{brokers, placement, unsized_part as part};

    fn b(i: usize) -> BrokerIdx {
        BrokerIdx::new(i)
    }

    /// Keys grouped by broker, in order; insert tells when a broker's set was empty, remove when
    /// it becomes empty.
    #[test]
    fn broker_sets_group_keys_by_broker() {
        let mut sets: BrokerSets<u32> = BrokerSets::default();
        assert!(sets.insert(b(3), 7));
        assert!(!sets.insert(b(3), 2));
        assert!(!sets.insert(b(3), 7));
        assert!(sets.insert(b(1), 9));
        assert_eq!(sets.get(b(3)), &[2, 7]);
        assert_eq!(sets.get(b(1)), &[9]);
        assert_eq!(sets.get(b(2)), &[] as &[u32]);
        assert_eq!(sets.brokers, brokers(&[1, 3, 3]));
        assert!(!sets.remove(b(3), &7));
        assert!(!sets.remove(b(3), &5));
        assert!(sets.remove(b(3), &2));
        assert!(!sets.remove(b(3), &2));
        assert_eq!(sets.brokers, brokers(&[1]));
    }

    /// Partition 0 of topic 3 left broker 0 for broker 2 (still on 1): it is in the sets of a
    /// partition leaving 0 for 2 and of one leaving 0 for 1, topic 3 is the pair's one candidate,
    /// 1 and 2 the brokers it left 0 for; back home, all of it is gone.
    #[test]
    fn partners_follow_a_partition_that_left() {
        let parts: Vec<BPart> = (0..4).map(|t| part(t, &[0, 1])).collect();
        let mut index: Partners<u32> = Partners::new(3, 4);
        index.edit(&parts[3], &brokers(&[2, 1]), 0, true);
        assert_eq!(index.sets(1, b(0), b(2), 3), [&[0][..], &[]]);
        assert_eq!(index.sets(1, b(0), b(1), 3), [&[0][..], &[]]);
        assert_eq!(index.sets(1, b(0), b(2), 2), [&[] as &[u32], &[]]);
        assert_eq!(index.candidates(1, b(0), b(2)).collect::<Vec<_>>(), vec![(3, &[0][..])]);
        assert_eq!(index.left_to(b(0), 3), &brokers(&[1, 2])[..]);
        assert_eq!(index.movers(b(2), b(0), 3).copied().collect::<Vec<_>>(), vec![0, 0]);
        let movers_known = |index: &Partners<u32>| {
            for (x, y, t) in (0..3).flat_map(|x| (0..3).flat_map(move |y| (0..4).map(move |t| (x, y, t)))) {
                assert_eq!(
                    index.has_movers(b(x), b(y), t),
                    index.movers(b(x), b(y), t).next().is_some(),
                    "{x} {y} {t}"
                );
            }
        };
        movers_known(&index);
        assert!(index.has_movers(b(2), b(0), 3) && index.has_movers(b(1), b(0), 3));
        index.replace(&parts[3], &brokers(&[2, 1]), &brokers(&[0, 1]), 0);
        assert_eq!(index.sets(1, b(0), b(2), 3), [&[] as &[u32], &[]]);
        assert_eq!(index.candidates(1, b(0), b(2)).count(), 0);
        assert_eq!(index.left_to(b(0), 3), &[] as &[BrokerIdx]);
        assert_eq!(index.on_broker(b(0), 3).copied().collect::<Vec<_>>(), vec![0]);
        movers_known(&index);
        assert!(!index.has_movers(b(2), b(0), 3));
    }

    /// Brokers 0, 1 in rack 0, 2 in rack 1, one replica per rack: partition 0 (on 0) fills rack 0
    /// only, so it may go to rack 1; after the exchange (on 2) it fills rack 1 and may not come
    /// back to it from rack 0. Within a rack the bits never rule a broker out.
    #[test]
    fn full_racks_follow_the_exchanges() {
        let parts = vec![part(0, &[0]), part(1, &[2])];
        let mut slots = placement(&[&[0], &[2]]);
        let mut shared = Exchanges::new(3, &parts);
        assert!(!shared.rack_full(0, 0, 1));
        shared.fill_by_key(&parts, &slots, &[0, 0, 1]);
        assert!(!shared.rack_full(0, 0, 1));
        assert!(shared.rack_full(1, 0, 1));
        assert!(!shared.rack_full(1, 1, 1));
        shared.exchange(&parts, &mut slots, (0, 0), (1, 0));
        assert!(shared.rack_full(0, 0, 1));
        assert!(!shared.rack_full(1, 0, 1));
        assert!(shared.rack_full(1, 1, 0));
    }

    /// An exchange of topic 0's partition on broker 0 with topic 1's on broker 1 (partition 2 of
    /// topic 0 on broker 2 untouched): both exchange brokers' bytes changed for every topic, the
    /// partitions of each topic on the brokers its exchanged partition was on before or after;
    /// nothing after the exchange. Ten brokers (7 empty): one exchange's 8 events are read from
    /// the event list, three exchanges' 24 from the per-broker stamps; the same answers.
    #[test]
    fn changed_since_names_what_the_exchange_changed() {
        let parts = vec![part(0, &[0]), part(1, &[1]), part(0, &[2])];
        let mut slots = placement(&[&[0], &[1], &[2]]);
        let mut shared = Exchanges::new(10, &parts);
        shared.fill_by_key(&parts, &slots, &[0; 10]);
        let before = shared.now();
        shared.exchange(&parts, &mut slots, (0, 0), (1, 0));
        assert_eq!(slots, placement(&[&[1], &[0], &[2]]));
        let mut out = Vec::new();
        shared.changed_since(0, before, &mut out);
        assert_eq!(out, brokers(&[0, 1]));
        shared.changed_since(0, shared.now(), &mut out);
        assert_eq!(out, brokers(&[]));
        assert!(shared.pair_unchanged(BrokerIdx::new(2), BrokerIdx::new(2), before));
        assert!(!shared.pair_unchanged(BrokerIdx::new(0), BrokerIdx::new(2), before));
        // Two more exchanges (back, and again): more events than brokers.
        shared.exchange(&parts, &mut slots, (0, 0), (1, 0));
        shared.exchange(&parts, &mut slots, (0, 0), (1, 0));
        assert_eq!(shared.events.len(), 24);
        shared.changed_since(1, before, &mut out);
        assert_eq!(out, brokers(&[0, 1]));
        // The index followed: topic 1's partition is on broker 0 again after three swaps.
        assert_eq!(shared.by_key.on_broker(BrokerIdx::new(0), 1).copied().collect::<Vec<_>>(), vec![1]);
    }
}
