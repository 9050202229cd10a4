//! Topic operations from the console, in tmux against the real cluster: what the preview shows is
//! what the cluster ends up with, and a read-only console changes nothing.

use std::time::Duration;

use crate::common::{self, data, env, wait_for, Fixture};
use crate::ops_fixture::{topic_config, Ops};
use crate::tmux::{position, row, Tmux};
use crate::topic_ops::{cluster_name, oracle_replicas};

/// Partition → replicas as `kdeck describe -o json` shows them (None: no such topic).
fn described(topic: &str) -> Option<Vec<Vec<i64>>> {
    let out = common::kdeck_raw(&["--bootstrap", &env().bootstrap, "describe", topic, "-o", "json"]);
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let parts = v["partitions"].as_array().expect("partitions");
    Some(
        parts
            .iter()
            .map(|p| p["replicas"].as_array().expect("replicas").iter().map(|r| r.as_i64().expect("id")).collect())
            .collect(),
    )
}

fn wait_described(topic: &str, n: Option<usize>) -> Option<Vec<Vec<i64>>> {
    wait_for(&format!("{topic} to have {n:?} partitions"), Duration::from_secs(30), || {
        let r = described(topic);
        (r.as_ref().map(Vec::len) == n).then_some(r)
    })
}

/// The new partitions' replicas as the confirm dialog lists them: `partition 3 → 2,1,3 (leader 2)`.
fn previewed(screen: &str, partitions: std::ops::Range<i32>) -> Vec<Vec<i64>> {
    partitions
        .map(|p| {
            let marker = format!("partition {p} → ");
            let at = screen.find(&marker).unwrap_or_else(|| panic!("no {marker:?} in:\n{screen}"));
            let list = screen[at + marker.len()..].split_whitespace().next().expect("replica list");
            list.split(',').map(|b| b.parse().unwrap_or_else(|_| panic!("{list:?} in:\n{screen}"))).collect()
        })
        .collect()
}

pub fn filter_to(t: &Tmux, topic: &str) {
    t.keys(&["/"]);
    t.type_text(topic);
    t.keys(&["Enter"]);
    t.wait_screen("only the test topic", |s| s.contains(&format!("/{topic}")) && position(s) == Some("1/1"));
}

#[test]
fn create_grow_and_delete_a_topic_from_the_console() {
    let fx = Fixture::shared();
    let topic = fx.topic("tui-ops");
    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "2s"], 120, 40);
    t.wait_screen("the topics pane", |s| s.contains("Topics ("));

    // c: the form (partitions 3 and RF 3 are the defaults on three brokers; typed anyway)
    t.keys(&["c"]);
    t.wait_screen("the create form", |s| s.contains("replication factor") && s.contains("tab next field"));
    t.type_text(&topic);
    t.keys(&["Tab", "BSpace"]);
    t.type_text("3");
    t.keys(&["Tab", "BSpace"]);
    t.type_text("3");
    t.keys(&["Enter"]);
    let confirm = t.wait_screen("the create preview", |s| s.contains(&format!("confirm: create topic {topic}")));
    assert!(confirm.contains(&format!("create topic {topic}: 3 partitions, replication factor 3")), "{confirm}");
    assert!(confirm.contains("validated by the broker (CreateTopics, validate-only)"), "{confirm}");
    assert_eq!(described(&topic), None, "the preview creates nothing");
    t.keys(&["Enter"]);
    t.wait_screen("the create outcome", |s| {
        s.contains(&format!("created topic {topic} (3 partitions, replication factor 3)"))
    });
    let before = wait_described(&topic, Some(3)).expect("created");
    assert!(before.iter().all(|r| r.len() == 3), "{before:?}");
    assert_eq!(data::produce(&topic, 100, 3), vec![34, 33, 33]);

    // +: 3 → 6 with the planned assignment and the keyed warning shown before anything is sent
    filter_to(&t, &topic);
    t.keys(&["+"]);
    t.wait_screen("the add-partitions form", |s| s.contains(&format!("{topic} has 3 partitions")));
    t.type_text("6");
    t.keys(&["Enter"]);
    let preview = t.wait_screen("the add-partitions preview", |s| {
        s.contains(&format!("confirm: add partitions to topic {topic}")) && s.contains("checked ")
    });
    assert!(preview.contains("looks keyed (15 of 15 sampled"), "{preview}");
    assert!(preview.contains("new partitions (3 → 6, RF 3"), "{preview}");
    let planned = previewed(&preview, 3..6);
    assert_eq!(described(&topic).map(|r| r.len()), Some(3), "the preview adds nothing");
    t.keys(&["Enter"]);
    t.wait_screen("the add-partitions outcome", |s| s.contains(&format!("topic {topic} now has 6 partitions")));
    let after = wait_described(&topic, Some(6)).expect("grown");
    assert_eq!(after[..3], before[..], "existing partitions untouched");
    assert_eq!(after[3..], planned[..], "kdeck describe shows exactly the previewed assignment");
    assert_eq!(oracle_replicas(&topic), after, "Kafka's TopicCommand agrees");
    data::consume_and_commit(&topic, &fx.group("tui-ops-check"), &[34, 33, 33]);

    // D: enter does nothing until the name is typed exactly
    let parts = t.wait_screen("six partitions in the topics pane", |s| {
        s.contains(&topic) && row(s, &topic).get(1) == Some(&"6")
    });
    assert_eq!(row(&parts, &topic)[1..3], ["6", "3"]);
    t.keys(&["D"]);
    t.wait_screen("the delete confirm", |s| {
        s.contains(&format!("confirm: delete topic {topic}")) && s.contains("type the topic name")
    });
    t.type_text(&topic[..topic.len() - 1]);
    t.keys(&["Enter"]);
    t.wait_screen("enter still disabled", |s| s.contains(&format!("enter is disabled until you type {topic}")));
    assert!(described(&topic).is_some(), "a wrong name deletes nothing");
    t.type_text(&topic[topic.len() - 1..]);
    t.keys(&["Enter"]);
    t.wait_screen("the delete outcome", |s| s.contains(&format!("deleted topic {topic}")));
    wait_described(&topic, None);

    let audit = t.audit();
    let got: Vec<(&str, &str, &str)> = audit
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["result"].as_str().unwrap_or(""),
                e["cluster"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let c = cluster_name();
    assert_eq!(
        got,
        vec![
            ("topic create", "ok", c.as_str()),
            ("topic add-partitions", "ok", c.as_str()),
            ("topic delete", "ok", c.as_str())
        ]
    );
    let text: Vec<String> = planned
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}=[{}]", i + 3, r.iter().map(i64::to_string).collect::<Vec<_>>().join(",")))
        .collect();
    assert_eq!(audit[1]["request"], format!("add partitions to topic {topic}: 3 -> 6, new {}", text.join(" ")));

    t.keys(&["q"]);
    wait_for("kdeck to exit on q", Duration::from_secs(20), || (!t.alive()).then_some(()));
}

