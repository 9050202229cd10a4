//! Changes to consumer groups: committing offsets for a group (as an admin, outside any
//! generation), deleting groups and deleting a group's offsets. Each goes to the group's
//! coordinator, found again and retried while it is loading or moving (see `per_coordinator`).

use std::collections::{BTreeMap, HashMap};

use kafka_protocol::messages::offset_commit_request::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
use kafka_protocol::messages::offset_delete_request::{OffsetDeleteRequestPartition, OffsetDeleteRequestTopic};
use kafka_protocol::messages::{
    ApiKey, DeleteGroupsRequest, GroupId, OffsetCommitRequest, OffsetDeleteRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::admin::TopicPartition;
use super::client::{Client, Target};
use super::error::{KafkaError, Result};
use super::proto::{error_name, is_transient};

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// Partitions grouped by topic, topics and partitions in order.
fn by_topic<T: Copy>(items: &[(TopicPartition, T)]) -> BTreeMap<&str, Vec<(i32, T)>> {
    let mut topics: BTreeMap<&str, Vec<(i32, T)>> = BTreeMap::new();
    for ((t, p), v) in items {
        topics.entry(t.as_str()).or_default().push((*p, *v));
    }
    for ps in topics.values_mut() {
        ps.sort_by_key(|(p, _)| *p);
    }
    topics
}

/// (topic, partition, error code) of the partitions of a response's topics that carry an error
/// (OffsetCommit and OffsetDelete responses have the same shape in different types).
macro_rules! failed_partitions {
    ($topics:expr) => {
        $topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .filter(|p| p.error_code != 0)
                    .map(|p| (t.name.0.to_string(), p.partition_index, p.error_code))
            })
            .collect::<Vec<(String, i32, i16)>>()
    };
}

/// The outcome of a request whose partitions each carry an error code: a transient code makes
/// the whole request one to retry; others are reported with the partitions they hit.
fn partition_errors(api: ApiKey, failed: &[(String, i32, i16)]) -> std::result::Result<(), KafkaError> {
    let Some((_, _, first)) = failed.first() else { return Ok(()) };
    if let Some((_, _, code)) = failed.iter().find(|(_, _, c)| is_transient(*c)) {
        return Err(KafkaError::broker(api, *code, None));
    }
    let list: Vec<String> = failed.iter().map(|(t, p, c)| format!("{t}-{p} {}", error_name(*c))).collect();
    Err(KafkaError::broker(api, *first, Some(list.join(", "))))
}

impl Client {
    /// Commits `offsets` for `group` as an administrator does (generation -1, no member id):
    /// the coordinator accepts it only while the group has no active members.
    pub async fn commit_group_offsets(&self, group: &str, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let groups = [group.to_string()];
        let topics = by_topic(offsets);
        let topics = &topics;
        let mut res = self
            .per_coordinator(&groups, |coord, _| async move {
                let req = OffsetCommitRequest::default()
                    .with_group_id(GroupId(s(group)))
                    .with_generation_id_or_member_epoch(-1)
                    .with_member_id(StrBytes::default())
                    .with_group_instance_id(None)
                    .with_retention_time_ms(-1)
                    .with_topics(
                        topics
                            .iter()
                            .map(|(t, ps)| {
                                OffsetCommitRequestTopic::default().with_name(TopicName(s(t))).with_partitions(
                                    ps.iter()
                                        .map(|(p, o)| {
                                            OffsetCommitRequestPartition::default()
                                                .with_partition_index(*p)
                                                .with_committed_offset(*o)
                                                .with_committed_leader_epoch(-1)
                                                .with_committed_metadata(Some(StrBytes::default()))
                                        })
                                        .collect(),
                                )
                            })
                            .collect(),
                    );
                let resp = self.send(Target::Coordinator(coord), &req).await?;
                let failed = failed_partitions!(resp.topics);
                Ok(vec![(group.to_string(), partition_errors(ApiKey::OffsetCommit, &failed))])
            })
            .await;
        res.remove(group).unwrap_or_else(|| Err(KafkaError::Other(format!("no answer for group {group}"))))
    }

    /// Deletes groups (DeleteGroups to each coordinator). A group with members is refused by
    /// the broker (NON_EMPTY_GROUP), an unknown one is GROUP_ID_NOT_FOUND.
    pub async fn delete_groups(&self, groups: &[String]) -> HashMap<String, Result<()>> {
        self.per_coordinator(groups, |coord, gs| async move {
            let req = DeleteGroupsRequest::default().with_groups_names(gs.iter().map(|g| GroupId(s(g))).collect());
            let resp = self.send(Target::Coordinator(coord), &req).await?;
            Ok(resp
                .results
                .into_iter()
                .map(|r| {
                    let res = match r.error_code {
                        0 => Ok(()),
                        code => Err(KafkaError::broker(ApiKey::DeleteGroups, code, None)),
                    };
                    (r.group_id.0.to_string(), res)
                })
                .collect())
        })
        .await
    }

    /// Deletes `group`'s committed offsets of `partitions` (OffsetDelete). The broker refuses
    /// partitions of topics the group's members are subscribed to (GROUP_SUBSCRIBED_TO_TOPIC).
    pub async fn delete_group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<()> {
        let groups = [group.to_string()];
        let items: Vec<(TopicPartition, ())> = partitions.iter().map(|tp| (tp.clone(), ())).collect();
        let topics = by_topic(&items);
        let topics = &topics;
        let mut res = self
            .per_coordinator(&groups, |coord, _| async move {
                let req = OffsetDeleteRequest::default().with_group_id(GroupId(s(group))).with_topics(
                    topics
                        .iter()
                        .map(|(t, ps)| {
                            OffsetDeleteRequestTopic::default().with_name(TopicName(s(t))).with_partitions(
                                ps.iter()
                                    .map(|(p, _)| OffsetDeleteRequestPartition::default().with_partition_index(*p))
                                    .collect(),
                            )
                        })
                        .collect(),
                );
                let resp = self.send(Target::Coordinator(coord), &req).await?;
                if resp.error_code != 0 {
                    return Ok(vec![(
                        group.to_string(),
                        Err(KafkaError::broker(ApiKey::OffsetDelete, resp.error_code, None)),
                    )]);
                }
                let failed = failed_partitions!(resp.topics);
                Ok(vec![(group.to_string(), partition_errors(ApiKey::OffsetDelete, &failed))])
            })
            .await;
        res.remove(group).unwrap_or_else(|| Err(KafkaError::Other(format!("no answer for group {group}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_errors_name_the_partitions() {
        assert!(partition_errors(ApiKey::OffsetCommit, &[]).is_ok());
        let e = partition_errors(ApiKey::OffsetCommit, &[("orders".into(), 1, 25), ("orders".into(), 2, 25)])
            .expect_err("failed");
        assert_eq!(
            e.to_string(),
            "OffsetCommit failed: UNKNOWN_MEMBER_ID (orders-1 UNKNOWN_MEMBER_ID, orders-2 UNKNOWN_MEMBER_ID)"
        );
        let e = partition_errors(ApiKey::OffsetCommit, &[("a".into(), 0, 25), ("a".into(), 1, 14)]).expect_err("x");
        assert_eq!(e.code(), Some(14), "a loading coordinator makes the request one to retry");
    }
}
