//! The app's side of reassignments: keys and dialogs of planning, editing, executing and
//! exporting; cancel, verify and clearing throttles through ops' prepare → confirm → apply; the
//! worker's answers; the executions the console stays attached to.

use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::Frame;

use super::app::App;
use super::chrome::Level;
use super::message::Job;
use super::mode::{Mode, Op};
use crate::ops::reassign::execute::{submitted_words, Execute};
use crate::ops::reassign::throttles::{Clear, ClearOrigin, ThrottleChanges};
use crate::ops::reassign::verify::Cancel;
use crate::ops::reassign::{Applied, Step};
use crate::ops::{Mutation, Outcome};
use crate::plan::throttle::parse_rate;
use crate::plan::{PlanRequest, Scope};
use crate::tui::action::Action;
use crate::tui::dialogs::Reply;
use crate::tui::message::{Event, Request};
use crate::tui::panes::View;
use crate::tui::reassign::{goal_of, parse_ids, verify_words, GOALS};
use crate::tui::reassign_dialogs::{self as dialogs, choice, number, text, Dialog, Editor, Form, Purpose};

const REASSIGNMENTS: View = View::Named("reassignments");
const PLAN: View = View::Named("plan");
const NO_YES: &[&str] = &["no", "yes"];

impl App {
    /// A reading of the reassignments when one is due (faster while their view is open).
    pub(super) fn reassign_tick(&mut self, now: Instant) -> Vec<Request> {
        let watching = self.view() == &REASSIGNMENTS;
        if self.cluster.reassign.due(now, watching) && !self.jobs.busy(Job::ReassignStatus) {
            self.read_reassignments()
        } else {
            Vec::new()
        }
    }

    /// Reads the reassignments (through their job slot).
    fn read_reassignments(&mut self) -> Vec<Request> {
        self.cluster.reassign.asked(self.chrome.now);
        self.start(Request::ReassignStatus)
    }

    /// The keys of reassignments: every one changes the cluster or prepares a change, so none
    /// works in read-only mode.
    pub(super) fn reassign_action(&mut self, action: Action) -> Vec<Request> {
        if self.settings.read_only {
            self.flash(
                format!(
                    "read-only: reassignments are off on {} (--read-only or read_only = true)",
                    self.settings.cluster_name
                ),
                Level::Warn,
            );
            return Vec::new();
        }
        match action {
            Action::Mark | Action::MarkAll => self.mark(action == Action::MarkAll),
            Action::PlanReassign => self.open_plan_form(),
            Action::EditPlan => self.open_editor(),
            Action::ExecutePlan | Action::ExportPlan => self.open_plan_file_form(action == Action::ExecutePlan),
            Action::CancelMove | Action::CancelAll => return self.cancel(action == Action::CancelAll),
            Action::Verify => {
                self.flash("verifying kdeck's executions…", Level::Info);
                return self.start(Request::Verify);
            }
            Action::Attach => return self.attach_unfinished(),
            Action::ClearThrottles => {
                if let Some(reqs) = self.busy() {
                    return reqs;
                }
                let clear = Clear {
                    origin: ClearOrigin::Unneeded,
                    executions: Vec::new(),
                    changes: ThrottleChanges::default(),
                };
                return self.prepare(Mutation::Reassignment(Step::ClearThrottles(clear)));
            }
            _ => {}
        }
        Vec::new()
    }

    /// Attaches to every unfinished kdeck execution of this cluster the console is not attached
    /// to yet (one that a restart, a lost session or `execute` without `--wait` left behind).
    fn attach_unfinished(&mut self) -> Vec<Request> {
        let ids: Vec<String> = self
            .cluster
            .reassign
            .view
            .iter()
            .flat_map(|v| &v.executions)
            .map(|e| e.id.clone())
            .filter(|id| !self.cluster.reassign.attached.contains_key(id))
            .collect();
        if ids.is_empty() {
            self.flash("no unfinished kdeck execution to attach to", Level::Info);
            return Vec::new();
        }
        self.flash(format!("attached to {}: next batches, then verify", ids.join(", ")), Level::Info);
        ids.into_iter().flat_map(|id| self.cluster.reassign.attach(id)).collect()
    }

    /// Some change is being checked or sent: say so (Some), else None.
    fn busy(&mut self) -> Option<Vec<Request>> {
        if let Op::Preparing(m) | Op::Applying(m) = &self.op {
            self.flash(format!("still working on: {}", m.title()), Level::Info);
            return Some(Vec::new());
        }
        None
    }

