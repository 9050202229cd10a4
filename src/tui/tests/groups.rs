//! Acting on a consumer group from its detail view: reset offsets (form → preview → Enter),
//! delete (typed name), lag in time, peek where the group is and a message in full; read-only
//! hides and refuses the changes.

use super::harness::Harness;
use crate::ops::groups::{GroupChange, ResetScope, ResetTarget};
use crate::ops::Mutation;
use crate::tui::message::Request;
use crate::tui::mode::{Mode, Op};
use crate::tui::panes::peek::PEEK_COUNT;
use crate::tui::panes::View;

fn reset(group: &str, target: ResetTarget) -> Mutation {
    Mutation::Group(GroupChange::ResetOffsets {
        group: group.into(),
        scope: ResetScope::AllTopics,
        target,
        offsets: Vec::new(),
    })
}

#[tokio::test]
async fn reset_offsets_form_then_preview_then_enter() {
    let mut h = Harness::new(false).await;
    h.keys(":g analytics\n").await;
    assert_eq!(h.press('R'), vec![], "the form asks first");
    // "latest" is prefilled: replace it with "earliest"
    h.keys("\x08\x08\x08\x08\x08\x08earliest").await;
    insta::assert_snapshot!("group_reset_form_80x24", h.screen(80, 24));
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Prepare(reset("analytics", ResetTarget::Earliest))]);
    h.run(reqs).await;
    insta::assert_snapshot!("group_reset_confirm_80x24", h.screen(80, 24));
    let previewed = h.confirm().preview.clone();
    let Mutation::Group(GroupChange::ResetOffsets { offsets, .. }) = &previewed.mutation else { panic!("a reset") };
    let moves: Vec<String> = offsets
        .iter()
        .map(|m| {
            format!("{}-{} {:?}->{} lag {:?}->{}", m.topic, m.partition, m.current, m.new, m.lag_before, m.lag_after)
        })
        .collect();
    assert_eq!(moves, vec!["payments-0 Some(640)->0 lag Some(0)->640".to_string()]);
    assert_eq!(previewed.warnings, vec!["640 messages will be consumed again".to_string()]);
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Apply(Box::new(previewed.clone()))]);
    h.run(reqs).await;
    assert_eq!(*h.backend.applied.lock().expect("lock"), vec![previewed]);
    assert!(h.sent.contains(&Request::Refresh), "an applied change refreshes: {:?}", h.sent);
    assert_eq!((&h.app.mode, &h.app.op), (&Mode::Normal, &Op::Idle));
}

#[tokio::test]
async fn reset_is_refused_while_the_group_has_members_and_names_them() {
    let mut h = Harness::new(false).await;
    h.keys(":g billing\nR").await;
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Prepare(reset("billing", ResetTarget::Latest))]);
    h.run(reqs).await;
    let Mode::Form(form) = &h.app.mode else { panic!("the form stays open: {:?}", h.app.mode) };
    assert_eq!(
        form.error.as_deref(),
        Some(
            "consumer group billing has 2 active members (state Stable): client billing-1 on /10.0.7.21, client billing-2 on /10.0.7.22; Kafka resets offsets only while a group is empty: stop its consumers, then try again"
        )
    );
    insta::assert_snapshot!("group_reset_refused_80x24", h.screen(80, 24));
    // a target the form cannot read is said before anything is sent
    h.keys("\x1bR\x08\x08\x08\x08\x08\x08soon").await;
    assert_eq!(h.press('\n'), vec![]);
    let Mode::Form(form) = &h.app.mode else { panic!("form") };
    assert!(form.error.as_deref().is_some_and(|e| e.starts_with("\"soon\": say earliest, latest")), "{form:?}");
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn delete_group_needs_its_typed_name_and_closes_its_views() {
    let mut h = Harness::new(false).await;
    h.keys(":g analytics\n").await;
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::Group(GroupChange::Delete { group: "analytics".into() }))]);
    h.run(reqs).await;
    h.keys("analytic").await;
    assert_eq!(h.press('\n'), vec![], "not armed until the whole name is typed");
    h.keys("s").await;
    insta::assert_snapshot!("group_delete_confirm_80x24", h.screen(80, 24));
    let reqs = h.press('\n');
    assert!(matches!(&reqs[..], [Request::Apply(_)]), "{reqs:?}");
    h.run(reqs).await;
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    assert_eq!(h.app.view(), &View::Groups, "the deleted group's view is closed");
}

#[tokio::test]
async fn time_lag_pane_shows_the_age_of_each_next_message() {
    let mut h = Harness::new(false).await;
    h.keys(":g billing\n").await;
    let reqs = h.press('T');
    assert_eq!(reqs, vec![Request::TimeLag { group: "billing".into() }]);
    h.run(reqs).await;
    insta::assert_snapshot!("group_time_lag_80x24", h.screen(80, 24));
    insta::assert_snapshot!("group_time_lag_160x48", h.screen(160, 48));
    assert_eq!(h.press('T'), vec![Request::TimeLag { group: "billing".into() }], "T again reads it again");
}

