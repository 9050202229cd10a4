//! Reading the planner's input: consistency checks, the scope's topics, target and drained
//! brokers, which partitions are planned (healthy) and which are skipped, and racks.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::error::PlanError;
use super::model::{Broker, ClusterState, Goal, PartitionState, PlanRequest, Scope};
use super::report::{SkipReason, SkippedPartition};

/// The rack of a broker for the rack rule: a named rack, or (no rack) a rack
/// of its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RackKey {
    Named(String),
    Own(i32),
}

impl RackKey {
    pub(crate) fn of(broker: &Broker) -> RackKey {
        match &broker.rack {
            Some(r) => RackKey::Named(r.clone()),
            None => RackKey::Own(broker.id),
        }
    }

    pub(crate) fn display(&self) -> String {
        match self {
            RackKey::Named(r) => r.clone(),
            RackKey::Own(id) => format!("broker:{id}"),
        }
    }
}

/// Health of a partition, as the planner sees it.
pub(crate) fn health(state: &ClusterState, alive: &HashMap<i32, bool>, p: &PartitionState) -> Option<SkipReason> {
    if p.replicas.is_empty() {
        return Some(SkipReason::NoReplicas);
    }
    let isr_alive = p.isr.iter().any(|b| alive.get(b).copied().unwrap_or(false));
    if p.leader.is_none() || !isr_alive {
        return Some(SkipReason::Offline);
    }
    let min_isr = state.min_isr.get(&p.topic).copied().unwrap_or(1);
    if (p.isr.len() as i64) < i64::from(min_isr) {
        return Some(SkipReason::UnderMinIsr { isr: p.isr.len(), min_isr });
    }
    None
}

/// Checks the state for contradictions the planner cannot work with.
pub(super) fn check_state(state: &ClusterState) -> Result<(), PlanError> {
    let mut ids = BTreeSet::new();
    for b in &state.brokers {
        if !ids.insert(b.id) {
            return Err(PlanError::DuplicateBrokerInState(b.id));
        }
    }
    // Hashed, not ordered: 100k string keys compared along a B-tree cost more than the rest of
    // reading the input.
    let mut seen: HashSet<(&str, i32)> = HashSet::with_capacity(state.partitions.len());
    for p in &state.partitions {
        if !seen.insert((p.topic.as_str(), p.partition)) {
            return Err(PlanError::DuplicatePartitionInState { topic: p.topic.clone(), partition: p.partition });
        }
        // A replica list is short: a set per partition cost more than comparing.
        for (i, &r) in p.replicas.iter().enumerate() {
            if p.replicas[..i].contains(&r) {
                return Err(PlanError::DuplicateReplicaInState {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    broker: r,
                });
            }
        }
    }
    Ok(())
}

/// Topics of the scope (sorted).
pub(super) fn resolve_scope(state: &ClusterState, scope: &Scope) -> Result<BTreeSet<String>, PlanError> {
    // A topic's partitions usually come one after another: each run inserted once.
    let mut all: BTreeSet<&str> = BTreeSet::new();
    let mut last: Option<&str> = None;
    for p in &state.partitions {
        if last != Some(p.topic.as_str()) {
            all.insert(p.topic.as_str());
            last = Some(p.topic.as_str());
        }
    }
    let out: BTreeSet<String> = match scope {
        Scope::All => all.iter().map(|s| s.to_string()).collect(),
        Scope::Topics(list) => {
            let mut out = BTreeSet::new();
            for t in list {
                if !all.contains(t.as_str()) {
                    return Err(PlanError::UnknownTopic(t.clone()));
                }
                out.insert(t.clone());
            }
            out
        }
        Scope::Regex(pattern) => {
            let re = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| PlanError::InvalidRegex { pattern: pattern.clone(), message: e.to_string() })?;
            all.iter().filter(|t| re.is_match(t)).map(|s| s.to_string()).collect()
        }
    };
    if out.is_empty() {
        return Err(PlanError::EmptyScope);
    }
    Ok(out)
}

/// Target brokers (sorted ids) and drained brokers (sorted ids).
pub(super) fn resolve_targets(state: &ClusterState, req: &PlanRequest) -> Result<(Vec<i32>, Vec<i32>), PlanError> {
    let by_id = super::brokers_by_id(state);
    let mut targets: BTreeSet<i32> = BTreeSet::new();
    if req.target_brokers.is_empty() {
        targets.extend(state.brokers.iter().filter(|b| b.alive).map(|b| b.id));
    } else {
        for &id in &req.target_brokers {
            match by_id.get(&id) {
                None => return Err(PlanError::UnknownBroker(id)),
                Some(b) if !b.alive => return Err(PlanError::BrokerNotAlive(id)),
                Some(_) => {
                    targets.insert(id);
                }
            }
        }
    }
    let mut drained = BTreeSet::new();
    if let Goal::Drain { brokers } = &req.goal {
        for &id in brokers {
            if !by_id.contains_key(&id) {
                return Err(PlanError::UnknownBroker(id));
            }
            drained.insert(id);
            targets.remove(&id);
        }
    }
    if targets.is_empty() {
        return Err(PlanError::NoTargetBrokers);
    }
    Ok((targets.into_iter().collect(), drained.into_iter().collect()))
}

/// The scope's partitions split into planned and skipped.
pub(super) struct Selection {
    /// Number of partitions in the scope.
    pub scope: usize,
    /// Indices into `state.partitions` of the planned partitions, by topic then partition.
    pub planned: Vec<usize>,
    /// Unhealthy partitions left as they are, with the reason.
    pub skipped: Vec<SkippedPartition>,
}

/// The partitions of `topics` in canonical order (topic, partition), split into planned and
/// skipped: a partition without replicas is always skipped, an unhealthy one unless
/// `include_unhealthy`.
pub(super) fn select_partitions<'a>(
    state: &'a ClusterState,
    topics: &BTreeSet<String>,
    include_unhealthy: bool,
) -> Selection {
    let alive: HashMap<i32, bool> = state.brokers.iter().map(|b| (b.id, b.alive)).collect();
    // Looked up once per run of partitions of one topic.
    let mut last: Option<(&str, bool)> = None;
    let mut in_scope = |topic: &'a str| -> bool {
        match last {
            Some((t, is_in)) if t == topic => is_in,
            _ => {
                let is_in = topics.contains(topic);
                last = Some((topic, is_in));
                is_in
            }
        }
    };
    let mut scope: Vec<usize> = (0..state.partitions.len()).filter(|&i| in_scope(&state.partitions[i].topic)).collect();
    scope.sort_by(|&a, &b| {
        let (pa, pb) = (&state.partitions[a], &state.partitions[b]);
        (&pa.topic, pa.partition).cmp(&(&pb.topic, pb.partition))
    });
    let mut planned: Vec<usize> = Vec::new();
    let mut skipped: Vec<SkippedPartition> = Vec::new();
    for &i in &scope {
        let p = &state.partitions[i];
        match health(state, &alive, p) {
            Some(SkipReason::NoReplicas) => skipped.push(SkippedPartition {
                topic: p.topic.clone(),
                partition: p.partition,
                reason: SkipReason::NoReplicas,
            }),
            Some(reason) if !include_unhealthy => {
                skipped.push(SkippedPartition { topic: p.topic.clone(), partition: p.partition, reason })
            }
            _ => planned.push(i),
        }
    }
    Selection { scope: scope.len(), planned, skipped }
}
