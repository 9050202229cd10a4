//! Drawing the whole screen from the app's state: header, breadcrumbs, the top pane's table,
//! status line, and the popup or dialog of the current mode.

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::App;
use super::chrome::Level;
use super::dialogs;
use super::keymap::Action;
use super::message::Job;
use super::mode::{Mode, Op};
use super::popups;

impl App {
    pub fn draw(&mut self, f: &mut Frame) {
        let [header, crumbs, body, status] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)])
                .areas(f.area());
        f.render_widget(Paragraph::new(self.header_line(header.width)), header);
        f.render_widget(Paragraph::new(self.crumb_line()), crumbs);
        let ctx = self.cluster.ctx(&self.theme, self.chrome.now);
        let s = self.nav.top_mut();
        s.table.refresh_order(s.pane.as_ref(), &ctx, self.cluster.generation);
        let title = Line::from(Span::styled(format!(" {} ", s.pane.title(&ctx)), self.theme.accent));
        s.table.draw(f, body, s.pane.as_ref(), &ctx, title);
        self.nav.page = usize::from(body.height.saturating_sub(3)).max(1); // borders and header row
        if self.connection.in_trouble() {
            let retry = self.connection.retry_text(self.chrome.now, self.jobs.busy(Job::Refresh));
            let title = format!(" connection: {retry} ({} retries now) ", self.keymap.hint(Action::Refresh));
            self.connection.draw(f, body, &self.theme, title);
        }
        f.render_widget(Paragraph::new(self.status_line()), status);
        match &self.mode {
            Mode::Help => {
                popups::help(f, f.area(), &self.keymap, &self.theme, self.settings.read_only, self.nav.help_scroll)
            }
            Mode::Form(form) => dialogs::draw_form(f, f.area(), form, &self.theme),
            Mode::Confirm(c) => dialogs::draw_confirm(f, f.area(), c, &self.theme),
            Mode::Reassign(d) => self.draw_reassign_dialog(f, d),
            Mode::ErrorDetail => popups::error(
                f,
                popups::centered(f.area(), 76, 14),
                self.chrome.last_error.as_deref().unwrap_or(""),
                &self.theme,
            ),
            _ => {}
        }
    }

    /// The header; a controller that is not a broker is said so where the width allows (at 80
    /// columns the data's age matters more; the brokers pane title says it then).
    fn header_line(&self, width: u16) -> Line<'static> {
        let id = self.cluster.snapshot.controller.id().map(|id| id.to_string()).unwrap_or_else(|| "?".into());
        let tries = [(self.cluster.snapshot.controller.short(), true), (id.clone(), true), (id, false)];
        let mut line = Line::default();
        for (controller, long) in tries {
            line = self.header_with(&controller, long);
            if line.width() <= usize::from(width) {
                break;
            }
        }
        line
    }

    /// `long`: the leftover-throttle warning in words (else `⚠ thr N`).
    fn header_with(&self, controller: &str, long: bool) -> Line<'static> {
        let t = &self.theme;
        let up = self.cluster.snapshot.brokers.len();
        let total = self.cluster.known_brokers.len().max(up);
        let health = self.cluster.health;
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
        spans.extend(count("URP", health.under_replicated, t.warn));
        spans.extend(count("offline", health.offline, t.error));
        spans.extend(count("<minISR", health.under_min_isr, t.error));
        let leftover = self.cluster.reassign.leftover_throttles().len();
        if leftover > 0 {
            let text = if long {
                format!("  ⚠ {leftover} leftover throttle{}", if leftover > 1 { "s" } else { "" })
            } else {
                format!(" ⚠ thr {leftover}")
            };
            spans.push(Span::styled(text, t.warn));
        }
        spans.push(Span::styled(format!("  {}", self.chrome.age(self.jobs.busy(Job::Refresh))), t.dim));
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
        let table = &self.nav.top().table;
        if !table.filter.is_empty() || self.mode == Mode::Filter {
            spans.push(Span::styled(format!("  /{}", table.filter), t.warn));
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
        if let Some((text, level, _)) = &self.chrome.flash {
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
        let mut spans = Vec::new();
        for (a, what) in
            self.nav.top().pane.hints().iter().filter(|(a, _)| !(self.settings.read_only && a.is_mutating()))
        {
            spans.extend(k(*a, what));
        }
        Line::from(spans)
    }
}
