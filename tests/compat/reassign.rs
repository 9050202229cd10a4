//! `kdeck reassign status` on each version: nothing in progress, and (3.9) one move throttled to
//! a crawl, as this version's kafka-reassign-partitions --list shows it.

use std::time::Duration;

use crate::cluster::{kraft39, unique, wait_for, zk28, Compat};

/// (topic, partition, replicas, adding, removing) of `reassign status -o json`.
type Move = (String, i64, Vec<i64>, Vec<i64>, Vec<i64>);

fn ours(c: &Compat) -> Vec<Move> {
    let json = c.kdeck_json(&["reassign", "status"]);
    let ids =
        |v: &serde_json::Value| -> Vec<i64> { v.as_array().expect("ids").iter().filter_map(|x| x.as_i64()).collect() };
    json["partitions"]
        .as_array()
        .unwrap_or_else(|| panic!("no partitions in {json}"))
        .iter()
        .map(|r| {
            (
                r["topic"].as_str().expect("topic").to_string(),
                r["partition"].as_i64().expect("partition"),
                ids(&r["replicas"]),
                ids(&r["adding"]),
                ids(&r["removing"]),
            )
        })
        .collect()
}

/// This version's `kafka-reassign-partitions --list`:
/// "t-0: replicas: 2,1. adding: 2. removing: 1."
fn theirs(c: &Compat) -> Vec<Move> {
    let out = c.admin_tool(c.tools.reassign, &["--list"]);
    let ids = |s: &str| -> Vec<i64> {
        s.trim().trim_end_matches('.').split(',').filter_map(|x| x.trim().parse().ok()).collect()
    };
    let mut moves: Vec<Move> = out
        .lines()
        .filter_map(|l| {
            let (tp, rest) = l.split_once(": replicas: ")?;
            let (topic, partition) = tp.rsplit_once('-')?;
            let (replicas, rest) = rest.split_once(" adding: ")?;
            let (adding, removing) = rest.split_once(" removing: ")?;
            Some((topic.to_string(), partition.parse().ok()?, ids(replicas), ids(adding), ids(removing)))
        })
        .collect();
    moves.sort();
    if moves.is_empty() {
        assert!(out.contains("No partition reassignments found"), "unexpected --list output:\n{out}");
    }
    moves
}

fn assert_nothing_in_progress(c: &Compat) {
    assert_eq!(c.kdeck(&["reassign", "status"]), "no reassignment in progress\n");
    assert_eq!(ours(c), vec![]);
    assert_eq!(theirs(c), vec![]);
}

/// Checks the one move `topic`-0: [1] → [2] while it is in progress, in JSON, the table and
/// against the tool.
fn assert_one_move(c: &Compat, topic: &str) {
    let want: Move = (topic.to_string(), 0, vec![2, 1], vec![2], vec![1]);
    assert_eq!(ours(c), vec![want.clone()]);
    assert_eq!(theirs(c), vec![want], "kafka-reassign-partitions {} --list disagrees", c.version);
    let table = c.kdeck(&["reassign", "status"]);
    // topic, partition, replicas, target, adding, removing, ISR (2 is not in sync yet)
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().take(7).collect::<Vec<_>>()[..] == [topic, "0", "2,1", "2", "2", "1", "1"]),
        "{table}"
    );
}

/// Cancels the move when the test ends, passed or failed, so the cluster is left with none.
struct Cancel<'a>(Box<dyn Fn() + 'a>);

impl Drop for Cancel<'_> {
    fn drop(&mut self) {
        (self.0)();
    }
}

fn wait_until_none(c: &Compat) {
    wait_for("the cancelled move to end", Duration::from_secs(60), || ours(c).is_empty().then_some(()));
    assert_nothing_in_progress(c);
}

/// Nothing in progress, asked of the ZooKeeper-mode controller. No move can be left in progress
/// on a one-broker cluster: the 2.8 controller refuses a broker that is not alive ("Replica
/// assignment has brokers that are not alive"), and any move within the one broker ends at once.
#[test]
fn zk28_reassign_status() {
    let c = zk28();
    let _g = c.shared();
    assert_nothing_in_progress(c);
}

/// A move from broker 1 to 2 of a partition holding 2 MB, throttled to 1 byte/s by the version's
/// own tool, stays in progress until the tool cancels it.
#[test]
fn kraft39_reassign_status() {
    let c = kraft39();
    let _g = c.shared();
    let topic = unique("compat-reassign");
    c.kdeck(&["topic", "create", &topic, "--replica-assignment", "1", "--yes"]);
    c.produce(&topic, 2000, 1, 1024);
    assert_nothing_in_progress(c);

    let plan = std::env::temp_dir().join(format!("{topic}.json"));
    let json = serde_json::json!({"version": 1, "partitions": [{"topic": topic, "partition": 0, "replicas": [2]}]});
    std::fs::write(&plan, json.to_string()).expect("write plan");
    let file = plan.to_str().expect("utf-8 path");
    let cancel = Cancel(Box::new(|| {
        let _ = c.tool_output(
            c.tools.reassign,
            &["--bootstrap-server", &c.bootstrap, "--cancel", "--reassignment-json-file", file],
        );
    }));
    c.admin_tool(c.tools.reassign, &["--execute", "--reassignment-json-file", file, "--throttle", "1"]);
    assert_one_move(c, &topic);
    drop(cancel);
    wait_until_none(c);
    let _ = std::fs::remove_file(&plan);
}
