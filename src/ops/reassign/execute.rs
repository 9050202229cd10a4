//! Starting an execution (validate, plan the batches, write the rollback and the record, set the
//! first batch's throttles, submit it) and submitting each further batch.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use super::record::{new_id, ExecutionRecord, RecordState, Records, Refused};
use super::state::{cluster_state, Live};
use super::throttles::{set_changes, ThrottleChanges, ThrottleConfigs};
use super::{partition_error, Applied, Step};
use crate::cluster::{self, LoadOptions, ReplicaSizes};
use crate::kafka::Client;
use crate::ops::{Context, Mutation, OpsError, Preview};
use crate::plan::execution::{batches, moves_of, Move};
use crate::plan::throttle::Throttles;
use crate::plan::{self, Reassignment, ANY_LOG_DIR};

/// Execute a reassignment file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Execute {
    /// Where the plan came from; its rollback goes next to it as NAME.rollback.json.
    pub plan_file: Option<String>,
    pub plan: Reassignment,
    /// Bytes per second for every broker involved; None: unthrottled.
    pub throttle: Option<u64>,
    /// At most this many partitions in flight; None: all at once.
    pub batch_size: Option<usize>,
    /// Run alongside reassignments already in progress.
    pub additional: bool,
    /// Filled in by prepare: exactly what apply does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared: Option<Prepared>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prepared {
    pub execution: String,
    pub cluster_id: Option<String>,
    pub batches: Vec<Vec<Move>>,
    /// Partitions of the file already at their target: nothing is sent for them.
    pub unchanged: Vec<(String, i32)>,
    pub rollback_file: Option<String>,
    pub record_file: String,
    /// The first batch, with its throttle changes.
    pub first: Submit,
}

/// Hand one batch of an execution to the controller, after setting the throttles it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Submit {
    pub execution: String,
    /// 0-based.
    pub batch: usize,
    pub batches: usize,
    pub moves: Vec<Move>,
    pub throttle: Option<u64>,
    /// Filled in by prepare.
    pub changes: ThrottleChanges,
}

/// What a submission did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Submitted {
    pub execution: String,
    pub batch: usize,
    pub batches: usize,
    pub accepted: Vec<(String, i32)>,
    pub refused: Vec<Refused>,
    pub throttles: Vec<String>,
    pub record_file: String,
}

impl Execute {
    pub fn summary(&self) -> String {
        let from = self.plan_file.as_deref().map(|f| format!(" from {f}")).unwrap_or_default();
        let throttle = match self.throttle {
            Some(r) => format!("throttle {r} B/s"),
            None => "unthrottled".into(),
        };
        match &self.prepared {
            None => format!("execute reassignment{from}: {} partitions, {throttle}", self.plan.partitions.len()),
            Some(p) => {
                let moves: usize = p.batches.iter().map(Vec::len).sum();
                let copying = p.batches.iter().flatten().filter(|m| m.copies_data()).count();
                let brokers: BTreeSet<i32> = Throttles::for_moves(p.batches.iter().flatten()).brokers;
                let on = if self.throttle.is_some() && !brokers.is_empty() {
                    format!(" on brokers {}", super::ids(brokers))
                } else {
                    String::new()
                };
                format!(
                    "execute reassignment {}{from}: {moves} partitions ({copying} copy data, {} already at target) in {} batches, {throttle}{on}",
                    p.execution,
                    p.unchanged.len(),
                    p.batches.len()
                )
            }
        }
    }
}

impl Submit {
    /// The next batch of a recorded execution, to be checked and filled in by prepare.
    pub fn next_of(record: &ExecutionRecord) -> Submit {
        Submit {
            execution: record.id.clone(),
            batch: record.submitted,
            batches: record.batches.len(),
            moves: Vec::new(),
            throttle: record.throttle,
            changes: ThrottleChanges::default(),
        }
    }

    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.moves.iter().map(|m| format!("{}-{}", m.topic, m.partition)).collect();
        format!(
            "submit batch {} of {} of reassignment {}: {}{}",
            self.batch + 1,
            self.batches,
            self.execution,
            parts.join(","),
            if self.changes.is_empty() { String::new() } else { format!("; {}", self.changes.words().join("; ")) }
        )
    }
}

