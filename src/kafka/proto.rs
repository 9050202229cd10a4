//! Binds each request type of the `kafka-protocol` codec to its API key and response type.
//!
//! The crate only implements its own `Request` trait when both its `client` and `broker` features
//! are on; we build with `client` alone (half the generated code) and bind the pairs we use here.

use kafka_protocol::messages::{self as m, ApiKey};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Message};

/// A request kdeck can send, with the response it decodes.
pub trait KafkaRequest: Message + Encodable + HeaderVersion + Send + Sync + 'static {
    const KEY: ApiKey;
    type Response: Message + Decodable + HeaderVersion + Send + 'static;
}

macro_rules! bind {
    ($($req:ident => $resp:ident : $key:ident),* $(,)?) => {
        $(impl KafkaRequest for m::$req {
            const KEY: ApiKey = ApiKey::$key;
            type Response = m::$resp;
        })*
    };
}

bind! {
    ApiVersionsRequest => ApiVersionsResponse: ApiVersions,
    SaslHandshakeRequest => SaslHandshakeResponse: SaslHandshake,
    SaslAuthenticateRequest => SaslAuthenticateResponse: SaslAuthenticate,
    MetadataRequest => MetadataResponse: Metadata,
    DescribeClusterRequest => DescribeClusterResponse: DescribeCluster,
    ListOffsetsRequest => ListOffsetsResponse: ListOffsets,
    FindCoordinatorRequest => FindCoordinatorResponse: FindCoordinator,
    ListGroupsRequest => ListGroupsResponse: ListGroups,
    DescribeGroupsRequest => DescribeGroupsResponse: DescribeGroups,
    OffsetFetchRequest => OffsetFetchResponse: OffsetFetch,
    ListPartitionReassignmentsRequest => ListPartitionReassignmentsResponse: ListPartitionReassignments,
    AlterPartitionReassignmentsRequest => AlterPartitionReassignmentsResponse: AlterPartitionReassignments,
    CreateTopicsRequest => CreateTopicsResponse: CreateTopics,
    DeleteTopicsRequest => DeleteTopicsResponse: DeleteTopics,
    CreatePartitionsRequest => CreatePartitionsResponse: CreatePartitions,
    DescribeConfigsRequest => DescribeConfigsResponse: DescribeConfigs,
    IncrementalAlterConfigsRequest => IncrementalAlterConfigsResponse: IncrementalAlterConfigs,
    ElectLeadersRequest => ElectLeadersResponse: ElectLeaders,
    DescribeQuorumRequest => DescribeQuorumResponse: DescribeQuorum,
    DescribeLogDirsRequest => DescribeLogDirsResponse: DescribeLogDirs,
}

/// Kafka's own name for an error code (`NOT_LEADER_OR_FOLLOWER`), as users see it in broker logs
/// and Java tools.
pub fn error_name(code: i16) -> String {
    match kafka_protocol::ResponseError::try_from_code(code) {
        None => "NONE".to_string(),
        Some(kafka_protocol::ResponseError::Unknown(c)) => format!("UNKNOWN_ERROR_CODE_{c}"),
        Some(e) => {
            let camel = format!("{e}");
            let mut out = String::with_capacity(camel.len() + 8);
            for (i, ch) in camel.chars().enumerate() {
                if ch.is_ascii_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(ch.to_ascii_uppercase());
            }
            out
        }
    }
}

/// Whether a response error code is worth retrying after refreshing routing or backing off.
pub fn is_retriable(code: i16) -> bool {
    kafka_protocol::ResponseError::try_from_code(code).is_some_and(|e| e.is_retriable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_match_kafka_spelling() {
        assert_eq!(error_name(0), "NONE");
        assert_eq!(error_name(3), "UNKNOWN_TOPIC_OR_PARTITION");
        assert_eq!(error_name(6), "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(error_name(58), "SASL_AUTHENTICATION_FAILED");
        assert!(is_retriable(6));
        assert!(!is_retriable(58));
    }
}
