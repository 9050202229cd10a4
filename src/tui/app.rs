//! The console's state and its reactions to keys and worker events. No I/O here: the app returns
//! the [`Request`]s it wants sent, so every behaviour can be tested by feeding it events.
//!
//! The state is split by concern, each in its own file: what the cluster looks like
//! (`cluster_view`), requests in flight (`jobs`: one slot per kind), where the user is (`nav`),
//! the flash and clock (`chrome`), and the change flow (`mode`; its reactions in `change.rs`).
//! Drawing is in `draw.rs`. This file routes keys, answers and time to them.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::chrome::{Chrome, Level};
use super::cluster_view::ClusterView;
use super::connection::Connection;
use super::jobs::Jobs;
use super::keymap::{Action, Keymap};
use super::message::Loaded;
use super::message::{Event, Job, Request};
use super::mode::{Mode, Op};
use super::nav::Nav;
use super::panes::{self, View, When};
use super::theme::Theme;

pub struct Settings {
    pub cluster_name: String,
    pub read_only: bool,
    /// Changes are only validated (the ops context has it too); shown as a badge.
    pub dry_run: bool,
    pub refresh_every: std::time::Duration,
}

pub struct App {
    pub settings: Settings,
    pub keymap: Keymap,
    pub theme: Theme,
    pub(super) cluster: ClusterView,
    pub(super) jobs: Jobs,
    pub(super) nav: Nav,
    pub(super) chrome: Chrome,
    /// A refresh that could not connect: the doctor's steps and the retry's backoff.
    pub(super) connection: Connection,
    pub mode: Mode,
    pub op: Op,
    pub quit: bool,
    /// The MSK cluster (ARN) to open the console on next, when the user picked one in `:msk`.
    pub switch_to: Option<String>,
}

impl App {
    pub fn new(settings: Settings, keymap: Keymap, theme: Theme, now: Instant) -> App {
        App {
            settings,
            keymap,
            theme,
            cluster: ClusterView::default(),
            jobs: Jobs::default(),
            nav: Nav::new(View::Topics),
            chrome: Chrome::new(now),
            connection: Connection::default(),
            mode: Mode::Normal,
            op: Op::Idle,
            quit: false,
            switch_to: None,
        }
    }

    pub fn flash(&mut self, text: impl Into<String>, level: Level) {
        self.chrome.flash(text, level);
    }

    pub fn view(&self) -> &View {
        &self.nav.top().view
    }

    pub fn breadcrumbs(&self) -> Vec<String> {
        self.nav.screens().map(|s| s.pane.crumb()).collect()
    }

    /// Time passes: expire the flash; ask for a refresh when one is due and none is in flight.
    pub fn tick(&mut self, now: Instant) -> Vec<Request> {
        self.chrome.tick(now);
        let due = match self.connection.retry_at {
            Some(at) => now >= at,
            None => self.chrome.last_request.is_none_or(|t| now.duration_since(t) >= self.settings.refresh_every),
        };
        let mut reqs = if due && !self.jobs.busy(Job::Refresh) { self.start(Request::Refresh) } else { Vec::new() };
        reqs.extend(self.reassign_tick(now));
        reqs
    }

    /// What time changes on screen: the header's age of the data and whether a flash is up. The
    /// event loop redraws after a tick only when this changed.
    pub fn clock_face(&self) -> (String, bool) {
        let mut age = self.chrome.age(self.jobs.busy(Job::Refresh));
        if self.connection.in_trouble() {
            age.push_str(&self.connection.retry_text(self.chrome.now, self.jobs.busy(Job::Refresh)));
        }
        (age, self.chrome.flash.is_some())
    }

    /// Sends `req` through its job slot (now, or when the one of its kind in flight answers).
    pub(super) fn start(&mut self, req: Request) -> Vec<Request> {
        let out = self.jobs.start(req);
        self.sending(out)
    }

    /// Sends `req` through its slot even if the same is in flight (it may predate a change).
    pub(super) fn start_after_change(&mut self, req: Request) -> Vec<Request> {
        let out = self.jobs.start_after_change(req);
        self.sending(out)
    }

    fn sending(&mut self, out: Option<Request>) -> Vec<Request> {
        if out == Some(Request::Refresh) {
            self.chrome.last_request = Some(self.chrome.now);
        }
        out.into_iter().collect()
    }

