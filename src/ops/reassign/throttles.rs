//! Throttle configs on the cluster: reading them, the changes that set a move's throttles or take
//! them away, and the list of every throttle with whether a reassignment still needs it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::record::Records;
use super::state::Live;
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource, ConfigSource};
use crate::kafka::Client;
use crate::ops::errors::{explain, ErrorContext};
use crate::ops::{Context, OpsError};
use crate::plan::throttle::{
    append_edit, format_entries, ineffective_rates, remove_edit, unneeded_edit, Entries, ListEdit, ReplicaList,
    Throttles, BROKER_KEYS, FOLLOWER_RATE, FOLLOWER_REPLICAS, LEADER_RATE, LEADER_REPLICAS, TOPIC_KEYS,
};

/// The two lists of a topic as set on the cluster (an unset list is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicLists {
    pub leader: ReplicaList,
    pub follower: ReplicaList,
}

impl TopicLists {
    pub fn get(&self, key: &str) -> &ReplicaList {
        if key == LEADER_REPLICAS {
            &self.leader
        } else {
            &self.follower
        }
    }
}

/// The throttle configs set on the cluster: only values set dynamically count (a rate in
/// server.properties cannot be removed at runtime and is not kdeck's to touch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThrottleConfigs {
    /// Topics whose lists are set (at least one non-empty).
    pub topics: BTreeMap<String, TopicLists>,
    /// Per broker, each rate key set on it and its value.
    pub rates: BTreeMap<i32, BTreeMap<&'static str, u64>>,
    /// The same keys set as cluster-wide broker defaults (they apply to every broker).
    pub default_rates: BTreeMap<&'static str, u64>,
    /// Brokers that could not be asked (down, not answering), with why: their rates are unknown.
    pub unreachable: BTreeMap<i32, String>,
}

fn key_name(key: &str) -> Option<&'static str> {
    TOPIC_KEYS.iter().chain(BROKER_KEYS.iter()).find(|k| **k == key).copied()
}

impl ThrottleConfigs {
    /// Reads the throttle keys of the given topics (None: every topic) and brokers (None:
    /// every broker in the metadata), plus the cluster-wide broker defaults.
    pub async fn read(
        client: &Client,
        topics: Option<&BTreeSet<String>>,
        brokers: Option<&BTreeSet<i32>>,
    ) -> Result<ThrottleConfigs, OpsError> {
        let topics: Vec<String> = match topics {
            Some(t) => t.iter().cloned().collect(),
            None => {
                let meta = client.metadata(None).await?;
                meta.topics
                    .iter()
                    .filter(|t| t.error_code == 0)
                    .filter_map(|t| t.name.as_ref().map(|n| n.0.to_string()))
                    .collect()
            }
        };
        let brokers: Vec<i32> = match brokers {
            Some(b) => b.iter().copied().collect(),
            None => client.broker_ids(),
        };
        let mut resources: Vec<ConfigResource> = topics.into_iter().map(ConfigResource::Topic).collect();
        resources.extend(brokers.iter().map(|b| ConfigResource::Broker(*b)));
        resources.push(ConfigResource::BrokerDefault);
        let keys: Vec<&str> = TOPIC_KEYS.iter().chain(BROKER_KEYS.iter()).copied().collect();
        let mut out = ThrottleConfigs::default();
        for (resource, answer) in client.describe_config_keys(&resources, &keys).await {
            let entries = match (answer, &resource) {
                (Ok(e), _) => e,
                // deleted since the metadata was read: it has no throttles
                (Err(e), _) if e.code() == Some(3) => continue,
                // a broker that is down keeps its rates; they are just not known now
                (Err(e), ConfigResource::Broker(id)) if e.code().is_none() => {
                    out.unreachable.insert(*id, e.to_string());
                    continue;
                }
                (Err(e), _) => {
                    return Err(OpsError::Rejected(format!("reading the throttle configs of {resource}: {e}")))
                }
            };
            let dynamic = entries.iter().filter(|e| {
                matches!(
                    e.source,
                    ConfigSource::DynamicTopicConfig
                        | ConfigSource::DynamicBrokerConfig
                        | ConfigSource::DynamicDefaultBrokerConfig
                )
            });
            match &resource {
                ConfigResource::Topic(topic) => {
                    let mut lists = TopicLists {
                        leader: ReplicaList::Entries(Entries::new()),
                        follower: ReplicaList::Entries(Entries::new()),
                    };
                    for e in dynamic {
                        let list = ReplicaList::parse(e.value.as_deref().unwrap_or(""))
                            .map_err(|m| OpsError::Rejected(format!("topic {topic}: {}: {m}", e.name)))?;
                        match e.name.as_str() {
                            LEADER_REPLICAS => lists.leader = list,
                            FOLLOWER_REPLICAS => lists.follower = list,
                            _ => {}
                        }
                    }
                    if !(lists.leader.is_empty() && lists.follower.is_empty()) {
                        out.topics.insert(topic.clone(), lists);
                    }
                }
                ConfigResource::Broker(_) | ConfigResource::BrokerDefault => {
                    let mut rates = BTreeMap::new();
                    for e in dynamic {
                        if let (Some(k), Some(v)) = (key_name(&e.name), e.value.as_deref().and_then(|v| v.parse().ok()))
                        {
                            rates.insert(k, v);
                        }
                    }
                    match resource {
                        ConfigResource::Broker(id) if !rates.is_empty() => {
                            out.rates.insert(id, rates);
                        }
                        ConfigResource::BrokerDefault => out.default_rates = rates,
                        _ => {}
                    }
                }
            }
        }
        Ok(out)
    }

