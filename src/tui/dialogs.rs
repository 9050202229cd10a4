//! The dialogs of topic operations, as plain values: a [`Form`] that builds a [`Mutation`], and a
//! [`Confirm`] that holds the pending [`Preview`] until the user says yes (gitui's
//! ConfirmAction). Keys go in, a [`Reply`] comes out; no I/O, so both are tested by feeding keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource, NewTopic};
use crate::ops::groups::{parse_topic_arg, GroupChange, ResetScope, ResetTarget};
use crate::ops::reassign::throttles::ThrottleChanges;
use crate::ops::reassign::Step;
use crate::ops::{Mutation, Preview};
use crate::plan::progress::rate_text;

/// What a dialog says after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply<T> {
    Stay,
    Cancel,
    Submit(T),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormKind {
    CreateTopic,
    AddPartitions { topic: String, current: usize },
    SetConfig { topic: String },
    ResetOffsets { group: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    pub numeric: bool,
}

fn field(label: &'static str, value: impl Into<String>, numeric: bool) -> Field {
    Field { label, value: value.into(), numeric }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last submit was not accepted (kdeck's checks or the broker's); the user fixes it
    /// here instead of typing everything again.
    pub error: Option<String>,
    /// Submitted: waiting for the preview.
    pub checking: bool,
}

impl Form {
    fn new(kind: FormKind, fields: Vec<Field>, focus: usize) -> Form {
        Form { kind, fields, focus, error: None, checking: false }
    }

    pub fn create_topic(default_rf: usize) -> Form {
        Form::new(
            FormKind::CreateTopic,
            vec![
                field("name", "", false),
                field("partitions", "3", true),
                field("replication factor", default_rf.to_string(), true),
            ],
            0,
        )
    }

    pub fn add_partitions(topic: String, current: usize) -> Form {
        Form::new(FormKind::AddPartitions { topic, current }, vec![field("new total", "", true)], 0)
    }

    /// Prefilled with the selected key and (unless secret) its value.
    pub fn set_config(topic: String, key: &str, value: Option<&str>) -> Form {
        Form::new(
            FormKind::SetConfig { topic },
            vec![field("key=value", format!("{key}={}", value.unwrap_or_default()), false)],
            0,
        )
    }

    /// Where to move a group's offsets, and which topics (empty: every partition it has offsets for).
    pub fn reset_offsets(group: String) -> Form {
        Form::new(
            FormKind::ResetOffsets { group },
            vec![field("to", "latest", false), field("topics (T or T:P,P)", "", false)],
            0,
        )
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::CreateTopic => "create topic".into(),
            FormKind::AddPartitions { topic, .. } => format!("add partitions to {topic}"),
            FormKind::SetConfig { topic } => format!("set a config of {topic}"),
            FormKind::ResetOffsets { group } => format!("reset the offsets of {group}"),
        }
    }

    fn note(&self) -> Option<String> {
        match &self.kind {
            FormKind::CreateTopic => None,
            FormKind::AddPartitions { topic, current } => {
                Some(format!("{topic} has {current} partitions; partitions cannot be removed later"))
            }
            FormKind::SetConfig { .. } => Some("only this key changes (IncrementalAlterConfigs)".into()),
            FormKind::ResetOffsets { .. } => Some(
                "to: earliest, latest, current, 1200, +100, -100, 2026-11-29T03:00:00Z or PT30M; topics empty: all of the group's. The group must have no members."
                    .into(),
            ),
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Reply<Mutation> {
        if key.code == KeyCode::Esc {
            return Reply::Cancel;
        }
        if self.checking {
            return Reply::Stay;
        }
        let n = self.fields.len();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            KeyCode::Backspace => {
                self.fields[self.focus].value.pop();
            }
            KeyCode::Char('u') if ctrl => self.fields[self.focus].value.clear(),
            KeyCode::Char(c) if !ctrl => {
                let f = &mut self.fields[self.focus];
                if f.numeric && !c.is_ascii_digit() {
                    self.error = Some(format!("{} takes a number", f.label));
                } else {
                    f.value.push(c);
                }
            }
            KeyCode::Enter => match self.mutation() {
                Ok(m) => {
                    self.error = None;
                    self.checking = true;
                    return Reply::Submit(m);
                }
                Err(e) => self.error = Some(e),
            },
            _ => {}
        }
        Reply::Stay
    }

    fn number<T: std::str::FromStr>(&self, i: usize) -> Result<T, String> {
        let f = &self.fields[i];
        f.value.trim().parse().map_err(|_| format!("{}: type a number", f.label))
    }

    /// The change the form describes; kdeck's and the broker's checks come after, in ops.
    pub fn mutation(&self) -> Result<Mutation, String> {
        match &self.kind {
            FormKind::CreateTopic => {
                let name = self.fields[0].value.trim().to_string();
                if name.is_empty() {
                    return Err("type a topic name".into());
                }
                Ok(Mutation::CreateTopic(NewTopic {
                    name,
                    partitions: self.number(1)?,
                    replication_factor: self.number(2)?,
                    assignment: Vec::new(),
                    configs: Vec::new(),
                }))
            }
            FormKind::AddPartitions { topic, .. } => {
                Ok(Mutation::AddPartitions { topic: topic.clone(), to: self.number(0)?, assignment: Vec::new() })
            }
            FormKind::SetConfig { topic } => match self.fields[0].value.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => Ok(Mutation::AlterConfigs {
                    resource: ConfigResource::Topic(topic.clone()),
                    changes: vec![ConfigChange {
                        key: k.trim().to_string(),
                        op: AlterOp::Set,
                        value: Some(v.to_string()),
                    }],
                }),
                _ => Err("type key=value".into()),
            },
            FormKind::ResetOffsets { group } => {
                let target = ResetTarget::parse(&self.fields[0].value)?;
                let topics: Vec<&str> = self.fields[1].value.split_whitespace().collect();
                let scope = if topics.is_empty() {
                    ResetScope::AllTopics
                } else {
                    ResetScope::Topics(topics.into_iter().map(parse_topic_arg).collect::<Result<_, _>>()?)
                };
                Ok(Mutation::Group(GroupChange::ResetOffsets {
                    group: group.clone(),
                    scope,
                    target,
                    offsets: Vec::new(),
                }))
            }
        }
    }
}

