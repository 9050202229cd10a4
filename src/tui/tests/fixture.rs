//! The cluster the console tests see: a snapshot with a broker down, under-replicated and offline
//! partitions, two groups with lag, reassignments in progress, and a topic's configs.

use crate::cluster::*;
use crate::kafka::topic_config_admin::{ConfigEntry, ConfigSource};
use crate::ops::reassign::state::Live;
use crate::ops::reassign::throttles::{ThrottleConfigs, TopicLists};
use crate::plan::throttle::{ReplicaList, FOLLOWER_RATE, LEADER_RATE};

pub(super) fn part(p: i32, leader: Option<i32>, replicas: &[i32], isr: &[i32], end: i64) -> Partition {
    Partition {
        partition: p,
        leader,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        offline_replicas: vec![],
        log_start_offset: Some(0),
        log_end_offset: Some(end),
        error: None,
    }
}

pub(super) fn lag_row(topic: &str, p: i32, committed: i64, end: i64, member: Option<(&str, &str)>) -> PartitionLag {
    PartitionLag {
        topic: topic.into(),
        partition: p,
        committed_offset: Some(committed),
        log_end_offset: Some(end),
        lag: Some(end - committed),
        member_id: member.map(|(c, _)| format!("{c}-0f3a")),
        client_id: member.map(|(c, _)| c.to_string()),
        host: member.map(|(_, h)| h.to_string()),
    }
}

pub(super) fn reassigning(
    topic: &str,
    partition: i32,
    replicas: &[i32],
    adding: &[i32],
    removing: &[i32],
) -> OngoingReassignment {
    OngoingReassignment {
        topic: topic.into(),
        partition,
        replicas: replicas.to_vec(),
        adding: adding.to_vec(),
        removing: removing.to_vec(),
    }
}

/// Broker 3 is down: it is in replica lists but not in the metadata.
pub(super) fn fixture(billing_lag_extra: i64) -> Snapshot {
    let mut snap = fixture_as_written(billing_lag_extra);
    // the totals as the loader counts them
    let mut names = TopicNames::default();
    for g in &mut snap.groups {
        g.count_rows(&mut names);
    }
    snap
}

fn fixture_as_written(billing_lag_extra: i64) -> Snapshot {
    let broker = |id: i32, rack: &str| Broker {
        id,
        host: format!("10.0.1.{id}"),
        port: 9092,
        rack: Some(rack.into()),
        is_controller: id == 1,
    };
    let b = billing_lag_extra;
    Snapshot {
        cluster_id: Some("MkU3OEVBNTcwNTJENDM2Qk".into()),
        controller: Controller::Kraft { id: 1, broker: true },
        brokers: vec![broker(1, "use1-az1"), broker(2, "use1-az2")],
        topics: vec![
            Topic {
                name: "__consumer_offsets".into(),
                internal: true,
                partitions: (0..3)
                    .map(|p| part(p, Some(p % 2 + 1), &[p % 2 + 1, 2 - p % 2], &[p % 2 + 1, 2 - p % 2], 10))
                    .collect(),
                min_insync_replicas: Some(1),
            },
            Topic {
                name: "audit.legacy".into(),
                internal: false,
                partitions: vec![Partition {
                    leader: None,
                    log_end_offset: None,
                    log_start_offset: None,
                    offline_replicas: vec![3],
                    ..part(0, None, &[3], &[3], 0)
                }],
                min_insync_replicas: Some(1),
            },
            Topic {
                name: "orders".into(),
                internal: false,
                partitions: vec![
                    part(0, Some(1), &[1, 2, 3], &[1, 2], 1200 + b),
                    part(1, Some(2), &[2, 3, 1], &[2, 1], 1180 + b),
                    part(2, Some(1), &[3, 1, 2], &[1, 2], 1175 + b),
                ],
                min_insync_replicas: Some(2),
            },
            Topic {
                name: "payments".into(),
                internal: false,
                partitions: vec![part(0, Some(2), &[2, 1], &[2, 1], 640)],
                min_insync_replicas: Some(1),
            },
        ],
        groups: vec![
            Group {
                group_id: "billing".into(),
                state: "Stable".into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: vec![
                    Member {
                        member_id: "billing-1-0f3a".into(),
                        client_id: "billing-1".into(),
                        host: "/10.0.7.21".into(),
                        assignment: vec![("orders".into(), vec![0, 1])],
                    },
                    Member {
                        member_id: "billing-2-0f3a".into(),
                        client_id: "billing-2".into(),
                        host: "/10.0.7.22".into(),
                        assignment: vec![("orders".into(), vec![2])],
                    },
                ],
                offsets: vec![
                    lag_row("orders", 0, 1100, 1200 + b, Some(("billing-1", "/10.0.7.21"))),
                    lag_row("orders", 1, 1150, 1180 + b, Some(("billing-1", "/10.0.7.21"))),
                    lag_row("orders", 2, 1175, 1175 + b, Some(("billing-2", "/10.0.7.22"))),
                ],
                total_lag: 100 + 30 + 3 * b,
                error: None,
                ..Default::default()
            },
            Group {
                group_id: "analytics".into(),
                state: "Empty".into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: vec![],
                offsets: vec![lag_row("payments", 0, 640, 640, None)],
                total_lag: 0,
                error: None,
                ..Default::default()
            },
        ],
        // as ListPartitionReassignments reports them: `replicas` is the set during the move
        reassignments: vec![
            // stuck: the replica it adds is on broker 3, which is down
            reassigning("orders", 0, &[1, 2, 3], &[3], &[]),
            // moving off broker 3
            reassigning("orders", 2, &[3, 1, 2], &[], &[3]),
            // done copying: broker 1 is in the ISR
            reassigning("payments", 0, &[2, 1], &[1], &[]),
        ],
        warnings: vec![],
        unreachable_brokers: Default::default(),
    }
}

