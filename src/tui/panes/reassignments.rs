//! Reassignments (`:reassign`): the moves in progress as the cluster reports them (so a restarted
//! console shows the same), with a progress bar of the bytes the added replicas hold against the
//! partition's size, the rate and time left, the throttle in force and the brokers down; kdeck's
//! executions and the leftover throttles above. Read from `ops::reassign::status` every few
//! seconds while open.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::{cell, col, id_list, Column, Ctx, Hints, SortKey, TablePane, When};
use crate::ops::reassign::status::PartitionStatus;
use crate::plan::progress::{bytes, duration_text, rate_text};
use crate::tui::action::Action;

pub struct ReassignmentsPane;

const COLUMNS: &[Column] = &[
    col("TOPIC", Min(8)),
    col("P", Length(3)),
    col("TARGET", Length(8)),
    col("ADD", Length(5)),
    col("DROP", Length(5)),
    col("PROGRESS", Length(15)),
    col("SIZE", Length(9)),
    col("RATE", Length(10)),
    col("ETA", Length(6)),
];

fn partition<'a>(ctx: &'a Ctx, i: usize) -> Option<&'a PartitionStatus> {
    ctx.reassign.view.as_ref().and_then(|v| v.report.partitions.get(i))
}

/// `█████░░░░░ 50%`: ten cells and the percentage, `?` when the size is unknown.
pub fn bar(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) => {
            let full = (f.clamp(0.0, 1.0) * 10.0).round() as usize;
            format!("{}{} {:>3.0}%", "█".repeat(full), "░".repeat(10 - full), f * 100.0)
        }
        None => format!("{}    ?", "░".repeat(10)),
    }
}