    pub fn lists(&self, topic: &str) -> TopicLists {
        self.topics.get(topic).cloned().unwrap_or(TopicLists {
            leader: ReplicaList::Entries(Entries::new()),
            follower: ReplicaList::Entries(Entries::new()),
        })
    }

    /// Brokers whose rate throttles nothing (no topic list names a replica on them).
    pub fn ineffective_rates(&self) -> Vec<(i32, &'static str)> {
        let rates: BTreeMap<i32, BTreeSet<&'static str>> =
            self.rates.iter().map(|(b, r)| (*b, r.keys().copied().collect())).collect();
        let lists: BTreeMap<String, (ReplicaList, ReplicaList)> =
            self.topics.iter().map(|(t, l)| (t.clone(), (l.leader.clone(), l.follower.clone()))).collect();
        ineffective_rates(&rates, &lists)
    }
}

/// One throttled-replicas list to change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListChange {
    pub topic: String,
    pub key: &'static str,
    #[serde(flatten)]
    pub edit: ListEdit,
}

/// One broker rate to set (Some) or remove (None).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RateChange {
    pub broker: i32,
    pub key: &'static str,
    pub value: Option<u64>,
    /// What it was (for the preview).
    pub previous: Option<u64>,
}

/// Config changes to the throttles, and which throttles they add (for the execution's record).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ThrottleChanges {
    pub lists: Vec<ListChange>,
    pub rates: Vec<RateChange>,
    /// The entries and broker rates these changes add (set) or take away (clear).
    pub throttles: Throttles,
}

