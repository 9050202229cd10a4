//! The change flow's reactions: a mutating key opens a form (or goes straight to the preview when
//! nothing needs typing), ops checks it (prepare), the user confirms the preview, ops applies it,
//! and the cluster is read again. Its state is `App::mode` and `App::op` (`mode.rs`).

use crossterm::event::KeyEvent;

use super::app::App;
use super::chrome::Level;
use super::dialogs::{Confirm, Form, Reply};
use super::keymap::Action;
use super::message::Request;
use super::mode::{Mode, Op};
use super::panes::{Change, View, When};
use crate::ops::groups::GroupChange;
use crate::ops::{AuditResult, Mutation, Outcome, Preview};

impl App {
    pub(super) fn form_key(&mut self, mut form: Box<Form>, key: KeyEvent) -> Vec<Request> {
        match form.key(key) {
            Reply::Stay => {
                self.mode = Mode::Form(form);
                Vec::new()
            }
            Reply::Cancel => {
                self.mode = Mode::Normal;
                self.op = Op::Idle;
                self.flash("cancelled: nothing was changed", Level::Info);
                Vec::new()
            }
            Reply::Submit(m) => {
                self.mode = Mode::Form(form);
                self.op = Op::Preparing(m.clone());
                vec![Request::Prepare(m)]
            }
        }
    }

    pub(super) fn confirm_key(&mut self, mut confirm: Box<Confirm>, key: KeyEvent) -> Vec<Request> {
        match confirm.key(key) {
            Reply::Stay => {
                self.mode = Mode::Confirm(confirm);
                Vec::new()
            }
            Reply::Cancel => {
                self.mode = Mode::Normal;
                self.flash("cancelled: nothing was changed", Level::Info);
                // the audit log records declined changes, as the CLI's "no" does
                vec![Request::Decline(Box::new(confirm.preview.clone()))]
            }
            Reply::Submit(preview) => {
                self.mode = Mode::Normal;
                self.op = Op::Applying(preview.mutation.clone());
                let verb = if self.settings.dry_run { "validating (dry run)" } else { "applying" };
                self.flash(format!("{verb}: {}…", preview.summary), Level::Info);
                vec![Request::Apply(Box::new(preview))]
            }
        }
    }

    pub(super) fn prepared(&mut self, request: Mutation, result: Result<Box<Preview>, String>) -> Vec<Request> {
        if self.op != Op::Preparing(request.clone()) {
            tracing::debug!(change = %request.summary(), "dropping the answer to a cancelled change");
            return Vec::new();
        }
        self.op = Op::Idle;
        let form = match &mut self.mode {
            Mode::Form(f) if f.checking => Some(f),
            _ => None,
        };
        match (result, form) {
            (Ok(_), _) if self.settings.read_only => {
                // ops refuses in read-only mode; this only guards against a mismatch
                self.mode = Mode::Normal;
                self.flash(format!("read-only: not offering to {}", request.title()), Level::Error);
            }
            (Ok(preview), _) => {
                self.chrome.flash = None; // "checking…" is answered by the dialog
                self.mode = Mode::Confirm(Box::new(Confirm::new(*preview, self.settings.dry_run)));
            }
            (Err(e), Some(form)) => {
                form.checking = false;
                form.error = Some(e);
            }
            (Err(e), None) if self.settings.read_only => self.flash(e, Level::Warn),
            (Err(e), None) => self.flash(format!("cannot {}: {e}", request.title()), Level::Error),
        }
        Vec::new()
    }

