//! Where the user is: the breadcrumb trail of screens (each a view, its pane and its table state),
//! the help popup's scroll, and how many rows a page is on the screen as last drawn.

use super::panes::{TablePane, TableView, View};

/// One level of the breadcrumb trail.
pub struct Screen {
    pub view: View,
    pub pane: Box<dyn TablePane>,
    pub table: TableView,
}

impl Screen {
    pub fn new(view: View) -> Screen {
        Screen { pane: view.pane(), view, table: TableView::default() }
    }
}

/// Rows a page moves before the first frame tells the real height.
const FIRST_PAGE: usize = 20;

/// The trail is never empty: it has a first screen and those opened on top of it.
pub struct Nav {
    first: Screen,
    above: Vec<Screen>,
    pub help_scroll: u16,
    /// Table rows visible in the last frame.
    pub page: usize,
}

impl Nav {
    pub fn new(view: View) -> Nav {
        Nav { first: Screen::new(view), above: Vec::new(), help_scroll: 0, page: FIRST_PAGE }
    }

    pub fn top(&self) -> &Screen {
        self.above.last().unwrap_or(&self.first)
    }

    pub fn top_mut(&mut self) -> &mut Screen {
        self.above.last_mut().unwrap_or(&mut self.first)
    }

    pub fn screens(&self) -> impl Iterator<Item = &Screen> {
        std::iter::once(&self.first).chain(&self.above)
    }

    pub fn push(&mut self, view: View) {
        self.above.push(Screen::new(view));
    }

    /// Back one level; false at the first screen.
    pub fn pop(&mut self) -> bool {
        self.above.pop().is_some()
    }

    /// A new trail (a `:` jump replaces the trail, as in k9s).
    pub fn replace(&mut self, first: View, above: Option<View>) {
        self.first = Screen::new(first);
        self.above = above.into_iter().map(Screen::new).collect();
    }

    /// Cuts the trail at the first screen `gone` says has nothing left to show (keeping at least
    /// the first).
    pub fn close(&mut self, gone: impl Fn(&View) -> bool) {
        let at = self.screens().position(|s| gone(&s.view));
        if let Some(i) = at {
            self.above.truncate(i.max(1) - 1);
        }
    }
}
