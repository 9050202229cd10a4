//! The connection pane: when a refresh fails, or reaches no broker the metadata advertises,
//! the doctor's steps as they end (address, step, result, timing) instead of a bare timeout, its
//! verdict, and the retry: refreshes back off (2 s, 4 s, 8 s … 60 s) until one gets through, and
//! the refresh key retries at once. The worker runs the doctor, so keys keep working meanwhile.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::theme::Theme;
use crate::kafka::doctor::{Report, StepDone};

const FIRST_RETRY: Duration = Duration::from_secs(2);
const LONGEST_RETRY: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct Connection {
    /// Refreshes in a row that could not connect.
    failures: u32,
    /// When the next refresh goes out (None: at the usual interval).
    pub retry_at: Option<Instant>,
    /// What the last failed refresh said.
    problem: Option<String>,
    /// The doctor's steps so far, grouped by address in the order they first came; once it is
    /// over, its report's order (bootstrap servers, then brokers).
    checks: Vec<(String, Vec<String>)>,
    verdicts: Vec<String>,
    diagnosing: bool,
}

impl Connection {
    /// What a refresh that got an answer says when no broker it names can be reached (a
    /// `.invalid` or VPC-internal advertised address): the first one's error. One broker of
    /// several down is the cluster's problem, not the connection's: the header counts it.
    pub fn out_of_reach(brokers: &[i32], unreachable: &BTreeMap<i32, String>) -> Option<String> {
        if brokers.is_empty() || brokers.iter().any(|id| !unreachable.contains_key(id)) {
            return None;
        }
        brokers.iter().find_map(|id| unreachable.get(id)).cloned()
    }

    pub fn in_trouble(&self) -> bool {
        self.failures > 0
    }

    /// A refresh could not connect: back off, and whether to run the doctor (not while one runs).
    pub fn failed(&mut self, problem: String, now: Instant) -> bool {
        self.failures += 1;
        let backoff = FIRST_RETRY.saturating_mul(1 << (self.failures - 1).min(8)).min(LONGEST_RETRY);
        self.retry_at = Some(now + backoff);
        // the hint that follows says what the doctor's verdict says better
        self.problem = Some(problem.split("  hint:").next().unwrap_or_default().trim_end().to_string());
        if self.diagnosing {
            return false;
        }
        self.diagnosing = true;
        self.checks.clear();
        self.verdicts.clear();
        true
    }

    /// A refresh got through: back to the usual interval, the pane goes.
    pub fn recovered(&mut self) {
        let diagnosing = self.diagnosing;
        *self = Connection { diagnosing, ..Connection::default() };
    }

    pub fn step(&mut self, done: StepDone) {
        let who = done.who();
        match self.checks.iter_mut().find(|(w, _)| *w == who) {
            Some((_, lines)) => lines.push(done.line()),
            None => self.checks.push((who, vec![done.line()])),
        }
    }

    pub fn diagnosed(&mut self, result: Result<Report, String>) {
        self.diagnosing = false;
        match result {
            Ok(report) => {
                self.checks = report
                    .checks
                    .iter()
                    .map(|c| {
                        let via = c.via.as_ref().map(|v| format!(" via {v}")).unwrap_or_default();
                        (format!("{}{via}", c.heading()), c.steps.iter().map(|s| s.line()).collect())
                    })
                    .collect();
                self.verdicts = report.verdicts;
            }
            Err(e) => self.verdicts = vec![format!("the doctor could not run: {e}")],
        }
    }

    /// "retry in 8 s" (whole seconds, rounded up), "retrying…" once due.
    pub fn retry_text(&self, now: Instant, refreshing: bool) -> String {
        match self.retry_at {
            _ if refreshing => "retrying…".to_string(),
            Some(at) if at > now => format!("retry in {} s", (at - now).as_millis().div_ceil(1000)),
            _ => "retrying…".to_string(),
        }
    }