/// `plan.json` → `plan.rollback.json` in the same directory.
pub fn rollback_path(plan: &Path) -> std::path::PathBuf {
    let stem = plan.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".into());
    plan.with_file_name(format!("{stem}.rollback.json"))
}

/// The throttle changes a batch needs (read against the cluster's current configs) and checks
/// them with the broker in validate-only mode.
async fn batch_throttles(
    client: &Client,
    moves: &[Move],
    throttle: Option<u64>,
) -> Result<(ThrottleChanges, Vec<String>), OpsError> {
    let Some(rate) = throttle else { return Ok((ThrottleChanges::default(), Vec::new())) };
    let wanted = Throttles::for_moves(moves);
    if wanted.is_empty() {
        return Ok((ThrottleChanges::default(), Vec::new()));
    }
    let topics: BTreeSet<String> = wanted.topics.keys().cloned().collect();
    let mut current = ThrottleConfigs::read(client, Some(&topics), Some(&wanted.brokers)).await?;
    // a broker missing from the metadata cannot take a config change
    let alive: BTreeSet<i32> = client.broker_ids().into_iter().collect();
    for b in wanted.brokers.iter().filter(|b| !alive.contains(b)) {
        current.unreachable.entry(*b).or_insert_with(|| "it is not in the cluster metadata (down?)".into());
    }
    let (changes, warnings) = set_changes(&current, &wanted, rate);
    changes.send(client, true).await.map_err(|e| OpsError::Invalid(e.to_string()))?;
    Ok((changes, warnings))
}

fn invalid_plan(file: Option<&str>, text: String) -> OpsError {
    OpsError::Invalid(match file {
        Some(f) => format!("{f}: {text}"),
        None => text,
    })
}

