//! A consumer group from the console, in tmux against the real cluster: open a lagging group,
//! reset it to the latest offsets after the preview, see lag 0 (and Kafka's tool agrees).

use crate::common::{self, env, unique};
use crate::group_ops::{commit, expect, filled_topic, kafka_offsets};
use crate::tmux::Tmux;

#[test]
fn reset_a_lagging_group_to_latest_from_the_console() {
    let _g = common::shared();
    let topic = filled_topic("tui-group", 2, 20);
    let group = unique("tui-group");
    commit(&group, &topic, &[(0, 2), (1, 3)]);
    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "2s"], 120, 40);
    t.wait_screen("the topics pane", |s| s.contains("Topics ("));
    t.keys(&[":"]);
    t.type_text(&format!("g {group}"));
    t.keys(&["Enter"]);
    t.wait_screen("the group with its lag", |s| s.contains(&format!("{group} — Empty, 0 members, total lag 15")));

    // R: the form (to: latest is the default), Enter: the preview, nothing sent yet
    t.keys(&["R"]);
    t.wait_screen("the reset form", |s| s.contains(&format!("reset the offsets of {group}")) && s.contains("latest"));
    t.keys(&["Enter"]);
    let preview = t.wait_screen("the reset preview", |s| s.contains("confirm: reset the offsets of consumer group"));
    for line in [format!("{topic}-0: 2 → 10, lag 8 → 0"), format!("{topic}-1: 3 → 10, lag 7 → 0")] {
        assert!(preview.contains(&line), "{line:?} not in:\n{preview}");
    }
    assert_eq!(kafka_offsets(&group), expect(&topic, &[2, 3]), "the preview changes nothing");

    // Enter: applied, the group refreshed: lag 0
    t.keys(&["Enter"]);
    t.wait_screen("the reset applied and lag 0", |s| s.contains(&format!("{group} — Empty, 0 members, total lag 0")));
    assert_eq!(kafka_offsets(&group), expect(&topic, &[10, 10]));
    let audit = t.audit();
    let last = audit.last().expect("an audit entry");
    assert_eq!((last["action"].as_str(), last["result"].as_str()), (Some("group reset-offsets"), Some("ok")));
}