    fn mark(&mut self, all: bool) {
        if self.view() != &View::Topics {
            let topics = self.keymap.hint(Action::Open("topics"));
            self.flash(format!("marking works in the topics view ({topics})"), Level::Info);
            return;
        }
        let names: Vec<String> = {
            let s = &self.nav.top();
            let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
            let rows: Vec<usize> = if all { s.table.rows().to_vec() } else { s.table.current().into_iter().collect() };
            rows.into_iter().filter_map(|i| s.pane.topic_target(&ctx, Some(i))).collect()
        };
        let marked = &mut self.cluster.reassign.marked;
        if names.iter().all(|n| marked.contains(n)) {
            for n in &names {
                marked.remove(n);
            }
        } else {
            marked.extend(names);
        }
        if !all {
            self.nav.top_mut().table.move_by(1);
        }
    }

    fn open_plan_form(&mut self) {
        let mut topics: Vec<String> = self.cluster.reassign.marked.iter().cloned().collect();
        if topics.is_empty() && self.view() == &View::Topics {
            topics.extend(self.target_topic());
        }
        if topics.is_empty() {
            let how = format!(
                "mark topics first: {} in the topics view ({} marks every topic shown)",
                self.keymap.hint(Action::Mark),
                self.keymap.hint(Action::MarkAll)
            );
            self.flash(how, Level::Info);
            return;
        }
        let shown = if topics.len() > 3 {
            format!("{} and {} more", topics[..3].join(", "), topics.len() - 3)
        } else {
            topics.join(", ")
        };
        let form = Form::new(
            Purpose::Plan,
            format!("plan a reassignment of {shown}"),
            Some(
                "brokers: the brokers to drain; for the other goals the brokers to use (empty: every live broker)"
                    .into(),
            ),
            vec![choice("goal", GOALS, 1), text("brokers", ""), number("rf")],
        );
        self.mode = Mode::Reassign(Box::new(Dialog::Form(form)));
    }

    fn open_editor(&mut self) {
        let row = if self.view() == &PLAN { self.nav.top().table.current() } else { None };
        match (row, &self.cluster.reassign.plan) {
            (Some(row), Some(_)) => self.mode = Mode::Reassign(Box::new(Dialog::Edit(Editor::new(row)))),
            _ => {
                let plan = self.keymap.hint(Action::Open("plan"));
                self.flash(format!("editing works on a partition of the plan ({plan})"), Level::Info)
            }
        }
    }

    fn open_plan_file_form(&mut self, execute: bool) {
        let Some(plan) = &self.cluster.reassign.plan else {
            let how = format!(
                "no plan yet: mark topics in the topics view ({}), then {}",
                self.keymap.hint(Action::Mark),
                self.keymap.hint(Action::PlanReassign)
            );
            self.flash(how, Level::Info);
            return;
        };
        if self.cluster.reassign.planning.is_some() {
            self.flash("still planning", Level::Info);
            return;
        }
        let goal = plan.edit.summary().goal;
        let file = format!("reassign-{}.json", goal.replace('_', "-"));
        if !execute {
            let form = Form::new(
                Purpose::Export,
                "export the plan".into(),
                Some("Kafka's reassignment JSON; the rollback goes next to it as NAME.rollback.json".into()),
                vec![text("file", file)],
            );
            self.mode = Mode::Reassign(Box::new(Dialog::Form(form)));
            return;
        }
        if let Some(e) = plan.edit.blocking_error() {
            self.flash(format!("the plan cannot be executed: {e}"), Level::Error);
            return;
        }
        if plan.edit.reassignment().partitions.is_empty() {
            self.flash("nothing to move: every partition of the plan stays where it is", Level::Info);
            return;
        }
        let form = Form::new(
            Purpose::Execute,
            "execute the plan".into(),
            Some("throttle: bytes per second per broker, e.g. 50MB/s (empty: unthrottled); batch: partitions in flight (empty: all); the plan is written to the file, its rollback next to it; alongside: run while other reassignments are in progress".into()),
            vec![text("throttle", ""), number("batch"), text("file", file), choice("alongside", NO_YES, 0)],
        );
        self.mode = Mode::Reassign(Box::new(Dialog::Form(form)));
    }

