//! Validation of an imported reassignment against a cluster state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::error::{ValidationError, ValidationErrors, Warning};
use super::json::{Reassignment, ANY_LOG_DIR};
use super::model::ClusterState;
use super::report::SkipReason;
use super::targets::rack_limit;
use super::RackKey;

/// Checks `r` against `state`. Errors (all of them, in file order) make the
/// file unusable; warnings are returned on success: replicas on brokers that
/// are not alive, partitions that are offline or under min ISR, and
/// partitions that would put more replicas in one rack than the racks of the
/// alive brokers require (`h(r)`, see module docs: two replicas in one rack
/// when there are at least `r` racks).
///
/// `expected_rf`: when a replication-factor goal is given, every partition of
/// the file must have exactly that many replicas. Without one, a partition whose
/// replication factor the file changes is a warning (a rebalance or drain plan
/// keeps it; an RF change should be said with `--rf`).
pub fn validate(
    state: &ClusterState,
    r: &Reassignment,
    expected_rf: Option<usize>,
) -> Result<Vec<Warning>, ValidationErrors> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let topics: BTreeSet<&str> = state.partitions.iter().map(|p| p.topic.as_str()).collect();
    let parts: HashMap<(&str, i32), usize> =
        state.partitions.iter().enumerate().map(|(i, p)| ((p.topic.as_str(), p.partition), i)).collect();
    let brokers: HashMap<i32, &super::model::Broker> = state.brokers.iter().map(|b| (b.id, b)).collect();
    let alive: HashMap<i32, bool> = state.brokers.iter().map(|b| (b.id, b.alive)).collect();
    // Rack capacities among alive brokers decide what is avoidable.
    let mut rack_caps: BTreeMap<RackKey, usize> = BTreeMap::new();
    for b in state.brokers.iter().filter(|b| b.alive) {
        *rack_caps.entry(RackKey::of(b)).or_insert(0) += 1;
    }
    let caps: Vec<usize> = rack_caps.values().copied().collect();

    let mut seen: BTreeSet<(&str, i32)> = BTreeSet::new();
    for e in &r.partitions {
        let (topic, partition) = (e.topic.clone(), e.partition);
        if !seen.insert((e.topic.as_str(), e.partition)) {
            errors.push(ValidationError::DuplicatePartition { topic, partition });
            continue;
        }
        if !topics.contains(e.topic.as_str()) {
            errors.push(ValidationError::UnknownTopic { topic });
            continue;
        }
        let Some(&pi) = parts.get(&(e.topic.as_str(), e.partition)) else {
            errors.push(ValidationError::UnknownPartition { topic, partition });
            continue;
        };
        if e.replicas.is_empty() {
            errors.push(ValidationError::EmptyReplicas { topic, partition });
            continue;
        }
        let mut rs = BTreeSet::new();
        let mut ok = true;
        for &b in &e.replicas {
            if !rs.insert(b) {
                errors.push(ValidationError::DuplicateReplica { topic: topic.clone(), partition, broker: b });
                ok = false;
            }
            if !brokers.contains_key(&b) {
                errors.push(ValidationError::UnknownBroker { topic: topic.clone(), partition, broker: b });
                ok = false;
            }
        }
        if let Some(dirs) = &e.log_dirs {
            if dirs.len() != e.replicas.len() {
                errors.push(ValidationError::LogDirsLengthMismatch {
                    topic: topic.clone(),
                    partition,
                    replicas: e.replicas.len(),
                    log_dirs: dirs.len(),
                });
                ok = false;
            }
            for d in dirs {
                if d != ANY_LOG_DIR && !d.starts_with('/') {
                    errors.push(ValidationError::InvalidLogDir { topic: topic.clone(), partition, log_dir: d.clone() });
                    ok = false;
                }
            }
        }
        if let Some(rf) = expected_rf {
            if e.replicas.len() != rf {
                errors.push(ValidationError::ReplicationFactorMismatch {
                    topic: topic.clone(),
                    partition,
                    expected: rf,
                    actual: e.replicas.len(),
                });
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        // Warnings.
        let current_rf = state.partitions[pi].replicas.len();
        if expected_rf.is_none() && e.replicas.len() != current_rf {
            warnings.push(Warning::ReplicationFactorChange {
                topic: topic.clone(),
                partition,
                from: current_rf,
                to: e.replicas.len(),
            });
        }
        for &b in &e.replicas {
            if !alive.get(&b).copied().unwrap_or(false) {
                warnings.push(Warning::BrokerNotAlive { topic: topic.clone(), partition, broker: b });
            }
        }
        if let Some(reason) = super::health(state, &alive, &state.partitions[pi]) {
            let text = match reason {
                SkipReason::Offline => "offline".to_string(),
                SkipReason::UnderMinIsr { isr, min_isr } => {
                    format!("under min ISR ({isr} in sync, min.insync.replicas={min_isr})")
                }
                SkipReason::NoReplicas => "without replicas".to_string(),
            };
            warnings.push(Warning::UnhealthyPartition { topic: topic.clone(), partition, reason: text });
        }
        if !caps.is_empty() {
            let allowed = rack_limit(e.replicas.len(), &caps);
            let mut per_rack: BTreeMap<RackKey, Vec<i32>> = BTreeMap::new();
            for &b in &e.replicas {
                if let Some(br) = brokers.get(&b) {
                    per_rack.entry(RackKey::of(br)).or_default().push(b);
                }
            }
            for (rack, bs) in per_rack {
                if bs.len() > allowed {
                    warnings.push(Warning::RackCollocation {
                        topic: topic.clone(),
                        partition,
                        rack: rack.display(),
                        count: bs.len(),
                        brokers: bs,
                        allowed,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(ValidationErrors(errors))
    }
}