/// A previewed change waiting for the user's yes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub preview: Preview,
    /// What the user typed, when the preview asks for the name to be typed.
    pub typed: String,
    pub scroll: u16,
    pub dry_run: bool,
}

impl Confirm {
    pub fn new(preview: Preview, dry_run: bool) -> Confirm {
        Confirm { preview, typed: String::new(), scroll: 0, dry_run }
    }

    /// Enter applies only once the typed name matches (when one must be typed).
    pub fn armed(&self) -> bool {
        self.preview.type_to_confirm.as_ref().is_none_or(|name| &self.typed == name)
    }

    pub fn key(&mut self, key: KeyEvent) -> Reply<Preview> {
        let typing = self.preview.type_to_confirm.is_some();
        match key.code {
            KeyCode::Esc => return Reply::Cancel,
            KeyCode::Enter if self.armed() => return Reply::Submit(self.preview.clone()),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::Backspace if typing => {
                self.typed.pop();
            }
            KeyCode::Char(c) if typing && !key.modifiers.contains(KeyModifiers::CONTROL) => self.typed.push(c),
            _ => {}
        }
        Reply::Stay
    }
}

/// The preview in lines: what is sent, the plan, what changes, warnings, how it was checked.
pub fn preview_lines(p: &Preview, t: &Theme) -> Vec<Line<'static>> {
    let label = |l: &str| Span::styled(format!("{l:<9}"), t.dim);
    let mut lines = vec![
        Line::from(vec![label("cluster"), Span::styled(p.cluster.clone(), t.accent)]),
        Line::from(vec![label("sends"), Span::styled(p.summary.clone(), t.text)]),
    ];
    if let Some(f) = &p.topic {
        let messages = f.messages.map(|m| m.to_string()).unwrap_or_else(|| "?".into());
        lines.push(Line::from(vec![
            label("topic"),
            Span::styled(
                format!("{}: {} partitions, RF {}, {messages} messages", f.name, f.partitions, f.replication_factor),
                t.text,
            ),
        ]));
    }
    if let Some(plan) = &p.partitions {
        lines.push(Line::styled(
            format!(
                "new partitions ({} → {}, RF {}; the first replica leads):",
                plan.current, plan.to, plan.replication_factor
            ),
            t.accent,
        ));
        for n in &plan.new_partitions {
            let leader = n.replicas.first().map(i32::to_string).unwrap_or_else(|| "-".into());
            lines.push(Line::styled(
                format!("  partition {} → {} (leader {leader})", n.partition, ids(&n.replicas)),
                t.text,
            ));
        }
    }
    let o = |v: &Option<String>, src: Option<&str>| {
        format!("{} ({})", v.clone().unwrap_or_else(|| "-".into()), src.unwrap_or("not set"))
    };
    for c in &p.configs {
        let new = match (&c.new, c.op) {
            (None, AlterOp::Delete) => format!("(default) ({})", c.new_source.unwrap_or("default")),
            (v, _) => o(v, c.new_source),
        };
        lines.push(Line::styled(format!("  {}: {} → {new}", c.key, o(&c.current, c.current_source)), t.text));
    }
    if let Mutation::Group(GroupChange::ResetOffsets { offsets, .. }) = &p.mutation {
        lines.push(Line::styled("partition: committed → new offset, lag before → after", t.accent));
        for m in offsets {
            let cur = m.current.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
            let lag = m.lag_before.map(|l| l.to_string()).unwrap_or_else(|| "-".into());
            let note = m.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            lines.push(Line::styled(
                format!("  {}-{}: {cur} → {}, lag {lag} → {}{note}", m.topic, m.partition, m.new, m.lag_after),
                t.text,
            ));
        }
    }
    if let Mutation::Reassignment(step) = &p.mutation {
        lines.extend(step_lines(step, t));
    }
    // warnings before the broker load: on a small screen they must not need scrolling
    for w in &p.warnings {
        lines.push(Line::styled(format!("⚠ {w}"), t.warn));
    }
    if let Some(plan) = &p.partitions {
        lines.push(Line::styled("broker load (replicas, preferred leaders):", t.accent));
        for b in &plan.brokers {
            let rack = b.rack.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "  broker {}{rack}: {} → {}, {} → {}",
                    b.id, b.replicas_before, b.replicas_after, b.leaders_before, b.leaders_after
                ),
                t.text,
            ));
        }
    }
    lines.push(Line::from(vec![label("checked"), Span::styled(p.validation.clone(), t.dim)]));
    lines
}

