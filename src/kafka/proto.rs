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
    OffsetCommitRequest => OffsetCommitResponse: OffsetCommit,
    OffsetDeleteRequest => OffsetDeleteResponse: OffsetDelete,
    DeleteGroupsRequest => DeleteGroupsResponse: DeleteGroups,
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

/// OffsetFetch of many groups, decoded compactly (see [`super::offset_fetch`]).
impl KafkaRequest for super::offset_fetch::OffsetFetchMany {
    const KEY: ApiKey = ApiKey::OffsetFetch;
    type Response = super::offset_fetch::OffsetFetchAnswer;
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

/// Whether an error code in a response means "not now": the broker, coordinator or controller is
/// loading, moving or electing, and the same request will succeed after a backoff (re-finding the
/// coordinator or leader where the code says so). Kafka's AdminClient retries these until its
/// timeout. Narrower than the protocol's "retriable" flag: UNKNOWN_TOPIC_OR_PARTITION is retriable
/// there, but for an admin tool it usually means the topic is gone, so callers decide about it
/// (see `Client::list_offsets`), and REQUEST_TIMED_OUT on a mutation may mean it was applied.
pub fn is_transient(code: i16) -> bool {
    matches!(
        code,
        5   // LEADER_NOT_AVAILABLE
        | 6  // NOT_LEADER_OR_FOLLOWER
        | 9  // REPLICA_NOT_AVAILABLE
        | 13 // NETWORK_EXCEPTION
        | 14 // COORDINATOR_LOAD_IN_PROGRESS
        | 15 // COORDINATOR_NOT_AVAILABLE
        | 16 // NOT_COORDINATOR
        | 41 // NOT_CONTROLLER
        | 74 // FENCED_LEADER_EPOCH
        | 75 // UNKNOWN_LEADER_EPOCH
        | 78 // OFFSET_NOT_AVAILABLE
        | 88 // UNSTABLE_OFFSET_COMMIT
        | 89 // THROTTLING_QUOTA_EXCEEDED
    )
}

/// Codes after which the coordinator must be looked up again before retrying.
pub fn coordinator_moved(code: i16) -> bool {
    matches!(code, 15 | 16)
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
        assert!(is_transient(6));
        assert!(is_transient(14), "COORDINATOR_LOAD_IN_PROGRESS is what a just-started cluster answers");
        assert!(!is_transient(58), "bad credentials do not get better");
        assert!(!is_transient(3), "an unknown topic is the caller's call");
        assert!(coordinator_moved(16) && !coordinator_moved(14));
    }
}
