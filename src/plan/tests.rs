use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn broker(id: i32, rack: Option<&str>) -> Broker {
    Broker { id, rack: rack.map(str::to_string), alive: true }
}

fn part(topic: &str, partition: i32, replicas: &[i32]) -> PartitionState {
    PartitionState {
        topic: topic.to_string(),
        partition,
        replicas: replicas.to_vec(),
        isr: replicas.to_vec(),
        leader: replicas.first().copied(),
        size_bytes: None,
    }
}

fn req(goal: Goal) -> PlanRequest {
    PlanRequest { goal, scope: Scope::All, target_brokers: vec![], include_unhealthy: false }
}

fn sized(topic: &str, partition: i32, replicas: &[i32], size: u64) -> PartitionState {
    PartitionState { size_bytes: Some(size), ..part(topic, partition, replicas) }
}

/// New broker 3: one replica leaves 1 and one leaves 2. The smallest
/// (1 B each) would leave 110/110/2; the even result is 101/101/20.
#[test]
fn sizes_make_the_new_broker_take_its_share_of_bytes() {
    let state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None), broker(3, None)],
        partitions: vec![
            sized("t", 0, &[1], 100),
            sized("t", 1, &[1], 10),
            sized("t", 2, &[1], 1),
            sized("t", 3, &[2], 100),
            sized("t", 4, &[2], 10),
            sized("t", 5, &[2], 1),
        ],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    assert_eq!(p.summary.moves, 2);
    let moved: Vec<(i32, Vec<i32>)> = p.moves.iter().map(|m| (m.partition, m.to.clone())).collect();
    assert_eq!(moved, vec![(1, vec![3]), (4, vec![3])]);
    let bytes: Vec<(i32, u64, u64)> = p.summary.brokers.iter().map(|b| (b.id, b.bytes_before, b.bytes_after)).collect();
    assert_eq!(bytes, vec![(1, 111, 101), (2, 111, 101), (3, 0, 20)]);
    assert_eq!(p.summary.bytes_to_move, 20);
}

/// With one size unknown there are no byte exchanges at all (an unknown
/// size would look empty): the count-driven result stands, the smallest
/// replicas (unknown counts 0) leave, and the summary says why.
#[test]
fn no_byte_exchanges_when_a_size_is_unknown() {
    let mut state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None)],
        partitions: vec![sized("t", 0, &[1], 100), part("t", 1, &[1]), sized("t", 2, &[1], 1), sized("t", 3, &[1], 2)],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    let moved: Vec<i32> = p.moves.iter().filter(|m| m.kind == ChangeKind::Reassign).map(|m| m.partition).collect();
    assert_eq!(moved, vec![1, 2]);
    assert_eq!((p.summary.byte_balance, p.summary.byte_exchanges), (ByteBalance::SizesIncomplete, 0));
    assert_eq!((p.summary.moves_with_unknown_size, p.summary.bytes_to_move), (1, 1));
    // Known (0 B): 102/1 B becomes 100/3 B, t-3 goes instead of t-1.
    state.partitions[1].size_bytes = Some(0);
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    let moved: Vec<i32> = p.moves.iter().filter(|m| m.kind == ChangeKind::Reassign).map(|m| m.partition).collect();
    assert_eq!(moved, vec![2, 3]);
    assert_eq!((p.summary.byte_balance, p.summary.byte_exchanges), (ByteBalance::Done, 1));
}

/// An RF decrease keeps the preferred leaders even when swapping which
/// replica is dropped would even out bytes (t-0 keeps 1, t-1 keeps 2:
/// 150/100 B; swapping would give 130/120 B and two leader elections).
#[test]
fn byte_exchanges_never_cost_a_preferred_leader() {
    let state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None)],
        partitions: vec![
            sized("t", 0, &[1, 2], 100),
            sized("t", 1, &[2, 1], 80),
            sized("t", 2, &[1], 50),
            sized("t", 3, &[2], 20),
        ],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::ReplicationFactor { rf: 1 })).expect("plan");
    let to: Vec<(i32, Vec<i32>)> = p.moves.iter().map(|m| (m.partition, m.to.clone())).collect();
    assert_eq!(to, vec![(0, vec![1]), (1, vec![2])]);
    assert_eq!(p.summary.byte_exchanges, 0);
}