    fn cancel(&mut self, all: bool) -> Vec<Request> {
        if let Some(reqs) = self.busy() {
            return reqs;
        }
        let partitions = if all {
            Vec::new()
        } else {
            let s = &self.nav.top();
            let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
            let target = if self.view() == &REASSIGNMENTS {
                s.table.current().and_then(|i| s.pane.peek_target(&ctx, i))
            } else {
                None
            };
            match target {
                Some(p) => vec![p],
                None => {
                    let view = self.keymap.hint(Action::Open("reassignments"));
                    self.flash(format!("cancel works on a partition of the reassignments view ({view})"), Level::Info);
                    return Vec::new();
                }
            }
        };
        self.prepare(Mutation::Reassignment(Step::Cancel(Cancel { topics: Vec::new(), partitions, moves: Vec::new() })))
    }

    pub(super) fn reassign_key(&mut self, dialog: Dialog, key: KeyEvent) -> Vec<Request> {
        match dialog {
            Dialog::Edit(mut ed) => {
                let reply = match &mut self.cluster.reassign.plan {
                    Some(p) => ed.key(&mut p.edit, key),
                    None => Reply::Cancel,
                };
                match reply {
                    Reply::Stay => self.mode = Mode::Reassign(Box::new(Dialog::Edit(ed))),
                    Reply::Cancel | Reply::Submit(()) => self.mode = Mode::Normal,
                }
                Vec::new()
            }
            Dialog::Form(mut form) => match form.key(key) {
                Reply::Stay => {
                    self.mode = Mode::Reassign(Box::new(Dialog::Form(form)));
                    Vec::new()
                }
                Reply::Cancel => {
                    self.mode = Mode::Normal;
                    self.flash("cancelled: nothing was changed", Level::Info);
                    Vec::new()
                }
                Reply::Submit(()) => match self.submit(&form) {
                    Ok(reqs) => reqs,
                    Err(e) => {
                        form.error = Some(e);
                        self.mode = Mode::Reassign(Box::new(Dialog::Form(form)));
                        Vec::new()
                    }
                },
            },
        }
    }

    /// What a filled-in form asks for; Err keeps the form open with the reason.
    fn submit(&mut self, form: &Form) -> Result<Vec<Request>, String> {
        match form.purpose {
            Purpose::Plan => {
                let brokers = parse_ids(form.value(1))?;
                let (goal, target_brokers) = goal_of(form.chosen(0), &brokers, form.number(2))?;
                let mut topics: Vec<String> = self.cluster.reassign.marked.iter().cloned().collect();
                if topics.is_empty() {
                    topics.extend(self.target_topic());
                }
                let request =
                    PlanRequest { goal, scope: Scope::Topics(topics), target_brokers, include_unhealthy: false };
                self.mode = Mode::Normal;
                if self.view() != &PLAN {
                    self.nav.push(PLAN);
                }
                self.flash("planning…", Level::Info);
                let reqs = self.cluster.reassign.ask_plan(request);
                Ok(reqs.into_iter().flat_map(|r| self.start(r)).collect())
            }
            Purpose::Export => {
                let file = form.value(0).to_string();
                let Some(plan) = &self.cluster.reassign.plan else { return Err("the plan is gone".into()) };
                if file.is_empty() {
                    return Err("type a file name".into());
                }
                let request = Request::WritePlan {
                    path: file,
                    plan: plan.edit.reassignment(),
                    rollback: Some(plan.edit.rollback()),
                };
                self.mode = Mode::Normal;
                Ok(vec![request])
            }
            Purpose::Execute => {
                let throttle = match form.value(0) {
                    "" => None,
                    t => Some(parse_rate(t).map_err(|e| format!("throttle: {e}"))?),
                };
                let batch_size = form.number(1);
                if batch_size == Some(0) {
                    return Err("batch: at least 1 (empty: all at once)".into());
                }
                let file = form.value(2).to_string();
                if file.is_empty() {
                    return Err("type a file name for the plan".into());
                }
                if let Some(reqs) = self.busy() {
                    return Ok(reqs);
                }
                let Some(plan) = &self.cluster.reassign.plan else { return Err("the plan is gone".into()) };
                let reassignment = plan.edit.reassignment();
                let step = Execute {
                    plan_file: Some(file.clone()),
                    plan: reassignment.clone(),
                    throttle,
                    batch_size,
                    additional: form.chosen(3) == 1,
                    prepared: None,
                };
                self.mode = Mode::Normal;
                let mut reqs = vec![Request::WritePlan { path: file, plan: reassignment, rollback: None }];
                reqs.extend(self.prepare(Mutation::Reassignment(Step::Execute(Box::new(step)))));
                Ok(reqs)
            }
        }
    }

