//! The cluster tests clean up after themselves: a test that fails still deletes the topics and
//! groups it named (Kafka's own tools agree they are gone), and the cleanup neither panics nor
//! hangs when the cluster cannot be reached.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{self, data, env, kafka_tool, wait_for, Cleanup, CLEANUP_TIMEOUT};

fn kafka_topics() -> Vec<String> {
    let out = kafka_tool("org.apache.kafka.tools.TopicCommand", &["--bootstrap-server", &env().bootstrap, "--list"]);
    out.lines().map(str::to_string).collect()
}

fn kafka_groups() -> Vec<String> {
    let out = kafka_tool(
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        &["--bootstrap-server", &env().bootstrap, "--list"],
    );
    out.lines().map(str::to_string).collect()
}

#[test]
fn a_failing_test_still_deletes_its_topics_and_groups() {
    let _g = common::shared();
    let (tx, rx) = mpsc::channel();
    let failing_test = std::thread::spawn(move || {
        let cleanup = Cleanup::new();
        let topic = cleanup.topic("cleanup");
        let group = cleanup.group("cleanup-group");
        data::create_topic(&topic, 1, 1);
        data::produce(&topic, 3, 1);
        data::consume_and_commit(&topic, &group, &[3]);
        tx.send((topic, group)).expect("send the names");
        panic!("this test fails on purpose: its cleanup runs while it unwinds");
    });
    assert!(failing_test.join().is_err(), "the test thread panicked");
    let (topic, group) = rx.recv().expect("the names");
    // the brokers' metadata learns of the deletion a moment after the controller made it
    wait_for(&format!("{topic} to be gone"), Duration::from_secs(30), || {
        (!kafka_topics().contains(&topic)).then_some(())
    });
    assert!(!kafka_groups().contains(&group), "group {group} is gone");
}

#[test]
fn cleanup_gives_up_quietly_when_the_cluster_is_unreachable() {
    let (tx, rx) = mpsc::channel();
    let test = std::thread::spawn(move || {
        let cleanup = Cleanup::against("127.0.0.1:1");
        cleanup.topic("unreachable");
        cleanup.group("unreachable-group");
        drop(cleanup);
        let _ = tx.send(());
    });
    // a liveness bound, not a timing check: the drop gives up after CLEANUP_TIMEOUT at most
    rx.recv_timeout(CLEANUP_TIMEOUT * 3).expect("the cleanup returned");
    assert!(test.join().is_ok(), "the cleanup did not panic");
}