/// Six topics of 24 RF-2 partitions on brokers 1 and 2, broker 3 new
/// (scripts/bench-planner.sh's case): every topic ends 16/16/16 with the
/// lower bound of 96 moves (replicas leave from the topic most above its
/// share, not in partition order, which used to empty broker 1 of a topic).
#[test]
fn new_broker_keeps_every_topic_spread() {
    let mut partitions = Vec::new();
    for t in 0..6 {
        for p in 0..24 {
            let r: &[i32] = if (p + t) % 2 == 1 { &[1, 2] } else { &[2, 1] };
            partitions.push(part(&format!("t{t}"), p, r));
        }
    }
    let state = ClusterState {
        brokers: vec![broker(1, Some("a")), broker(2, Some("b")), broker(3, Some("c"))],
        partitions,
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    assert_eq!((p.summary.moves, p.summary.lower_bound), (96, 96));
    let mut per_topic: BTreeMap<(String, i32), usize> = BTreeMap::new();
    let moved: BTreeMap<(&str, i32), &Vec<i32>> =
        p.moves.iter().map(|m| ((m.topic.as_str(), m.partition), &m.to)).collect();
    for q in &state.partitions {
        let list = moved.get(&(q.topic.as_str(), q.partition)).copied().unwrap_or(&q.replicas);
        for b in list {
            *per_topic.entry((q.topic.clone(), *b)).or_default() += 1;
        }
    }
    for t in 0..6 {
        let counts: Vec<usize> = (1..=3).map(|b| per_topic.get(&(format!("t{t}"), b)).copied().unwrap_or(0)).collect();
        assert_eq!(counts, vec![16, 16, 16], "topic t{t}");
    }
}

/// A topic's share on a broker follows the broker's target: brokers 1, 2
/// (rack a, 25 replicas each) against 3-6 (rack b, 12-13 each), RF 2.
/// Broker 1 holds s 6 + l 20, broker 2 s 4 + l 20; the one replica that
/// moves is an s replica (s 5/5, l 20/20), not an l one (s 6/4, l 19/21).
#[test]
fn topic_share_follows_broker_targets() {
    let mut partitions = Vec::new();
    let mut i = 0;
    for (topic, on1, on2) in [("l", 20, 20), ("s", 6, 4)] {
        for p in 0..(on1 + on2) {
            let a = if p < on1 { 1 } else { 2 };
            partitions.push(part(topic, p, &[a, 3 + i % 4]));
            i += 1;
        }
    }
    let rack = |id| broker(id, Some(if id <= 2 { "a" } else { "b" }));
    let state = ClusterState { brokers: (1..=6).map(rack).collect(), partitions, min_isr: BTreeMap::new() };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    assert_eq!(p.summary.moves, 1);
    let moved: Vec<(&str, Vec<i32>)> = p
        .moves
        .iter()
        .filter(|m| m.kind == ChangeKind::Reassign)
        .map(|m| (m.topic.as_str(), m.added.clone()))
        .collect();
    assert_eq!(moved, vec![("s", vec![2])]);
}

/// The seed example: topic5 with 4 partitions on brokers 0 and 3, new broker 5.
#[test]
fn seed_example_topic5_new_broker() {
    let state = ClusterState {
        brokers: vec![broker(0, None), broker(3, None), broker(5, None)],
        partitions: vec![
            part("topic5", 0, &[0, 3]),
            part("topic5", 1, &[3, 0]),
            part("topic5", 2, &[0, 3]),
            part("topic5", 3, &[3, 0]),
        ],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    // 8 replicas over 3 brokers: 3/3/2; one replica leaves 0 and one leaves 3.
    assert_eq!(p.summary.lower_bound, 2);
    assert_eq!(p.summary.moves, 2);
    assert_eq!(
        p.reassignment_json(),
        r#"{"version":1,"partitions":[{"topic":"topic5","partition":0,"replicas":[5,3],"log_dirs":["any","any"]},{"topic":"topic5","partition":1,"replicas":[5,0],"log_dirs":["any","any"]}]}"#
    );
    assert_eq!(
        p.rollback_json(),
        r#"{"version":1,"partitions":[{"topic":"topic5","partition":0,"replicas":[0,3],"log_dirs":["any","any"]},{"topic":"topic5","partition":1,"replicas":[3,0],"log_dirs":["any","any"]}]}"#
    );
    let after: Vec<(i32, usize, usize)> =
        p.summary.brokers.iter().map(|b| (b.id, b.replicas_after, b.leaders_after)).collect();
    assert_eq!(after, vec![(0, 3, 1), (3, 3, 1), (5, 2, 2)]);
    assert_eq!(p.summary.leader_only_changes, 0);
}

/// 3 brokers in az-a/az-b/az-c, 6 partitions RF 2 on brokers 1 and 2.
#[test]
fn three_racks_rebalance_hits_lower_bound() {
    let state = ClusterState {
        brokers: vec![broker(1, Some("az-a")), broker(2, Some("az-b")), broker(3, Some("az-c"))],
        partitions: (0..6).map(|i| part("orders", i, if i % 2 == 0 { &[1, 2] } else { &[2, 1] })).collect(),
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    assert_eq!(p.summary.lower_bound, 4);
    assert_eq!(p.summary.moves, 4);
    for b in &p.summary.brokers {
        assert_eq!(b.replicas_after, 4, "broker {}", b.id);
        assert_eq!(b.leaders_after, 2, "broker {}", b.id);
    }
    assert_eq!(p.summary.racks_touched, vec!["az-a", "az-b", "az-c"]);
    // Planning again on the result changes nothing.
    let mut after = state.clone();
    for m in &p.moves {
        if let Some(x) = after.partitions.iter_mut().find(|x| x.partition == m.partition) {
            x.replicas = m.to.clone();
            x.isr = m.to.clone();
        }
    }
    assert!(plan(&after, &req(Goal::Rebalance)).expect("again").moves.is_empty());
}

#[test]
fn drain_moves_only_the_drained_replicas() {
    let state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None), broker(3, None), broker(4, None)],
        partitions: vec![part("t", 0, &[1, 2]), part("t", 1, &[2, 3]), part("t", 2, &[3, 4]), part("t", 3, &[4, 1])],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Drain { brokers: vec![4] })).expect("plan");
    assert_eq!(p.summary.moves, 2);
    assert_eq!(p.summary.lower_bound, 2);
    assert!(p.moves.iter().all(|m| !m.to.contains(&4)));
}

