//! Adding partitions: an explicit, balanced, rack-aware assignment for the new partitions, and a
//! warning when the topic is keyed (new partitions remap keys).

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;

use super::errors::{as_invalid, explain, ErrorContext};
use super::plan::{self, BrokerLoad, BrokerSlot};
use super::topics::settle;
use super::{assignment_text, Context, Mutation, OpsError, Preview};
use crate::cluster::{self, LoadOptions};
use crate::data::sample::{self, KeySample};
use crate::data::DataConfig;
use crate::kafka::Client;

/// Messages read per partition to tell whether the topic is keyed.
const SAMPLE_PER_PARTITION: i64 = 5;
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewPartition {
    pub partition: i32,
    /// The first replica is the preferred leader.
    pub replicas: Vec<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionPlan {
    pub topic: String,
    pub current: i32,
    pub to: i32,
    pub replication_factor: usize,
    pub new_partitions: Vec<NewPartition>,
    pub brokers: Vec<BrokerLoad>,
    /// None when the sample could not be read.
    pub key_sample: Option<KeySample>,
}

pub async fn prepare(
    client: &Client,
    ctx: &Context,
    topic: &str,
    to: i32,
    given: &[Vec<i32>],
) -> Result<Preview, OpsError> {
    let cx = ErrorContext { topic: Some(topic.to_string()), ..Default::default() };
    let snap = cluster::load(client, &LoadOptions { expect_topics: vec![topic.to_string()], ..Default::default() })
        .await
        .map_err(|e| explain(e, &cx))?;
    let growth = plan_growth(&snap, topic, to, given)?;
    client
        .create_partitions(topic, to, &growth.mutation_assignment(), true)
        .await
        .map_err(|e| as_invalid(explain(e, &cx)))?;

    let (name, ids) = (topic.to_string(), (0..growth.current).collect::<Vec<i32>>());
    let sampled = match DataConfig::from_client(client.config()) {
        Ok(cfg) => tokio::task::spawn_blocking(move || {
            sample::sample_keys(&cfg, &name, &ids, SAMPLE_PER_PARTITION, SAMPLE_TIMEOUT)
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string())),
        Err(e) => Err(e),
    };
    Ok(growth_preview(ctx, growth, sampled))
}

/// Growing `topic` of `snap` to `to` partitions: the checks and the new partitions' placement
/// (balanced and rack-aware against every broker's current load), or `given` checked. Pure.
pub fn plan_growth(
    snap: &cluster::Snapshot,
    topic: &str,
    to: i32,
    given: &[Vec<i32>],
) -> Result<PartitionPlan, OpsError> {
    let t = snap.topic(topic).ok_or_else(|| OpsError::Invalid(format!("unknown topic: {topic}")))?;
    if t.internal {
        return Err(OpsError::Invalid(format!(
            "{topic} is an internal Kafka topic; kdeck will not change its partitions"
        )));
    }
    let current = t.partitions.len() as i32;
    if to < current {
        return Err(OpsError::Invalid(format!(
            "topic {topic} has {current} partitions and Kafka cannot remove partitions (asked for {to}); nothing was changed"
        )));
    }
    if to == current {
        return Err(OpsError::Invalid(format!("topic {topic} already has {current} partitions")));
    }
    let rf = t.replication_factor();
    let brokers: Vec<BrokerSlot> = snap.brokers.iter().map(|b| BrokerSlot { id: b.id, rack: b.rack.clone() }).collect();
    let all: Vec<Vec<i32>> = snap.topics.iter().flat_map(|t| t.partitions.iter().map(|p| p.replicas.clone())).collect();
    let mine: Vec<Vec<i32>> = t.partitions.iter().map(|p| p.replicas.clone()).collect();
    let count = (to - current) as usize;
    let assignment = if given.is_empty() {
        plan::plan_new_partitions(&brokers, &all, &mine, rf, count).map_err(|e| OpsError::Invalid(e.to_string()))?
    } else {
        check_given(given, count, rf, &brokers)?;
        given.to_vec()
    };
    Ok(PartitionPlan {
        topic: topic.to_string(),
        current,
        to,
        replication_factor: rf,
        new_partitions: assignment
            .iter()
            .enumerate()
            .map(|(i, r)| NewPartition { partition: current + i as i32, replicas: r.clone() })
            .collect(),
        brokers: plan::loads(&brokers, &all, &assignment),
        key_sample: None,
    })
}

impl PartitionPlan {
    /// The replicas of each new partition, in order: what CreatePartitions is sent.
    pub fn mutation_assignment(&self) -> Vec<Vec<i32>> {
        self.new_partitions.iter().map(|p| p.replicas.clone()).collect()
    }
}

/// The preview of a growth the broker has validated, with what sampling the topic's newest
/// messages found (keys are remapped by new partitions). Pure: the console's tests build it too.
pub fn growth_preview(ctx: &Context, mut growth: PartitionPlan, sampled: Result<KeySample, String>) -> Preview {
    let topic = growth.topic.clone();
    let mut warnings = Vec::new();
    match &sampled {
        Ok(s) if s.looks_keyed() => warnings.push(format!(
            "topic {topic} looks keyed ({} of {} sampled messages have keys): adding partitions changes which partition each key \
             maps to, so a key's new messages land on a different partition than its old ones and per-key ordering breaks",
            s.keyed, s.sampled
        )),
        Ok(_) => {}
        Err(e) => warnings.push(format!(
            "could not sample {topic} to check for keys ({e}); if producers use keys, adding partitions remaps them and breaks per-key ordering"
        )),
    }
    warnings.push("partitions cannot be removed later: this cannot be undone".into());
    growth.key_sample = sampled.ok();
    let mutation = Mutation::AddPartitions { topic, to: growth.to, assignment: growth.mutation_assignment() };
    Preview {
        partitions: Some(growth),
        ..Preview::of(ctx, mutation, "validated by the broker (CreatePartitions, validate-only)", warnings)
    }
}

/// An assignment handed in (from an earlier preview or by hand) must still fit the topic.
fn check_given(given: &[Vec<i32>], count: usize, rf: usize, brokers: &[BrokerSlot]) -> Result<(), OpsError> {
    if given.len() != count {
        return Err(OpsError::Invalid(format!(
            "the assignment lists {} new partitions, but {count} are being added",
            given.len()
        )));
    }
    let known: BTreeSet<i32> = brokers.iter().map(|b| b.id).collect();
    for r in given {
        let distinct: BTreeSet<i32> = r.iter().copied().collect();
        if r.len() != rf || distinct.len() != rf {
            return Err(OpsError::Invalid(format!(
                "each new partition needs {rf} distinct replicas, got [{}]",
                assignment_text(0, std::slice::from_ref(r))
            )));
        }
        if let Some(b) = r.iter().find(|b| !known.contains(b)) {
            return Err(OpsError::Invalid(format!("broker {b} is not in the cluster")));
        }
    }
    Ok(())
}

pub async fn apply(client: &Client, topic: &str, to: i32, assignment: &[Vec<i32>]) -> Result<String, OpsError> {
    let cx = ErrorContext { topic: Some(topic.to_string()), ..Default::default() };
    client.create_partitions(topic, to, assignment, false).await.map_err(|e| explain(e, &cx))?;
    let behind = settle(client, topic, Some(to.max(0) as usize)).await;
    let first = to - assignment.len() as i32;
    Ok(format!("topic {topic} now has {to} partitions (new: {}){behind}", assignment_text(first, assignment)))
}
