//! Verifying (every partition at its target? then remove the throttles kdeck set for it) and
//! cancelling moves in progress.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

use super::record::{ExecutionRecord, RecordState, Records, Refused};
use super::state::Live;
use super::throttles::{clear_changes, Clear, ClearOrigin, ThrottleConfigs};
use super::{partition_error, Applied, Step};
use crate::kafka::Client;
use crate::ops::{self, AuditResult, Context, Mutation, OpsError, Preview};
use crate::plan::execution::Move;
use crate::plan::throttle::{Throttles, TopicThrottle};
use crate::plan::Reassignment;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// At its target, not moving.
    Complete,
    /// The controller is moving it.
    Moving,
    /// In a batch of an execution that was not submitted yet.
    NotSubmitted,
    /// Neither at its target nor moving (cancelled, refused, changed by someone else).
    NotAtTarget,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionCheck {
    pub topic: String,
    pub partition: i32,
    pub target: Vec<i32>,
    /// The replicas now (None: the partition does not exist).
    pub replicas: Option<Vec<i32>>,
    pub state: Check,
    pub execution: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecutionState {
    pub id: String,
    pub state: RecordState,
    /// Throttles it set that are still on the cluster.
    pub throttles_left: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub partitions: Vec<PartitionCheck>,
    /// Every partition checked is at its target.
    pub complete: bool,
    /// Throttle changes made.
    pub removed: Vec<String>,
    /// Throttles kept, and why.
    pub kept: Vec<String>,
    pub executions: Vec<ExecutionState>,
    /// Why nothing was removed (read-only, dry run), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn check(live: &Live, topic: &str, partition: i32, target: &[i32]) -> Check {
    if live.moving(topic, partition) {
        Check::Moving
    } else if live.replicas(topic, partition) == Some(target) {
        Check::Complete
    } else {
        Check::NotAtTarget
    }
}

/// The state of every move of a record.
fn record_checks(live: &Live, r: &ExecutionRecord) -> Vec<(Move, Check)> {
    r.batches
        .iter()
        .enumerate()
        .flat_map(|(i, batch)| {
            batch.iter().map(move |m| {
                let c = match check(live, &m.topic, m.partition, &m.target) {
                    Check::NotAtTarget if i >= r.submitted && r.state == RecordState::Running => Check::NotSubmitted,
                    c => c,
                };
                (m.clone(), c)
            })
        })
        .collect()
}

/// The record's throttles that are still on the cluster.
fn still_set(r: &Throttles, current: &ThrottleConfigs) -> Throttles {
    let topics = r
        .topics
        .iter()
        .filter_map(|(topic, t)| {
            let lists = current.topics.get(topic)?;
            let keep = |key: &str, e: &crate::plan::throttle::Entries| -> crate::plan::throttle::Entries {
                match lists.get(key) {
                    crate::plan::throttle::ReplicaList::Entries(have) => e.intersection(have).copied().collect(),
                    crate::plan::throttle::ReplicaList::All => Default::default(),
                }
            };
            let t = TopicThrottle {
                leader: keep(crate::plan::throttle::LEADER_REPLICAS, &t.leader),
                follower: keep(crate::plan::throttle::FOLLOWER_REPLICAS, &t.follower),
            };
            (!t.is_empty()).then(|| (topic.clone(), t))
        })
        .collect();
    // Every broker stays: a broker's answer can lag behind the metadata log (seen on a broker that
    // had just restarted: the rate set seconds earlier was missing from its DescribeConfigs), so a
    // rate not seen is not a rate not set. Forgetting it here would leave it set for good.
    Throttles { topics, brokers: r.brokers.clone() }
}

fn throttle_words(t: &Throttles) -> Vec<String> {
    let mut out: Vec<String> = t
        .topics
        .iter()
        .flat_map(|(topic, tt)| {
            [
                (crate::plan::throttle::LEADER_REPLICAS, &tt.leader),
                (crate::plan::throttle::FOLLOWER_REPLICAS, &tt.follower),
            ]
            .into_iter()
            .filter(|(_, e)| !e.is_empty())
            .map(move |(k, e)| format!("topic {topic}: {k} {}", crate::plan::throttle::format_entries(e)))
        })
        .collect();
    out.extend(t.brokers.iter().map(|b| format!("broker {b}: replication rates")));
    out
}

/// Checks the partitions of `file` (or, without one, of every unfinished kdeck execution on this
/// cluster; `only` narrows to those executions), then removes the throttles kdeck set for moves
/// that are complete, refused or cancelled: list entries at once, a broker's rates only once its
/// execution is over and no reassignment in progress has a replica on the broker.
pub async fn verify(
    client: &Client,
    ctx: &Context,
    file: Option<&Reassignment>,
    only: Option<&[String]>,
    origin: ClearOrigin,
) -> Result<VerifyReport, OpsError> {
    let records = Records::for_context(ctx)?;
    let live = Live::load(client, None).await?;
    let cluster_id = live.snapshot.cluster_id.clone();
    let mut related: Vec<ExecutionRecord> = match only {
        Some(ids) => ids.iter().map(|id| records.load(id)).collect::<Result<_, _>>()?,
        None => records.unfinished(&ctx.cluster, cluster_id.as_deref()),
    };
    if let Some(f) = file {
        let keys: BTreeSet<(String, i32)> = f.partitions.iter().map(|p| (p.topic.clone(), p.partition)).collect();
        related.retain(|r| r.moves().any(|m| keys.contains(&m.key())));
    }
    let by_partition: BTreeMap<(String, i32), String> =
        related.iter().flat_map(|r| r.moves().map(|m| (m.key(), r.id.clone())).collect::<Vec<_>>()).collect();
    let checks: BTreeMap<String, Vec<(Move, Check)>> =
        related.iter().map(|r| (r.id.clone(), record_checks(&live, r))).collect();
    let mut report = VerifyReport::default();
    match file {
        Some(f) => {
            for p in &f.partitions {
                let state =
                    match checks.values().flatten().find(|(m, _)| m.topic == p.topic && m.partition == p.partition) {
                        Some((m, c)) if m.target == p.replicas => *c,
                        _ => check(&live, &p.topic, p.partition, &p.replicas),
                    };
                report.partitions.push(PartitionCheck {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    target: p.replicas.clone(),
                    replicas: live.replicas(&p.topic, p.partition).map(<[i32]>::to_vec),
                    state,
                    execution: by_partition.get(&(p.topic.clone(), p.partition)).cloned(),
                });
            }
        }
        None => {
            for r in &related {
                for (m, c) in &checks[&r.id] {
                    report.partitions.push(PartitionCheck {
                        topic: m.topic.clone(),
                        partition: m.partition,
                        target: m.target.clone(),
                        replicas: live.replicas(&m.topic, m.partition).map(<[i32]>::to_vec),
                        state: *c,
                        execution: Some(r.id.clone()),
                    });
                }
            }
        }
    }
    report.complete = report.partitions.iter().all(|p| p.state == Check::Complete);
    if file.is_some() && related.is_empty() {
        report.note = Some(
            "no kdeck execution of this plan is recorded here: kdeck removes only the throttles it set (`kdeck throttles list` shows the rest)"
                .into(),
        );
    }

    // what can go: entries of moves that are over; rates of executions that are over
    let needed = live.needed_throttles();
    let mut all_recorded = Throttles::default();
    for r in &related {
        all_recorded.extend(&r.throttles);
    }
    let current = ThrottleConfigs::read(
        client,
        Some(&all_recorded.topics.keys().cloned().collect()),
        Some(&all_recorded.brokers),
    )
    .await?;
    let mut remove = Throttles::default();
    let mut kept_brokers: BTreeSet<i32> = BTreeSet::new();
    for r in &mut related {
        r.throttles = still_set(&r.throttles, &current);
        let cs = &checks[&r.id];
        let over: BTreeSet<(String, i32)> = cs
            .iter()
            .filter(|(_, c)| matches!(c, Check::Complete) || (r.state == RecordState::Cancelled && *c != Check::Moving))
            .map(|(m, _)| m.key())
            .chain(r.refused.iter().map(|x| (x.topic.clone(), x.partition)))
            .collect();
        remove.extend(&r.throttles.entries_of(&over));
        let execution_over = cs
            .iter()
            .all(|(m, c)| over.contains(&m.key()) || *c == Check::NotAtTarget && r.state != RecordState::Running);
        if execution_over {
            for &b in &r.throttles.brokers {
                if needed.brokers.contains(&b) {
                    kept_brokers.insert(b);
                } else {
                    remove.brokers.insert(b);
                }
            }
        }
        if r.state == RecordState::Running
            && r.submitted >= r.batches.len()
            && cs.iter().all(|(m, _)| over.contains(&m.key()))
        {
            r.state = RecordState::Complete;
        }
    }
    let mut remove = remove.minus(&Throttles { topics: needed.topics.clone(), brokers: BTreeSet::new() });
    for (b, why) in &current.unreachable {
        if remove.brokers.remove(b) {
            report.kept.push(format!("broker {b}: cannot be asked ({why}); its rates stay until a later verify"));
        }
    }
    for b in &kept_brokers {
        let users: Vec<String> = live
            .ongoing
            .iter()
            .filter(|o| o.replicas.contains(b))
            .take(3)
            .map(|o| format!("{}-{}", o.topic, o.partition))
            .collect();
        report.kept.push(format!(
            "broker {b}: replication rates kept, still used by the reassignment of {}",
            users.join(", ")
        ));
    }
    let changes = clear_changes(&current, &remove);
    let ids: Vec<String> = related.iter().map(|r| r.id.clone()).collect();
    let mut applied = changes.is_empty();
    if !changes.is_empty() {
        let step = Step::ClearThrottles(Clear { origin, executions: ids.clone(), changes });
        let result = match ops::prepare(client, ctx, Mutation::Reassignment(step)).await {
            Ok(preview) => ops::apply(client, ctx, preview).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(o) if o.result == AuditResult::DryRun => {
                report.note = Some("dry run: no throttle was removed".into());
            }
            Ok(o) => {
                if let Some(Applied::Cleared(c)) = o.details.as_ref() {
                    report.removed = c.removed.clone();
                }
                applied = true;
            }
            Err(e @ OpsError::ReadOnly { .. }) => report.note = Some(format!("{e}: no throttle was removed")),
            Err(e) => return Err(e),
        }
    }
    // the records: what is still set, and whether they are done (not in a dry run)
    if applied && !ctx.dry_run && !ctx.read_only {
        for r in &mut related {
            let mut fresh = records.load(&r.id)?;
            fresh.throttles = r.throttles.minus(&remove);
            if fresh.state == RecordState::Running {
                fresh.state = r.state;
            }
            records.save(&mut fresh)?;
            *r = fresh;
        }
    }
    report.executions = related
        .iter()
        .map(|r| ExecutionState { id: r.id.clone(), state: r.state, throttles_left: throttle_words(&r.throttles) })
        .collect();
    Ok(report)
}

/// Cancel the reassignments in progress (of the given topics, or all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cancel {
    pub topics: Vec<String>,
    /// Only these partitions (with `topics`, those of the topics too); empty: no narrowing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<(String, i32)>,
    /// Filled in by prepare: the moves to cancel, each going back to its `current` replicas.
    pub moves: Vec<Move>,
}

