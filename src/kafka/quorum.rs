//! The KRaft metadata quorum: which node leads it, i.e. the active controller.
//!
//! On KRaft, the controller id in Metadata (and DescribeCluster) answers is an arbitrary live
//! broker, a different one from request to request (brokers forward controller requests
//! themselves), so it says nothing about the active controller; DescribeQuorum does. Brokers in
//! ZooKeeper mode do not offer DescribeQuorum; there Metadata's controller id is the real one.

use futures::stream::{FuturesUnordered, StreamExt};
use kafka_protocol::messages::{describe_quorum_request, ApiKey, DescribeQuorumRequest, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::client::{backoff, Client, Target};
use super::error::{KafkaError, Result};

impl Client {
    /// The leader of the KRaft metadata quorum (the active controller), or None when the cluster
    /// runs in ZooKeeper mode (its brokers do not offer DescribeQuorum).
    ///
    /// One broker is asked, for half a request timeout; if it cannot answer (down, hung, or the
    /// controller unreachable from it), the others are asked at once, and once more after a
    /// backoff if they only said that the quorum has no leader yet (an election). All of it
    /// within one request timeout. A broker whose forwarded DescribeQuorum times out is not
    /// marked unresponsive: the controller behind it is what did not answer. The error names
    /// each broker's answer.
    pub async fn quorum_leader(&self) -> Result<Option<i32>> {
        let budget = self.config().request_timeout;
        let mut failures = Vec::new();
        match tokio::time::timeout(budget, self.ask_quorum(&mut failures)).await {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => Err(KafkaError::Other(format!(
                "no broker named the KRaft quorum leader (DescribeQuorum): {}",
                failures.join("; ")
            ))),
            Err(_) => Err(KafkaError::Other(format!(
                "no broker named the KRaft quorum leader (DescribeQuorum) within {budget:?}{}",
                if failures.is_empty() { String::new() } else { format!(": {}", failures.join("; ")) }
            ))),
        }
    }

    /// The answer of the first broker that has one; what the others said goes to `failures`.
    async fn ask_quorum(&self, failures: &mut Vec<String>) -> Option<Option<i32>> {
        let patience = self.config().request_timeout / 2;
        let first = match tokio::time::timeout(patience, self.quorum_leader_from(&Target::Any)).await {
            Ok(Ok(answer)) => return Some(answer),
            Err(_) => format!("first broker asked: no answer within {patience:?}"),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "DescribeQuorum failed; asking the other brokers");
                format!("first broker asked: {e}")
            }
        };
        failures.push(first);
        for round in 0..2 {
            if round > 0 {
                tokio::time::sleep(backoff(round)).await;
            }
            let mut asks: FuturesUnordered<_> = self
                .broker_ids()
                .into_iter()
                .map(|id| async move { (id, self.quorum_leader_from(&Target::Broker(id)).await) })
                .collect();
            let mut election = true;
            while let Some((id, answer)) = asks.next().await {
                match answer {
                    Ok(answer) => return Some(answer),
                    Err(e) => {
                        election &= matches!(e, KafkaError::NoQuorumLeader | KafkaError::Broker { .. });
                        failures.push(format!("broker {id}: {e}"));
                    }
                }
            }
            if !election {
                break;
            }
        }
        None
    }

    async fn quorum_leader_from(&self, target: &Target) -> Result<Option<i32>> {
        let conn = self.connection_for(target).await?;
        if conn.supports(ApiKey::DescribeQuorum).is_none() {
            return Ok(None);
        }
        let req = DescribeQuorumRequest::default().with_topics(vec![describe_quorum_request::TopicData::default()
            .with_topic_name(TopicName(StrBytes::from_static_str("__cluster_metadata")))
            .with_partitions(vec![describe_quorum_request::PartitionData::default().with_partition_index(0)])]);
        // On this connection, not through `send`: see quorum_leader on timeouts.
        let resp = conn.send(&req).await?;
        if resp.error_code != 0 {
            let message = resp.error_message.map(|m| m.to_string());
            return Err(KafkaError::broker(ApiKey::DescribeQuorum, resp.error_code, message));
        }
        let partition = resp
            .topics
            .first()
            .and_then(|t| t.partitions.first())
            .ok_or_else(|| KafkaError::Other("DescribeQuorum answered without the metadata partition".into()))?;
        if partition.error_code != 0 {
            let message = partition.error_message.as_ref().map(|m| m.to_string());
            return Err(KafkaError::broker(ApiKey::DescribeQuorum, partition.error_code, message));
        }
        if partition.leader_id.0 < 0 {
            return Err(KafkaError::NoQuorumLeader);
        }
        Ok(Some(partition.leader_id.0))
    }
}
