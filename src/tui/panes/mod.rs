//! Panes: one file each. A pane says how many rows it has, how to filter/sort them and how to
//! render one row; [`TableView`] keeps selection, filter and sort and renders only the rows that
//! fit on screen (10k partitions cost the same per frame as 10).
//!
//! Adding a pane: write `panes/NAME.rs` implementing [`TablePane`] (its crumb, status hints and
//! rows), declare the module and add its line to [`REGISTRY`] (its keymap name, `:` aliases and
//! help line), and give it a key in assets/keymap.toml. The app opens it, lists it in help and
//! accepts its `:` aliases from the registry; a pane opened from another (Enter on a row) needs a
//! [`View`] variant instead.
//!
//! A pane that shows data the snapshot does not hold (a partition's messages, a topic's configs)
//! declares it: [`TablePane::need`] returns the request to send when the pane is shown, on the
//! refresh key or after a change, and [`TablePane::load`] takes the answer. The app sends it through
//! its job slot (`jobs.rs`; a new kind of request gets a `message::Job`) and never needs to know
//! the pane.

pub mod brokers;
pub mod configs;
pub mod group_detail;
pub mod groups;
pub mod message;
pub mod msk;
pub mod partitions;
pub mod peek;
pub mod plan;
pub mod reassignments;
pub mod time_lag;
pub mod topics;

use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

use super::action::Action;
use super::chrome::Level;
use super::dialogs::Form;
use super::lag::LagHistory;
use super::message::{Loaded, Request};
use super::reassign::Reassign;
use super::theme::Theme;
use crate::cluster::Snapshot;
use crate::ops::Mutation;

/// A view the number keys and `:` open, replacing the trail (k9s' `:pods`).
pub struct Entry {
    /// Its action's name in keymap.toml, and its crumb.
    pub name: &'static str,
    /// What `:` accepts for it; the first is the one help shows.
    pub aliases: &'static [&'static str],
    /// Its line in the help screen.
    pub help: &'static str,
    pub pane: fn() -> Box<dyn TablePane>,
}

/// Every view `:` and the keymap can open, in the order help lists them.
pub const REGISTRY: &[Entry] = &[
    Entry {
        name: "brokers",
        aliases: &["brokers", "broker", "b"],
        help: "brokers",
        pane: || Box::new(brokers::BrokersPane),
    },
    Entry { name: "topics", aliases: &["topics", "topic", "t"], help: "topics", pane: || Box::new(topics::TopicsPane) },
    Entry {
        name: "groups",
        aliases: &["groups", "group", "g"],
        help: "consumer groups",
        pane: || Box::new(groups::GroupsPane),
    },
    Entry {
        name: "reassignments",
        aliases: &["reassign", "reassignments", "ra"],
        help: "reassignments: progress, cancel, verify, throttles",
        pane: || Box::new(reassignments::ReassignmentsPane),
    },
    Entry {
        name: "msk",
        aliases: &["msk"],
        help: "AWS MSK clusters; Enter connects",
        pane: || Box::new(msk::MskPane::default()),
    },
    Entry {
        name: "plan",
        aliases: &["plan"],
        help: "the reassignment plan of the marked topics",
        pane: || Box::new(plan::PlanPane),
    },
];

/// The registry entry a `:` word names.
pub fn by_alias(word: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|e| e.aliases.contains(&word))
}

/// Where the user is. The breadcrumb trail is a stack of these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// A [`REGISTRY`] view, by name.
    Named(&'static str),
    Partitions {
        topic: String,
    },
    GroupDetail {
        group: String,
    },
    /// Messages of a partition: the last ones, or from an offset (where a group is).
    Peek {
        topic: String,
        partition: i32,
        from: Option<i64>,
    },
    Configs {
        topic: String,
    },
    /// A group's lag in time.
    TimeLag {
        group: String,
    },
    /// One whole message.
    Message {
        topic: String,
        partition: i32,
        offset: i64,
    },
}

#[allow(non_upper_case_globals)] // read as the views they name, like the variants beside them
impl View {
    pub const Brokers: View = View::Named("brokers");
    pub const Topics: View = View::Named("topics");
    pub const Groups: View = View::Named("groups");

