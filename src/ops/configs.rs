//! Topic and broker configs: viewing (source in words, secrets masked) and changing them with
//! IncrementalAlterConfigs, checked against what the cluster knows before anything is sent.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::errors::{as_invalid, explain, ErrorContext};
use super::{Context, Mutation, OpsError, Preview};
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigEntry, ConfigResource, ConfigSource};
use crate::kafka::{Client, KafkaError};

pub use crate::kafka::redact::{is_sensitive_key, mask, HIDDEN};

/// One config for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigView {
    pub name: String,
    /// Masked when sensitive.
    pub value: Option<String>,
    /// default / dynamic / static
    pub source: &'static str,
    /// Where exactly: "topic override", "server.properties", "Kafka default"…
    pub source_detail: &'static str,
    /// Kafka's name for the source (DYNAMIC_TOPIC_CONFIG…), as kafka-configs prints it.
    pub kafka_source: &'static str,
    pub sensitive: bool,
    pub read_only: bool,
    pub synonyms: Vec<SynonymView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SynonymView {
    pub name: String,
    pub value: Option<String>,
    pub kafka_source: &'static str,
}

/// One key's change for the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigDiff {
    pub key: String,
    pub op: AlterOp,
    pub current: Option<String>,
    /// default / dynamic / static; None when the key is not set at all.
    pub current_source: Option<&'static str>,
    /// The value after the change (for delete: what it falls back to, where known).
    pub new: Option<String>,
    pub new_source: Option<&'static str>,
}

/// A described entry for display, secrets masked.
pub fn view(e: &ConfigEntry) -> ConfigView {
    let hide = e.sensitive || is_sensitive_key(&e.name);
    ConfigView {
        name: e.name.clone(),
        value: if hide { Some(HIDDEN.into()) } else { e.value.clone() },
        source: e.source.kind(),
        source_detail: e.source.detail(),
        kafka_source: e.source.kafka_name(),
        sensitive: e.sensitive,
        read_only: e.read_only,
        synonyms: e
            .synonyms
            .iter()
            .map(|s| SynonymView {
                name: s.name.clone(),
                value: if hide { Some(HIDDEN.into()) } else { s.value.clone() },
                kafka_source: s.source.kafka_name(),
            })
            .collect(),
    }
}

fn error_context(resource: &ConfigResource) -> ErrorContext {
    ErrorContext {
        topic: match resource {
            ConfigResource::Topic(t) => Some(t.clone()),
            _ => None,
        },
        resource: Some(resource.to_string()),
        ..Default::default()
    }
}

async fn check_broker(client: &Client, resource: &ConfigResource) -> Result<(), OpsError> {
    if let ConfigResource::Broker(id) = resource {
        let ids = client.broker_ids();
        if !ids.contains(id) {
            let list: Vec<String> = ids.iter().map(i32::to_string).collect();
            return Err(OpsError::Invalid(format!("broker {id} is not in the cluster (brokers: {})", list.join(", "))));
        }
    }
    Ok(())
}

async fn describe_raw(client: &Client, resource: &ConfigResource) -> Result<Vec<ConfigEntry>, OpsError> {
    check_broker(client, resource).await?;
    client.describe_configs(resource).await.map_err(|e| as_invalid(explain(e, &error_context(resource))))
}

/// Every config of a topic or broker, for display.
pub async fn describe(client: &Client, resource: &ConfigResource) -> Result<Vec<ConfigView>, OpsError> {
    Ok(describe_raw(client, resource).await?.iter().map(view).collect())
}

fn parse_long(key: &str, value: &str) -> Result<i64, String> {
    value.trim().parse::<i64>().map_err(|_| format!("{key} takes a whole number, got {:?}", mask(key, value)))
}

/// Cheap checks of values Kafka would reject anyway, with a clearer message.
pub fn check_value(key: &str, value: &str) -> Result<(), String> {
    match key {
        "retention.ms" | "retention.bytes" | "log.retention.ms" | "log.retention.bytes" => {
            let v = parse_long(key, value)?;
            if v < -1 {
                return Err(format!("{key} must be -1 (unlimited) or a value >= 0, got {v}"));
            }
        }
        "min.insync.replicas" if parse_long(key, value)? < 1 => {
            return Err(format!("{key} must be at least 1, got {value}"))
        }
        "max.message.bytes" | "message.max.bytes" | "segment.bytes" | "segment.ms" if parse_long(key, value)? < 0 => {
            return Err(format!("{key} cannot be negative, got {value}"));
        }
        k if k.ends_with(".ms") || k.ends_with(".bytes") => {
            parse_long(key, value)?;
        }
        _ => {}
    }
    Ok(())
}

