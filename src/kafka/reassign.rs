//! Admin calls for executing reassignments: AlterPartitionReassignments (new targets, or None to
//! cancel), ElectLeaders, and DescribeConfigs of chosen keys over many resources (the throttle
//! configs). Requests go to the controller and are retried on NOT_CONTROLLER after re-reading
//! metadata; broker configs go to the broker they belong to.

use std::collections::BTreeMap;

use futures::future::join_all;
use kafka_protocol::messages::alter_partition_reassignments_request::{ReassignablePartition, ReassignableTopic};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, ApiKey, BrokerId, DescribeConfigsRequest, ElectLeadersRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use serde::Serialize;

use super::client::{Client, Target};
use super::error::{KafkaError, Result};
use super::topic_config_admin::{broker_err, config_entries, ConfigEntry, ConfigResource, NOT_CONTROLLER};

/// Kafka's answer for a partition whose leader is already the one the election would pick.
pub const ELECTION_NOT_NEEDED: i16 = 84;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// One partition's answer to a reassignment or election request.
#[derive(Debug)]
pub struct PartitionOutcome {
    pub topic: String,
    pub partition: i32,
    /// None: accepted.
    pub error: Option<KafkaError>,
}

/// Which leader an election picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Election {
    /// The first replica of the assignment, if it is in sync.
    Preferred,
    /// Any live replica, in sync or not, for partitions without a leader (may lose messages).
    Unclean,
}

impl Election {
    fn code(self) -> i8 {
        match self {
            Election::Preferred => 0,
            Election::Unclean => 1,
        }
    }
}

/// Groups (topic, partition, value) triples by topic, keeping the order of first appearance.
fn by_topic<T: Clone>(items: &[(String, i32, T)]) -> Vec<(String, Vec<(i32, T)>)> {
    let mut out: Vec<(String, Vec<(i32, T)>)> = Vec::new();
    for (topic, partition, v) in items {
        match out.iter_mut().find(|(t, _)| t == topic) {
            Some((_, ps)) => ps.push((*partition, v.clone())),
            None => out.push((topic.clone(), vec![(*partition, v.clone())])),
        }
    }
    out
}

impl Client {
    /// AlterPartitionReassignments: each partition gets its new replica list, or with None its
    /// reassignment in progress is cancelled. Returns one outcome per partition asked about.
    pub async fn alter_reassignments(
        &self,
        targets: &[(String, i32, Option<Vec<i32>>)],
    ) -> Result<Vec<PartitionOutcome>> {
        let topics = by_topic(targets)
            .into_iter()
            .map(|(topic, parts)| {
                ReassignableTopic::default().with_name(TopicName(s(&topic))).with_partitions(
                    parts
                        .into_iter()
                        .map(|(p, r)| {
                            ReassignablePartition::default()
                                .with_partition_index(p)
                                .with_replicas(r.map(|r| r.into_iter().map(BrokerId).collect()))
                        })
                        .collect(),
                )
            })
            .collect();
        let req = AlterPartitionReassignmentsRequest::default().with_timeout_ms(self.timeout_ms()).with_topics(topics);
        let resp = self
            .to_controller(&req, |r| {
                r.error_code == NOT_CONTROLLER
                    || r.responses.iter().any(|t| t.partitions.iter().any(|p| p.error_code == NOT_CONTROLLER))
            })
            .await?;
        if resp.error_code != 0 {
            return Err(broker_err(ApiKey::AlterPartitionReassignments, resp.error_code, resp.error_message.as_ref()));
        }
        let mut out = Vec::new();
        for t in resp.responses {
            for p in t.partitions {
                out.push(PartitionOutcome {
                    topic: t.name.0.to_string(),
                    partition: p.partition_index,
                    error: (p.error_code != 0).then(|| {
                        broker_err(ApiKey::AlterPartitionReassignments, p.error_code, p.error_message.as_ref())
                    }),
                });
            }
        }
        Ok(out)
    }

