//! A stopped broker shows as a shrunken ISR and under-replicated partitions, as Kafka's
//! kafka-topics --under-replicated-partitions sees them; starting it again heals both.

use std::time::Duration;

use crate::common::{data, env, kafka_tool, kdeck, kdeck_json, script, wait_for, Fixture};

fn isrs(topic: &str) -> Vec<Vec<i64>> {
    kdeck_json(&["describe", topic])["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .map(|p| p["isr"].as_array().expect("isr").iter().filter_map(|x| x.as_i64()).collect())
        .collect()
}

#[test]
fn stopped_broker_shrinks_isr_and_recovers() {
    let fx = Fixture::exclusive();
    let topic = fx.topic("isr");
    data::create_topic_with_assignment(&topic, &[&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]]);
    assert_eq!(isrs(&topic), vec![vec![1, 2, 3], vec![2, 3, 1], vec![3, 1, 2]]);

    script(&["stop-node", "3"]);
    let shrunk = wait_for("ISR without broker 3", Duration::from_secs(90), || {
        let i = isrs(&topic);
        i.iter().all(|isr| !isr.contains(&3)).then_some(i)
    });
    let result = std::panic::catch_unwind(|| {
        let mut sorted: Vec<Vec<i64>> = shrunk
            .iter()
            .map(|v| {
                let mut v = v.clone();
                v.sort();
                v
            })
            .collect();
        sorted.dedup();
        assert_eq!(sorted, vec![vec![1, 2]]);
        let json = kdeck_json(&["describe", &topic]);
        assert_eq!(json["under_replicated"], 3);
        assert_eq!(json["offline"], 0);
        for p in json["partitions"].as_array().expect("partitions") {
            assert_eq!(p["out_of_sync"], serde_json::json!([3]));
            assert_eq!(p["under_replicated"], true);
        }
        let table = kdeck(&["describe", &topic]);
        assert!(table.contains("Under-replicated: 3"), "{table}");
        assert_eq!(table.matches("under-replicated").count(), 3, "{table}");

        let oracle = kafka_tool(
            "org.apache.kafka.tools.TopicCommand",
            &["--bootstrap-server", &env().bootstrap, "--describe", "--under-replicated-partitions", "--topic", &topic],
        );
        assert_eq!(oracle.lines().filter(|l| l.contains("Partition:")).count(), 3, "{oracle}");

        let brokers = kdeck_json(&["brokers"]);
        let ids: Vec<i64> = brokers.as_array().expect("array").iter().filter_map(|b| b["id"].as_i64()).collect();
        assert_eq!(ids, vec![1, 2], "a stopped broker leaves the metadata");
    });

    script(&["start-node", "3"]);
    wait_for("ISR with broker 3 again", Duration::from_secs(120), || {
        isrs(&topic).iter().all(|isr| isr.len() == 3).then_some(())
    });
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