/// Key=value pairs for a new topic: no duplicates, plausible values.
pub fn check_pairs(pairs: &[(String, String)]) -> Result<(), OpsError> {
    let mut seen = BTreeSet::new();
    for (k, v) in pairs {
        if !seen.insert(k.as_str()) {
            return Err(OpsError::Invalid(format!("config {k} is given twice")));
        }
        check_value(k, v).map_err(OpsError::Invalid)?;
    }
    Ok(())
}

/// The closest known key, for "did you mean".
fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known.map(|k| (edit_distance(key, k), k)).filter(|(d, _)| *d <= 2).min().map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The source a key has when it is set on this resource itself.
fn own_source(resource: &ConfigResource) -> ConfigSource {
    match resource {
        ConfigResource::Topic(_) => ConfigSource::DynamicTopicConfig,
        ConfigResource::Broker(_) => ConfigSource::DynamicBrokerConfig,
        ConfigResource::BrokerDefault => ConfigSource::DynamicDefaultBrokerConfig,
    }
}

pub async fn prepare(
    client: &Client,
    ctx: &Context,
    resource: &ConfigResource,
    changes: &[ConfigChange],
) -> Result<Preview, OpsError> {
    if changes.is_empty() {
        return Err(OpsError::Invalid("no config changes given".into()));
    }
    let mut seen = BTreeSet::new();
    for c in changes {
        if c.key.is_empty() {
            return Err(OpsError::Invalid("empty config key".into()));
        }
        if !seen.insert(c.key.as_str()) {
            return Err(OpsError::Invalid(format!("config {} is given twice", c.key)));
        }
        match (&c.value, c.op) {
            (None, AlterOp::Set | AlterOp::Append | AlterOp::Subtract) => {
                return Err(OpsError::Invalid(format!("{} needs a value (key=value)", c.key)))
            }
            (Some(v), AlterOp::Set) => check_value(&c.key, v).map_err(OpsError::Invalid)?,
            _ => {}
        }
    }
    let current = describe_raw(client, resource).await?;
    let by_name: BTreeMap<&str, &ConfigEntry> = current.iter().map(|e| (e.name.as_str(), e)).collect();
    // the full key set: a topic lists all its keys; dynamic broker defaults list only what is set
    let reference = match resource {
        ConfigResource::BrokerDefault => match client.broker_ids().first() {
            Some(id) => client
                .describe_configs(&ConfigResource::Broker(*id))
                .await
                .map_err(|e| explain(e, &error_context(resource)))?,
            None => Vec::new(),
        },
        _ => current.clone(),
    };
    let known: BTreeMap<&str, &ConfigEntry> = reference.iter().map(|e| (e.name.as_str(), e)).collect();
    for c in changes {
        match (resource, known.get(c.key.as_str())) {
            (ConfigResource::Topic(_), None) => {
                let hint =
                    closest(&c.key, known.keys().copied()).map(|k| format!(" (did you mean {k}?)")).unwrap_or_default();
                return Err(OpsError::Invalid(format!("unknown topic config {:?}{hint}", c.key)));
            }
            // Kafka calls keys it does not know (a plugin's) read-only, yet stores them
            // dynamically: one already set on this resource can be changed and deleted again.
            (ConfigResource::Broker(_) | ConfigResource::BrokerDefault, Some(e))
                if e.read_only && by_name.get(c.key.as_str()).is_none_or(|cur| cur.source != own_source(resource)) =>
            {
                return Err(OpsError::Invalid(format!(
                    "{} cannot be changed while the broker runs: set it in server.properties and restart the broker",
                    c.key
                )));
            }
            _ => {}
        }
    }
    let mut warnings = Vec::new();
    if !matches!(resource, ConfigResource::Topic(_)) {
        // brokers accept any key (plugins read their own), so a typo would be stored silently
        for c in changes.iter().filter(|c| c.op != AlterOp::Delete && !c.key.starts_with("listener.name.")) {
            if !known.contains_key(c.key.as_str()) {
                let hint =
                    closest(&c.key, known.keys().copied()).map(|k| format!("; did you mean {k}?")).unwrap_or_default();
                warnings.push(format!(
                    "{} is not a config the broker knows: it is stored, but only a plugin would read it{hint}",
                    c.key
                ));
            }
        }
    }
    if let ConfigResource::Topic(topic) = resource {
        if let Some(c) = changes.iter().find(|c| c.key == "min.insync.replicas" && c.op == AlterOp::Set) {
            let rf = crate::cluster::load(
                client,
                &crate::cluster::LoadOptions { topics: Some(vec![topic.clone()]), ..Default::default() },
            )
            .await
            .ok()
            .and_then(|s| s.topic(topic).map(|t| t.replication_factor()));
            if let (Some(rf), Some(Ok(min))) = (rf, c.value.as_deref().map(str::parse::<usize>)) {
                if min > rf {
                    warnings.push(format!(
                        "min.insync.replicas {min} is larger than the replication factor {rf}: producers with acks=all will get NOT_ENOUGH_REPLICAS"
                    ));
                }
            }
        }
    }

    let diffs = diffs(resource, changes, &by_name, &known, &mut warnings);

    client
        .incremental_alter_configs(resource, changes, true)
        .await
        .map_err(|e| as_invalid(explain(e, &error_context(resource))))?;

    let mutation = Mutation::AlterConfigs { resource: resource.clone(), changes: changes.to_vec() };
    Ok(Preview {
        configs: diffs,
        ..Preview::of(ctx, mutation, "validated by the broker (IncrementalAlterConfigs, validate-only)", warnings)
    })
}

