//! Creating and deleting topics.

use serde::Serialize;

use super::errors::{as_invalid, explain, ErrorContext};
use super::plan::PlacementError;
use super::{configs, Context, Mutation, OpsError, Preview};
use crate::cluster::{self, LoadOptions};
use crate::kafka::topic_config_admin::NewTopic;
use crate::kafka::{Client, KafkaError};

/// The topic a delete is about to remove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicFacts {
    pub name: String,
    pub partitions: usize,
    pub replication_factor: usize,
    pub messages: Option<i64>,
}

pub fn check_topic_name(name: &str) -> Result<(), OpsError> {
    let bad = |m: String| Err(OpsError::Invalid(m));
    if name.is_empty() {
        return bad("a topic name cannot be empty".into());
    }
    if name == "." || name == ".." {
        return bad(format!("{name:?} is not a valid topic name"));
    }
    if name.len() > 249 {
        return bad(format!("topic names are at most 249 characters ({} given)", name.len()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return bad(format!("topic name {name:?} contains {c:?}: use only letters, digits, '.', '_' and '-'"));
    }
    Ok(())
}

/// Exists (Some(partition count)), or not (None).
pub(crate) async fn partition_count(client: &Client, topic: &str) -> Result<Option<usize>, KafkaError> {
    let named = [topic.to_string()];
    let meta = client.metadata_knowing(Some(&named), &named).await?;
    Ok(meta
        .topics
        .iter()
        .find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == topic))
        .filter(|t| t.error_code == 0)
        .map(|t| t.partitions.len()))
}

/// Waits until every broker's metadata shows the change, so the next command (ours or another
/// tool's, on whichever broker it asks) sees it too. Not seeing it in time is not an error (the
/// controller has accepted the change), but it is said: the words to append to the result.
pub(crate) async fn settle(client: &Client, topic: &str, want: Option<usize>) -> String {
    match client.await_topic_everywhere(topic, want).await.as_slice() {
        [] => String::new(),
        behind => format!(
            " (brokers {} do not show it yet; they will once they catch up with the controller)",
            behind.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")
        ),
    }
}

pub async fn prepare_create(client: &Client, ctx: &Context, t: &NewTopic) -> Result<Preview, OpsError> {
    check_topic_name(&t.name)?;
    if t.partitions < 1 {
        return Err(OpsError::Invalid(format!("a topic needs at least 1 partition ({} given)", t.partitions)));
    }
    if t.replication_factor < 1 {
        return Err(OpsError::Invalid(format!(
            "replication factor must be at least 1 ({} given)",
            t.replication_factor
        )));
    }
    configs::check_pairs(&t.configs)?;
    let ids = client.broker_ids();
    let brokers = ids.len();
    if !t.assignment.is_empty() {
        check_assignment(&t.assignment, &ids)?;
    }
    if t.replication_factor as usize > brokers {
        return Err(OpsError::Invalid(
            PlacementError::NotEnoughBrokers { rf: t.replication_factor as usize, brokers }.to_string(),
        ));
    }
    if partition_count(client, &t.name).await?.is_some() {
        return Err(already_exists(&t.name));
    }
    let cx = ErrorContext {
        topic: Some(t.name.clone()),
        replication_factor: Some(t.replication_factor),
        brokers: Some(brokers),
        resource: None,
    };
    client.create_topic(t, true).await.map_err(|e| as_invalid(explain(e, &cx)))?;
    Ok(create_preview(ctx, t))
}

pub fn already_exists(name: &str) -> OpsError {
    OpsError::Invalid(format!("topic {name} already exists"))
}

/// The preview of a create the broker has validated (pure: the console's tests build it too).
pub fn create_preview(ctx: &Context, t: &NewTopic) -> Preview {
    let mut warnings = Vec::new();
    if t.replication_factor == 1 {
        warnings.push("replication factor 1: each partition goes offline whenever its one broker is down".into());
    }
    if t.name.contains('.') && t.name.contains('_') {
        warnings.push("topic names with both '.' and '_' can collide in metric names (Kafka maps '.' to '_')".into());
    }
    Preview::of(
        ctx,
        Mutation::CreateTopic(t.clone()),
        "validated by the broker (CreateTopics, validate-only)",
        warnings,
    )
}

