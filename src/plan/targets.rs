//! Rack limits and per-broker target replica counts.
//!
//! See the module documentation of [`crate::plan`] for the definitions. In
//! short: a partition with replication factor `r` may place at most
//! `h(r) = min { h >= 1 : sum_k min(h, cap_k) >= r }` replicas in one rack
//! (`cap_k` = number of target brokers in rack `k`); `h(r) = 1` exactly when
//! `r` is at most the number of racks. The per-rack replica totals that some
//! assignment can reach form the integer points of a polymatroid base
//! polytope; the targets are the point minimising `sum_b t_b^2` (most
//! balanced) and, among those, `sum_b max(0, t_b - c_b)` (fewest replicas to
//! add, `c_b` = current count). They are computed with the greedy algorithm
//! for separable convex minimisation over a polymatroid, whose feasibility
//! oracle is a tiny max-flow (replication-factor classes -> racks).

use super::error::PlanError;

/// `h(r)`: the most replicas of one partition that one rack may hold.
pub(crate) fn rack_limit(r: usize, caps: &[usize]) -> usize {
    let mut h = 1;
    loop {
        let room: usize = caps.iter().map(|&c| c.min(h)).sum();
        if room >= r || h >= r {
            return h;
        }
        h += 1;
    }
}

/// Inputs of the target computation.
pub(crate) struct TargetInput<'a> {
    /// Target broker indices of every rack (racks indexed 0..K).
    pub rack_members: &'a [Vec<usize>],
    /// (replication factor, number of partitions) per class, factors distinct.
    pub classes: &'a [(usize, usize)],
    /// Current number of replicas (of the planned partitions) per target broker.
    pub current: &'a [usize],
}

/// Balance-optimal target count per target broker (indexed like `current`).
pub(crate) fn compute_targets(input: &TargetInput<'_>) -> Result<Vec<usize>, PlanError> {
    let k_n = input.rack_members.len();
    let caps: Vec<usize> = input.rack_members.iter().map(Vec::len).collect();
    let c_n = input.classes.len();
    // Members of each rack ordered by current count descending, then index.
    let order: Vec<Vec<usize>> = input
        .rack_members
        .iter()
        .map(|m| {
            let mut v = m.clone();
            v.sort_by(|&a, &b| input.current[b].cmp(&input.current[a]).then(a.cmp(&b)));
            v
        })
        .collect();
    let supply: Vec<usize> = input.classes.iter().map(|&(r, n)| r * n).collect();
    let total: usize = supply.iter().sum();
    let mut edge_cap = vec![0usize; c_n * k_n];
    for (c, &(r, n)) in input.classes.iter().enumerate() {
        let h = rack_limit(r, &caps);
        for k in 0..k_n {
            edge_cap[c * k_n + k] = n * h.min(caps[k]);
        }
        let room: usize = (0..k_n).map(|k| edge_cap[c * k_n + k]).sum();
        if room < supply[c] {
            return Err(PlanError::ReplicationFactorTooHigh { rf: r, targets: caps.iter().sum() });
        }
    }
    let mut net = Flow { k_n, c_n, supply, sent: vec![0; c_n], cap: edge_cap, flow: vec![0; c_n * k_n] };
    let mut rack_total = vec![0usize; k_n];
    let mut saturated = vec![false; k_n];
    let mut assigned = 0usize;
    let mut level = 0usize;
    // Number of members with current >= level+1 (a prefix of `order`).
    let mut prefix: Vec<usize> = vec![0; k_n];
    while assigned < total {
        for k in 0..k_n {
            let mut p = 0;
            while p < order[k].len() && input.current[order[k][p]] > level {
                p += 1;
            }
            prefix[k] = p;
        }
        let mut progressed = false;
        for pass in 0..2 {
            for k in 0..k_n {
                if saturated[k] || assigned >= total || caps[k] == 0 {
                    continue;
                }
                let desired = if pass == 0 { prefix[k] } else { caps[k] };
                let have = rack_total[k].saturating_sub(level * caps[k]);
                if desired <= have {
                    continue;
                }
                let want = (desired - have).min(total - assigned);
                let got = net.push(k, want);
                rack_total[k] += got;
                assigned += got;
                if got > 0 {
                    progressed = true;
                }
                if got < want && assigned < total {
                    saturated[k] = true;
                }
            }
        }
        if !progressed && assigned < total {
            return Err(PlanError::Internal("target computation made no progress".to_string()));
        }
        level += 1;
    }
    let mut targets = vec![0usize; input.current.len()];
    for k in 0..k_n {
        if caps[k] == 0 {
            continue;
        }
        let q = rack_total[k] / caps[k];
        let rem = rack_total[k] % caps[k];
        for (i, &b) in order[k].iter().enumerate() {
            targets[b] = q + usize::from(i < rem);
        }
    }
    Ok(targets)
}