    /// A refresh that could not connect: back off, and run the doctor unless it runs already.
    fn connection_failed(&mut self, problem: String, now: Instant) -> Vec<Request> {
        if self.connection.failed(problem, now) {
            self.start(Request::Diagnose)
        } else {
            Vec::new()
        }
    }

    /// A worker answer; may ask for more (a refresh after a change, a request that waited).
    pub fn on_event(&mut self, ev: Event, now: Instant) -> Vec<Request> {
        self.chrome.now = now;
        let waited = ev.job().and_then(|job| self.jobs.finish(job));
        let mut reqs = self.sending(waited);
        match ev {
            Event::Snapshot { result, took } => match result {
                Ok(snap) => {
                    tracing::debug!(?took, topics = snap.topics.len(), "snapshot");
                    if let Some(w) = snap.warnings.first() {
                        self.flash(format!("partial refresh: {w}"), Level::Warn);
                    }
                    let ids: Vec<i32> = snap.brokers.iter().map(|b| b.id).collect();
                    match Connection::out_of_reach(&ids, &snap.unreachable_brokers) {
                        Some(w) => reqs.extend(self.connection_failed(format!("partial refresh: {w}"), now)),
                        None => self.connection.recovered(),
                    }
                    self.cluster.update(*snap, now);
                    self.chrome.last_refresh = Some(now);
                    reqs.extend(self.need(When::Refreshed));
                }
                Err(e) => {
                    self.flash(format!("refresh failed: {e}"), Level::Error);
                    reqs.extend(self.connection_failed(format!("refresh failed: {e}"), now));
                }
            },
            Event::DoctorStep(step) => self.connection.step(*step),
            Event::Diagnosed(result) => self.connection.diagnosed(result.map(|r| *r)),
            Event::Loaded { request, result } => self.loaded(request, result),
            Event::Prepared { request, result } => reqs.extend(self.prepared(request, result)),
            Event::Applied { mutation, result } => reqs.extend(self.applied(mutation, result)),
            Event::Declined => {}
            ev @ (Event::ReassignStatus(_)
            | Event::Planned { .. }
            | Event::Wrote(_)
            | Event::Driving(_)
            | Event::DriveEnded { .. }
            | Event::Verified(_)) => reqs.extend(self.reassign_event(ev)),
        }
        reqs
    }

    /// The answer to a pane's need goes to the pane on top if it still needs exactly that (the
    /// user may have moved on).
    fn loaded(&mut self, request: Request, result: Result<Loaded, String>) {
        let s = self.nav.top_mut();
        if s.pane.need(When::Shown).as_ref() != Some(&request) {
            return;
        }
        let received = s.pane.load(result);
        s.table.invalidate();
        self.refresh_table();
        if received.cursor_at_end {
            self.nav.top_mut().table.bottom();
        }
        if let Some((text, level)) = received.flash {
            self.flash(text, level);
        }
    }

    /// Sends what the pane on top needs `when` (nothing for panes that read only the snapshot).
    pub(super) fn need(&mut self, when: When) -> Vec<Request> {
        match (self.nav.top().pane.need(when), when) {
            (None, _) => Vec::new(),
            (Some(req), When::Changed(_)) => self.start_after_change(req),
            (Some(req), _) => self.start(req),
        }
    }

    /// Opens `view` on top of the trail and asks for its data.
    fn show(&mut self, view: View) -> Vec<Request> {
        self.nav.push(view);
        self.need(When::Shown)
    }

