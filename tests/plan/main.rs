//! Property tests of the planner over random clusters (1-60 brokers, 0-6
//! racks, RF 1-4, up to 5k partitions in the 64-case debug runs, sizes
//! skewed to small; 5k-20k partitions in the 16 cases of
//! `large_random_clusters`; 20k partitions with 60 brokers in
//! `extreme_sizes`). Every rule
//! is checked by `common::check_plan` against the definitions in the
//! module docs of `kdeck::plan`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

mod common;
mod exact_checks;

use std::collections::{BTreeMap, HashMap};

use common::*;
use kdeck::plan::*;
use proptest::prelude::*;

/// An error is acceptable only when the request really is impossible.
fn check_error(state: &ClusterState, req: &PlanRequest, e: &PlanError) {
    match e {
        PlanError::EmptyScope => {}
        PlanError::NoTargetBrokers => {}
        PlanError::ReplicationFactorTooHigh { rf, targets } => assert!(rf > targets),
        PlanError::PartitionRfExceedsTargets { rf, targets, .. } => assert!(rf > targets),
        PlanError::DrainLeavesTooFewBrokers { remaining, needed, .. } => {
            assert!(matches!(req.goal, Goal::Drain { .. }));
            assert!(needed > remaining)
        }
        other => panic!("unexpected error {other} for {req:?} on {} partitions", state.partitions.len()),
    }
}

fn run_case(g: &GenParams, goal_kind: usize) {
    run_state(&gen_state(g), goal_kind, g.seed);
}

/// Heavy-tailed sizes (1 B to ~1 TB, log-uniform) on every partition:
/// a few huge partitions and many small ones, as in real clusters.
fn with_skewed_sizes(mut state: ClusterState, seed: u64) -> ClusterState {
    let mut rng = common::Rng::new(seed ^ 0x5eed_b17e);
    for p in &mut state.partitions {
        let exp = rng.below(40) as u32;
        p.size_bytes = Some((1u64 << exp) + rng.next() % (1u64 << exp));
    }
    state
}

