//! Drives the real app and the real worker over the fake backend: keys in, requests through the
//! worker, answers back, screens out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::fake::FakeBackend;
use crate::ops::{self, AuditLog};
use crate::tui::app::{App, Settings};
use crate::tui::dialogs::Confirm;
use crate::tui::keymap::Keymap;
use crate::tui::message::Request;
use crate::tui::mode::Mode;
use crate::tui::theme::Theme;
use crate::tui::worker::Worker;

pub(super) struct Harness {
    pub(super) app: App,
    pub(super) worker: Worker,
    pub(super) backend: Arc<FakeBackend>,
    /// Every request the app emitted, in order.
    pub(super) sent: Vec<Request>,
    pub(super) state: std::path::PathBuf,
    pub(super) t0: Instant,
    pub(super) elapsed: Duration,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

pub(super) fn key_of(c: char) -> KeyEvent {
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
    pub(super) async fn new(read_only: bool) -> Harness {
        Harness::with(read_only, false).await
    }

    pub(super) async fn with(read_only: bool, dry_run: bool) -> Harness {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let state = std::env::temp_dir().join(format!(
            "kdeck-tui-test-{:07}-{:04}", // fixed length: screens that show a path in it are snapshots
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
            leftover_throttles: Default::default(),
            unfinished: Default::default(),
        });
        let worker = Worker::spawn(backend.clone(), Duration::from_secs(5));
        let (keymap, _) = Keymap::load(None);
        let t0 = Instant::now();
        let settings =
            Settings { cluster_name: "prod-msk".into(), read_only, dry_run, refresh_every: Duration::from_secs(5) };
        let app = App::new(settings, keymap, Theme::monochrome(), t0);
        let mut h = Harness { app, worker, backend, sent: Vec::new(), state, t0, elapsed: Duration::ZERO };
        for i in 0..2 {
            let reqs = h.app.tick(h.t0 + h.elapsed);
            // the reassignments (for the header's throttle warning) are read at start, then every 30 s
            let want = if i == 0 { vec![Request::Refresh, Request::ReassignStatus] } else { vec![Request::Refresh] };
            assert_eq!(reqs, want);
            h.run(reqs).await;
            h.elapsed += Duration::from_secs(5);
        }
        h.elapsed -= Duration::from_secs(3); // "2s ago" in the header
        h.app.tick(h.t0 + h.elapsed);
        h.sent.clear();
        h
    }

    /// Sends requests through the worker and feeds every answer back, until nothing is pending.
    pub(super) async fn run(&mut self, reqs: Vec<Request>) {
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
            // an attached execution reports progress before it answers
            if !matches!(ev, crate::tui::message::Event::Driving(_)) {
                pending -= 1;
            }
            queue = self.app.on_event(ev, self.t0 + self.elapsed);
        }
    }

    /// One key; returns what the app asked for without sending it.
    pub(super) fn press(&mut self, c: char) -> Vec<Request> {
        self.app.on_key(key_of(c))
    }

    pub(super) async fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let reqs = self.press(c);
            self.run(reqs).await;
        }
    }

    /// The lines of the audit log the fake's ops guard wrote.
    pub(super) fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.state.join("audit.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("audit json")).collect()
    }

    pub(super) fn confirm(&self) -> &Confirm {
        match &self.app.mode {
            Mode::Confirm(c) => c,
            other => panic!("no confirm dialog open: {other:?}"),
        }
    }

    pub(super) fn screen(&mut self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| self.app.draw(f)).expect("draw");
        let buf = term.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}
