//! The cluster snapshot: one value the CLI prints and the TUI renders.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;

pub use super::controller::Controller;
pub use crate::kafka::admin::OngoingReassignment;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Snapshot {
    pub cluster_id: Option<String>,
    /// The active controller: the KRaft quorum leader, or the ZooKeeper-mode controller.
    pub controller: Controller,
    pub brokers: Vec<Broker>,
    pub topics: Vec<Topic>,
    pub groups: Vec<Group>,
    pub reassignments: Vec<OngoingReassignment>,
    /// Parts that could not be loaded (an unreachable broker, a group whose coordinator moved…).
    pub warnings: Vec<String>,
    /// Brokers that could not be reached at their advertised address while loading, with the
    /// error: the bootstrap answered, these did not (down, or advertising an address only valid
    /// inside their network).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub unreachable_brokers: std::collections::BTreeMap<i32, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broker {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
    pub is_controller: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub name: String,
    pub internal: bool,
    pub partitions: Vec<Partition>,
    /// The topic's effective min.insync.replicas, when configs were loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_insync_replicas: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub partition: i32,
    /// None when the partition is offline.
    pub leader: Option<i32>,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    pub log_start_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    /// Why offsets or metadata are missing for this partition, if they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Partition {
    pub fn is_offline(&self) -> bool {
        self.leader.is_none()
    }
    pub fn is_under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
    /// The preferred leader is the first replica; leadership elsewhere means imbalance.
    pub fn preferred_leader(&self) -> Option<i32> {
        self.replicas.first().copied()
    }
    /// Replicas not in the ISR (the ones that are lagging or down).
    pub fn out_of_sync(&self) -> Vec<i32> {
        self.replicas.iter().copied().filter(|r| !self.isr.contains(r)).collect()
    }
    pub fn messages(&self) -> Option<i64> {
        Some(self.log_end_offset? - self.log_start_offset?)
    }
}

impl Topic {
    pub fn replication_factor(&self) -> usize {
        self.partitions.iter().map(|p| p.replicas.len()).max().unwrap_or(0)
    }
    pub fn under_replicated(&self) -> usize {
        self.partitions.iter().filter(|p| p.is_under_replicated()).count()
    }
    pub fn offline(&self) -> usize {
        self.partitions.iter().filter(|p| p.is_offline()).count()
    }
    /// Online partitions whose ISR is smaller than min.insync.replicas: acks=all producers fail there.
    pub fn under_min_isr(&self) -> usize {
        match self.min_insync_replicas {
            Some(min) => self.partitions.iter().filter(|p| !p.is_offline() && (p.isr.len() as i32) < min).count(),
            None => 0,
        }
    }
    /// Messages retained (end − start summed); None if any partition's offsets are unknown.
    pub fn messages(&self) -> Option<i64> {
        self.partitions.iter().map(Partition::messages).sum()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Group {
    pub group_id: String,
    /// Stable, Empty, PreparingRebalance, … as the coordinator reports it.
    pub state: String,
    /// "classic" or "consumer" (KIP-848) where the broker says, else empty.
    pub group_type: String,
    pub protocol_type: String,
    pub members: Vec<Member>,
    /// One row per partition the group committed on or has assigned; empty in a snapshot loaded
    /// without them ([`LoadOptions::groups_without_rows`](super::LoadOptions)): `partitions` and `topics`
    /// still say what they held.
    pub offsets: Vec<PartitionLag>,
    /// Sum of the known per-partition lags.
    pub total_lag: i64,
    /// How many rows `offsets` has (or had, before [`Group::drop_rows`]).
    #[serde(skip)]
    pub partitions: usize,
    /// The topics of those rows, sorted, without repeats; names shared between groups.
    #[serde(skip)]
    pub topics: Vec<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Group {
    /// Sets the totals the rows add up to (`total_lag`, `partitions`, `topics`), topic names
    /// taken from `names` (and added to it) so that groups on the same topic share one.
    pub fn count_rows(&mut self, names: &mut TopicNames) {
        let rows = std::mem::take(&mut self.offsets);
        self.set_totals(rows.iter().map(|r| (r.topic.as_str(), r.lag)), names);
        self.offsets = rows;
    }

    /// Sets `total_lag`, `partitions` and `topics` from each row's topic and lag, whether the
    /// rows are kept ([`Group::count_rows`]) or never built (the console's refresh).
    pub fn set_totals<'a>(&mut self, rows: impl Iterator<Item = (&'a str, Option<i64>)>, names: &mut TopicNames) {
        let (mut total_lag, mut partitions, mut topics) = (0, 0, Vec::new());
        for (topic, lag) in rows {
            total_lag += lag.unwrap_or(0);
            partitions += 1;
            topics.push(topic);
        }
        topics.sort_unstable();
        topics.dedup();
        self.total_lag = total_lag;
        self.partitions = partitions;
        // a new vector: collecting in place would keep the capacity of one entry per row (at
        // 10k groups × 20 partitions on 2 topics, 5 MiB per snapshot for 300 KiB of names)
        self.topics = Vec::with_capacity(topics.len());
        self.topics.extend(topics.into_iter().map(|t| names.shared(t)));
    }

    /// Forgets the partition rows and keeps what they add up to (after [`Group::count_rows`]):
    /// what the console's groups pane and lag trend need, a few hundred bytes a group instead of
    /// ~150 bytes per committed partition. The group's detail reads its rows when it opens.
    pub fn drop_rows(&mut self) {
        self.offsets = Vec::new();
    }
}

/// Topic names shared between the groups of a snapshot (10k groups often name the same few
/// topics: one allocation per topic, not per group).
#[derive(Debug, Default)]
pub struct TopicNames(HashSet<Arc<str>>);

impl TopicNames {
    pub fn shared(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name);
        self.0.insert(n.clone());
        n
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// (topic, partitions) assigned to this member.
    pub assignment: Vec<(String, Vec<i32>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    /// None: the group has no committed offset here.
    pub committed_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    /// end − committed; None when either is unknown (Kafka's tool prints "-").
    pub lag: Option<i64>,
    pub member_id: Option<String>,
    pub client_id: Option<String>,
    pub host: Option<String>,
}

/// Per-broker load and health, including brokers that replicas name but metadata no longer lists
/// (a stopped broker): those have no address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerStats {
    pub id: i32,
    pub host: Option<String>,
    pub port: Option<i32>,
    pub rack: Option<String>,
    pub controller: bool,
    pub leaders: usize,
    pub replicas: usize,
    /// Partitions where this broker is a replica but not in the ISR.
    pub out_of_sync: usize,
}

/// A broker the replicas name but the metadata does not list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DownBroker {
    pub id: i32,
    /// Partitions with a replica on it.
    pub partitions: usize,
    /// Of those, the ones with no leader.
    pub offline: usize,
}