#[test]
fn read_only_console_hides_and_refuses_changes() {
    let fx = Fixture::shared();
    let topic = fx.topic("tui-ro");
    let assignment: [&[i32]; 3] = [&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]];
    data::create_topic_with_assignment(&topic, &assignment);
    let before = wait_described(&topic, Some(3)).expect("created");
    let ops = Ops::new(); // setup and checks, with their own audit log
    let setup = ops.ok(&["config", "set", "topic", &topic, "retention.ms=3600000", "--yes"]);
    assert!(setup.contains(&format!("updated topic {topic}")), "{setup}");

    let t = Tmux::start(&["--read-only", "--bootstrap", &env().bootstrap, "--refresh", "2s"], 120, 40);
    let screen = t.wait_screen("the read-only console", |s| s.contains("READ-ONLY") && s.contains("Topics ("));
    let status = screen.lines().rev().find(|l| !l.trim().is_empty()).expect("status line");
    assert_eq!(status.trim_end(), " ? help  / filter  C configs  q quit");
    t.keys(&["?"]);
    // (wait for the whole popup: a capture can land in the middle of a redraw)
    let help = t.wait_screen("the help", |s| {
        s.contains("keys —") && s.contains("configs of the selected topic") && s.contains("quit")
    });
    assert!(!help.contains("create a topic") && !help.contains("delete the selected topic"), "{help}");
    t.keys(&["Escape"]);
    filter_to(&t, &topic);

    t.keys(&["c"]);
    t.wait_screen("create refused", |s| {
        s.contains(&format!("read-only: creating topics is off on {}", cluster_name()))
    });
    assert!(!t.screen().contains("tab next field"), "no form opens");
    t.keys(&["+"]);
    t.wait_screen("add partitions refused", |s| s.contains("read-only: adding partitions is off"));
    t.keys(&["D"]);
    t.wait_screen("delete refused by ops", |s| {
        s.contains(&format!("refusing to delete topic {topic}: cluster {} is read-only", cluster_name()))
    });
    assert!(!t.screen().contains("confirm:"), "no confirm dialog opens");

    // configs are readable; changing them is not
    t.keys(&["C"]);
    t.wait_screen("the topic's configs", |s| s.contains(&format!("Configs of {topic} (")));
    t.keys(&["/"]);
    t.type_text("topic override"); // retention.ms is the only one
    t.keys(&["Enter"]);
    let configs = t.wait_screen("the override alone", |s| s.contains("/topic override") && position(s) == Some("1/1"));
    assert_eq!(row(&configs, "retention.ms")[1..], ["3600000", "dynamic", "topic", "override"]);
    t.keys(&["="]);
    t.wait_screen("set refused", |s| s.contains("read-only: setting configs is off"));
    t.keys(&["x"]);
    t.wait_screen("delete override refused by ops", |s| {
        s.contains(&format!("refusing to change configs of topic {topic}: cluster {} is read-only", cluster_name()))
    });
    t.keys(&["q"]);
    wait_for("kdeck to exit on q", Duration::from_secs(20), || (!t.alive()).then_some(()));

    assert_eq!(described(&topic), Some(before), "nothing changed on the cluster");
    assert_eq!(
        topic_config(&ops, &topic, "retention.ms"),
        ("3600000".into(), "dynamic".into(), "DYNAMIC_TOPIC_CONFIG".into())
    );
    let audit = t.audit();
    let got: Vec<(&str, &str, &str)> = audit
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["result"].as_str().unwrap_or(""),
                e["request"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let delete = format!("delete topic {topic}");
    let unset = format!("delete retention.ms on topic {topic}");
    assert_eq!(got, vec![("topic delete", "refused", delete.as_str()), ("config delete", "refused", unset.as_str())]);
}
