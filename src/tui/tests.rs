//! Whole-screen snapshots of every pane at 80×24 and 160×48, fed through the real worker from a
//! fake backend (the only place a fake stands in for the cluster), plus key-handling tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::app::{App, Mode, Op, Settings, PEEK_COUNT};
use super::backend::{ClusterBackend, PeekMessage};
use super::keymap::Keymap;
use super::message::{Event, Request};
use super::panes::View;
use super::theme::Theme;
use super::worker::Worker;
use crate::cluster::*;
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigEntry, ConfigResource, ConfigSource, NewTopic};
use crate::ops::{self, AuditLog, AuditResult, ConfigDiff, ConfigView, Mutation, Outcome, Preview};

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

fn reassigning(topic: &str, partition: i32, replicas: &[i32], adding: &[i32], removing: &[i32]) -> OngoingReassignment {
    OngoingReassignment {
        topic: topic.into(),
        partition,
        replicas: replicas.to_vec(),
        adding: adding.to_vec(),
        removing: removing.to_vec(),
    }
}

/// Broker 3 is down: it is in replica lists but not in the metadata.
fn fixture(billing_lag_extra: i64) -> Snapshot {
    let broker = |id: i32, rack: &str| Broker {
        id,
        host: format!("10.0.1.{id}"),
        port: 9092,
        rack: Some(rack.into()),
        is_controller: id == 1,
    };
    let b = billing_lag_extra;
    Snapshot {
        cluster_id: Some("MkU3OEVBNTcwNTJENDM2Qk".into()),
        controller: Controller::Kraft { id: 1, broker: true },
        brokers: vec![broker(1, "use1-az1"), broker(2, "use1-az2")],
        topics: vec![
            Topic {
                name: "__consumer_offsets".into(),
                internal: true,
                partitions: (0..3)
                    .map(|p| part(p, Some(p % 2 + 1), &[p % 2 + 1, 2 - p % 2], &[p % 2 + 1, 2 - p % 2], 10))
                    .collect(),
                min_insync_replicas: Some(1),
            },
            Topic {
                name: "audit.legacy".into(),
                internal: false,
                partitions: vec![Partition {
                    leader: None,
                    log_end_offset: None,
                    log_start_offset: None,
                    offline_replicas: vec![3],
                    ..part(0, None, &[3], &[3], 0)
                }],
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
            Topic {
                name: "payments".into(),
                internal: false,
                partitions: vec![part(0, Some(2), &[2, 1], &[2, 1], 640)],
                min_insync_replicas: Some(1),
            },
        ],
        groups: vec![
            Group {
                group_id: "billing".into(),
                state: "Stable".into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: vec![
                    Member {
                        member_id: "billing-1-0f3a".into(),
                        client_id: "billing-1".into(),
                        host: "/10.0.7.21".into(),
                        assignment: vec![("orders".into(), vec![0, 1])],
                    },
                    Member {
                        member_id: "billing-2-0f3a".into(),
                        client_id: "billing-2".into(),
                        host: "/10.0.7.22".into(),
                        assignment: vec![("orders".into(), vec![2])],
                    },
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
        // as ListPartitionReassignments reports them: `replicas` is the set during the move
        reassignments: vec![
            // stuck: the replica it adds is on broker 3, which is down
            reassigning("orders", 0, &[1, 2, 3], &[3], &[]),
            // moving off broker 3
            reassigning("orders", 2, &[3, 1, 2], &[], &[3]),
            // done copying: broker 1 is in the ISR
            reassigning("payments", 0, &[2, 1], &[1], &[]),
        ],
        warnings: vec![],
    }
}

/// Serves successive snapshots (lag growing), fixed peek results, and canned previews and
/// outcomes for changes. Changes pass the real ops read-only guard (auditing to a temp file).
struct FakeBackend {
    calls: std::sync::atomic::AtomicI64,
    ops: ops::Context,
    /// Every preview that reached apply.
    applied: std::sync::Mutex<Vec<Preview>>,
    /// The controller the next snapshots report instead of the fixture's (broker 1).
    controller: std::sync::Mutex<Option<Controller>>,
}

/// The configs of every fixture topic. The secret is a plugin's; it must never reach the screen.
fn config_entries() -> Vec<ConfigEntry> {
    let e = |name: &str, value: &str, source: ConfigSource, sensitive: bool| ConfigEntry {
        name: name.into(),
        value: Some(value.into()),
        source,
        sensitive,
        read_only: false,
        synonyms: vec![],
    };
    vec![
        e("cleanup.policy", "delete", ConfigSource::DefaultConfig, false),
        e("max.message.bytes", "1048588", ConfigSource::DefaultConfig, false),
        e("min.insync.replicas", "2", ConfigSource::DynamicTopicConfig, false),
        e("remote.storage.credentials", "s3cr3t", ConfigSource::DynamicTopicConfig, true),
        e("retention.ms", "86400000", ConfigSource::DynamicTopicConfig, false),
        e("segment.bytes", "536870912", ConfigSource::StaticBrokerConfig, false),
    ]
}

impl FakeBackend {
    /// What ops would answer on the fixture, built with ops' own pure preview functions so the
    /// wording and the checks cannot drift (what stands in for the cluster: the fixture is the
    /// snapshot, the broker's validate-only passes, sampling finds every message keyed).
    fn canned(&self, m: Mutation) -> Result<Preview, String> {
        let snap = fixture(0);
        let err = |e: ops::OpsError| e.to_string();
        match m {
            Mutation::CreateTopic(t) => {
                if snap.topic(&t.name).is_some() {
                    return Err(err(ops::topics::already_exists(&t.name)));
                }
                Ok(ops::topics::create_preview(&self.ops, &t))
            }
            Mutation::DeleteTopic { topic } => ops::topics::delete_preview(&self.ops, &snap, &topic).map_err(err),
            Mutation::AddPartitions { topic, to, assignment } => {
                let growth = ops::partitions::plan_growth(&snap, &topic, to, &assignment).map_err(err)?;
                let keyed = crate::data::sample::KeySample { sampled: 15, keyed: 15 };
                Ok(ops::partitions::growth_preview(&self.ops, growth, Ok(keyed)))
            }
            Mutation::AlterConfigs { resource, changes } => {
                let entries = config_entries();
                let validation =
                    format!("validated by the broker (IncrementalAlterConfigs on {resource}, validate-only)");
                let mut p = Preview::of(
                    &self.ops,
                    Mutation::AlterConfigs { resource: resource.clone(), changes: changes.clone() },
                    &validation,
                    Vec::new(),
                );
                p.configs = changes
                    .iter()
                    .map(|c| {
                        let cur = entries.iter().find(|e| e.name == c.key);
                        let (new, new_source) = match c.op {
                            AlterOp::Delete => (Some("604800000".to_string()), Some("default")),
                            _ => (c.value.clone(), Some("dynamic")),
                        };
                        ConfigDiff {
                            key: c.key.clone(),
                            op: c.op,
                            current: cur.and_then(|e| e.value.clone()),
                            current_source: cur.map(|e| e.source.kind()),
                            new,
                            new_source,
                        }
                    })
                    .collect();
                Ok(p)
            }
            Mutation::Reassignment(_) => Err("the fake backend does not execute reassignments".into()),
        }
    }
}

impl ClusterBackend for FakeBackend {
    fn decline(&self, preview: Preview) {
        let _ = ops::decline(&self.ops, &preview, None);
    }

    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let controller = self.controller.lock().expect("lock").clone();
        Box::pin(async move {
            let mut snap = fixture(n * 10);
            if let Some(c) = controller {
                for b in &mut snap.brokers {
                    b.is_controller = Some(b.id) == c.broker_id();
                }
                snap.controller = c;
            }
            Ok(snap)
        })
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
    fn prepare(&self, mutation: Mutation) -> BoxFuture<'_, Result<Preview, String>> {
        Box::pin(async move {
            ops::guard(&self.ops, &mutation).map_err(|e| e.to_string())?;
            self.canned(mutation)
        })
    }
    fn apply(&self, preview: Preview) -> BoxFuture<'_, Result<Outcome, String>> {
        Box::pin(async move {
            ops::guard(&self.ops, &preview.mutation).map_err(|e| e.to_string())?;
            self.applied.lock().expect("lock").push(preview.clone());
            let (result, message) = if self.ops.dry_run {
                (AuditResult::DryRun, format!("dry run: nothing was changed ({})", preview.validation))
            } else {
                let m = match &preview.mutation {
                    Mutation::CreateTopic(t) => format!(
                        "created topic {} ({} partitions, replication factor {})",
                        t.name, t.partitions, t.replication_factor
                    ),
                    Mutation::DeleteTopic { topic } => format!("deleted topic {topic}"),
                    Mutation::AddPartitions { topic, to, assignment } => {
                        format!(
                            "topic {topic} now has {to} partitions (new: {})",
                            ops::assignment_text(to - assignment.len() as i32, assignment)
                        )
                    }
                    Mutation::AlterConfigs { resource, .. } => format!("updated {resource}"),
                    Mutation::Reassignment(step) => step.summary(),
                };
                (AuditResult::Ok, m)
            };
            Ok(Outcome { preview, result, message, details: None })
        })
    }
    fn configs(&self, _topic: String) -> BoxFuture<'_, Result<Vec<ConfigView>, String>> {
        Box::pin(async move { Ok(config_entries().iter().map(ops::configs::view).collect()) })
    }
}

struct Harness {
    app: App,
    worker: Worker,
    backend: Arc<FakeBackend>,
    /// Every request the app emitted, in order.
    sent: Vec<Request>,
    state: std::path::PathBuf,
    t0: Instant,
    elapsed: Duration,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

fn key_of(c: char) -> KeyEvent {
    let code = match c {
        '\n' => KeyCode::Enter,
        '\x1b' => KeyCode::Esc,
        '\t' => KeyCode::Tab,
        '\x08' => KeyCode::Backspace,
        c => KeyCode::Char(c),
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

impl Harness {
    /// An app with two refreshes 5 s apart already applied (so lag has a trend).
    async fn new(read_only: bool) -> Harness {
        Harness::with(read_only, false).await
    }

    async fn with(read_only: bool, dry_run: bool) -> Harness {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let state = std::env::temp_dir().join(format!(
            "kdeck-tui-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let ctx = ops::Context {
            cluster: "prod-msk".into(),
            read_only,
            dry_run,
            audit: AuditLog::at(state.join("audit.jsonl")),
            user: "tester".into(),
        };
        let backend = Arc::new(FakeBackend {
            calls: Default::default(),
            ops: ctx,
            applied: Default::default(),
            controller: Default::default(),
        });
        let worker = Worker::spawn(backend.clone(), Duration::from_secs(5));
        let (keymap, _) = Keymap::load(None);
        let t0 = Instant::now();
        let settings =
            Settings { cluster_name: "prod-msk".into(), read_only, dry_run, refresh_every: Duration::from_secs(5) };
        let app = App::new(settings, keymap, Theme::monochrome(), t0);
        let mut h = Harness { app, worker, backend, sent: Vec::new(), state, t0, elapsed: Duration::ZERO };
        for _ in 0..2 {
            let reqs = h.app.tick(h.t0 + h.elapsed);
            assert_eq!(reqs, vec![Request::Refresh]);
            h.run(reqs).await;
            h.elapsed += Duration::from_secs(5);
        }
        h.elapsed -= Duration::from_secs(3); // "2s ago" in the header
        h.app.tick(h.t0 + h.elapsed);
        h.sent.clear();
        h
    }

    /// Sends requests through the worker and feeds every answer back, until nothing is pending.
    async fn run(&mut self, reqs: Vec<Request>) {
        let mut pending = 0;
        let mut queue = reqs;
        loop {
            for r in queue.drain(..) {
                self.sent.push(r.clone());
                self.worker.requests.send(r).expect("worker alive");
                pending += 1;
            }
            if pending == 0 {
                return;
            }
            let ev = tokio::time::timeout(Duration::from_secs(5), self.worker.events.recv())
                .await
                .expect("worker answered")
                .expect("event");
            pending -= 1;
            queue = self.app.on_event(ev, self.t0 + self.elapsed);
        }
    }

    /// One key; returns what the app asked for without sending it.
    fn press(&mut self, c: char) -> Vec<Request> {
        self.app.on_key(key_of(c))
    }

    async fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let reqs = self.press(c);
            self.run(reqs).await;
        }
    }

    /// The lines of the audit log the fake's ops guard wrote.
    fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.state.join("audit.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("audit json")).collect()
    }

    fn confirm(&self) -> &super::dialogs::Confirm {
        match &self.app.mode {
            Mode::Confirm(c) => c,
            other => panic!("no confirm dialog open: {other:?}"),
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

/// A KRaft controller on a node of its own (as on MSK): the header and the brokers pane say that
/// it is not a broker, and no broker row has the CTRL mark; a controller nobody could name is `?`.
#[tokio::test]
async fn a_controller_that_is_not_a_broker_is_named_so() {
    let mut h = Harness::new(false).await;
    *h.backend.controller.lock().expect("lock") = Some(Controller::Kraft { id: 3000, broker: false });
    h.keys("r1").await;
    // at 80 columns the header keeps the data's age and leaves the explanation to the pane title
    insta::assert_snapshot!("separate_controller_80x24", h.screen(80, 24));
    let wide = h.screen(120, 24);
    assert!(wide.starts_with(" kdeck  prod-msk ctrl 3000 (not a broker) brokers 2/3 URP 3 "), "{wide}");

    *h.backend.controller.lock().expect("lock") =
        Some(Controller::Unknown { reason: "no broker named the KRaft quorum leader".into() });
    h.keys("r").await;
    let screen = h.screen(120, 24);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].starts_with(" kdeck  prod-msk ctrl ? brokers 2/3 "), "{screen}");
    assert!(
        lines[2].contains("Brokers (2) · controller unknown (no broker named the KRaft quorum leader)"),
        "{screen}"
    );
    assert!(!lines.iter().any(|l| l.contains('●')), "no broker is marked controller:\n{screen}");
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
async fn reassignments_pane() {
    both_sizes("reassignments", "4").await;
}

#[tokio::test]
async fn reassignments_open_by_key_and_by_command_and_peek_their_partition() {
    let mut h = Harness::new(false).await;
    h.keys("4").await;
    assert_eq!(h.app.breadcrumbs(), vec!["reassignments"]);
    h.keys("2:reassign\n").await;
    assert_eq!(h.app.view(), &View::Named("reassignments"));
    assert_eq!(h.app.breadcrumbs(), vec!["reassignments"], ": replaces the trail");
    h.keys("j").await;
    assert_eq!(h.press('p'), vec![Request::Peek { topic: "orders".into(), partition: 2, count: PEEK_COUNT }]);
    assert_eq!(h.app.breadcrumbs(), vec!["reassignments", "peek p2"]);
    h.keys("\x1b:nope\n").await;
    assert!(
        h.screen(160, 48).contains("unknown command :nope (try :brokers :topics :groups :reassign :t NAME :g NAME :q)"),
        "the : list comes from the registry"
    );
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
    let ev =
        tokio::time::timeout(Duration::from_secs(5), h.worker.events.recv()).await.expect("answer").expect("event");
    assert_eq!(h.app.on_event(ev, h.t0 + h.elapsed), vec![]);
    assert_eq!(h.app.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)), vec![Request::Refresh]);
}

#[tokio::test]
async fn failed_refresh_keeps_data_and_shows_the_error() {
    let mut h = Harness::new(false).await;
    h.app.on_event(
        Event::Snapshot { result: Err("broker 3 timed out".into()), took: Duration::from_secs(5) },
        h.t0 + h.elapsed,
    );
    let screen = h.screen(80, 24);
    assert!(screen.contains("refresh failed: broker 3 timed out"), "{screen}");
    assert!(screen.contains("orders"), "the last good data stays on screen:\n{screen}");
    h.keys("e").await;
    assert!(h.screen(80, 24).contains("last error"));
}

// ---- topic operations: forms, previews and confirms through the worker and the fake's ops guard

#[tokio::test]
async fn create_topic_form_then_confirm_then_refresh() {
    let mut h = Harness::new(false).await;
    h.keys("c").await;
    // partitions is prefilled with 3: replace it with 6; RF defaults to the brokers up (2, max 3)
    h.keys("audit.v2\t\x086").await;
    insta::assert_snapshot!("create_form_80x24", h.screen(80, 24));
    let want = Mutation::CreateTopic(NewTopic {
        name: "audit.v2".into(),
        partitions: 6,
        replication_factor: 2,
        ..Default::default()
    });
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Prepare(want.clone())]);
    assert_eq!(h.app.op, Op::Preparing(want));
    h.run(reqs).await;
    insta::assert_snapshot!("create_confirm_80x24", h.screen(80, 24));
    let previewed = h.confirm().preview.clone();
    assert_eq!(h.press('\n'), vec![Request::Apply(Box::new(previewed.clone()))]);
    h.run(vec![Request::Apply(Box::new(previewed.clone()))]).await;
    assert_eq!(*h.backend.applied.lock().expect("lock"), vec![previewed]);
    assert!(h.sent.contains(&Request::Refresh), "an applied change refreshes: {:?}", h.sent);
    assert!(h.screen(80, 24).contains("created topic audit.v2 (6 partitions, replication factor 2)"));
    assert_eq!(h.app.mode, Mode::Normal);
}

#[tokio::test]
async fn create_form_keeps_what_was_typed_when_the_check_fails() {
    let mut h = Harness::new(false).await;
    h.keys("c\n").await;
    assert!(h.screen(80, 24).contains("type a topic name"), "no request without a name");
    assert!(h.sent.is_empty());
    h.keys("orders\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("the form stays open: {:?}", h.app.mode) };
    assert_eq!(
        (form.fields[0].value.as_str(), form.error.as_deref(), form.checking),
        ("orders", Some("topic orders already exists"), false)
    );
    assert_eq!(h.press('\x1b'), vec![], "esc sends nothing");
    assert_eq!((&h.app.mode, &h.app.op), (&Mode::Normal, &Op::Idle));
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn delete_needs_the_typed_name_and_applies_once() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n").await;
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::DeleteTopic { topic: "orders".into() })]);
    h.run(reqs).await;
    h.keys("order").await;
    assert_eq!(h.press('\n'), vec![], "a wrong name keeps enter disabled");
    assert!(!h.confirm().armed());
    insta::assert_snapshot!("delete_confirm_80x24", h.screen(80, 24));
    h.keys("s").await;
    let previewed = h.confirm().preview.clone();
    assert!(h.screen(80, 24).contains("[ enter: delete topic orders ]"));
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Apply(Box::new(previewed))]);
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(!h.press('\n').iter().any(|r| matches!(r, Request::Apply(_))), "a second enter applies nothing");
    h.run(reqs).await;
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    assert!(h.screen(80, 24).contains("deleted topic orders"));

    // Esc on the dialog: nothing applied; the audit log records the "no"
    h.keys("\x1b\x1b/payments\n").await;
    let reqs = h.press('D');
    h.run(reqs).await;
    h.keys("payments").await;
    let declined = h.confirm().preview.clone();
    let reqs = h.press('\x1b');
    assert_eq!(reqs, vec![Request::Decline(Box::new(declined))]);
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal);
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    assert!(h.screen(80, 24).contains("cancelled: nothing was changed"));
    let last = h.audit().pop().expect("an audit entry");
    assert_eq!((last["action"].as_str(), last["result"].as_str()), (Some("topic delete"), Some("cancelled")));
    assert_eq!(last["request"].as_str(), Some("delete topic payments"));
}