fn run_state(state: &ClusterState, goal_kind: usize, seed: u64) -> Facts {
    let state = state.clone();
    let req = gen_request(&state, goal_kind, seed);
    let p = match plan(&state, &req) {
        Ok(p) => p,
        Err(e) => {
            check_error(&state, &req, &e);
            return Facts::default();
        }
    };
    let facts = check_plan(&state, &req, &p);
    // Determinism: byte for byte.
    let again = plan(&state, &req).expect("second run");
    assert_eq!(p.reassignment_json(), again.reassignment_json());
    assert_eq!(p.rollback_json(), again.rollback_json());
    assert_eq!(
        serde_json::to_string(&p.summary).expect("summary"),
        serde_json::to_string(&again.summary).expect("summary")
    );
    // Input order does not matter.
    let mut shuffled = state.clone();
    shuffled.partitions.reverse();
    shuffled.brokers.reverse();
    let third = plan(&shuffled, &req).expect("shuffled run");
    assert_eq!(p.reassignment_json(), third.reassignment_json());
    // Idempotence: planning again on the result gives an empty plan (when
    // the result plans the same partitions: an RF decrease can push a topic
    // under its min ISR, which then is skipped).
    let after = apply(&state, &p);
    let next = plan(&after, &req).expect("plan on the result");
    if next.summary.skipped == p.summary.skipped {
        assert!(
            next.moves.is_empty(),
            "not idempotent: {} more changes, first {:?}",
            next.moves.len(),
            next.moves.first()
        );
    }
    facts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn rebalance_rules_hold(g in params()) {
        run_case(&g, 0);
    }

    #[test]
    fn drain_rules_hold(g in params()) {
        run_case(&g, 1);
    }

    #[test]
    fn replication_factor_rules_hold(g in params()) {
        run_case(&g, 2);
    }

    #[test]
    fn leaders_only_rules_hold(g in params()) {
        run_case(&g, 3);
    }

    /// Every goal on clusters where every partition has a (heavy-tailed)
    /// size: all rules above plus `check_bytes_local_optimum` by its plain
    /// definition (every partner in the improving size interval).
    #[test]
    fn skewed_sizes_bytes_locally_even(g in params(), goal in 0usize..3) {
        with_brute_bytes(|| run_state(&with_skewed_sizes(gen_state(&g), g.seed), goal, g.seed));
    }

    /// A balanced, rack-aware input (cyclic layout over brokers interleaved
    /// by rack, equal racks, partitions a multiple of the broker count,
    /// leaders one per window) yields an empty plan.
    #[test]
    fn balanced_input_gives_empty_plan(
        racks in 1usize..=6,
        per_rack in 1usize..=6,
        rf in 1usize..=4,
        rounds in 1usize..=30,
        topics in 1usize..=5,
    ) {
        let b_n = racks * per_rack;
        prop_assume!(rf <= b_n);
        // Broker i is in rack i % racks: consecutive ids are in different racks.
        let brokers: Vec<Broker> = (0..b_n)
            .map(|i| Broker { id: i as i32, rack: Some(format!("az-{}", i % racks)), alive: true })
            .collect();
        let mut parts = Vec::new();
        let total = b_n * rounds;
        for i in 0..total {
            let replicas: Vec<i32> = (0..rf).map(|k| ((i + k) % b_n) as i32).collect();
            parts.push(PartitionState {
                topic: format!("t{}", i % topics),
                partition: (i / topics) as i32,
                isr: replicas.clone(),
                leader: replicas.first().copied(),
                replicas,
                size_bytes: None,
            });
        }
        let state = ClusterState { brokers, partitions: parts, min_isr: BTreeMap::new() };
        for goal in [Goal::Rebalance, Goal::LeadersOnly, Goal::ReplicationFactor { rf }] {
            let req = PlanRequest { goal, scope: Scope::All, target_brokers: vec![], include_unhealthy: false };
            let p = plan(&state, &req).expect("plan");
            prop_assert!(p.moves.is_empty(), "balanced input moved {:?}", p.moves.first());
            prop_assert_eq!(p.summary.lower_bound, 0);
        }
    }

    /// Tiny instances: the planner's balance equals the brute-force optimum
    /// over every rack-aware assignment, and the reported lower bound never
    /// exceeds the true minimum number of moves to reach the planner's counts.
    #[test]
    fn tiny_instances_match_brute_force(
        brokers in 1usize..=5,
        racks in 0usize..=3,
        partitions in 1usize..=3,
        max_rf in 1usize..=3,
        seed in any::<u64>(),
        drain in any::<bool>(),
    ) {
        let g = GenParams { brokers, racks, partitions, max_rf, seed, dead_pct: 0, unhealthy_pct: 0 };
        let state = gen_state(&g);
        let goal = if drain && brokers > 1 { Goal::Drain { brokers: vec![1] } } else { Goal::Rebalance };
        let req = PlanRequest { goal, scope: Scope::All, target_brokers: vec![], include_unhealthy: true };
        let Ok(p) = plan(&state, &req) else { return Ok(()) };
        let facts = check_plan(&state, &req, &p);
        let targets: Vec<i32> = state.brokers.iter().map(|b| b.id).filter(|&id| !(drain && brokers > 1 && id == 1)).collect();
        let (best_cost, min_moves_to_final) = brute_force(&state, &targets, &p);
        let after = apply(&state, &p);
        let fin = counts(&after, &targets);
        let cost: usize = fin.iter().map(|x| x * x).sum();
        prop_assert_eq!(cost, best_cost);
        prop_assert!(facts.lower_bound <= min_moves_to_final, "lower bound {} > true minimum {}", facts.lower_bound, min_moves_to_final);
    }
}

fn counts(state: &ClusterState, targets: &[i32]) -> Vec<usize> {
    targets.iter().map(|t| state.partitions.iter().filter(|p| p.replicas.contains(t)).count()).collect()
}

