//! Typed admin calls that change the cluster (topics, partitions, configs) plus DescribeConfigs.
//! Each call carries one item, so a failure is that item's broker error. Mutations go to the
//! controller and are retried on NOT_CONTROLLER after re-reading metadata; broker configs go to
//! the broker they belong to. Never the legacy AlterConfigs, which resets every key not named.

use kafka_protocol::messages::create_partitions_request::{CreatePartitionsAssignment, CreatePartitionsTopic};
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{AlterConfigsResource, AlterableConfig};
use kafka_protocol::messages::{
    ApiKey, BrokerId, CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest, DescribeConfigsRequest,
    IncrementalAlterConfigsRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use serde::Serialize;

use super::client::{Client, Target};
use super::error::{KafkaError, Result};
use super::proto::{is_transient, KafkaRequest};
use super::redact;

pub(crate) const NOT_CONTROLLER: i16 = 41;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

pub(crate) fn broker_err(api: ApiKey, code: i16, message: Option<&StrBytes>) -> KafkaError {
    KafkaError::broker(api, code, message.map(|m| m.to_string()).filter(|m| !m.is_empty()))
}

/// What a config belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum ConfigResource {
    Topic(String),
    /// One broker's configs.
    Broker(i32),
    /// The cluster-wide dynamic broker defaults (Kafka's `--entity-default`).
    BrokerDefault,
}

impl ConfigResource {
    pub(crate) fn kind(&self) -> i8 {
        match self {
            ConfigResource::Topic(_) => 2,
            ConfigResource::Broker(_) | ConfigResource::BrokerDefault => 4,
        }
    }

    pub(crate) fn name(&self) -> String {
        match self {
            ConfigResource::Topic(t) => t.clone(),
            ConfigResource::Broker(id) => id.to_string(),
            ConfigResource::BrokerDefault => String::new(),
        }
    }

    /// A broker's own configs can only be read and changed on that broker.
    pub(crate) fn target(&self) -> Target {
        match self {
            ConfigResource::Broker(id) => Target::Broker(*id),
            _ => Target::Controller,
        }
    }
}

impl std::fmt::Display for ConfigResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigResource::Topic(t) => write!(f, "topic {t}"),
            ConfigResource::Broker(id) => write!(f, "broker {id}"),
            ConfigResource::BrokerDefault => write!(f, "cluster-wide broker defaults"),
        }
    }
}

/// Where a config value comes from (DescribeConfigs `config_source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigSource {
    Unknown,
    DynamicTopicConfig,
    DynamicBrokerConfig,
    DynamicDefaultBrokerConfig,
    StaticBrokerConfig,
    DefaultConfig,
    DynamicBrokerLoggerConfig,
    ClientMetricsConfig,
    GroupConfig,
}

impl ConfigSource {
    pub fn from_code(code: i8) -> ConfigSource {
        match code {
            1 => ConfigSource::DynamicTopicConfig,
            2 => ConfigSource::DynamicBrokerConfig,
            3 => ConfigSource::DynamicDefaultBrokerConfig,
            4 => ConfigSource::StaticBrokerConfig,
            5 => ConfigSource::DefaultConfig,
            6 => ConfigSource::DynamicBrokerLoggerConfig,
            7 => ConfigSource::ClientMetricsConfig,
            8 => ConfigSource::GroupConfig,
            _ => ConfigSource::Unknown,
        }
    }

