//! The cluster as the planner, the validator and the execution see it: partitions with their
//! replicas and sizes, live brokers, and the reassignments the controller is working on.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::{self, LoadOptions, ReplicaSizes, Snapshot};
use crate::kafka::admin::OngoingReassignment;
use crate::kafka::Client;
use crate::ops::OpsError;
use crate::plan::execution::Move;
use crate::plan::throttle::Throttles;
use crate::plan::{Broker, ClusterState, PartitionState};

/// The planner's view of a snapshot: brokers in metadata are alive; brokers that only replica
/// lists name are known but dead. Partition sizes come from `sizes` (see [`partition_size`]).
pub fn cluster_state(snap: &Snapshot, sizes: &ReplicaSizes) -> ClusterState {
    let mut brokers: BTreeMap<i32, Broker> =
        snap.brokers.iter().map(|b| (b.id, Broker { id: b.id, rack: b.rack.clone(), alive: true })).collect();
    let mut partitions = Vec::new();
    let mut min_isr = BTreeMap::new();
    for t in snap.topics.iter().filter(|t| !t.internal) {
        if let Some(m) = t.min_insync_replicas {
            min_isr.insert(t.name.clone(), m);
        }
        for p in &t.partitions {
            for r in &p.replicas {
                brokers.entry(*r).or_insert(Broker { id: *r, rack: None, alive: false });
            }
            partitions.push(PartitionState {
                topic: t.name.clone(),
                partition: p.partition,
                replicas: p.replicas.clone(),
                isr: p.isr.clone(),
                leader: p.leader,
                size_bytes: partition_size(p.leader, &p.replicas, sizes.of(&t.name, p.partition)),
            });
        }
    }
    ClusterState { brokers: brokers.into_values().collect(), partitions, min_isr }
}

/// The size the planner uses for a partition: that of the leader's replica; without a leader
/// or a report from it, the largest one any other replica reported (a replica catching up is
/// smaller than the leader's, never larger); None when no replica reported a size. Brokers that
/// report a log for the partition without being one of its replicas are ignored.
pub fn partition_size(leader: Option<i32>, replicas: &[i32], reported: Option<&BTreeMap<i32, u64>>) -> Option<u64> {
    let reported = reported?;
    leader
        .and_then(|l| reported.get(&l).copied())
        .or_else(|| replicas.iter().filter_map(|r| reported.get(r).copied()).max())
}

