//! Whole-screen snapshots of every pane at 80×24 and 160×48, and moving between them.

use super::harness::Harness;
use crate::cluster::Controller;
use crate::tui::message::Request;
use crate::tui::mode::Mode;
use crate::tui::panes::peek::PEEK_COUNT;
use crate::tui::panes::View;

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
    assert_eq!(
        h.press('p'),
        vec![Request::Peek { topic: "orders".into(), partition: 2, from: None, count: PEEK_COUNT }]
    );
    assert_eq!(h.app.breadcrumbs(), vec!["reassignments", "peek p2"]);
    h.keys("\x1b:nope\n").await;
    assert!(
        h.screen(160, 48)
            .contains("unknown command :nope (try :brokers :topics :groups :reassign :msk :plan :t NAME :g NAME :q)"),
        "the : list comes from the registry"
    );
}

/// A page is as many rows as the table showed in the last frame, not a fixed number.
#[tokio::test]
async fn a_page_is_the_height_of_the_table_on_screen() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let page_down = KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE);
    let mut h = Harness::new(false).await;
    // 8 lines: header, crumbs, status and the table's borders and column titles leave 2 rows
    let screen = h.screen(80, 8);
    assert_eq!(screen.lines().filter(|l| l.contains('│')).count(), 3, "{screen}");
    h.app.on_key(page_down);
    h.keys("\n").await; // __consumer_offsets, audit.legacy, orders, payments: two rows down
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "orders"]);
    h.keys("\x1bg").await;
    h.screen(80, 24); // 18 rows: the page passes the last of the four
    h.app.on_key(page_down);
    h.keys("\n").await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "payments"]);
}
