//! Reassignments from the console through the fake: plan a drain of marked topics, edit a
//! replica, execute (plan file, ops' preview, attach, progress); cancel one partition; leftover
//! throttles in the header and cleared; read-only hides and refuses every key.

use std::time::Duration;

use super::fixture::{fixture_sizes, planning_snapshot};
use super::harness::Harness;
use crate::ops::reassign::state::cluster_state;
use crate::ops::reassign::verify::Cancel;
use crate::ops::reassign::Step;
use crate::ops::Mutation;
use crate::plan::execution::Move;
use crate::tui::message::Request;
use crate::tui::mode::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

// ---- reassignments: plan, edit, execute, cancel, throttles (previews from ops' pure parts)

#[tokio::test]
async fn plan_a_drain_of_marked_topics_edit_a_replica_and_execute_it() {
    let mut h = Harness::new(false).await;
    // mark orders, plan draining broker 3 (the goal the dialog starts on)
    h.keys("/orders\n ").await;
    assert_eq!(h.app.reassign_marked(), vec!["orders".to_string()]);
    h.keys("\x1bP").await;
    insta::assert_snapshot!("plan_form_80x24", h.screen(80, 24));
    h.keys("\t3").await;
    let reqs = h.press('\n');
    let Some(Request::Plan(request)) = reqs.first().cloned() else { panic!("a plan request: {reqs:?}") };
    assert_eq!(request.goal, crate::plan::Goal::Drain { brokers: vec![3] });
    assert_eq!(request.scope, crate::plan::Scope::Topics(vec!["orders".into()]));
    h.run(reqs).await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "plan"]);
    // what the planner itself makes of the same state
    let snap = planning_snapshot();
    let want = crate::plan::plan(&cluster_state(&snap, &fixture_sizes(&snap)), &request).expect("plan");
    assert_eq!(h.app.plan_rows(), want.moves.iter().map(|m| (m.from.clone(), m.to.clone())).collect::<Vec<_>>());
    insta::assert_snapshot!("plan_80x24", h.screen(80, 24));
    insta::assert_snapshot!("plan_160x48", h.screen(160, 48));

    // edit the first partition: its first replica becomes the next free broker
    h.keys("\n").await;
    let before = h.app.plan_rows()[0].1.clone();
    h.keys("j").await;
    let after = h.app.plan_rows()[0].1.clone();
    assert_ne!(before, after);
    assert_eq!(before[1..], after[1..], "only the chosen replica changed");
    insta::assert_snapshot!("plan_edit_80x24", h.screen(80, 24));
    h.keys("\n").await;
    assert_eq!(h.app.mode, Mode::Normal);

    // execute: throttle, one partition per batch, the plan file in the test's state dir
    let file = h.state.join("drain.json");
    std::fs::create_dir_all(&h.state).expect("state dir");
    h.keys("X10MB/s\t1\t").await;
    h.app.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys(&file.display().to_string()).await;
    insta::assert_snapshot!(
        "plan_execute_form_80x24",
        h.screen(80, 24).replace(&h.state.display().to_string(), "STATE")
    );
    let reqs = h.press('\n');
    let edited = h.app.plan_reassignment();
    assert!(
        matches!(&reqs[0], Request::WritePlan { path, plan, rollback: None } if path == &file.display().to_string() && plan == &edited),
        "{reqs:?}"
    );
    let Request::Prepare(Mutation::Reassignment(Step::Execute(e))) = &reqs[1] else { panic!("{reqs:?}") };
    assert_eq!((e.throttle, e.batch_size, &e.plan), (Some(10_000_000), Some(1), &edited));
    h.run(reqs).await;
    let written = crate::plan::parse_reassignment(&std::fs::read_to_string(&file).expect("plan file")).expect("json");
    assert_eq!(written.to_json(), edited.to_json());
    insta::assert_snapshot!(
        "plan_execute_confirm_80x24",
        h.screen(80, 24).replace(&h.state.display().to_string(), "STATE")
    );
    let reqs = h.press('\n');
    h.run(reqs).await;
    let applied = h.backend.applied.lock().expect("lock").clone();
    assert!(
        matches!(&applied[..], [p] if matches!(&p.mutation, Mutation::Reassignment(Step::Execute(x)) if x.plan == edited))
    );
    // the console attaches to the execution and shows the progress view
    assert!(h.sent.contains(&Request::Drive { execution: "fake-exec".into() }), "{:?}", h.sent);
    assert_eq!(h.app.breadcrumbs(), vec!["reassignments"]);
    assert!(h.screen(80, 24).contains("execution fake-exec is over"), "{}", h.screen(80, 24));
}