    pub fn pane(&self) -> Box<dyn TablePane> {
        match self {
            View::Named(name) => {
                // names come from the registry (a test checks the constants above are in it)
                REGISTRY
                    .iter()
                    .find(|e| e.name == *name)
                    .map(|e| (e.pane)())
                    .unwrap_or_else(|| Box::new(topics::TopicsPane))
            }
            View::Partitions { topic } => Box::new(partitions::PartitionsPane { topic: topic.clone() }),
            View::GroupDetail { group } => Box::new(group_detail::GroupDetailPane::new(group.clone())),
            View::Peek { topic, partition, from } => Box::new(peek::PeekPane::new(topic.clone(), *partition, *from)),
            View::Configs { topic } => Box::new(configs::ConfigsPane::new(topic.clone())),
            View::TimeLag { group } => Box::new(time_lag::TimeLagPane::new(group.clone())),
            View::Message { topic, partition, offset } => {
                Box::new(message::MessagePane::new(topic.clone(), *partition, *offset))
            }
        }
    }
}

/// When the app asks a pane what data of its own it needs ([`TablePane::need`]).
#[derive(Clone, Copy, Debug)]
pub enum When<'a> {
    /// The pane was opened (pushed, or a `:` jump landed on it).
    Shown,
    /// The refresh key, while it is on top.
    Refresh,
    /// A refresh's snapshot arrived while it is on top (every refresh, the timer's too).
    Refreshed,
    /// This change was applied while it is on top.
    Changed(&'a Mutation),
}

/// What the app does after a pane took (or failed to get) the data it asked for.
#[derive(Debug, Default)]
pub struct Received {
    pub flash: Option<(String, Level)>,
    /// Put the cursor on the last row (the newest message).
    pub cursor_at_end: bool,
}

/// What a change key means on a pane's row when the pane has its own meaning for it.
pub enum Change {
    /// Ask for the details first.
    Form(Form),
    /// Nothing to type: straight to ops' preview.
    Preview(Mutation),
}

/// Status-line hints: an action and what it does here.
pub type Hints = &'static [(Action, &'static str)];

/// Hints of a pane that declares none.
pub const PLAIN_HINTS: Hints =
    &[(Action::Help, "help"), (Action::Filter, "filter"), (Action::Command, "cmd"), (Action::Quit, "quit")];

/// Hints of panes whose rows open something or can be peeked at.
pub const BROWSE_HINTS: Hints = &[
    (Action::Help, "help"),
    (Action::Enter, "open"),
    (Action::Back, "back"),
    (Action::Filter, "filter"),
    (Action::Command, "cmd"),
    (Action::Peek, "peek"),
    (Action::Quit, "quit"),
];

/// What panes read while drawing.
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    /// Derived once per snapshot, not per frame.
    pub brokers: &'a [crate::cluster::BrokerStats],
    pub theme: &'a Theme,
    pub lag: &'a LagHistory,
    /// What is moving, the marked topics and the plan.
    pub reassign: &'a Reassign,
    pub now: Instant,
}

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column { title, width }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Num(i64),
    Text(String),
}

pub trait TablePane: Send {
    /// Its level in the breadcrumb trail.
    fn crumb(&self) -> String;
    /// The status line when nothing else is shown there.
    fn hints(&self) -> Hints {
        PLAIN_HINTS
    }
    /// What Enter does when it is not opening a row's view (the configs pane edits).
    fn enter_action(&self) -> Option<Action> {
        None
    }
    fn title(&self, ctx: &Ctx) -> String;
    fn columns(&self) -> &'static [Column];
    fn count(&self, ctx: &Ctx) -> usize;
    /// The text `/` filters on (usually the row's name).
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String;
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey;
    /// The cells of row `i`; called only for rows on screen.
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>>;
    /// Where Enter on row `i` leads.
    fn enter(&self, _ctx: &Ctx, _i: usize) -> Option<View> {
        None
    }
    /// Another cluster Enter on row `i` connects to (the console ends and opens again on it).
    fn connect_to(&self, _i: usize) -> Option<String> {
        None
    }
    /// The partition `p` on row `i` would peek at.
    fn peek_target(&self, _ctx: &Ctx, _i: usize) -> Option<(String, i32)> {
        None
    }
    /// The partition and committed offset row `i` is about, for peeking where a group is.
    fn stuck_target(&self, _ctx: &Ctx, _i: usize) -> Option<(String, i32, i64)> {
        None
    }
    /// The consumer group the pane is about (time lag).
    fn group_target(&self) -> Option<String> {
        None
    }
    /// The topic that topic operations (delete, add partitions, configs) act on, with row `i`
    /// under the cursor (None: no row).
    fn topic_target(&self, _ctx: &Ctx, _i: Option<usize>) -> Option<String> {
        None
    }
    /// What a change key (`action`) does with row `i` under the cursor, for a pane whose rows are
    /// not topics (the configs pane sets and deletes configs). None: the app's topic operations.
    fn change(&self, _action: Action, _i: Option<usize>) -> Option<Change> {
        None
    }
    /// The data of its own a pane needs (messages, a topic's configs) `when`: the app sends the
    /// request through its job slot and hands the answer to [`TablePane::load`] if the pane on top
    /// still needs exactly that request. Panes that only read the snapshot need nothing.
    fn need(&self, _when: When) -> Option<Request> {
        None
    }
    /// Lines above the table (a summary), `width` columns wide.
    fn banner(&self, _ctx: &Ctx, _width: u16) -> Vec<Line<'static>> {
        Vec::new()
    }
    /// The worker's answer to the pane's [`TablePane::need`].
    fn load(&mut self, _result: Result<Loaded, String>) -> Received {
        Received::default()
    }
}

