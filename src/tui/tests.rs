//! Whole-screen snapshots of every pane at 80×24 and 160×48, fed through the real worker from a
//! fake backend (the only place a fake stands in for the cluster), plus key-handling tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{App, Mode, Settings};
use super::backend::{ClusterBackend, PeekMessage};
use super::keymap::Keymap;
use super::message::{Event, Request};
use super::panes::View;
use super::theme::Theme;
use super::worker::Worker;
use crate::cluster::*;

fn part(p: i32, leader: Option<i32>, replicas: &[i32], isr: &[i32], end: i64) -> Partition {
    Partition {
        partition: p,
        leader,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        offline_replicas: vec![],
        log_start_offset: Some(0),
        log_end_offset: Some(end),
        error: None,
    }
}

fn lag_row(topic: &str, p: i32, committed: i64, end: i64, member: Option<(&str, &str)>) -> PartitionLag {
    PartitionLag {
        topic: topic.into(),
        partition: p,
        committed_offset: Some(committed),
        log_end_offset: Some(end),
        lag: Some(end - committed),
        member_id: member.map(|(c, _)| format!("{c}-0f3a")),
        client_id: member.map(|(c, _)| c.to_string()),
        host: member.map(|(_, h)| h.to_string()),
    }
}

/// Broker 3 is down: it is in replica lists but not in the metadata.
fn fixture(billing_lag_extra: i64) -> Snapshot {
    let broker = |id: i32, rack: &str| Broker { id, host: format!("10.0.1.{id}"), port: 9092, rack: Some(rack.into()), is_controller: id == 1 };
    let b = billing_lag_extra;
    Snapshot {
        cluster_id: Some("MkU3OEVBNTcwNTJENDM2Qk".into()),
        controller_id: Some(1),
        brokers: vec![broker(1, "use1-az1"), broker(2, "use1-az2")],
        topics: vec![
            Topic {
                name: "__consumer_offsets".into(),
                internal: true,
                partitions: (0..3).map(|p| part(p, Some(p % 2 + 1), &[p % 2 + 1, 2 - p % 2], &[p % 2 + 1, 2 - p % 2], 10)).collect(),
                min_insync_replicas: Some(1),
            },
            Topic {
                name: "audit.legacy".into(),
                internal: false,
                partitions: vec![Partition { leader: None, log_end_offset: None, log_start_offset: None, offline_replicas: vec![3], ..part(0, None, &[3], &[3], 0) }],
                min_insync_replicas: Some(1),
            },
            Topic {
                name: "orders".into(),
                internal: false,
                partitions: vec![
                    part(0, Some(1), &[1, 2, 3], &[1, 2], 1200 + b),
                    part(1, Some(2), &[2, 3, 1], &[2, 1], 1180 + b),
                    part(2, Some(1), &[3, 1, 2], &[1, 2], 1175 + b),
                ],
                min_insync_replicas: Some(2),
            },
            Topic { name: "payments".into(), internal: false, partitions: vec![part(0, Some(2), &[2, 1], &[2, 1], 640)], min_insync_replicas: Some(1) },
        ],
        groups: vec![
            Group {
                group_id: "billing".into(),
                state: "Stable".into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: vec![
                    Member { member_id: "billing-1-0f3a".into(), client_id: "billing-1".into(), host: "/10.0.7.21".into(), assignment: vec![("orders".into(), vec![0, 1])] },
                    Member { member_id: "billing-2-0f3a".into(), client_id: "billing-2".into(), host: "/10.0.7.22".into(), assignment: vec![("orders".into(), vec![2])] },
                ],
                offsets: vec![
                    lag_row("orders", 0, 1100, 1200 + b, Some(("billing-1", "/10.0.7.21"))),
                    lag_row("orders", 1, 1150, 1180 + b, Some(("billing-1", "/10.0.7.21"))),
                    lag_row("orders", 2, 1175, 1175 + b, Some(("billing-2", "/10.0.7.22"))),
                ],
                total_lag: 100 + 30 + 3 * b,
                error: None,
            },
            Group {
                group_id: "analytics".into(),
                state: "Empty".into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: vec![],
                offsets: vec![lag_row("payments", 0, 640, 640, None)],
                total_lag: 0,
                error: None,
            },
        ],
        reassignments: vec![],
        warnings: vec![],
    }
}

/// Serves successive snapshots (lag growing) and fixed peek results.
struct FakeBackend {
    calls: std::sync::atomic::AtomicI64,
}

impl ClusterBackend for FakeBackend {
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move { Ok(fixture(n * 10)) })
    }
    fn peek(&self, topic: String, partition: i32, count: usize) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>> {
        Box::pin(async move {
            Ok((0..count.min(5) as i64)
                .map(|i| PeekMessage {
                    partition,
                    offset: 1195 + i,
                    timestamp_ms: Some(1_795_321_788_000 + i * 1000),
                    key: (i % 2 == 0).then(|| format!("customer-{i}")),
                    value: Some(format!("{{\"topic\":\"{topic}\",\"seq\":{i}}}")),
                    headers: if i == 0 { vec![("trace".into(), "abc".into())] } else { vec![] },
                })
                .collect())
        })
    }
}