    /// Kafka's spelling, as `kafka-configs --describe` prints it.
    pub fn kafka_name(self) -> &'static str {
        match self {
            ConfigSource::Unknown => "UNKNOWN",
            ConfigSource::DynamicTopicConfig => "DYNAMIC_TOPIC_CONFIG",
            ConfigSource::DynamicBrokerConfig => "DYNAMIC_BROKER_CONFIG",
            ConfigSource::DynamicDefaultBrokerConfig => "DYNAMIC_DEFAULT_BROKER_CONFIG",
            ConfigSource::StaticBrokerConfig => "STATIC_BROKER_CONFIG",
            ConfigSource::DefaultConfig => "DEFAULT_CONFIG",
            ConfigSource::DynamicBrokerLoggerConfig => "DYNAMIC_BROKER_LOGGER_CONFIG",
            ConfigSource::ClientMetricsConfig => "CLIENT_METRICS_CONFIG",
            ConfigSource::GroupConfig => "GROUP_CONFIG",
        }
    }

    /// default / dynamic / static: what a user needs to know to change it.
    pub fn kind(self) -> &'static str {
        match self {
            ConfigSource::DefaultConfig => "default",
            ConfigSource::StaticBrokerConfig => "static",
            ConfigSource::Unknown => "unknown",
            _ => "dynamic",
        }
    }

    /// Where exactly the value is set, in words.
    pub fn detail(self) -> &'static str {
        match self {
            ConfigSource::Unknown => "unknown",
            ConfigSource::DynamicTopicConfig => "topic override",
            ConfigSource::DynamicBrokerConfig => "broker override",
            ConfigSource::DynamicDefaultBrokerConfig => "cluster-wide broker default",
            ConfigSource::StaticBrokerConfig => "server.properties",
            ConfigSource::DefaultConfig => "Kafka default",
            ConfigSource::DynamicBrokerLoggerConfig => "broker logger",
            ConfigSource::ClientMetricsConfig => "client metrics",
            ConfigSource::GroupConfig => "group override",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigSynonym {
    pub name: String,
    pub value: Option<String>,
    pub source: ConfigSource,
}

/// One config as the broker describes it. Sensitive values never leave the broker (value None).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigEntry {
    pub name: String,
    pub value: Option<String>,
    pub source: ConfigSource,
    pub sensitive: bool,
    /// Cannot be changed at runtime (only in server.properties).
    pub read_only: bool,
    /// Where the value would come from, most specific first (the entry's own source included).
    pub synonyms: Vec<ConfigSynonym>,
}

/// IncrementalAlterConfigs operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterOp {
    Set,
    Delete,
    /// Add to a list-valued config.
    Append,
    /// Remove from a list-valued config.
    Subtract,
}

impl AlterOp {
    fn code(self) -> i8 {
        match self {
            AlterOp::Set => 0,
            AlterOp::Delete => 1,
            AlterOp::Append => 2,
            AlterOp::Subtract => 3,
        }
    }
}

/// One key's change. Serialized and debug-printed with the value masked when the key is a secret
/// (JSON output and logs show what changes, never a password).
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigChange {
    pub key: String,
    pub op: AlterOp,
    pub value: Option<String>,
}

impl ConfigChange {
    fn shown_value(&self) -> Option<&str> {
        self.value.as_deref().map(|v| redact::mask(&self.key, v))
    }
}

impl Serialize for ConfigChange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let shown = self.shown_value();
        let mut st = s.serialize_struct("ConfigChange", 2 + usize::from(shown.is_some()))?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("op", &self.op)?;
        if let Some(v) = shown {
            st.serialize_field("value", v)?;
        }
        st.end()
    }
}

impl std::fmt::Debug for ConfigChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigChange")
            .field("key", &self.key)
            .field("op", &self.op)
            .field("value", &self.shown_value())
            .finish()
    }
}

/// A topic to create. No partitions/RF with an assignment; the controller places replicas otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Explicit replicas per partition (partition i gets assignment[i]); empty: the controller decides.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assignment: Vec<Vec<i32>>,
    /// Serialized with secret values masked, like [`ConfigChange`].
    #[serde(serialize_with = "masked_pairs")]
    pub configs: Vec<(String, String)>,
}

fn masked_pairs<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(pairs.iter().map(|(k, v)| (k, redact::mask(k, v))))
}

/// What the controller reports for a created (or validated) topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatedTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
}

impl Client {
    /// Sends to the controller; while `again` says the answer is worth retrying (NOT_CONTROLLER for
    /// a change: the controller moved and nothing was applied), re-reads metadata and tries again
    /// within the call's budget.
    pub(crate) async fn to_controller<R: KafkaRequest>(
        &self,
        req: &R,
        again: impl Fn(&R::Response) -> bool,
    ) -> Result<R::Response> {
        let mut budget = self.retry();
        loop {
            let resp = self.send(Target::Controller, req).await?;
            if again(&resp) && budget.again(format!("{:?}: the controller asked to try again", R::KEY)).await {
                self.invalidate().await?;
                continue;
            }
            return Ok(resp);
        }
    }

