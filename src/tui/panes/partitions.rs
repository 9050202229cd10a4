//! Partitions of one topic: leader (marked when not the preferred one), replicas with the ones
//! out of the ISR highlighted, ISR, log start/end offsets.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, id_list, num_key, opt_num, Column, Ctx, Hints, SortKey, TablePane};
use crate::cluster::{Partition, Topic};
use crate::tui::action::Action;

pub struct PartitionsPane {
    pub topic: String,
}

const COLUMNS: &[Column] = &[
    col("PART", Length(5)),
    col("LEADER", Length(7)),
    col("REPLICAS", Min(9)),
    col("ISR", Min(9)),
    col("START", Length(10)),
    col("END", Length(10)),
    col("STATUS", Length(10)),
];

impl PartitionsPane {
    fn topic<'a>(&self, ctx: &'a Ctx) -> Option<&'a Topic> {
        ctx.snap.topic(&self.topic)
    }
    fn part<'a>(&self, ctx: &'a Ctx, i: usize) -> Option<&'a Partition> {
        self.topic(ctx).and_then(|t| t.partitions.get(i))
    }
}

fn status(p: &Partition) -> &'static str {
    if p.is_offline() {
        "OFFLINE"
    } else if p.is_under_replicated() {
        "under-repl"
    } else {
        "ok"
    }
}

impl TablePane for PartitionsPane {
    fn crumb(&self) -> String {
        self.topic.clone()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::Peek, "peek"),
            (Action::AddPartitions, "parts"),
            (Action::Configs, "configs"),
            (Action::Quit, "quit"),
        ]
    }
    fn title(&self, ctx: &Ctx) -> String {
        match self.topic(ctx) {
            Some(t) => format!(
                "{} — {} partitions, RF {}, min ISR {}",
                t.name,
                t.partitions.len(),
                t.replication_factor(),
                t.min_insync_replicas.map(|m| m.to_string()).unwrap_or_else(|| "?".into())
            ),
            None => format!("{} (not in the last refresh)", self.topic),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, ctx: &Ctx) -> usize {
        self.topic(ctx).map(|t| t.partitions.len()).unwrap_or(0)
    }
    fn filter_text(&self, ctx: &Ctx, i: usize) -> String {
        self.part(ctx, i).map(|p| format!("{} {}", p.partition, status(p))).unwrap_or_default()
    }
    fn sort_key(&self, ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(p) = self.part(ctx, i) else { return SortKey::Num(0) };
        match column {
            0 => SortKey::Num(p.partition.into()),
            1 => num_key(p.leader.map(i64::from)),
            2 | 3 => SortKey::Num(p.isr.len() as i64 - p.replicas.len() as i64),
            4 => num_key(p.log_start_offset),
            5 => num_key(p.log_end_offset),
            _ => SortKey::Text(status(p).into()),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(p) = self.part(ctx, i) else { return Vec::new() };
        let out = p.out_of_sync();
        let not_preferred = p.leader.is_some() && p.leader != p.preferred_leader();
        let leader = match p.leader {
            Some(l) if not_preferred => cell(format!("{l}*"), th.warn),
            Some(l) => cell(l.to_string(), th.text),
            None => cell("none", th.error),
        };
        let st = status(p);
        vec![
            cell(p.partition.to_string(), th.text),
            leader,
            id_list(&p.replicas, &out, th.text, th.warn),
            id_list(&p.isr, &[], th.text, th.text),
            cell(opt_num(p.log_start_offset), th.text),
            cell(opt_num(p.log_end_offset), th.text),
            cell(
                st,
                match st {
                    "OFFLINE" => th.error,
                    "ok" => th.ok,
                    _ => th.warn,
                },
            ),
        ]
    }
    fn peek_target(&self, ctx: &Ctx, i: usize) -> Option<(String, i32)> {
        self.part(ctx, i).map(|p| (self.topic.clone(), p.partition))
    }
    fn topic_target(&self, _ctx: &Ctx, _i: Option<usize>) -> Option<String> {
        Some(self.topic.clone())
    }
}