/// The movement lower bound can be loose by a factor 2 inside the class
/// of equal racks, rack-valid input and no RF decrease (module docs,
/// "Known gap"): one rack; brokers 1 and 3 remain after draining 5; ten
/// RF-2 partitions on {1, 5} must add broker 3 (their only choice), and
/// 3 then holds 30 replicas for a target of 20, so ten RF-1 partitions
/// must leave it too: every plan needs 20 moves, the bound says 10.
/// (Without racks every broker is a rack of its own and the `G_k` term
/// sees this: the bound is 20 there.)
#[test]
fn drain_with_forced_destinations_needs_twice_the_lower_bound() {
    let mut partitions: Vec<PartitionState> = (0..10).map(|i| part("a", i, &[1, 5])).collect();
    partitions.extend((0..20).map(|i| part("b", i, &[3])));
    let mut state = ClusterState {
        brokers: vec![broker(1, Some("r")), broker(3, Some("r")), broker(5, Some("r"))],
        partitions,
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::Drain { brokers: vec![5] })).expect("plan");
    assert_eq!(p.summary.lower_bound, 10);
    assert_eq!(p.summary.move_allowance, 11);
    assert_eq!(p.summary.moves, 20);
    let after: Vec<(i32, usize)> = p.summary.brokers.iter().map(|b| (b.id, b.replicas_after)).collect();
    assert_eq!(after, vec![(1, 20), (3, 20), (5, 0)]);
    // Each RF-2 partition adds broker 3; each moved RF-1 partition goes to 1.
    for m in &p.moves {
        let expected = if m.topic == "a" { vec![3] } else { vec![1] };
        assert_eq!(m.added, expected, "{}-{}", m.topic, m.partition);
    }
    state.brokers = vec![broker(1, None), broker(3, None), broker(5, None)];
    let p = plan(&state, &req(Goal::Drain { brokers: vec![5] })).expect("plan");
    assert_eq!((p.summary.lower_bound, p.summary.moves), (20, 20));
}