    pub(super) fn applied(&mut self, mutation: Mutation, result: Result<Box<Outcome>, String>) -> Vec<Request> {
        self.op = Op::Idle;
        match &result {
            Ok(outcome) => self.flash(outcome.message.clone(), Level::Info),
            Err(e) => self.flash(format!("{} failed: {e}", mutation.title()), Level::Error),
        }
        if let (Ok(_), Mutation::DeleteTopic { topic }) = (&result, &mutation) {
            // the views of a deleted topic have nothing left to show
            self.nav.close(|v| matches!(v, View::Partitions { topic: t } | View::Configs { topic: t } | View::Peek { topic: t, .. } | View::Message { topic: t, .. } if t == topic));
        }
        if let (Ok(o), Mutation::Group(GroupChange::Delete { group })) = (&result, &mutation) {
            if o.result == AuditResult::Ok {
                self.nav
                    .close(|v| matches!(v, View::GroupDetail { group: g } | View::TimeLag { group: g } if g == group));
            }
        }
        // even a failed change may have done part of its work: show what the cluster has now
        let mut reqs = self.start_after_change(Request::Refresh);
        reqs.extend(self.need(When::Changed(&mutation)));
        if let (Mutation::Reassignment(step), Ok(outcome)) = (&mutation, &result) {
            reqs.extend(self.reassignment_applied(step, outcome));
        }
        reqs
    }

    /// A mutating key: a form, or straight to the preview when nothing needs typing. The pane on
    /// top says what the key means on its rows ([`TablePane::change`]); else it is a topic
    /// operation on the topic under the cursor.
    ///
    /// [`TablePane::change`]: super::panes::TablePane::change
    pub(super) fn operation(&mut self, action: Action) -> Vec<Request> {
        let change = {
            let s = self.nav.top();
            s.pane.change(action, s.table.current())
        }
        .or_else(|| self.topic_change(action));
        if self.settings.read_only {
            let doing = match &change {
                Some(Change::Preview(Mutation::Group(GroupChange::Delete { .. }))) => "deleting consumer groups",
                _ => what(action),
            };
            self.flash(
                format!(
                    "read-only: {doing} is off on {} (--read-only or read_only = true)",
                    self.settings.cluster_name
                ),
                Level::Warn,
            );
            // A change that needs no typing names a whole change, so it still goes to ops, whose
            // guard refuses and audits it; forms stop here.
            return match change {
                Some(Change::Preview(m)) if self.op == Op::Idle => {
                    self.op = Op::Preparing(m.clone()); // keeps the read-only flash up
                    vec![Request::Prepare(m)]
                }
                _ => Vec::new(),
            };
        }
        if let Op::Preparing(m) | Op::Applying(m) = &self.op {
            self.flash(format!("still working on: {}", m.title()), Level::Info);
            return Vec::new();
        }
        match change {
            Some(Change::Preview(m)) => return self.prepare(m),
            Some(Change::Form(form)) => self.mode = Mode::Form(Box::new(form)),
            None if matches!(action, Action::SetConfig | Action::DeleteConfig) => self.flash(
                format!("open a topic's configs ({}) and select a config first", self.keymap.hint(Action::Configs)),
                Level::Info,
            ),
            None => self.flash(format!("{} works on a topic: select one first", what(action)), Level::Info),
        }
        Vec::new()
    }

    /// The topic operations, on the topic under the cursor (or the one the view is about).
    fn topic_change(&self, action: Action) -> Option<Change> {
        let snap = &self.cluster.snapshot;
        match action {
            Action::CreateTopic => Some(Change::Form(Form::create_topic(snap.brokers.len().clamp(1, 3)))),
            Action::DeleteTopic => Some(Change::Preview(Mutation::DeleteTopic { topic: self.target_topic()? })),
            Action::AddPartitions => {
                let topic = self.target_topic()?;
                let current = snap.topic(&topic).map(|t| t.partitions.len()).unwrap_or(0);
                Some(Change::Form(Form::add_partitions(topic, current)))
            }
            _ => None,
        }
    }

    pub(super) fn prepare(&mut self, m: Mutation) -> Vec<Request> {
        self.flash(format!("checking: {}…", m.title()), Level::Info);
        self.op = Op::Preparing(m.clone());
        vec![Request::Prepare(m)]
    }
}

/// A mutating action in words, for flashes.
fn what(action: Action) -> &'static str {
    match action {
        Action::CreateTopic => "creating topics",
        Action::DeleteTopic => "deleting topics",
        Action::AddPartitions => "adding partitions",
        Action::SetConfig => "setting configs",
        Action::DeleteConfig => "deleting config overrides",
        Action::ResetOffsets => "resetting offsets",
        _ => "this",
    }
}