fn ids(v: &[i32]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

impl TablePane for ReassignmentsPane {
    fn crumb(&self) -> String {
        "reassignments".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::CancelMove, "cancel"),
            (Action::CancelAll, "cancel all"),
            (Action::Verify, "verify"),
            (Action::ClearThrottles, "unthrottle"),
            (Action::Attach, "attach"),
            (Action::Quit, "quit"),
        ]
    }
    fn title(&self, ctx: &Ctx) -> String {
        match &ctx.reassign.view {
            None => "Reassignments (reading…)".into(),
            Some(v) => format!("Reassignments in progress ({})", v.report.partitions.len()),
        }
    }
    fn banner(&self, ctx: &Ctx, _width: u16) -> Vec<Line<'static>> {
        let t = ctx.theme;
        let r = ctx.reassign;
        let mut lines = Vec::new();
        if let Some(e) = &r.error {
            lines.push(Line::styled(format!(" reading the reassignments failed: {e}"), t.error));
        }
        let Some(v) = &r.view else { return lines };
        let total = &v.report.total;
        let mut spans = vec![Span::styled(format!(" {} moving", total.partitions), t.accent)];
        if total.partitions > 0 {
            let of = total.copied.total.map(|n| format!(" of {}", bytes(n))).unwrap_or_default();
            spans.push(Span::styled(
                format!("  {}  {}{of}", bar(total.copied.fraction()), bytes(total.copied.copied)),
                t.text,
            ));
            if let Some(rate) = total.rate {
                spans.push(Span::styled(format!("  {}", rate_text(rate)), t.text));
            }
            if let Some(eta) = total.eta_secs {
                spans.push(Span::styled(format!("  ETA {}", duration_text(eta)), t.text));
            }
        }
        lines.push(Line::from(spans));
        let mut second = vec![Span::styled(" throttle ", t.dim)];
        match r.throttle_in_force() {
            Some(words) => second.push(Span::styled(words, t.text)),
            None => second.push(Span::styled("none", t.text)),
        }
        if !v.report.brokers_down.is_empty() {
            second.push(Span::styled(format!("  broker(s) {} down: moves wait", ids(&v.report.brokers_down)), t.error));
        }
        lines.push(Line::from(second));
        for e in &v.executions {
            let progress = r.attached.get(&e.id).and_then(Option::as_ref);
            let what = match progress {
                Some(p) => format!(
                    " execution {}: batch {}/{}, {} of {} partitions done (attached)",
                    e.id, p.batch, p.batches, p.done, p.moves
                ),
                None => format!(" execution {}: {} of {} batches submitted", e.id, e.submitted, e.batches.len()),
            };
            lines.push(Line::styled(what, t.dim));
        }
        let left = r.leftover_throttles();
        if !left.is_empty() {
            let names: Vec<String> = left.iter().take(3).map(|i| format!("{} {}", i.resource, i.key)).collect();
            lines.push(Line::styled(
                format!(
                    " ⚠ {} leftover throttle(s) no reassignment needs: {}{}",
                    left.len(),
                    names.join(", "),
                    if left.len() > 3 { ", …" } else { "" }
                ),
                t.warn,
            ));
        }
        lines
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        ctx.reassign.view.as_ref().map(|v| v.report.partitions.len()).unwrap_or(0)
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        partition(ctx, i).map(|p| format!("{}/{}", p.topic, p.partition)).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(p) = partition(ctx, i) else { return SortKey::Num(0) };
        let n = |v: Option<u64>| SortKey::Num(v.map(|x| x as i64).unwrap_or(-1));
        match column {
            0 => SortKey::Text(p.topic.clone()),
            1 => SortKey::Num(p.partition.into()),
            2 => SortKey::Text(ids(&p.target)),
            3 => SortKey::Text(ids(&p.adding)),
            4 => SortKey::Text(ids(&p.removing)),
            5 => SortKey::Num(p.copied.fraction().map(|f| (f * 1000.0) as i64).unwrap_or(-1)),
            6 => n(p.size),
            7 => n(p.rate),
            _ => n(p.eta_secs),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let t = ctx.theme;
        let Some(p) = partition(ctx, i) else { return Vec::new() };
        // added replicas not in the ISR yet are still copying
        let behind: Vec<i32> = p.adding.iter().copied().filter(|b| !p.isr.contains(b)).collect();
        let stuck = !p.problems.is_empty();
        vec![
            cell(p.topic.clone(), if stuck { t.error } else { t.text }),
            cell(p.partition.to_string(), t.text),
            cell(ids(&p.target), t.text),
            if p.adding.is_empty() { cell("-", t.dim) } else { id_list(&p.adding, &behind, t.ok, t.warn) },
            cell(ids(&p.removing), t.text),
            cell(bar(p.copied.fraction()), if stuck { t.error } else { t.accent }),
            cell(p.size.map(bytes).unwrap_or_else(|| "?".into()), t.text),
            cell(p.rate.map(rate_text).unwrap_or_else(|| "-".into()), t.text),
            cell(p.eta_secs.map(duration_text).unwrap_or_else(|| "-".into()), t.text),
        ]
    }
    fn peek_target(&self, ctx: &Ctx, i: usize) -> Option<(String, i32)> {
        partition(ctx, i).map(|p| (p.topic.clone(), p.partition))
    }
    fn topic_target(&self, ctx: &Ctx, i: Option<usize>) -> Option<String> {
        i.and_then(|i| partition(ctx, i)).map(|p| p.topic.clone())
    }
    /// Read at once when opened or refreshed (then every few seconds while open: `tui::reassign`).
    fn need(&self, when: When) -> Option<crate::tui::message::Request> {
        // not after every refresh: the app reads the status on its own timer
        (!matches!(when, When::Refreshed)).then_some(crate::tui::message::Request::ReassignStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::bar;

    #[test]
    fn bars() {
        assert_eq!(bar(Some(0.0)), "░░░░░░░░░░   0%");
        assert_eq!(bar(Some(0.46)), "█████░░░░░  46%");
        assert_eq!(bar(Some(1.0)), "██████████ 100%");
        assert_eq!(bar(None), "░░░░░░░░░░    ?");
    }
}
