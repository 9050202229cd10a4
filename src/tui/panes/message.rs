//! One whole message: offset, timestamp and its type, size, key, headers, the value's SHA-256 and
//! the value itself, pretty JSON when it parses, hex when it is binary, one line per row.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::peek::utc;
use super::{cell, col, Column, Ctx, Received, SortKey, TablePane, When};
use crate::data::peek::Content;
use crate::data::RecordDetail;
use crate::tui::chrome::Level;
use crate::tui::message::{Loaded, Request};

pub struct MessagePane {
    topic: String,
    partition: i32,
    offset: i64,
    /// None: not read yet; Some(None): nothing at that offset.
    detail: Option<Option<RecordDetail>>,
    lines: Vec<(String, String)>,
}

impl MessagePane {
    pub fn new(topic: String, partition: i32, offset: i64) -> MessagePane {
        MessagePane { topic, partition, offset, detail: None, lines: Vec::new() }
    }
}

const COLUMNS: &[Column] = &[col("FIELD", Length(16)), col("VALUE", Min(20))];

fn content_lines(out: &mut Vec<(String, String)>, field: &str, c: &Option<Content>) {
    match c {
        None => out.push((field.to_string(), "∅ (null)".into())),
        Some(c) => {
            out.push((field.to_string(), format!("{} bytes, {}", c.size, c.format)));
            out.extend(c.text.lines().map(|l| (String::new(), l.to_string())));
        }
    }
}

/// The rows of a message's detail.
pub fn detail_lines(d: &RecordDetail) -> Vec<(String, String)> {
    let mut out = vec![
        ("offset".to_string(), d.offset.to_string()),
        ("partition".into(), d.partition.to_string()),
        (
            "timestamp".into(),
            match d.timestamp_ms {
                Some(ms) => format!("{} UTC ({ms}, {})", utc(ms), d.timestamp_type),
                None => "none".into(),
            },
        ),
        ("size".into(), format!("{} bytes (key, value, headers)", d.size)),
        ("value sha256".into(), d.value_sha256.clone().unwrap_or_else(|| "-".into())),
    ];
    content_lines(&mut out, "key", &d.key);
    for (k, v) in &d.headers {
        let text = v.as_ref().map(|c| c.text.clone()).unwrap_or_else(|| "∅".into());
        out.push((format!("header {k}"), text));
    }
    content_lines(&mut out, "value", &d.value);
    out
}

impl TablePane for MessagePane {
    fn crumb(&self) -> String {
        format!("offset {}", self.offset)
    }
    fn title(&self, _ctx: &Ctx) -> String {
        let at = format!("{}/{} offset {}", self.topic, self.partition, self.offset);
        match &self.detail {
            None => format!("{at} — reading…"),
            Some(None) => format!("{at} — no message there"),
            Some(Some(_)) => format!("{at} — the whole message"),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.lines.len()
    }
    fn filter_text(&self, _ctx: &Ctx, i: usize) -> String {
        self.lines.get(i).map(|(f, v)| format!("{f} {v}")).unwrap_or_default()
    }
    fn sort_key(&self, _ctx: &Ctx, i: usize, _column: usize) -> SortKey {
        SortKey::Num(i as i64) // the message reads top to bottom
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let Some((f, v)) = self.lines.get(i) else { return Vec::new() };
        vec![cell(f.clone(), ctx.theme.dim), cell(v.clone(), ctx.theme.text)]
    }
    fn topic_target(&self, _ctx: &Ctx, _i: Option<usize>) -> Option<String> {
        Some(self.topic.clone())
    }
    fn need(&self, when: When) -> Option<Request> {
        matches!(when, When::Shown).then(|| Request::Record {
            topic: self.topic.clone(),
            partition: self.partition,
            offset: self.offset,
        })
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        match result {
            Ok(Loaded::Record(d)) => {
                let d = d.map(|d| *d);
                self.lines = d.as_ref().map(detail_lines).unwrap_or_default();
                self.detail = Some(d);
                Received::default()
            }
            Ok(_) => Received::default(),
            Err(e) => Received {
                flash: Some((
                    format!("reading {}/{} offset {}: {e}", self.topic, self.partition, self.offset),
                    Level::Error,
                )),
                cursor_at_end: false,
            },
        }
    }
}