/// (min sum of squares over every valid assignment, min moves among valid
/// assignments with the planner's final counts).
fn brute_force(state: &ClusterState, targets: &[i32], p: &Plan) -> (usize, usize) {
    let by_id: BTreeMap<i32, &Broker> = state.brokers.iter().map(|b| (b.id, b)).collect();
    let mut rack_caps: BTreeMap<String, usize> = BTreeMap::new();
    for t in targets {
        *rack_caps.entry(rack_key(by_id[t])).or_default() += 1;
    }
    let caps: Vec<usize> = rack_caps.values().copied().collect();
    let after = apply(state, p);
    let want = counts(&after, targets);
    // Valid replica sets per partition.
    let options: Vec<Vec<Vec<i32>>> = state
        .partitions
        .iter()
        .map(|part| {
            let rf = part.replicas.len();
            let h = h_of(rf, &caps);
            let mut out = Vec::new();
            let n = targets.len();
            for mask in 0u32..(1 << n) {
                if mask.count_ones() as usize != rf {
                    continue;
                }
                let set: Vec<i32> = (0..n).filter(|i| mask >> i & 1 == 1).map(|i| targets[i]).collect();
                let mut per: BTreeMap<String, usize> = BTreeMap::new();
                for b in &set {
                    *per.entry(rack_key(by_id[b])).or_default() += 1;
                }
                if per.values().all(|&c| c <= h) {
                    out.push(set);
                }
            }
            out
        })
        .collect();
    let mut best_cost = usize::MAX;
    let mut best_moves = usize::MAX;
    let mut idx = vec![0usize; options.len()];
    loop {
        let mut cnt = vec![0usize; targets.len()];
        let mut moves = 0;
        for (pi, &o) in idx.iter().enumerate() {
            for b in &options[pi][o] {
                if let Some(i) = targets.iter().position(|t| t == b) {
                    cnt[i] += 1;
                }
                if !state.partitions[pi].replicas.contains(b) {
                    moves += 1;
                }
            }
        }
        let cost: usize = cnt.iter().map(|x| x * x).sum();
        best_cost = best_cost.min(cost);
        if cnt == want {
            best_moves = best_moves.min(moves);
        }
        // Next combination.
        let mut i = 0;
        loop {
            if i == idx.len() {
                return (best_cost, best_moves);
            }
            idx[i] += 1;
            if idx[i] < options[i].len() {
                break;
            }
            idx[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (cases() / 4).max(1), ..ProptestConfig::default() })]

    /// Random clusters of 5k-20k partitions (the upper end), every goal, half of them with
    /// sizes: all rules above. Fewer cases: each takes seconds in a debug build.
    #[test]
    fn large_random_clusters(g in params(), partitions in 5_001usize..=20_000, goal in 0usize..4, sized: bool) {
        let g = GenParams { partitions, ..g };
        let state = if sized { with_skewed_sizes(gen_state(&g), g.seed) } else { gen_state(&g) };
        run_state(&state, goal, g.seed);
    }
}

/// The extreme sizes (60 brokers, 6 racks, RF 4, 20k partitions) for every
/// goal. About 20 s in a debug build, so it runs with the rest of `cargo test`.
#[test]
fn extreme_sizes() {
    let mut tried = 0;
    for (i, (brokers, racks, max_rf)) in [(60, 6, 4), (60, 0, 4), (7, 3, 4), (60, 5, 3), (1, 1, 1)].iter().enumerate() {
        for goal_kind in 0..4 {
            let g = GenParams {
                brokers: *brokers,
                racks: *racks,
                partitions: 20_000,
                max_rf: *max_rf,
                seed: 1000 + i as u64 * 17 + goal_kind as u64,
                dead_pct: 5,
                unhealthy_pct: 2,
            };
            run_case(&g, goal_kind);
            tried += run_state(&with_skewed_sizes(gen_state(&g), g.seed), goal_kind, g.seed).byte_exchanges_checked;
        }
    }
    assert!(tried > 0, "the byte check never had a pair of uneven brokers to look at");
}

/// The plain byte check has uneven brokers to look at on these clusters (so
/// `skewed_sizes_bytes_locally_even` is not vacuous).
#[test]
fn skewed_sizes_give_the_byte_check_work() {
    let mut tried = 0;
    for seed in 0..12u64 {
        let g = GenParams {
            brokers: 4 + seed as usize % 6,
            racks: seed as usize % 4,
            partitions: 300,
            max_rf: 3,
            seed,
            dead_pct: 0,
            unhealthy_pct: 0,
        };
        for goal in 0..3 {
            tried += with_brute_bytes(|| run_state(&with_skewed_sizes(gen_state(&g), seed), goal, seed))
                .byte_exchanges_checked;
        }
    }
    assert!(tried > 0, "no pair of brokers was ever more than 1% apart");
}

