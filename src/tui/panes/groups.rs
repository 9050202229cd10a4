//! Consumer groups: state, members, topics, total lag, lag trend and rate from the in-memory
//! history.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, Column, Ctx, Hints, SortKey, TablePane, View, BROWSE_HINTS};
use crate::cluster::Group;
use crate::tui::lag::format_rate;

pub struct GroupsPane;

const TREND: usize = 12;

const COLUMNS: &[Column] = &[
    col("GROUP", Min(14)),
    col("STATE", Length(11)),
    col("MEMB", Length(4)),
    col("TOPICS", Min(8)),
    col("LAG", Length(9)),
    col("TREND", Length(TREND as u16)),
    col("RATE", Length(8)),
];

fn group<'a>(ctx: &'a Ctx, i: usize) -> Option<&'a Group> {
    ctx.snap.groups.get(i)
}

fn topics(g: &Group) -> String {
    g.topics.join(",")
}

impl TablePane for GroupsPane {
    fn crumb(&self) -> String {
        "groups".into()
    }
    fn hints(&self) -> Hints {
        BROWSE_HINTS
    }
    fn title(&self, ctx: &Ctx) -> String {
        format!("Consumer groups ({})", ctx.snap.groups.len())
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        ctx.snap.groups.len()
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        group(ctx, i).map(|g| format!("{} {} {}", g.group_id, g.state, topics(g))).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(g) = group(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(g.group_id.clone()),
            1 => SortKey::Text(g.state.clone()),
            2 => SortKey::Num(g.members.len() as i64),
            3 => SortKey::Text(topics(g)),
            4 | 5 => SortKey::Num(g.total_lag),
            _ => SortKey::Num(ctx.lag.rate(&g.group_id).map(|r| (r * 1000.0) as i64).unwrap_or(i64::MIN)),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(g) = group(ctx, i) else { return Vec::new() };
        let rate = ctx.lag.rate(&g.group_id);
        let rate_style = match rate {
            Some(r) if r > 0.05 => th.warn,
            Some(r) if r < -0.05 => th.ok,
            _ => th.text,
        };
        let state_style = match g.state.as_str() {
            "Stable" => th.ok,
            "Dead" => th.error,
            "Empty" => th.dim,
            _ => th.warn,
        };
        vec![
            cell(g.group_id.clone(), if g.error.is_some() { th.error } else { th.text }),
            cell(if g.state.is_empty() { "?".to_string() } else { g.state.clone() }, state_style),
            cell(g.members.len().to_string(), th.text),
            cell(topics(g), th.text),
            cell(g.total_lag.to_string(), if g.total_lag > 0 { th.warn } else { th.text }),
            cell(ctx.lag.sparkline(&g.group_id, TREND), rate_style),
            cell(format_rate(rate), rate_style),
        ]
    }
    fn enter(&self, ctx: &Ctx, i: usize) -> Option<View> {
        group(ctx, i).map(|g| View::GroupDetail { group: g.group_id.clone() })
    }
}
