//! Requests per snapshot, counted in the client (`--stats`, issue #15 measurement 3): they grow
//! with the brokers and the groups' coordinators, not with the number of groups.

use std::collections::BTreeSet;

use kafka_protocol::messages::ApiKey;
use kdeck::cluster::{self, GroupScope, LoadOptions};
use kdeck::kafka::{Client, ClientConfig, RequestStats, Target};

use crate::common::{data, env, kdeck, kdeck_raw, wait_for, Fixture};
use crate::reassign_exec::kafka_partitions;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Java's `String.hashCode` (UTF-16 units), as the group coordinator hashes a group id.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Kafka's `Utils.abs`: `Math.abs`, except that the smallest int is 0.
fn kafka_abs(n: i32) -> usize {
    if n == i32::MIN {
        0
    } else {
        n.unsigned_abs() as usize
    }
}

/// The coordinator of each group as Kafka places it: the leader of partition
/// `Utils.abs(hash(group)) % partitions` of __consumer_offsets, leaders as kafka-topics prints them.
fn coordinators(groups: &[String]) -> Vec<i64> {
    let leaders: Vec<i64> = kafka_partitions("__consumer_offsets")
        .into_iter()
        .map(|(leader, _, _)| leader.parse().expect("leader id"))
        .collect();
    assert!(!leaders.is_empty(), "kafka-topics describes __consumer_offsets");
    groups.iter().map(|g| leaders[kafka_abs(java_hash(g)) % leaders.len()]).collect()
}

#[test]
fn java_hash_matches_kafka() {
    // values of "".hashCode(), "a".hashCode(), "console-consumer-1".hashCode() in Java
    assert_eq!(java_hash(""), 0);
    assert_eq!(java_hash("a"), 97);
    assert_eq!(java_hash("abc"), 96354);
    assert_eq!(java_hash("polygenelubricants"), i32::MIN);
    assert_eq!((kafka_abs(i32::MIN), kafka_abs(-5), kafka_abs(7)), (0, 5, 7));
}

/// A client of the test cluster and the counter of its requests.
fn connect_counting(rt: &tokio::runtime::Runtime) -> (Client, RequestStats) {
    let cfg =
        ClientConfig { bootstrap: env().bootstrap.split(',').map(str::to_string).collect(), ..Default::default() };
    let stats = cfg.stats.clone();
    (rt.block_on(Client::connect(cfg)).expect("connect"), stats)
}

/// Waits until every broker's metadata has the new topic with a leader for each partition: the
/// creation is acknowledged by the controller, and a group coordinator that has not caught up
/// yet refuses commits on the topic (UNKNOWN_TOPIC_OR_PARTITION; CI met it on a cold cluster).
fn wait_known_to_every_broker(rt: &tokio::runtime::Runtime, client: &Client, topic: &str, partitions: usize) {
    let names = [topic.to_string()];
    wait_for(&format!("every broker to know topic {topic}"), std::time::Duration::from_secs(60), || {
        let known = |broker: i32| {
            rt.block_on(client.metadata_from(Target::Broker(broker), Some(&names))).is_ok_and(|m| {
                m.topics.iter().any(|t| {
                    t.error_code == 0
                        && t.partitions.len() == partitions
                        && t.partitions.iter().all(|p| p.leader_id.0 >= 0)
                })
            })
        };
        (1..=3).all(known).then_some(())
    });
}

/// One snapshot of `groups` (and the topic) with a fresh count, on a client whose connections
/// are already open (so the handshakes are not in it).
fn snapshot_requests(topic: &str, groups: &[String]) -> kdeck::kafka::StatsReport {
    let rt = runtime();
    let (client, stats) = connect_counting(&rt);
    let opts = LoadOptions {
        topics: Some(vec![topic.to_string()]),
        offsets: true,
        groups: GroupScope::Only(groups.to_vec()),
        ..Default::default()
    };
    // the first load opens a connection to every broker; the second is the one counted
    let first = rt.block_on(cluster::load(&client, &opts)).expect("snapshot");
    assert_eq!(first.groups.len(), groups.len());
    stats.reset();
    let snap = rt.block_on(cluster::load(&client, &opts)).expect("snapshot");
    assert_eq!(snap.groups.len(), groups.len());
    assert!(snap.groups.iter().all(|g| g.offsets.len() == 3 && g.error.is_none()), "{:?}", snap.groups);
    client.stats()
}

