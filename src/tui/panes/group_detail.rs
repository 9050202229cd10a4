//! One group: per-partition committed offset, end offset, lag, and the member that owns it.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, num_key, opt_num, Change, Column, Ctx, Hints, SortKey, TablePane};
use crate::cluster::{Group, PartitionLag};
use crate::ops::groups::GroupChange;
use crate::ops::Mutation;
use crate::tui::action::Action;
use crate::tui::dialogs::Form;

/// Browsing, and what a group's keys do (the change hidden in read-only mode).
const HINTS: Hints = &[
    (Action::Help, "help"),
    (Action::Back, "back"),
    (Action::Peek, "peek"),
    (Action::PeekStuck, "where stuck"),
    (Action::TimeLag, "time lag"),
    (Action::ResetOffsets, "reset"),
    (Action::DeleteTopic, "delete"),
    (Action::Quit, "quit"),
];

pub struct GroupDetailPane {
    pub group: String,
}

const COLUMNS: &[Column] = &[
    col("TOPIC", Min(12)),
    col("PART", Length(4)),
    col("COMMITTED", Length(10)),
    col("END", Length(10)),
    col("LAG", Length(8)),
    col("CLIENT-ID", Min(10)),
    col("HOST", Min(10)),
];

impl GroupDetailPane {
    fn group<'a>(&self, ctx: &'a Ctx) -> Option<&'a Group> {
        ctx.snap.group(&self.group)
    }
    fn row_at<'a>(&self, ctx: &'a Ctx, i: usize) -> Option<&'a PartitionLag> {
        self.group(ctx).and_then(|g| g.offsets.get(i))
    }
}

impl TablePane for GroupDetailPane {
    fn crumb(&self) -> String {
        self.group.clone()
    }
    fn hints(&self) -> Hints {
        HINTS
    }
    fn title(&self, ctx: &Ctx) -> String {
        match self.group(ctx) {
            Some(g) => format!("{} — {}, {} members, total lag {}", g.group_id, g.state, g.members.len(), g.total_lag),
            None => format!("{} (not in the last refresh)", self.group),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        self.group(ctx).map(|g| g.offsets.len()).unwrap_or(0)
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        self.row_at(ctx, i)
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.topic,
                    r.client_id.clone().unwrap_or_default(),
                    r.host.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(r) = self.row_at(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(format!("{}\u{0}{:010}", r.topic, r.partition)),
            1 => SortKey::Num(r.partition.into()),
            2 => num_key(r.committed_offset),
            3 => num_key(r.log_end_offset),
            4 => num_key(r.lag),
            5 => SortKey::Text(r.client_id.clone().unwrap_or_default()),
            _ => SortKey::Text(r.host.clone().unwrap_or_default()),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(r) = self.row_at(ctx, i) else { return Vec::new() };
        vec![
            cell(r.topic.clone(), th.text),
            cell(r.partition.to_string(), th.text),
            cell(opt_num(r.committed_offset), th.text),
            cell(opt_num(r.log_end_offset), th.text),
            cell(opt_num(r.lag), if r.lag.unwrap_or(0) > 0 { th.warn } else { th.text }),
            cell(r.client_id.clone().unwrap_or_else(|| "-".into()), th.text),
            cell(r.host.clone().unwrap_or_else(|| "-".into()), th.dim),
        ]
    }
    fn peek_target(&self, ctx: &Ctx, i: usize) -> Option<(String, i32)> {
        self.row_at(ctx, i).map(|r| (r.topic.clone(), r.partition))
    }
    fn stuck_target(&self, ctx: &Ctx, i: usize) -> Option<(String, i32, i64)> {
        self.row_at(ctx, i).and_then(|r| Some((r.topic.clone(), r.partition, r.committed_offset?)))
    }
    fn group_target(&self) -> Option<String> {
        Some(self.group.clone())
    }
    fn change(&self, action: Action, _i: Option<usize>) -> Option<Change> {
        let group = self.group.clone();
        match action {
            Action::ResetOffsets => Some(Change::Form(Form::reset_offsets(group))),
            Action::DeleteTopic => Some(Change::Preview(Mutation::Group(GroupChange::Delete { group }))),
            _ => None,
        }
    }
}