/// What a reassignment step sends: the moves per batch, the throttle configs, where the rollback
/// and the record go; the moves a cancel puts back; the throttle configs a clear removes.
fn step_lines(step: &Step, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let changes = |lines: &mut Vec<Line<'static>>, title: &str, c: &ThrottleChanges| {
        if !c.is_empty() {
            lines.push(Line::styled(title.to_string(), t.accent));
            lines.extend(c.words().into_iter().map(|w| Line::styled(format!("  {w}"), t.text)));
        }
    };
    let dash = |v: Vec<i32>| if v.is_empty() { "-".to_string() } else { ids(&v) };
    match step {
        Step::Execute(e) => {
            let Some(p) = &e.prepared else { return lines };
            for (i, batch) in p.batches.iter().enumerate() {
                lines.push(Line::styled(format!("batch {} of {}:", i + 1, p.batches.len()), t.accent));
                for m in batch {
                    lines.push(Line::styled(
                        format!(
                            "  {}-{}: {} → {} (adding {}, removing {})",
                            m.topic,
                            m.partition,
                            ids(&m.current),
                            ids(&m.target),
                            dash(m.adding()),
                            dash(m.removing())
                        ),
                        t.text,
                    ));
                }
            }
            let throttle = e.throttle.map(|r| format!("{} per broker involved", rate_text(r)));
            lines.push(Line::styled(format!("throttle {}", throttle.unwrap_or_else(|| "none".into())), t.text));
            changes(&mut lines, "throttle configs of batch 1:", &p.first.changes);
            if let Some(r) = &p.rollback_file {
                lines.push(Line::styled(format!("rollback {r} (written before anything is sent)"), t.text));
            }
            lines.push(Line::styled(format!("record   {}", p.record_file), t.dim));
        }
        Step::Submit(s) => changes(&mut lines, "throttle configs:", &s.changes),
        Step::Cancel(c) => {
            for m in &c.moves {
                lines.push(Line::styled(
                    format!(
                        "  {}-{}: back to {} (was going to {})",
                        m.topic,
                        m.partition,
                        ids(&m.current),
                        ids(&m.target)
                    ),
                    t.text,
                ));
            }
        }
        Step::ClearThrottles(c) => changes(&mut lines, "throttle configs to remove:", &c.changes),
        Step::ElectLeaders(_) => {}
    }
    lines
}