#[tokio::test]
async fn cancel_one_partition_goes_through_the_preview_then_removes_its_throttles() {
    let mut h = Harness::new(false).await;
    h.keys("4").await;
    let reqs = h.press('K');
    let want = Cancel { topics: vec![], partitions: vec![("orders".into(), 0)], moves: vec![] };
    assert_eq!(reqs, vec![Request::Prepare(Mutation::Reassignment(Step::Cancel(want)))]);
    h.run(reqs).await;
    let preview = h.confirm().preview.clone();
    let Mutation::Reassignment(Step::Cancel(c)) = &preview.mutation else { panic!("{preview:?}") };
    assert_eq!(c.moves.iter().map(Move::key).collect::<Vec<_>>(), vec![("orders".to_string(), 0)]);
    insta::assert_snapshot!("reassign_cancel_confirm_80x24", h.screen(80, 24));
    let reqs = h.press('\n');
    h.run(reqs).await;
    assert!(h.sent.contains(&Request::AfterCancel(c.moves.clone())), "{:?}", h.sent);
}

#[tokio::test]
async fn leftover_throttles_warn_in_the_header_and_clear_through_the_preview() {
    let mut h = Harness::new(false).await;
    h.backend.leftover_throttles.store(true, std::sync::atomic::Ordering::SeqCst);
    h.keys("4").await;
    insta::assert_snapshot!("reassign_leftover_80x24", h.screen(80, 24));
    assert!(h.screen(80, 24).lines().next().is_some_and(|l| l.contains("⚠ thr 1")));
    let reqs = h.press('U');
    h.run(reqs).await;
    let Mutation::Reassignment(Step::ClearThrottles(c)) = &h.confirm().preview.mutation else { panic!("a clear") };
    // exactly what no move needs: orders' entries, not payments' nor the brokers' rates
    assert_eq!(c.changes.words(), vec!["topic orders: delete leader.replication.throttled.replicas"]);
    let reqs = h.press('\n');
    h.run(reqs).await;
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn read_only_hides_and_refuses_every_reassignment_key() {
    let mut h = Harness::new(true).await;
    for key in [' ', '*', 'P', 'X', 'W', 'v', 'U', 'a'] {
        assert_eq!(h.press(key), vec![], "{key}");
    }
    h.keys("4").await;
    assert_eq!(h.press('K'), vec![]);
    assert!(h.screen(80, 24).contains("read-only: reassignments are off on prod-msk"));
    assert!(h.app.reassign_marked().is_empty());
    h.elapsed += Duration::from_secs(6); // the flash goes
    h.app.tick(h.t0 + h.elapsed);
    let status = h.screen(80, 24).lines().last().unwrap_or_default().to_string();
    assert_eq!(status, " ? help  q quit", "the progress view stays, its keys go");
}

/// Plans the drain of broker 3 for orders (marked), as the tests above do; the plan view is on top.
async fn planned_drain(h: &mut Harness) {
    h.keys("/orders\n \x1bP\t3\n").await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "plan"]);
    assert_eq!(h.app.plan_rows().len(), 3);
}