/// What planning reads: the metadata and configs (min ISR), topics named in `expect_topics`
/// looked for on every broker before one is called missing, and every live broker's replica
/// sizes (a down broker's are unavailable, said so).
pub async fn load_for_planning(
    client: &Client,
    expect_topics: Vec<String>,
) -> Result<(Snapshot, ReplicaSizes), OpsError> {
    let snap = cluster::load(client, &LoadOptions { configs: true, expect_topics, ..Default::default() }).await?;
    let mut sizes = cluster::replica_sizes(client, &snap.brokers.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for d in snap.down_brokers() {
        sizes.unavailable.insert(d.id, "not asked: the broker is down (not in the cluster metadata)".into());
    }
    Ok((snap, sizes))
}

/// What the execution needs to know now: every partition's replicas, the live brokers, the
/// reassignments in progress and the cluster's id.
pub struct Live {
    pub snapshot: Snapshot,
    pub ongoing: Vec<OngoingReassignment>,
}

impl Live {
    /// Metadata (all topics unless `topics` names some; unknown names are ignored) and the
    /// reassignments in progress.
    pub async fn load(client: &Client, topics: Option<&BTreeSet<String>>) -> Result<Live, OpsError> {
        let names: Option<Vec<String>> = topics.map(|t| t.iter().cloned().collect());
        let snapshot = match cluster::load(client, &LoadOptions { topics: names.clone(), ..Default::default() }).await {
            Ok(s) => s,
            // a topic deleted meanwhile: its partitions simply have no replicas any more
            Err(crate::kafka::KafkaError::UnknownTopic(_)) if names.is_some() => {
                let mut s = cluster::load(client, &LoadOptions::default()).await?;
                s.topics.retain(|t| topics.is_some_and(|want| want.contains(&t.name)));
                s
            }
            Err(e) => return Err(e.into()),
        };
        let ongoing = client.list_reassignments().await?;
        Ok(Live { snapshot, ongoing })
    }

    pub fn replicas(&self, topic: &str, partition: i32) -> Option<&[i32]> {
        self.snapshot
            .topic(topic)
            .and_then(|t| t.partitions.iter().find(|p| p.partition == partition))
            .map(|p| p.replicas.as_slice())
    }

    pub fn moving(&self, topic: &str, partition: i32) -> bool {
        self.ongoing.iter().any(|o| o.topic == topic && o.partition == partition)
    }

    /// The reassignments in progress as moves (current → target).
    pub fn in_flight(&self) -> Vec<Move> {
        self.ongoing
            .iter()
            .map(|o| Move::in_flight(&o.topic, o.partition, &o.replicas, &o.adding, &o.removing))
            .collect()
    }

    /// What the reassignments in progress need: their throttle entries, and every broker that
    /// holds one of their replicas (a broker rate must stay while any of them uses the broker).
    pub fn needed_throttles(&self) -> Throttles {
        let mut t = Throttles::for_moves(&self.in_flight());
        t.brokers.extend(self.ongoing.iter().flat_map(|o| o.replicas.iter().copied()));
        t
    }

    pub fn alive(&self) -> BTreeSet<i32> {
        self.snapshot.brokers.iter().map(|b| b.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Partition, Topic};

    #[test]
    fn size_is_the_leaders_else_the_largest_replica_else_unknown() {
        let reported = BTreeMap::from([(1, 500), (2, 480), (3, 900)]);
        assert_eq!(
            partition_size(Some(1), &[1, 2, 3], Some(&reported)),
            Some(500),
            "the leader's, even if another is larger"
        );
        assert_eq!(
            partition_size(Some(4), &[4, 2, 3], Some(&reported)),
            Some(900),
            "leader 4 did not report: the largest replica"
        );
        assert_eq!(partition_size(None, &[1, 2], Some(&reported)), Some(500), "offline: the largest replica");
        assert_eq!(partition_size(Some(4), &[4, 2], Some(&reported)), Some(480), "broker 3 is not a replica");
        assert_eq!(partition_size(Some(4), &[4, 5], Some(&reported)), None);
        assert_eq!(partition_size(Some(1), &[1, 2], Some(&BTreeMap::new())), None);
        assert_eq!(partition_size(Some(1), &[1, 2], None), None);
    }

    #[test]
    fn cluster_state_takes_sizes_from_the_log_dirs() {
        let part = |partition: i32, leader: Option<i32>, replicas: &[i32]| Partition {
            partition,
            leader,
            replicas: replicas.to_vec(),
            isr: replicas.to_vec(),
            offline_replicas: vec![],
            log_start_offset: None,
            log_end_offset: None,
            error: None,
        };
        let snap = Snapshot {
            topics: vec![Topic {
                name: "t".into(),
                internal: false,
                partitions: vec![part(0, Some(2), &[1, 2]), part(1, Some(1), &[1, 2]), part(2, Some(1), &[1])],
                min_insync_replicas: None,
            }],
            ..Default::default()
        };
        let mut sizes = ReplicaSizes::default();
        sizes.by_partition.insert(("t".into(), 0), BTreeMap::from([(1, 10), (2, 12)]));
        sizes.by_partition.insert(("t".into(), 1), BTreeMap::from([(2, 7)]));
        let state = cluster_state(&snap, &sizes);
        let got: Vec<Option<u64>> = state.partitions.iter().map(|p| p.size_bytes).collect();
        assert_eq!(got, vec![Some(12), Some(7), None]);
    }

    #[test]
    fn reassignments_in_progress_keep_their_throttles_and_brokers() {
        let live = Live {
            snapshot: Snapshot::default(),
            ongoing: vec![OngoingReassignment {
                topic: "t".into(),
                partition: 0,
                replicas: vec![3, 1, 2],
                adding: vec![3],
                removing: vec![2],
            }],
        };
        let t = live.needed_throttles();
        assert_eq!(crate::plan::throttle::format_entries(&t.topics["t"].leader), "0:1,0:2");
        assert_eq!(crate::plan::throttle::format_entries(&t.topics["t"].follower), "0:3");
        assert_eq!(t.brokers, BTreeSet::from([1, 2, 3]));
        assert!(live.moving("t", 0) && !live.moving("t", 1));
    }
}