impl ThrottleChanges {
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty() && self.rates.is_empty()
    }

    /// Per resource, the IncrementalAlterConfigs changes (topics first, then brokers).
    pub fn requests(&self) -> Vec<(ConfigResource, Vec<ConfigChange>)> {
        let mut by: BTreeMap<(u8, String, i32), (ConfigResource, Vec<ConfigChange>)> = BTreeMap::new();
        for l in &self.lists {
            let change = match &l.edit {
                ListEdit::Append(e) => {
                    ConfigChange { key: l.key.into(), op: AlterOp::Append, value: Some(format_entries(e)) }
                }
                ListEdit::Subtract(e) => {
                    ConfigChange { key: l.key.into(), op: AlterOp::Subtract, value: Some(format_entries(e)) }
                }
                ListEdit::Delete => ConfigChange { key: l.key.into(), op: AlterOp::Delete, value: None },
            };
            by.entry((0, l.topic.clone(), 0))
                .or_insert_with(|| (ConfigResource::Topic(l.topic.clone()), Vec::new()))
                .1
                .push(change);
        }
        for r in &self.rates {
            let change = match r.value {
                Some(v) => ConfigChange { key: r.key.into(), op: AlterOp::Set, value: Some(v.to_string()) },
                None => ConfigChange { key: r.key.into(), op: AlterOp::Delete, value: None },
            };
            by.entry((1, String::new(), r.broker))
                .or_insert_with(|| (ConfigResource::Broker(r.broker), Vec::new()))
                .1
                .push(change);
        }
        by.into_values().collect()
    }

    /// `append leader.replication.throttled.replicas=0:1,0:2 on topic t; set … on broker 1`
    pub fn words(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .lists
            .iter()
            .map(|l| match &l.edit {
                ListEdit::Append(e) => format!("topic {}: append {}={}", l.topic, l.key, format_entries(e)),
                ListEdit::Subtract(e) => format!("topic {}: subtract {}={}", l.topic, l.key, format_entries(e)),
                ListEdit::Delete => format!("topic {}: delete {}", l.topic, l.key),
            })
            .collect();
        out.extend(self.rates.iter().map(|r| match (r.value, r.previous) {
            (Some(v), Some(p)) => format!("broker {}: set {}={v} (was {p})", r.broker, r.key),
            (Some(v), None) => format!("broker {}: set {}={v}", r.broker, r.key),
            (None, Some(_)) => format!("broker {}: delete {}", r.broker, r.key),
            (None, None) => format!(
                "broker {}: delete {} (not shown by the broker: deleted in case its view lags)",
                r.broker, r.key
            ),
        }));
        out
    }

    /// Sends the changes, resource by resource (validate-only: the broker checks them).
    pub async fn send(&self, client: &Client, validate_only: bool) -> Result<(), OpsError> {
        for (resource, changes) in self.requests() {
            client.incremental_alter_configs(&resource, &changes, validate_only).await.map_err(|e| {
                let cx = ErrorContext { resource: Some(resource.to_string()), ..Default::default() };
                let err = explain(e, &cx);
                OpsError::Rejected(format!("{resource}: {err}"))
            })?;
        }
        Ok(())
    }
}

/// The changes that make `wanted` hold on the cluster: list entries appended where missing
/// (a `*` list already throttles everything), and `rate` set on each broker of `wanted` for the
/// kind of list that names it (leader, follower or both). Warnings name rates that replace a
/// different value.
pub fn set_changes(current: &ThrottleConfigs, wanted: &Throttles, rate: u64) -> (ThrottleChanges, Vec<String>) {
    let mut changes = ThrottleChanges::default();
    let mut warnings = Vec::new();
    for (topic, want) in &wanted.topics {
        let lists = current.lists(topic);
        for key in TOPIC_KEYS {
            if let Some(edit) = append_edit(lists.get(key), want.list(key)) {
                if let ListEdit::Append(e) = &edit {
                    let t = changes.throttles.topics.entry(topic.clone()).or_default();
                    if key == LEADER_REPLICAS {
                        t.leader.extend(e.iter().copied());
                    } else {
                        t.follower.extend(e.iter().copied());
                    }
                }
                changes.lists.push(ListChange { topic: topic.clone(), key, edit });
            }
        }
    }
    let mut relied = BTreeSet::new();
    for &broker in &wanted.brokers {
        if let Some(why) = current.unreachable.get(&broker) {
            warnings.push(format!(
                "broker {broker} cannot be asked ({why}): no rate is set on it, so its replicas are copied unthrottled once it is back"
            ));
            continue;
        }
        relied.insert(broker);
        let have = current.rates.get(&broker);
        // a rate only where a list of its kind names the broker: any other throttles nothing
        let named = |list: fn(&crate::plan::throttle::TopicThrottle) -> &Entries| {
            wanted.topics.values().any(|t| list(t).iter().any(|r| r.broker == broker))
        };
        let keys = [(LEADER_RATE, named(|t| &t.leader)), (FOLLOWER_RATE, named(|t| &t.follower))];
        for key in keys.into_iter().filter(|(_, named)| *named).map(|(k, _)| k) {
            let previous = have.and_then(|r| r.get(key)).copied();
            if previous == Some(rate) {
                continue;
            }
            if let Some(p) = previous {
                warnings.push(format!(
                    "broker {broker}: {key} {p} is replaced by {rate}; the rate applies to every throttled reassignment through broker {broker}"
                ));
            }
            changes.rates.push(RateChange { broker, key, value: Some(rate), previous });
        }
    }
    // the execution relies on every one of these rates, set now or before: whichever execution
    // is over last (and finds no reassignment on the broker) removes them
    changes.throttles.brokers = relied;
    (changes, warnings)
}