#[tokio::test]
async fn add_partitions_shows_the_assignment_and_the_keyed_warning() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n+").await;
    assert!(h.screen(80, 24).contains("orders has 3 partitions"));
    h.keys("2\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("form stays open on an error") };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("Kafka cannot remove partitions")), "{form:?}");
    h.keys("\x086").await;
    let reqs = h.press('\n');
    assert_eq!(
        reqs,
        vec![Request::Prepare(Mutation::AddPartitions { topic: "orders".into(), to: 6, assignment: vec![] })]
    );
    h.run(reqs).await;
    // broker 3 is down in the fixture: ops cannot place three replicas on two brokers
    let Mode::Form(form) = &h.app.mode else { panic!("ops' refusal keeps the form open") };
    assert_eq!(form.error.as_deref(), Some("replication factor 3 is larger than the 2 available brokers"), "{form:?}");
    h.keys("\x1b\x1b/payments\n+").await;
    assert!(h.screen(80, 24).contains("payments has 1 partition"), "{}", h.screen(80, 24));
    h.keys("\x083").await;
    let reqs = h.press('\n');
    assert_eq!(
        reqs,
        vec![Request::Prepare(Mutation::AddPartitions { topic: "payments".into(), to: 3, assignment: vec![] })]
    );
    h.run(reqs).await;
    insta::assert_snapshot!("add_partitions_preview_80x24", h.screen(80, 24));
    insta::assert_snapshot!("add_partitions_preview_160x48", h.screen(160, 48));
    let previewed = h.confirm().preview.clone();
    let Mutation::AddPartitions { assignment, .. } = &previewed.mutation else { panic!("add partitions") };
    let screen = h.screen(160, 48);
    for (i, r) in assignment.iter().enumerate() {
        let ids: Vec<String> = r.iter().map(i32::to_string).collect();
        assert!(screen.contains(&format!("partition {} → {} (leader {})", 1 + i, ids.join(","), r[0])), "{screen}");
    }
    assert!(screen.contains("⚠ topic payments looks keyed (15 of 15 sampled messages have keys)"));
    assert_eq!(
        h.press('\n'),
        vec![Request::Apply(Box::new(previewed))],
        "enter sends exactly the previewed assignment"
    );
}