    /// The pane over the lower part of `area`, as tall as its lines (at most the area less 3).
    pub fn draw(&self, f: &mut Frame, area: Rect, theme: &Theme, title: String) {
        let mut lines: Vec<Line> = Vec::new();
        if let Some(p) = &self.problem {
            lines.push(Line::from(Span::styled(p.clone(), theme.error)));
        }
        for (who, steps) in &self.checks {
            lines.push(Line::from(Span::styled(who.clone(), theme.accent)));
            for s in steps {
                let style = if s.contains(" FAIL ") || s.contains(" TIMEOUT ") { theme.error } else { theme.text };
                lines.push(Line::from(Span::styled(s.clone(), style)));
            }
        }
        if self.diagnosing {
            lines.push(Line::from(Span::styled("checking…", theme.dim)));
        }
        for v in &self.verdicts {
            lines.push(Line::from(Span::styled(format!("verdict: {v}"), theme.warn)));
        }
        let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner_width).max(1)).sum();
        let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).min(area.height.saturating_sub(3)).max(3);
        let pane = Rect { y: area.y + area.height - height, height, ..area };
        let block =
            Block::default().borders(Borders::ALL).border_style(theme.error).title(Span::styled(title, theme.error));
        f.render_widget(Clear, pane);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), pane);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::doctor::{Status, StepName};

    fn done(broker: Option<i32>, address: &str, step: StepName, status: Status, detail: &str) -> StepDone {
        StepDone { broker, address: address.into(), step, status, millis: 3, detail: detail.into() }
    }

    #[test]
    fn retries_back_off_and_a_good_refresh_ends_it() {
        let t0 = Instant::now();
        let mut c = Connection::default();
        assert!(c.failed("refresh failed".into(), t0), "the first failure runs the doctor");
        assert_eq!(c.retry_text(t0, false), "retry in 2 s");
        assert!(!c.failed("again".into(), t0), "not while the doctor runs");
        assert_eq!(c.retry_text(t0, false), "retry in 4 s");
        c.diagnosed(Err("x".into()));
        assert!(c.failed("again".into(), t0), "the doctor runs again on the next failure");
        assert_eq!(c.retry_text(t0 + Duration::from_millis(100), false), "retry in 8 s");
        for _ in 0..10 {
            c.failed("again".into(), t0);
        }
        assert_eq!(c.retry_text(t0, false), "retry in 60 s");
        assert_eq!(c.retry_text(t0 + Duration::from_secs(61), false), "retrying…");
        c.recovered();
        assert!(!c.in_trouble());
        assert_eq!(c.retry_at, None);
    }

    #[test]
    fn steps_are_grouped_by_address_as_they_come() {
        let mut c = Connection::default();
        c.failed("x".into(), Instant::now());
        c.step(done(None, "h:1", StepName::Dns, Status::Pass, "h:1 → 127.0.0.1"));
        c.step(done(Some(1), "b:2", StepName::Dns, Status::Fail, "b:2 does not resolve from here"));
        c.step(done(None, "h:1", StepName::Tcp, Status::Pass, "connected to 127.0.0.1:1"));
        assert_eq!(
            c.checks,
            vec![
                (
                    "bootstrap h:1".to_string(),
                    vec![
                        "  DNS         ok           3 ms  h:1 → 127.0.0.1".to_string(),
                        "  TCP         ok           3 ms  connected to 127.0.0.1:1".to_string()
                    ]
                ),
                (
                    "broker 1 b:2".to_string(),
                    vec!["  DNS         FAIL         3 ms  b:2 does not resolve from here".to_string()]
                ),
            ]
        );
        let one_out = BTreeMap::from([(1, "broker 1 advertises b:2, which kdeck cannot reach: …".to_string())]);
        assert_eq!(Connection::out_of_reach(&[1], &one_out), Some(one_out[&1].clone()));
        assert_eq!(Connection::out_of_reach(&[1, 2], &one_out), None, "broker 2 answered");
        assert_eq!(Connection::out_of_reach(&[1], &BTreeMap::new()), None);
        assert_eq!(Connection::out_of_reach(&[], &one_out), None);
    }
}