impl Cancel {
    pub fn summary(&self) -> String {
        if self.moves.is_empty() {
            let scope = match (&self.topics[..], &self.partitions[..]) {
                ([], []) => "all topics".to_string(),
                (t, []) => t.join(","),
                (_, p) => p.iter().map(|(t, p)| format!("{t}-{p}")).collect::<Vec<_>>().join(","),
            };
            return format!("cancel the reassignments of {scope}");
        }
        let parts: Vec<String> = self.moves.iter().map(|m| format!("{}-{}", m.topic, m.partition)).collect();
        format!("cancel the reassignment of {}", parts.join(","))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cancelled {
    pub accepted: Vec<(String, i32)>,
    pub refused: Vec<Refused>,
}

pub async fn prepare_cancel(client: &Client, ctx: &Context, c: &Cancel) -> Result<Preview, OpsError> {
    let live = Live::load(client, None).await?;
    let moves: Vec<Move> = live
        .in_flight()
        .into_iter()
        .filter(|m| c.topics.is_empty() || c.topics.contains(&m.topic))
        .filter(|m| c.partitions.is_empty() || c.partitions.contains(&m.key()))
        .collect();
    if moves.is_empty() {
        let mut named: Vec<String> = c.topics.clone();
        named.extend(c.partitions.iter().map(|(t, p)| format!("{t}-{p}")));
        let scope = if named.is_empty() { String::new() } else { format!(" for {}", named.join(", ")) };
        return Err(OpsError::Invalid(format!("no reassignment in progress{scope}: nothing to cancel")));
    }
    let executions = super::status::executions_by_partition(ctx, live.snapshot.cluster_id.as_deref());
    let ids: BTreeSet<&String> = moves.iter().filter_map(|m| executions.get(&m.key()).map(|(id, _)| id)).collect();
    let mut warnings =
        vec!["each cancelled partition goes back to its original replicas; what the new replicas copied is deleted"
            .to_string()];
    for id in ids {
        warnings.push(format!("kdeck execution {id} stops: its remaining batches are not submitted"));
    }
    Ok(Preview::of(
        ctx,
        Mutation::Reassignment(Step::Cancel(Cancel {
            topics: c.topics.clone(),
            partitions: c.partitions.clone(),
            moves,
        })),
        "checked against the reassignments in progress (AlterPartitionReassignments has no validate-only mode)",
        warnings,
    ))
}

pub async fn apply_cancel(client: &Client, ctx: &Context, c: &Cancel) -> Result<(String, Applied), OpsError> {
    let targets: Vec<(String, i32, Option<Vec<i32>>)> =
        c.moves.iter().map(|m| (m.topic.clone(), m.partition, None)).collect();
    let outcomes = client.alter_reassignments(&targets).await?;
    let mut done = Cancelled { accepted: Vec::new(), refused: Vec::new() };
    for o in outcomes {
        match o.error {
            None => done.accepted.push((o.topic, o.partition)),
            Some(e) => {
                done.refused.push(Refused { topic: o.topic, partition: o.partition, error: partition_error(&e) })
            }
        }
    }
    // the executions they belong to stop
    let records = Records::for_context(ctx)?;
    let cancelled: BTreeSet<(String, i32)> = done.accepted.iter().cloned().collect();
    for mut r in records.list().into_iter().filter(|r| r.state == RecordState::Running) {
        if r.moves().any(|m| cancelled.contains(&m.key())) {
            r.state = RecordState::Cancelled;
            records.save(&mut r)?;
        }
    }
    let mut message = format!("cancelled {} partition reassignment(s)", done.accepted.len());
    if !done.refused.is_empty() {
        let r: Vec<String> = done.refused.iter().map(|r| format!("{}-{}: {}", r.topic, r.partition, r.error)).collect();
        message.push_str(&format!("; refused: {}", r.join("; ")));
    }
    if done.accepted.is_empty() {
        return Err(OpsError::Rejected(message));
    }
    Ok((message, Applied::Cancelled(done)))
}

/// After a cancel: the partitions once the controller has put them back, and the throttles of
/// their executions removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CancelReport {
    /// (topic, partition, replicas now).
    pub assignment: Vec<(String, i32, Option<Vec<i32>>)>,
    pub throttles: VerifyReport,
}

pub async fn after_cancel(client: &Client, ctx: &Context, moves: &[Move]) -> Result<CancelReport, OpsError> {
    let keys: BTreeSet<(String, i32)> = moves.iter().map(Move::key).collect();
    let topics: BTreeSet<String> = moves.iter().map(|m| m.topic.clone()).collect();
    let deadline = tokio::time::Instant::now() + client.config().request_timeout * 2;
    // until the controller has let go of them and the metadata shows them back where they were
    let live = loop {
        let live = Live::load(client, Some(&topics)).await?;
        let busy = live.ongoing.iter().any(|o| keys.contains(&(o.topic.clone(), o.partition)));
        let back = moves.iter().all(|m| live.replicas(&m.topic, m.partition) == Some(m.current.as_slice()));
        if (!busy && back) || tokio::time::Instant::now() >= deadline {
            break live;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // every unfinished execution: a cancelled move may be the last user of a broker rate that
    // another (finished) execution left in place for it
    let throttles = verify(client, ctx, None, None, ClearOrigin::Cancel).await?;
    let assignment = moves
        .iter()
        .map(|m| (m.topic.clone(), m.partition, live.replicas(&m.topic, m.partition).map(<[i32]>::to_vec)))
        .collect();
    Ok(CancelReport { assignment, throttles })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::execution::Move;

    #[test]
    fn a_recorded_rate_the_broker_does_not_show_is_kept_in_the_record() {
        let ours = Throttles::for_moves(&[Move { topic: "t".into(), partition: 0, current: vec![2], target: vec![3] }]);
        let mut recorded = ours.clone();
        recorded.brokers = BTreeSet::from([2, 3]);
        // broker 3's answer lacks the rate (its view lags), the topic's lists are gone entirely
        let mut current = ThrottleConfigs::default();
        current.rates.insert(2, BTreeMap::from([(crate::plan::throttle::LEADER_RATE, 10)]));
        let kept = still_set(&recorded, &current);
        assert_eq!(kept.brokers, BTreeSet::from([2, 3]));
        assert!(kept.topics.is_empty(), "{kept:?}");
    }
}