pub async fn prepare_execute(client: &Client, ctx: &Context, e: &Execute) -> Result<Preview, OpsError> {
    let file = e.plan_file.as_deref();
    if e.batch_size == Some(0) {
        return Err(OpsError::Invalid("--batch must be at least 1".into()));
    }
    if let Some(p) =
        e.plan.partitions.iter().find(|p| p.log_dirs.as_ref().is_some_and(|d| d.iter().any(|d| d != ANY_LOG_DIR)))
    {
        return Err(invalid_plan(
            file,
            format!(
                "{}-{}: kdeck does not move replicas between log directories; set its log_dirs to \"any\" (or use kafka-reassign-partitions.sh for that move)",
                p.topic, p.partition
            ),
        ));
    }
    let snap = cluster::load(client, &LoadOptions { configs: true, ..Default::default() }).await?;
    let state = cluster_state(&snap, &ReplicaSizes::default());
    let mut warnings: Vec<String> = plan::validate(&state, &e.plan, None)
        .map_err(|errs| invalid_plan(file, errs.to_string()))?
        .iter()
        .map(ToString::to_string)
        .collect();
    let ongoing = client.list_reassignments().await?;
    let planned: BTreeSet<(&str, i32)> = e.plan.partitions.iter().map(|p| (p.topic.as_str(), p.partition)).collect();
    let clash: Vec<String> = ongoing
        .iter()
        .filter(|o| planned.contains(&(o.topic.as_str(), o.partition)))
        .map(|o| format!("{}-{}", o.topic, o.partition))
        .collect();
    if !clash.is_empty() {
        return Err(OpsError::Invalid(format!(
            "{} already being reassigned: {}; wait for it (`kdeck reassign status`) or cancel it (`kdeck reassign cancel`) first",
            if clash.len() == 1 { "this partition is" } else { "these partitions are" },
            clash.join(", ")
        )));
    }
    if !ongoing.is_empty() && !e.additional {
        let names: Vec<String> = ongoing.iter().take(5).map(|o| format!("{}-{}", o.topic, o.partition)).collect();
        return Err(OpsError::Invalid(format!(
            "{} partition reassignment(s) already in progress ({}{}); wait until they finish (`kdeck reassign status`), or pass --additional to run this one alongside",
            ongoing.len(),
            names.join(", "),
            if ongoing.len() > 5 { ", …" } else { "" }
        )));
    }
    let (moves, unchanged) = moves_of(&state, &e.plan);
    if moves.is_empty() {
        return Err(invalid_plan(file, "nothing to do: every partition of the plan is already at its target".into()));
    }
    let batches = batches(&moves, e.batch_size);
    let execution = new_id();
    let (changes, more) = batch_throttles(client, &batches[0], e.throttle).await?;
    warnings.extend(more);
    if e.throttle.is_none() && moves.iter().any(Move::copies_data) {
        warnings.push(
            "no --throttle: replicas copy at full speed, which can saturate the brokers' disks and network".into(),
        );
    }
    let records = Records::for_context(ctx)?;
    let first = Submit {
        execution: execution.clone(),
        batch: 0,
        batches: batches.len(),
        moves: batches[0].clone(),
        throttle: e.throttle,
        changes,
    };
    let prepared = Prepared {
        cluster_id: snap.cluster_id.clone(),
        unchanged,
        rollback_file: file.map(|f| rollback_path(Path::new(f)).display().to_string()),
        record_file: records.path(&execution).display().to_string(),
        batches,
        first,
        execution,
    };
    let mutation = Mutation::Reassignment(Step::Execute(Box::new(Execute { prepared: Some(prepared), ..e.clone() })));
    let validation = if e.throttle.is_some() {
        "checked against the cluster (partitions, brokers, reassignments in progress); throttle configs validated by the broker (IncrementalAlterConfigs, validate-only); AlterPartitionReassignments has no validate-only mode"
    } else {
        "checked against the cluster (partitions, brokers, reassignments in progress); AlterPartitionReassignments has no validate-only mode"
    };
    Ok(Preview::of(ctx, mutation, validation, warnings))
}

pub async fn apply_execute(client: &Client, ctx: &Context, e: &Execute) -> Result<(String, Applied), OpsError> {
    let p = e.prepared.as_ref().ok_or_else(|| OpsError::Invalid("the execution was not prepared".into()))?;
    let records = Records::for_context(ctx)?;
    // the way back, before anything is sent: the current replicas of every partition in the plan
    if let Some(rollback) = &p.rollback_file {
        let current: Vec<(&str, i32, &[i32])> = p
            .batches
            .iter()
            .flatten()
            .map(|m| (m.topic.as_str(), m.partition, m.current.as_slice()))
            .chain(
                e.plan
                    .partitions
                    .iter()
                    .filter(|x| p.unchanged.contains(&(x.topic.clone(), x.partition)))
                    .map(|x| (x.topic.as_str(), x.partition, x.replicas.as_slice())),
            )
            .collect();
        std::fs::write(rollback, plan::write_reassignment(current) + "\n").map_err(|err| {
            OpsError::Invalid(format!("cannot write the rollback file {rollback}: {err}; nothing was sent"))
        })?;
    }
    let now = crate::ops::audit::now_rfc3339();
    let mut record = ExecutionRecord {
        id: p.execution.clone(),
        cluster: ctx.cluster.clone(),
        cluster_id: p.cluster_id.clone(),
        user: ctx.user.clone(),
        created: now.clone(),
        updated: now,
        plan_file: e.plan_file.clone(),
        rollback_file: p.rollback_file.clone(),
        throttle: e.throttle,
        batch_size: e.batch_size,
        batches: p.batches.clone(),
        submitted: 0,
        submitted_at_ms: Vec::new(),
        throttles: Throttles::default(),
        refused: Vec::new(),
        state: RecordState::Running,
    };
    records.save(&mut record)?;
    let done = submit(client, &records, &mut record, &p.first).await?;
    let rollback = p.rollback_file.as_deref().map(|f| format!("; rollback: {f}")).unwrap_or_default();
    let message = format!("{}{rollback}; record: {}", submitted_words(&done), done.record_file);
    Ok((message, Applied::Submitted(done)))
}

