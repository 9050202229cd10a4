//! Replication throttles of a reassignment, exactly as Kafka defines them (the pure part).
//!
//! A throttle has two halves that only work together: per topic, the lists
//! `leader.replication.throttled.replicas` (`partition:broker` of the replicas that serve the
//! copy: the current replicas of each moving partition) and
//! `follower.replication.throttled.replicas` (the replicas being added); per broker, the rates
//! `leader.replication.throttled.rate` and `follower.replication.throttled.rate`. A rate on a
//! broker that no list names throttles nothing; a list entry without a rate on its broker
//! throttles nothing either. Kafka's lists may also be `*` (every replica of the topic).
//!
//! Lists are changed with IncrementalAlterConfigs APPEND/SUBTRACT so entries set by someone else
//! survive; a list that would become empty is deleted instead (an empty override would linger in
//! `kafka-configs --describe`). Clearing a broker's rate while another reassignment still uses
//! the broker would unthrottle (or, for a list entry, break) that one: rates go only when no
//! reassignment in progress has a replica on the broker.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::execution::Move;

pub const LEADER_REPLICAS: &str = "leader.replication.throttled.replicas";
pub const FOLLOWER_REPLICAS: &str = "follower.replication.throttled.replicas";
pub const LEADER_RATE: &str = "leader.replication.throttled.rate";
pub const FOLLOWER_RATE: &str = "follower.replication.throttled.rate";
/// The topic-level keys, leader first.
pub const TOPIC_KEYS: [&str; 2] = [LEADER_REPLICAS, FOLLOWER_REPLICAS];
/// The broker-level keys, leader first.
pub const BROKER_KEYS: [&str; 2] = [LEADER_RATE, FOLLOWER_RATE];

/// One `partition:broker` entry of a throttled-replicas list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ThrottledReplica {
    pub partition: i32,
    pub broker: i32,
}

impl fmt::Display for ThrottledReplica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.partition, self.broker)
    }
}

impl FromStr for ThrottledReplica {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a partition:broker entry");
        let (p, b) = s.trim().split_once(':').ok_or_else(bad)?;
        Ok(ThrottledReplica {
            partition: p.trim().parse().map_err(|_| bad())?,
            broker: b.trim().parse().map_err(|_| bad())?,
        })
    }
}

impl From<ThrottledReplica> for String {
    fn from(r: ThrottledReplica) -> String {
        r.to_string()
    }
}

impl TryFrom<String> for ThrottledReplica {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

pub type Entries = BTreeSet<ThrottledReplica>;

/// `0:1,0:2` (sorted).
pub fn format_entries(entries: &Entries) -> String {
    entries.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// The value of a throttled-replicas config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplicaList {
    /// `*`: every replica of the topic.
    All,
    Entries(Entries),
}

impl ReplicaList {
    /// Kafka's syntax: `*`, or comma-separated `partition:broker` (empty: no entries).
    pub fn parse(value: &str) -> Result<ReplicaList, String> {
        let v = value.trim();
        if v == "*" {
            return Ok(ReplicaList::All);
        }
        v.split(',')
            .filter(|e| !e.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(ReplicaList::Entries)
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, ReplicaList::Entries(e) if e.is_empty())
    }

    /// Whether some entry is on `broker` (`*` covers every broker).
    pub fn names_broker(&self, broker: i32) -> bool {
        match self {
            ReplicaList::All => true,
            ReplicaList::Entries(e) => e.iter().any(|r| r.broker == broker),
        }
    }
}

/// The two throttled-replica lists of one topic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicThrottle {
    pub leader: Entries,
    pub follower: Entries,
}

impl TopicThrottle {
    pub fn is_empty(&self) -> bool {
        self.leader.is_empty() && self.follower.is_empty()
    }

    /// The list of a key, leader or follower.
    pub fn list(&self, key: &str) -> &Entries {
        if key == LEADER_REPLICAS {
            &self.leader
        } else {
            &self.follower
        }
    }
}

/// Throttles: per topic the list entries, and the brokers that carry the rates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttles {
    pub topics: BTreeMap<String, TopicThrottle>,
    pub brokers: BTreeSet<i32>,
}

