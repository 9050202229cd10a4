//! The reassignment plan (`:plan`) as a diff: per partition the replicas now → planned, the
//! brokers added and dropped highlighted, the bytes each added replica copies, the rack of every
//! replica, and what the checks say; the summary on top (moves against the planner's lower
//! bound, bytes, replicas/leaders/bytes per broker before → after), following every edit.

use ratatui::layout::Constraint::{Fill, Length};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::{cell, col, Column, Ctx, Hints, SortKey, TablePane};
use crate::plan::edit::{PlanEdit, PlanRow};
use crate::plan::progress::bytes;
use crate::plan::Goal;
use crate::tui::action::Action;

pub struct PlanPane;

const COLUMNS: &[Column] = &[
    col("PARTITION", Fill(1)),
    col("REPLICAS", Length(11)),
    col("→ NEW", Length(11)),
    col("BYTES", Length(10)),
    col("RACKS", Fill(1)),
    col("CHECK", Length(7)),
];

fn edit<'a>(ctx: &'a Ctx) -> Option<&'a PlanEdit> {
    ctx.reassign.plan.as_ref().map(|p| &p.edit)
}

fn row<'a>(ctx: &'a Ctx, i: usize) -> Option<&'a PlanRow> {
    edit(ctx).and_then(|e| e.rows.get(i))
}

/// Broker ids with the ones not in `other` in `flag` style (added or dropped).
fn diff_cell(list: &[i32], other: &[i32], ctx: &Ctx, flag: ratatui::style::Style, mark: &str) -> Cell<'static> {
    let t = ctx.theme;
    let mut spans = Vec::new();
    for (i, b) in list.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(",", t.text));
        }
        if other.contains(b) {
            spans.push(Span::styled(b.to_string(), t.text));
        } else {
            spans.push(Span::styled(format!("{mark}{b}"), flag));
        }
    }
    Cell::from(Line::from(spans))
}

/// `drain 3`, `rebalance onto 1,2`, `rf 3`, `leaders`.
pub fn goal_words(goal: &Goal, targets: &[i32]) -> String {
    let ids = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let onto = if targets.is_empty() { String::new() } else { format!(" onto {}", ids(targets)) };
    match goal {
        Goal::Rebalance => format!("rebalance{onto}"),
        Goal::Drain { brokers } => format!("drain {}", ids(brokers)),
        Goal::ReplicationFactor { rf } => format!("rf {rf}{onto}"),
        Goal::LeadersOnly => "leaders only".into(),
    }
}