/// The configs of every fixture topic. The secret is a plugin's; it must never reach the screen.
pub(super) fn config_entries() -> Vec<ConfigEntry> {
    let e = |name: &str, value: &str, source: ConfigSource, sensitive: bool| ConfigEntry {
        name: name.into(),
        value: Some(value.into()),
        source,
        sensitive,
        read_only: false,
        synonyms: vec![],
    };
    vec![
        e("cleanup.policy", "delete", ConfigSource::DefaultConfig, false),
        e("max.message.bytes", "1048588", ConfigSource::DefaultConfig, false),
        e("min.insync.replicas", "2", ConfigSource::DynamicTopicConfig, false),
        e("remote.storage.credentials", "s3cr3t", ConfigSource::DynamicTopicConfig, true),
        e("retention.ms", "86400000", ConfigSource::DynamicTopicConfig, false),
        e("segment.bytes", "536870912", ConfigSource::StaticBrokerConfig, false),
    ]
}

/// When the fake samples the reassignments (ms since the epoch): fixed, so rates are too.
pub(super) const SAMPLED_AT_MS: u64 = 1_795_321_800_000;

/// What the fixture's replicas hold: 100 bytes per message of their partition.
pub(super) fn fixture_sizes(snap: &Snapshot) -> ReplicaSizes {
    let mut sizes = ReplicaSizes::default();
    let alive: Vec<i32> = snap.brokers.iter().map(|b| b.id).collect();
    for t in &snap.topics {
        for p in &t.partitions {
            let size = p.log_end_offset.unwrap_or(0).max(0) as u64 * 100;
            // a broker that is down reports nothing
            let reported = p.replicas.iter().filter(|b| alive.contains(b)).map(|b| (*b, size)).collect();
            sizes.by_partition.insert((t.name.clone(), p.partition), reported);
        }
    }
    sizes
}

/// The cluster planning sees: the fixture with broker 3 back and a new broker 4 in broker 1's
/// rack, so that orders (RF 3) can be drained off a broker.
pub(super) fn planning_snapshot() -> Snapshot {
    let mut snap = fixture(0);
    for (id, rack) in [(3, "use1-az3"), (4, "use1-az1")] {
        snap.brokers.push(Broker {
            id,
            host: format!("10.0.1.{id}"),
            port: 9092,
            rack: Some(rack.into()),
            is_controller: false,
        });
    }
    snap
}

pub(super) fn fixture_live() -> Live {
    let snapshot = fixture(0);
    Live { ongoing: snapshot.reassignments.clone(), snapshot }
}

/// The throttles the fixture's moves need (as kdeck's execution of payments-0 set them, 10 MiB/s
/// on brokers 1 and 2), and with `leftover` an entry on orders that nothing needs.
pub(super) fn fixture_throttles(leftover: bool) -> ThrottleConfigs {
    let lists = |leader: &str, follower: &str| TopicLists {
        leader: ReplicaList::parse(leader).expect("list"),
        follower: ReplicaList::parse(follower).expect("list"),
    };
    let mut c = ThrottleConfigs::default();
    c.topics.insert("payments".into(), lists("0:2", "0:1"));
    c.rates.insert(1, std::collections::BTreeMap::from([(FOLLOWER_RATE, 10 << 20)]));
    c.rates.insert(2, std::collections::BTreeMap::from([(LEADER_RATE, 10 << 20)]));
    if leftover {
        c.topics.insert("orders".into(), lists("1:2,1:3", ""));
    }
    c
}