struct Harness {
    app: App,
    worker: Worker,
    t0: Instant,
    elapsed: Duration,
}

impl Harness {
    /// An app with two refreshes 5 s apart already applied (so lag has a trend).
    async fn new(read_only: bool) -> Harness {
        let backend = Arc::new(FakeBackend { calls: Default::default() });
        let worker = Worker::spawn(backend, Duration::from_secs(5));
        let (keymap, _) = Keymap::load(None);
        let t0 = Instant::now();
        let settings = Settings { cluster_name: "prod-msk".into(), bootstrap: "b-1:9096".into(), read_only, refresh_every: Duration::from_secs(5) };
        let app = App::new(settings, keymap, Theme::monochrome(), t0);
        let mut h = Harness { app, worker, t0, elapsed: Duration::ZERO };
        for _ in 0..2 {
            let reqs = h.app.tick(h.t0 + h.elapsed);
            assert_eq!(reqs, vec![Request::Refresh]);
            h.worker.requests.send(Request::Refresh).expect("worker alive");
            h.pump().await;
            h.elapsed += Duration::from_secs(5);
        }
        h.elapsed -= Duration::from_secs(3); // "2s ago" in the header
        h.app.tick(h.t0 + h.elapsed);
        h
    }

    async fn pump(&mut self) {
        let ev = tokio::time::timeout(Duration::from_secs(5), self.worker.events.recv()).await.expect("worker answered").expect("event");
        self.app.on_event(ev, self.t0 + self.elapsed);
    }

    async fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            for r in self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE)) {
                self.worker.requests.send(r).expect("worker alive");
                self.pump().await;
            }
        }
    }

    fn screen(&mut self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| self.app.draw(f)).expect("draw");
        let buf = term.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn both_sizes(name: &str, keys: &str) {
    let mut h = Harness::new(false).await;
    h.keys(keys).await;
    insta::assert_snapshot!(format!("{name}_80x24"), h.screen(80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), h.screen(160, 48));
}

#[tokio::test]
async fn topics_pane() {
    both_sizes("topics", "").await;
}

#[tokio::test]
async fn brokers_pane() {
    both_sizes("brokers", "1").await;
}

#[tokio::test]
async fn partitions_pane() {
    // `/ord` filters to orders, Enter accepts the filter, Enter opens it.
    both_sizes("partitions", "/ord\n\n").await;
}

#[tokio::test]
async fn groups_pane() {
    both_sizes("groups", "3").await;
}

#[tokio::test]
async fn group_detail_pane() {
    both_sizes("group_detail", "3\n").await;
}

#[tokio::test]
async fn peek_pane() {
    both_sizes("peek", ":t orders\njp").await;
}

#[tokio::test]
async fn help_popup() {
    both_sizes("help", "?").await;
}

#[tokio::test]
async fn read_only_badge_and_command_prompt() {
    let mut h = Harness::new(true).await;
    h.keys(":g bil").await;
    insta::assert_snapshot!("read_only_prompt_80x24", h.screen(80, 24));
}

#[tokio::test]
async fn navigation_and_breadcrumbs() {
    let mut h = Harness::new(false).await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics"]);
    h.keys("jj\n").await; // __consumer_offsets, orders, payments (sorted by name: audit.legacy first)
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "orders"]);
    h.keys("\x1b").await;
    assert_eq!(h.app.view(), &View::Topics);
    h.keys(":g billing\n").await;
    assert_eq!(h.app.breadcrumbs(), vec!["groups", "billing"]);
    h.keys(":t nope\n").await;
    assert_eq!(h.app.breadcrumbs(), vec!["groups", "billing"], "unknown topic is refused with a flash");
    assert!(h.screen(80, 24).contains("no topic named \"nope\""));
    h.keys("?").await;
    assert_eq!(h.app.mode, Mode::Help);
    h.keys("x").await;
    assert_eq!(h.app.mode, Mode::Normal);
    h.keys("q").await;
    assert!(h.app.quit);
}

#[tokio::test]
async fn refreshes_are_coalesced() {
    let mut h = Harness::new(false).await;
    h.elapsed += Duration::from_secs(10);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![Request::Refresh]);
    // while that refresh is in flight, neither time nor the key asks for another
    h.elapsed += Duration::from_secs(10);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![]);
    assert_eq!(h.app.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)), vec![]);
    h.worker.requests.send(Request::Refresh).expect("send");
    h.pump().await;
    assert_eq!(h.app.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)), vec![Request::Refresh]);
}

#[tokio::test]
async fn failed_refresh_keeps_data_and_shows_the_error() {
    let mut h = Harness::new(false).await;
    h.app.on_event(Event::Snapshot { result: Err("broker 3 timed out".into()), took: Duration::from_secs(5) }, h.t0 + h.elapsed);
    let screen = h.screen(80, 24);
    assert!(screen.contains("refresh failed: broker 3 timed out"), "{screen}");
    assert!(screen.contains("orders"), "the last good data stays on screen:\n{screen}");
    h.keys("e").await;
    assert!(h.screen(80, 24).contains("last error"));
}