#[test]
fn replication_factor_up_and_leaders_only() {
    let state = ClusterState {
        brokers: vec![broker(1, Some("a")), broker(2, Some("b")), broker(3, Some("c"))],
        partitions: vec![part("t", 0, &[1]), part("t", 1, &[1]), part("t", 2, &[1])],
        min_isr: BTreeMap::new(),
    };
    let p = plan(&state, &req(Goal::ReplicationFactor { rf: 3 })).expect("plan");
    assert_eq!(p.summary.moves, 6);
    assert_eq!(p.summary.lower_bound, 6);
    assert!(p.moves.iter().all(|m| m.to.len() == 3));
    let leaders: BTreeSet<i32> = p.moves.iter().map(|m| m.to[0]).collect();
    assert_eq!(leaders.len(), 3);

    let state2 = ClusterState {
        partitions: vec![part("t", 0, &[1, 2]), part("t", 1, &[1, 2]), part("t", 2, &[1, 3])],
        ..state.clone()
    };
    let p = plan(&state2, &req(Goal::LeadersOnly)).expect("plan");
    assert_eq!(p.summary.moves, 0);
    assert_eq!(p.summary.leader_only_changes, 2);
    assert!(p.moves.iter().all(|m| m.kind == ChangeKind::LeaderOnly));
}

#[test]
fn unhealthy_partitions_are_skipped_unless_included() {
    let mut offline = part("t", 1, &[1, 2]);
    offline.leader = None;
    let mut under = part("u", 0, &[1, 2]);
    under.isr = vec![1];
    let mut min_isr = BTreeMap::new();
    min_isr.insert("u".to_string(), 2);
    let state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None), broker(3, None)],
        partitions: vec![part("t", 0, &[1, 2]), offline, under],
        min_isr,
    };
    let p = plan(&state, &req(Goal::Rebalance)).expect("plan");
    assert_eq!(p.summary.skipped.len(), 2);
    assert_eq!(p.summary.skipped[0].reason, SkipReason::Offline);
    assert_eq!(p.summary.skipped[1].reason, SkipReason::UnderMinIsr { isr: 1, min_isr: 2 });
    assert!(p.moves.iter().all(|m| m.topic == "t" && m.partition == 0));
    let mut r = req(Goal::Rebalance);
    r.include_unhealthy = true;
    let p = plan(&state, &r).expect("plan");
    assert!(p.summary.skipped.is_empty());
}

#[test]
fn impossible_requests_are_errors() {
    let state = ClusterState {
        brokers: vec![broker(1, None), broker(2, None), Broker { id: 3, rack: None, alive: false }],
        partitions: vec![part("t", 0, &[1, 2])],
        min_isr: BTreeMap::new(),
    };
    assert_eq!(
        plan(&state, &req(Goal::ReplicationFactor { rf: 3 })),
        Err(PlanError::ReplicationFactorTooHigh { rf: 3, targets: 2 })
    );
    assert_eq!(plan(&state, &req(Goal::ReplicationFactor { rf: 0 })), Err(PlanError::ZeroReplicationFactor));
    assert!(matches!(
        plan(&state, &req(Goal::Drain { brokers: vec![2] })),
        Err(PlanError::DrainLeavesTooFewBrokers { remaining: 1, needed: 2, .. })
    ));
    let mut r = req(Goal::Rebalance);
    r.target_brokers = vec![1, 3];
    assert_eq!(plan(&state, &r), Err(PlanError::BrokerNotAlive(3)));
    r.target_brokers = vec![9];
    assert_eq!(plan(&state, &r), Err(PlanError::UnknownBroker(9)));
    let mut r = req(Goal::Rebalance);
    r.scope = Scope::Regex("nothing.*".to_string());
    assert_eq!(plan(&state, &r), Err(PlanError::EmptyScope));
    r.scope = Scope::Regex("(".to_string());
    assert!(matches!(plan(&state, &r), Err(PlanError::InvalidRegex { .. })));
    r.scope = Scope::Topics(vec!["nope".to_string()]);
    assert_eq!(plan(&state, &r), Err(PlanError::UnknownTopic("nope".to_string())));
}