/// The changes that take `remove` away: its entries subtracted (a list left empty is deleted),
/// both rates deleted on its brokers — also where the broker did not show them: its view can lag
/// behind the metadata log, and deleting a rate that is not set changes nothing.
pub fn clear_changes(current: &ThrottleConfigs, remove: &Throttles) -> ThrottleChanges {
    let mut changes = ThrottleChanges::default();
    for (topic, gone) in &remove.topics {
        let Some(lists) = current.topics.get(topic) else { continue };
        for key in TOPIC_KEYS {
            if let Some(edit) = remove_edit(lists.get(key), gone.list(key)) {
                changes.lists.push(ListChange { topic: topic.clone(), key, edit });
            }
        }
    }
    for &broker in &remove.brokers {
        if current.rates.contains_key(&broker) {
            rate_deletions(current, broker, &mut changes);
        } else {
            for key in BROKER_KEYS {
                changes.rates.push(RateChange { broker, key, value: None, previous: None });
            }
        }
    }
    changes.throttles = remove.clone();
    changes
}

fn rate_deletions(current: &ThrottleConfigs, broker: i32, changes: &mut ThrottleChanges) {
    let Some(rates) = current.rates.get(&broker) else { return };
    for key in BROKER_KEYS {
        if let Some(p) = rates.get(key) {
            changes.rates.push(RateChange { broker, key, value: None, previous: Some(*p) });
            changes.throttles.brokers.insert(broker);
        }
    }
}

/// The changes that remove every throttle no reassignment in progress needs (with `all`, every
/// throttle: the moves in progress then run unthrottled).
pub fn unneeded_changes(current: &ThrottleConfigs, live: &Live, all: bool) -> ThrottleChanges {
    let needed = if all { Throttles::default() } else { live.needed_throttles() };
    let moving: BTreeSet<&str> =
        if all { BTreeSet::new() } else { live.ongoing.iter().map(|o| o.topic.as_str()).collect() };
    let mut changes = ThrottleChanges::default();
    let none = crate::plan::throttle::TopicThrottle::default();
    for (topic, lists) in &current.topics {
        let need = needed.topics.get(topic).unwrap_or(&none);
        for key in TOPIC_KEYS {
            let list = lists.get(key);
            if let Some(edit) = unneeded_edit(list, need.list(key), moving.contains(topic.as_str())) {
                let gone: Entries = match (&edit, list) {
                    (ListEdit::Subtract(e), _) => e.clone(),
                    (_, ReplicaList::Entries(e)) => e.clone(),
                    (_, ReplicaList::All) => Entries::new(),
                };
                let t = changes.throttles.topics.entry(topic.clone()).or_default();
                if key == LEADER_REPLICAS {
                    t.leader.extend(gone);
                } else {
                    t.follower.extend(gone);
                }
                changes.lists.push(ListChange { topic: topic.clone(), key, edit });
            }
        }
    }
    changes.throttles.topics.retain(|_, t| !t.is_empty());
    for &broker in current.rates.keys() {
        if !needed.brokers.contains(&broker) {
            rate_deletions(current, broker, &mut changes);
        }
    }
    changes
}

/// Why throttles are being removed (the audit log's action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClearOrigin {
    /// `reassign verify`: the moves are complete.
    Verify,
    /// `reassign cancel`: the moves were cancelled.
    Cancel,
    /// `throttles clear`: no reassignment needs them.
    Unneeded,
    /// `throttles clear --all`: even those in use.
    All,
}

/// Remove throttle configs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Clear {
    pub origin: ClearOrigin,
    /// Execution records to update once the throttles are gone.
    pub executions: Vec<String>,
    /// Empty with origin `Unneeded` or `All`: filled in by prepare (what no reassignment in
    /// progress needs, or everything) together with `executions` (every unfinished one).
    pub changes: ThrottleChanges,
}

impl Clear {
    pub fn summary(&self) -> String {
        let words = self.changes.words();
        if words.is_empty() {
            "remove throttles: nothing to remove".into()
        } else {
            format!("remove throttles: {}", words.join("; "))
        }
    }
}

