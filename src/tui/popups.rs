//! Popups: help (generated from the keymap) and the full text of the last error.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::{Action, Keymap};
use super::theme::Theme;

pub fn help(f: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme) {
    let lines: Vec<Line> = Action::ALL
        .iter()
        .map(|(action, _, what)| {
            let keys = keymap.keys(*action).join(" ");
            Line::from(vec![Span::styled(format!("{keys:>14}  "), theme.accent), Span::styled(what.to_string(), theme.text)])
        })
        .collect();
    let block = Block::default().borders(Borders::ALL).border_style(theme.accent).title(" keys — any key closes ");
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn error(f: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.error).title(" last error — any key closes ");
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(text.to_string()).style(theme.text).wrap(Wrap { trim: false }).block(block), area);
}
