//! The console's refresh keeps each group's totals, not its partition rows (issue #15: 200k rows
//! at 10k groups); the group's detail reads the rows when it opens. On the real cluster, through
//! the console's own backend: the totals are the sums of the rows the detail reads, and the rows
//! carry the exact lag Kafka's tool shows.

use std::sync::Arc;
use std::time::Duration;

use kdeck::cluster::{Group, PartitionLag};
use kdeck::kafka::{Client, ClientConfig};
use kdeck::tui::backend::{ClusterBackend, KafkaBackend};

use crate::common::{self, env, unique, wait_for};
use crate::group_ops::{commit, expect, filled_topic, kafka_offsets, LiveConsumer};

async fn console_backend() -> KafkaBackend {
    let bootstrap = env().bootstrap.split(',').map(str::to_string).collect();
    let client = Client::connect(ClientConfig { bootstrap, ..Default::default() }).await.expect("connect");
    KafkaBackend {
        client,
        data: Default::default(),
        ops: kdeck::ops::Context::new("group-rows-test", true, false),
        aws: Default::default(),
        refresh_requests: Default::default(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// The console's backend: its refresh (`snapshot`) and its group detail's read (`group`).
fn console_reads(group: &str) -> (Group, Option<Group>) {
    runtime().block_on(async {
        let backend = console_backend().await;
        let snap = backend.snapshot().await.expect("snapshot");
        let summary = snap.group(group).cloned().unwrap_or_else(|| panic!("{group} not in the refresh"));
        let detail = backend.group(group.to_string()).await.expect("the group's rows");
        (summary, detail)
    })
}

fn row(r: &PartitionLag) -> (&str, i32, Option<i64>, Option<i64>, Option<i64>) {
    (r.topic.as_str(), r.partition, r.committed_offset, r.log_end_offset, r.lag)
}

#[test]
fn the_refresh_keeps_group_totals_and_the_detail_reads_exact_rows() {
    let _g = common::shared();
    // 10 messages a partition
    let a = filled_topic("rows-a", 2, 20);
    let b = filled_topic("rows-b", 3, 30);
    let group = unique("rows-group");
    commit(&group, &a, &[(0, 2), (1, 3)]);
    commit(&group, &b, &[(0, 4), (2, 10)]);
    let mut want_offsets = expect(&a, &[2, 3]);
    want_offsets.extend([((b.clone(), 0), 4), ((b.clone(), 2), 10)]);
    assert_eq!(kafka_offsets(&group), want_offsets, "Kafka's tool sees the commits");

    let (summary, detail) = console_reads(&group);

    // the refresh: totals, no rows
    assert_eq!(summary.offsets, vec![], "the refresh keeps no partition rows");
    assert_eq!((summary.state.as_str(), summary.members.len()), ("Empty", 0));
    assert_eq!(summary.partitions, 4);
    assert_eq!(summary.topics, vec![Arc::<str>::from(a.as_str()), Arc::from(b.as_str())]);
    assert_eq!(summary.total_lag, 8 + 7 + 6);

    // the detail: a row per committed partition with the exact lag, adding up to the totals
    let detail = detail.expect("the group exists");
    let rows: Vec<_> = detail.offsets.iter().map(row).collect();
    assert_eq!(
        rows,
        vec![
            (a.as_str(), 0, Some(2), Some(10), Some(8)),
            (a.as_str(), 1, Some(3), Some(10), Some(7)),
            (b.as_str(), 0, Some(4), Some(10), Some(6)),
            (b.as_str(), 2, Some(10), Some(10), Some(0)),
        ]
    );
    assert_eq!(detail.offsets.len(), summary.partitions);
    assert_eq!(detail.offsets.iter().filter_map(|r| r.lag).sum::<i64>(), summary.total_lag);
    assert_eq!((detail.total_lag, detail.partitions, &detail.topics), (summary.total_lag, 4, &summary.topics));
    assert_eq!((detail.state.as_str(), detail.members.len()), ("Empty", 0));
}

/// A partition a member owns but the group never committed on is a row of its own (no offset,
/// no lag, the member's client) and counts in the refresh's totals, which never build the rows.
#[test]
fn an_owned_partition_without_a_commit_counts_in_the_totals_and_has_a_row() {
    let _g = common::shared();
    // 10 messages a partition
    let topic = filled_topic("rows-owned", 2, 20);
    let group = unique("rows-owned");
    commit(&group, &topic, &[(0, 3)]);
    let client_id = unique("rows-member");
    let consumer = LiveConsumer::start(&topic, &group, &client_id);
    let (summary, detail) = wait_for("the member to own both partitions", Duration::from_secs(60), || {
        let (summary, detail) = console_reads(&group);
        (summary.members.len() == 1 && summary.partitions == 2).then_some((summary, detail))
    });

    assert_eq!(summary.offsets, vec![], "the refresh keeps no partition rows");
    assert_eq!(summary.state, "Stable");
    assert_eq!(summary.topics, vec![Arc::<str>::from(topic.as_str())]);
    assert_eq!(summary.total_lag, 10 - 3, "the uncommitted partition has no lag to add");

    let detail = detail.expect("the group exists");
    let rows: Vec<_> = detail.offsets.iter().map(|r| (row(r), r.client_id.as_deref())).collect();
    let member = Some(client_id.as_str());
    assert_eq!(
        rows,
        vec![
            ((topic.as_str(), 0, Some(3), Some(10), Some(7)), member),
            ((topic.as_str(), 1, None, Some(10), None), member),
        ]
    );
    assert_eq!((detail.total_lag, detail.partitions, &detail.topics), (summary.total_lag, 2, &summary.topics));
    drop(consumer);
}

#[test]
fn the_detail_of_a_group_that_does_not_exist_says_so() {
    let _g = common::shared();
    let group = unique("rows-missing");
    let read = runtime().block_on(async {
        let backend = console_backend().await;
        backend.group(group.clone()).await
    });
    assert_eq!(read, Ok(None));
}
