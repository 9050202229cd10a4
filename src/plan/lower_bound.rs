//! The movement lower bound `LB` (module docs, "Minimal movement"): no plan reaching the
//! planner's final counts needs fewer moves. Reported as `Summary::lower_bound`.

use super::dense::BPart;

/// The movement lower bound (module docs, "Minimal movement").
pub(crate) fn compute_lower_bound(
    parts: &[BPart],
    rack_of: &[usize],
    rack_n: usize,
    current: &[usize],
    target: &[usize],
) -> usize {
    let mut caps = vec![0usize; rack_n];
    for &k in rack_of {
        caps[k] += 1;
    }
    // Per rack: Δ_k, E_k, F_k, G_k.
    let mut delta = vec![0i64; rack_n];
    let mut excess = vec![0i64; rack_n];
    for b in 0..current.len() {
        let k = rack_of[b];
        delta[k] += target[b] as i64 - current[b] as i64;
        excess[k] += (current[b] as i64 - target[b] as i64).max(0);
    }
    let mut forced = vec![0i64; rack_n];
    let mut outside = vec![0i64; rack_n];
    let mut must_enter = vec![0i64; rack_n];
    // Rack excess that cannot come off an over-target broker.
    let mut forced_extra = vec![0i64; rack_n];
    let mut over_cnt = vec![0i64; rack_n];
    let mut per_partition = 0i64;
    // Replicas an RF decrease may drop per broker (at most one per partition).
    let mut droppable = vec![0i64; current.len()];
    let mut cnt = vec![0i64; rack_n];
    for p in parts {
        cnt.iter_mut().for_each(|c| *c = 0);
        over_cnt.iter_mut().for_each(|c| *c = 0);
        let mut on_targets = 0i64;
        for &b in &p.orig {
            if !b.is_empty() {
                cnt[rack_of[b]] += 1;
                if current[b] > target[b] {
                    over_cnt[rack_of[b]] += 1;
                }
                on_targets += 1;
            }
        }
        if p.rf < p.orig.len() {
            for &b in &p.orig {
                if !b.is_empty() {
                    droppable[b] += 1;
                }
            }
        }
        let grow = p.rf as i64 - on_targets;
        // Replicas this partition can keep within the rack limit.
        let keepable: i64 = cnt.iter().map(|&c| c.min(p.h as i64)).sum::<i64>().min(p.rf as i64);
        per_partition += p.rf as i64 - keepable;
        let room: i64 = caps.iter().map(|&c| c.min(p.h) as i64).sum();
        for k in 0..rack_n {
            let e = (cnt[k] - p.h as i64).max(0);
            forced[k] += e;
            forced_extra[k] += (e - over_cnt[k]).max(0);
            outside[k] += (grow + cnt[k] - p.h as i64).max(0);
            // The fewest replicas rack k must hold, minus what it holds.
            let least = p.rf as i64 - (room - caps[k].min(p.h) as i64);
            must_enter[k] += (least - cnt[k]).max(0);
        }
    }
    let alpha: Vec<i64> = (0..rack_n)
        .map(|k| (delta[k] + (excess[k] + forced_extra[k]).max(forced[k])).max(must_enter[k]).max(0))
        .collect();
    let sum_alpha: i64 = alpha.iter().sum();
    let best_rack = (0..rack_n).map(|k| alpha[k] + outside[k]).max().unwrap_or(0);
    // Excess that drops cannot absorb leaves by moves.
    let undroppable: i64 =
        (0..current.len()).map(|b| (current[b] as i64 - target[b] as i64 - droppable[b]).max(0)).sum();
    sum_alpha.max(best_rack).max(per_partition).max(undroppable).max(0) as usize
}
