//! The dense form the placement phases work on: target brokers as indices `0..B` (target brokers
//! sorted by id) and planned partitions as [`BPart`] (sorted by topic, then partition). Shared by
//! the placement ([`super::balance`]) and the exchange passes ([`super::exchange`]).

use std::collections::BTreeMap;
use std::ops::{Index, IndexMut};

use super::input::RackKey;
use super::model::ClusterState;

/// A target broker as a dense index `0..B`, or [`BrokerIdx::EMPTY`]. Per-broker vectors
/// (`rack_of`, counts, bytes) are indexed by it directly (`rack_of[b]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct BrokerIdx(u32);

impl BrokerIdx {
    /// No target broker: an empty slot (a replica still to place), or an original replica on a
    /// broker that is not a target.
    pub(crate) const EMPTY: BrokerIdx = BrokerIdx(u32::MAX);

    /// The broker at dense index `index` (`EMPTY` beyond `u32`, far above any broker count).
    pub(crate) fn new(index: usize) -> BrokerIdx {
        BrokerIdx(u32::try_from(index).unwrap_or(u32::MAX))
    }

    /// Position in per-broker vectors and in the `B x B` matrices (`x.index() * B + y.index()`).
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    pub(crate) fn is_empty(self) -> bool {
        self == BrokerIdx::EMPTY
    }

    /// The brokers `0..n` in order.
    pub(crate) fn all(n: usize) -> impl DoubleEndedIterator<Item = BrokerIdx> + Clone {
        (0..n).map(BrokerIdx::new)
    }
}

impl<T> Index<BrokerIdx> for [T] {
    type Output = T;
    fn index(&self, b: BrokerIdx) -> &T {
        &self[b.index()]
    }
}

impl<T> IndexMut<BrokerIdx> for [T] {
    fn index_mut(&mut self, b: BrokerIdx) -> &mut T {
        &mut self[b.index()]
    }
}

impl<T> Index<BrokerIdx> for Vec<T> {
    type Output = T;
    fn index(&self, b: BrokerIdx) -> &T {
        &self[b.index()]
    }
}

impl<T> IndexMut<BrokerIdx> for Vec<T> {
    fn index_mut(&mut self, b: BrokerIdx) -> &mut T {
        &mut self[b.index()]
    }
}

/// The target brokers in dense form: dense index of each id, racks as indices `0..K` (in
/// [`RackKey`] order).
pub(crate) struct TargetLayout {
    /// Broker id of each dense index (sorted, distinct: a broker's position is found by binary
    /// search, cheaper than hashing for the few target brokers).
    ids: Vec<i32>,
    /// Target brokers (dense) of each rack.
    pub rack_members: Vec<Vec<usize>>,
    /// Rack of each target broker.
    pub rack_of: Vec<usize>,
    /// `cap_k`: number of target brokers in each rack.
    pub caps: Vec<usize>,
}

impl TargetLayout {
    /// The layout of `targets` (sorted broker ids).
    pub(crate) fn new(state: &ClusterState, targets: &[i32]) -> TargetLayout {
        let broker_by_id = super::brokers_by_id(state);
        let mut rack_index: BTreeMap<RackKey, Vec<usize>> = BTreeMap::new();
        for (i, id) in targets.iter().enumerate() {
            let key = broker_by_id.get(id).map(|b| RackKey::of(b)).unwrap_or(RackKey::Own(*id));
            rack_index.entry(key).or_default().push(i);
        }
        let rack_members: Vec<Vec<usize>> = rack_index.into_values().collect();
        let mut rack_of = vec![0usize; targets.len()];
        for (k, m) in rack_members.iter().enumerate() {
            for &b in m {
                rack_of[b] = k;
            }
        }
        TargetLayout { ids: targets.to_vec(), caps: rack_members.iter().map(Vec::len).collect(), rack_members, rack_of }
    }

    /// `B`, the number of target brokers.
    pub(crate) fn broker_count(&self) -> usize {
        self.ids.len()
    }

    /// `K`, the number of racks of the target brokers.
    pub(crate) fn rack_count(&self) -> usize {
        self.caps.len()
    }

    /// Dense position of broker `id`, if it is a target.
    pub(crate) fn position(&self, id: i32) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// Broker `id` in dense form (`EMPTY` when it is not a target).
    pub(crate) fn idx(&self, id: i32) -> BrokerIdx {
        self.position(id).map_or(BrokerIdx::EMPTY, BrokerIdx::new)
    }