pub async fn prepare_clear(ctx: &Context, client: &Client, c: &Clear) -> Result<crate::ops::Preview, OpsError> {
    let filled;
    let c = match c.origin {
        ClearOrigin::Unneeded | ClearOrigin::All if c.changes.is_empty() => {
            let (current, live) =
                tokio::try_join!(ThrottleConfigs::read(client, None, None), Live::load(client, None))?;
            let executions = Records::for_context(ctx)?
                .unfinished(&ctx.cluster, live.snapshot.cluster_id.as_deref())
                .into_iter()
                .map(|r| r.id)
                .collect();
            filled = Clear {
                origin: c.origin,
                executions,
                changes: unneeded_changes(&current, &live, c.origin == ClearOrigin::All),
            };
            &filled
        }
        _ => c,
    };
    c.changes.send(client, true).await.map_err(|e| OpsError::Invalid(e.to_string()))?;
    let mut warnings = Vec::new();
    if c.origin == ClearOrigin::All {
        warnings
            .push("this also removes throttles that reassignments in progress use: they continue unthrottled".into());
    }
    Ok(crate::ops::Preview::of(
        ctx,
        crate::ops::Mutation::Reassignment(super::Step::ClearThrottles(c.clone())),
        "validated by the broker (IncrementalAlterConfigs, validate-only)",
        warnings,
    ))
}

/// What was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cleared {
    pub removed: Vec<String>,
}

pub async fn apply_clear(client: &Client, ctx: &Context, c: &Clear) -> Result<(String, super::Applied), OpsError> {
    c.changes.send(client, false).await?;
    let records = Records::for_context(ctx)?;
    for id in &c.executions {
        let mut r = records.load(id)?;
        r.throttles = r.throttles.minus(&c.changes.throttles);
        records.save(&mut r)?;
    }
    let removed = c.changes.words();
    let message = if removed.is_empty() {
        "no throttle to remove".to_string()
    } else {
        format!("removed {} throttle config change(s)", removed.len())
    };
    Ok((message, super::Applied::Cleared(Cleared { removed })))
}

/// Why a throttle config is there, for `throttles list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThrottleItem {
    /// `topic t` / `broker 2` / `cluster-wide broker defaults`.
    pub resource: String,
    pub key: &'static str,
    /// `0:1,0:2`, `*` or a rate in bytes per second.
    pub value: String,
    /// Entries (or the rate) a reassignment in progress uses.
    pub needed: bool,
    /// For lists: the entries no reassignment needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unneeded_entries: Option<String>,
    /// kdeck executions whose record says they set (part of) it.
    pub set_by: Vec<String>,
    /// Something about it worth knowing (a rate that throttles nothing…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every throttle config of the cluster, with whether a reassignment in progress needs it.
pub async fn list(client: &Client, ctx: &Context) -> Result<Vec<ThrottleItem>, OpsError> {
    let live = Live::load(client, None).await?;
    list_for(client, ctx, &live).await
}

/// [`list`] with the cluster already read (`live`): the console's reassignment status reads it
/// once for the moves and the throttles. Only the topics `live` has are asked for their throttles.
pub async fn list_for(client: &Client, ctx: &Context, live: &Live) -> Result<Vec<ThrottleItem>, OpsError> {
    let records = Records::for_context(ctx).map(|r| r.list()).unwrap_or_default();
    // the brokers in the metadata, and those kdeck throttled that are not (down): unknown rates
    let mut brokers: BTreeSet<i32> = client.broker_ids().into_iter().collect();
    brokers.extend(records.iter().filter(|r| !r.finished()).flat_map(|r| r.throttles.brokers.iter().copied()));
    let topics: BTreeSet<String> = live.snapshot.topics.iter().map(|t| t.name.clone()).collect();
    let current = ThrottleConfigs::read(client, Some(&topics), Some(&brokers)).await?;
    Ok(items(&current, live, &records))
}

