//! Consumer groups: resetting a group's offsets (Kafka's modes and semantics), deleting a group
//! and deleting a group's offsets of a topic. Kafka changes a group's offsets only while the
//! group has no active members; kdeck checks that first and names the members in the way.

pub mod csv;
pub mod reset;
pub mod time;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

pub use reset::{OffsetMove, PartitionState, ResetTarget};

use super::errors::{explain, ErrorContext};
use super::{Context, Mutation, OpsError, Preview};
use crate::cluster::{self, Group, GroupScope, LoadOptions};
use crate::kafka::admin::OffsetSpec;
use crate::kafka::{Client, KafkaError};

/// Which partitions a reset covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetScope {
    /// Every partition the group has committed an offset for.
    AllTopics,
    /// These topics: all their partitions (None) or the listed ones.
    Topics(Vec<(String, Option<Vec<i32>>)>),
}

/// A change to a consumer group, as a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum GroupChange {
    ResetOffsets {
        group: String,
        scope: ResetScope,
        target: ResetTarget,
        /// Each partition's move; empty until [`prepare`] plans them.
        offsets: Vec<OffsetMove>,
    },
    Delete {
        group: String,
    },
    DeleteOffsets {
        group: String,
        topic: String,
        /// The partitions whose offsets go; empty: every one the group has on the topic.
        partitions: Vec<i32>,
    },
}

impl GroupChange {
    pub fn group(&self) -> &str {
        match self {
            GroupChange::ResetOffsets { group, .. }
            | GroupChange::Delete { group }
            | GroupChange::DeleteOffsets { group, .. } => group,
        }
    }

    pub fn action(&self) -> &'static str {
        match self {
            GroupChange::ResetOffsets { .. } => "group reset-offsets",
            GroupChange::Delete { .. } => "group delete",
            GroupChange::DeleteOffsets { .. } => "group delete-offsets",
        }
    }

    pub fn title(&self) -> String {
        match self {
            GroupChange::ResetOffsets { group, .. } => format!("reset the offsets of consumer group {group}"),
            GroupChange::Delete { group } => format!("delete consumer group {group}"),
            GroupChange::DeleteOffsets { group, topic, .. } => {
                format!("delete the offsets of consumer group {group} on topic {topic}")
            }
        }
    }

    pub fn summary(&self) -> String {
        match self {
            GroupChange::ResetOffsets { group, target, offsets, .. } if offsets.is_empty() => {
                format!("reset the offsets of consumer group {group} to {}", target.words())
            }
            GroupChange::ResetOffsets { group, target, offsets, .. } => {
                let moves: Vec<String> = offsets
                    .iter()
                    .map(|m| {
                        let from = m.current.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
                        format!("{}-{} {from}->{}", m.topic, m.partition, m.new)
                    })
                    .collect();
                format!("reset the offsets of consumer group {group} to {}: {}", target.words(), moves.join(", "))
            }
            GroupChange::Delete { group } => format!("delete consumer group {group}"),
            GroupChange::DeleteOffsets { group, topic, partitions } if partitions.is_empty() => {
                format!("delete the offsets of consumer group {group} on topic {topic}")
            }
            GroupChange::DeleteOffsets { group, topic, partitions } => format!(
                "delete the offsets of consumer group {group} on topic {topic}, partitions {}",
                partitions.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
            ),
        }
    }
}

/// `orders` → (orders, all partitions); `orders:0,2` → (orders, [0, 2]).
pub fn parse_topic_arg(arg: &str) -> Result<(String, Option<Vec<i32>>), String> {
    match arg.split_once(':') {
        None if !arg.trim().is_empty() => Ok((arg.trim().to_string(), None)),
        None => Err("a topic name is needed".into()),
        Some((t, ps)) => {
            let partitions = ps
                .split(',')
                .map(|p| p.trim().parse::<i32>().map_err(|_| format!("{arg:?}: {p:?} is not a partition number")))
                .collect::<Result<Vec<i32>, String>>()?;
            if t.trim().is_empty() {
                return Err(format!("{arg:?}: no topic name before ':'"));
            }
            Ok((t.trim().to_string(), Some(partitions)))
        }
    }
}

