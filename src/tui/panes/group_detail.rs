//! One group: per-partition committed offset, end offset, lag, and the member that owns it. The
//! refresh keeps only each group's totals, so the pane reads the group's rows when it opens and
//! again after every refresh and change while it is on top.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, num_key, opt_num, Change, Column, Ctx, Hints, Received, SortKey, TablePane, When};
use crate::cluster::{Group, PartitionLag};
use crate::ops::groups::GroupChange;
use crate::ops::Mutation;
use crate::tui::action::Action;
use crate::tui::chrome::Level;
use crate::tui::dialogs::Form;
use crate::tui::message::{Loaded, Request};

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
    group: String,
    /// None: not read yet; Some(None): the group does not exist.
    read: Option<Option<Group>>,
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
    pub fn new(group: String) -> GroupDetailPane {
        GroupDetailPane { group, read: None }
    }
    fn read(&self) -> Option<&Group> {
        self.read.as_ref()?.as_ref()
    }
    fn row_at(&self, _ctx: &Ctx, i: usize) -> Option<&PartitionLag> {
        self.read().and_then(|g| g.offsets.get(i))
    }
}

impl TablePane for GroupDetailPane {
    fn crumb(&self) -> String {
        self.group.clone()
    }
    fn hints(&self) -> Hints {
        HINTS
    }
    fn title(&self, _ctx: &Ctx) -> String {
        match &self.read {
            Some(Some(g)) => {
                format!("{} — {}, {} members, total lag {}", g.group_id, g.state, g.members.len(), g.total_lag)
            }
            Some(None) => format!("{} — no such group on the cluster", self.group),
            None => format!("{} — reading its partitions…", self.group),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.read().map(|g| g.offsets.len()).unwrap_or(0)
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
    fn need(&self, _when: When) -> Option<Request> {
        // shown, every refresh (the lag moves), and after a change (a reset of this group)
        Some(Request::Group { group: self.group.clone() })
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        match result {
            Ok(Loaded::Group(g)) => {
                self.read = Some(g.map(|g| *g));
                Received::default()
            }
            Ok(_) => Received::default(),
            // the rows read before stay on screen
            Err(e) => Received {
                flash: Some((format!("reading group {}: {e}", self.group), Level::Error)),
                cursor_at_end: false,
            },
        }
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::tui::cluster_view::ClusterView;
    use crate::tui::theme::Theme;

    #[test]
    fn says_what_it_is_reading_and_when_the_group_is_gone() {
        let (view, theme) = (ClusterView::default(), Theme::monochrome());
        let ctx = view.ctx(&theme, Instant::now());
        let mut pane = GroupDetailPane::new("billing".into());
        assert_eq!(pane.need(When::Refreshed), Some(Request::Group { group: "billing".into() }));
        assert_eq!(pane.title(&ctx), "billing — reading its partitions…");
        pane.load(Ok(Loaded::Group(None)));
        assert_eq!((pane.title(&ctx).as_str(), pane.count(&ctx)), ("billing — no such group on the cluster", 0));
        let failed = pane.load(Err("reading the group did not finish within 15s".into()));
        assert_eq!(
            failed.flash,
            Some(("reading group billing: reading the group did not finish within 15s".into(), Level::Error))
        );
    }
}