    pub(crate) fn timeout_ms(&self) -> i32 {
        i32::try_from(self.config().request_timeout.as_millis()).unwrap_or(i32::MAX)
    }

    /// CreateTopics for one topic; `validate_only` asks the controller to check without creating.
    pub async fn create_topic(&self, topic: &NewTopic, validate_only: bool) -> Result<CreatedTopic> {
        let mut t = CreatableTopic::default().with_name(TopicName(s(&topic.name))).with_configs(
            topic
                .configs
                .iter()
                .map(|(k, v)| CreatableTopicConfig::default().with_name(s(k)).with_value(Some(s(v))))
                .collect(),
        );
        if topic.assignment.is_empty() {
            t = t.with_num_partitions(topic.partitions).with_replication_factor(topic.replication_factor);
        } else {
            t = t.with_num_partitions(-1).with_replication_factor(-1).with_assignments(
                topic
                    .assignment
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        CreatableReplicaAssignment::default()
                            .with_partition_index(i as i32)
                            .with_broker_ids(r.iter().map(|b| BrokerId(*b)).collect())
                    })
                    .collect(),
            );
        }
        let req = CreateTopicsRequest::default()
            .with_topics(vec![t])
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let resp = self.to_controller(&req, |r| r.topics.iter().any(|t| t.error_code == NOT_CONTROLLER)).await?;
        let r = resp
            .topics
            .into_iter()
            .find(|t| t.name.0.as_str() == topic.name)
            .ok_or_else(|| KafkaError::Other(format!("the controller did not answer for topic {}", topic.name)))?;
        if r.error_code != 0 {
            return Err(broker_err(ApiKey::CreateTopics, r.error_code, r.error_message.as_ref()));
        }
        Ok(CreatedTopic {
            name: topic.name.clone(),
            partitions: r.num_partitions,
            replication_factor: r.replication_factor,
        })
    }

    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        let version = self.version_for::<DeleteTopicsRequest>(&Target::Controller).await?;
        let mut req = DeleteTopicsRequest::default().with_timeout_ms(self.timeout_ms());
        // v6 names topics in `topics` (which may carry ids instead); older versions in `topic_names`
        if version >= 6 {
            req = req.with_topics(vec![DeleteTopicState::default().with_name(Some(TopicName(s(name))))]);
        } else {
            req = req.with_topic_names(vec![TopicName(s(name))]);
        }
        let resp = self.to_controller(&req, |r| r.responses.iter().any(|t| t.error_code == NOT_CONTROLLER)).await?;
        let r = resp
            .responses
            .into_iter()
            .find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == name))
            .ok_or_else(|| KafkaError::Other(format!("the controller did not answer for topic {name}")))?;
        if r.error_code != 0 {
            return Err(broker_err(ApiKey::DeleteTopics, r.error_code, r.error_message.as_ref()));
        }
        Ok(())
    }

    /// Grows `topic` to `total` partitions; `assignment` lists the replicas of each new partition
    /// (empty: the controller places them).
    pub async fn create_partitions(
        &self,
        topic: &str,
        total: i32,
        assignment: &[Vec<i32>],
        validate_only: bool,
    ) -> Result<()> {
        let assignments = (!assignment.is_empty()).then(|| {
            assignment
                .iter()
                .map(|r| {
                    CreatePartitionsAssignment::default().with_broker_ids(r.iter().map(|b| BrokerId(*b)).collect())
                })
                .collect()
        });
        let req = CreatePartitionsRequest::default()
            .with_topics(vec![CreatePartitionsTopic::default()
                .with_name(TopicName(s(topic)))
                .with_count(total)
                .with_assignments(assignments)])
            .with_timeout_ms(self.timeout_ms())
            .with_validate_only(validate_only);
        let resp = self.to_controller(&req, |r| r.results.iter().any(|t| t.error_code == NOT_CONTROLLER)).await?;
        let r = resp
            .results
            .into_iter()
            .find(|t| t.name.0.as_str() == topic)
            .ok_or_else(|| KafkaError::Other(format!("the controller did not answer for topic {topic}")))?;
        if r.error_code != 0 {
            return Err(broker_err(ApiKey::CreatePartitions, r.error_code, r.error_message.as_ref()));
        }
        Ok(())
    }

    /// All configs of a topic or broker, with synonyms (so the source chain is visible).
    pub async fn describe_configs(&self, resource: &ConfigResource) -> Result<Vec<ConfigEntry>> {
        let req = DescribeConfigsRequest::default()
            .with_resources(vec![DescribeConfigsResource::default()
                .with_resource_type(resource.kind())
                .with_resource_name(s(&resource.name()))
                .with_configuration_keys(None)])
            .with_include_synonyms(true);
        let mut budget = self.retry();
        let r = loop {
            let resp = match resource.target() {
                // a read: every transient answer is worth another try
                Target::Controller => {
                    self.to_controller(&req, |r| r.results.iter().any(|t| is_transient(t.error_code))).await?
                }
                target => self.send(target, &req).await?,
            };
            let r = resp
                .results
                .into_iter()
                .next()
                .ok_or_else(|| KafkaError::Other(format!("no configs returned for {resource}")))?;
            // The broker asked answers from its own metadata, which may not have caught up with a
            // topic created a moment ago: ask again while another broker knows the topic.
            if let (UNKNOWN_TOPIC_OR_PARTITION, ConfigResource::Topic(topic)) = (r.error_code, resource) {
                let named = [topic.clone()];
                let known_elsewhere = self
                    .metadata_knowing(Some(&named), &named)
                    .await
                    .is_ok_and(|m| super::client::missing_topics(&m, &named).is_empty());
                if known_elsewhere && budget.again(format!("{resource}: the broker asked does not know it yet")).await {
                    continue;
                }
            }
            break r;
        };
        config_entries(r)
    }

    /// IncrementalAlterConfigs: only the named keys change.
    pub async fn incremental_alter_configs(
        &self,
        resource: &ConfigResource,
        changes: &[ConfigChange],
        validate_only: bool,
    ) -> Result<()> {
        let req = IncrementalAlterConfigsRequest::default()
            .with_resources(vec![AlterConfigsResource::default()
                .with_resource_type(resource.kind())
                .with_resource_name(s(&resource.name()))
                .with_configs(
                    changes
                        .iter()
                        .map(|c| {
                            AlterableConfig::default()
                                .with_name(s(&c.key))
                                .with_config_operation(c.op.code())
                                .with_value(c.value.as_deref().map(s))
                        })
                        .collect(),
                )])
            .with_validate_only(validate_only);
        let resp = match resource.target() {
            Target::Controller => {
                self.to_controller(&req, |r| r.responses.iter().any(|t| t.error_code == NOT_CONTROLLER)).await?
            }
            target => self.send(target, &req).await?,
        };
        let r =
            resp.responses.into_iter().next().ok_or_else(|| KafkaError::Other(format!("no answer for {resource}")))?;
        if r.error_code != 0 {
            return Err(broker_err(ApiKey::IncrementalAlterConfigs, r.error_code, r.error_message.as_ref()));
        }
        Ok(())
    }
}

/// One resource's DescribeConfigs result as entries sorted by name (its error, if it has one).
pub(crate) fn config_entries(
    r: kafka_protocol::messages::describe_configs_response::DescribeConfigsResult,
) -> Result<Vec<ConfigEntry>> {
    if r.error_code != 0 {
        return Err(broker_err(ApiKey::DescribeConfigs, r.error_code, r.error_message.as_ref()));
    }
    let mut out: Vec<ConfigEntry> = r
        .configs
        .into_iter()
        .map(|c| ConfigEntry {
            name: c.name.to_string(),
            value: c.value.map(|v| v.to_string()),
            source: ConfigSource::from_code(c.config_source),
            sensitive: c.is_sensitive,
            read_only: c.read_only,
            synonyms: c
                .synonyms
                .into_iter()
                .map(|y| ConfigSynonym {
                    name: y.name.to_string(),
                    value: y.value.map(|v| v.to_string()),
                    source: ConfigSource::from_code(y.source),
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
