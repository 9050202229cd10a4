//! Preferred-leader balancing by reordering replica lists (no data movement).
//!
//! Each partition chooses its preferred leader among its replicas on target
//! brokers. The result is an *optimal semi-matching*: there is no alternating
//! path `b0 -> b1 -> ... -> bm` (edge `x -> y`: a partition led by `x` has a
//! replica on `y`) with `leaders(bm) <= leaders(b0) - 2`. Such an assignment
//! minimises the largest leader count, maximises the smallest and minimises
//! the sum of squares at the same time (Harvey, Ladner, Lovász, Tamir,
//! "Semi-matchings for bipartite graphs and load balancing", 2006), so it is
//! within ±1 of the mean whenever any reordering is. The search starts from
//! the current preferred leaders and flips partitions whose replica set
//! changes anyway before untouched ones, so balanced leaders are left alone.

use std::collections::VecDeque;

use super::dense::BitRows;

/// Reorders `lists` (broker ids, first = preferred leader) in place.
///
/// * `target_pos(id)` gives the dense index of a target broker, `None` otherwise.
/// * `free[p]` tells that partition `p` changes anyway (its replica set moved),
///   so changing its leader costs no extra leader-only change.
/// * `orig_leader[p]` is the original preferred leader.
pub(crate) fn balance_leaders<F>(
    lists: &mut [Vec<i32>],
    b_n: usize,
    target_pos: F,
    free: &[bool],
    orig_leader: &[Option<i32>],
) where
    F: Fn(i32) -> Option<usize>,
{
    let p_n = lists.len();
    // Candidates (dense broker indices) per partition, in list order.
    let cands: Vec<Vec<usize>> = lists.iter().map(|l| l.iter().filter_map(|&b| target_pos(b)).collect()).collect();
    let mut leader: Vec<Option<usize>> = cands.iter().map(|c| c.first().copied()).collect();
    let orig_pos: Vec<Option<usize>> = orig_leader.iter().map(|o| o.and_then(&target_pos)).collect();
    let mut load = vec![0usize; b_n];
    for l in leader.iter().flatten() {
        load[*l] += 1;
    }
    let tier = |p: usize, lead: usize| -> u64 {
        if free[p] || orig_pos[p] != Some(lead) {
            0
        } else {
            1
        }
    };
    // led[x * b_n + y]: partitions led by x with a replica on y, keyed (tier, p), as sorted
    // vectors (filled, then sorted once; few edits after: cheaper than B-tree sets). Each key is
    // stored inverted (`!key`, so the vector runs from the largest key to the smallest): the
    // search takes the smallest, and the edits that follow are mostly among the smallest keys,
    // now at the end of their vectors instead of the start (each edit shifted the whole vector).
    let mut led: Vec<Vec<u64>> = vec![Vec::new(); b_n * b_n];
    // Lowest tier first, then the highest partition index (the first
    // partitions of a topic keep their leader).
    let key = |t: u64, p: usize| (t << 32) | (0xffff_ffff - p as u64);
    for p in 0..p_n {
        if let Some(x) = leader[p] {
            let t = tier(p, x);
            for &y in &cands[p] {
                if y != x {
                    led[x * b_n + y].push(!key(t, p));
                }
            }
        }
    }
    for set in &mut led {
        set.sort_unstable();
        set.dedup();
    }
    // Row x, column y: `led[x * b_n + y]` is not empty. The search below reads a broker's
    // neighbours from its row (one augmenting path per leader that changes broker: tens of
    // thousands when ten new brokers join, each a search that read all B * B set lengths).
    let mut adj = BitRows::new(b_n, b_n);
    for (xy, set) in led.iter().enumerate() {
        if !set.is_empty() {
            adj.insert(xy / b_n, xy % b_n);
        }
    }
    let max_load = load.iter().copied().max().unwrap_or(0);
    let mut v = max_load;
    let none = usize::MAX;
    let mut parent = vec![none; b_n];
    let mut seen = BitRows::new(1, b_n);
    let mut queue = VecDeque::new();
    while v >= 2 {
        loop {
            // Multi-source BFS from every broker with load v; neighbours in increasing order.
            parent.fill(none);
            seen.clear();
            queue.clear();
            for (b, _) in load.iter().enumerate().filter(|&(_, &l)| l == v) {
                seen.insert(0, b);
                queue.push_back(b);
            }
            if queue.is_empty() {
                break;
            }
            let mut found = None;
            'bfs: while let Some(x) = queue.pop_front() {
                for y in adj.ones(x) {
                    if !seen.contains(0, y) {
                        seen.insert(0, y);
                        parent[y] = x;
                        if load[y] + 2 <= v {
                            found = Some(y);
                            break 'bfs;
                        }
                        queue.push_back(y);
                    }
                }
            }
            let Some(end) = found else { break };
            let mut path = vec![end];
            let mut w = end;
            while parent[w] != none {
                w = parent[w];
                path.push(w);
            }
            path.reverse();
            for i in 0..path.len() - 1 {
                let (x, y) = (path[i], path[i + 1]);
                let Some(&inverted) = led[x * b_n + y].last() else { break };
                let p = (0xffff_ffff - (!inverted & 0xffff_ffff)) as usize;
                // Re-key p under its new leader y.
                let old_t = tier(p, x);
                for &z in &cands[p] {
                    if z != x {
                        let set = &mut led[x * b_n + z];
                        if let Ok(at) = set.binary_search(&!key(old_t, p)) {
                            set.remove(at);
                            if set.is_empty() {
                                adj.remove(x, z);
                            }
                        }
                    }
                }
                leader[p] = Some(y);
                let new_t = tier(p, y);
                for &z in &cands[p] {
                    if z != y {
                        let set = &mut led[y * b_n + z];
                        if let Err(at) = set.binary_search(&!key(new_t, p)) {
                            set.insert(at, !key(new_t, p));
                            adj.insert(y, z);
                        }
                    }
                }
                load[x] -= 1;
                load[y] += 1;
            }
        }
        v -= 1;
    }
    // Reorder: the chosen leader first, the others keep their relative order.
    for p in 0..p_n {
        if let Some(l) = leader[p] {
            if let Some(pos) = lists[p].iter().position(|&b| target_pos(b) == Some(l)) {
                if pos > 0 {
                    let b = lists[p].remove(pos);
                    lists[p].insert(0, b);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_two_brokers() {
        let mut lists = vec![vec![1, 2], vec![1, 2], vec![1, 2], vec![1, 2]];
        let free = vec![false; 4];
        let orig: Vec<Option<i32>> = lists.iter().map(|l| l.first().copied()).collect();
        balance_leaders(&mut lists, 2, |b| usize::try_from(b - 1).ok().filter(|&i| i < 2), &free, &orig);
        let first: Vec<i32> = lists.iter().map(|l| l[0]).collect();
        assert_eq!(first.iter().filter(|&&b| b == 1).count(), 2);
        assert_eq!(first.iter().filter(|&&b| b == 2).count(), 2);
        // The untouched partitions with the lowest numbers keep their leader.
        assert_eq!(lists[0], vec![1, 2]);
    }

    #[test]
    fn balanced_input_is_left_alone() {
        let mut lists = vec![vec![1, 2], vec![2, 1]];
        let before = lists.clone();
        let orig: Vec<Option<i32>> = lists.iter().map(|l| l.first().copied()).collect();
        balance_leaders(&mut lists, 2, |b| usize::try_from(b - 1).ok().filter(|&i| i < 2), &[false, false], &orig);
        assert_eq!(lists, before);
    }
}
