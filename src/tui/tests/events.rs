//! Time and answers: refreshes coalesced in their job slot, failures, keys typed ahead, and the
//! event loop's frames.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::harness::{key_of, Harness};
use crate::tui::message::{Event, Request};
use crate::tui::mode::Mode;

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

/// The event loop draws once for everything already waiting, and only when something visible
/// changed: a burst of keys is one frame, a tick that changes nothing on screen is none, a tick
/// that moves the header's clock is one, and a worker's answer is one.
#[tokio::test]
async fn the_loop_draws_once_per_burst_and_not_when_nothing_changed() {
    use crate::tui::{Input, Pump};
    let mut h = Harness::new(false).await;
    let now = h.t0 + h.elapsed;
    let mut pump = Pump::new(move || now);
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let (inputs, mut rx) = futures::channel::mpsc::unbounded::<anyhow::Result<Input>>();
    let input = |i: Input| inputs.unbounded_send(Ok(i)).expect("loop listening");
    pump.draw(&mut term, &mut h.app).expect("draw");
    assert_eq!(pump.frames, 1);

    // keys typed ahead: handled together, drawn once, and the frame shows all of them
    for c in "/pay\n".chars() {
        input(Input::Key(key_of(c)));
    }
    assert!(pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 2, "one frame for the burst");
    let shown = |term: &Terminal<TestBackend>| {
        let buf = term.backend().buffer();
        (0..24).map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(shown(&term), h.screen(80, 24).lines().map(|l| format!("{l:80}")).collect::<Vec<_>>().join("\n"));
    assert!(shown(&term).contains("/pay"), "{}", shown(&term));

    // a tick in the same second, no flash up, no refresh due: nothing to draw
    input(Input::Tick(now + Duration::from_millis(250)));
    assert!(pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 2, "an idle tick draws nothing");

    // a tick a second later moves the header's age: one frame
    input(Input::Tick(now + Duration::from_secs(1)));
    assert!(pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 3);
    assert!(shown(&term).contains("3s ago"), "{}", shown(&term));

    // the refresh key is a frame (the header shows the refresh running), the worker's answer another
    input(Input::Key(key_of('r')));
    assert!(pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 4);
    assert!(shown(&term).contains("3s ago ⟳"), "{}", shown(&term));
    assert!(pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 5, "the answer is drawn");
    assert!(shown(&term).contains("0s ago") && !shown(&term).contains('⟳'), "{}", shown(&term));

    // quitting ends the loop without another frame
    input(Input::Key(key_of('q')));
    assert!(!pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"));
    assert_eq!(pump.frames, 5);
    input(Input::Stop);
    assert!(!pump.turn(&mut term, &mut h.app, &mut h.worker, &mut rx).await.expect("turn"), "SIGTERM stops");
}

/// Panes declare the data they need; the app sends it through the job slots and hands the answer
/// only to a pane on top that still needs exactly that request.
#[tokio::test]
async fn a_pane_gets_only_the_data_it_still_needs_and_a_need_that_waited_goes_out_next() {
    let mut h = Harness::new(false).await;
    let configs = |topic: &str| Request::Configs { topic: topic.into() };
    h.keys("/orders\n").await;
    assert_eq!(h.press('C'), vec![configs("orders")]);
    // back, and to another topic's configs while the first read is still in flight: it waits
    h.keys("\x1b\x1b/payments\n").await;
    assert_eq!(h.press('C'), vec![], "one configs read in flight at a time");
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "configs"]);
    let title = |h: &mut Harness| h.screen(80, 24).lines().nth(2).unwrap_or_default().to_string();
    h.worker.requests.send(configs("orders")).expect("send");
    let ev =
        tokio::time::timeout(Duration::from_secs(5), h.worker.events.recv()).await.expect("answer").expect("event");
    assert_eq!(h.app.on_event(ev, h.t0 + h.elapsed), vec![configs("payments")], "the waiting read goes out");
    assert!(title(&mut h).contains("Configs of payments — reading…"), "orders' configs are not payments'");
    h.run(vec![configs("payments")]).await;
    assert!(title(&mut h).contains("Configs of payments (6, 3 set on the topic)"), "{}", title(&mut h));

    // the refresh key re-reads the configs (their pane needs them on refresh), a peek's messages stay
    assert_eq!(h.press('r'), vec![Request::Refresh, configs("payments")]);
    h.run(vec![Request::Refresh, configs("payments")]).await;
    h.keys(":t orders\n").await;
    let reqs = h.press('p');
    assert!(matches!(&reqs[..], [Request::Peek { partition: 0, .. }]), "{reqs:?}");
    h.run(reqs).await;
    assert_eq!(h.press('r'), vec![Request::Refresh]);
}