    /// A new trail, and the data its top needs.
    fn jump(&mut self, first: View, above: Option<View>) -> Vec<Request> {
        self.nav.replace(first, above);
        self.need(When::Shown)
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Request> {
        self.as_typed(key).into_iter().flat_map(|k| self.on_one_key(k)).collect()
    }

    /// The keys a person typed, from what the terminal parsed. Two cases differ when keys are typed
    /// ahead (while the console starts, or faster than a busy console or a slow link reads them):
    /// - Esc is one byte, so Esc followed by a key in the same read parses as Alt+key; unless
    ///   Alt+key is bound, it was two keys.
    /// - Enter typed before the console put the terminal in raw mode was turned into a line feed
    ///   by the terminal, which parses as Ctrl-J; unless Ctrl-J is bound, it was Enter.
    fn as_typed(&self, key: KeyEvent) -> Vec<KeyEvent> {
        if self.keymap.action(&key).is_some() {
            return vec![key];
        }
        if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
            return vec![
                KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT),
            ];
        }
        if key.code == KeyCode::Char('j') && key.modifiers == KeyModifiers::CONTROL {
            return vec![KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)];
        }
        vec![key]
    }

    fn on_one_key(&mut self, key: KeyEvent) -> Vec<Request> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        match self.mode.clone() {
            Mode::Filter => {
                self.filter_key(key);
                Vec::new()
            }
            Mode::Command(text) => self.command_key(key, text),
            Mode::Help => {
                // arrows scroll; any other key closes; quit still quits
                let scroll = &mut self.nav.help_scroll;
                match self.keymap.action(&key) {
                    Some(Action::Down) => *scroll = scroll.saturating_add(1),
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::PageDown) => *scroll = scroll.saturating_add(10),
                    Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
                    Some(Action::Quit) => self.quit = true,
                    _ => self.mode = Mode::Normal,
                }
                Vec::new()
            }
            Mode::ErrorDetail => {
                if self.keymap.action(&key) == Some(Action::Quit) {
                    self.quit = true;
                }
                self.mode = Mode::Normal;
                Vec::new()
            }
            Mode::Form(form) => self.form_key(form, key),
            Mode::Confirm(confirm) => self.confirm_key(confirm, key),
            Mode::Reassign(dialog) => self.reassign_key(*dialog, key),
            Mode::Normal => match self.keymap.action(&key) {
                Some(a) => self.act(a),
                None => Vec::new(),
            },
        }
    }

    fn act(&mut self, action: Action) -> Vec<Request> {
        self.refresh_table();
        let page = self.nav.page as isize;
        let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
        let s = self.nav.top_mut();
        match action {
            Action::Quit => self.quit = true,
            Action::Up => s.table.move_by(-1),
            Action::Down => s.table.move_by(1),
            Action::PageUp => s.table.move_by(-page),
            Action::PageDown => s.table.move_by(page),
            Action::Top => s.table.top(),
            Action::Bottom => s.table.bottom(),
            Action::Enter => {
                if let Some(instead) = s.pane.enter_action() {
                    return self.act(instead);
                }
                if let Some(cluster) = s.table.current().and_then(|i| s.pane.connect_to(i)) {
                    self.switch_to = Some(cluster);
                    self.quit = true;
                    return Vec::new();
                }
                if let Some(v) = s.table.current().and_then(|i| s.pane.enter(&ctx, i)) {
                    return self.show(v);
                }
            }
            Action::Back => {
                if !s.table.filter.is_empty() {
                    s.table.filter.clear();
                } else {
                    self.nav.pop();
                }
            }
            Action::Filter => self.mode = Mode::Filter,
            Action::Command => self.mode = Mode::Command(String::new()),
            Action::Help => {
                self.nav.help_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::ErrorDetail => {
                if self.chrome.last_error.is_some() {
                    self.mode = Mode::ErrorDetail;
                } else {
                    self.flash("no errors so far", Level::Info);
                }
            }
            Action::Refresh => {
                if self.jobs.busy(Job::Refresh) {
                    self.flash("a refresh is already running", Level::Info);
                }
                let mut reqs = self.start(Request::Refresh);
                reqs.extend(self.need(When::Refresh));
                return reqs;
            }
            Action::Sort => {
                let cols = s.pane.columns().len();
                s.table.sort = Some(s.table.sort.map(|c| (c + 1) % cols).unwrap_or(0));
            }
            Action::Reverse => s.table.reverse = !s.table.reverse,
            Action::Peek => return self.peek(),
            Action::PeekStuck => return self.peek_stuck(),
            Action::TimeLag => return self.time_lag(),
            Action::Configs => return self.open_configs(),
            Action::CreateTopic
            | Action::DeleteTopic
            | Action::AddPartitions
            | Action::SetConfig
            | Action::DeleteConfig
            | Action::ResetOffsets => return self.operation(action),
            Action::Open(name) => return self.jump(View::Named(name), None),
            // Mark … ClearThrottles (Action::is_reassignment)
            _ => return self.reassign_action(action),
        }
        Vec::new()
    }

    fn peek(&mut self) -> Vec<Request> {
        let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
        let s = self.nav.top();
        let Some((topic, partition)) = s.table.current().and_then(|i| s.pane.peek_target(&ctx, i)) else {
            self.flash("peek works on a partition row (open a topic, or a group)", Level::Info);
            return Vec::new();
        };
        if self.jobs.busy(Job::Peek) {
            self.flash("a peek is already running", Level::Info);
            return Vec::new();
        }
        self.show(View::Peek { topic, partition, from: None })
    }

    /// The messages at the committed offset of the group partition under the cursor.
    fn peek_stuck(&mut self) -> Vec<Request> {
        let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
        let s = self.nav.top();
        let Some((topic, partition, at)) = s.table.current().and_then(|i| s.pane.stuck_target(&ctx, i)) else {
            self.flash("where-stuck works on a group's partition with a committed offset (open a group)", Level::Info);
            return Vec::new();
        };
        if self.jobs.busy(Job::Peek) {
            self.flash("a peek is already running", Level::Info);
            return Vec::new();
        }
        self.show(View::Peek { topic, partition, from: Some(at) })
    }

    /// The lag in time of the group on screen.
    fn time_lag(&mut self) -> Vec<Request> {
        let Some(group) = self.nav.top().pane.group_target() else {
            self.flash("lag in time works on a consumer group (open one)", Level::Info);
            return Vec::new();
        };
        let view = View::TimeLag { group };
        if self.view() != &view {
            self.nav.push(view);
        }
        self.need(When::Shown) // again if it was on top already: T reads it again
    }

    /// The topic the cursor is on (or the one the current view is about).
    pub(super) fn target_topic(&self) -> Option<String> {
        let s = self.nav.top();
        s.pane.topic_target(&self.cluster.ctx(&self.theme, self.chrome.now), s.table.current())
    }

    fn open_configs(&mut self) -> Vec<Request> {
        let Some(topic) = self.target_topic() else {
            self.flash("configs work on a topic: select one first", Level::Info);
            return Vec::new();
        };
        let view = View::Configs { topic };
        if self.view() != &view {
            self.nav.push(view);
        }
        self.need(When::Shown) // again if it was on top already: C reads the configs again
    }

    fn filter_key(&mut self, key: KeyEvent) {
        let t = &mut self.nav.top_mut().table;
        match key.code {
            KeyCode::Enter => self.mode = Mode::Normal,
            KeyCode::Esc => {
                t.filter.clear();
                self.mode = Mode::Normal;
            }
            KeyCode::Backspace => {
                t.filter.pop();
            }
            // a control character is a key, not text
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                t.filter.push(c);
                t.selected = 0;
            }
            _ => {}
        }
    }

    fn command_key(&mut self, key: KeyEvent, mut text: String) -> Vec<Request> {
        match key.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Backspace => {
                text.pop();
                self.mode = Mode::Command(text);
            }
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                text.push(c);
                self.mode = Mode::Command(text);
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                return self.run_command(text.trim());
            }
            _ => {}
        }
        Vec::new()
    }

    fn run_command(&mut self, cmd: &str) -> Vec<Request> {
        let (word, arg) = cmd.split_once(' ').map(|(w, a)| (w, a.trim())).unwrap_or((cmd, ""));
        let loaded = self.chrome.last_refresh.is_some();
        let snap = &self.cluster.snapshot;
        match (word, arg) {
            ("t" | "topic" | "topics", name) if !name.is_empty() => {
                if snap.topic(name).is_none() && loaded {
                    self.flash(format!("no topic named {name:?}"), Level::Warn);
                } else {
                    return self.jump(View::Topics, Some(View::Partitions { topic: name.to_string() }));
                }
            }
            ("g" | "group" | "groups", name) if !name.is_empty() => {
                if snap.group(name).is_none() && loaded {
                    self.flash(format!("no consumer group named {name:?}"), Level::Warn);
                } else {
                    return self.jump(View::Groups, Some(View::GroupDetail { group: name.to_string() }));
                }
            }
            ("q" | "quit", _) => self.quit = true,
            ("refresh" | "r", _) => return self.start(Request::Refresh),
            ("", _) => {}
            (word, _) => match panes::by_alias(word) {
                Some(entry) => return self.jump(View::Named(entry.name), None),
                None => {
                    let views: Vec<String> =
                        panes::REGISTRY.iter().filter_map(|e| e.aliases.first()).map(|a| format!(":{a}")).collect();
                    self.flash(
                        format!("unknown command :{word} (try {} :t NAME :g NAME :q)", views.join(" ")),
                        Level::Warn,
                    )
                }
            },
        }
        Vec::new()
    }

    /// Brings the top table's row order up to date (data, filter or sort changed).
    pub(super) fn refresh_table(&mut self) {
        let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
        let s = self.nav.top_mut();
        s.table.refresh_order(s.pane.as_ref(), &ctx, self.cluster.generation);
    }
}