    /// The broker id of a dense broker.
    pub(crate) fn id(&self, b: BrokerIdx) -> i32 {
        self.ids[b]
    }
}

/// One planned partition in dense form.
pub(crate) struct BPart {
    pub topic: u32,
    /// Size of one replica in bytes (0 when unknown).
    pub size: u64,
    pub size_known: bool,
    /// Original replicas as target brokers (`EMPTY` for a replica on a non-target broker), in
    /// original order.
    pub orig: Replicas,
    /// Replication factor wanted at the end.
    pub rf: usize,
    /// At most this many replicas per rack.
    pub h: usize,
}

impl BPart {
    /// Did broker `b` hold this partition before the plan?
    pub(crate) fn held(&self, b: BrokerIdx) -> bool {
        self.orig.contains(&b)
    }
}

/// The planned partitions' replica lists in one flat array, partition `p`'s at
/// `brokers[start[p]..start[p + 1]]` (`slots[p]` is that slice). The exchange passes read the
/// lists of millions of candidate partitions; one array instead of a `Vec` each saves a
/// dependent load (and a cache miss) per look-up, and one allocation per partition. The lists
/// keep their lengths: an exchange replaces a broker in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slots {
    brokers: Vec<BrokerIdx>,
    start: Vec<u32>,
}

impl Slots {
    /// No lists yet, room for `lists` lists of `brokers` brokers in all ([`Slots::push`]).
    pub(crate) fn with_capacity(lists: usize, brokers: usize) -> Slots {
        let mut start = Vec::with_capacity(lists + 1);
        start.push(0);
        Slots { brokers: Vec::with_capacity(brokers), start }
    }

    /// Appends a list after the others.
    pub(crate) fn push(&mut self, list: &[BrokerIdx]) {
        self.brokers.extend_from_slice(list);
        self.start.push(u32::try_from(self.brokers.len()).unwrap_or(u32::MAX));
    }

    /// The number of lists.
    pub(crate) fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// The lists in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[BrokerIdx]> + '_ {
        self.start.windows(2).map(|w| &self.brokers[w[0] as usize..w[1] as usize])
    }
}

impl Index<usize> for Slots {
    type Output = [BrokerIdx];
    fn index(&self, p: usize) -> &[BrokerIdx] {
        &self.brokers[self.start[p] as usize..self.start[p + 1] as usize]
    }
}

impl IndexMut<usize> for Slots {
    fn index_mut(&mut self, p: usize) -> &mut [BrokerIdx] {
        &mut self.brokers[self.start[p] as usize..self.start[p + 1] as usize]
    }
}

/// Up to this many brokers of a [`Replicas`] list are kept inline.
const INLINE_REPLICAS: usize = 5;

/// A short list of brokers kept inline (in the [`BPart`] itself) up to [`INLINE_REPLICAS`] long,
/// else in a vector: the exchange searches ask millions of candidate partitions whether they held
/// a broker, and a list of its own costs a cache miss more per question. Reads as a slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Replicas {
    Inline { len: u8, brokers: [BrokerIdx; INLINE_REPLICAS] },
    Heap(Vec<BrokerIdx>),
}

impl From<Vec<BrokerIdx>> for Replicas {
    fn from(list: Vec<BrokerIdx>) -> Replicas {
        match u8::try_from(list.len()) {
            Ok(len) if list.len() <= INLINE_REPLICAS => {
                let mut brokers = [BrokerIdx::EMPTY; INLINE_REPLICAS];
                brokers[..list.len()].copy_from_slice(&list);
                Replicas::Inline { len, brokers }
            }
            _ => Replicas::Heap(list),
        }
    }
}

impl FromIterator<BrokerIdx> for Replicas {
    /// Inline up to [`INLINE_REPLICAS`] brokers without a vector on the way.
    fn from_iter<I: IntoIterator<Item = BrokerIdx>>(list: I) -> Replicas {
        let mut brokers = [BrokerIdx::EMPTY; INLINE_REPLICAS];
        let mut list = list.into_iter();
        for len in 0..INLINE_REPLICAS {
            match list.next() {
                Some(b) => brokers[len] = b,
                None => return Replicas::Inline { len: len as u8, brokers },
            }
        }
        match list.next() {
            None => Replicas::Inline { len: INLINE_REPLICAS as u8, brokers },
            Some(b) => {
                let mut all = brokers.to_vec();
                all.push(b);
                all.extend(list);
                Replicas::Heap(all)
            }
        }
    }
}

