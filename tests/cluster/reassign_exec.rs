//! Executing reassignments on the real cluster: the admin calls (AlterPartitionReassignments,
//! ElectLeaders, DescribeConfigs of the throttle keys), then `kdeck reassign execute|status|
//! verify|cancel|resume`, `kdeck throttles list|clear` and `kdeck elect-leaders`, with Kafka's
//! own kafka-topics, kafka-configs and kafka-reassign-partitions as oracles.

use std::time::Duration;

use kdeck::kafka::admin_ops::ConfigResource;
use kdeck::kafka::reassign::Election;
use kdeck::kafka::{Client, ClientConfig};

use crate::common::{self, data, env, kafka_tool, unique, wait_for};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn client(rt: &tokio::runtime::Runtime) -> Client {
    let cfg =
        ClientConfig { bootstrap: env().bootstrap.split(',').map(str::to_string).collect(), ..Default::default() };
    rt.block_on(Client::connect(cfg)).expect("connect")
}

/// (leader, replicas) of each partition as Kafka's kafka-topics --describe prints them.
fn kafka_describe(topic: &str) -> Vec<(i64, Vec<i64>)> {
    let out = kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        &["--bootstrap-server", &env().bootstrap, "--describe", "--topic", topic],
    );
    out.lines()
        .filter(|l| l.contains("Partition:"))
        .map(|l| {
            let field = |name: &str| {
                l.split('\t')
                    .map(str::trim)
                    .find_map(|f| f.strip_prefix(name))
                    .unwrap_or_else(|| panic!("no {name} in {l:?}"))
                    .trim()
                    .to_string()
            };
            let leader = field("Leader:").parse().expect("leader");
            let replicas = field("Replicas:").split(',').map(|r| r.parse().expect("replica")).collect();
            (leader, replicas)
        })
        .collect()
}

#[test]
fn admin_calls_move_cancel_and_elect() {
    let _g = common::shared();
    let rt = runtime();
    let c = client(&rt);
    let topic = unique("exec-admin");
    data::create_topic_with_assignment(&topic, &[&[1, 2]]);
    data::produce(&topic, 50, 1);

    // nothing to cancel yet: the controller says so for that partition
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 0, None)])).expect("cancel");
    assert_eq!(out.len(), 1);
    let err = out[0].error.as_ref().expect("an error").to_string();
    assert_eq!(err, "AlterPartitionReassignments failed: NO_REASSIGNMENT_IN_PROGRESS", "{err}");

    // a reorder only: [1,2] -> [2,1] completes at once, the leader stays 1 until an election
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 0, Some(vec![2, 1]))])).expect("alter");
    assert_eq!((out.len(), out[0].topic.as_str(), out[0].partition), (1, topic.as_str(), 0));
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    wait_for("replicas [2,1]", Duration::from_secs(30), || {
        (kafka_describe(&topic) == vec![(1, vec![2, 1])]).then_some(())
    });

    let out = rt.block_on(c.elect_leaders(Election::Preferred, &[(topic.clone(), 0)])).expect("elect");
    assert_eq!(out.len(), 1);
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    wait_for("leader 2", Duration::from_secs(30), || (kafka_describe(&topic) == vec![(2, vec![2, 1])]).then_some(()));
    let out = rt.block_on(c.elect_leaders(Election::Preferred, &[(topic.clone(), 0)])).expect("elect again");
    assert_eq!(out[0].error.as_ref().and_then(|e| e.code()), Some(kdeck::kafka::reassign::ELECTION_NOT_NEEDED));

    // an unknown partition is that partition's error, not the request's
    let out = rt.block_on(c.alter_reassignments(&[(topic.clone(), 7, Some(vec![1]))])).expect("alter");
    assert_eq!(
        out[0].error.as_ref().map(ToString::to_string),
        Some(format!(
            "AlterPartitionReassignments failed: UNKNOWN_TOPIC_OR_PARTITION (Unable to find partition {topic}:7.)"
        ))
    );

    // the throttle keys of a topic and a broker, unset: the topic lists its default (empty); a
    // broker lists a rate only once it is set (the rates are dynamic-only configs)
    let keys = ["leader.replication.throttled.replicas", "leader.replication.throttled.rate"];
    let res =
        rt.block_on(c.describe_config_keys(&[ConfigResource::Topic(topic.clone()), ConfigResource::Broker(2)], &keys));
    assert_eq!(res.len(), 2);
    let topic_cfg = res[0].1.as_ref().expect("topic configs");
    assert_eq!(
        topic_cfg.iter().map(|e| (e.name.as_str(), e.value.as_deref())).collect::<Vec<_>>(),
        vec![("leader.replication.throttled.replicas", Some(""))]
    );
    assert_eq!(res[1].1.as_ref().expect("broker configs"), &vec![]);
}
