//! Replica sizes as the brokers report them (DescribeLogDirs on every broker), for planning how
//! much data a reassignment moves. Loaded apart from the snapshot: only the planner needs them.

use std::collections::{BTreeMap, HashMap};

use crate::kafka::admin::{LogDir, TopicPartition};
use crate::kafka::{Client, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicaSizes {
    /// Per partition, the bytes of each broker's replica in use (future copies left out).
    pub by_partition: HashMap<TopicPartition, BTreeMap<i32, u64>>,
    /// Brokers whose sizes are missing, in whole or for an offline log directory, with why.
    pub unavailable: BTreeMap<i32, String>,
}

impl ReplicaSizes {
    /// Sizes from every broker's answer (see [`Client::describe_log_dirs`]).
    pub fn from_log_dirs(answers: BTreeMap<i32, Result<Vec<LogDir>>>) -> ReplicaSizes {
        let mut out = ReplicaSizes::default();
        for (broker, answer) in answers {
            match answer {
                Ok(dirs) => {
                    let mut errors = Vec::new();
                    for d in dirs {
                        if let Some(e) = &d.error {
                            errors.push(format!("log dir {}: {e}", d.path));
                        }
                        for r in d.replicas.into_iter().filter(|r| !r.is_future) {
                            out.by_partition
                                .entry((r.topic, r.partition))
                                .or_default()
                                .insert(broker, r.size.max(0) as u64);
                        }
                    }
                    if !errors.is_empty() {
                        out.unavailable.insert(broker, errors.join("; "));
                    }
                }
                Err(e) => {
                    out.unavailable.insert(broker, e.to_string());
                }
            }
        }
        out
    }

    /// The reported size of each broker's replica of a partition (empty: none reported).
    pub fn of(&self, topic: &str, partition: i32) -> Option<&BTreeMap<i32, u64>> {
        self.by_partition.get(&(topic.to_string(), partition))
    }
}

/// Replica sizes from the given brokers, asked concurrently; one that fails is listed in
/// [`ReplicaSizes::unavailable`] and the others still count.
pub async fn replica_sizes(client: &Client, brokers: &[i32]) -> ReplicaSizes {
    ReplicaSizes::from_log_dirs(client.describe_log_dirs(brokers).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::admin::ReplicaLog;
    use crate::kafka::KafkaError;

    fn replica(topic: &str, partition: i32, size: i64, is_future: bool) -> ReplicaLog {
        ReplicaLog { topic: topic.into(), partition, size, offset_lag: 0, is_future }
    }

    #[test]
    fn future_copies_are_left_out_and_failures_are_per_broker() {
        let answers = BTreeMap::from([
            (
                1,
                Ok(vec![
                    LogDir {
                        path: "/a".into(),
                        error: None,
                        replicas: vec![replica("t", 0, 100, false), replica("t", 1, 7, true)],
                    },
                    LogDir { path: "/b".into(), error: Some("KAFKA_STORAGE_ERROR".into()), replicas: vec![] },
                    LogDir { path: "/c".into(), error: None, replicas: vec![replica("t", 1, 40, false)] },
                ]),
            ),
            (2, Ok(vec![LogDir { path: "/a".into(), error: None, replicas: vec![replica("t", 0, 90, false)] }])),
            (3, Err(KafkaError::Other("127.0.0.1:39092 did not answer DescribeLogDirs within 15s".into()))),
        ]);
        let s = ReplicaSizes::from_log_dirs(answers);
        assert_eq!(s.of("t", 0), Some(&BTreeMap::from([(1, 100), (2, 90)])));
        assert_eq!(s.of("t", 1), Some(&BTreeMap::from([(1, 40)])));
        assert_eq!(s.of("t", 2), None);
        assert_eq!(
            s.unavailable,
            BTreeMap::from([
                (1, "log dir /b: KAFKA_STORAGE_ERROR".to_string()),
                (3, "127.0.0.1:39092 did not answer DescribeLogDirs within 15s".to_string()),
            ])
        );
    }
}