/// An explicit placement: one replication factor, distinct replicas, brokers that exist.
fn check_assignment(assignment: &[Vec<i32>], brokers: &[i32]) -> Result<(), OpsError> {
    let rf = assignment.first().map_or(0, Vec::len);
    for (p, r) in assignment.iter().enumerate() {
        if r.len() != rf {
            return Err(OpsError::Invalid(format!("partition {p} has {} replicas but partition 0 has {rf}: all partitions need the same replication factor", r.len())));
        }
        let distinct: std::collections::BTreeSet<&i32> = r.iter().collect();
        if distinct.len() != r.len() {
            return Err(OpsError::Invalid(format!("partition {p} lists a broker twice")));
        }
        if let Some(b) = r.iter().find(|b| !brokers.contains(b)) {
            return Err(OpsError::Invalid(format!("partition {p}: broker {b} is not in the cluster")));
        }
    }
    Ok(())
}

pub async fn apply_create(client: &Client, t: &NewTopic) -> Result<String, OpsError> {
    let cx = ErrorContext {
        topic: Some(t.name.clone()),
        replication_factor: Some(t.replication_factor),
        brokers: Some(client.broker_ids().len()),
        resource: None,
    };
    let created = client.create_topic(t, false).await.map_err(|e| explain(e, &cx))?;
    let behind = settle(client, &t.name, Some(created.partitions.max(0) as usize)).await;
    Ok(format!(
        "created topic {} ({} partitions, replication factor {}){behind}",
        t.name, created.partitions, created.replication_factor
    ))
}

pub async fn prepare_delete(client: &Client, ctx: &Context, topic: &str) -> Result<Preview, OpsError> {
    let cx = ErrorContext { topic: Some(topic.to_string()), ..Default::default() };
    let snap = cluster::load(
        client,
        &LoadOptions { topics: Some(vec![topic.to_string()]), offsets: true, ..Default::default() },
    )
    .await
    .map_err(|e| explain(e, &cx))?;
    delete_preview(ctx, &snap, topic)
}

/// The preview of deleting `topic` as `snap` shows it (pure: the console's tests build it too).
pub fn delete_preview(ctx: &Context, snap: &cluster::Snapshot, topic: &str) -> Result<Preview, OpsError> {
    let t = snap.topic(topic).ok_or_else(|| OpsError::Invalid(format!("unknown topic: {topic}")))?;
    if t.internal {
        return Err(OpsError::Invalid(format!("{topic} is an internal Kafka topic; kdeck will not delete it")));
    }
    let facts = TopicFacts {
        name: t.name.clone(),
        partitions: t.partitions.len(),
        replication_factor: t.replication_factor(),
        messages: t.messages(),
    };
    let messages = facts.messages.map(|m| m.to_string()).unwrap_or_else(|| "all".into());
    let warnings = vec![format!(
        "this permanently deletes {messages} messages in {} partitions; consumers and producers of {topic} will get errors",
        facts.partitions
    )];
    let mutation = Mutation::DeleteTopic { topic: topic.to_string() };
    Ok(Preview {
        topic: Some(facts),
        type_to_confirm: Some(topic.to_string()),
        ..Preview::of(ctx, mutation, "checked that the topic exists (DeleteTopics has no validate-only mode)", warnings)
    })
}

pub async fn apply_delete(client: &Client, topic: &str) -> Result<String, OpsError> {
    let cx = ErrorContext { topic: Some(topic.to_string()), ..Default::default() };
    client.delete_topic(topic).await.map_err(|e| explain(e, &cx))?;
    let behind = settle(client, topic, None).await;
    Ok(format!("deleted topic {topic}{behind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        assert!(check_topic_name("orders.v1_x-2").is_ok());
        assert_eq!(check_topic_name("").expect_err("empty").to_string(), "a topic name cannot be empty");
        assert_eq!(
            check_topic_name("a b").expect_err("space").to_string(),
            "topic name \"a b\" contains ' ': use only letters, digits, '.', '_' and '-'"
        );
        assert!(check_topic_name(&"x".repeat(250)).is_err());
        assert!(check_topic_name("..").is_err());
    }
}