fn ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// Rows `lines` take when wrapped to `width` (words may wrap a little earlier; close enough to
/// size the popup, and the preview scrolls if not).
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    lines.iter().map(|l| l.width().max(1).div_ceil(w) as u16).sum()
}

pub fn popup_block(title: String, style: Style) -> Block<'static> {
    Block::default().borders(Borders::ALL).border_style(style).title(format!(" {title} "))
}

/// A box `width` wide (at most) and `height` tall (at most), centred in `area`.
pub fn boxed(area: Rect, width: u16, height: u16) -> Rect {
    super::popups::centered(area, width.min(area.width.saturating_sub(2)), height.min(area.height.saturating_sub(2)))
}

/// A `key=value` field as typed, the value of a secret key shown as dots (someone may be looking
/// over the shoulder, and screens get shared).
fn shown_value(text: &str) -> String {
    match text.split_once('=') {
        Some((k, v)) if crate::kafka::redact::is_sensitive_key(k) => format!("{k}={}", "•".repeat(v.chars().count())),
        _ => text.to_string(),
    }
}

pub fn draw_form(f: &mut Frame, area: Rect, form: &Form, t: &Theme) {
    let mut lines = Vec::new();
    if let Some(note) = form.note() {
        lines.push(Line::styled(note, t.dim));
    }
    for (i, fld) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let mut spans = vec![
            Span::styled(if focused { "› " } else { "  " }, t.accent),
            Span::styled(format!("{:<19}", fld.label), if focused { t.accent } else { t.text }),
            Span::styled(shown_value(&fld.value), t.text),
        ];
        if focused && !form.checking {
            spans.push(Span::styled("▏", t.accent));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    match (&form.error, form.checking) {
        (_, true) => lines.push(Line::styled("checking with the cluster…", t.dim)),
        (Some(e), false) => lines.push(Line::styled(e.clone(), t.error)),
        (None, false) => {}
    }
    let hint =
        if form.fields.len() > 1 { "tab next field · enter check · esc cancel" } else { "enter check · esc cancel" };
    let width = 64;
    let height = wrapped_height(&lines, width - 2) + 3;
    let r = boxed(area, width, height);
    f.render_widget(Clear, r);
    let block = popup_block(form.title(), t.accent).title_bottom(Line::styled(format!(" {hint} "), t.dim));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), r);
}

