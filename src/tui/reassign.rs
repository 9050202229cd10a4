//! The console's reassignment concern: what the cluster says is moving (polled from ops, so it
//! survives a restart), the topics marked for planning, the plan being edited, the executions the
//! console is attached to. No I/O: it turns keys and worker events into [`Request`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::backend::ReassignView;
use super::message::Request;
use crate::ops::reassign::drive;
use crate::ops::reassign::status::with_rates;
use crate::ops::reassign::throttles::ThrottleItem;
use crate::ops::reassign::verify::{Check, VerifyReport};
use crate::plan::edit::PlanEdit;
use crate::plan::progress::rate_text;
use crate::plan::throttle::{FOLLOWER_RATE, LEADER_RATE};
use crate::plan::{ClusterState, Goal, Plan, PlanRequest};

/// How often the reassignments are read while someone looks at them (or an execution runs).
pub const WATCH_EVERY: Duration = Duration::from_secs(2);
/// Otherwise, for the header's leftover-throttle warning.
pub const BACKGROUND_EVERY: Duration = Duration::from_secs(30);

/// A plan the user is looking at: how it was asked for, and the plan with the user's edits.
pub struct PlanState {
    pub request: PlanRequest,
    pub edit: PlanEdit,
}

#[derive(Default)]
pub struct Reassign {
    /// The last reading, rates measured against the one before.
    pub view: Option<ReassignView>,
    /// Why the last reading failed.
    pub error: Option<String>,
    last_asked: Option<Instant>,
    /// Topics marked in the topics view, to plan.
    pub marked: BTreeSet<String>,
    pub plan: Option<PlanState>,
    /// A plan asked for and not answered yet.
    pub planning: Option<PlanRequest>,
    /// Executions the console is attached to, with their last progress.
    pub attached: BTreeMap<String, Option<drive::Progress>>,
    /// The last verify (after an execution, a cancel, or `v`).
    pub verified: Option<VerifyReport>,
}

impl Reassign {
    /// A reading is due: every [`WATCH_EVERY`] while `watching` (or attached to an execution),
    /// else every [`BACKGROUND_EVERY`]. The job slot keeps it to one in flight.
    pub fn due(&self, now: Instant, watching: bool) -> bool {
        let every = if watching || !self.attached.is_empty() { WATCH_EVERY } else { BACKGROUND_EVERY };
        self.last_asked.is_none_or(|t| now.duration_since(t) >= every)
    }

    /// A reading went out at `now`.
    pub fn asked(&mut self, now: Instant) {
        self.last_asked = Some(now);
    }

