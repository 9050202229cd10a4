//! Popups: help (generated from the keymap) and the full text of the last error.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::{actions, Keymap};
use super::theme::Theme;

/// A rectangle of at most `w`×`h` in the middle of `area`: where popups and dialogs go.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// The keymap table; mutating actions left out in read-only mode. Scrolls when it does not fit.
pub fn help(f: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, read_only: bool, scroll: u16) {
    let lines: Vec<Line> = actions()
        .into_iter()
        .filter(|(action, _, _)| !(read_only && action.is_mutating()))
        .map(|(action, _, what)| {
            let keys = keymap.keys(action).join(" ");
            Line::from(vec![Span::styled(format!("{keys:>14}  "), theme.accent), Span::styled(what, theme.text)])
        })
        .collect();
    let total = lines.len() as u16;
    // keep the header and status line visible; scroll instead
    let area = centered(area, 72, (total + 2).min(area.height.saturating_sub(2)));
    let visible = area.height.saturating_sub(2);
    let scroll = scroll.min(total.saturating_sub(visible));
    let title =
        if total > visible { " keys — ↑↓ scroll, any other key closes " } else { " keys — any key closes " };
    let mut block = Block::default().borders(Borders::ALL).border_style(theme.accent).title(title);
    if total > visible {
        block =
            block.title_bottom(Line::from(format!(" {}-{} of {total} ", scroll + 1, scroll + visible)).right_aligned());
    }
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

pub fn error(f: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.error).title(" last error — any key closes ");
    f.render_widget(Clear, area);
    f.render_widget(Paragraph::new(text.to_string()).style(theme.text).wrap(Wrap { trim: false }).block(block), area);
}