/// The byte check is not vacuous: a plan that moves the 1 B replica to
/// broker 2 (bytes 110/1) while the 10 B one could go instead (101/10) is
/// caught.
#[test]
#[should_panic(expected = "bytes not locally even")]
fn byte_check_catches_an_improving_exchange() {
    let state = ClusterState {
        brokers: vec![Broker { id: 1, rack: None, alive: true }, Broker { id: 2, rack: None, alive: true }],
        partitions: [(0, 1u64), (1, 10), (2, 100)]
            .iter()
            .map(|&(p, size)| PartitionState {
                topic: "t".into(),
                partition: p,
                replicas: vec![1],
                isr: vec![1],
                leader: Some(1),
                size_bytes: Some(size),
            })
            .collect(),
        min_isr: BTreeMap::new(),
    };
    let planned: Vec<&PartitionState> = state.partitions.iter().collect();
    let mut fin: BTreeMap<(&str, i32), Vec<i32>> = BTreeMap::new();
    fin.insert(("t", 0), vec![2]);
    fin.insert(("t", 1), vec![1]);
    fin.insert(("t", 2), vec![1]);
    let tidx: HashMap<i32, usize> = [(1, 0), (2, 1)].into_iter().collect();
    let pl =
        Placed { planned: &planned, final_lists: &fin, tidx: &tidx, rack_of: &[0, 1], caps: &[1, 1], rf_goal: None };
    check_bytes_local_optimum(&pl, true);
}

/// The checks that only apply to some requests do apply on ordinary random clusters, so the
/// property tests above are not vacuous: the exact balance oracle ran, found ±1 both achievable
/// and blocked by racks, the 1.1x rule was checked with a positive lower bound, and the
/// topic-spread check looked at exchanges.
#[test]
fn conditional_checks_get_work() {
    let (mut oracle, mut pm1, mut rack_limited, mut ratio, mut topic_pairs) = (0, 0, 0, 0, 0);
    for seed in 0..40u64 {
        let g = GenParams {
            brokers: 2 + seed as usize % 9,
            racks: seed as usize % 4,
            partitions: 40 + (seed as usize * 37) % 260,
            max_rf: 1 + seed as usize % 3,
            seed,
            dead_pct: 0,
            unhealthy_pct: 0,
        };
        for goal in 0..3 {
            let f = run_state(&gen_state(&g), goal, seed);
            oracle += usize::from(f.oracle_checked);
            pm1 += usize::from(f.pm1_achievable == Some(true));
            rack_limited += usize::from(f.pm1_achievable == Some(false));
            ratio += usize::from(f.ratio_checked);
            topic_pairs += f.topic_pairs_checked;
        }
    }
    eprintln!("oracle {oracle}, ±1 achievable {pm1}, rack-limited {rack_limited}, 1.1x checked {ratio}, topic pairs {topic_pairs}");
    assert!(
        oracle > 0 && pm1 > 0 && rack_limited > 0,
        "balance oracle: {oracle} runs, {pm1} ±1, {rack_limited} rack-limited"
    );
    assert!(ratio > 0, "the 1.1x rule was never checked with a positive lower bound");
    assert!(topic_pairs > 0, "the topic-spread check never had an exchange to look at");
}

/// The topic-spread check is not vacuous: draining broker 3 onto 1 and 2 with topic a all on 1
/// and topic b all on 2 is caught, since a-0 and b-0 could swap destinations at no extra move.
#[test]
#[should_panic(expected = "topics not locally spread")]
fn topic_check_catches_an_improving_exchange() {
    let part = |topic: &str, partition: i32| PartitionState {
        topic: topic.into(),
        partition,
        replicas: vec![3],
        isr: vec![3],
        leader: Some(3),
        size_bytes: None,
    };
    let partitions = [part("a", 0), part("a", 1), part("b", 0), part("b", 1)];
    let planned: Vec<&PartitionState> = partitions.iter().collect();
    let mut fin: BTreeMap<(&str, i32), Vec<i32>> = BTreeMap::new();
    fin.insert(("a", 0), vec![1]);
    fin.insert(("a", 1), vec![1]);
    fin.insert(("b", 0), vec![2]);
    fin.insert(("b", 1), vec![2]);
    let tidx: HashMap<i32, usize> = [(1, 0), (2, 1), (3, 2)].into_iter().collect();
    let pl = Placed {
        planned: &planned,
        final_lists: &fin,
        tidx: &tidx,
        rack_of: &[0, 1, 2],
        caps: &[1, 1, 1],
        rf_goal: None,
    };
    check_topic_local_optimum(&pl);
}
