//! Reassignments in progress (`:reassign`): per partition, the replica set while it moves, where
//! it is going, the replicas being added (flagged until they join the ISR) and removed, and how
//! many of the added ones have caught up. Read from the snapshot (ListPartitionReassignments).

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, id_list, Column, Ctx, Hints, SortKey, TablePane};
use crate::cluster::OngoingReassignment;
use crate::tui::action::Action;

pub struct ReassignmentsPane;

const COLUMNS: &[Column] = &[
    col("TOPIC", Min(12)),
    col("PART", Length(5)),
    col("REPLICAS", Min(11)),
    col("TARGET", Min(9)),
    col("ADDING", Min(8)),
    col("REMOVING", Min(8)),
    col("CAUGHT UP", Length(9)),
];

fn reassignment<'a>(ctx: &'a Ctx, i: usize) -> Option<&'a OngoingReassignment> {
    ctx.snap.reassignments.get(i)
}

/// The added replicas not yet in the partition's ISR (all of them if the partition is unknown).
fn behind(ctx: &Ctx, r: &OngoingReassignment) -> Vec<i32> {
    let isr = ctx
        .snap
        .topic(&r.topic)
        .and_then(|t| t.partitions.iter().find(|p| p.partition == r.partition))
        .map(|p| p.isr.as_slice())
        .unwrap_or_default();
    r.adding.iter().copied().filter(|b| !isr.contains(b)).collect()
}

/// The replica set once the move completes.
fn target(r: &OngoingReassignment) -> Vec<i32> {
    r.replicas.iter().copied().filter(|b| !r.removing.contains(b)).collect()
}

/// Broker ids with `flagged` in the warning style, or `-` for none.
fn ids_or_dash(v: &[i32], flagged: &[i32], ctx: &Ctx) -> Cell<'static> {
    if v.is_empty() {
        cell("-", ctx.theme.dim)
    } else {
        id_list(v, flagged, ctx.theme.text, ctx.theme.warn)
    }
}

fn ids(v: &[i32]) -> String {
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

impl TablePane for ReassignmentsPane {
    fn crumb(&self) -> String {
        "reassignments".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::Filter, "filter"),
            (Action::Sort, "sort"),
            (Action::Refresh, "refresh"),
            (Action::Command, "cmd"),
            (Action::Quit, "quit"),
        ]
    }
    fn title(&self, ctx: &Ctx) -> String {
        format!("Reassignments in progress ({})", ctx.snap.reassignments.len())
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        ctx.snap.reassignments.len()
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        reassignment(ctx, i).map(|r| format!("{}/{}", r.topic, r.partition)).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(r) = reassignment(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(r.topic.clone()),
            1 => SortKey::Num(r.partition.into()),
            2 => SortKey::Text(ids(&r.replicas)),
            3 => SortKey::Text(ids(&target(r))),
            4 => SortKey::Num(r.adding.len() as i64),
            5 => SortKey::Num(r.removing.len() as i64),
            _ => SortKey::Num(behind(ctx, r).len() as i64),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let t = ctx.theme;
        let Some(r) = reassignment(ctx, i) else { return Vec::new() };
        let behind = behind(ctx, r);
        let caught_up = r.adding.len().saturating_sub(behind.len());
        let caught_up = match r.adding.len() {
            0 => "-".to_string(),
            n => format!("{caught_up}/{n}"),
        };
        vec![
            cell(r.topic.clone(), t.text),
            cell(r.partition.to_string(), t.text),
            id_list(&r.replicas, &behind, t.text, t.warn),
            id_list(&target(r), &[], t.text, t.text),
            ids_or_dash(&r.adding, &behind, ctx),
            ids_or_dash(&r.removing, &[], ctx),
            cell(caught_up, if behind.is_empty() { t.ok } else { t.warn }),
        ]
    }
    fn peek_target(&self, ctx: &Ctx, i: usize) -> Option<(String, i32)> {
        reassignment(ctx, i).map(|r| (r.topic.clone(), r.partition))
    }
    fn topic_target(&self, ctx: &Ctx, i: Option<usize>) -> Option<String> {
        i.and_then(|i| reassignment(ctx, i)).map(|r| r.topic.clone())
    }
}