/// Selection, scroll, filter and sort of one table, with the filtered+sorted order cached until
/// the data, filter or sort changes.
#[derive(Debug, Default)]
pub struct TableView {
    pub selected: usize,
    pub offset: usize,
    pub filter: String,
    pub sort: Option<usize>,
    pub reverse: bool,
    order: Vec<usize>,
    cached_for: Option<(u64, String, Option<usize>, bool)>,
}

impl TableView {
    /// Recomputes the row order if the snapshot generation, filter or sort changed.
    pub fn refresh_order(&mut self, pane: &dyn TablePane, ctx: &Ctx, generation: u64) {
        let key = (generation, self.filter.clone(), self.sort, self.reverse);
        if self.cached_for.as_ref() == Some(&key) {
            return;
        }
        let needle = self.filter.to_lowercase();
        let mut order: Vec<usize> = (0..pane.count(ctx))
            .filter(|&i| needle.is_empty() || pane.filter_text(ctx, i).to_lowercase().contains(&needle))
            .collect();
        if let Some(c) = self.sort {
            let mut keyed: Vec<(SortKey, usize)> = order.iter().map(|&i| (pane.sort_key(ctx, i, c), i)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            order = keyed.into_iter().map(|(_, i)| i).collect();
        }
        if self.reverse {
            order.reverse();
        }
        self.order = order;
        self.cached_for = Some(key);
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    pub fn invalidate(&mut self) {
        self.cached_for = None;
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The pane's row indexes the filter shows, in display order.
    pub fn rows(&self) -> &[usize] {
        &self.order
    }

    /// The pane's row index under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.order.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self) {
        self.selected = self.order.len().saturating_sub(1);
    }

    /// Rows to draw for a body `height` rows tall, scrolling just enough to keep the cursor in view.
    fn window(&mut self, height: usize) -> std::ops::Range<usize> {
        if height == 0 {
            return 0..0;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.order.len().saturating_sub(height));
        self.offset..(self.offset + height).min(self.order.len())
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, pane: &dyn TablePane, ctx: &Ctx, title: Line<'static>) {
        let banner = pane.banner(ctx, area.width);
        let area = if banner.is_empty() {
            area
        } else {
            let height = (banner.len() as u16).min(area.height.saturating_sub(4));
            let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
            f.render_widget(ratatui::widgets::Paragraph::new(banner), top);
            rest
        };
        let cols = pane.columns();
        let inner_height = area.height.saturating_sub(3) as usize; // borders + header row
        let range = self.window(inner_height);
        let rows: Vec<Row> = range
            .clone()
            .map(|pos| {
                let i = self.order[pos];
                let row = Row::new(pane.row(ctx, i));
                if pos == self.selected {
                    row.style(ctx.theme.selected)
                } else {
                    row
                }
            })
            .collect();
        let header = Row::new(
            cols.iter()
                .enumerate()
                .map(|(i, c)| {
                    let mark = match (self.sort == Some(i), self.reverse) {
                        (true, false) => "↑",
                        (true, true) => "↓",
                        _ => "",
                    };
                    Cell::from(format!("{}{mark}", c.title))
                })
                .collect::<Vec<_>>(),
        )
        .style(ctx.theme.accent);
        let position = if self.order.is_empty() {
            "0/0".to_string()
        } else {
            format!("{}/{}", self.selected + 1, self.order.len())
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(ctx.theme.dim)
            .title(title)
            .title_bottom(Line::from(Span::styled(position, ctx.theme.dim)).right_aligned());
        let table = Table::new(rows, cols.iter().map(|c| c.width)).header(header).block(block).column_spacing(1);
        f.render_widget(table, area);
    }
}

/// A cell in a style.
pub fn cell(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(text.into(), style))
}

/// Broker ids, with the ones in `flagged` styled (replicas out of the ISR).
pub fn id_list(ids: &[i32], flagged: &[i32], normal: Style, flag: Style) -> Cell<'static> {
    let mut spans = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(",", normal));
        }
        spans.push(Span::styled(id.to_string(), if flagged.contains(id) { flag } else { normal }));
    }
    Cell::from(Line::from(spans))
}

