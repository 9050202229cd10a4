//! Exact minimum number of moves to reach given per-broker counts, by
//! min-cost flow (test oracle, independent of the planner).
//!
//! Network: source -> partition `p` (capacity `r_p`) -> rack node `(p, k)`
//! (capacity `h_p`; omitted when rack `k` cannot exceed `h_p` anyway) ->
//! target broker `b` of rack `k` (capacity 1, cost 0 if `b` holds `p` before
//! the plan, else 1) -> sink (capacity `t_b`). Integral flows of value
//! `sum r_p` are exactly the placements obeying the hard rules with counts
//! `t`, and the cost is the number of added replicas (= moves). An RF
//! decrease is free (an original replica simply carries no flow).
//!
//! Solved by the primal-dual method: start from a zero-cost flow (original
//! replicas kept greedily; every residual cycle then costs >= 0), then
//! Dijkstra with potentials and blocking flows (Dinic) on the zero-reduced-
//! cost subgraph until the flow is complete.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

pub struct ExactInput<'a> {
    /// Original replicas of each planned partition, as target indices
    /// (replicas on non-target brokers omitted).
    pub orig: &'a [Vec<usize>],
    /// Final replication factor of each planned partition.
    pub rf: &'a [usize],
    /// Rack of each target broker.
    pub rack_of: &'a [usize],
    /// Number of target brokers per rack.
    pub caps: &'a [usize],
    /// Final count per target broker.
    pub target: &'a [usize],
}

struct Graph {
    to: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i32>,
    adj: Vec<Vec<u32>>,
}

impl Graph {
    fn add(&mut self, u: usize, v: usize, cap: i32, cost: i32) -> usize {
        let e = self.to.len();
        self.to.push(v as u32);
        self.cap.push(cap);
        self.cost.push(cost);
        self.adj[u].push(e as u32);
        self.to.push(u as u32);
        self.cap.push(0);
        self.cost.push(-cost);
        self.adj[v].push(e as u32 + 1);
        e
    }
    fn push(&mut self, e: usize, f: i32) {
        self.cap[e] -= f;
        self.cap[e ^ 1] += f;
    }
}

/// `h(r)` (test's own copy).
fn h_of(r: usize, caps: &[usize]) -> usize {
    (1..=r.max(1)).find(|&h| caps.iter().map(|&c| c.min(h)).sum::<usize>() >= r).unwrap_or(r)
}