/// `execution X: batch 1 of 3 submitted (4 partitions)`
pub fn submitted_words(s: &Submitted) -> String {
    let mut out = format!(
        "execution {}: batch {} of {} submitted ({} partitions)",
        s.execution,
        s.batch + 1,
        s.batches,
        s.accepted.len()
    );
    if !s.refused.is_empty() {
        let r: Vec<String> = s.refused.iter().map(|r| format!("{}-{}: {}", r.topic, r.partition, r.error)).collect();
        out.push_str(&format!("; refused by the controller: {}", r.join("; ")));
    }
    out
}

/// Records the throttles, sets them, submits the batch and records that it was submitted.
async fn submit(
    client: &Client,
    records: &Records,
    record: &mut ExecutionRecord,
    s: &Submit,
) -> Result<Submitted, OpsError> {
    // what is about to be set goes into the record first: a crash after this point leaves
    // throttles that `kdeck reassign verify` / `throttles clear` can find
    record.throttles.extend(&s.changes.throttles);
    records.save(record)?;
    s.changes.send(client, false).await?;
    let targets: Vec<(String, i32, Option<Vec<i32>>)> =
        s.moves.iter().map(|m| (m.topic.clone(), m.partition, Some(m.target.clone()))).collect();
    let outcomes = client.alter_reassignments(&targets).await?;
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for o in outcomes {
        match o.error {
            None => accepted.push((o.topic, o.partition)),
            Some(e) => refused.push(Refused { topic: o.topic, partition: o.partition, error: partition_error(&e) }),
        }
    }
    record.refused.extend(refused.iter().cloned());
    record.submitted = record.submitted.max(s.batch + 1);
    record.submitted_at_ms.resize(s.batch, 0);
    record.submitted_at_ms.push(super::status::now_ms());
    let path = records.save(record)?;
    let done = Submitted {
        execution: s.execution.clone(),
        batch: s.batch,
        batches: s.batches,
        accepted,
        refused,
        throttles: s.changes.words(),
        record_file: path.display().to_string(),
    };
    if done.accepted.is_empty() {
        return Err(OpsError::Rejected(format!(
            "{}; run `kdeck reassign verify` to remove the throttles it set",
            submitted_words(&done)
        )));
    }
    Ok(done)
}