pub fn opt_num(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

pub fn num_key(v: Option<i64>) -> SortKey {
    SortKey::Num(v.unwrap_or(i64::MIN))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ratatui::backend::TestBackend;
    use ratatui::layout::Constraint::Length;
    use ratatui::Terminal;

    use super::*;

    /// 10 000 rows, counting how many get rendered.
    struct Big {
        rendered: AtomicUsize,
    }

    const COLS: &[Column] = &[col("N", Length(8))];

    impl TablePane for Big {
        fn crumb(&self) -> String {
            "big".into()
        }
        fn title(&self, _: &Ctx) -> String {
            "big".into()
        }
        fn columns(&self) -> &'static [Column] {
            COLS
        }
        fn count(&self, _: &Ctx) -> usize {
            10_000
        }
        fn filter_text(&self, _: &Ctx, i: usize) -> String {
            i.to_string()
        }
        fn sort_key(&self, _: &Ctx, i: usize, _: usize) -> SortKey {
            SortKey::Num(i as i64)
        }
        fn row(&self, _: &Ctx, i: usize) -> Vec<Cell<'static>> {
            self.rendered.fetch_add(1, Ordering::Relaxed);
            vec![Cell::from(i.to_string())]
        }
    }

    #[test]
    fn the_registry_names_each_view_once_and_its_panes_say_so() {
        for view in [View::Brokers, View::Topics, View::Groups] {
            let View::Named(name) = view else { panic!("{view:?} is not a registry view") };
            assert!(REGISTRY.iter().any(|e| e.name == name), "{name} is not in the registry");
        }
        let mut names = std::collections::BTreeSet::new();
        let mut aliases = std::collections::BTreeSet::new();
        for e in REGISTRY {
            assert!(names.insert(e.name), "{} is registered twice", e.name);
            assert_eq!((e.pane)().crumb(), e.name, "the crumb of a registry view is its name");
            assert!(!e.aliases.is_empty(), "{} has no : alias", e.name);
            for a in e.aliases {
                assert!(aliases.insert(*a), ":{a} names two views");
                // the app's own commands come first in run_command, so a view could never get these
                assert!(!["q", "quit", "r", "refresh"].contains(a), ":{a} is a command");
            }
        }
    }

    #[test]
    fn only_visible_rows_are_rendered_and_the_cursor_stays_in_view() {
        let snap = Snapshot::default();
        let theme = crate::tui::theme::Theme::monochrome();
        let lag = LagHistory::default();
        let reassign = Reassign::default();
        let ctx = Ctx { snap: &snap, brokers: &[], theme: &theme, lag: &lag, reassign: &reassign, now: Instant::now() };
        let pane = Big { rendered: AtomicUsize::new(0) };
        let mut view = TableView::default();
        view.refresh_order(&pane, &ctx, 1);
        let mut term = Terminal::new(TestBackend::new(20, 24)).expect("terminal");
        let mut draw = |view: &mut TableView| {
            pane.rendered.store(0, Ordering::Relaxed);
            term.draw(|f| view.draw(f, f.area(), &pane, &ctx, Line::from("big"))).expect("draw");
            let buf = term.backend().buffer().clone();
            let text: Vec<String> =
                (0..24).map(|y| (0..20).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect();
            (pane.rendered.load(Ordering::Relaxed), text)
        };
        let (n, _) = draw(&mut view);
        assert_eq!(n, 21, "24 rows minus borders and header");
        view.bottom();
        let (n, text) = draw(&mut view);
        assert_eq!(n, 21);
        assert!(text[22].contains("9999"), "last row on screen: {text:?}");
        assert!(text[23].contains("10000/10000"));
        view.move_by(-10);
        let (_, text) = draw(&mut view);
        assert!(text[22].contains("9999"), "moving up within the window does not scroll: {text:?}");
        view.move_by(-100);
        let (_, text) = draw(&mut view);
        assert!(text[2].contains("9889"), "scrolled so the cursor is the first row: {text:?}");
        view.filter = "999".into();
        view.refresh_order(&pane, &ctx, 1);
        assert_eq!(view.len(), 19, "999, 1999 … 9999 and 9990-9998");
    }
}
