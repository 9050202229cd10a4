//! The `:msk` picker: the region's MSK clusters from the backend; Enter ends this console with
//! the chosen cluster's ARN, which the caller opens the console on next (cli::run_tui).

use super::harness::Harness;
use crate::tui::message::Request;
use crate::tui::panes::View;

#[tokio::test]
async fn msk_picker_lists_the_regions_clusters_and_enter_switches_to_one() {
    let mut h = Harness::new(false).await;
    assert_eq!(h.press(':'), Vec::<Request>::new());
    h.keys("msk\n").await;
    assert_eq!(h.app.view(), &View::Named("msk"));
    insta::assert_snapshot!("msk_picker_80x24", h.screen(80, 24));
    assert!(!h.app.quit);
    h.keys("j\n").await;
    assert!(h.app.quit, "Enter on a cluster ends this console");
    assert_eq!(h.app.switch_to.as_deref(), Some("arn:aws:kafka:eu-west-1:123456789012:cluster/orders-staging/0000-1"));
}

#[tokio::test]
async fn msk_picker_opens_by_key_and_esc_goes_back_without_switching() {
    let mut h = Harness::new(false).await;
    h.keys("M").await;
    assert_eq!(h.app.breadcrumbs(), vec!["msk"]);
    h.keys("\x1b").await;
    assert!(!h.app.quit && h.app.switch_to.is_none());
}