pub fn draw_confirm(f: &mut Frame, area: Rect, c: &Confirm, t: &Theme) {
    let body = preview_lines(&c.preview, t);
    let mut footer = Vec::new();
    if let Some(name) = &c.preview.type_to_confirm {
        let what = if matches!(c.preview.mutation, Mutation::Group(_)) { "group" } else { "topic" };
        footer.push(Line::from(vec![
            Span::styled(format!("type the {what} name to confirm: "), t.text),
            Span::styled(c.typed.clone(), t.accent),
            Span::styled("▏", t.accent),
        ]));
        if !c.armed() {
            footer.push(Line::styled(format!("enter is disabled until you type {name} · esc cancel"), t.dim));
        }
    }
    if c.armed() {
        let what =
            if c.dry_run { "validate only (dry run: nothing changes)".to_string() } else { c.preview.mutation.title() };
        footer.push(Line::from(vec![
            Span::styled(format!("[ enter: {what} ]"), t.badge),
            Span::styled("  esc cancel", t.dim),
        ]));
    }
    let width = area.width.saturating_sub(4).min(100);
    let inner = width.saturating_sub(2);
    let want = wrapped_height(&body, inner) + footer.len() as u16 + 3;
    let r = boxed(area, width, want);
    f.render_widget(Clear, r);
    let title = format!("confirm: {}", c.preview.mutation.title());
    let mut block = popup_block(title, if c.preview.type_to_confirm.is_some() { t.error } else { t.accent });
    let [top, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(footer.len() as u16 + 1)]).areas(block.inner(r));
    let total = wrapped_height(&body, inner);
    if total > top.height {
        block = block.title_bottom(Line::styled(" ↑↓ scroll ", t.dim).right_aligned());
    }
    let scroll = c.scroll.min(total.saturating_sub(top.height));
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }).scroll((scroll, 0)), top);
    let sep = Block::default().borders(Borders::TOP).border_style(t.dim);
    f.render_widget(Paragraph::new(footer).wrap(Wrap { trim: false }).block(sep), bottom);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn typed(form: &mut Form, text: &str) {
        for c in text.chars() {
            assert_eq!(form.key(key(KeyCode::Char(c))), Reply::Stay);
        }
    }

    #[test]
    fn create_form_builds_the_mutation() {
        let mut form = Form::create_topic(3);
        assert_eq!(form.key(key(KeyCode::Enter)), Reply::Stay);
        assert_eq!(form.error.as_deref(), Some("type a topic name"));
        typed(&mut form, "audit.v2");
        form.key(key(KeyCode::Tab));
        typed(&mut form, "x"); // partitions take digits only
        assert_eq!(form.error.as_deref(), Some("partitions takes a number"));
        form.key(key(KeyCode::Backspace));
        typed(&mut form, "6");
        form.key(key(KeyCode::Tab));
        form.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        typed(&mut form, "2");
        let want = Mutation::CreateTopic(NewTopic {
            name: "audit.v2".into(),
            partitions: 6,
            replication_factor: 2,
            ..Default::default()
        });
        assert_eq!(form.key(key(KeyCode::Enter)), Reply::Submit(want));
        assert!(form.checking && form.error.is_none());
        assert_eq!(form.key(key(KeyCode::Char('z'))), Reply::Stay, "keys wait while checking");
        assert_eq!(form.fields[0].value, "audit.v2");
        assert_eq!(form.key(key(KeyCode::Esc)), Reply::Cancel, "but esc still cancels");
    }

    #[test]
    fn set_config_form_splits_key_and_value() {
        let mut form = Form::set_config("orders".into(), "retention.ms", Some("86400000"));
        for _ in 0.."86400000".len() {
            form.key(key(KeyCode::Backspace));
        }
        typed(&mut form, "3600000");
        let Reply::Submit(Mutation::AlterConfigs { resource, changes }) = form.key(key(KeyCode::Enter)) else {
            panic!("submitted")
        };
        assert_eq!(resource, ConfigResource::Topic("orders".into()));
        assert_eq!(
            changes,
            vec![ConfigChange { key: "retention.ms".into(), op: AlterOp::Set, value: Some("3600000".into()) }]
        );
        let mut bad = Form::set_config("orders".into(), "", None);
        bad.fields[0].value = "no-equals".into();
        assert_eq!(bad.key(key(KeyCode::Enter)), Reply::Stay);
        assert_eq!(bad.error.as_deref(), Some("type key=value"));
    }
}
