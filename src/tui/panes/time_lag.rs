//! A group's lag in time: per partition, the age of the next message it reads (the record at its
//! committed offset), read by the worker with one small fetch per lagging partition.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::peek::utc;
use super::{cell, col, num_key, opt_num, Column, Ctx, Hints, Received, SortKey, TablePane, When};
use crate::data::position::age;
use crate::tui::action::Action;
use crate::tui::backend::TimeLagRow;
use crate::tui::chrome::Level;
use crate::tui::message::{Loaded, Request};

pub struct TimeLagPane {
    group: String,
    rows: Option<Vec<TimeLagRow>>,
}

impl TimeLagPane {
    pub fn new(group: String) -> TimeLagPane {
        TimeLagPane { group, rows: None }
    }
    fn row_at(&self, i: usize) -> Option<&TimeLagRow> {
        self.rows.as_ref().and_then(|r| r.get(i))
    }
    /// The partition furthest behind in time.
    fn worst(&self) -> Option<&TimeLagRow> {
        self.rows.as_ref()?.iter().filter(|r| r.time.time_lag_ms.is_some()).max_by_key(|r| r.time.time_lag_ms)
    }
}

const COLUMNS: &[Column] = &[
    col("TOPIC", Min(12)),
    col("PART", Length(4)),
    col("COMMITTED", Length(10)),
    col("LAG", Length(8)),
    col("TIME LAG", Length(10)),
    col("NEXT MESSAGE (UTC)", Min(19)),
];

const HINTS: Hints = &[
    (Action::Help, "help"),
    (Action::Back, "back"),
    (Action::TimeLag, "again"),
    (Action::PeekStuck, "where stuck"),
    (Action::Quit, "quit"),
];

impl TablePane for TimeLagPane {
    fn crumb(&self) -> String {
        "time lag".into()
    }
    fn hints(&self) -> Hints {
        HINTS
    }
    fn title(&self, _ctx: &Ctx) -> String {
        match (&self.rows, self.worst()) {
            (None, _) => format!("{} — reading the next message of each lagging partition…", self.group),
            (Some(_), Some(w)) => format!(
                "{} — lag in time, max {} ({}-{})",
                self.group,
                age(w.time.time_lag_ms.unwrap_or(0)),
                w.lag.topic,
                w.lag.partition
            ),
            (Some(_), None) => format!("{} — lag in time unknown", self.group),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.rows.as_ref().map(Vec::len).unwrap_or(0)
    }
    fn filter_text(&self, _ctx: &Ctx, i: usize) -> String {
        self.row_at(i).map(|r| r.lag.topic.clone()).unwrap_or_default()
    }
    fn sort_key(&self, _ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(r) = self.row_at(i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(format!("{}\u{0}{:010}", r.lag.topic, r.lag.partition)),
            1 => SortKey::Num(r.lag.partition.into()),
            2 => num_key(r.lag.committed_offset),
            3 => num_key(r.lag.lag),
            4 => num_key(r.time.time_lag_ms),
            _ => num_key(r.time.next_timestamp_ms),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(r) = self.row_at(i) else { return Vec::new() };
        let time = match (&r.time.time_lag_ms, &r.time.time_lag_error) {
            (Some(ms), _) => cell(age(*ms), if *ms > 0 { th.warn } else { th.text }),
            (None, Some(e)) => cell(format!("? {e}"), th.error),
            (None, None) => cell("-", th.dim),
        };
        vec![
            cell(r.lag.topic.clone(), th.text),
            cell(r.lag.partition.to_string(), th.text),
            cell(opt_num(r.lag.committed_offset), th.text),
            cell(opt_num(r.lag.lag), th.text),
            time,
            cell(r.time.next_timestamp_ms.map(utc).unwrap_or_else(|| "-".into()), th.dim),
        ]
    }
    fn peek_target(&self, _ctx: &Ctx, i: usize) -> Option<(String, i32)> {
        self.row_at(i).map(|r| (r.lag.topic.clone(), r.lag.partition))
    }
    fn stuck_target(&self, _ctx: &Ctx, i: usize) -> Option<(String, i32, i64)> {
        self.row_at(i).and_then(|r| Some((r.lag.topic.clone(), r.lag.partition, r.lag.committed_offset?)))
    }
    fn group_target(&self) -> Option<String> {
        Some(self.group.clone())
    }
    fn need(&self, when: When) -> Option<Request> {
        // shown, the refresh key, or after a change (a reset of this group): read it again; not
        // after every refresh (a fetch per lagging partition)
        (!matches!(when, When::Refreshed)).then(|| Request::TimeLag { group: self.group.clone() })
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        match result {
            Ok(Loaded::TimeLags(rows)) => {
                self.rows = Some(rows);
                Received::default()
            }
            Ok(_) => Received::default(),
            Err(e) => Received {
                flash: Some((format!("lag in time of {}: {e}", self.group), Level::Error)),
                cursor_at_end: false,
            },
        }
    }
}
