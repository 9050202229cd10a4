//! `:msk`: the AWS MSK clusters of the region (ListClustersV2 through the worker), with state,
//! type, Kafka version and client authentication. Enter connects the console to the chosen one.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, Column, Ctx, Hints, Received, SortKey, TablePane, When};
use crate::config::msk::MskCluster;
use crate::tui::action::Action;
use crate::tui::chrome::Level;
use crate::tui::message::{Loaded, Request};

#[derive(Default)]
pub struct MskPane {
    clusters: Option<Vec<MskCluster>>,
}

const COLUMNS: &[Column] = &[
    col("NAME", Min(18)),
    col("STATE", Length(9)),
    col("TYPE", Length(11)),
    col("VERSION", Length(8)),
    col("BROKERS", Length(7)),
    col("AUTH", Min(10)),
];

impl MskPane {
    fn at(&self, i: usize) -> Option<&MskCluster> {
        self.clusters.as_ref().and_then(|c| c.get(i))
    }
}

impl TablePane for MskPane {
    fn crumb(&self) -> String {
        "msk".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::Enter, "connect"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::Refresh, "reload"),
            (Action::Quit, "quit"),
        ]
    }
    fn title(&self, _ctx: &Ctx) -> String {
        match &self.clusters {
            None => "MSK clusters — asking AWS…".into(),
            Some(c) => format!("MSK clusters ({}) — Enter connects", c.len()),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.clusters.as_ref().map(Vec::len).unwrap_or(0)
    }
    fn filter_text(&self, _ctx: &Ctx, i: usize) -> String {
        self.at(i).map(|c| format!("{} {} {}", c.name, c.state, c.auth.join(" "))).unwrap_or_default()
    }
    fn sort_key(&self, _ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(c) = self.at(i) else { return SortKey::Num(0) };
        match column {
            4 => SortKey::Num(c.brokers.map(i64::from).unwrap_or(-1)),
            1 => SortKey::Text(c.state.clone()),
            2 => SortKey::Text(c.kind.clone()),
            3 => SortKey::Text(c.kafka_version.clone().unwrap_or_default()),
            5 => SortKey::Text(c.auth.join(",")),
            _ => SortKey::Text(c.name.clone()),
        }
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(c) = self.at(i) else { return Vec::new() };
        let state = if c.state == "ACTIVE" { th.text } else { th.warn };
        vec![
            cell(c.name.clone(), th.text),
            cell(c.state.clone(), state),
            cell(c.kind.clone(), th.text),
            cell(c.kafka_version.clone().unwrap_or_else(|| "-".into()), th.text),
            cell(c.brokers.map(|b| b.to_string()).unwrap_or_else(|| "-".into()), th.text),
            cell(c.auth.join(","), th.text),
        ]
    }
    fn connect_to(&self, i: usize) -> Option<String> {
        self.at(i).map(|c| c.arn.clone())
    }
    fn need(&self, when: When) -> Option<Request> {
        match when {
            When::Shown | When::Refresh => Some(Request::MskClusters),
            When::Changed(_) | When::Refreshed => None,
        }
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        match result {
            Ok(Loaded::MskClusters(clusters)) => {
                self.clusters = Some(clusters);
                Received::default()
            }
            Ok(_) => Received::default(),
            Err(e) => {
                self.clusters = Some(Vec::new());
                Received { flash: Some((e, Level::Error)), ..Default::default() }
            }
        }
    }
}