#[tokio::test]
async fn configs_view_masks_secrets_and_edits_through_previews() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n").await;
    let reqs = h.press('C');
    assert_eq!(reqs, vec![Request::Configs { topic: "orders".into() }]);
    h.run(reqs).await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "configs"]);
    insta::assert_snapshot!("configs_80x24", h.screen(80, 24));
    insta::assert_snapshot!("configs_160x48", h.screen(160, 48));
    let screen = h.screen(160, 48);
    assert!(screen.contains("[hidden]") && !screen.contains("s3cr3t"), "{screen}");

    // x on retention.ms: delete the override, previewed first; applying reloads the configs
    h.keys("/retention\n").await;
    let delete = Mutation::AlterConfigs {
        resource: ConfigResource::Topic("orders".into()),
        changes: vec![ConfigChange { key: "retention.ms".into(), op: AlterOp::Delete, value: None }],
    };
    let reqs = h.press('x');
    assert_eq!(reqs, vec![Request::Prepare(delete)]);
    h.run(reqs).await;
    assert!(
        h.screen(80, 24).contains("retention.ms: 86400000 (dynamic) → (default) (default)")
            || h.screen(80, 24).contains("retention.ms: 86400000 (dynamic) → 604800000 (default)")
    );
    h.sent.clear();
    h.keys("\n").await;
    assert_eq!(h.sent[0], Request::Apply(Box::new(h.backend.applied.lock().expect("lock")[0].clone())));
    assert!(
        h.sent.contains(&Request::Configs { topic: "orders".into() }) && h.sent.contains(&Request::Refresh),
        "{:?}",
        h.sent
    );

    // enter on a config: set it, prefilled with key=current value
    h.keys("\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("set form: {:?}", h.app.mode) };
    assert_eq!(form.fields[0].value, "retention.ms=86400000");
    h.keys("\x08\x08\x08\x08\x08\x08\x08\x08").await;
    h.keys("3600000").await;
    let set = Mutation::AlterConfigs {
        resource: ConfigResource::Topic("orders".into()),
        changes: vec![ConfigChange { key: "retention.ms".into(), op: AlterOp::Set, value: Some("3600000".into()) }],
    };
    assert_eq!(h.press('\n'), vec![Request::Prepare(set)]);
}

