//! The console's state and its reactions to keys and worker events. No I/O here: the app returns
//! the [`Request`]s it wants sent, so every behaviour can be tested by feeding it events.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::dialogs::{self, Confirm, Form, Reply};
use super::keymap::{Action, Keymap};
use super::lag::LagHistory;
use super::message::{Event, Request};
use super::panes::{self, Ctx, Loaded, TablePane, TableView, View};
use super::popups;
use super::theme::Theme;
use crate::cluster::{BrokerStats, Snapshot};
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource};
use crate::ops::Mutation;

const FLASH_FOR: Duration = Duration::from_secs(5);
pub const PEEK_COUNT: usize = 50;

pub struct Settings {
    pub cluster_name: String,
    pub read_only: bool,
    /// Changes are only validated (the ops context has it too); shown as a badge.
    pub dry_run: bool,
    pub refresh_every: Duration,
}

/// One level of the breadcrumb trail.
struct Screen {
    view: View,
    pane: Box<dyn TablePane>,
    table: TableView,
}

impl Screen {
    fn new(view: View) -> Screen {
        Screen { pane: view.pane(), view, table: TableView::default() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command(String),
    Help,
    ErrorDetail,
    /// Typing the details of a change (create topic, add partitions, set config).
    Form(Box<Form>),
    /// A previewed change waiting for yes.
    Confirm(Box<Confirm>),
}

/// The change being checked or sent; at most one at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Idle,
    Preparing(Mutation),
    Applying(Mutation),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

pub struct App {
    pub settings: Settings,
    pub keymap: Keymap,
    pub theme: Theme,
    snapshot: Snapshot,
    broker_stats: Vec<BrokerStats>,
    /// Under-replicated, offline and under-min-ISR partition counts, counted once per snapshot
    /// rather than on every frame.
    health: (usize, usize, usize),
    generation: u64,
    /// Broker ids seen in this session, to count brokers that dropped out of the metadata.
    known_brokers: BTreeSet<i32>,
    lag: LagHistory,
    stack: Vec<Screen>,
    pub mode: Mode,
    flash: Option<(String, Level, Instant)>,
    last_error: Option<String>,
    last_refresh: Option<Instant>,
    last_request: Option<Instant>,
    refresh_in_flight: bool,
    peek_in_flight: bool,
    configs_in_flight: bool,
    /// A change landed while a refresh was in flight: refresh once more when it returns.
    refresh_again: bool,
    pub op: Op,
    help_scroll: u16,
    pub quit: bool,
    now: Instant,
}

impl App {
    pub fn new(settings: Settings, keymap: Keymap, theme: Theme, now: Instant) -> App {
        App {
            settings,
            keymap,
            theme,
            snapshot: Snapshot::default(),
            broker_stats: Vec::new(),
            health: (0, 0, 0),
            generation: 0,
            known_brokers: BTreeSet::new(),
            lag: LagHistory::default(),
            stack: vec![Screen::new(View::Topics)],
            mode: Mode::Normal,
            flash: None,
            last_error: None,
            last_refresh: None,
            last_request: None,
            refresh_in_flight: false,
            peek_in_flight: false,
            configs_in_flight: false,
            refresh_again: false,
            op: Op::Idle,
            help_scroll: 0,
            quit: false,
            now,
        }
    }

    pub fn flash(&mut self, text: impl Into<String>, level: Level) {
        let text = text.into();
        if level == Level::Error {
            self.last_error = Some(text.clone());
        }
        self.flash = Some((text, level, self.now));
    }

    pub fn view(&self) -> &View {
        &self.stack[self.stack.len() - 1].view
    }

    pub fn breadcrumbs(&self) -> Vec<String> {
        self.stack.iter().map(|s| s.pane.crumb()).collect()
    }

    /// Time passes: expire the flash; ask for a refresh when one is due and none is in flight.
    pub fn tick(&mut self, now: Instant) -> Vec<Request> {
        self.now = now;
        if let Some((_, _, at)) = &self.flash {
            if now.duration_since(*at) >= FLASH_FOR {
                self.flash = None;
            }
        }
        let due = self.last_request.is_none_or(|t| now.duration_since(t) >= self.settings.refresh_every);
        if due && !self.refresh_in_flight {
            return self.request_refresh();
        }
        Vec::new()
    }

    fn request_refresh(&mut self) -> Vec<Request> {
        if self.refresh_in_flight {
            return Vec::new(); // coalesced: the one in flight will bring fresh data
        }
        self.refresh_in_flight = true;
        self.last_request = Some(self.now);
        vec![Request::Refresh]
    }

    /// A worker answer; may ask for more (a refresh after a change).
    pub fn on_event(&mut self, ev: Event, now: Instant) -> Vec<Request> {
        self.now = now;
        match ev {
            Event::Snapshot { result, took } => {
                self.refresh_in_flight = false;
                match result {
                    Ok(snap) => {
                        tracing::debug!(?took, topics = snap.topics.len(), "snapshot");
                        self.known_brokers.extend(snap.brokers.iter().map(|b| b.id));
                        for t in &snap.topics {
                            for p in &t.partitions {
                                self.known_brokers.extend(p.replicas.iter().copied());
                            }
                        }
                        self.lag.record(&snap, now);
                        self.broker_stats = snap.broker_stats();
                        self.health = (snap.under_replicated(), snap.offline(), snap.under_min_isr());
                        if let Some(w) = snap.warnings.first() {
                            self.flash(format!("partial refresh: {w}"), Level::Warn);
                        }
                        self.snapshot = *snap;
                        self.generation += 1;
                        self.last_refresh = Some(now);
                    }
                    Err(e) => self.flash(format!("refresh failed: {e}"), Level::Error),
                }
                if std::mem::take(&mut self.refresh_again) {
                    return self.request_refresh();
                }
            }
            Event::Peeked { topic, partition, result } => {
                self.peek_in_flight = false;
                let top = self.stack.len() - 1;
                if self.stack[top].view == (View::Peek { topic: topic.clone(), partition }) {
                    match result {
                        Ok(msgs) => {
                            let n = msgs.len();
                            self.stack[top].pane.load(Loaded::Messages(msgs));
                            self.stack[top].table.invalidate();
                            self.refresh_table();
                            self.top().table.bottom(); // newest message under the cursor
                            self.flash(format!("read {n} messages from {topic}/{partition}"), Level::Info);
                        }
                        Err(e) => self.flash(format!("peek {topic}/{partition} failed: {e}"), Level::Error),
                    }
                }
            }
            Event::Configs { topic, result } => {
                self.configs_in_flight = false;
                let top = self.stack.len() - 1;
                if self.stack[top].view == (View::Configs { topic: topic.clone() }) {
                    match result {
                        Ok(configs) => {
                            self.stack[top].pane.load(Loaded::Configs(configs));
                            self.stack[top].table.invalidate();
                        }
                        Err(e) => self.flash(format!("configs of {topic}: {e}"), Level::Error),
                    }
                } else if let View::Configs { topic: wanted } = self.view().clone() {
                    // its request was coalesced into this one, for another topic
                    return self.request_configs(wanted);
                }
            }
            Event::Prepared { request, result } => return self.prepared(request, result),
            Event::Applied { mutation, result } => return self.applied(mutation, result),
            Event::Declined => {}
        }
        Vec::new()
    }

    fn prepared(&mut self, request: Mutation, result: Result<Box<crate::ops::Preview>, String>) -> Vec<Request> {
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
                self.flash = None; // "checking…" is answered by the dialog
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

    fn applied(&mut self, mutation: Mutation, result: Result<Box<crate::ops::Outcome>, String>) -> Vec<Request> {
        self.op = Op::Idle;
        match &result {
            Ok(outcome) => self.flash(outcome.message.clone(), Level::Info),
            Err(e) => self.flash(format!("{} failed: {e}", mutation.title()), Level::Error),
        }
        if let (Ok(_), Mutation::DeleteTopic { topic }) = (&result, &mutation) {
            // the views of a deleted topic have nothing left to show
            let gone = |v: &View| matches!(v, View::Partitions { topic: t } | View::Configs { topic: t } | View::Peek { topic: t, .. } if t == topic);
            if let Some(i) = self.stack.iter().position(|s| gone(&s.view)) {
                self.stack.truncate(i.max(1));
            }
        }
        // even a failed change may have done part of its work: show what the cluster has now
        let mut reqs = if self.refresh_in_flight {
            self.refresh_again = true;
            Vec::new()
        } else {
            self.request_refresh()
        };
        if let Mutation::AlterConfigs { resource: ConfigResource::Topic(topic), .. } = &mutation {
            if self.view() == &(View::Configs { topic: topic.clone() }) {
                reqs.extend(self.request_configs(topic.clone()));
            }
        }
        reqs
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
                match self.keymap.action(&key) {
                    Some(Action::Down) => self.help_scroll = self.help_scroll.saturating_add(1),
                    Some(Action::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
                    Some(Action::PageDown) => self.help_scroll = self.help_scroll.saturating_add(10),
                    Some(Action::PageUp) => self.help_scroll = self.help_scroll.saturating_sub(10),
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
            Mode::Form(mut form) => match form.key(key) {
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
            },
            Mode::Confirm(mut confirm) => match confirm.key(key) {
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
            },
            Mode::Normal => match self.keymap.action(&key) {
                Some(a) => self.act(a),
                None => Vec::new(),
            },
        }
    }

    fn top(&mut self) -> &mut Screen {
        let i = self.stack.len() - 1;
        &mut self.stack[i]
    }

    fn page(&self) -> isize {
        20
    }

    fn act(&mut self, action: Action) -> Vec<Request> {
        self.refresh_table();
        let page = self.page();
        match action {
            Action::Quit => self.quit = true,
            Action::Up => self.top().table.move_by(-1),
            Action::Down => self.top().table.move_by(1),
            Action::PageUp => self.top().table.move_by(-page),
            Action::PageDown => self.top().table.move_by(page),
            Action::Top => self.top().table.top(),
            Action::Bottom => self.top().table.bottom(),
            Action::Enter => {
                if let Some(instead) = self.top().pane.enter_action() {
                    return self.act(instead);
                }
                let next = {
                    let s = &self.stack[self.stack.len() - 1];
                    let ctx = self.ctx();
                    s.table.current().and_then(|i| s.pane.enter(&ctx, i))
                };
                if let Some(v) = next {
                    self.stack.push(Screen::new(v));
                }
            }
            Action::Back => {
                if !self.top().table.filter.is_empty() {
                    self.top().table.filter.clear();
                } else if self.stack.len() > 1 {
                    self.stack.pop();
                }
            }
            Action::Filter => self.mode = Mode::Filter,
            Action::Command => self.mode = Mode::Command(String::new()),
            Action::Help => {
                self.help_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::ErrorDetail => {
                if self.last_error.is_some() {
                    self.mode = Mode::ErrorDetail;
                } else {
                    self.flash("no errors so far", Level::Info);
                }
            }
            Action::Refresh => {
                if self.refresh_in_flight {
                    self.flash("a refresh is already running", Level::Info);
                }
                let mut reqs = self.request_refresh();
                if let View::Configs { topic } = self.view().clone() {
                    reqs.extend(self.request_configs(topic));
                }
                return reqs;
            }
            Action::Sort => {
                let cols = self.top().pane.columns().len();
                let t = &mut self.top().table;
                t.sort = Some(t.sort.map(|c| (c + 1) % cols).unwrap_or(0));
            }
            Action::Reverse => {
                let t = &mut self.top().table;
                t.reverse = !t.reverse;
            }
            Action::Peek => return self.peek(),
            Action::Configs => return self.open_configs(),
            Action::CreateTopic
            | Action::DeleteTopic
            | Action::AddPartitions
            | Action::SetConfig
            | Action::DeleteConfig => return self.operation(action),
            Action::Open(name) => self.jump(View::Named(name)),
        }
        Vec::new()
    }

    fn peek(&mut self) -> Vec<Request> {
        let target = {
            let s = &self.stack[self.stack.len() - 1];
            let ctx = self.ctx();
            s.table.current().and_then(|i| s.pane.peek_target(&ctx, i))
        };
        let Some((topic, partition)) = target else {
            self.flash("peek works on a partition row (open a topic, or a group)", Level::Info);
            return Vec::new();
        };
        if self.peek_in_flight {
            self.flash("a peek is already running", Level::Info);
            return Vec::new();
        }
        self.peek_in_flight = true;
        self.stack.push(Screen::new(View::Peek { topic: topic.clone(), partition }));
        vec![Request::Peek { topic, partition, count: PEEK_COUNT }]
    }

    /// The topic the cursor is on (or the one the current view is about).
    fn target_topic(&self) -> Option<String> {
        let s = &self.stack[self.stack.len() - 1];
        s.pane.topic_target(&self.ctx(), s.table.current())
    }

    fn open_configs(&mut self) -> Vec<Request> {
        let Some(topic) = self.target_topic() else {
            self.flash("configs work on a topic: select one first", Level::Info);
            return Vec::new();
        };
        let view = View::Configs { topic: topic.clone() };
        if self.view() != &view {
            self.stack.push(Screen::new(view));
        }
        self.request_configs(topic)
    }

    fn request_configs(&mut self, topic: String) -> Vec<Request> {
        if self.configs_in_flight {
            return Vec::new();
        }
        self.configs_in_flight = true;
        vec![Request::Configs { topic }]
    }

    /// A mutating key: a form, or straight to the preview when nothing needs typing.
    fn operation(&mut self, action: Action) -> Vec<Request> {
        let topic = self.target_topic();
        let config = {
            let s = &self.stack[self.stack.len() - 1];
            s.table.current().and_then(|i| s.pane.config_at(i)).cloned()
        };
        let on_configs = matches!(self.view(), View::Configs { .. });
        // Deletes name a whole change, so in read-only mode they still go to ops, whose guard
        // refuses and audits them; the rest stop here.
        let direct = match (action, &topic, &config) {
            (Action::DeleteTopic, Some(t), _) => Some(Mutation::DeleteTopic { topic: t.clone() }),
            (Action::DeleteConfig, Some(t), Some(c)) if on_configs => Some(Mutation::AlterConfigs {
                resource: ConfigResource::Topic(t.clone()),
                changes: vec![ConfigChange { key: c.name.clone(), op: AlterOp::Delete, value: None }],
            }),
            _ => None,
        };
        if self.settings.read_only {
            self.flash(
                format!(
                    "read-only: {} is off on {} (--read-only or read_only = true)",
                    what(action),
                    self.settings.cluster_name
                ),
                Level::Warn,
            );
            return match direct {
                Some(m) if self.op == Op::Idle => {
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
        if let Some(m) = direct {
            return self.prepare(m);
        }
        match (action, topic, config) {
            (Action::CreateTopic, _, _) => {
                self.mode = Mode::Form(Box::new(Form::create_topic(self.snapshot.brokers.len().clamp(1, 3))))
            }
            (Action::AddPartitions, Some(t), _) => {
                let current = self.snapshot.topic(&t).map(|t| t.partitions.len()).unwrap_or(0);
                self.mode = Mode::Form(Box::new(Form::add_partitions(t, current)));
            }
            (Action::SetConfig, Some(t), Some(c)) if on_configs => {
                let value = if c.sensitive { None } else { c.value.as_deref() };
                self.mode = Mode::Form(Box::new(Form::set_config(t, &c.name, value)));
            }
            (Action::SetConfig | Action::DeleteConfig, _, _) => self.flash(
                format!("open a topic's configs ({}) and select a config first", self.keymap.hint(Action::Configs)),
                Level::Info,
            ),
            _ => self.flash(format!("{} works on a topic: select one first", what(action)), Level::Info),
        }
        Vec::new()
    }

    fn prepare(&mut self, m: Mutation) -> Vec<Request> {
        self.flash(format!("checking: {}…", m.title()), Level::Info);
        self.op = Op::Preparing(m.clone());
        vec![Request::Prepare(m)]
    }

    /// `:` jumps replace the trail, as in k9s.
    fn jump(&mut self, view: View) {
        self.stack = vec![Screen::new(view)];
    }

    fn filter_key(&mut self, key: KeyEvent) {
        let t = &mut self.top().table;
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
        match (word, arg) {
            ("t" | "topic" | "topics", name) if !name.is_empty() => {
                if self.snapshot.topic(name).is_none() && self.last_refresh.is_some() {
                    self.flash(format!("no topic named {name:?}"), Level::Warn);
                } else {
                    self.stack =
                        vec![Screen::new(View::Topics), Screen::new(View::Partitions { topic: name.to_string() })];
                }
            }
            ("g" | "group" | "groups", name) if !name.is_empty() => {
                if self.snapshot.group(name).is_none() && self.last_refresh.is_some() {
                    self.flash(format!("no consumer group named {name:?}"), Level::Warn);
                } else {
                    self.stack =
                        vec![Screen::new(View::Groups), Screen::new(View::GroupDetail { group: name.to_string() })];
                }
            }
            ("q" | "quit", _) => self.quit = true,
            ("refresh" | "r", _) => return self.request_refresh(),
            ("", _) => {}
            (word, _) => match panes::by_alias(word) {
                Some(entry) => self.jump(View::Named(entry.name)),
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

    fn ctx(&self) -> Ctx<'_> {
        Ctx { snap: &self.snapshot, brokers: &self.broker_stats, theme: &self.theme, lag: &self.lag, now: self.now }
    }

    fn refresh_table(&mut self) {
        let generation = self.generation;
        let i = self.stack.len() - 1;
        let ctx = Ctx {
            snap: &self.snapshot,
            brokers: &self.broker_stats,
            theme: &self.theme,
            lag: &self.lag,
            now: self.now,
        };
        let s = &mut self.stack[i];
        s.table.refresh_order(s.pane.as_ref(), &ctx, generation);
    }

    pub fn draw(&mut self, f: &mut Frame) {
        self.refresh_table();
        let [header, crumbs, body, status] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)])
                .areas(f.area());
        f.render_widget(Paragraph::new(self.header_line(header.width)), header);
        f.render_widget(Paragraph::new(self.crumb_line()), crumbs);
        let i = self.stack.len() - 1;
        let ctx = Ctx {
            snap: &self.snapshot,
            brokers: &self.broker_stats,
            theme: &self.theme,
            lag: &self.lag,
            now: self.now,
        };
        let s = &mut self.stack[i];
        let title = Line::from(Span::styled(format!(" {} ", s.pane.title(&ctx)), self.theme.accent));
        s.table.draw(f, body, s.pane.as_ref(), &ctx, title);
        f.render_widget(Paragraph::new(self.status_line()), status);
        match &self.mode {
            Mode::Help => {
                popups::help(f, f.area(), &self.keymap, &self.theme, self.settings.read_only, self.help_scroll)
            }
            Mode::Form(form) => dialogs::draw_form(f, f.area(), form, &self.theme),
            Mode::Confirm(c) => dialogs::draw_confirm(f, f.area(), c, &self.theme),
            Mode::ErrorDetail => popups::error(
                f,
                popups::centered(f.area(), 76, 14),
                self.last_error.as_deref().unwrap_or(""),
                &self.theme,
            ),
            _ => {}
        }
    }

    /// The header; a controller that is not a broker is said so where the width allows (at 80
    /// columns the data's age matters more; the brokers pane title says it then).
    fn header_line(&self, width: u16) -> Line<'static> {
        let line = self.header_with(&self.snapshot.controller.short());
        if line.width() <= usize::from(width) {
            return line;
        }
        let id = self.snapshot.controller.id().map(|id| id.to_string()).unwrap_or_else(|| "?".into());
        self.header_with(&id)
    }

    fn header_with(&self, controller: &str) -> Line<'static> {
        let t = &self.theme;
        let snap = &self.snapshot;
        let up = snap.brokers.len();
        let total = self.known_brokers.len().max(up);
        let (urp, off, min) = self.health;
        let count = |label: &str, n: usize, bad: ratatui::style::Style| -> Vec<Span<'static>> {
            vec![
                Span::styled(format!(" {label} "), t.dim),
                Span::styled(n.to_string(), if n > 0 { bad } else { t.text }),
            ]
        };
        let mut spans =
            vec![Span::styled(" kdeck ", t.badge), Span::styled(format!(" {}", self.settings.cluster_name), t.accent)];
        spans.push(Span::styled(" ctrl ", t.dim));
        spans.push(Span::styled(controller.to_string(), t.text));
        spans.push(Span::styled(" brokers ", t.dim));
        spans.push(Span::styled(format!("{up}/{total}"), if up < total { t.error } else { t.text }));
        spans.extend(count("URP", urp, t.warn));
        spans.extend(count("offline", off, t.error));
        spans.extend(count("<minISR", min, t.error));
        let age = match (self.last_refresh, self.refresh_in_flight) {
            (None, _) => "loading…".to_string(),
            (Some(at), inflight) => {
                format!("{}s ago{}", self.now.duration_since(at).as_secs(), if inflight { " ⟳" } else { "" })
            }
        };
        spans.push(Span::styled(format!("  {age}"), t.dim));
        if self.settings.read_only {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(" READ-ONLY ", t.badge));
        }
        if self.settings.dry_run {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(" DRY-RUN ", t.badge));
        }
        Line::from(spans)
    }

    fn crumb_line(&self) -> Line<'static> {
        let t = &self.theme;
        let mut spans = vec![Span::styled(format!(" {}", self.breadcrumbs().join(" › ")), t.accent)];
        let s = &self.stack[self.stack.len() - 1];
        if !s.table.filter.is_empty() || self.mode == Mode::Filter {
            spans.push(Span::styled(format!("  /{}", s.table.filter), t.warn));
            if self.mode == Mode::Filter {
                spans.push(Span::styled("▏", t.warn));
            }
        }
        Line::from(spans)
    }

    fn status_line(&self) -> Line<'static> {
        let t = &self.theme;
        if let Mode::Command(text) = &self.mode {
            return Line::from(vec![Span::styled(format!(":{text}"), t.accent), Span::styled("▏", t.accent)]);
        }
        if let Some((text, level, _)) = &self.flash {
            let style = match level {
                Level::Info => t.ok,
                Level::Warn => t.warn,
                Level::Error => t.error,
            };
            let more = if *level == Level::Error {
                format!("  ({} for detail)", self.keymap.hint(Action::ErrorDetail))
            } else {
                String::new()
            };
            return Line::from(vec![Span::styled(format!(" {text}"), style), Span::styled(more, t.dim)]);
        }
        if let Op::Preparing(m) | Op::Applying(m) = &self.op {
            let verb = if matches!(self.op, Op::Preparing(_)) { "checking" } else { "applying" };
            return Line::from(Span::styled(format!(" {verb}: {}…", m.title()), t.dim));
        }
        let k = |a: Action, what: &str| -> Vec<Span<'static>> {
            vec![Span::styled(format!(" {}", self.keymap.hint(a)), t.accent), Span::styled(format!(" {what} "), t.dim)]
        };
        let hints = self.stack[self.stack.len() - 1].pane.hints();
        let mut spans = Vec::new();
        for (a, what) in hints.iter().filter(|(a, _)| !(self.settings.read_only && a.is_mutating())) {
            spans.extend(k(*a, what));
        }
        Line::from(spans)
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
        _ => "this",
    }
}