impl std::ops::Deref for Replicas {
    type Target = [BrokerIdx];
    fn deref(&self) -> &[BrokerIdx] {
        match self {
            Replicas::Inline { len, brokers } => &brokers[..usize::from(*len)],
            Replicas::Heap(list) => list,
        }
    }
}

impl<'a> IntoIterator for &'a Replicas {
    type Item = &'a BrokerIdx;
    type IntoIter = std::slice::Iter<'a, BrokerIdx>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Change in moves (brokers not in the original set) when `part` replaces `from` by `to`.
pub(crate) fn move_delta(part: &BPart, from: BrokerIdx, to: BrokerIdx) -> i32 {
    i32::from(!part.held(to)) - i32::from(!part.held(from))
}

/// Number of topic ids of `parts` (topics are numbered `0..n`).
pub(crate) fn topic_count(parts: &[BPart]) -> usize {
    parts.iter().map(|p| p.topic as usize + 1).max().unwrap_or(0)
}

/// A planned partition's index as kept in sets and keys (`u32` keeps them small; the planner
/// handles far fewer than 2^32 partitions).
pub(crate) fn part_key(pi: usize) -> u32 {
    u32::try_from(pi).unwrap_or(u32::MAX)
}

/// Test shorthand: dense brokers from plain indices.
#[cfg(test)]
pub(crate) fn brokers(v: &[usize]) -> Vec<BrokerIdx> {
    v.iter().map(|&b| BrokerIdx::new(b)).collect()
}

/// Test shorthand: a placement (one broker list per partition) from plain indices.
#[cfg(test)]
pub(crate) fn placement(v: &[&[usize]]) -> Slots {
    let mut slots = Slots::with_capacity(v.len(), v.iter().map(|s| s.len()).sum());
    for s in v {
        slots.push(&brokers(s));
    }
    slots
}

/// Test shorthand: a partition of `topic` with no size on `orig` (plain indices), at most one
/// replica per rack.
#[cfg(test)]
pub(crate) fn unsized_part(topic: u32, orig: &[usize]) -> BPart {
    BPart { topic, size: 0, size_known: true, orig: brokers(orig).into(), rf: orig.len(), h: 1 }
}

/// Rows of bits in one flat vector: column `c` of row `r` is bit `c % 64` of word
/// `r * words + c / 64` (`words`: the columns / 64 rounded up). The searches ask millions of
/// "is this set empty?" and "which members?" questions of small sets (the partitions on a broker,
/// the topics that left one broker for another, the brokers a topic was added to, a broker's
/// neighbours); a bit per member, read a word at a time, answers them from cache.
#[derive(Clone)]
pub(crate) struct BitRows {
    words: usize,
    bits: Vec<u64>,
}

impl BitRows {
    /// `rows` empty rows of columns `0..columns`.
    pub(crate) fn new(rows: usize, columns: usize) -> BitRows {
        let words = columns.div_ceil(64);
        BitRows { words, bits: vec![0; rows * words] }
    }

    /// The word holding `(row, column)` and the column's bit in it.
    #[inline]
    fn at(&self, row: usize, column: usize) -> (usize, u64) {
        (row * self.words + column / 64, 1 << (column % 64))
    }

    #[inline]
    pub(crate) fn contains(&self, row: usize, column: usize) -> bool {
        let (word, bit) = self.at(row, column);
        self.bits[word] & bit != 0
    }

    #[inline]
    pub(crate) fn insert(&mut self, row: usize, column: usize) {
        let (word, bit) = self.at(row, column);
        self.bits[word] |= bit;
    }

    #[inline]
    pub(crate) fn remove(&mut self, row: usize, column: usize) {
        let (word, bit) = self.at(row, column);
        self.bits[word] &= !bit;
    }

    /// Inserts or removes `(row, column)`.
    #[inline]
    pub(crate) fn set(&mut self, row: usize, column: usize, on: bool) {
        if on {
            self.insert(row, column);
        } else {
            self.remove(row, column);
        }
    }

    /// The words of `row`.
    #[inline]
    fn row(&self, row: usize) -> &[u64] {
        &self.bits[row * self.words..(row + 1) * self.words]
    }

    /// Empties every row.
    pub(crate) fn clear(&mut self) {
        self.bits.fill(0);
    }

    /// The columns set in `row`, in increasing order.
    pub(crate) fn ones(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        self.row(row).iter().enumerate().flat_map(|(w, &word)| set_bits(word).map(move |bit| w * 64 + bit as usize))
    }