/// The group as its coordinator describes it now; None when it does not exist.
pub async fn describe(client: &Client, group: &str) -> Result<Option<Group>, OpsError> {
    let opts = LoadOptions {
        topics: Some(Vec::new()),
        groups: GroupScope::Only(vec![group.to_string()]),
        ..Default::default()
    };
    match cluster::load(client, &opts).await {
        Ok(snap) => match snap.groups.into_iter().find(|g| g.group_id == group) {
            Some(g) => match &g.error {
                Some(e) => Err(OpsError::Rejected(format!("consumer group {group}: {e}"))),
                None => Ok(Some(g)),
            },
            None => Ok(None),
        },
        Err(KafkaError::UnknownGroup(_)) => Ok(None),
        Err(e) => Err(OpsError::Kafka(e)),
    }
}

/// A group that is not Empty (or Dead) has members Kafka would have to fence: refused, naming
/// them, as `kafka-consumer-groups` refuses (it only says the state).
pub fn refuse_active(g: &Group, doing: &str) -> Result<(), OpsError> {
    let idle = matches!(g.state.as_str(), "Empty" | "Dead" | "");
    if idle && g.members.is_empty() {
        return Ok(());
    }
    let who: Vec<String> = g.members.iter().map(|m| format!("client {} on {}", m.client_id, m.host)).collect();
    let n = g.members.len();
    let members = if who.is_empty() { String::new() } else { format!(": {}", who.join(", ")) };
    Err(OpsError::Invalid(format!(
        "consumer group {} has {n} active member{} (state {}){members}; Kafka {doing} only while a group is empty: stop its consumers, then try again",
        g.group_id,
        if n == 1 { "" } else { "s" },
        g.state
    )))
}

/// A group DescribeGroups does not know may still be listed (a KIP-848 consumer group, which
/// the classic describe does not show): its listed state decides.
async fn refuse_listed_active(client: &Client, group: &str, doing: &str) -> Result<(), OpsError> {
    let (listed, _) = client.list_groups().await;
    match listed.iter().find(|l| l.group_id.0.as_str() == group) {
        Some(l) if !matches!(l.group_state.as_str(), "Empty" | "Dead" | "") => Err(OpsError::Invalid(format!(
            "consumer group {group} is {} ({} group); Kafka {doing} only while a group is empty: stop its consumers, then try again",
            l.group_state.as_str(),
            l.group_type.as_str()
        ))),
        _ => Ok(()),
    }
}

/// Broker errors about groups in words.
fn explain_group(e: KafkaError, group: &str) -> OpsError {
    let text = match e.code() {
        Some(22 | 25 | 27 | 110 | 113) => format!(
            "consumer group {group} has active members now ({e}); stop its consumers, then try again"
        ),
        Some(30) => format!("not authorized for consumer group {group}: the user needs the matching ACL on the group (Read to reset offsets, Delete to delete)"),
        Some(68) => format!("consumer group {group} is not empty: stop its consumers, then try again"),
        Some(69) => format!("consumer group {group} does not exist"),
        Some(86) => format!(
            "consumer group {group} is subscribed to the topic: Kafka deletes offsets only of topics a group does not consume"
        ),
        _ => return explain(e, &ErrorContext::default()),
    };
    OpsError::Rejected(text)
}

pub async fn prepare(client: &Client, ctx: &Context, change: &GroupChange) -> Result<Preview, OpsError> {
    match change {
        GroupChange::ResetOffsets { group, scope, target, .. } => {
            prepare_reset(client, ctx, group, scope, target).await
        }
        GroupChange::Delete { group } => prepare_delete(client, ctx, group).await,
        GroupChange::DeleteOffsets { group, topic, partitions } => {
            prepare_delete_offsets(client, ctx, group, topic, partitions).await
        }
    }
}

pub async fn apply(client: &Client, change: &GroupChange) -> Result<String, OpsError> {
    match change {
        GroupChange::ResetOffsets { group, offsets, .. } => {
            // the group may have come back to life since the preview
            match describe(client, group).await? {
                Some(g) => refuse_active(&g, "resets offsets")?,
                None => refuse_listed_active(client, group, "resets offsets").await?,
            }
            let commit: Vec<((String, i32), i64)> =
                offsets.iter().map(|m| ((m.topic.clone(), m.partition), m.new)).collect();
            client.commit_group_offsets(group, &commit).await.map_err(|e| explain_group(e, group))?;
            Ok(format!("reset the offsets of consumer group {group} on {} partitions", offsets.len()))
        }
        GroupChange::Delete { group } => {
            let mut res = client.delete_groups(std::slice::from_ref(group)).await;
            match res.remove(group.as_str()) {
                Some(Ok(())) => Ok(format!("deleted consumer group {group}")),
                Some(Err(e)) => Err(explain_group(e, group)),
                None => Err(OpsError::Rejected(format!("the coordinator did not answer for group {group}"))),
            }
        }
        GroupChange::DeleteOffsets { group, topic, partitions } => {
            let tps: Vec<(String, i32)> = partitions.iter().map(|p| (topic.clone(), *p)).collect();
            client.delete_group_offsets(group, &tps).await.map_err(|e| explain_group(e, group))?;
            Ok(format!(
                "deleted the offsets of consumer group {group} on {} partitions of topic {topic}",
                partitions.len()
            ))
        }
    }
}