#[test]
fn requests_per_snapshot_do_not_grow_with_the_groups() {
    let fx = Fixture::shared();
    let topic = fx.topic("reqs");
    data::create_topic(&topic, 3, 2);
    let groups: Vec<String> = (0..30).map(|_| fx.group("reqs")).collect();
    let rt = runtime();
    let (client, _) = connect_counting(&rt);
    wait_known_to_every_broker(&rt, &client, &topic, 3);
    let offsets: Vec<_> = (0..3).map(|p| ((topic.clone(), p), 0i64)).collect();
    for g in &groups {
        rt.block_on(client.commit_group_offsets(g, &offsets)).expect("commit");
    }

    // few: one group per coordinator the 30 have, so both sets reach the same coordinators
    let coords = coordinators(&groups);
    let mut seen = BTreeSet::new();
    let few: Vec<String> =
        groups.iter().zip(&coords).filter(|(_, c)| seen.insert(**c)).map(|(g, _)| g.clone()).collect();
    let coordinators = seen.len() as u64;
    let leaders: BTreeSet<String> = kafka_partitions(&topic).into_iter().map(|(leader, _, _)| leader).collect();
    let brokers = 3;

    let counted_few = snapshot_requests(&topic, &few);
    let counted_many = snapshot_requests(&topic, &groups);
    for counted in [&counted_few, &counted_many] {
        assert_eq!(counted.requests(ApiKey::Metadata), 1, "{}", counted.to_table());
        assert_eq!(counted.requests(ApiKey::ListOffsets), 2 * leaders.len() as u64, "earliest and latest per leader");
        assert_eq!(counted.requests(ApiKey::ListGroups), brokers, "one per broker");
        assert_eq!(
            counted.requests(ApiKey::FindCoordinator),
            0,
            "the broker that listed a group coordinates it: no lookup"
        );
        assert_eq!(counted.requests(ApiKey::DescribeGroups), coordinators, "one per coordinator");
        assert_eq!(counted.requests(ApiKey::OffsetFetch), coordinators, "one per coordinator");
        assert_eq!(counted.requests(ApiKey::ApiVersions), 0, "connections were open already");
    }
    let requests = |r: &kdeck::kafka::StatsReport| -> Vec<(String, u64)> {
        r.by_api.iter().map(|(api, c)| (api.clone(), c.requests)).collect()
    };
    assert_eq!(requests(&counted_few), requests(&counted_many), "3 or 30 groups: the same requests");
    assert!(
        counted_many.total.bytes_received > counted_few.total.bytes_received,
        "the answers carry the groups: {} vs {} bytes",
        counted_many.total.bytes_received,
        counted_few.total.bytes_received
    );
}

