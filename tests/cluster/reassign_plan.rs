//! The planner on the real cluster: topics placed on brokers 1 and 2, rebalanced over 1,2,3.
//! kdeck moves exactly the lower bound; Kafka's own --generate (from the same jars) is printed
//! next to it; Kafka's tool parses kdeck's JSON.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{self, data, env, kafka_tool, kdeck, kdeck_json, kdeck_raw, unique};

type Assignment = BTreeMap<(String, i64), Vec<i64>>;

fn assignment(json: &serde_json::Value) -> Assignment {
    json["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| {
            let replicas = p["replicas"].as_array().expect("replicas").iter().filter_map(|r| r.as_i64()).collect();
            ((p["topic"].as_str().expect("topic").to_string(), p["partition"].as_i64().expect("partition")), replicas)
        })
        .collect()
}

/// Replicas added over all partitions: Kafka's data movement, kdeck's "moves".
fn moves(current: &Assignment, proposed: &Assignment) -> usize {
    proposed
        .iter()
        .map(|(k, to)| {
            let from: BTreeSet<i64> = current.get(k).cloned().unwrap_or_default().into_iter().collect();
            to.iter().filter(|b| !from.contains(b)).count()
        })
        .sum()
}

fn counts(a: &Assignment) -> BTreeMap<i64, usize> {
    let mut c = BTreeMap::new();
    for r in a.values().flatten() {
        *c.entry(*r).or_insert(0) += 1;
    }
    c
}