#[tokio::test]
async fn a_refresh_that_cannot_connect_runs_the_doctor_and_retries_with_backoff() {
    use crate::kafka::doctor::{Check, Report, Status, Step, StepDone, StepName};
    let mut h = Harness::new(false).await;
    let failed = || Event::Snapshot { result: Err("all brokers down".into()), took: Duration::from_secs(1) };
    h.elapsed += Duration::from_secs(10);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![Request::Refresh]);
    assert_eq!(h.app.on_event(failed(), h.t0 + h.elapsed), vec![Request::Diagnose], "the doctor runs");
    let dns = StepDone {
        broker: None,
        address: "10.0.0.1:9092".into(),
        step: StepName::Dns,
        status: Status::Pass,
        millis: 0,
        detail: "10.0.0.1:9092 → 10.0.0.1".into(),
    };
    h.app.on_event(Event::DoctorStep(Box::new(dns.clone())), h.t0 + h.elapsed);
    let screen = h.screen(100, 30);
    assert!(screen.contains("connection: retry in 2 s (r retries now)"), "{screen}");
    assert!(screen.contains("│refresh failed: all brokers down"), "{screen}");
    assert!(screen.contains("│bootstrap 10.0.0.1:9092"), "{screen}");
    assert!(screen.contains("│  DNS         ok           0 ms  10.0.0.1:9092 → 10.0.0.1"), "{screen}");
    assert!(screen.contains("│checking…"), "{screen}");

    // the retry waits for the backoff, not the refresh interval
    h.elapsed += Duration::from_millis(1900);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![]);
    h.elapsed += Duration::from_millis(100);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![Request::Refresh]);
    assert_eq!(h.app.on_event(failed(), h.t0 + h.elapsed), vec![], "the doctor still runs: not twice");
    assert!(h.screen(100, 30).contains("connection: retry in 4 s"));

    // the doctor's report replaces the live steps; its verdict is shown
    let tcp = Step {
        step: StepName::Tcp,
        status: Status::Fail,
        millis: 1,
        detail: "connecting to 10.0.0.1:9092: Connection refused".into(),
        certificate: None,
    };
    let dns_step =
        Step { step: dns.step, status: dns.status, millis: dns.millis, detail: dns.detail.clone(), certificate: None };
    let report = Report {
        route: None,
        checks: vec![Check { broker: None, address: "10.0.0.1:9092".into(), via: None, steps: vec![dns_step, tcp] }],
        verdicts: vec!["bootstrap 10.0.0.1:9092 refuses connections".into()],
        ok: false,
    };
    h.app.on_event(Event::Diagnosed(Ok(Box::new(report))), h.t0 + h.elapsed);
    let screen = h.screen(100, 30);
    assert!(
        screen.contains("│  TCP         FAIL         1 ms  connecting to 10.0.0.1:9092: Connection refused"),
        "{screen}"
    );
    assert!(screen.contains("│verdict: bootstrap 10.0.0.1:9092 refuses connections"), "{screen}");
    assert!(!screen.contains("checking…"), "{screen}");

    // the key retries at once; a refresh that gets through ends it
    assert_eq!(h.app.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)), vec![Request::Refresh]);
    let snap = crate::tui::backend::ClusterBackend::snapshot(h.backend.as_ref()).await.expect("fake snapshot");
    h.app.on_event(Event::Snapshot { result: Ok(Box::new(snap)), took: Duration::from_secs(1) }, h.t0 + h.elapsed);
    let screen = h.screen(100, 30);
    assert!(!screen.contains("connection:"), "{screen}");
    h.elapsed += Duration::from_secs(4);
    assert_eq!(h.app.tick(h.t0 + h.elapsed), vec![], "back to the refresh interval");
}