    pub(super) fn reassign_event(&mut self, ev: Event) -> Vec<Request> {
        match ev {
            Event::ReassignStatus(r) => self.cluster.reassign.on_status(r),
            Event::Planned { request, result } => match self.cluster.reassign.on_planned(&request, result) {
                None => {}
                Some(Ok(n)) => {
                    if self.view() == &PLAN {
                        let table = &mut self.nav.top_mut().table;
                        table.invalidate();
                        table.top();
                    }
                    match n {
                        0 => self.flash("nothing to move: the topics already meet the goal", Level::Info),
                        n => self.flash(
                            format!(
                                "planned {n} partition(s): {} edits one, {} executes, {} exports",
                                self.keymap.hint(Action::EditPlan),
                                self.keymap.hint(Action::ExecutePlan),
                                self.keymap.hint(Action::ExportPlan)
                            ),
                            Level::Info,
                        ),
                    }
                }
                Some(Err(e)) => self.flash(format!("planning failed: {e}"), Level::Error),
            },
            Event::Wrote(Ok(files)) => self.flash(format!("wrote {}", files.join(" and ")), Level::Info),
            Event::Wrote(Err(e)) => self.flash(e, Level::Error),
            Event::Driving(e) => {
                if let crate::ops::reassign::drive::Event::Submitted(s) = e.as_ref() {
                    self.flash(submitted_words(s), Level::Info);
                }
                self.cluster.reassign.on_progress(*e);
                return self.read_reassignments();
            }
            Event::DriveEnded { execution, result } => {
                match self.cluster.reassign.on_drive_ended(&execution, result) {
                    Ok(words) => self.flash(words, Level::Info),
                    Err(e) => self.flash(e, Level::Error),
                }
                return self.start_after_change(Request::ReassignStatus);
            }
            Event::Verified(result) => {
                match result {
                    Ok(r) => {
                        self.flash(format!("verified: {}", verify_words(&r)), Level::Info);
                        self.cluster.reassign.verified = Some(*r);
                    }
                    Err(e) => self.flash(format!("verify failed: {e}"), Level::Error),
                }
                return self.start_after_change(Request::ReassignStatus);
            }
            _ => {}
        }
        Vec::new()
    }

    /// After a reassignment step went through: stay attached to a new execution (and show its
    /// progress), remove the throttles of cancelled moves once they are back; read again.
    pub(super) fn reassignment_applied(&mut self, step: &Step, outcome: &Outcome) -> Vec<Request> {
        let mut reqs = Vec::new();
        match (step, &outcome.details) {
            (Step::Execute(_), Some(Applied::Submitted(s))) => {
                reqs.extend(self.cluster.reassign.attach(s.execution.clone()));
                self.nav.replace(REASSIGNMENTS, None);
            }
            (Step::Cancel(c), Some(Applied::Cancelled(_))) => {
                reqs.extend(self.start(Request::AfterCancel(c.moves.clone())))
            }
            _ => {}
        }
        reqs.extend(self.start_after_change(Request::ReassignStatus));
        reqs
    }

    pub(super) fn draw_reassign_dialog(&self, f: &mut Frame, d: &Dialog) {
        match (d, &self.cluster.reassign.plan) {
            (Dialog::Form(form), _) => dialogs::draw_form(f, f.area(), form, &self.theme),
            (Dialog::Edit(ed), Some(p)) => dialogs::draw_editor(f, f.area(), ed, &p.edit, &self.theme),
            (Dialog::Edit(_), None) => {}
        }
    }
}

#[cfg(test)]
impl App {
    pub fn reassign_marked(&self) -> Vec<String> {
        self.cluster.reassign.marked.iter().cloned().collect()
    }

    /// The plan's rows as (replicas now, replicas to send).
    pub fn plan_rows(&self) -> Vec<(Vec<i32>, Vec<i32>)> {
        self.cluster
            .reassign
            .plan
            .iter()
            .flat_map(|p| p.edit.rows.iter().map(|r| (r.from.clone(), r.to.clone())))
            .collect()
    }

    pub fn plan_reassignment(&self) -> crate::plan::Reassignment {
        self.cluster.reassign.plan.as_ref().map(|p| p.edit.reassignment()).unwrap_or_default()
    }
}
