//! Topics: name, partitions, RF, under-replicated, offline, under min ISR, messages retained.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, num_key, opt_num, Column, Ctx, Hints, SortKey, TablePane, View};
use crate::cluster::Topic;
use crate::tui::action::Action;

pub struct TopicsPane;

const COLUMNS: &[Column] = &[
    col("TOPIC", Min(16)),
    col("PARTS", Length(5)),
    col("RF", Length(2)),
    col("URP", Length(4)),
    col("OFFLINE", Length(7)),
    col("<MINISR", Length(7)),
    col("MESSAGES", Length(10)),
];

fn topic<'a>(ctx: &'a Ctx, i: usize) -> Option<&'a Topic> {
    ctx.snap.topics.get(i)
}

impl TablePane for TopicsPane {
    fn crumb(&self) -> String {
        "topics".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::Filter, "filter"),
            (Action::CreateTopic, "create"),
            (Action::DeleteTopic, "delete"),
            (Action::Configs, "configs"),
            (Action::Mark, "mark"),
            (Action::PlanReassign, "plan"),
            (Action::Quit, "quit"),
        ]
    }
    fn title(&self, ctx: &Ctx) -> String {
        match ctx.reassign.marked.len() {
            0 => format!("Topics ({})", ctx.snap.topics.len()),
            n => format!("Topics ({}) — {n} marked for a reassignment plan", ctx.snap.topics.len()),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        ctx.snap.topics.len()
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        topic(ctx, i).map(|t| t.name.clone()).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(t) = topic(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(t.name.clone()),
            1 => SortKey::Num(t.partitions.len() as i64),
            2 => SortKey::Num(t.replication_factor() as i64),
            3 => SortKey::Num(t.under_replicated() as i64),
            4 => SortKey::Num(t.offline() as i64),
            5 => SortKey::Num(t.under_min_isr() as i64),
            _ => num_key(t.messages()),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(t) = topic(ctx, i) else { return Vec::new() };
        let (urp, off, min) = (t.under_replicated(), t.offline(), t.under_min_isr());
        let name_style = if off > 0 {
            th.error
        } else if urp > 0 || min > 0 {
            th.warn
        } else if t.internal {
            th.dim
        } else {
            th.text
        };
        let name = if ctx.reassign.marked.contains(&t.name) { format!("● {}", t.name) } else { t.name.clone() };
        vec![
            cell(name, name_style),
            cell(t.partitions.len().to_string(), th.text),
            cell(t.replication_factor().to_string(), th.text),
            cell(urp.to_string(), if urp > 0 { th.warn } else { th.text }),
            cell(off.to_string(), if off > 0 { th.error } else { th.text }),
            cell(min.to_string(), if min > 0 { th.error } else { th.text }),
            cell(opt_num(t.messages()), th.text),
        ]
    }
    fn enter(&self, ctx: &Ctx, i: usize) -> Option<View> {
        topic(ctx, i).map(|t| View::Partitions { topic: t.name.clone() })
    }
    fn topic_target(&self, ctx: &Ctx, i: Option<usize>) -> Option<String> {
        i.and_then(|i| topic(ctx, i)).map(|t| t.name.clone())
    }
}