#[tokio::test]
async fn read_only_hides_mutating_keys_and_refuses_them() {
    let mut h = Harness::new(true).await;
    let screen = h.screen(80, 24);
    assert!(screen.contains("READ-ONLY"));
    let status = screen.lines().last().expect("status line").to_string();
    assert_eq!(status, " ? help  enter open  / filter  C configs  q quit");
    h.keys("?").await;
    insta::assert_snapshot!("help_read_only_80x24", h.screen(80, 24));
    let help = h.screen(160, 48);
    assert!(
        help.contains("configs of the selected topic")
            && !help.contains("create a topic")
            && !help.contains("delete the selected"),
        "{help}"
    );
    h.keys("\x1b").await;

    // keys that would open a form do nothing but flash
    for k in ['c', '+'] {
        assert_eq!(h.press(k), vec![], "{k}");
        assert_eq!(h.app.mode, Mode::Normal);
    }
    assert!(h.screen(80, 24).contains("read-only: adding partitions is off on prod-msk"));

    // a delete names a whole change: it goes to ops, whose guard refuses and audits it
    h.keys("/orders\n").await;
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::DeleteTopic { topic: "orders".into() })]);
    assert!(h.screen(80, 24).contains("read-only: deleting topics is off on prod-msk"));
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal, "no confirm dialog in read-only mode");
    assert!(h.screen(160, 48).contains("refusing to delete topic orders: cluster prod-msk is read-only"));

    // configs can be read; set does nothing, delete override is refused by ops
    let reqs = h.press('C');
    h.run(reqs).await;
    assert_eq!(h.press('='), vec![]);
    assert_eq!(h.press('\n'), vec![]);
    let reqs = h.press('x');
    assert!(matches!(&reqs[..], [Request::Prepare(Mutation::AlterConfigs { .. })]), "{reqs:?}");
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(h.backend.applied.lock().expect("lock").is_empty());
    let audit = h.audit();
    let got: Vec<(&str, &str)> =
        audit.iter().map(|e| (e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or(""))).collect();
    assert_eq!(got, vec![("topic delete", "refused"), ("config delete", "refused")]);
}