#[tokio::test]
async fn peek_where_stuck_then_the_whole_message() {
    let mut h = Harness::new(false).await;
    h.keys(":g billing\n").await;
    let reqs = h.press('w');
    assert_eq!(reqs, vec![Request::Peek { topic: "orders".into(), partition: 0, from: Some(1100), count: PEEK_COUNT }]);
    h.run(reqs).await;
    insta::assert_snapshot!("group_peek_stuck_80x24", h.screen(80, 24));
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Record { topic: "orders".into(), partition: 0, offset: 1100 }]);
    h.run(reqs).await;
    insta::assert_snapshot!("message_detail_80x24", h.screen(80, 24));
    insta::assert_snapshot!("message_detail_160x48", h.screen(160, 48));
    assert_eq!(h.app.breadcrumbs(), vec!["groups", "billing", "peek p0", "offset 1100"]);
}

#[tokio::test]
async fn read_only_hides_the_group_changes_and_refuses_them() {
    let mut h = Harness::new(true).await;
    h.keys(":g analytics\n").await;
    let status = h.screen(80, 24).lines().last().expect("status").to_string();
    assert_eq!(status, " ? help  esc back  p peek  w where stuck  T time lag  q quit");
    assert_eq!(h.press('R'), vec![], "no form in read-only mode");
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(h.screen(80, 24).contains("read-only: resetting offsets is off on prod-msk"));
    // a delete names a whole change: ops' guard refuses and audits it
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::Group(GroupChange::Delete { group: "analytics".into() }))]);
    assert!(h.screen(80, 24).contains("read-only: deleting consumer groups is off on prod-msk"));
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal, "no confirm dialog in read-only mode");
    assert!(h.screen(160, 48).contains("refusing to delete consumer group analytics: cluster prod-msk is read-only"));
    let audit = h.audit();
    let got: Vec<(&str, &str)> =
        audit.iter().map(|e| (e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or(""))).collect();
    assert_eq!(got, vec![("group delete", "refused")]);
    // reading is not changing: time lag and where-stuck still work
    assert_eq!(h.press('T'), vec![Request::TimeLag { group: "analytics".into() }]);
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn dry_run_validates_a_reset_and_changes_nothing() {
    let mut h = Harness::with(false, true).await;
    h.keys(":g analytics\nR\n").await;
    assert!(h.screen(80, 24).contains("[ enter: validate only (dry run: nothing changes) ]"));
    h.keys("\n").await;
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    let screen = h.screen(160, 48);
    assert!(
        screen.contains("dry run: nothing was changed (checked by kdeck: the group has no active members"),
        "{screen}"
    );
}

/// The refresh keeps each group's totals, not its partition rows: the detail asks for the group
/// when it opens and again after every refresh, and shows the rows read with their totals.
#[tokio::test]
async fn group_detail_reads_its_rows_on_open_and_after_every_refresh() {
    let mut h = Harness::new(false).await;
    let billing = h.app.cluster.snapshot.group("billing").expect("billing in the refresh").clone();
    assert_eq!(billing.offsets, vec![], "the refresh keeps no rows");
    assert_eq!((billing.partitions, billing.total_lag), (3, 160));
    assert_eq!(billing.topics, vec![std::sync::Arc::<str>::from("orders")]);

    h.keys(":g billing").await;
    let read = Request::Group { group: "billing".into() };
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![read.clone()]);
    assert!(h.screen(100, 12).contains("billing — reading its partitions…"), "{}", h.screen(100, 12));
    h.run(reqs).await;
    let screen = h.screen(100, 12);
    assert!(screen.contains("billing — Stable, 2 members, total lag 160"), "{screen}");
    let lags: Vec<&str> =
        screen.lines().filter(|l| l.contains("orders")).filter_map(|l| l.split_whitespace().nth(4)).collect();
    assert_eq!(lags, vec!["110", "40", "10"], "{screen}");

    // the timer's refresh: the group is read again with it
    h.sent.clear();
    h.elapsed += std::time::Duration::from_secs(5);
    let reqs = h.app.tick(h.t0 + h.elapsed);
    assert_eq!(reqs, vec![Request::Refresh]);
    h.run(reqs).await;
    assert_eq!(h.sent, vec![Request::Refresh, read]);
    let screen = h.screen(100, 12);
    assert!(screen.contains("billing — Stable, 2 members, total lag 190"), "{screen}");
    let lags: Vec<&str> =
        screen.lines().filter(|l| l.contains("orders")).filter_map(|l| l.split_whitespace().nth(4)).collect();
    assert_eq!(lags, vec!["120", "50", "20"], "{screen}");
}