/// Groups go to the broker named for them without a FindCoordinator; a wrong broker answers
/// NOT_COORDINATOR and the groups are looked up and asked again, with the same answers.
#[test]
fn group_requests_go_to_the_named_coordinator_and_a_wrong_one_is_looked_up_again() {
    let fx = Fixture::shared();
    let topic = fx.topic("reqs-coord");
    data::create_topic(&topic, 3, 2);
    let groups: Vec<String> = (0..6).map(|_| fx.group("reqs-coord")).collect();
    let rt = runtime();
    let (client, stats) = connect_counting(&rt);
    wait_known_to_every_broker(&rt, &client, &topic, 3);
    let committed: Vec<Vec<(String, i32, i64)>> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let offsets: Vec<_> = (0..3).map(|p| ((topic.clone(), p), (10 * i + p as usize) as i64)).collect();
            rt.block_on(client.commit_group_offsets(g, &offsets)).expect("commit");
            offsets.into_iter().map(|((t, p), o)| (t, p, o)).collect()
        })
        .collect();
    let coords = coordinators(&groups);
    let coordinator_of = |g: &str| groups.iter().position(|x| x == g).map(|i| coords[i] as i32);
    // brokers are 1, 2, 3: the next one is never the coordinator
    let wrong_of = |g: &str| coordinator_of(g).map(|c| c % 3 + 1);
    let read = |named: &(dyn Fn(&str) -> Option<i32> + Sync)| {
        stats.reset();
        let (described, offsets) = rt.block_on(client.describe_groups_and_offsets(&groups, named));
        let offsets: Vec<Vec<(String, i32, i64)>> = groups
            .iter()
            .map(|g| {
                let mut o = offsets.named(g).expect("asked for").expect("offsets");
                o.sort();
                o
            })
            .collect();
        let states: Vec<String> =
            groups.iter().map(|g| described[g].as_ref().expect("described").state.clone()).collect();
        (offsets, states, client.stats())
    };

    let (offsets, states, counted) = read(&coordinator_of);
    assert_eq!(offsets, committed);
    assert_eq!(states, vec!["Empty".to_string(); groups.len()]);
    assert_eq!(counted.requests(ApiKey::FindCoordinator), 0, "{}", counted.to_table());
    let named = coords.iter().collect::<BTreeSet<_>>().len() as u64;
    assert_eq!(counted.requests(ApiKey::OffsetFetch), named, "one per coordinator");

    let (offsets, states, counted) = read(&wrong_of);
    assert_eq!(offsets, committed, "the right offsets after the wrong broker said NOT_COORDINATOR");
    assert_eq!(states, vec!["Empty".to_string(); groups.len()]);
    // DescribeGroups and OffsetFetch each look their groups up again
    assert_eq!(counted.requests(ApiKey::FindCoordinator), 2, "{}", counted.to_table());
    assert_eq!(counted.requests(ApiKey::OffsetFetch), 2 * named, "the wrong brokers, then the right ones");
    assert_eq!(counted.requests(ApiKey::DescribeGroups), 2 * named, "the wrong brokers, then the right ones");
}

#[test]
fn stats_go_to_stderr_and_leave_stdout_as_it_is() {
    let fx = Fixture::shared();
    let topic = fx.topic("reqs-cli");
    data::create_topic(&topic, 3, 2);
    let group = fx.group("reqs-cli");
    kdeck(&["group", "reset-offsets", &group, "--topic", &topic, "--to-earliest", "--yes"]);

    let args = ["--bootstrap", env().bootstrap.as_str(), "lag", group.as_str(), "-o", "json"];
    let plain = kdeck_raw(&args);
    let mut with_stats = args.to_vec();
    with_stats.push("--stats");
    let counted = kdeck_raw(&with_stats);
    assert!(plain.status.success() && counted.status.success(), "{}", String::from_utf8_lossy(&counted.stderr));
    assert_eq!(String::from_utf8_lossy(&counted.stdout), String::from_utf8_lossy(&plain.stdout));
    assert!(plain.stderr.is_empty(), "{}", String::from_utf8_lossy(&plain.stderr));
    let stderr = String::from_utf8(counted.stderr).expect("utf-8");
    let stats: serde_json::Value = serde_json::from_str(stderr.trim()).expect("--stats -o json prints one JSON object");
    let api = &stats["stats"]["by_api"];
    assert_eq!(api["DescribeGroups"]["requests"], 1, "{stderr}");
    assert_eq!(api["OffsetFetch"]["requests"], 1, "{stderr}");
    assert_eq!(api["ListGroups"]["requests"], 3, "one per broker: {stderr}");
    let total = &stats["stats"]["total"]["requests"];
    let by_broker: u64 = stats["stats"]["by_broker"]
        .as_object()
        .expect("by_broker")
        .values()
        .map(|c| c["requests"].as_u64().expect("n"))
        .sum();
    assert_eq!(total.as_u64(), Some(by_broker), "the broker rows add up to the total");

    let table = kdeck_raw(&[&args[..4], &["--stats"]].concat());
    let text = String::from_utf8_lossy(&table.stderr);
    assert!(text.contains("requests sent (--stats):\nAPI "), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("DescribeGroups ") && l.split_whitespace().nth(1) == Some("1")),
        "{text}"
    );
}