impl Throttles {
    /// What the moves need, and nothing more: for each move that copies data, its current
    /// replicas in the leader list and its added replicas in the follower list; `brokers`: every
    /// broker those entries name (each gets the rate of the lists that name it). Reorders copy
    /// nothing and need no throttle.
    pub fn for_moves<'a>(moves: impl IntoIterator<Item = &'a Move>) -> Throttles {
        let mut t = Throttles::default();
        for m in moves.into_iter().filter(|m| m.copies_data()) {
            let topic = t.topics.entry(m.topic.clone()).or_default();
            for &b in &m.current {
                topic.leader.insert(ThrottledReplica { partition: m.partition, broker: b });
                t.brokers.insert(b);
            }
            for b in m.adding() {
                topic.follower.insert(ThrottledReplica { partition: m.partition, broker: b });
                t.brokers.insert(b);
            }
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.brokers.is_empty() && self.topics.values().all(TopicThrottle::is_empty)
    }

    /// Adds `other`'s entries and brokers.
    pub fn extend(&mut self, other: &Throttles) {
        for (topic, o) in &other.topics {
            let t = self.topics.entry(topic.clone()).or_default();
            t.leader.extend(o.leader.iter().copied());
            t.follower.extend(o.follower.iter().copied());
        }
        self.brokers.extend(other.brokers.iter().copied());
        self.topics.retain(|_, t| !t.is_empty());
    }

    /// The entries and brokers of `self` that `other` does not have.
    pub fn minus(&self, other: &Throttles) -> Throttles {
        let empty = TopicThrottle::default();
        let topics = self
            .topics
            .iter()
            .map(|(topic, t)| {
                let o = other.topics.get(topic).unwrap_or(&empty);
                (
                    topic.clone(),
                    TopicThrottle {
                        leader: t.leader.difference(&o.leader).copied().collect(),
                        follower: t.follower.difference(&o.follower).copied().collect(),
                    },
                )
            })
            .filter(|(_, t)| !t.is_empty())
            .collect();
        Throttles { topics, brokers: self.brokers.difference(&other.brokers).copied().collect() }
    }

    /// Only the list entries of the given partitions (no brokers).
    pub fn entries_of(&self, partitions: &BTreeSet<(String, i32)>) -> Throttles {
        let keep = |topic: &str, e: &Entries| -> Entries {
            e.iter().copied().filter(|r| partitions.contains(&(topic.to_string(), r.partition))).collect()
        };
        let topics = self
            .topics
            .iter()
            .map(|(topic, t)| {
                (topic.clone(), TopicThrottle { leader: keep(topic, &t.leader), follower: keep(topic, &t.follower) })
            })
            .filter(|(_, t)| !t.is_empty())
            .collect();
        Throttles { topics, brokers: BTreeSet::new() }
    }
}

/// A change to one throttled-replicas list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "entries", rename_all = "snake_case")]
pub enum ListEdit {
    Append(Entries),
    Subtract(Entries),
    /// Remove the override altogether.
    Delete,
}

/// What to append so the list holds `wanted`: the entries it lacks. Nothing when it is `*`
/// (Kafka rejects `*` mixed with entries, and `*` already throttles every replica).
pub fn append_edit(existing: &ReplicaList, wanted: &Entries) -> Option<ListEdit> {
    match existing {
        ReplicaList::All => None,
        ReplicaList::Entries(have) => {
            let missing: Entries = wanted.difference(have).copied().collect();
            (!missing.is_empty()).then_some(ListEdit::Append(missing))
        }
    }
}

/// How to take `remove` out of the list: subtract what is there, or delete the key when nothing
/// else would be left. Never touches `*` (kdeck never appends to it).
pub fn remove_edit(existing: &ReplicaList, remove: &Entries) -> Option<ListEdit> {
    let ReplicaList::Entries(have) = existing else { return None };
    let present: Entries = have.intersection(remove).copied().collect();
    if present.is_empty() {
        None
    } else if present.len() == have.len() {
        Some(ListEdit::Delete)
    } else {
        Some(ListEdit::Subtract(present))
    }
}

/// How to drop what no reassignment needs from a list: entries not in `needed`; `*` only when
/// no partition of the topic is moving.
pub fn unneeded_edit(existing: &ReplicaList, needed: &Entries, topic_moving: bool) -> Option<ListEdit> {
    match existing {
        ReplicaList::All if topic_moving => None,
        ReplicaList::All => Some(ListEdit::Delete),
        ReplicaList::Entries(have) => remove_edit(existing, &have.difference(needed).copied().collect()),
    }
}

