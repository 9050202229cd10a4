//! Errors of the control-plane client, worded for the person at the terminal.

use std::time::Duration;

use thiserror::Error;

/// The words of [`KafkaError::Advertised`] that still name it once the error has been carried as
/// text (a group's or a partition's error in a snapshot): `kdeck doctor` recognises it by them.
pub const UNREACHABLE_ADVERTISED: &str = "which kdeck cannot reach";

#[derive(Debug, Error)]
pub enum KafkaError {
    #[error("could not connect to {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("connecting to {addr} timed out after {after:?} (is the address reachable from here? check security groups / VPN)")]
    ConnectTimeout { addr: String, after: Duration },
    #[error("TLS with {addr} failed: {message}")]
    Tls { addr: String, message: String },
    #[error("authentication with {addr} failed ({mechanism}): {message}")]
    Auth { addr: String, mechanism: String, message: String },
    #[error("{addr} did not answer {api} within {after:?}")]
    Timeout { addr: String, api: String, after: Duration },
    #[error("{addr} did not answer {ago}s ago; not asking it again for {left}s")]
    Unresponsive { addr: String, ago: u64, left: u64 },
    #[error("connection to {addr} closed{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Disconnected { addr: String, reason: Option<String> },
    #[error("{addr} does not support {api} in a version kdeck speaks (broker {broker_min}..={broker_max}, kdeck {ours_min}..={ours_max})")]
    UnsupportedVersion { addr: String, api: String, broker_min: i16, broker_max: i16, ours_min: i16, ours_max: i16 },
    #[error("{api} failed: {name}{}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default(), msk_iam_hint(api, name))]
    Broker { api: String, code: i16, name: String, message: Option<String> },
    #[error("malformed response from {addr} to {api}: {message}")]
    Protocol { addr: String, api: String, message: String },
    #[error("none of the bootstrap servers answered:\n  {}", .0.join("\n  "))]
    Bootstrap(Vec<String>),
    #[error("broker {id} is not in the cluster metadata")]
    UnknownBroker { id: i32 },
    #[error("broker {id} advertises {addr}, {UNREACHABLE_ADVERTISED}: {source}\n  hint: the bootstrap server answered, so either broker {id} is down or restarting, or its advertised.listeners point at an address that is only valid inside the broker's network (docker/k8s/VPC): `kdeck doctor` checks each step, and --socks5 / --broker-map reach such brokers through a tunnel")]
    Advertised {
        id: i32,
        addr: String,
        #[source]
        source: Box<KafkaError>,
    },
    #[error("the KRaft metadata quorum has no leader (an election is in progress)")]
    NoQuorumLeader,
    #[error("unknown topic: {0}")]
    UnknownTopic(String),
    #[error("consumer group {0:?} does not exist")]
    UnknownGroup(String),
    /// An error already worded elsewhere (e.g. one failure shared by a batch of groups).
    #[error("{0}")]
    Other(String),
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl KafkaError {
    pub fn broker(api: kafka_protocol::messages::ApiKey, code: i16, message: Option<String>) -> Self {
        KafkaError::Broker { api: format!("{api:?}"), code, name: super::proto::error_name(code), message }
    }

    /// The connection is gone or never came up: the request can be retried on a new connection
    /// (to the same broker once it is back, or to the one that took over its partitions).
    pub fn is_connection(&self) -> bool {
        match self {
            KafkaError::Connect { .. } | KafkaError::ConnectTimeout { .. } | KafkaError::Disconnected { .. } => true,
            KafkaError::Advertised { source, .. } => source.is_connection(),
            _ => false,
        }
    }

    /// The broker's error code, if this error came from a response.
    pub fn code(&self) -> Option<i16> {
        match self {
            KafkaError::Broker { code, .. } => Some(*code),
            _ => None,
        }
    }
}

pub type Result<T, E = KafkaError> = std::result::Result<T, E>;

/// The MSK IAM action (`kafka-cluster:…`) a request needs, by its API name, as MSK's access
/// control documents them. Several resources may be involved; this names the one usually missing.
pub fn msk_iam_action(api: &str) -> Option<&'static str> {
    Some(match api {
        "Metadata" | "ListOffsets" => "kafka-cluster:DescribeTopic",
        "DescribeCluster" | "ListPartitionReassignments" | "DescribeLogDirs" | "DescribeQuorum" => {
            "kafka-cluster:DescribeCluster"
        }
        "CreateTopics" => "kafka-cluster:CreateTopic",
        "DeleteTopics" => "kafka-cluster:DeleteTopic",
        "CreatePartitions" => "kafka-cluster:AlterTopic",
        "DescribeConfigs" => {
            "kafka-cluster:DescribeTopicDynamicConfiguration (topics) or kafka-cluster:DescribeClusterDynamicConfiguration (brokers)"
        }
        "IncrementalAlterConfigs" | "AlterConfigs" => {
            "kafka-cluster:AlterTopicDynamicConfiguration (topics) or kafka-cluster:AlterClusterDynamicConfiguration (brokers)"
        }
        "ListGroups" | "DescribeGroups" | "OffsetFetch" | "ConsumerGroupDescribe" => "kafka-cluster:DescribeGroup",
        "DeleteGroups" => "kafka-cluster:DeleteGroup",
        "OffsetCommit" | "OffsetDelete" => "kafka-cluster:AlterGroup",
        "AlterPartitionReassignments" | "ElectLeaders" => "kafka-cluster:AlterCluster",
        "Fetch" => "kafka-cluster:ReadData",
        "Produce" => "kafka-cluster:WriteData",
        _ => return None,
    })
}

/// For an authorization failure: the MSK IAM action to grant, if kdeck knows it.
fn msk_iam_hint(api: &str, name: &str) -> String {
    match msk_iam_action(api) {
        Some(action) if name.ends_with("_AUTHORIZATION_FAILED") => {
            format!(" — on MSK with IAM auth the policy needs {action}")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_failures_name_the_msk_iam_action() {
        let e = KafkaError::Broker {
            api: "CreateTopics".into(),
            code: 29,
            name: "TOPIC_AUTHORIZATION_FAILED".into(),
            message: None,
        };
        assert_eq!(
            e.to_string(),
            "CreateTopics failed: TOPIC_AUTHORIZATION_FAILED — on MSK with IAM auth the policy needs kafka-cluster:CreateTopic"
        );
        let e = KafkaError::Broker {
            api: "CreateTopics".into(),
            code: 36,
            name: "TOPIC_ALREADY_EXISTS".into(),
            message: None,
        };
        assert_eq!(e.to_string(), "CreateTopics failed: TOPIC_ALREADY_EXISTS");
        assert_eq!(msk_iam_action("ListGroups"), Some("kafka-cluster:DescribeGroup"));
        assert_eq!(msk_iam_action("ApiVersions"), None);
    }
}