/// The group's committed offsets by partition (none for a group that does not exist).
pub fn committed_of(found: Option<&Group>) -> BTreeMap<(String, i32), i64> {
    found
        .iter()
        .flat_map(|g| &g.offsets)
        .filter_map(|o| o.committed_offset.map(|c| ((o.topic.clone(), o.partition), c)))
        .collect()
}

/// Topic → the partitions a reset covers (None: all of the topic's).
pub type Wanted = BTreeMap<String, Option<BTreeSet<i32>>>;

/// The partitions a reset covers, from what the user named.
pub fn wanted_partitions(
    group: &str,
    scope: &ResetScope,
    target: &ResetTarget,
    committed: &BTreeMap<(String, i32), i64>,
) -> Result<Wanted, OpsError> {
    let mut wanted: Wanted = BTreeMap::new();
    let mut add = |t: &str, p: Option<i32>| {
        let e = wanted.entry(t.to_string()).or_insert_with(|| Some(BTreeSet::new()));
        match (e, p) {
            (Some(set), Some(p)) => {
                set.insert(p);
            }
            (e, None) => *e = None,
            (None, Some(_)) => {}
        }
    };
    match (target, scope) {
        // a file names its partitions, as for kafka-consumer-groups --from-file
        (ResetTarget::File(rows), _) => rows.iter().for_each(|(t, p, _)| add(t, Some(*p))),
        (_, ResetScope::AllTopics) => {
            if committed.is_empty() {
                return Err(OpsError::Invalid(format!(
                    "consumer group {group} has no committed offsets: name the topics to reset with --topic"
                )));
            }
            committed.keys().for_each(|(t, p)| add(t, Some(*p)));
        }
        (_, ResetScope::Topics(topics)) => {
            for (t, ps) in topics {
                match ps {
                    Some(ps) => ps.iter().for_each(|p| add(t, Some(*p))),
                    None => add(t, None),
                }
            }
        }
    }
    if wanted.is_empty() {
        return Err(OpsError::Invalid("no partitions to reset: name them with --topic T[:P,…] or --all-topics".into()));
    }
    Ok(wanted)
}