impl TablePane for PlanPane {
    fn crumb(&self) -> String {
        "plan".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::EditPlan, "edit"),
            (Action::ExecutePlan, "execute"),
            (Action::ExportPlan, "export"),
            (Action::PlanReassign, "re-plan"),
            (Action::Back, "back"),
            (Action::Quit, "quit"),
        ]
    }
    fn enter_action(&self) -> Option<Action> {
        Some(Action::EditPlan)
    }
    fn title(&self, ctx: &Ctx) -> String {
        match (&ctx.reassign.plan, &ctx.reassign.planning) {
            (_, Some(_)) => "Plan (planning…)".into(),
            (None, None) => "Plan: none yet — mark topics in the topics view and plan them".into(),
            (Some(p), None) => {
                let topics = match &p.request.scope {
                    crate::plan::Scope::Topics(t) => t.join(","),
                    _ => "all topics".into(),
                };
                format!("Plan: {} — {topics}", goal_words(&p.request.goal, &p.request.target_brokers))
            }
        }
    }
    fn banner(&self, ctx: &Ctx, width: u16) -> Vec<Line<'static>> {
        let t = ctx.theme;
        let Some(e) = edit(ctx) else { return Vec::new() };
        let s = e.summary();
        let mut first = vec![
            Span::styled(format!(" {} partitions", s.partitions), t.accent),
            Span::styled(format!(" · {} moves (lower bound {})", s.moves, s.lower_bound), t.text),
            Span::styled(format!(" · {} to copy", bytes(s.bytes_to_move)), t.text),
        ];
        if s.moves_with_unknown_size > 0 {
            first.push(Span::styled(format!(" (+{} of unknown size)", s.moves_with_unknown_size), t.warn));
        }
        if s.edited > 0 {
            first.push(Span::styled(format!(" · {} edited", s.edited), t.accent));
        }
        if s.errors > 0 {
            first.push(Span::styled(format!(" · {} error(s)", s.errors), t.error));
        } else if s.warnings > 0 {
            first.push(Span::styled(format!(" · {} warning(s)", s.warnings), t.warn));
        }
        let mut lines = vec![Line::from(first)];
        // per broker: replicas, leaders and bytes before → after, as many per line as fit
        let mut line: Vec<Span<'static>> = vec![Span::raw(" ")];
        let mut used = 1usize;
        for b in s.brokers.iter().filter(|b| b.replicas_before + b.replicas_after > 0) {
            let rack = b.rack.as_deref().map(|r| format!(" {r}")).unwrap_or_default();
            let down = if b.alive { "" } else { " down" };
            let text = format!(
                "b{}{rack}{down}: {}→{} ({}→{} lead) {}→{}   ",
                b.id,
                b.replicas_before,
                b.replicas_after,
                b.leaders_before,
                b.leaders_after,
                bytes(b.bytes_before),
                bytes(b.bytes_after)
            );
            let n = text.chars().count();
            if used + n > usize::from(width) && used > 1 {
                lines.push(Line::from(std::mem::replace(&mut line, vec![Span::raw(" ")])));
                used = 1;
            }
            let changed = b.replicas_before != b.replicas_after || b.leaders_before != b.leaders_after;
            line.push(Span::styled(text, if changed { t.text } else { t.dim }));
            used += n;
        }
        if used > 1 {
            lines.push(Line::from(line));
        }
        lines
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        edit(ctx).map(|e| e.rows.len()).unwrap_or(0)
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        row(ctx, i).map(|r| format!("{}-{}", r.topic, r.partition)).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(r) = row(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Text(format!("{}-{:010}", r.topic, r.partition)),
            1 => SortKey::Text(format!("{:?}", r.from)),
            2 => SortKey::Text(format!("{:?}", r.to)),
            3 => SortKey::Num(r.size.map(|s| (s * r.added().len() as u64) as i64).unwrap_or(-1)),
            4 => SortKey::Num(r.added().len() as i64),
            _ => SortKey::Num((r.errors.len() * 100 + r.warnings.len()) as i64),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let t = ctx.theme;
        let (Some(e), Some(r)) = (edit(ctx), row(ctx, i)) else { return Vec::new() };
        let racks: Vec<String> = r.to.iter().map(|b| e.rack(*b).unwrap_or("-").to_string()).collect();
        let copies = r.size.map(|s| bytes(s * r.added().len() as u64)).unwrap_or_else(|| "?".into());
        let (check, style) = match (r.errors.is_empty(), r.warnings.is_empty(), r.edited()) {
            (false, _, _) => ("✗ error", t.error),
            (true, false, _) => ("⚠ warn", t.warn),
            (true, true, true) => ("✎ ok", t.accent),
            (true, true, false) => ("ok", t.ok),
        };
        vec![
            cell(format!("{}-{}", r.topic, r.partition), t.text),
            diff_cell(&r.from, &r.to, ctx, t.error, "-"),
            diff_cell(&r.to, &r.from, ctx, t.accent, "+"),
            cell(copies, t.text),
            cell(racks.join(","), t.dim),
            cell(check, style),
        ]
    }
    fn topic_target(&self, ctx: &Ctx, i: Option<usize>) -> Option<String> {
        i.and_then(|i| row(ctx, i)).map(|r| r.topic.clone())
    }
}