#[tokio::test]
async fn export_writes_the_plan_and_its_rollback() {
    let mut h = Harness::new(false).await;
    planned_drain(&mut h).await;
    let file = h.state.join("export.json");
    std::fs::create_dir_all(&h.state).expect("state dir");
    h.keys("W").await;
    h.app.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys(&format!("{}\n", file.display())).await;
    let read = |p: &std::path::Path| {
        crate::plan::parse_reassignment(&std::fs::read_to_string(p).expect("written")).expect("Kafka's JSON")
    };
    assert_eq!(read(&file).to_json(), h.app.plan_reassignment().to_json());
    let back = read(&h.state.join("export.rollback.json"));
    let from: Vec<Vec<i32>> = h.app.plan_rows().into_iter().map(|(from, _)| from).collect();
    assert_eq!(back.partitions.iter().map(|p| p.replicas.clone()).collect::<Vec<_>>(), from);
    assert!(h.screen(300, 24).contains("export.rollback.json"), "{}", h.screen(300, 24));
    assert!(h.backend.applied.lock().expect("lock").is_empty(), "exporting sends nothing");
}

#[tokio::test]
async fn dry_run_executes_nothing_and_attaches_to_nothing() {
    let mut h = Harness::with(false, true).await;
    planned_drain(&mut h).await;
    let file = h.state.join("dry.json");
    std::fs::create_dir_all(&h.state).expect("state dir");
    h.keys("X\t\t").await;
    h.app.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    h.keys(&format!("{}\n", file.display())).await;
    assert!(h.screen(80, 24).contains("validate only (dry run: nothing changes)"), "{}", h.screen(80, 24));
    let reqs = h.press('\n');
    h.run(reqs).await;
    assert!(h.screen(80, 24).contains("dry run: nothing was changed"), "{}", h.screen(80, 24));
    assert!(!h.sent.iter().any(|r| matches!(r, Request::Drive { .. })), "{:?}", h.sent);
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "plan"], "no execution to watch");
    // the fake's apply answers a dry run as ops does: the preview reached it, nothing was sent
    let applied = h.backend.applied.lock().expect("lock").clone();
    assert!(matches!(&applied[..], [p] if matches!(p.mutation, Mutation::Reassignment(Step::Execute(_)))));
}

#[tokio::test]
async fn verify_goes_to_ops_and_says_what_it_found() {
    let mut h = Harness::new(false).await;
    h.keys("4").await;
    let reqs = h.press('v');
    assert_eq!(reqs, vec![Request::Verify]);
    h.run(reqs).await;
    assert!(
        h.screen(80, 24).contains("verified: 0 of 0 partitions at their target, no throttle to remove"),
        "{}",
        h.screen(80, 24)
    );
    assert!(h.sent.contains(&Request::ReassignStatus), "read again after a verify: {:?}", h.sent);
}

/// After a restart: kdeck's execution with a batch still to submit shows above the moves, and `a`
/// attaches to it (once), as `kdeck reassign resume` does.
#[tokio::test]
async fn attach_to_an_unfinished_execution_left_by_another_session() {
    use crate::ops::reassign::record::{ExecutionRecord, RecordState};
    let mut h = Harness::new(false).await;
    let m = |p: i32| Move { topic: "orders".into(), partition: p, current: vec![1, 2, 3], target: vec![1, 2, 4] };
    *h.backend.unfinished.lock().expect("lock") = vec![ExecutionRecord {
        id: "left-behind".into(),
        cluster: "prod-msk".into(),
        cluster_id: None,
        user: "tester".into(),
        created: "2026-11-30T00:00:00Z".into(),
        updated: "2026-11-30T00:00:00Z".into(),
        plan_file: None,
        rollback_file: None,
        throttle: None,
        batch_size: Some(1),
        batches: vec![vec![m(0)], vec![m(1)]],
        submitted: 1,
        submitted_at_ms: vec![0],
        throttles: Default::default(),
        refused: vec![],
        state: RecordState::Running,
    }];
    h.keys("4").await;
    assert!(h.screen(80, 24).contains("execution left-behind: 1 of 2 batches submitted"), "{}", h.screen(80, 24));
    let reqs = h.press('a');
    assert_eq!(reqs, vec![Request::Drive { execution: "left-behind".into() }]);
    assert_eq!(h.press('a'), vec![], "attached once");
    h.run(reqs).await;
    assert!(h.screen(80, 24).contains("execution left-behind is over"), "{}", h.screen(80, 24));
}