/// Brokers whose rate (per key: leader, follower) throttles nothing because no topic's list of
/// that kind names a replica on them: the trap of a rate without matching entries.
pub fn ineffective_rates(
    rates: &BTreeMap<i32, BTreeSet<&'static str>>,
    lists: &BTreeMap<String, (ReplicaList, ReplicaList)>,
) -> Vec<(i32, &'static str)> {
    let mut out = Vec::new();
    for (&broker, keys) in rates {
        for &key in keys {
            let named = lists.values().any(|(leader, follower)| {
                if key == LEADER_RATE {
                    leader.names_broker(broker)
                } else {
                    follower.names_broker(broker)
                }
            });
            if !named {
                out.push((broker, key));
            }
        }
    }
    out
}

/// A throttle rate in bytes per second: `50MB/s`, `10MiB/s`, `500KB`, `1048576` (decimal units
/// are powers of 1000, `Ki`/`Mi`/`Gi` powers of 1024; `/s` optional).
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let body = t.strip_suffix("/s").or_else(|| t.strip_suffix("/sec")).unwrap_or(t).trim();
    let split = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, unit) = body.split_at(split);
    let bad = || format!("{s:?} is not a rate: use e.g. 50MB/s, 10MiB/s, 500KB/s or bytes per second");
    let n: f64 = num.parse().map_err(|_| bad())?;
    let scale: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" | "K" | "k" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "KiB" | "Ki" => 1024.0,
        "MiB" | "Mi" => 1024.0 * 1024.0,
        "GiB" | "Gi" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let v = (n * scale).round();
    if v < 1.0 || !v.is_finite() || v >= 9.0e18 {
        return Err(format!("{s:?}: the rate must be at least 1 byte per second"));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(list: &str) -> Entries {
        match ReplicaList::parse(list).expect("entries") {
            ReplicaList::Entries(e) => e,
            ReplicaList::All => panic!("*"),
        }
    }

    fn mv(topic: &str, p: i32, current: &[i32], target: &[i32]) -> Move {
        Move { topic: topic.into(), partition: p, current: current.to_vec(), target: target.to_vec() }
    }

    #[test]
    fn a_drain_throttles_current_replicas_as_leaders_and_added_ones_as_followers() {
        let moves = [
            mv("a", 0, &[3, 1], &[1, 2]),
            mv("a", 1, &[2, 3], &[2, 1]),
            // a reorder copies nothing: no entry, no broker
            mv("b", 0, &[1, 2], &[2, 1]),
        ];
        let t = Throttles::for_moves(&moves);
        assert_eq!(t.topics.keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(format_entries(&t.topics["a"].leader), "0:1,0:3,1:2,1:3");
        assert_eq!(format_entries(&t.topics["a"].follower), "0:2,1:1");
        assert_eq!(t.brokers, BTreeSet::from([1, 2, 3]));
        assert!(Throttles::for_moves(&moves[2..]).is_empty());
    }

    #[test]
    fn every_rate_kdeck_sets_has_matching_entries() {
        // the trap: a rate on a broker that no list names throttles nothing
        let moves = [mv("a", 0, &[1], &[2]), mv("b", 3, &[4, 5], &[5, 6])];
        let t = Throttles::for_moves(&moves);
        let lists: BTreeMap<String, (ReplicaList, ReplicaList)> = t
            .topics
            .iter()
            .map(|(k, v)| {
                (k.clone(), (ReplicaList::Entries(v.leader.clone()), ReplicaList::Entries(v.follower.clone())))
            })
            .collect();
        // leader rates where current replicas are, follower rates where replicas are added
        let mut rates: BTreeMap<i32, BTreeSet<&'static str>> = BTreeMap::new();
        for m in &moves {
            for b in &m.current {
                rates.entry(*b).or_default().insert(LEADER_RATE);
            }
            for b in m.adding() {
                rates.entry(b).or_default().insert(FOLLOWER_RATE);
            }
        }
        assert_eq!(rates.keys().copied().collect::<BTreeSet<_>>(), t.brokers);
        assert_eq!(ineffective_rates(&rates, &lists), vec![]);
        // a rate on broker 9 with no entry there is reported, per key
        rates.insert(9, BTreeSet::from([LEADER_RATE, FOLLOWER_RATE]));
        assert_eq!(ineffective_rates(&rates, &lists), vec![(9, FOLLOWER_RATE), (9, LEADER_RATE)]);
        // `*` names every broker
        let all = BTreeMap::from([("c".to_string(), (ReplicaList::All, ReplicaList::All))]);
        assert_eq!(ineffective_rates(&rates, &all), vec![]);
    }

    #[test]
    fn lists_parse_like_kafka() {
        assert_eq!(ReplicaList::parse("*"), Ok(ReplicaList::All));
        assert_eq!(ReplicaList::parse(""), Ok(ReplicaList::Entries(Entries::new())));
        assert_eq!(ReplicaList::parse(" 1:2, 0:3 "), Ok(ReplicaList::Entries(e("0:3,1:2"))));
        assert_eq!(ReplicaList::parse("0:x"), Err("\"0:x\" is not a partition:broker entry".to_string()));
        assert!(ReplicaList::parse("").expect("empty").is_empty());
    }

    #[test]
    fn append_adds_only_what_is_missing_and_never_to_a_star() {
        let existing = ReplicaList::Entries(e("0:1,5:9"));
        assert_eq!(append_edit(&existing, &e("0:1,0:2")), Some(ListEdit::Append(e("0:2"))));
        assert_eq!(append_edit(&existing, &e("0:1")), None);
        assert_eq!(append_edit(&ReplicaList::All, &e("0:2")), None);
    }

    #[test]
    fn removal_subtracts_ours_and_deletes_an_emptied_list() {
        // someone else's 5:9 stays
        let existing = ReplicaList::Entries(e("0:1,0:2,5:9"));
        assert_eq!(remove_edit(&existing, &e("0:1,0:2,7:7")), Some(ListEdit::Subtract(e("0:1,0:2"))));
        assert_eq!(remove_edit(&ReplicaList::Entries(e("0:1,0:2")), &e("0:1,0:2,7:7")), Some(ListEdit::Delete));
        assert_eq!(remove_edit(&existing, &e("7:7")), None);
        assert_eq!(remove_edit(&ReplicaList::All, &e("0:1")), None);
    }

    #[test]
    fn unneeded_keeps_what_a_reassignment_in_progress_needs() {
        let existing = ReplicaList::Entries(e("0:1,0:2,1:3"));
        assert_eq!(unneeded_edit(&existing, &e("1:3"), true), Some(ListEdit::Subtract(e("0:1,0:2"))));
        assert_eq!(unneeded_edit(&existing, &Entries::new(), false), Some(ListEdit::Delete));
        assert_eq!(unneeded_edit(&existing, &e("0:1,0:2,1:3"), true), None);
        assert_eq!(unneeded_edit(&ReplicaList::All, &Entries::new(), true), None);
        assert_eq!(unneeded_edit(&ReplicaList::All, &Entries::new(), false), Some(ListEdit::Delete));
    }

    #[test]
    fn set_arithmetic() {
        let a = Throttles::for_moves(&[mv("a", 0, &[1], &[2]), mv("b", 0, &[3], &[1])]);
        let b = Throttles::for_moves(&[mv("b", 0, &[3], &[1])]);
        let rest = a.minus(&b);
        assert_eq!(rest.topics.keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(rest.brokers, BTreeSet::from([2]));
        let mut u = rest.clone();
        u.extend(&b);
        assert_eq!(u, a);
        let only_b = a.entries_of(&BTreeSet::from([("b".to_string(), 0)]));
        assert_eq!(only_b.topics, b.topics);
        assert!(only_b.brokers.is_empty());
        let json = serde_json::to_string(&b).expect("json");
        assert_eq!(json, r#"{"topics":{"b":{"leader":["0:3"],"follower":["0:1"]}},"brokers":[1,3]}"#);
        assert_eq!(serde_json::from_str::<Throttles>(&json).expect("back"), b);
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50MB/s"), Ok(50_000_000));
        assert_eq!(parse_rate("10MiB/s"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_rate("1.5 KB"), Ok(1500));
        assert_eq!(parse_rate("1048576"), Ok(1_048_576));
        assert_eq!(parse_rate("2GiB/sec"), Ok(2 << 30));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("10 parsecs").is_err());
        assert_eq!(parse_rate("0"), Err("\"0\": the rate must be at least 1 byte per second".to_string()));
    }
}
