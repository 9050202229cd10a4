//! Brokers: id, address, rack, controller, leaders, replicas, partitions it is out of sync on.
//! Brokers that replicas name but metadata no longer lists are shown as DOWN.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, Column, Ctx, Hints, SortKey, TablePane, BROWSE_HINTS};
use crate::cluster::{BrokerStats, Controller};

pub struct BrokersPane;

const COLUMNS: &[Column] = &[
    col("ID", Length(5)),
    col("ADDRESS", Min(15)),
    col("RACK", Length(10)),
    col("CTRL", Length(4)),
    col("LEADERS", Length(7)),
    col("REPLICAS", Length(8)),
    col("LAGGING", Length(7)),
];

fn address(b: &BrokerStats) -> Option<String> {
    Some(format!("{}:{}", b.host.as_ref()?, b.port?))
}

impl TablePane for BrokersPane {
    fn crumb(&self) -> String {
        "brokers".into()
    }
    fn hints(&self) -> Hints {
        BROWSE_HINTS
    }
    fn title(&self, ctx: &Ctx) -> String {
        let brokers = format!("Brokers ({})", ctx.snap.brokers.len());
        // With a controller of its own no row has the CTRL mark: say where it is.
        match &ctx.snap.controller {
            c @ (Controller::Kraft { broker: false, .. } | Controller::Unknown { .. }) => {
                format!("{brokers} · controller {}", c.describe())
            }
            _ => brokers,
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        ctx.brokers.len()
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        ctx.brokers
            .get(i)
            .map(|r| format!("{} {} {}", r.id, address(r).unwrap_or_default(), r.rack.clone().unwrap_or_default()))
            .unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(r) = ctx.brokers.get(i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Num(r.id.into()),
            1 => SortKey::Text(address(r).unwrap_or_default()),
            2 => SortKey::Text(r.rack.clone().unwrap_or_default()),
            3 => SortKey::Num(i64::from(r.controller)),
            4 => SortKey::Num(r.leaders as i64),
            5 => SortKey::Num(r.replicas as i64),
            _ => SortKey::Num(r.out_of_sync as i64),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let t = ctx.theme;
        let Some(r) = ctx.brokers.get(i) else { return Vec::new() };
        let down = r.host.is_none();
        vec![
            cell(r.id.to_string(), if down { t.error } else { t.text }),
            cell(address(r).unwrap_or_else(|| "DOWN (not in metadata)".into()), if down { t.error } else { t.text }),
            cell(r.rack.clone().unwrap_or_else(|| "-".into()), t.text),
            cell(if r.controller { "●" } else { "" }, t.accent),
            cell(r.leaders.to_string(), t.text),
            cell(r.replicas.to_string(), t.text),
            cell(r.out_of_sync.to_string(), if r.out_of_sync > 0 { t.warn } else { t.text }),
        ]
    }
}