    /// The first column from `from` on set in `row`.
    pub(crate) fn next_one(&self, row: usize, from: usize) -> Option<usize> {
        let words = self.row(row);
        let (mut w, mut mask) = (from / 64, u64::MAX.checked_shl((from % 64) as u32).unwrap_or(0));
        while let Some(&word) = words.get(w) {
            let bits = word & mask;
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            (w, mask) = (w + 1, u64::MAX);
        }
        None
    }
}

/// The positions of the set bits of `word`, lowest first.
pub(crate) fn set_bits(mut word: u64) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        (word != 0).then(|| {
            let at = word.trailing_zeros();
            word &= word - 1;
            at
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of different lengths in one array: each read back as its own slice, an edit stays in
    /// its list.
    #[test]
    fn slots_keep_each_list_apart() {
        let mut slots = placement(&[&[0, 1, 2], &[], &[3], &[4, 5]]);
        assert_eq!(&slots[0], &brokers(&[0, 1, 2])[..]);
        assert!(slots[1].is_empty());
        assert_eq!(&slots[2], &brokers(&[3])[..]);
        slots[3][1] = BrokerIdx::new(9);
        assert_eq!(
            slots.iter().map(<[BrokerIdx]>::to_vec).collect::<Vec<_>>(),
            vec![brokers(&[0, 1, 2]), brokers(&[]), brokers(&[3]), brokers(&[4, 9])]
        );
    }

    /// Up to five brokers inline, six in a vector; both read as the same slice they came from.
    #[test]
    fn replicas_read_as_their_list() {
        let five = Replicas::from(brokers(&[4, 3, 2, 1, 0]));
        assert!(matches!(five, Replicas::Inline { len: 5, .. }));
        assert_eq!(&five[..], &brokers(&[4, 3, 2, 1, 0])[..]);
        let six = Replicas::from(brokers(&[0, 1, 2, 3, 4, 5]));
        assert!(matches!(six, Replicas::Heap(_)));
        assert_eq!(&six[..], &brokers(&[0, 1, 2, 3, 4, 5])[..]);
        assert_eq!((&five).into_iter().copied().collect::<Vec<_>>(), brokers(&[4, 3, 2, 1, 0]));
        // Collected straight from brokers: the same as from a vector, for every length around five.
        for n in 0..8 {
            let list = brokers(&(0..n).rev().collect::<Vec<_>>());
            assert_eq!(list.iter().copied().collect::<Replicas>(), Replicas::from(list.clone()));
        }
    }

    #[test]
    fn set_bits_lowest_first() {
        assert_eq!(set_bits(0b1010_0001).collect::<Vec<_>>(), vec![0, 5, 7]);
        assert_eq!(set_bits(1 << 63).collect::<Vec<_>>(), vec![63]);
        assert_eq!(set_bits(0).count(), 0);
    }

    /// Rows of 130 columns (three words each): a bit set in one row is in no other; `ones` and
    /// `next_one` find the columns across word boundaries, in order.
    #[test]
    fn bit_rows_keep_rows_apart_and_find_columns_across_words() {
        let mut rows = BitRows::new(3, 130);
        for c in [0, 63, 64, 129] {
            rows.insert(1, c);
        }
        rows.set(2, 5, true);
        rows.set(2, 6, true);
        rows.set(2, 5, false);
        assert_eq!(rows.ones(0).count(), 0);
        assert_eq!(rows.ones(1).collect::<Vec<_>>(), vec![0, 63, 64, 129]);
        assert_eq!(rows.ones(2).collect::<Vec<_>>(), vec![6]);
        assert!(rows.contains(1, 64) && !rows.contains(0, 64) && !rows.contains(2, 64));
        assert_eq!(rows.row(1), &[1 | 1 << 63, 1, 1 << 1]);
        let next: Vec<_> = [0, 1, 63, 64, 65, 129, 130, 200].iter().map(|&f| rows.next_one(1, f)).collect();
        assert_eq!(next, vec![Some(0), Some(63), Some(63), Some(64), Some(129), Some(129), None, None]);
        assert_eq!(rows.next_one(0, 0), None);
        rows.remove(1, 63);
        assert_eq!(rows.ones(1).collect::<Vec<_>>(), vec![0, 64, 129]);
        rows.clear();
        assert_eq!((0..3).map(|r| rows.ones(r).count()).sum::<usize>(), 0);
    }
}