#[test]
fn rebalance_onto_a_new_broker_moves_only_the_lower_bound() {
    let _g = common::shared();
    let a = unique("plan-a");
    let b = unique("plan-b");
    // 12 × RF 2 on {1,2} and 6 × RF 1 on 1 or 2: broker 3 holds nothing (the "new broker").
    let pairs: Vec<&[i32]> = (0..12).map(|i| if i % 2 == 0 { &[1, 2][..] } else { &[2, 1][..] }).collect();
    data::create_topic_with_assignment(&a, &pairs);
    let singles: Vec<&[i32]> = (0..6).map(|i| if i % 3 == 2 { &[2][..] } else { &[1][..] }).collect();
    data::create_topic_with_assignment(&b, &singles);

    let dir = std::env::temp_dir().join(unique("plan"));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("plan.json");
    let topics = format!("{a},{b}");
    let summary = kdeck_json(&["reassign", "plan", "--goal", "rebalance", "--topics", &topics, "--brokers", "1,2,3", "--out", out.to_str().expect("path")]);
    let s = &summary["summary"];
    // 30 replicas: before 1→16, 2→14, 3→0; balanced is 10 each, so at least 6 + 4 replicas move.
    assert_eq!(s["lower_bound"], 10, "{summary}");
    assert_eq!(s["moves"], 10, "{summary}");
    let per_broker: Vec<(i64, i64, i64)> = s["brokers"]
        .as_array()
        .expect("brokers")
        .iter()
        .map(|b| (b["id"].as_i64().unwrap_or(-1), b["planned_replicas_before"].as_i64().unwrap_or(-1), b["planned_replicas_after"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(per_broker, vec![(1, 16, 10), (2, 14, 10), (3, 0, 10)]);

    // The files are Kafka's format; applying the plan to the current state gives 10/10/10.
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("plan file")).expect("plan JSON");
    let rollback: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.rollback.json")).expect("rollback file")).expect("rollback JSON");
    let (planned, before) = (assignment(&plan), assignment(&rollback));
    assert_eq!(planned.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "rollback covers exactly the planned partitions");
    assert_eq!(moves(&before, &planned), 10);
    let mut current: Assignment = BTreeMap::new();
    for (i, r) in pairs.iter().enumerate() {
        current.insert((a.clone(), i as i64), r.iter().map(|x| i64::from(*x)).collect());
    }
    for (i, r) in singles.iter().enumerate() {
        current.insert((b.clone(), i as i64), r.iter().map(|x| i64::from(*x)).collect());
    }
    for (k, v) in &before {
        assert_eq!(current.get(k), Some(v), "rollback of {k:?} is the current assignment");
    }
    let mut after = current.clone();
    after.extend(planned.clone());
    assert_eq!(counts(&after), BTreeMap::from([(1, 10), (2, 10), (3, 10)]));
    for (k, r) in &after {
        assert_eq!(r.iter().collect::<BTreeSet<_>>().len(), r.len(), "{k:?} has a broker twice");
    }

    // Kafka's own planner on the same state, for comparison (it recomputes everything).
    let ttm = dir.join("topics.json");
    std::fs::write(&ttm, format!("{{\"version\":1,\"topics\":[{{\"topic\":\"{a}\"}},{{\"topic\":\"{b}\"}}]}}")).expect("write");
    let generated = kafka_tool(
        "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
        &["--bootstrap-server", &env().bootstrap, "--generate", "--topics-to-move-json-file", ttm.to_str().expect("path"), "--broker-list", "1,2,3"],
    );
    let proposed_line = generated.lines().skip_while(|l| !l.starts_with("Proposed")).nth(1).expect("a proposed assignment");
    let kafka_current_line = generated.lines().skip_while(|l| !l.starts_with("Current")).nth(1).expect("a current assignment");
    let kafka_current = assignment(&serde_json::from_str(kafka_current_line).expect("JSON"));
    assert_eq!(kafka_current, current, "Kafka sees the same starting state");
    let kafka_moves = moves(&current, &assignment(&serde_json::from_str(proposed_line).expect("JSON")));
    println!("planner comparison on {} partitions: kdeck moves 10 (lower bound 10), kafka-reassign-partitions --generate moves {kafka_moves}", current.len());
    assert!(kafka_moves >= 10, "no balanced plan can move fewer than the lower bound");

    // Kafka's tool reads kdeck's file (nothing was executed, so each partition is "not active").
    let verify = kafka_tool(
        "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
        &["--bootstrap-server", &env().bootstrap, "--verify", "--reassignment-json-file", out.to_str().expect("path")],
    );
    assert_eq!(verify.matches("There is no active reassignment of partition").count(), planned.len(), "{verify}");

    // kdeck validates its own plan against the cluster.
    let valid = kdeck(&["reassign", "validate", out.to_str().expect("path")]);
    assert_eq!(valid.lines().next(), Some(format!("{}: valid ({} partitions)", out.display(), planned.len()).as_str()));
}

#[test]
fn invalid_plans_are_refused_with_the_reason() {
    let _g = common::shared();
    let t = unique("plan-bad");
    data::create_topic_with_assignment(&t, &[&[1, 2], &[2, 3]]);
    let dir = std::env::temp_dir().join(unique("plan-bad"));
    std::fs::create_dir_all(&dir).expect("dir");
    let cases = [
        (format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{t}\",\"partition\":0,\"replicas\":[1,9]}}]}}"), format!("{t}-0: broker 9 is not part of the cluster")),
        (format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{t}\",\"partition\":5,\"replicas\":[1,2]}}]}}"), format!("partition {t}-5 does not exist in the cluster")),
        (format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{t}\",\"partition\":0,\"replicas\":[1,1]}}]}}"), format!("{t}-0: broker 1 appears more than once in the replica list")),
        (format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{t}\",\"partition\":1,\"replicas\":[]}}]}}"), format!("{t}-1: the replica list is empty")),
    ];
    for (i, (body, reason)) in cases.iter().enumerate() {
        let f = dir.join(format!("bad{i}.json"));
        std::fs::write(&f, body).expect("write");
        let out = kdeck_raw(&["--bootstrap", &env().bootstrap, "reassign", "validate", f.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(1), "{body}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason.as_str()), "expected {reason:?} in {err}");
    }
    let f = dir.join("garbage.json");
    std::fs::write(&f, "{\"version\":1,\"partitions\":[").expect("write");
    let out = kdeck_raw(&["--bootstrap", &env().bootstrap, "reassign", "validate", f.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid JSON"), "{}", String::from_utf8_lossy(&out.stderr));
    // RF 4 on 3 brokers is impossible: a clear error, no file written.
    let out_file = dir.join("rf4.json");
    let out = kdeck_raw(&[
        "--bootstrap", &env().bootstrap, "reassign", "plan", "--goal", "rf", "--rf", "4", "--topics", &t, "--out", out_file.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "error: replication factor 4 is larger than the number of target brokers (3)");
    assert!(!out_file.exists());
}

/// A reassignment held in progress by a 1 B/s throttle (started with Kafka's own tool) shows in
/// `kdeck reassign status` with exactly the replicas being added and removed; Kafka's --cancel
/// ends it and kdeck sees it gone.
#[test]
fn in_progress_reassignment_is_listed_until_cancelled() {
    let _g = common::exclusive(); // throttles touch broker configs
    let t = unique("moving");
    data::create_topic_with_assignment(&t, &[&[1, 2]]);
    assert_eq!(data::produce(&t, 500, 1), vec![500]);
    let dir = std::env::temp_dir().join(unique("moving"));
    std::fs::create_dir_all(&dir).expect("dir");
    let plan = dir.join("move.json");
    std::fs::write(&plan, format!("{{\"version\":1,\"partitions\":[{{\"topic\":\"{t}\",\"partition\":0,\"replicas\":[1,3]}}]}}")).expect("write");
    let plan = plan.to_str().expect("path");
    let tool = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    kafka_tool(tool, &["--bootstrap-server", &env().bootstrap, "--execute", "--reassignment-json-file", plan, "--throttle", "1"]);
    let outcome = std::panic::catch_unwind(|| {
        let ongoing = kdeck_json(&["reassign", "status"]);
        let mine: Vec<&serde_json::Value> = ongoing.as_array().expect("array").iter().filter(|r| r["topic"] == t.as_str()).collect();
        assert_eq!(mine.len(), 1, "{ongoing}");
        assert_eq!(mine[0]["partition"], 0);
        assert_eq!(mine[0]["adding"], serde_json::json!([3]));
        assert_eq!(mine[0]["removing"], serde_json::json!([2]));
        let mut all: Vec<i64> = mine[0]["replicas"].as_array().expect("replicas").iter().filter_map(|r| r.as_i64()).collect();
        all.sort();
        assert_eq!(all, vec![1, 2, 3]);
        let table = kdeck(&["reassign", "status"]);
        assert!(table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()[..] == [t.as_str(), "0", "1,3,2", "3", "2"]), "{table}");
    });
    kafka_tool(tool, &["--bootstrap-server", &env().bootstrap, "--cancel", "--reassignment-json-file", plan]);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
    let ongoing = kdeck_json(&["reassign", "status"]);
    assert!(!ongoing.as_array().expect("array").iter().any(|r| r["topic"] == t.as_str()), "cancelled but still listed: {ongoing}");
}
