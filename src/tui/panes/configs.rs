//! A topic's configs, read on demand through ops (DescribeConfigs): key, value with secrets
//! masked, and where the value comes from. Set and delete overrides from here.

use ratatui::layout::Constraint::{Length, Min};
use ratatui::widgets::Cell;

use super::{cell, col, Change, Column, Ctx, Hints, Received, SortKey, TablePane, When};
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource};
use crate::ops::{ConfigView, Mutation};
use crate::tui::action::Action;
use crate::tui::chrome::Level;
use crate::tui::dialogs::Form;
use crate::tui::message::{Loaded, Request};

pub struct ConfigsPane {
    pub topic: String,
    configs: Option<Vec<ConfigView>>,
}

impl ConfigsPane {
    pub fn new(topic: String) -> ConfigsPane {
        ConfigsPane { topic, configs: None }
    }

    /// The config on row `i`.
    fn config_at(&self, i: usize) -> Option<&ConfigView> {
        self.configs.as_ref().and_then(|c| c.get(i))
    }
}

const COLUMNS: &[Column] =
    &[col("KEY", Min(28)), col("VALUE", Min(12)), col("SOURCE", Length(7)), col("FROM", Length(17))];

/// Set on the topic itself: what "delete override" removes.
pub fn is_override(c: &ConfigView) -> bool {
    c.kafka_source == "DYNAMIC_TOPIC_CONFIG"
}

pub fn value_text(c: &ConfigView) -> String {
    match c.value.as_deref() {
        None => "-".into(),
        Some("") => "(empty)".into(),
        Some(v) => v.into(),
    }
}

impl TablePane for ConfigsPane {
    fn crumb(&self) -> String {
        "configs".into()
    }
    fn hints(&self) -> Hints {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::SetConfig, "set"),
            (Action::DeleteConfig, "delete override"),
            (Action::Refresh, "reload"),
            (Action::Quit, "quit"),
        ]
    }
    fn enter_action(&self) -> Option<Action> {
        Some(Action::SetConfig)
    }
    fn title(&self, _ctx: &Ctx) -> String {
        match &self.configs {
            None => format!("Configs of {} — reading…", self.topic),
            Some(c) => format!(
                "Configs of {} ({}, {} set on the topic)",
                self.topic,
                c.len(),
                c.iter().filter(|c| is_override(c)).count()
            ),
        }
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn count(&self, _ctx: &Ctx) -> usize {
        self.configs.as_ref().map(Vec::len).unwrap_or(0)
    }
    fn filter_text(&self, _ctx: &Ctx, i: usize) -> String {
        self.config_at(i).map(|c| format!("{} {} {}", c.name, c.source, c.source_detail)).unwrap_or_default()
    }
    fn sort_key(&self, _ctx: &Ctx, i: usize, column: usize) -> SortKey {
        let Some(c) = self.config_at(i) else { return SortKey::Num(0) };
        SortKey::Text(match column {
            0 => c.name.clone(),
            1 => value_text(c),
            2 => c.source.to_string(),
            _ => c.source_detail.to_string(),
        })
    }
    fn row(&self, ctx: &Ctx, i: usize) -> Vec<Cell<'static>> {
        let th = ctx.theme;
        let Some(c) = self.config_at(i) else { return Vec::new() };
        let style = if is_override(c) { th.accent } else { th.text };
        vec![
            cell(c.name.clone(), style),
            cell(value_text(c), if c.sensitive { th.dim } else { style }),
            cell(c.source, if c.source == "default" { th.dim } else { th.text }),
            cell(c.source_detail, th.dim),
        ]
    }
    fn topic_target(&self, _ctx: &Ctx, _i: Option<usize>) -> Option<String> {
        Some(self.topic.clone())
    }
    fn change(&self, action: Action, i: Option<usize>) -> Option<Change> {
        let c = self.config_at(i?)?;
        match action {
            Action::SetConfig => {
                let value = if c.sensitive { None } else { c.value.as_deref() };
                Some(Change::Form(Form::set_config(self.topic.clone(), &c.name, value)))
            }
            Action::DeleteConfig => Some(Change::Preview(Mutation::AlterConfigs {
                resource: ConfigResource::Topic(self.topic.clone()),
                changes: vec![ConfigChange { key: c.name.clone(), op: AlterOp::Delete, value: None }],
            })),
            _ => None,
        }
    }
    fn need(&self, when: When) -> Option<Request> {
        let read = Request::Configs { topic: self.topic.clone() };
        match when {
            When::Shown | When::Refresh => Some(read),
            When::Changed(Mutation::AlterConfigs { resource: ConfigResource::Topic(t), .. }) if *t == self.topic => {
                Some(read)
            }
            When::Changed(_) | When::Refreshed => None,
        }
    }
    fn load(&mut self, result: Result<Loaded, String>) -> Received {
        match result {
            Ok(Loaded::Configs(configs)) => self.configs = Some(configs),
            Ok(_) => {}
            Err(e) => {
                return Received {
                    flash: Some((format!("configs of {}: {e}", self.topic), Level::Error)),
                    ..Default::default()
                }
            }
        }
        Received::default()
    }
}