impl DownBroker {
    /// The warning line the CLI prints.
    pub fn warning(&self) -> String {
        format!(
            "broker {} is down (not in the cluster metadata): {} partitions have a replica on it, {} of them offline",
            self.id, self.partitions, self.offline
        )
    }
}

impl Snapshot {
    /// One pass over all partitions.
    pub fn broker_stats(&self) -> Vec<BrokerStats> {
        let mut stats: std::collections::BTreeMap<i32, BrokerStats> = self
            .brokers
            .iter()
            .map(|b| {
                let s = BrokerStats {
                    id: b.id,
                    host: Some(b.host.clone()),
                    port: Some(b.port),
                    rack: b.rack.clone(),
                    controller: b.is_controller,
                    leaders: 0,
                    replicas: 0,
                    out_of_sync: 0,
                };
                (b.id, s)
            })
            .collect();
        let blank = |id| BrokerStats {
            id,
            host: None,
            port: None,
            rack: None,
            controller: false,
            leaders: 0,
            replicas: 0,
            out_of_sync: 0,
        };
        for p in self.topics.iter().flat_map(|t| &t.partitions) {
            for r in &p.replicas {
                let s = stats.entry(*r).or_insert_with(|| blank(*r));
                s.replicas += 1;
                s.out_of_sync += usize::from(!p.isr.contains(r));
            }
            if let Some(l) = p.leader {
                stats.entry(l).or_insert_with(|| blank(l)).leaders += 1;
            }
        }
        stats.into_values().collect()
    }

    /// Brokers that replicas name but the metadata does not list (stopped, or fenced by the
    /// controller), with how many partitions have a replica on each and how many of those are
    /// offline. Only what the snapshot's topics show.
    pub fn down_brokers(&self) -> Vec<DownBroker> {
        let mut down: std::collections::BTreeMap<i32, DownBroker> = std::collections::BTreeMap::new();
        for p in self.topics.iter().flat_map(|t| &t.partitions) {
            for r in p.replicas.iter().filter(|r| !self.brokers.iter().any(|b| b.id == **r)) {
                let d = down.entry(*r).or_insert(DownBroker { id: *r, partitions: 0, offline: 0 });
                d.partitions += 1;
                d.offline += usize::from(p.is_offline());
            }
        }
        down.into_values().collect()
    }

    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.group_id == id)
    }
    pub fn under_replicated(&self) -> usize {
        self.topics.iter().map(Topic::under_replicated).sum()
    }
    pub fn offline(&self) -> usize {
        self.topics.iter().map(Topic::offline).sum()
    }
    pub fn under_min_isr(&self) -> usize {
        self.topics.iter().map(Topic::under_min_isr).sum()
    }
}

/// Lag of one partition: end − committed, never negative (a committed offset can briefly be
/// ahead of a stale end offset read from another broker).
pub fn lag(committed: Option<i64>, end: Option<i64>) -> Option<i64> {
    match (committed, end) {
        (Some(c), Some(e)) if c >= 0 => Some((e - c).max(0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_end_minus_committed_and_unknown_without_a_commit() {
        assert_eq!(lag(Some(40), Some(100)), Some(60));
        assert_eq!(lag(Some(120), Some(100)), Some(0));
        assert_eq!(lag(None, Some(100)), None);
        assert_eq!(lag(Some(-1), Some(100)), None);
        assert_eq!(lag(Some(5), None), None);
    }

    #[test]
    fn partition_health() {
        let p = Partition {
            partition: 0,
            leader: Some(2),
            replicas: vec![1, 2, 3],
            isr: vec![2, 3],
            offline_replicas: vec![],
            log_start_offset: Some(10),
            log_end_offset: Some(25),
            error: None,
        };
        assert!(p.is_under_replicated());
        assert!(!p.is_offline());
        assert_eq!(p.out_of_sync(), vec![1]);
        assert_eq!(p.preferred_leader(), Some(1));
        assert_eq!(p.messages(), Some(15));
    }
}
