//! The dialogs of planning and executing reassignments, as plain values (keys in, a [`Reply`]
//! out): a small form (the goal and its brokers; the throttle, batch size and plan file; the
//! export file) and the replica editor of one partition of the plan.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::dialogs::{boxed, popup_block, wrapped_height, Reply};
use super::theme::Theme;
use crate::plan::edit::PlanEdit;

/// A reassignment dialog on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialog {
    Form(Form),
    Edit(Editor),
}

/// What a form is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Goal, brokers, replication factor → a plan.
    Plan,
    /// Throttle, batch size, plan file → execute the plan.
    Execute,
    /// File → export the plan and its rollback.
    Export,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Digits only.
    Number,
    /// One of these; ←/→ or space choose.
    Choice(&'static [&'static str]),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
    pub kind: Kind,
    /// The chosen index of a choice.
    pub choice: usize,
}

pub fn text(label: &'static str, value: impl Into<String>) -> Field {
    Field { label, value: value.into(), kind: Kind::Text, choice: 0 }
}

pub fn number(label: &'static str) -> Field {
    Field { label, value: String::new(), kind: Kind::Number, choice: 0 }
}

pub fn choice(label: &'static str, options: &'static [&'static str], chosen: usize) -> Field {
    Field { label, value: String::new(), kind: Kind::Choice(options), choice: chosen }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub purpose: Purpose,
    pub title: String,
    pub note: Option<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last Enter was not accepted.
    pub error: Option<String>,
}

impl Form {
    pub fn new(purpose: Purpose, title: String, note: Option<String>, fields: Vec<Field>) -> Form {
        Form { purpose, title, note, fields, focus: 0, error: None }
    }

    pub fn value(&self, i: usize) -> &str {
        self.fields.get(i).map(|f| f.value.trim()).unwrap_or_default()
    }

    pub fn chosen(&self, i: usize) -> usize {
        self.fields.get(i).map(|f| f.choice).unwrap_or_default()
    }

    /// A number field: None when empty.
    pub fn number(&self, i: usize) -> Option<usize> {
        self.value(i).parse().ok()
    }

    pub fn key(&mut self, key: KeyEvent) -> Reply<()> {
        let n = self.fields.len().max(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(f) = self.fields.get_mut(self.focus) else { return Reply::Cancel };
        match (key.code, &f.kind) {
            (KeyCode::Esc, _) => return Reply::Cancel,
            (KeyCode::Enter, _) => return Reply::Submit(()),
            (KeyCode::Tab | KeyCode::Down, _) => self.focus = (self.focus + 1) % n,
            (KeyCode::BackTab | KeyCode::Up, _) => self.focus = (self.focus + n - 1) % n,
            (KeyCode::Right | KeyCode::Char(' '), Kind::Choice(o)) => f.choice = (f.choice + 1) % o.len(),
            (KeyCode::Left, Kind::Choice(o)) => f.choice = (f.choice + o.len() - 1) % o.len(),
            (KeyCode::Backspace, _) => {
                f.value.pop();
            }
            (KeyCode::Char('u'), _) if ctrl => f.value.clear(),
            (KeyCode::Char(c), Kind::Number) if !ctrl => {
                if c.is_ascii_digit() {
                    f.value.push(c);
                } else {
                    self.error = Some(format!("{} takes a number", f.label));
                }
            }
            (KeyCode::Char(c), Kind::Text) if !ctrl => f.value.push(c),
            _ => {}
        }
        Reply::Stay
    }
}

pub fn draw_form(f: &mut Frame, area: Rect, form: &Form, t: &Theme) {
    let mut lines = Vec::new();
    if let Some(note) = &form.note {
        lines.push(Line::styled(note.clone(), t.dim));
    }
    for (i, fld) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let mut spans = vec![
            Span::styled(if focused { "› " } else { "  " }, t.accent),
            Span::styled(format!("{:<14}", fld.label), if focused { t.accent } else { t.text }),
        ];
        match &fld.kind {
            Kind::Choice(options) => {
                for (j, o) in options.iter().enumerate() {
                    let style = if j == fld.choice { t.badge } else { t.dim };
                    spans.push(Span::styled(format!(" {o} "), style));
                }
            }
            _ => {
                spans.push(Span::styled(fld.value.clone(), t.text));
                if focused {
                    spans.push(Span::styled("▏", t.accent));
                }
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    if let Some(e) = &form.error {
        lines.push(Line::styled(e.clone(), t.error));
    }
    let hint = "tab next · ←→ choose · enter ok · esc cancel";
    let width = 70;
    let height = wrapped_height(&lines, width - 2) + 2;
    let r = boxed(area, width, height);
    f.render_widget(Clear, r);
    let block = popup_block(form.title.clone(), t.accent).title_bottom(Line::styled(format!(" {hint} "), t.dim));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), r);
}

/// Editing the replicas of one row of the plan: a slot, and the broker in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editor {
    pub row: usize,
    pub slot: usize,
    /// A broker id being typed.
    pub typed: String,
    /// Why the last edit was refused.
    pub error: Option<String>,
}

impl Editor {
    pub fn new(row: usize) -> Editor {
        Editor { row, slot: 0, typed: String::new(), error: None }
    }

    /// ←/→ pick a replica, ↑/↓ put the previous/next free broker in it, digits then Enter put
    /// that broker in it, `L` makes it the preferred leader, `u` goes back to the planner's
    /// replicas; Enter (nothing typed) or Esc closes. Every edit is live in `edit`.
    pub fn key(&mut self, edit: &mut PlanEdit, key: KeyEvent) -> Reply<()> {
        let Some(len) = edit.rows.get(self.row).map(|r| r.to.len()) else { return Reply::Cancel };
        self.error = None;
        let result = match key.code {
            KeyCode::Esc => return Reply::Cancel,
            KeyCode::Enter if self.typed.is_empty() => return Reply::Submit(()),
            KeyCode::Enter => {
                let typed = std::mem::take(&mut self.typed);
                match typed.parse::<i32>() {
                    Ok(b) => edit.replace(self.row, self.slot, b).map_err(|e| e.to_string()),
                    Err(_) => Err(format!("{typed:?} is not a broker id")),
                }
            }
            KeyCode::Left | KeyCode::Char('h') => {
                self.slot = self.slot.saturating_sub(1);
                Ok(())
            }
            KeyCode::Right | KeyCode::Char('l') => {
                self.slot = (self.slot + 1).min(len.saturating_sub(1));
                Ok(())
            }
            KeyCode::Up | KeyCode::Down | KeyCode::Char('k') | KeyCode::Char('j') => {
                let forward = matches!(key.code, KeyCode::Down | KeyCode::Char('j'));
                match edit.next_broker(self.row, self.slot, forward) {
                    Some(b) => edit.replace(self.row, self.slot, b).map_err(|e| e.to_string()),
                    None => Err("no other alive broker is free for this partition".into()),
                }
            }
            KeyCode::Char('L') => {
                edit.make_leader(self.row, self.slot).map(|()| self.slot = 0).map_err(|e| e.to_string())
            }
            KeyCode::Char('u') => edit.reset(self.row).map_err(|e| e.to_string()),
            KeyCode::Backspace => {
                self.typed.pop();
                Ok(())
            }
            KeyCode::Char(c) if c.is_ascii_digit() => {
                self.typed.push(c);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
        Reply::Stay
    }
}

/// The editor at the bottom of the screen, so the plan's summary stays in view above it.
pub fn draw_editor(f: &mut Frame, area: Rect, ed: &Editor, edit: &PlanEdit, t: &Theme) {
    let Some(r) = edit.rows.get(ed.row) else { return };
    let mut spans = vec![Span::styled(format!("{}-{}  ", r.topic, r.partition), t.accent)];
    spans.push(Span::styled(ids(&r.from), t.text));
    spans.push(Span::styled(" → ", t.dim));
    for (i, b) in r.to.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(",", t.text));
        }
        let text = if i == ed.slot && !ed.typed.is_empty() { format!("[{}]", ed.typed) } else { b.to_string() };
        let style = if i == ed.slot {
            t.badge
        } else if r.from.contains(b) {
            t.text
        } else {
            t.accent
        };
        spans.push(Span::styled(text, style));
    }
    let racks: Vec<String> = r.to.iter().map(|b| edit.rack(*b).unwrap_or("-").to_string()).collect();
    spans.push(Span::styled(format!("  racks {}", racks.join(",")), t.dim));
    let mut lines = vec![Line::from(spans)];
    for e in &r.errors {
        lines.push(Line::styled(format!("✗ {e}"), t.error));
    }
    for w in &r.warnings {
        lines.push(Line::styled(format!("⚠ {w}"), t.warn));
    }
    if r.errors.is_empty() && r.warnings.is_empty() {
        lines.push(Line::styled("✓ distinct brokers, rack rule and replication factor hold", t.ok));
    }
    if let Some(e) = &ed.error {
        lines.push(Line::styled(e.clone(), t.error));
    }
    let hint = "←→ replica · ↑↓ broker · id+enter · L leader · u undo · esc done";
    let width = area.width.saturating_sub(2).min(100);
    let height = wrapped_height(&lines, width.saturating_sub(2)) + 2;
    let y = area.y + area.height.saturating_sub(height + 1);
    let rect = Rect { x: area.x + (area.width - width) / 2, y, width, height: height.min(area.height) };
    f.render_widget(Clear, rect);
    let block = popup_block(format!("edit {}-{}", r.topic, r.partition), t.accent)
        .title_bottom(Line::styled(format!(" {hint} "), t.dim));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}

pub fn ids(v: &[i32]) -> String {
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn a_form_takes_text_numbers_and_choices() {
        const OPTIONS: &[&str] = &["a", "b", "c"];
        let mut form = Form::new(
            Purpose::Plan,
            "t".into(),
            None,
            vec![choice("goal", OPTIONS, 0), number("batch"), text("file", "x.json")],
        );
        assert_eq!(form.key(key(KeyCode::Left)), Reply::Stay);
        assert_eq!(form.chosen(0), 2, "wraps around");
        form.key(key(KeyCode::Char(' ')));
        assert_eq!(form.chosen(0), 0);
        form.key(key(KeyCode::Tab));
        form.key(key(KeyCode::Char('x')));
        assert_eq!(form.error.as_deref(), Some("batch takes a number"));
        form.key(key(KeyCode::Char('4')));
        assert_eq!(form.number(1), Some(4));
        form.key(key(KeyCode::Tab));
        form.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        for c in "p.json".chars() {
            form.key(key(KeyCode::Char(c)));
        }
        assert_eq!(form.value(2), "p.json");
        assert_eq!(form.key(key(KeyCode::Enter)), Reply::Submit(()));
        assert_eq!(form.key(key(KeyCode::Esc)), Reply::Cancel);
    }
}