#[tokio::test]
async fn dry_run_says_so_and_applies_as_validation() {
    let mut h = Harness::with(false, true).await;
    h.keys("/payments\n+2\n").await;
    let screen = h.screen(80, 24);
    assert!(
        screen.contains("DRY-RUN") && screen.contains("[ enter: validate only (dry run: nothing changes) ]"),
        "{screen}"
    );
    h.keys("\n").await;
    assert!(h
        .screen(160, 48)
        .contains("dry run: nothing was changed (validated by the broker (CreatePartitions, validate-only))"));
}

#[tokio::test]
async fn a_preview_that_arrives_after_esc_is_dropped() {
    let mut h = Harness::new(false).await;
    h.keys("c").await;
    h.keys("audit.v3").await;
    let reqs = h.press('\n');
    assert!(matches!(&reqs[..], [Request::Prepare(Mutation::CreateTopic(_))]));
    assert_eq!(h.press('\x1b'), vec![], "esc while checking sends nothing");
    h.run(reqs).await; // the answer lands after the user left
    assert_eq!((&h.app.mode, &h.app.op), (&Mode::Normal, &Op::Idle), "no dialog pops up uninvited");
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}

/// Keys typed ahead reach the console as the terminal parsed them: Esc and the next key in one
/// read come as Alt+key, and Enter typed before raw mode as a line feed (Ctrl-J). The console
/// must act on them as the keys the person typed.
#[tokio::test]
async fn keys_typed_ahead_act_as_typed() {
    let mut typed = Harness::new(false).await;
    typed.keys("?\x1b/ord\n").await;
    let want = typed.screen(80, 24);
    assert!(want.contains("/ord") && want.contains("orders"), "{want}");

    let mut ahead = Harness::new(false).await;
    let mut reqs = ahead.press('?');
    reqs.extend(ahead.app.on_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::ALT)));
    for c in "ord".chars() {
        reqs.extend(ahead.press(c));
    }
    reqs.extend(ahead.app.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL)));
    ahead.run(reqs).await;
    assert_eq!(ahead.screen(80, 24), want);
    assert_eq!(ahead.app.mode, Mode::Normal, "Ctrl-J ended the filter like Enter");

    // a control key inside the filter is not text
    let mut h = Harness::new(false).await;
    h.keys("/or").await;
    h.app.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys("d\n").await;
    assert_eq!(h.screen(80, 24), want);
}