/// Each wanted partition's state, from a snapshot holding the topics with their offsets: it must
/// exist and have a leader.
pub fn partition_states(
    snap: &cluster::Snapshot,
    wanted: &Wanted,
    committed: &BTreeMap<(String, i32), i64>,
) -> Result<Vec<PartitionState>, OpsError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, only) in wanted {
        let Some(t) = snap.topic(name) else { return Err(OpsError::Invalid(format!("unknown topic: {name}"))) };
        if let Some(ps) = only {
            let missing: Vec<String> =
                ps.iter().filter(|p| !t.partitions.iter().any(|x| x.partition == **p)).map(i32::to_string).collect();
            if !missing.is_empty() {
                return Err(OpsError::Invalid(format!(
                    "topic {name} has no partition {} (it has {} partitions, 0-{})",
                    missing.join(","),
                    t.partitions.len(),
                    t.partitions.len().saturating_sub(1)
                )));
            }
        }
        for p in t.partitions.iter().filter(|p| only.as_ref().is_none_or(|ps| ps.contains(&p.partition))) {
            match (p.leader, p.log_start_offset, p.log_end_offset) {
                (None, _, _) => problems.push(format!("{name}-{} has no leader (offline)", p.partition)),
                (_, Some(start), Some(end)) => out.push(PartitionState {
                    topic: name.clone(),
                    partition: p.partition,
                    current: committed.get(&(name.clone(), p.partition)).copied(),
                    log_start: start,
                    log_end: end,
                    offset_for_time: None,
                }),
                _ => problems.push(format!(
                    "the offsets of {name}-{} could not be read ({})",
                    p.partition,
                    p.error.as_deref().unwrap_or("no answer")
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(OpsError::Invalid(format!(
            "{}; nothing was changed: try again once the partitions are back, or leave them out with --topic T:P,…",
            problems.join("; ")
        )));
    }
    Ok(out)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The moment a time-based reset looks up (ms since the epoch), if it is one.
pub fn reset_time(target: &ResetTarget, now_ms: i64) -> Option<i64> {
    match target {
        ResetTarget::Datetime(ms) => Some(*ms),
        ResetTarget::Duration(ms) => Some(now_ms - ms),
        _ => None,
    }
}

async fn prepare_reset(
    client: &Client,
    ctx: &Context,
    group: &str,
    scope: &ResetScope,
    target: &ResetTarget,
) -> Result<Preview, OpsError> {
    check_group_name(group)?;
    let found = describe(client, group).await?;
    match &found {
        Some(g) => refuse_active(g, "resets offsets")?,
        None => refuse_listed_active(client, group, "resets offsets").await?,
    }
    let committed = committed_of(found.as_ref());
    let wanted = wanted_partitions(group, scope, target, &committed)?;
    let names: Vec<String> = wanted.keys().cloned().collect();
    let opts = LoadOptions { topics: Some(names.clone()), offsets: true, expect_topics: names, ..Default::default() };
    let snap = cluster::load(client, &opts).await.map_err(|e| explain(e, &ErrorContext::default()))?;
    let mut states = partition_states(&snap, &wanted, &committed)?;
    let now = now_ms();
    if let Some(at) = reset_time(target, now) {
        let leaders: Vec<((String, i32), Option<i32>)> =
            leaders(client, &states).await.map_err(|e| explain(e, &ErrorContext::default()))?;
        let answers = client.list_offsets(&leaders, OffsetSpec::Timestamp(at)).await;
        let found: HashMap<&(String, i32), &Result<i64, String>> =
            leaders.iter().map(|(tp, _)| tp).zip(&answers).collect();
        let mut failed = Vec::new();
        for s in &mut states {
            match found.get(&(s.topic.clone(), s.partition)) {
                Some(Ok(o)) => s.offset_for_time = Some(*o),
                Some(Err(e)) => failed.push(format!("{}-{}: {e}", s.topic, s.partition)),
                None => failed.push(format!("{}-{}: no answer", s.topic, s.partition)),
            }
        }
        if !failed.is_empty() {
            return Err(OpsError::Rejected(format!(
                "looking up offsets by time failed: {}; nothing was changed",
                failed.join("; ")
            )));
        }
    }
    reset_preview(ctx, group, found.is_some(), scope, target, &states, now)
}

/// The preview of a reset from each partition's state (time lookups done): pure, so the
/// console's tests build it too.
pub fn reset_preview(
    ctx: &Context,
    group: &str,
    exists: bool,
    scope: &ResetScope,
    target: &ResetTarget,
    states: &[PartitionState],
    now_ms: i64,
) -> Result<Preview, OpsError> {
    let mut warnings = Vec::new();
    if let (ResetTarget::Duration(ms), Some(at)) = (target, reset_time(target, now_ms)) {
        warnings.push(format!(
            "by duration: the first messages at or after {} ({} before now)",
            super::audit::rfc3339_ms(at),
            reset::human_duration(*ms)
        ));
    }
    let mut moves = Vec::new();
    let mut problems = Vec::new();
    for s in states {
        match reset::plan_move(target, s) {
            Ok(m) => moves.push(m),
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(OpsError::Invalid(problems.join("; ")));
    }
    if !exists {
        warnings.push(format!("consumer group {group} does not exist: committing these offsets creates it"));
    }
    let replayed: i64 = moves.iter().filter_map(|m| Some(m.current? - m.new)).filter(|d| *d > 0).sum();
    let skipped: i64 = moves.iter().filter_map(|m| Some(m.new - m.current?)).filter(|d| *d > 0).sum();
    if replayed > 0 {
        warnings.push(format!("{replayed} messages will be consumed again"));
    }
    if skipped > 0 {
        warnings.push(format!("{skipped} messages will be skipped (never consumed by this group)"));
    }
    let mutation = Mutation::Group(GroupChange::ResetOffsets {
        group: group.to_string(),
        scope: scope.clone(),
        target: target.clone(),
        offsets: moves,
    });
    Ok(Preview::of(
        ctx,
        mutation,
        "checked by kdeck: the group has no active members, every partition exists and has a leader, offsets within each log (OffsetCommit has no validate-only mode)",
        warnings,
    ))
}

/// The current leader of each partition (for ListOffsets by time).
async fn leaders(client: &Client, states: &[PartitionState]) -> Result<Vec<((String, i32), Option<i32>)>, KafkaError> {
    let mut topics: Vec<String> = states.iter().map(|s| s.topic.clone()).collect();
    topics.dedup();
    let meta = client.metadata(Some(&topics)).await?;
    Ok(states
        .iter()
        .map(|s| {
            let leader = meta
                .topics
                .iter()
                .find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == s.topic))
                .and_then(|t| t.partitions.iter().find(|p| p.partition_index == s.partition))
                .map(|p| p.leader_id.0)
                .filter(|l| *l >= 0);
            ((s.topic.clone(), s.partition), leader)
        })
        .collect())
}

fn check_group_name(group: &str) -> Result<(), OpsError> {
    if group.trim().is_empty() {
        return Err(OpsError::Invalid("a consumer group id cannot be empty".into()));
    }
    Ok(())
}

async fn existing(client: &Client, group: &str) -> Result<Group, OpsError> {
    check_group_name(group)?;
    describe(client, group)
        .await?
        .ok_or_else(|| OpsError::Invalid(format!("consumer group {group} does not exist (see `kdeck groups`)")))
}

async fn prepare_delete(client: &Client, ctx: &Context, group: &str) -> Result<Preview, OpsError> {
    delete_preview(ctx, &existing(client, group).await?)
}

/// The preview of deleting group `g` as described (pure: the console's tests build it too).
pub fn delete_preview(ctx: &Context, g: &Group) -> Result<Preview, OpsError> {
    let group = g.group_id.as_str();
    refuse_active(g, "deletes a group")?;
    let committed: Vec<&cluster::PartitionLag> = g.offsets.iter().filter(|o| o.committed_offset.is_some()).collect();
    let topics: BTreeSet<&str> = committed.iter().map(|o| o.topic.as_str()).collect();
    let warnings = vec![format!(
        "this deletes consumer group {group} and its committed offsets on {} partitions (topics {}); a consumer that joins it again starts at its auto.offset.reset position",
        committed.len(),
        if topics.is_empty() { "none".to_string() } else { topics.into_iter().collect::<Vec<_>>().join(", ") }
    )];
    Ok(Preview {
        type_to_confirm: Some(group.to_string()),
        ..Preview::of(
            ctx,
            Mutation::Group(GroupChange::Delete { group: group.to_string() }),
            "checked that the group exists and has no active members (DeleteGroups has no validate-only mode)",
            warnings,
        )
    })
}

async fn prepare_delete_offsets(
    client: &Client,
    ctx: &Context,
    group: &str,
    topic: &str,
    partitions: &[i32],
) -> Result<Preview, OpsError> {
    let g = existing(client, group).await?;
    let consuming: Vec<String> = g
        .members
        .iter()
        .filter(|m| m.assignment.iter().any(|(t, _)| t == topic))
        .map(|m| format!("client {} on {}", m.client_id, m.host))
        .collect();
    if !consuming.is_empty() {
        return Err(OpsError::Invalid(format!(
            "consumer group {group} is consuming topic {topic} ({}); Kafka deletes the offsets of a topic only when no member consumes it: stop them first",
            consuming.join(", ")
        )));
    }
    let mine: Vec<&cluster::PartitionLag> =
        g.offsets.iter().filter(|o| o.topic == topic && o.committed_offset.is_some()).collect();
    let chosen: Vec<&cluster::PartitionLag> = if partitions.is_empty() {
        mine
    } else {
        let missing: Vec<String> =
            partitions.iter().filter(|p| !mine.iter().any(|o| o.partition == **p)).map(i32::to_string).collect();
        if !missing.is_empty() {
            return Err(OpsError::Invalid(format!(
                "consumer group {group} has no committed offset on {topic} partition {}",
                missing.join(",")
            )));
        }
        mine.into_iter().filter(|o| partitions.contains(&o.partition)).collect()
    };
    if chosen.is_empty() {
        return Err(OpsError::Invalid(format!("consumer group {group} has no committed offsets on topic {topic}")));
    }
    let listed: Vec<String> = chosen
        .iter()
        .map(|o| format!("{}-{} (at {})", o.topic, o.partition, o.committed_offset.unwrap_or_default()))
        .collect();
    let warnings = vec![format!(
        "this deletes the committed offsets of {group} on {}; a consumer of the group that reads {topic} again starts at its auto.offset.reset position",
        listed.join(", ")
    )];
    let mutation = Mutation::Group(GroupChange::DeleteOffsets {
        group: group.to_string(),
        topic: topic.to_string(),
        partitions: chosen.iter().map(|o| o.partition).collect(),
    });
    Ok(Preview::of(
        ctx,
        mutation,
        "checked that the group has these offsets and no member consumes the topic (OffsetDelete has no validate-only mode)",
        warnings,
    ))
}