/// Minimum moves to reach exactly `target`, or `None` when no placement
/// obeying the hard rules has those counts.
pub fn min_moves(inp: &ExactInput<'_>) -> Option<usize> {
    if inp.rf.iter().sum::<usize>() != inp.target.iter().sum::<usize>() {
        return None;
    }
    let p_n = inp.orig.len();
    let b_n = inp.rack_of.len();
    let k_n = inp.caps.len();
    let members: Vec<Vec<usize>> = (0..k_n).map(|k| (0..b_n).filter(|&b| inp.rack_of[b] == k).collect()).collect();
    let s = 0usize;
    let t = 1usize;
    let bbase = 2usize;
    let mut n = bbase + b_n;
    let mut g = Graph { to: Vec::new(), cap: Vec::new(), cost: Vec::new(), adj: vec![Vec::new(); n] };
    let sink_e: Vec<usize> = (0..b_n).map(|b| g.add(bbase + b, t, inp.target[b] as i32, 0)).collect();
    let mut want: i64 = 0;
    let mut moved_edges: Vec<usize> = Vec::new();
    for p in 0..p_n {
        let r = inp.rf[p];
        want += r as i64;
        let h = h_of(r, inp.caps);
        let pn = n;
        n += 1;
        g.adj.push(Vec::new());
        let se = g.add(s, pn, r as i32, 0);
        for (k, rack) in members.iter().enumerate() {
            // A rack node is needed only when the rack could exceed h.
            let (from, ke) = if inp.caps[k].min(r) > h {
                let kn = n;
                n += 1;
                g.adj.push(Vec::new());
                let ke = g.add(pn, kn, h as i32, 0);
                (kn, Some(ke))
            } else {
                (pn, None)
            };
            for &b in rack {
                let is_orig = inp.orig[p].contains(&b);
                let e = g.add(from, bbase + b, 1, if is_orig { 0 } else { 1 });
                if !is_orig {
                    moved_edges.push(e);
                }
                // Zero-cost start: keep original replicas while capacities allow.
                if is_orig && g.cap[se] > 0 && g.cap[sink_e[b]] > 0 && ke.is_none_or(|ke| g.cap[ke] > 0) {
                    g.push(se, 1);
                    if let Some(ke) = ke {
                        g.push(ke, 1);
                    }
                    g.push(e, 1);
                    g.push(sink_e[b], 1);
                    want -= 1;
                }
            }
        }
    }
    let mut pot = vec![0i64; n];
    let inf = i64::MAX / 4;
    while want > 0 {
        // Dijkstra on reduced costs.
        let mut dist = vec![inf; n];
        dist[s] = 0;
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((0i64, s as u32)));
        while let Some(Reverse((d, u))) = heap.pop() {
            let u = u as usize;
            if d > dist[u] {
                continue;
            }
            for &e in &g.adj[u] {
                let e = e as usize;
                if g.cap[e] <= 0 {
                    continue;
                }
                let v = g.to[e] as usize;
                let nd = d + g.cost[e] as i64 + pot[u] - pot[v];
                if nd < dist[v] {
                    dist[v] = nd;
                    heap.push(Reverse((nd, v as u32)));
                }
            }
        }
        if dist[t] >= inf {
            return None;
        }
        let dt = dist[t];
        for v in 0..n {
            pot[v] += dist[v].min(dt);
        }
        // Blocking flows on the admissible (zero reduced cost) subgraph.
        loop {
            let mut level = vec![u32::MAX; n];
            level[s] = 0;
            let mut q = VecDeque::from([s]);
            while let Some(u) = q.pop_front() {
                for &e in &g.adj[u] {
                    let e = e as usize;
                    let v = g.to[e] as usize;
                    if g.cap[e] > 0 && level[v] == u32::MAX && g.cost[e] as i64 + pot[u] - pot[v] == 0 {
                        level[v] = level[u] + 1;
                        q.push_back(v);
                    }
                }
            }
            if level[t] == u32::MAX {
                break;
            }
            let mut it = vec![0usize; n];
            loop {
                let f = dfs(&mut g, &pot, &level, &mut it, s, t, want.min(i32::MAX as i64) as i32);
                if f == 0 {
                    break;
                }
                want -= f as i64;
                if want == 0 {
                    break;
                }
            }
            if want == 0 {
                break;
            }
        }
    }
    // Moves = flow on cost-1 edges (forward edge e used iff its reverse has capacity).
    Some(moved_edges.iter().filter(|&&e| g.cap[e ^ 1] > 0).count())
}

/// Iterative DFS for one augmenting path in the level graph; returns its flow.
fn dfs(g: &mut Graph, pot: &[i64], level: &[u32], it: &mut [usize], s: usize, t: usize, limit: i32) -> i32 {
    let mut stack: Vec<usize> = Vec::new(); // edges on the current path
    let mut u = s;
    loop {
        if u == t {
            let mut f = limit;
            for &e in &stack {
                f = f.min(g.cap[e]);
            }
            for &e in &stack {
                g.push(e, f);
            }
            return f;
        }
        let mut advanced = false;
        while it[u] < g.adj[u].len() {
            let e = g.adj[u][it[u]] as usize;
            let v = g.to[e] as usize;
            if g.cap[e] > 0 && level[v] == level[u] + 1 && g.cost[e] as i64 + pot[u] - pot[v] == 0 {
                stack.push(e);
                u = v;
                advanced = true;
                break;
            }
            it[u] += 1;
        }
        if !advanced {
            // Dead end: retreat.
            match stack.pop() {
                None => return 0,
                Some(e) => {
                    let prev = g.to[e ^ 1] as usize;
                    it[prev] += 1;
                    u = prev;
                }
            }
        }
    }
}