    /// ElectLeaders for the given partitions. A partition whose leader is already the one the
    /// election would choose comes back with ELECTION_NOT_NEEDED.
    pub async fn elect_leaders(
        &self,
        election: Election,
        partitions: &[(String, i32)],
    ) -> Result<Vec<PartitionOutcome>> {
        let items: Vec<(String, i32, ())> = partitions.iter().map(|(t, p)| (t.clone(), *p, ())).collect();
        let topics = by_topic(&items)
            .into_iter()
            .map(|(topic, parts)| {
                TopicPartitions::default()
                    .with_topic(TopicName(s(&topic)))
                    .with_partitions(parts.into_iter().map(|(p, ())| p).collect())
            })
            .collect();
        let req = ElectLeadersRequest::default()
            .with_election_type(election.code())
            .with_topic_partitions(Some(topics))
            .with_timeout_ms(self.timeout_ms());
        let resp = self
            .to_controller(&req, |r| {
                r.error_code == NOT_CONTROLLER
                    || r.replica_election_results
                        .iter()
                        .any(|t| t.partition_result.iter().any(|p| p.error_code == NOT_CONTROLLER))
            })
            .await?;
        if resp.error_code != 0 {
            return Err(broker_err(ApiKey::ElectLeaders, resp.error_code, None));
        }
        let mut out = Vec::new();
        for t in resp.replica_election_results {
            for p in t.partition_result {
                out.push(PartitionOutcome {
                    topic: t.topic.0.to_string(),
                    partition: p.partition_id,
                    error: (p.error_code != 0)
                        .then(|| broker_err(ApiKey::ElectLeaders, p.error_code, p.error_message.as_ref())),
                });
            }
        }
        Ok(out)
    }

    /// The named config keys of many topics and brokers: one DescribeConfigs per broker for
    /// broker resources (only a broker knows its own configs), one to the controller for the
    /// rest. Each resource gets its own result; a broker that does not answer fails only its own.
    pub async fn describe_config_keys(
        &self,
        resources: &[ConfigResource],
        keys: &[&str],
    ) -> Vec<(ConfigResource, Result<Vec<ConfigEntry>>)> {
        let mut by_target: BTreeMap<Option<i32>, Vec<&ConfigResource>> = BTreeMap::new();
        for r in resources {
            let broker = match r.target() {
                Target::Broker(id) => Some(id),
                _ => None,
            };
            by_target.entry(broker).or_default().push(r);
        }
        let keys: Vec<StrBytes> = keys.iter().map(|k| s(k)).collect();
        let calls = by_target.into_iter().map(|(broker, group)| {
            let keys = keys.clone();
            async move {
                let req = DescribeConfigsRequest::default().with_resources(
                    group
                        .iter()
                        .map(|r| {
                            DescribeConfigsResource::default()
                                .with_resource_type(r.kind())
                                .with_resource_name(s(&r.name()))
                                .with_configuration_keys(Some(keys.clone()))
                        })
                        .collect(),
                );
                let resp = match broker {
                    Some(id) => self.send(Target::Broker(id), &req).await,
                    None => {
                        self.to_controller(&req, |r| r.results.iter().any(|t| t.error_code == NOT_CONTROLLER)).await
                    }
                };
                match resp {
                    Ok(resp) => {
                        let mut answers: Vec<_> = resp.results.into_iter().map(Some).collect();
                        group
                            .into_iter()
                            .map(|r| {
                                let found = answers.iter_mut().find(|a| {
                                    a.as_ref().is_some_and(|a| {
                                        a.resource_type == r.kind() && a.resource_name.as_str() == r.name()
                                    })
                                });
                                let result = match found.and_then(Option::take) {
                                    Some(a) => config_entries(a),
                                    None => Err(KafkaError::Other(format!("no configs returned for {r}"))),
                                };
                                (r.clone(), result)
                            })
                            .collect::<Vec<_>>()
                    }
                    Err(e) => {
                        let text = e.to_string();
                        group.into_iter().map(|r| (r.clone(), Err(KafkaError::Other(text.clone())))).collect()
                    }
                }
            }
        });
        join_all(calls).await.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_partitions_by_topic_in_order() {
        let items = vec![
            ("b".to_string(), 1, Some(vec![1])),
            ("a".to_string(), 0, None),
            ("b".to_string(), 0, Some(vec![2, 3])),
        ];
        assert_eq!(
            by_topic(&items),
            vec![
                ("b".to_string(), vec![(1, Some(vec![1])), (0, Some(vec![2, 3]))]),
                ("a".to_string(), vec![(0, None)]),
            ]
        );
    }
}