/// What each change does to the resource's current configs (`current`, by name): the value and
/// source before and after, secrets hidden (`known`: every key the resource has, for the
/// sensitive flag). Pure: the preview's table, and the console's fake builds its previews with it.
/// Warnings for changes that do nothing or delete data are added to `warnings`.
pub fn diffs(
    resource: &ConfigResource,
    changes: &[ConfigChange],
    current: &BTreeMap<&str, &ConfigEntry>,
    known: &BTreeMap<&str, &ConfigEntry>,
    warnings: &mut Vec<String>,
) -> Vec<ConfigDiff> {
    let by_name = current;
    let own = own_source(resource);
    let mut diffs = Vec::new();
    for c in changes {
        let entry = by_name.get(c.key.as_str()).copied();
        let hide = entry.is_some_and(|e| e.sensitive)
            || known.get(c.key.as_str()).is_some_and(|e| e.sensitive)
            || is_sensitive_key(&c.key);
        let shown = |v: Option<String>| if hide { v.map(|_| HIDDEN.to_string()) } else { v };
        let (cur, cur_src) = match entry {
            Some(e) => (shown(e.value.clone()), Some(e.source.kind())),
            None => (None, None),
        };
        let (new, new_source) = match c.op {
            AlterOp::Delete => {
                if entry.is_none_or(|e| e.source != own) {
                    warnings.push(format!("{} is not set on {resource}: deleting it changes nothing", c.key));
                    (cur.clone(), cur_src)
                } else {
                    // the value it falls back to is the next synonym down the chain
                    let next = entry.and_then(|e| e.synonyms.iter().find(|s| s.source != own));
                    (
                        shown(next.and_then(|s| s.value.clone())),
                        Some(next.map(|s| s.source.kind()).unwrap_or("default")),
                    )
                }
            }
            AlterOp::Set => (shown(c.value.clone()), Some("dynamic")),
            AlterOp::Append | AlterOp::Subtract => (None, Some("dynamic")),
        };
        if c.op == AlterOp::Set && matches!(c.key.as_str(), "retention.ms" | "retention.bytes") {
            if let (Some(Ok(old)), Some(Ok(newv))) =
                (cur.as_deref().map(str::parse::<i64>), c.value.as_deref().map(str::parse::<i64>))
            {
                if newv != -1 && (old == -1 || newv < old) {
                    warnings.push(format!(
                        "lowering {} from {old} to {newv}: older data is deleted at the next log cleanup",
                        c.key
                    ));
                }
            }
        }
        diffs.push(ConfigDiff { key: c.key.clone(), op: c.op, current: cur, current_source: cur_src, new, new_source });
    }
    diffs
}

pub async fn apply(client: &Client, resource: &ConfigResource, changes: &[ConfigChange]) -> Result<String, OpsError> {
    client
        .incremental_alter_configs(resource, changes, false)
        .await
        .map_err(|e: KafkaError| explain(e, &error_context(resource)))?;
    Ok(format!("updated {resource}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(
            check_value("retention.ms", "-5"),
            Err("retention.ms must be -1 (unlimited) or a value >= 0, got -5".into())
        );
        assert!(check_value("retention.ms", "-1").is_ok());
        assert!(check_value("retention.ms", "0").is_ok());
        assert_eq!(check_value("retention.ms", "7d"), Err("retention.ms takes a whole number, got \"7d\"".into()));
        assert!(check_value("min.insync.replicas", "0").is_err());
        assert!(check_value("max.message.bytes", "10485760").is_ok());
        assert!(check_value("cleanup.policy", "compact").is_ok());
    }

    #[test]
    fn masking_and_suggestions() {
        assert_eq!(mask("sasl.jaas.config", "x"), HIDDEN);
        assert_eq!(mask("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "x"), HIDDEN);
        assert_eq!(mask("ssl.keystore.password", "x"), HIDDEN);
        assert_eq!(mask("retention.ms", "1000"), "1000");
        let known = ["retention.ms", "retention.bytes", "segment.ms"];
        assert_eq!(closest("retention.msx", known.iter().copied()), Some("retention.ms"));
        assert_eq!(closest("no.such.key", known.iter().copied()), None);
    }
}
