//! Partial failure is visible: with broker 3 stopped, every command either answers in full with
//! a warning naming broker 3, or fails saying what is missing. One stop/start for all checks.

use std::process::Output;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{data, env, kdeck_raw, script, unique, wait_for, Fixture};

/// kdeck against the PLAINTEXT listener: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let mut full = vec!["--bootstrap", env().bootstrap.as_str(), "--timeout", "10s"];
    full.extend_from_slice(args);
    let out: Output = kdeck_raw(&full);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok_json(args: &[&str]) -> (Value, String) {
    let mut full = args.to_vec();
    full.extend_from_slice(&["-o", "json"]);
    let (code, stdout, stderr) = run(&full);
    assert_eq!(code, Some(0), "kdeck {args:?}:\n{stderr}");
    (serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("kdeck {args:?}: {e}\n{stdout}")), stderr)
}

/// The warning about broker 3 on stderr: (partitions with a replica on it, offline ones).
fn down_warning(stderr: &str) -> (usize, usize) {
    let prefix = "warning: broker 3 is down (not in the cluster metadata): ";
    let line = stderr.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no warning:\n{stderr}"));
    let rest = &line[prefix.len()..];
    let (n, rest) = rest.split_once(" partitions have a replica on it, ").unwrap_or_else(|| panic!("{line}"));
    let offline = rest.strip_suffix(" of them offline").unwrap_or_else(|| panic!("{line}"));
    (n.parse().expect("count"), offline.parse().expect("count"))
}