#[test]
fn validation_reports_every_problem() {
    let state = ClusterState {
        brokers: vec![broker(1, Some("a")), broker(2, Some("a")), broker(3, Some("b"))],
        partitions: vec![part("t", 0, &[1, 3]), part("t", 1, &[1, 3])],
        min_isr: BTreeMap::new(),
    };
    let r = parse_reassignment(
        r#"{"version":1,"partitions":[
        {"topic":"t","partition":0,"replicas":[1,2]},
        {"topic":"t","partition":0,"replicas":[1,3]},
        {"topic":"x","partition":0,"replicas":[1]},
        {"topic":"t","partition":7,"replicas":[1]},
        {"topic":"t","partition":1,"replicas":[]}]}"#,
    )
    .expect("parse");
    let errs = validate(&state, &r, None).expect_err("invalid");
    assert_eq!(
        errs.0,
        vec![
            ValidationError::DuplicatePartition { topic: "t".into(), partition: 0 },
            ValidationError::UnknownTopic { topic: "x".into() },
            ValidationError::UnknownPartition { topic: "t".into(), partition: 7 },
            ValidationError::EmptyReplicas { topic: "t".into(), partition: 1 },
        ]
    );
    let r = parse_reassignment(
        r#"{"version":1,"partitions":[{"topic":"t","partition":1,"replicas":[1,1,9],"log_dirs":["any","rel"]}]}"#,
    )
    .expect("parse");
    let errs = validate(&state, &r, Some(2)).expect_err("invalid");
    assert_eq!(
        errs.0,
        vec![
            ValidationError::DuplicateReplica { topic: "t".into(), partition: 1, broker: 1 },
            ValidationError::UnknownBroker { topic: "t".into(), partition: 1, broker: 9 },
            ValidationError::LogDirsLengthMismatch { topic: "t".into(), partition: 1, replicas: 3, log_dirs: 2 },
            ValidationError::InvalidLogDir { topic: "t".into(), partition: 1, log_dir: "rel".into() },
            ValidationError::ReplicationFactorMismatch { topic: "t".into(), partition: 1, expected: 2, actual: 3 },
        ]
    );
    assert!(errs.to_string().contains("t-1: broker 9 is not part of the cluster"));
    // Two replicas in rack "a" although rack "b" exists: a warning only.
    let r = parse_reassignment(
        r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","/data"]}]}"#,
    )
    .expect("parse");
    let w = validate(&state, &r, Some(2)).expect("valid");
    assert_eq!(
        w,
        vec![Warning::RackCollocation {
            topic: "t".into(),
            partition: 0,
            rack: "a".into(),
            brokers: vec![1, 2],
            count: 2,
            allowed: 1
        }]
    );
    // RF 3 over racks a (two brokers) and b (one): two replicas in a are unavoidable, so no
    // rack warning. Without --rf the RF change 2 -> 3 is a warning; with --rf 3 it is not.
    let r = parse_reassignment(r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1,2]}]}"#)
        .expect("parse");
    assert_eq!(
        validate(&state, &r, None).expect("valid"),
        vec![Warning::ReplicationFactorChange { topic: "t".into(), partition: 0, from: 2, to: 3 }]
    );
    assert_eq!(validate(&state, &r, Some(3)).expect("valid"), vec![]);
}
