//! Staying attached to an execution: progress as events, the next batch submitted as soon as the
//! one in flight is complete, and a verify at the end. `--wait`, `resume` and (later) the console
//! run it; everything it knows comes from the cluster and the record, so it can start over at
//! any time.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::execute::{Submit, Submitted};
use super::record::{RecordState, Records};
use super::state::Live;
use super::status::{sample, with_rates, Executions, StatusReport};
use super::throttles::ClearOrigin;
use super::verify::{verify, VerifyReport};
use super::{Applied, Step};
use crate::kafka::Client;
use crate::ops::{self, Context, Mutation, OpsError};
use crate::plan::execution::{move_state, MoveState};

/// How often an attached execution (`--wait`, `resume`, the console) looks at the cluster.
pub const POLL: Duration = Duration::from_secs(2);

/// How long a submitted move may look neither moving nor done before it counts as stopped.
const IDLE_GRACE: Duration = Duration::from_secs(15);

/// What an attached execution reports, in order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A batch went to the controller.
    Submitted(Submitted),
    /// A sample of the moves in flight.
    Progress(Progress),
    /// Every move is over; the throttles were dealt with.
    Verified(VerifyReport),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    pub execution: String,
    /// 1-based.
    pub batch: usize,
    pub batches: usize,
    /// Moves of the execution at their target so far, of all its moves.
    pub done: usize,
    pub moves: usize,
    pub report: StatusReport,
}

/// Runs execution `id` to its end: submits the batches still to go, reports progress every
/// `poll`, then verifies. Stops with an error when the execution is cancelled, or a submitted
/// move stops without reaching its target (cancelled or changed by someone else); the record
/// stays for `resume`/`verify`.
pub async fn drive(
    client: &Client,
    ctx: &Context,
    id: &str,
    poll: Duration,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<VerifyReport, OpsError> {
    let records = Records::for_context(ctx)?;
    let mut previous: Option<StatusReport> = None;
    let mut idle_since: BTreeMap<(String, i32), Instant> = BTreeMap::new();
    loop {
        let record = records.load(id)?;
        match record.state {
            RecordState::Running => {}
            RecordState::Complete => break,
            // whoever cancelled it removes its throttles (`reassign cancel` does)
            RecordState::Cancelled => {
                return Err(OpsError::Rejected(format!(
                    "execution {id} was cancelled: its cancelled partitions went back to their original replicas and no further batch is submitted"
                )))
            }
        }
        let topics: BTreeSet<String> = record.moves().map(|m| m.topic.clone()).collect();
        let live = Live::load(client, Some(&topics)).await?;
        let refused: BTreeSet<(String, i32)> = record.refused.iter().map(|r| (r.topic.clone(), r.partition)).collect();
        let submitted: Vec<_> = record.batches.iter().take(record.submitted).flatten().collect();
        let states: Vec<(_, MoveState)> = submitted
            .iter()
            .map(|m| (*m, move_state(m, live.replicas(&m.topic, m.partition), live.moving(&m.topic, m.partition))))
            .collect();
        // neither moving nor at its target: the metadata may not show a move that just ended
        // yet, so only a state that lasts means someone cancelled or changed it
        let mut settling = false;
        for (m, s) in &states {
            if *s != MoveState::Idle || refused.contains(&m.key()) {
                idle_since.remove(&m.key());
                continue;
            }
            let since = *idle_since.entry(m.key()).or_insert_with(Instant::now);
            if since.elapsed() < IDLE_GRACE {
                settling = true;
                continue;
            }
            let now = live.replicas(&m.topic, m.partition).map(|r| format!("{r:?}")).unwrap_or_else(|| "gone".into());
            return Err(OpsError::Rejected(format!(
                "{}-{} stopped moving before it reached its target {:?} (replicas now {now}): cancelled or changed by someone else; \
                 `kdeck reassign verify` removes the throttles of the moves that are over",
                m.topic, m.partition, m.target
            )));
        }
        let in_flight: BTreeSet<(String, i32)> =
            states.iter().filter(|(_, s)| *s == MoveState::Moving).map(|(m, _)| m.key()).collect();
        if in_flight.is_empty() && !settling {
            if record.submitted < record.batches.len() {
                let step = Step::Submit(Submit::next_of(&record));
                let preview = ops::prepare(client, ctx, Mutation::Reassignment(step)).await?;
                let outcome = ops::apply(client, ctx, preview).await?;
                if let Some(Applied::Submitted(s)) = outcome.details {
                    on_event(Event::Submitted(s));
                }
                previous = None;
                continue;
            }
            break;
        }
        let executions: Executions =
            in_flight.iter().map(|(t, p)| ((t.clone(), *p), (record.id.clone(), record.submitted_at(t, *p)))).collect();
        let now = sample(client, &live, Some(&in_flight), &executions).await;
        let report = match &previous {
            Some(before) => with_rates(before, now),
            None => now,
        };
        let done = states.iter().filter(|(_, s)| *s == MoveState::Done).count();
        on_event(Event::Progress(Progress {
            execution: record.id.clone(),
            batch: record.submitted,
            batches: record.batches.len(),
            done,
            moves: record.moves().count(),
            report: report.clone(),
        }));
        previous = Some(report);
        tokio::time::sleep(poll).await;
    }
    let report = verify(client, ctx, None, Some(&[id.to_string()]), ClearOrigin::Verify).await?;
    on_event(Event::Verified(report.clone()));
    Ok(report)
}