/// Flow network source -> class -> rack (-> sink, implicit).
struct Flow {
    k_n: usize,
    c_n: usize,
    supply: Vec<usize>,
    sent: Vec<usize>,
    cap: Vec<usize>,
    flow: Vec<usize>,
}

impl Flow {
    /// Pushes up to `want` more units into rack `k`; returns how many.
    fn push(&mut self, k: usize, want: usize) -> usize {
        let mut got = 0;
        while got < want {
            // Direct paths first.
            let mut direct = false;
            for c in 0..self.c_n {
                let e = c * self.k_n + k;
                let room = (self.supply[c] - self.sent[c]).min(self.cap[e] - self.flow[e]);
                if room > 0 {
                    let d = room.min(want - got);
                    self.flow[e] += d;
                    self.sent[c] += d;
                    got += d;
                    direct = true;
                    if got == want {
                        break;
                    }
                }
            }
            if got == want {
                break;
            }
            if direct {
                continue;
            }
            match self.augment(k, want - got) {
                0 => break,
                d => got += d,
            }
        }
        got
    }

    /// One augmenting path source -> ... -> rack `k` through the residual graph.
    fn augment(&mut self, k: usize, want: usize) -> usize {
        // Nodes: classes 0..c_n, racks c_n..c_n+k_n.
        let n = self.c_n + self.k_n;
        let none = usize::MAX;
        let mut parent = vec![none; n];
        let mut seen = vec![false; n];
        let mut queue = std::collections::VecDeque::new();
        for (c, seen_c) in seen.iter_mut().enumerate().take(self.c_n) {
            if self.sent[c] < self.supply[c] {
                *seen_c = true;
                queue.push_back(c);
            }
        }
        let target = self.c_n + k;
        while let Some(u) = queue.pop_front() {
            if u == target {
                break;
            }
            if u < self.c_n {
                for j in 0..self.k_n {
                    let v = self.c_n + j;
                    let e = u * self.k_n + j;
                    if !seen[v] && self.flow[e] < self.cap[e] {
                        seen[v] = true;
                        parent[v] = u;
                        queue.push_back(v);
                    }
                }
            } else {
                let j = u - self.c_n;
                for c in 0..self.c_n {
                    let e = c * self.k_n + j;
                    if !seen[c] && self.flow[e] > 0 {
                        seen[c] = true;
                        parent[c] = u;
                        queue.push_back(c);
                    }
                }
            }
        }
        if !seen[target] {
            return 0;
        }
        // Bottleneck.
        let mut d = want;
        let mut v = target;
        while parent[v] != none {
            let u = parent[v];
            if u < self.c_n {
                let e = u * self.k_n + (v - self.c_n);
                d = d.min(self.cap[e] - self.flow[e]);
            } else {
                let e = v * self.k_n + (u - self.c_n);
                d = d.min(self.flow[e]);
            }
            v = u;
        }
        d = d.min(self.supply[v] - self.sent[v]);
        if d == 0 {
            return 0;
        }
        let mut v = target;
        while parent[v] != none {
            let u = parent[v];
            if u < self.c_n {
                self.flow[u * self.k_n + (v - self.c_n)] += d;
            } else {
                self.flow[v * self.k_n + (u - self.c_n)] -= d;
            }
            v = u;
        }
        self.sent[v] += d;
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_limit_values() {
        assert_eq!(rack_limit(3, &[2, 2, 2]), 1);
        assert_eq!(rack_limit(3, &[5, 5]), 2);
        assert_eq!(rack_limit(4, &[1, 5]), 3);
        assert_eq!(rack_limit(1, &[1]), 1);
        assert_eq!(rack_limit(2, &[4]), 2);
    }

    #[test]
    fn unconstrained_targets_are_within_one() {
        let members = vec![vec![0], vec![1], vec![2]];
        let t = compute_targets(&TargetInput { rack_members: &members, classes: &[(2, 6)], current: &[6, 6, 0] })
            .expect("targets");
        assert_eq!(t, vec![4, 4, 4]);
    }

    #[test]
    fn unequal_racks_limit_the_small_rack() {
        // rack 0: broker 0; rack 1: brokers 1,2,3. RF 2 => every partition
        // has one replica in each rack.
        let members = vec![vec![0], vec![1, 2, 3]];
        let t = compute_targets(&TargetInput { rack_members: &members, classes: &[(2, 6)], current: &[0, 4, 4, 4] })
            .expect("targets");
        assert_eq!(t, vec![6, 2, 2, 2]);
    }

    #[test]
    fn ceil_goes_to_fuller_brokers() {
        let members = vec![vec![0, 1, 2, 3]];
        let t = compute_targets(&TargetInput { rack_members: &members, classes: &[(1, 6)], current: &[0, 3, 0, 3] })
            .expect("targets");
        assert_eq!(t, vec![1, 2, 1, 2]);
    }
}