    pub fn on_status(&mut self, result: Result<Box<ReassignView>, String>) {
        match result {
            Ok(mut v) => {
                if let Some(before) = &self.view {
                    v.report = with_rates(&before.report, std::mem::take(&mut v.report));
                }
                self.view = Some(*v);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Throttle configs on the cluster that no reassignment in progress needs (wholly or in
    /// part): what `throttles clear` would remove.
    pub fn leftover_throttles(&self) -> Vec<&ThrottleItem> {
        self.view
            .iter()
            .flat_map(|v| &v.throttles)
            .filter(|i| i.value != "?" && (!i.needed || i.unneeded_entries.is_some()))
            .collect()
    }

    /// The broker rates in force, in words: `10.0 KiB/s on brokers 1,2,3` (one rate per line of
    /// brokers that share it).
    pub fn throttle_in_force(&self) -> Option<String> {
        let mut by_rate: BTreeMap<u64, BTreeSet<i32>> = BTreeMap::new();
        for i in self.view.iter().flat_map(|v| &v.throttles) {
            let rate = [LEADER_RATE, FOLLOWER_RATE].contains(&i.key).then(|| i.value.parse::<u64>().ok()).flatten();
            let broker = i.resource.strip_prefix("broker ").and_then(|b| b.parse::<i32>().ok());
            if let (Some(r), Some(b)) = (rate, broker) {
                by_rate.entry(r).or_default().insert(b);
            }
        }
        if by_rate.is_empty() {
            return None;
        }
        let parts: Vec<String> = by_rate
            .iter()
            .map(|(r, b)| {
                let ids: Vec<String> = b.iter().map(i32::to_string).collect();
                format!("{} on broker{} {}", rate_text(*r), if b.len() > 1 { "s" } else { "" }, ids.join(","))
            })
            .collect();
        Some(parts.join("; "))
    }

    /// Ask for a plan; a newer request replaces the one waiting.
    pub fn ask_plan(&mut self, request: PlanRequest) -> Vec<Request> {
        self.planning = Some(request.clone());
        vec![Request::Plan(Box::new(request))]
    }

    /// The planner answered. Ok(partitions planned), or why not; a late answer to an older
    /// request is dropped (None).
    pub fn on_planned(
        &mut self,
        request: &PlanRequest,
        result: Result<Box<(ClusterState, Plan)>, String>,
    ) -> Option<Result<usize, String>> {
        if self.planning.as_ref() != Some(request) {
            return None;
        }
        self.planning = None;
        Some(result.map(|b| {
            let (state, plan) = *b;
            let n = plan.moves.len();
            self.plan = Some(PlanState { edit: PlanEdit::new(state, &request.goal, &plan), request: request.clone() });
            n
        }))
    }

    /// Attach to an execution (once: the same one asked again sends nothing).
    pub fn attach(&mut self, execution: String) -> Vec<Request> {
        if self.attached.contains_key(&execution) {
            return Vec::new();
        }
        self.attached.insert(execution.clone(), None);
        vec![Request::Drive { execution }]
    }

    pub fn on_progress(&mut self, e: drive::Event) {
        if let drive::Event::Progress(p) = e {
            if let Some(slot) = self.attached.get_mut(&p.execution) {
                *slot = Some(p);
            }
        }
    }

    /// The attached execution ended; the words for the status line.
    pub fn on_drive_ended(
        &mut self,
        execution: &str,
        result: Result<Box<VerifyReport>, String>,
    ) -> Result<String, String> {
        self.attached.remove(execution);
        let report = result.map_err(|e| format!("execution {execution}: {e}"))?;
        let words = verify_words(&report);
        self.verified = Some(*report);
        Ok(format!("execution {execution} is over: {words}"))
    }
}

/// A verify in one line: how many partitions reached their target, what was removed or kept.
pub fn verify_words(r: &VerifyReport) -> String {
    let done = r.partitions.iter().filter(|p| p.state == Check::Complete).count();
    let mut out = format!("{done} of {} partitions at their target", r.partitions.len());
    match r.removed.len() {
        0 => out.push_str(", no throttle to remove"),
        n => out.push_str(&format!(", {n} throttle change(s) removed")),
    }
    if !r.kept.is_empty() {
        out.push_str(&format!(", {} kept: {}", r.kept.len(), r.kept.join("; ")));
    }
    if let Some(n) = &r.note {
        out.push_str(&format!(" ({n})"));
    }
    out
}

/// The goals the plan dialog offers, in order, with their word.
pub const GOALS: &[&str] = &["rebalance", "drain", "rf", "leaders"];

/// The planner's goal from the dialog's choice, brokers and replication factor.
pub fn goal_of(choice: usize, brokers: &[i32], rf: Option<usize>) -> Result<(Goal, Vec<i32>), String> {
    match GOALS.get(choice).copied() {
        Some("rebalance") => Ok((Goal::Rebalance, brokers.to_vec())),
        Some("drain") if brokers.is_empty() => Err("drain: type the brokers to drain, e.g. 3 or 3,4".into()),
        Some("drain") => Ok((Goal::Drain { brokers: brokers.to_vec() }, Vec::new())),
        Some("rf") => match rf {
            Some(rf) => Ok((Goal::ReplicationFactor { rf }, brokers.to_vec())),
            None => Err("rf: type the replication factor".into()),
        },
        _ => Ok((Goal::LeadersOnly, brokers.to_vec())),
    }
}

/// `1,2, 3` → [1, 2, 3].
pub fn parse_ids(text: &str) -> Result<Vec<i32>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i32>().map_err(|_| format!("{s:?} is not a broker id")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_from_the_dialog() {
        assert_eq!(goal_of(1, &[3], None), Ok((Goal::Drain { brokers: vec![3] }, vec![])));
        assert_eq!(goal_of(1, &[], None), Err("drain: type the brokers to drain, e.g. 3 or 3,4".into()));
        assert_eq!(goal_of(0, &[1, 2], None), Ok((Goal::Rebalance, vec![1, 2])));
        assert_eq!(goal_of(2, &[], Some(3)), Ok((Goal::ReplicationFactor { rf: 3 }, vec![])));
        assert!(goal_of(2, &[], None).is_err());
        assert_eq!(goal_of(3, &[], None), Ok((Goal::LeadersOnly, vec![])));
        assert_eq!(parse_ids(" 1, 2,3,"), Ok(vec![1, 2, 3]));
        assert_eq!(parse_ids("1,x"), Err("\"x\" is not a broker id".into()));
    }

    #[test]
    fn readings_are_due_faster_while_watched_or_attached() {
        let t0 = Instant::now();
        let mut r = Reassign::default();
        assert!(r.due(t0, false));
        r.asked(t0);
        assert!(!r.due(t0 + WATCH_EVERY / 2, true));
        assert!(r.due(t0 + WATCH_EVERY, true));
        assert!(!r.due(t0 + WATCH_EVERY, false));
        assert!(r.due(t0 + BACKGROUND_EVERY, false));
        assert_eq!(r.attach("x".into()), vec![Request::Drive { execution: "x".into() }]);
        assert_eq!(r.attach("x".into()), vec![], "attached once");
        assert!(r.due(t0 + WATCH_EVERY, false), "an attached execution is watched");
        r.on_status(Err("down".into()));
        assert_eq!(r.error.as_deref(), Some("down"));
    }
}