/// Checks the next batch of a recorded execution against the cluster as it is now.
pub async fn prepare_submit(client: &Client, ctx: &Context, s: &Submit) -> Result<Preview, OpsError> {
    let records = Records::for_context(ctx)?;
    let record = records.load(&s.execution)?;
    if record.state != RecordState::Running {
        return Err(OpsError::Invalid(format!(
            "execution {} is {:?}: nothing more is submitted",
            record.id, record.state
        )));
    }
    let Some(batch) = record.batches.get(s.batch) else {
        return Err(OpsError::Invalid(format!("execution {} has no batch {}", record.id, s.batch + 1)));
    };
    if s.batch < record.submitted {
        return Err(OpsError::Invalid(format!(
            "batch {} of execution {} was already submitted",
            s.batch + 1,
            record.id
        )));
    }
    let topics: BTreeSet<String> = batch.iter().map(|m| m.topic.clone()).collect();
    let live = Live::load(client, Some(&topics)).await?;
    let mut moves = Vec::new();
    for m in batch {
        if live.moving(&m.topic, m.partition) {
            return Err(OpsError::Invalid(format!(
                "{}-{} is being reassigned by someone else; wait for it or cancel it, then `kdeck reassign resume {}`",
                m.topic, m.partition, record.id
            )));
        }
        match live.replicas(&m.topic, m.partition) {
            None => {
                return Err(OpsError::Invalid(format!(
                    "{}-{} no longer exists; cancel execution {} with `kdeck reassign cancel`",
                    m.topic, m.partition, record.id
                )))
            }
            Some(now) if now == m.target.as_slice() => {}
            // changed since the plan was made: the throttles follow what it is now
            Some(now) => moves.push(Move { current: now.to_vec(), ..m.clone() }),
        }
    }
    let (changes, warnings) = batch_throttles(client, &moves, record.throttle).await?;
    let step = Submit {
        execution: record.id.clone(),
        batch: s.batch,
        batches: record.batches.len(),
        moves,
        throttle: record.throttle,
        changes,
    };
    Ok(Preview::of(
        ctx,
        Mutation::Reassignment(Step::Submit(step)),
        "checked against the cluster; throttle configs validated by the broker (IncrementalAlterConfigs, validate-only)",
        warnings,
    ))
}

pub async fn apply_submit(client: &Client, ctx: &Context, s: &Submit) -> Result<(String, Applied), OpsError> {
    let records = Records::for_context(ctx)?;
    let mut record = records.load(&s.execution)?;
    if s.moves.is_empty() {
        // every partition of the batch reached its target some other way
        record.submitted = record.submitted.max(s.batch + 1);
        records.save(&mut record)?;
        let message = format!(
            "execution {}: batch {} of {}: nothing to submit (already at target)",
            s.execution,
            s.batch + 1,
            s.batches
        );
        let done = Submitted {
            execution: s.execution.clone(),
            batch: s.batch,
            batches: s.batches,
            accepted: Vec::new(),
            refused: Vec::new(),
            throttles: Vec::new(),
            record_file: records.path(&s.execution).display().to_string(),
        };
        return Ok((message, Applied::Submitted(done)));
    }
    let done = submit(client, &records, &mut record, s).await?;
    Ok((submitted_words(&done), Applied::Submitted(done)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_goes_next_to_the_plan() {
        assert_eq!(rollback_path(Path::new("/tmp/x/plan.json")), Path::new("/tmp/x/plan.rollback.json"));
        assert_eq!(rollback_path(Path::new("drain")), Path::new("drain.rollback.json"));
    }

    #[test]
    fn summaries_name_the_batches_and_the_throttle() {
        let m = |p: i32, current: &[i32], target: &[i32]| Move {
            topic: "t".into(),
            partition: p,
            current: current.to_vec(),
            target: target.to_vec(),
        };
        let first = Submit {
            execution: "X".into(),
            batch: 0,
            batches: 2,
            moves: vec![m(0, &[3, 1], &[1, 2])],
            throttle: Some(1000),
            changes: ThrottleChanges::default(),
        };
        let e = Execute {
            plan_file: Some("plan.json".into()),
            plan: Reassignment::default(),
            throttle: Some(1000),
            batch_size: Some(1),
            additional: false,
            prepared: Some(Prepared {
                execution: "X".into(),
                cluster_id: None,
                batches: vec![vec![m(0, &[3, 1], &[1, 2])], vec![m(1, &[1, 2], &[2, 1])]],
                unchanged: vec![("t".into(), 2)],
                rollback_file: Some("plan.rollback.json".into()),
                record_file: "r.json".into(),
                first: first.clone(),
            }),
        };
        assert_eq!(
            e.summary(),
            "execute reassignment X from plan.json: 2 partitions (1 copy data, 1 already at target) in 2 batches, throttle 1000 B/s on brokers 1,2,3"
        );
        assert_eq!(first.summary(), "submit batch 1 of 2 of reassignment X: t-0");
    }
}