/// What [`exact_for_plan`] found.
#[derive(Debug, Clone, Copy)]
pub struct ExactFacts {
    /// Minimum moves of any plan reaching the planner's final counts.
    pub opt: usize,
    /// Equal racks (or none), rack-valid input, no RF decrease.
    pub in_class: bool,
}

/// The exact optimum for the planner's final counts (`None` for
/// leaders-only, or when the plan is an error).
pub fn exact_for_plan(
    state: &kdeck::plan::ClusterState,
    req: &kdeck::plan::PlanRequest,
    plan: &kdeck::plan::Plan,
) -> Option<ExactFacts> {
    use kdeck::plan::{Goal, Scope};
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    if matches!(req.goal, Goal::LeadersOnly) {
        return None;
    }
    let by_id: HashMap<i32, &kdeck::plan::Broker> = state.brokers.iter().map(|b| (b.id, b)).collect();
    let tv = &plan.summary.target_brokers;
    let tidx: HashMap<i32, usize> = tv.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let mut rm: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, b) in tv.iter().enumerate() {
        rm.entry(super::rack_key(by_id[b])).or_default().push(i);
    }
    let caps: Vec<usize> = rm.values().map(Vec::len).collect();
    let mut rack_of = vec![0usize; tv.len()];
    for (k, m) in rm.values().enumerate() {
        for &b in m {
            rack_of[b] = k;
        }
    }
    let all_topics: BTreeSet<&str> = state.partitions.iter().map(|p| p.topic.as_str()).collect();
    let scope: BTreeSet<&str> = match &req.scope {
        Scope::All => all_topics,
        Scope::Topics(v) => v.iter().map(String::as_str).collect(),
        Scope::Regex(r) => {
            let re = regex::Regex::new(&format!("^(?:{r})$")).expect("regex");
            all_topics.into_iter().filter(|t| re.is_match(t)).collect()
        }
    };
    let skipped: BTreeSet<(&str, i32)> = plan.summary.skipped.iter().map(|s| (s.topic.as_str(), s.partition)).collect();
    let moved: HashMap<(&str, i32), &Vec<i32>> =
        plan.moves.iter().map(|m| ((m.topic.as_str(), m.partition), &m.to)).collect();
    let rf_goal = match &req.goal {
        Goal::ReplicationFactor { rf } => Some(*rf),
        _ => None,
    };
    let mut orig = Vec::new();
    let mut rfs = Vec::new();
    let mut fin = vec![0usize; tv.len()];
    let mut in_class = caps.iter().all(|&c| c == caps[0]);
    for p in &state.partitions {
        if !scope.contains(p.topic.as_str()) || skipped.contains(&(p.topic.as_str(), p.partition)) {
            continue;
        }
        let rf = rf_goal.unwrap_or(p.replicas.len());
        let o: Vec<usize> = p.replicas.iter().filter_map(|b| tidx.get(b).copied()).collect();
        let h = h_of(rf, &caps);
        let mut per = vec![0usize; caps.len()];
        for &b in &o {
            per[rack_of[b]] += 1;
        }
        if per.iter().any(|&c| c > h) || rf < p.replicas.len() {
            in_class = false;
        }
        let l = moved.get(&(p.topic.as_str(), p.partition)).map_or(&p.replicas, |v| *v);
        for b in l {
            if let Some(&i) = tidx.get(b) {
                fin[i] += 1;
            }
        }
        orig.push(o);
        rfs.push(rf);
    }
    let opt = min_moves(&ExactInput { orig: &orig, rf: &rfs, rack_of: &rack_of, caps: &caps, target: &fin })?;
    Some(ExactFacts { opt, in_class })
}
