//! Messages of a partition: the last ones, or from a group's committed offset (where it is
//! stuck). Read by the worker with rdkafka, no group joined, nothing committed. Enter opens one
//! whole message.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, Column, Ctx, Hints, Received, SortKey, TablePane, View, When, BROWSE_HINTS};
use crate::tui::backend::PeekMessage;
use crate::tui::chrome::Level;
use crate::tui::message::{Loaded, Request};

/// How many of the last messages a peek reads.
pub const PEEK_COUNT: usize = 50;

pub struct PeekPane {
    topic: String,
    partition: i32,
    /// Read from this offset (a group's committed offset) instead of the last messages.
    from: Option<i64>,
    messages: Option<Vec<PeekMessage>>,
}

impl PeekPane {
    pub fn new(topic: String, partition: i32, from: Option<i64>) -> PeekPane {
        PeekPane { topic, partition, from, messages: None }
    }
    fn msg(&self, i: usize) -> Option<&PeekMessage> {
        self.messages.as_ref().and_then(|m| m.get(i))
    }
}

const COLUMNS: &[Column] = &[
    col("OFFSET", Length(9)),
    col("TIME (UTC)", Length(19)),
    col("KEY", Length(12)),
    col("VALUE", Min(20)),
    col("HEADERS", Length(10)),
];

/// `2026-11-22 04:29:48` from epoch milliseconds.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::ops::audit::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl TablePane for PeekPane {
    fn crumb(&self) -> String {
        format!("peek p{}", self.partition)
    }
    fn hints(&self) -> Hints {
        BROWSE_HINTS
    }
    fn title(&self, _ctx: &Ctx) -> String {
        match (&self.messages, self.from) {
            (None, _) => format!("{}/{} — reading…", self.topic, self.partition),
            (Some(m), None) => {
                format!("{}/{} — last {} messages (not committed, no group)", self.topic, self.partition, m.len())
            }
            (Some(m), Some(at)) => format!(
                "{}/{} — {} messages from offset {at}, where the group is (Enter: the whole message)",
                self.topic,
                self.partition,
                m.len()
            ),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.messages.as_ref().map(Vec::len).unwrap_or(0)
    }
    fn filter_text(&self, _ctx: &Ctx, i: usize) -> String {
        self.msg(i)
            .map(|m| format!("{} {}", m.key.clone().unwrap_or_default(), m.value.clone().unwrap_or_default()))
            .unwrap_or_default()
    }
    fn sort_key(&self, _ctx: &Ctx, i: usize, _column: usize) -> SortKey {
        SortKey::Num(self.msg(i).map(|m| m.offset).unwrap_or(0))
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(m) = self.msg(i) else { return Vec::new() };
        let headers = m.headers.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        vec![
            cell(m.offset.to_string(), th.text),
            cell(m.timestamp_ms.map(utc).unwrap_or_else(|| "-".into()), th.dim),
            cell(m.key.clone().unwrap_or_else(|| "∅".into()), th.accent),
            cell(m.value.clone().unwrap_or_else(|| "∅".into()), th.text),
            cell(headers, th.dim),
        ]
    }
    fn topic_target(&self, _ctx: &Ctx, _i: Option<usize>) -> Option<String> {
        Some(self.topic.clone())
    }
    fn enter(&self, _ctx: &Ctx, i: usize) -> Option<View> {
        self.msg(i).map(|m| View::Message { topic: self.topic.clone(), partition: self.partition, offset: m.offset })
    }
    fn need(&self, when: When) -> Option<Request> {
        // messages once read stay as read: the refresh key refreshes the cluster, not the peek
        let Self { topic, partition, from, .. } = self;
        matches!(when, When::Shown).then(|| Request::Peek {
            topic: topic.clone(),
            partition: *partition,
            from: *from,
            count: PEEK_COUNT,
        })
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        let (topic, partition) = (&self.topic, self.partition);
        match result {
            Ok(Loaded::Messages(messages)) => {
                let flash = format!("read {} messages from {topic}/{partition}", messages.len());
                self.messages = Some(messages);
                // the newest under the cursor; from a group's offset, the one it is stuck on
                Received { flash: Some((flash, Level::Info)), cursor_at_end: self.from.is_none() }
            }
            Ok(_) => Received::default(),
            Err(e) => Received {
                flash: Some((format!("peek {topic}/{partition} failed: {e}"), Level::Error)),
                cursor_at_end: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_795_321_788_000), "2026-11-22 04:29:48");
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00:00");
    }
}