fn isr(topic: &str) -> Vec<Vec<i64>> {
    let (v, _) = ok_json(&["describe", topic]);
    v["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| p["isr"].as_array().expect("isr").iter().filter_map(Value::as_i64).collect())
        .collect()
}

#[test]
fn with_a_broker_stopped_every_command_names_it_or_fails_saying_so() {
    let fx = Fixture::exclusive();
    let topic = fx.topic("partial");
    let solo = fx.topic("partial-solo");
    let pair = fx.topic("partial-pair");
    let group = fx.group("partial-group");
    data::create_topic_with_assignment(&topic, &[&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]]);
    data::create_topic_with_assignment(&solo, &[&[3], &[1]]);
    data::create_topic_with_assignment(&pair, &[&[1, 2], &[2, 1]]);
    assert_eq!(data::produce(&topic, 100, 3), vec![34, 33, 33]);
    assert_eq!(data::produce(&solo, 10, 2), vec![5, 5]);
    data::consume_and_commit(&topic, &group, &[20, 15, 5]);
    let plan = std::env::temp_dir().join(format!("{}.json", unique("partial-plan")));
    let plan = plan.to_str().expect("utf-8");

    script(&["stop-node", "3"]);
    let result = std::panic::catch_unwind(|| {
        wait_for("broker 3 out of the metadata and the ISRs", Duration::from_secs(90), || {
            isr(&topic).iter().all(|i| !i.contains(&3)).then_some(())
        });
        // the group's coordinator may have been on broker 3: wait until another one serves it
        wait_for("the group's offsets from its new coordinator", Duration::from_secs(90), || {
            (run(&["lag", &group]).0 == Some(0)).then_some(())
        });

        // brokers: only 1 and 2 answer, and broker 3 is named
        let (brokers, stderr) = ok_json(&["brokers"]);
        let ids: Vec<i64> = brokers.as_array().expect("array").iter().filter_map(|b| b["id"].as_i64()).collect();
        assert_eq!(ids, vec![1, 2]);
        let (n, offline) = down_warning(&stderr);
        assert!(n >= 4 && offline >= 1, "at least the test topics' 4 replicas, 1 offline:\n{stderr}");

        // topics: counts and messages of what answered, the offline partition unknown
        let (topics, stderr) = ok_json(&["topics"]);
        let row = |name: &str| topics.as_array().expect("array").iter().find(|t| t["name"] == name).cloned();
        let t = row(&topic).expect("the test topic");
        assert_eq!(
            (t["under_replicated"].clone(), t["offline"].clone(), t["messages"].clone()),
            (json!(3), json!(0), json!(100))
        );
        let s = row(&solo).expect("the single-replica topic");
        assert_eq!((s["offline"].clone(), s["messages"].clone()), (json!(1), Value::Null));
        down_warning(&stderr);

        // describe: the warning counts this topic's partitions only; the data that answered is exact
        let (code, stdout, stderr) = run(&["describe", &topic]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stdout.contains("Under-replicated: 3  Offline: 0  Messages: 100"), "{stdout}");
        assert_eq!(
            stderr,
            "warning: broker 3 is down (not in the cluster metadata): 3 partitions have a replica on it, 0 of them offline\n"
        );
        let (solo_view, stderr) = ok_json(&["describe", &solo]);
        assert_eq!(
            stderr,
            "warning: broker 3 is down (not in the cluster metadata): 1 partitions have a replica on it, 1 of them offline\n"
        );
        let p = &solo_view["partitions"];
        assert_eq!((p[0]["leader"].clone(), p[0]["log_end_offset"].clone()), (Value::Null, Value::Null));
        assert_eq!(
            (p[1]["leader"].clone(), p[1]["log_start_offset"].clone(), p[1]["log_end_offset"].clone()),
            (json!(1), json!(0), json!(5))
        );

        // groups and lag --all ask every live broker: complete, with the exact lag
        let (groups, stderr) = ok_json(&["groups"]);
        assert!(!stderr.contains("error"), "{stderr}");
        let g = groups
            .as_array()
            .expect("array")
            .iter()
            .find(|g| g["group"] == group.as_str())
            .cloned()
            .expect("the group");
        assert_eq!((g["state"].clone(), g["total_lag"].clone()), (json!("Empty"), json!(60)));
        let (all, stderr) = ok_json(&["lag", "--all"]);
        assert!(!stderr.contains("error"), "{stderr}");
        let g =
            all.as_array().expect("array").iter().find(|g| g["group"] == group.as_str()).cloned().expect("the group");
        let lags: Vec<(i64, i64, i64, i64)> = g["partitions"]
            .as_array()
            .expect("partitions")
            .iter()
            .map(|p| {
                let n = |k: &str| p[k].as_i64().unwrap_or(-1);
                (n("partition"), n("committed_offset"), n("log_end_offset"), n("lag"))
            })
            .collect();
        assert_eq!(lags, vec![(0, 20, 34, 14), (1, 15, 33, 18), (2, 5, 33, 28)]);
        assert_eq!(g["total_lag"], 60);

        // reassign plan reads sizes from every broker's log dirs: broker 3 cannot be asked
        let (planned, stderr) = ok_json(&["reassign", "plan", "--goal", "rebalance", "--topics", &pair, "--out", plan]);
        assert!(
            planned["sizes_unavailable"].as_array().expect("sizes_unavailable").contains(
                &json!({"broker": 3, "error": "not asked: the broker is down (not in the cluster metadata)"})
            ),
            "{planned}"
        );
        assert!(
            stderr.contains("warning: broker 3: replica sizes unavailable (DescribeLogDirs: not asked: the broker is down (not in the cluster metadata)); using the sizes other replicas report"),
            "{stderr}"
        );
        down_warning(&stderr);
        // a plan that needs broker 3 fails, and the warning above the error says why
        let (code, _, stderr) = run(&["reassign", "plan", "--goal", "rebalance", "--topics", &topic, "--out", plan]);
        assert_eq!(code, Some(1), "{stderr}");
        down_warning(&stderr);
        assert!(stderr.contains("has 3 replicas but only 2 target brokers are available"), "{stderr}");
    });

    script(&["start-node", "3"]);
    wait_for("broker 3 back in the ISRs", Duration::from_secs(120), || {
        isr(&topic).iter().all(|i| i.len() == 3).then_some(())
    });
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
