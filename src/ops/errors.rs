//! Errors of the operations layer, and broker error codes turned into sentences a user can act on.

use thiserror::Error;

use crate::kafka::KafkaError;

#[derive(Debug, Error)]
pub enum OpsError {
    #[error("refusing to {what}: cluster {cluster} is read-only (--read-only or read_only = true in its profile); nothing was sent")]
    ReadOnly { what: String, cluster: String },
    /// Caught before sending: by kdeck's own checks or the broker's validate-only mode.
    #[error("{0}")]
    Invalid(String),
    /// The cluster refused the real request.
    #[error("{0}")]
    Rejected(String),
    #[error("refusing to {what} without confirmation: {why}")]
    NotConfirmed { what: String, why: String },
    #[error("cancelled: nothing was changed")]
    Cancelled,
    #[error("cannot write the audit log ({0}); refusing to change the cluster without an audit trail")]
    Audit(String),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
}

/// What the request was about, to word its errors.
#[derive(Clone, Debug, Default)]
pub struct ErrorContext {
    pub topic: Option<String>,
    pub replication_factor: Option<i16>,
    pub brokers: Option<usize>,
    pub resource: Option<String>,
}

/// Broker rejections during validation are "invalid", like kdeck's own checks.
pub(crate) fn as_invalid(e: OpsError) -> OpsError {
    match e {
        OpsError::Rejected(s) => OpsError::Invalid(s),
        other => other,
    }
}

/// The MSK IAM action an authorization failure of `api` calls for, as a sentence's tail.
fn msk_iam(api: &str) -> String {
    crate::kafka::error::msk_iam_action(api)
        .map(|a| format!("; on MSK with IAM auth, the policy needs {a}"))
        .unwrap_or_default()
}

/// A broker error in words. Errors that are not from a broker response pass through unchanged.
pub fn explain(e: KafkaError, cx: &ErrorContext) -> OpsError {
    let KafkaError::Broker { api, name, message, .. } = &e else {
        return match e {
            KafkaError::UnknownTopic(t) => OpsError::Invalid(format!("unknown topic: {t}")),
            other => OpsError::Kafka(other),
        };
    };
    let msg = message.clone().unwrap_or_default();
    let with_msg = |s: String| if msg.is_empty() { s } else { format!("{s}: {msg}") };
    let topic = cx.topic.clone().unwrap_or_else(|| "?".into());
    let text = match name.as_str() {
        "INVALID_REPLICATION_FACTOR" => match (cx.replication_factor, cx.brokers) {
            (Some(rf), Some(n)) if rf as usize > n => {
                format!("replication factor {rf} is larger than the {n} available brokers")
            }
            _ => with_msg("invalid replication factor".into()),
        },
        "TOPIC_ALREADY_EXISTS" => format!("topic {topic} already exists"),
        "UNKNOWN_TOPIC_OR_PARTITION" | "UNKNOWN_TOPIC_ID" => format!("unknown topic: {topic}"),
        "INVALID_TOPIC_EXCEPTION" => with_msg(format!("invalid topic name {topic:?}")),
        "INVALID_PARTITIONS" => with_msg("invalid partition count".into()),
        "INVALID_REPLICA_ASSIGNMENT" => with_msg("invalid replica assignment".into()),
        "INVALID_CONFIG" => match unknown_config_key(&msg) {
            Some(k) => format!("unknown topic config {k:?}"),
            None => with_msg("invalid config".into()),
        },
        "INVALID_REQUEST" => with_msg("the broker rejected the request".into()),
        "POLICY_VIOLATION" => {
            with_msg("rejected by the cluster's policy (create.topic.policy / alter.config.policy)".into())
        }
        "TOPIC_AUTHORIZATION_FAILED" => format!(
            "not authorized for topic {topic}: the user needs the matching ACL (Create, Delete, Alter or AlterConfigs){}",
            msk_iam(api)
        ),
        "CLUSTER_AUTHORIZATION_FAILED" => format!(
            "not authorized: this needs an ACL on the cluster resource (Alter / AlterConfigs / Create){}",
            msk_iam(api)
        ),
        "TOPIC_DELETION_DISABLED" => "topic deletion is disabled on this cluster (delete.topic.enable=false)".into(),
        "REASSIGNMENT_IN_PROGRESS" => {
            format!("topic {topic} has a partition reassignment in progress; wait until it finishes")
        }
        "THROTTLING_QUOTA_EXCEEDED" => {
            "the cluster's controller mutation quota is exhausted; try again in a moment".into()
        }
        "NOT_CONTROLLER" => "the controller moved while the request was in flight; try again".into(),
        "REQUEST_TIMED_OUT" => {
            with_msg("the controller did not finish in time; check the result before retrying".into())
        }
        "UNSUPPORTED_VERSION" => with_msg("the broker does not support this request".into()),
        _ => return OpsError::Rejected(format!("{e}")),
    };
    OpsError::Rejected(text)
}

/// Kafka says `Unknown topic config name: foo.bar` for topic keys it does not know.
fn unknown_config_key(msg: &str) -> Option<String> {
    msg.strip_prefix("Unknown topic config name: ").map(|k| k.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ApiKey;

    #[test]
    fn words_for_common_codes() {
        let cx = ErrorContext {
            topic: Some("orders".into()),
            replication_factor: Some(4),
            brokers: Some(3),
            resource: None,
        };
        let e = |code, m: Option<&str>| {
            explain(KafkaError::broker(ApiKey::CreateTopics, code, m.map(str::to_string)), &cx).to_string()
        };
        assert_eq!(e(38, Some("Unable to replicate")), "replication factor 4 is larger than the 3 available brokers");
        assert_eq!(e(36, Some("Topic 'orders' already exists.")), "topic orders already exists");
        assert_eq!(e(40, Some("Unknown topic config name: foo.bar")), "unknown topic config \"foo.bar\"");
        assert_eq!(
            e(40, Some("Invalid value -5 for configuration retention.ms")),
            "invalid config: Invalid value -5 for configuration retention.ms"
        );
        assert_eq!(e(3, None), "unknown topic: orders");
        assert_eq!(
            e(44, Some("no")),
            "rejected by the cluster's policy (create.topic.policy / alter.config.policy): no"
        );
        assert_eq!(e(99, None), "CreateTopics failed: POSITION_OUT_OF_RANGE");
    }
}
