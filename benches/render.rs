//! The console's frames at scale (issue #15 measurement 4): the topics, partitions and groups
//! panes with 20,000 rows each, drawn by the product's own `App` on ratatui's TestBackend at
//! 160×48, and a refresh taken in (the snapshot into the view, the pane's order recomputed, one
//! frame). The snapshot is built with the product's model types; the groups have a full lag
//! history (60 refreshes) so the trend column has its real cost.
//!
//! `cargo bench --bench render`; `scripts/bench/console.sh` reads the medians.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::cluster::{Broker, Controller, Group, Member, Partition, PartitionLag, Snapshot, Topic, TopicNames};
use kdeck::tui::app::{App, Settings};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::message::Event;
use kdeck::tui::panes::View;
use kdeck::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const ROWS: usize = 20_000;
const WIDE: &str = "wide";

fn partition(p: i32, brokers: i32, end: i64) -> Partition {
    let replicas = vec![p % brokers + 1, (p + 1) % brokers + 1];
    // every 50th partition is under-replicated, so the highlighting has its cost too
    let isr = if p % 50 == 0 { vec![replicas[0]] } else { replicas.clone() };
    Partition {
        partition: p,
        leader: Some(replicas[0]),
        replicas,
        isr,
        offline_replicas: vec![],
        log_start_offset: Some(0),
        log_end_offset: Some(end),
        error: None,
    }
}

/// 20,000 one-partition topics, one topic of 20,000 partitions, 20,000 groups with two
/// committed partitions each (every third group lagging), on 3 brokers.
fn snapshot(round: i64) -> Snapshot {
    let brokers = 3;
    let mut topics: Vec<Topic> = (0..ROWS)
        .map(|t| Topic {
            name: format!("topic-{t:05}"),
            internal: false,
            partitions: vec![partition(t as i32, brokers, 1000 + t as i64)],
            min_insync_replicas: Some(1),
        })
        .collect();
    topics.push(Topic {
        name: WIDE.into(),
        internal: false,
        partitions: (0..ROWS as i32).map(|p| partition(p, brokers, 5000 + p as i64)).collect(),
        min_insync_replicas: Some(2),
    });
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    let mut names = TopicNames::default();
    let groups = (0..ROWS)
        .map(|g| {
            let lag = if g % 3 == 0 { (g as i64 % 97) * round } else { 0 };
            let topic = format!("topic-{:05}", g % ROWS);
            let offsets: Vec<PartitionLag> = [0, 1]
                .iter()
                .map(|k| PartitionLag {
                    topic: if *k == 0 { topic.clone() } else { WIDE.to_string() },
                    partition: (g % ROWS) as i32,
                    committed_offset: Some(100),
                    log_end_offset: Some(100 + lag / 2),
                    lag: Some(lag / 2),
                    member_id: (g % 2 == 0).then(|| format!("consumer-{g}")),
                    client_id: (g % 2 == 0).then(|| "app".to_string()),
                    host: (g % 2 == 0).then(|| "/10.0.0.1".to_string()),
                })
                .collect();
            let mut group = Group {
                group_id: format!("group-{g:05}"),
                state: if g % 2 == 0 { "Stable" } else { "Empty" }.into(),
                group_type: "classic".into(),
                protocol_type: "consumer".into(),
                members: if g % 2 == 0 {
                    vec![Member {
                        member_id: format!("consumer-{g}"),
                        client_id: "app".into(),
                        host: "/10.0.0.1".into(),
                        assignment: vec![],
                    }]
                } else {
                    vec![]
                },
                offsets,
                ..Default::default()
            };
            // as the console's refresh has it: totals, no rows
            group.count_rows(&mut names);
            group.drop_rows();
            group
        })
        .collect();
    Snapshot {
        cluster_id: Some("bench".into()),
        controller: Controller::Kraft { id: 1, broker: true },
        brokers: (1..=brokers)
            .map(|id| Broker { id, host: format!("b{id}"), port: 9092, rack: None, is_controller: id == 1 })
            .collect(),
        topics,
        groups,
        reassignments: vec![],
        warnings: vec![],
        unreachable_brokers: Default::default(),
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

/// An app with 60 refreshes taken in (the lag history full), showing `view`.
fn app_on(view: &View, t0: Instant) -> App {
    let settings = Settings {
        cluster_name: "bench".into(),
        read_only: false,
        dry_run: false,
        refresh_every: Duration::from_secs(5),
    };
    let mut app = App::new(settings, Keymap::load(None).0, Theme::load(None, false).0, t0);
    for round in 0..60 {
        let snap = Box::new(snapshot(round));
        let at = t0 + Duration::from_secs(5 * round as u64);
        app.on_event(Event::Snapshot { result: Ok(snap), took: Duration::from_millis(100) }, at);
    }
    match view {
        View::Partitions { topic } => {
            type_keys(&mut app, &format!(":t {topic}"));
            app.on_key(key(KeyCode::Enter));
        }
        v if *v == View::Groups => type_keys(&mut app, "3"),
        _ => type_keys(&mut app, "2"),
    }
    assert_eq!(app.view(), view, "the keys led to the pane");
    app
}

fn panes(c: &mut Criterion) {
    let t0 = Instant::now();
    let views =
        [("topics", View::Topics), ("partitions", View::Partitions { topic: WIDE.into() }), ("groups", View::Groups)];
    let mut group = c.benchmark_group("render");
    group.sample_size(30);
    for (name, view) in &views {
        let mut app = app_on(view, t0);
        let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        // the first frame computes the pane's order; frames after it reuse it
        term.draw(|f| app.draw(f)).expect("draw");
        group.bench_function(format!("frame/{name}/20k rows"), |b| b.iter(|| term.draw(|f| app.draw(f)).map(|_| ())));
        // a refresh: the next snapshot taken in and the frame that shows it (the groups pane
        // sorted by a column, so the new order is a sort over all its rows)
        if *view == View::Groups {
            type_keys(&mut app, "ssss");
        }
        let round = std::cell::Cell::new(60i64);
        group.bench_function(format!("refresh/{name}/20k rows"), |b| {
            b.iter_batched(
                || Box::new(snapshot(round.get())),
                |snap| {
                    round.set(round.get() + 1);
                    let at = t0 + Duration::from_secs(5 * round.get() as u64);
                    app.on_event(Event::Snapshot { result: Ok(snap), took: Duration::from_millis(100) }, at);
                    term.draw(|f| app.draw(f)).map(|_| ())
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, panes);
criterion_main!(benches);