/// The throttle configs read (`current`) as a list, with what the reassignments in progress
/// (`live`) need and which of kdeck's executions (`records`) set them.
pub fn items(current: &ThrottleConfigs, live: &Live, records: &[super::record::ExecutionRecord]) -> Vec<ThrottleItem> {
    let needed = live.needed_throttles();
    let set_by = |f: &dyn Fn(&Throttles) -> bool| -> Vec<String> {
        records.iter().filter(|r| f(&r.throttles)).map(|r| r.id.clone()).collect()
    };
    let ineffective = current.ineffective_rates();
    let mut out = Vec::new();
    let none = crate::plan::throttle::TopicThrottle::default();
    for (topic, lists) in &current.topics {
        let need = needed.topics.get(topic).unwrap_or(&none);
        let moving = live.ongoing.iter().any(|o| &o.topic == topic);
        for key in TOPIC_KEYS {
            let (value, needed_here, unneeded) = match lists.get(key) {
                ReplicaList::All => ("*".to_string(), moving, None),
                ReplicaList::Entries(e) if e.is_empty() => continue,
                ReplicaList::Entries(e) => {
                    let spare: Entries = e.difference(need.list(key)).copied().collect();
                    let needed_here = spare.len() < e.len();
                    (format_entries(e), needed_here, (!spare.is_empty()).then(|| format_entries(&spare)))
                }
            };
            let by = set_by(&|t: &Throttles| {
                t.topics.get(topic).is_some_and(|tt| match lists.get(key) {
                    ReplicaList::Entries(e) => tt.list(key).iter().any(|x| e.contains(x)),
                    ReplicaList::All => false,
                })
            });
            out.push(ThrottleItem {
                resource: format!("topic {topic}"),
                key,
                value,
                needed: needed_here,
                unneeded_entries: unneeded,
                set_by: by,
                note: None,
            });
        }
    }
    for (broker, rates) in &current.rates {
        for (key, v) in rates {
            let note = ineffective.contains(&(*broker, *key)).then(|| {
                let list = if *key == LEADER_RATE { LEADER_REPLICAS } else { FOLLOWER_REPLICAS };
                format!("throttles nothing: no topic's {list} names a replica on broker {broker}")
            });
            out.push(ThrottleItem {
                resource: format!("broker {broker}"),
                key,
                value: v.to_string(),
                needed: needed.brokers.contains(broker),
                unneeded_entries: None,
                set_by: set_by(&|t: &Throttles| t.brokers.contains(broker)),
                note,
            });
        }
    }
    for (broker, why) in &current.unreachable {
        out.push(ThrottleItem {
            resource: format!("broker {broker}"),
            key: "*",
            value: "?".into(),
            needed: needed.brokers.contains(broker),
            unneeded_entries: None,
            set_by: set_by(&|t: &Throttles| t.brokers.contains(broker)),
            note: Some(format!("its rates could not be read: {why}")),
        });
    }
    for (key, v) in &current.default_rates {
        out.push(ThrottleItem {
            resource: ConfigResource::BrokerDefault.to_string(),
            key,
            value: v.to_string(),
            needed: !live.ongoing.is_empty(),
            unneeded_entries: None,
            set_by: Vec::new(),
            note: Some("kdeck never sets or clears cluster-wide defaults: remove with `kdeck config delete broker default KEY`".into()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::admin::OngoingReassignment;
    use crate::plan::execution::Move;

    fn lists(leader: &str, follower: &str) -> TopicLists {
        TopicLists {
            leader: ReplicaList::parse(leader).expect("leader"),
            follower: ReplicaList::parse(follower).expect("follower"),
        }
    }

    #[test]
    fn setting_appends_what_is_missing_and_sets_the_rates_the_entries_need() {
        let mut current = ThrottleConfigs::default();
        current.topics.insert("t".into(), lists("0:1,9:9", ""));
        current.rates.insert(2, BTreeMap::from([(LEADER_RATE, 1000), (FOLLOWER_RATE, 5000)]));
        let wanted =
            Throttles::for_moves(&[Move { topic: "t".into(), partition: 0, current: vec![1, 2], target: vec![2, 3] }]);
        // moving [1,2] -> [2,3]: leader entries on 1 and 2, a follower entry on 3; broker 2
        // already has both rates, the follower one at the wanted value
        let (changes, warnings) = set_changes(&current, &wanted, 5000);
        assert_eq!(
            changes.words(),
            vec![
                "topic t: append leader.replication.throttled.replicas=0:2",
                "topic t: append follower.replication.throttled.replicas=0:3",
                "broker 1: set leader.replication.throttled.rate=5000",
                "broker 2: set leader.replication.throttled.rate=5000 (was 1000)",
                "broker 3: set follower.replication.throttled.rate=5000",
            ]
        );
        assert_eq!(
            warnings,
            vec!["broker 2: leader.replication.throttled.rate 1000 is replaced by 5000; the rate applies to every throttled reassignment through broker 2"]
        );
        // the record holds only what kdeck added: not 0:1 (there before), all three brokers
        assert_eq!(format_entries(&changes.throttles.topics["t"].leader), "0:2");
        assert_eq!(format_entries(&changes.throttles.topics["t"].follower), "0:3");
        assert_eq!(changes.throttles.brokers, BTreeSet::from([1, 2, 3]));
        // every rate kdeck sets has an entry of its kind on its broker
        let mut after = ThrottleConfigs::default();
        after.topics.insert("t".into(), lists("0:1,0:2,9:9", "0:3"));
        for r in &changes.rates {
            after.rates.entry(r.broker).or_default().insert(r.key, 5000);
        }
        assert_eq!(after.ineffective_rates(), vec![]);
        let req = changes.requests();
        assert_eq!(req.len(), 4);
        assert_eq!(req[0].0, ConfigResource::Topic("t".into()));
        assert_eq!(
            req[0].1,
            vec![
                ConfigChange { key: LEADER_REPLICAS.into(), op: AlterOp::Append, value: Some("0:2".into()) },
                ConfigChange { key: FOLLOWER_REPLICAS.into(), op: AlterOp::Append, value: Some("0:3".into()) },
            ]
        );
        assert_eq!(req[2].0, ConfigResource::Broker(2));
        assert_eq!(
            req[2].1,
            vec![ConfigChange { key: LEADER_RATE.into(), op: AlterOp::Set, value: Some("5000".into()) }]
        );
    }

    #[test]
    fn clearing_leaves_other_entries_and_deletes_emptied_lists() {
        let mut current = ThrottleConfigs::default();
        current.topics.insert("t".into(), lists("0:1,0:2,9:9", "0:3"));
        current.rates.insert(3, BTreeMap::from([(LEADER_RATE, 10), (FOLLOWER_RATE, 10)]));
        let ours =
            Throttles::for_moves(&[Move { topic: "t".into(), partition: 0, current: vec![1, 2], target: vec![2, 3] }]);
        let mut remove = ours.clone();
        remove.brokers = BTreeSet::from([3, 4]);
        let changes = clear_changes(&current, &remove);
        assert_eq!(
            changes.words(),
            vec![
                "topic t: subtract leader.replication.throttled.replicas=0:1,0:2",
                "topic t: delete follower.replication.throttled.replicas",
                "broker 3: delete leader.replication.throttled.rate",
                "broker 3: delete follower.replication.throttled.rate",
                "broker 4: delete leader.replication.throttled.rate (not shown by the broker: deleted in case its view lags)",
                "broker 4: delete follower.replication.throttled.rate (not shown by the broker: deleted in case its view lags)",
            ]
        );
    }

    #[test]
    fn unneeded_spares_what_a_move_in_progress_uses() {
        // t-1 moves 1 -> 2; the rest was left behind by hand
        let live = Live {
            snapshot: Default::default(),
            ongoing: vec![OngoingReassignment {
                topic: "t".into(),
                partition: 1,
                replicas: vec![2, 1],
                adding: vec![2],
                removing: vec![1],
            }],
        };
        let mut current = ThrottleConfigs::default();
        current.topics.insert("t".into(), lists("0:3,1:1", "1:2"));
        current.topics.insert("u".into(), lists("*", ""));
        current.rates.insert(1, BTreeMap::from([(LEADER_RATE, 10)]));
        current.rates.insert(3, BTreeMap::from([(FOLLOWER_RATE, 10)]));
        let changes = unneeded_changes(&current, &live, false);
        assert_eq!(
            changes.words(),
            vec![
                "topic t: subtract leader.replication.throttled.replicas=0:3",
                "topic u: delete leader.replication.throttled.replicas",
                "broker 3: delete follower.replication.throttled.rate",
            ]
        );
        let all = unneeded_changes(&current, &live, true);
        assert_eq!(
            all.words(),
            vec![
                "topic t: delete leader.replication.throttled.replicas",
                "topic t: delete follower.replication.throttled.replicas",
                "topic u: delete leader.replication.throttled.replicas",
                "broker 1: delete leader.replication.throttled.rate",
                "broker 3: delete follower.replication.throttled.rate",
            ]
        );
        // broker 3's follower rate names no follower entry on broker 3: it throttles nothing
        assert_eq!(current.ineffective_rates(), vec![(3, FOLLOWER_RATE)]);
    }
}
