//! Typed admin calls on top of [`Client`]: batching per broker and retries on routing errors.
//! Each returns per-item results so one broken partition or group does not hide the others.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures::future::join_all;
use futures::StreamExt;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_groups_response::DescribedGroup;
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kafka_protocol::messages::{
    ApiKey, BrokerId, DescribeConfigsRequest, DescribeGroupsRequest, DescribeLogDirsRequest, FindCoordinatorRequest,
    GroupId, ListGroupsRequest, ListOffsetsRequest, ListPartitionReassignmentsRequest, OffsetFetchRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::client::{Client, Target};
use super::error::{KafkaError, Result};
use super::offset_fetch::{Committed, OffsetFetchMany};
use super::proto::{error_name, is_transient};

pub type TopicPartition = (String, i32);

/// Which offset ListOffsets should return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// The first offset whose record timestamp is at or after this many milliseconds since the
    /// epoch; the broker answers -1 when the partition has no such record.
    Timestamp(i64),
}

impl OffsetSpec {
    fn timestamp(self) -> i64 {
        match self {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest => -1,
            OffsetSpec::Timestamp(ms) => ms,
        }
    }
}

/// What DescribeGroups says about a group, copied out of the answer: kafka-protocol's own
/// (~230 bytes a group, its strings pinning the response) was 6 MiB of a refresh's peak at 10k
/// groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupDescription {
    pub state: String,
    pub protocol_type: String,
    pub members: Vec<GroupMember>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupMember {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// The assignment as the group's protocol encodes it (ConsumerProtocolAssignment for
    /// protocol type "consumer").
    pub assignment: Vec<u8>,
}

impl From<DescribedGroup> for GroupDescription {
    fn from(g: DescribedGroup) -> Self {
        GroupDescription {
            state: g.group_state.to_string(),
            protocol_type: g.protocol_type.to_string(),
            members: g
                .members
                .iter()
                .map(|m| GroupMember {
                    member_id: m.member_id.to_string(),
                    client_id: m.client_id.to_string(),
                    host: m.client_host.to_string(),
                    assignment: m.member_assignment.to_vec(),
                })
                .collect(),
        }
    }
}

/// A committed offset as (topic, partition, offset).
pub type NamedOffset = (String, i32, i64);

/// The committed offsets of many groups, each topic name stored once (10k groups × 20
/// partitions name a few thousand topics; a name per offset was a fifth of a refresh's peak
/// memory).
#[derive(Debug, Default)]
pub struct GroupOffsets {
    topics: Vec<Arc<str>>,
    groups: HashMap<String, Result<Vec<Committed>>>,
}

impl GroupOffsets {
    /// Takes the group's offsets (topic indexes into [`GroupOffsets::topic`]), if it was asked for.
    pub fn remove(&mut self, group: &str) -> Option<Result<Vec<Committed>>> {
        self.groups.remove(group)
    }

    /// The name of an offset's topic.
    pub fn topic(&self, c: &Committed) -> &str {
        &self.topics[c.topic as usize]
    }

    /// The group's offsets as (topic, partition, offset), if it was asked for.
    pub fn named(&self, group: &str) -> Option<std::result::Result<Vec<NamedOffset>, &KafkaError>> {
        Some(match self.groups.get(group)? {
            Ok(offs) => Ok(offs.iter().map(|c| (self.topic(c).to_string(), c.partition, c.offset)).collect()),
            Err(e) => Err(e),
        })
    }

    /// Every group's offsets.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Result<Vec<Committed>>)> {
        self.groups.iter()
    }
}

/// The coordinators of groups for a first round of requests: the broker that listed a group, else
/// a FindCoordinator answer. (Looked up per group rather than copied into one map: at 10k groups
/// that map was 2 MiB of a refresh's peak.)
struct KnownCoordinators<'a> {
    listed: &'a (dyn Fn(&str) -> Option<i32> + Sync),
    looked_up: HashMap<String, Result<i32>>,
}

impl KnownCoordinators<'_> {
    fn get(&self, group: &str) -> Option<std::result::Result<i32, &KafkaError>> {
        match (self.listed)(group) {
            Some(c) => Some(Ok(c)),
            None => self.looked_up.get(group).map(|r| r.as_ref().copied()),
        }
    }
}

/// Topic names → indexes, shared by the answers of all coordinators.
#[derive(Default)]
struct TopicIndex {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
}

impl TopicIndex {
    fn of(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.index.insert(name, i);
        i
    }
}

/// A partition reassignment the controller is working on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OngoingReassignment {
    pub topic: String,
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
}

/// One replica in a broker's log directory, as DescribeLogDirs reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLog {
    pub topic: String,
    pub partition: i32,
    /// Bytes of the replica's log segments.
    pub size: i64,
    /// How far the replica is behind: the log end offset minus the high watermark, or for a
    /// future replica how far it is behind the current one.
    pub offset_lag: i64,
    /// A copy being moved into this directory (AlterReplicaLogDirs), not the replica in use.
    pub is_future: bool,
}

/// One log directory of a broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogDir {
    pub path: String,
    /// Why the broker could not describe the directory (KAFKA_STORAGE_ERROR: it is offline).
    pub error: Option<String>,
    /// Sorted by topic, then partition (a future copy after the current one).
    pub replicas: Vec<ReplicaLog>,
}

/// UNKNOWN_TOPIC_OR_PARTITION: see [`is_transient`] for why it is not simply retried.
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// Requests in flight at once where an old broker needs one request per group (FindCoordinator
/// before v4, OffsetFetch before v8: Kafka before 2.8 and 3.0).
const OLD_BROKER_CONCURRENCY: usize = 32;

impl Client {
    /// Log start or end offsets, one ListOffsets per partition leader (sent concurrently), in
    /// the order of `leaders`, which maps each partition to its current leader (None: offline).
    /// Partitions answered with a transient error (leader moving, offsets not yet available after
    /// an election) are retried on their leader from fresh metadata until the call's budget is
    /// spent. (Answers by position, not in a map keyed by name: a refresh asks for 20k partitions
    /// twice, and a name per key was a few MiB of its peak memory.)
    pub async fn list_offsets(
        &self,
        leaders: &[(TopicPartition, Option<i32>)],
        spec: OffsetSpec,
    ) -> Vec<std::result::Result<i64, String>> {
        let mut out: Vec<Option<std::result::Result<i64, String>>> = vec![None; leaders.len()];
        let mut todo: Vec<(usize, Option<i32>)> = leaders.iter().enumerate().map(|(i, (_, l))| (i, *l)).collect();
        let mut budget = self.retry();
        loop {
            let mut by_leader: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
            for (i, leader) in todo.drain(..) {
                match leader {
                    Some(l) if l >= 0 => by_leader.entry(l).or_default().push(i),
                    _ => out[i] = Some(Err("offline (no leader)".to_string())),
                }
            }
            let calls = by_leader.into_iter().map(|(leader, asked)| async move {
                let res = self.list_offsets_on(leader, leaders, &asked, spec).await;
                (leader, asked, res)
            });
            // partitions to ask again, with the error to report if the budget runs out
            let mut retry: Vec<(usize, String)> = Vec::new();
            for (leader, asked, res) in join_all(calls).await {
                match res {
                    Ok(per_partition) => {
                        for (i, r) in per_partition {
                            match r {
                                // UNKNOWN_TOPIC_OR_PARTITION: the leader may not have caught up
                                // yet; fresh metadata below tells whether the partition exists.
                                Err(code) if is_transient(code) || code == UNKNOWN_TOPIC_OR_PARTITION => {
                                    retry.push((i, error_name(code)))
                                }
                                Err(code) => out[i] = Some(Err(error_name(code))),
                                Ok(o) => out[i] = Some(Ok(o)),
                            }
                        }
                    }
                    Err(e) if e.is_connection() => {
                        retry.extend(asked.into_iter().map(|i| (i, format!("leader {leader}: {e}"))))
                    }
                    Err(e) => {
                        for i in asked {
                            out[i] = Some(Err(format!("leader {leader}: {e}")));
                        }
                    }
                }
            }
            if retry.is_empty() {
                break;
            }
            let (t, p) = &leaders[retry[0].0].0;
            let why = format!("{} partitions, e.g. {t}-{p}: {}", retry.len(), retry[0].1);
            if !budget.again(why).await {
                for (i, e) in retry {
                    out[i] = Some(Err(e));
                }
                break;
            }
            let mut topics: Vec<String> = retry.iter().map(|(i, _)| leaders[*i].0 .0.clone()).collect();
            topics.sort();
            topics.dedup();
            let fresh = match self.metadata(Some(&topics)).await {
                Ok(m) => m,
                Err(e) => {
                    for (i, _) in retry {
                        out[i] = Some(Err(format!("metadata: {e}")));
                    }
                    break;
                }
            };
            for (i, last) in retry {
                let (topic, partition) = &leaders[i].0;
                let found = fresh
                    .topics
                    .iter()
                    .find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == topic) && t.error_code == 0)
                    .and_then(|t| t.partitions.iter().find(|p| p.partition_index == *partition));
                match found {
                    Some(p) => todo.push((i, Some(p.leader_id.0))),
                    // gone from the cluster: the last answer stands
                    None => out[i] = Some(Err(last)),
                }
            }
        }
        out.into_iter().map(|r| r.unwrap_or_else(|| Err("the leader did not answer for it".to_string()))).collect()
    }

    /// ListOffsets on one leader for the partitions `asked` (indexes into `leaders`).
    async fn list_offsets_on(
        &self,
        leader: i32,
        leaders: &[(TopicPartition, Option<i32>)],
        asked: &[usize],
        spec: OffsetSpec,
    ) -> Result<Vec<(usize, std::result::Result<i64, i16>)>> {
        let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        let mut index: HashMap<(&str, i32), usize> = HashMap::with_capacity(asked.len());
        for &i in asked {
            let (t, p) = &leaders[i].0;
            topics.entry(t.as_str()).or_default().push(*p);
            index.insert((t.as_str(), *p), i);
        }
        let req = ListOffsetsRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_isolation_level(0)
            .with_timeout_ms(self.config().request_timeout.as_millis() as i32)
            .with_topics(
                topics
                    .into_iter()
                    .map(|(t, ps)| {
                        ListOffsetsTopic::default().with_name(TopicName(s(t))).with_partitions(
                            ps.into_iter()
                                .map(|p| {
                                    ListOffsetsPartition::default()
                                        .with_partition_index(p)
                                        .with_current_leader_epoch(-1)
                                        .with_timestamp(spec.timestamp())
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            );
        let resp = self.send(Target::Broker(leader), &req).await?;
        let mut out = Vec::with_capacity(asked.len());
        for t in &resp.topics {
            for p in &t.partitions {
                // a partition the request did not name is not ours to report
                if let Some(&i) = index.get(&(t.name.0.as_str(), p.partition_index)) {
                    out.push((i, if p.error_code == 0 { Ok(p.offset) } else { Err(p.error_code) }));
                }
            }
        }
        Ok(out)
    }

    /// Groups from every broker (each lists only the groups it coordinates). Unreachable brokers
    /// are reported next to the groups that could be listed; a broker whose coordinator is still
    /// loading is asked again within the call's budget.
    pub async fn list_groups(&self) -> (Vec<ListedGroup>, Vec<String>) {
        let (listed, errors) = self.list_groups_by_coordinator().await;
        (listed.into_iter().map(|(_, g)| g).collect(), errors)
    }

    /// [`Self::list_groups`], each group with the broker that listed it: its coordinator when it
    /// answered (a broker lists the groups whose partition of __consumer_offsets it leads).
    pub async fn list_groups_by_coordinator(&self) -> (Vec<(i32, ListedGroup)>, Vec<String>) {
        let ids = self.broker_ids();
        let calls = ids.iter().map(|&id| async move {
            let mut budget = self.retry();
            loop {
                match self.send(Target::Broker(id), &ListGroupsRequest::default()).await {
                    Ok(r)
                        if is_transient(r.error_code)
                            && budget.again(format!("broker {id}: ListGroups {}", error_name(r.error_code))).await =>
                    {
                        continue
                    }
                    res => return (id, res),
                }
            }
        });
        let mut groups: BTreeMap<String, (i32, ListedGroup)> = BTreeMap::new();
        let mut errors = Vec::new();
        for (id, res) in join_all(calls).await {
            match res {
                Ok(r) if r.error_code == 0 => {
                    for g in r.groups {
                        groups.insert(g.group_id.0.to_string(), (id, g));
                    }
                }
                Ok(r) => errors.push(format!("broker {id}: ListGroups {}", error_name(r.error_code))),
                Err(e) => errors.push(format!("broker {id}: {e}")),
            }
        }
        (groups.into_values().collect(), errors)
    }

    /// The coordinator broker of each group: one FindCoordinator carrying every group (v4+, as
    /// Kafka's AdminClient batches it: the count of requests does not grow with the groups), or
    /// on older brokers one request per group, [`OLD_BROKER_CONCURRENCY`] at a time.
    pub async fn find_coordinators(&self, groups: &[String]) -> HashMap<String, Result<i32>> {
        let mut out = HashMap::new();
        if groups.is_empty() {
            return out;
        }
        let batched = self.version_for::<FindCoordinatorRequest>(&Target::Any).await.map(|v| v >= 4).unwrap_or(false);
        if batched {
            let req = FindCoordinatorRequest::default()
                .with_key_type(0)
                .with_coordinator_keys(groups.iter().map(|g| s(g)).collect());
            match self.send(Target::Any, &req).await {
                Ok(resp) => {
                    for c in resp.coordinators {
                        let r = if c.error_code == 0 {
                            Ok(c.node_id.0)
                        } else {
                            Err(KafkaError::broker(
                                ApiKey::FindCoordinator,
                                c.error_code,
                                c.error_message.map(|m| m.to_string()),
                            ))
                        };
                        out.insert(c.key.to_string(), r);
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    for g in groups {
                        out.insert(g.clone(), Err(KafkaError::Other(msg.clone())));
                    }
                }
            }
        } else {
            let asks: Vec<_> = groups
                .iter()
                .cloned()
                .map(|g| async move {
                    let req = FindCoordinatorRequest::default().with_key(s(&g)).with_key_type(0);
                    let r = match self.send(Target::Any, &req).await {
                        Ok(resp) if resp.error_code == 0 => Ok(resp.node_id.0),
                        Ok(resp) => Err(KafkaError::broker(
                            ApiKey::FindCoordinator,
                            resp.error_code,
                            resp.error_message.map(|m| m.to_string()),
                        )),
                        Err(e) => Err(e),
                    };
                    (g, r)
                })
                .collect();
            out.extend(futures::stream::iter(asks).buffer_unordered(OLD_BROKER_CONCURRENCY).collect::<Vec<_>>().await);
        }
        out
    }

    /// Runs a per-coordinator batch operation for many groups. Groups answered with a transient
    /// error (a coordinator still loading its partition of __consumer_offsets after a restart, or
    /// one that moved) are retried, coordinators looked up again, until the call's budget is spent.
    pub(super) async fn per_coordinator<T, F, Fut>(&self, groups: &[String], op: F) -> HashMap<String, Result<T>>
    where
        F: Fn(i32, Vec<String>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<(String, std::result::Result<T, KafkaError>)>>>,
    {
        self.per_coordinator_known(groups, None, op).await
    }

    /// [`Self::per_coordinator`], whose first round uses coordinators already looked up (by
    /// [`Self::find_coordinators`]) so that two operations on the same groups share one
    /// FindCoordinator; retries look them up again.
    async fn per_coordinator_known<T, F, Fut>(
        &self,
        groups: &[String],
        mut known: Option<&KnownCoordinators<'_>>,
        op: F,
    ) -> HashMap<String, Result<T>>
    where
        F: Fn(i32, Vec<String>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<(String, std::result::Result<T, KafkaError>)>>>,
    {
        let transient = |e: &KafkaError| e.code().is_some_and(is_transient);
        let mut out = HashMap::with_capacity(groups.len());
        let mut todo: Vec<String> = groups.to_vec();
        let mut budget = self.retry();
        while !todo.is_empty() {
            let looked_up;
            let coords = match known.take() {
                Some(known) => known,
                None => {
                    looked_up = KnownCoordinators { listed: &|_| None, looked_up: self.find_coordinators(&todo).await };
                    &looked_up
                }
            };
            let mut by_coord: BTreeMap<i32, Vec<String>> = BTreeMap::new();
            // groups to ask again, with the error to report if the budget runs out
            let mut retry: Vec<(String, KafkaError)> = Vec::new();
            for g in todo.drain(..) {
                match coords.get(&g) {
                    Some(Ok(c)) => by_coord.entry(c).or_default().push(g),
                    Some(Err(e)) if transient(e) => retry.push((g, KafkaError::Other(e.to_string()))),
                    Some(Err(e)) => {
                        out.insert(g, Err(KafkaError::Other(e.to_string())));
                    }
                    None => {
                        out.insert(g, Err(KafkaError::Other("the broker did not return a coordinator".into())));
                    }
                }
            }
            let calls = by_coord.into_iter().map(|(c, gs)| {
                let fut = op(c, gs.clone());
                async move { (gs, fut.await) }
            });
            for (gs, res) in join_all(calls).await {
                match res {
                    Ok(items) => {
                        for (g, r) in items {
                            match r {
                                Err(e) if transient(&e) => retry.push((g, e)),
                                r => {
                                    out.insert(g, r);
                                }
                            }
                        }
                    }
                    Err(e) if e.is_connection() || transient(&e) => {
                        let msg = e.to_string();
                        retry.extend(gs.into_iter().map(|g| (g, KafkaError::Other(msg.clone()))));
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        for g in gs {
                            out.insert(g, Err(KafkaError::Other(msg.clone())));
                        }
                    }
                }
            }
            if retry.is_empty() {
                break;
            }
            let why = format!("{} groups, e.g. {}: {}", retry.len(), retry[0].0, retry[0].1);
            if !budget.again(why).await {
                out.extend(retry.into_iter().map(|(g, e)| (g, Err(e))));
                break;
            }
            todo = retry.into_iter().map(|(g, _)| g).collect();
        }
        out
    }

    /// DescribeGroups and OffsetFetch of the same groups at once, both sent to the coordinators
    /// `listed_by` names (the broker whose ListGroups listed a group coordinates it) and one
    /// FindCoordinator for the others, shared by both requests. A group whose coordinator moved
    /// in between answers NOT_COORDINATOR and is looked up again. (At 10k groups the
    /// FindCoordinator that ListGroups makes needless was a round trip of ~100 ms, a 350 KB
    /// answer.)
    pub async fn describe_groups_and_offsets(
        &self,
        groups: &[String],
        listed_by: impl Fn(&str) -> Option<i32> + Sync,
    ) -> (HashMap<String, Result<GroupDescription>>, GroupOffsets) {
        if groups.is_empty() {
            return (HashMap::new(), GroupOffsets::default());
        }
        let unlisted: Vec<String> = groups.iter().filter(|g| listed_by(g).is_none()).cloned().collect();
        let coords = KnownCoordinators {
            listed: &listed_by,
            looked_up: match unlisted.is_empty() {
                true => HashMap::new(),
                false => self.find_coordinators(&unlisted).await,
            },
        };
        futures::join!(
            self.describe_groups_known(groups, Some(&coords)),
            self.offset_fetch_known(groups, Some(&coords))
        )
    }

    /// DescribeGroups, one request per coordinator with all its groups.
    pub async fn describe_groups(&self, groups: &[String]) -> HashMap<String, Result<GroupDescription>> {
        self.describe_groups_known(groups, None).await
    }

    async fn describe_groups_known(
        &self,
        groups: &[String],
        known: Option<&KnownCoordinators<'_>>,
    ) -> HashMap<String, Result<GroupDescription>> {
        self.per_coordinator_known(groups, known, |coord, gs| async move {
            let req = DescribeGroupsRequest::default().with_groups(gs.iter().map(|g| GroupId(s(g))).collect());
            let resp = self.send(Target::Coordinator(coord), &req).await?;
            Ok(resp
                .groups
                .into_iter()
                .map(|g| {
                    let id = g.group_id.0.to_string();
                    if g.error_code == 0 {
                        (id, Ok(GroupDescription::from(g)))
                    } else {
                        (
                            id,
                            Err(KafkaError::broker(
                                ApiKey::DescribeGroups,
                                g.error_code,
                                g.error_message.as_ref().map(|m| m.to_string()),
                            )),
                        )
                    }
                })
                .collect())
        })
        .await
    }

    /// Committed offsets of groups: one OffsetFetch per coordinator carrying all its groups
    /// (v8+), or one per group on older brokers.
    pub async fn offset_fetch(&self, groups: &[String]) -> GroupOffsets {
        self.offset_fetch_known(groups, None).await
    }

    async fn offset_fetch_known(&self, groups: &[String], known: Option<&KnownCoordinators<'_>>) -> GroupOffsets {
        let topics = std::sync::Mutex::new(TopicIndex::default());
        let topics = &topics;
        let groups = self
            .per_coordinator_known(groups, known, |coord, gs| async move {
                let version = self.version_for::<OffsetFetchRequest>(&Target::Coordinator(coord)).await?;
                let mut items = Vec::new();
                if version >= 8 {
                    let req = OffsetFetchRequest::default().with_groups(
                        gs.iter()
                            .map(|g| {
                                OffsetFetchRequestGroup::default()
                                    .with_group_id(GroupId(s(g)))
                                    .with_member_epoch(-1)
                                    .with_topics(None)
                            })
                            .collect(),
                    );
                    let answer = self.send(Target::Coordinator(coord), &OffsetFetchMany(req)).await?;
                    // the answer's own topic indexes → those shared by every coordinator's answer
                    let shared: Vec<u32> = {
                        let mut index = topics.lock().unwrap_or_else(|e| e.into_inner());
                        answer.topics.iter().map(|t| index.of(t)).collect()
                    };
                    for mut g in answer.groups {
                        if g.error_code != 0 {
                            items.push((g.group_id, Err(KafkaError::broker(ApiKey::OffsetFetch, g.error_code, None))));
                            continue;
                        }
                        for c in &mut g.offsets {
                            c.topic = shared[c.topic as usize];
                        }
                        g.offsets.shrink_to_fit();
                        items.push((g.group_id, Ok(g.offsets)));
                    }
                } else {
                    // one request per group (pipelined on the coordinator's connection)
                    let asks: Vec<_> = gs
                        .into_iter()
                        .map(|g| async move {
                            let req = OffsetFetchRequest::default().with_group_id(GroupId(s(&g))).with_topics(None);
                            let resp = self.send(Target::Coordinator(coord), &req).await?;
                            if resp.error_code != 0 {
                                return Ok((g, Err(KafkaError::broker(ApiKey::OffsetFetch, resp.error_code, None))));
                            }
                            let mut index = topics.lock().unwrap_or_else(|e| e.into_inner());
                            let offs = resp
                                .topics
                                .iter()
                                .flat_map(|t| {
                                    let topic = index.of(t.name.0.as_str());
                                    t.partitions.iter().map(move |p| Committed {
                                        topic,
                                        partition: p.partition_index,
                                        offset: p.committed_offset,
                                    })
                                })
                                .collect();
                            Ok((g, Ok(offs)))
                        })
                        .collect();
                    let answers: Vec<Result<_>> =
                        futures::stream::iter(asks).buffer_unordered(OLD_BROKER_CONCURRENCY).collect().await;
                    for answer in answers {
                        items.push(answer?);
                    }
                }
                Ok(items)
            })
            .await;
        let topics = std::mem::take(&mut topics.lock().unwrap_or_else(|e| e.into_inner()).names);
        GroupOffsets { topics, groups }
    }

    /// The log directories of each broker with every replica they hold (DescribeLogDirs for all
    /// topics, sent to every broker concurrently). A broker that fails or does not answer within
    /// the request timeout gets its own error; the others still answer.
    pub async fn describe_log_dirs(&self, brokers: &[i32]) -> BTreeMap<i32, Result<Vec<LogDir>>> {
        let calls = brokers.iter().map(|&id| async move { (id, self.describe_log_dirs_on(id).await) });
        join_all(calls).await.into_iter().collect()
    }

    async fn describe_log_dirs_on(&self, broker: i32) -> Result<Vec<LogDir>> {
        let req = DescribeLogDirsRequest::default().with_topics(None);
        let mut budget = self.retry();
        let resp = loop {
            let resp = self.send(Target::Broker(broker), &req).await?;
            if !(is_transient(resp.error_code)
                && budget.again(format!("broker {broker}: DescribeLogDirs {}", error_name(resp.error_code))).await)
            {
                break resp;
            }
        };
        // v3+ has a top-level error; before that a broker that refuses (no DESCRIBE on the
        // cluster) answers with no directories at all, and every broker has at least one.
        if resp.error_code != 0 {
            return Err(KafkaError::broker(ApiKey::DescribeLogDirs, resp.error_code, None));
        }
        if resp.results.is_empty() {
            return Err(KafkaError::Other(
                "DescribeLogDirs returned no log directories (is DESCRIBE on the cluster allowed?)".into(),
            ));
        }
        let mut dirs: Vec<LogDir> = resp
            .results
            .into_iter()
            .map(|d| {
                let mut replicas: Vec<ReplicaLog> = d
                    .topics
                    .iter()
                    .flat_map(|t| {
                        t.partitions.iter().map(move |p| ReplicaLog {
                            topic: t.name.0.to_string(),
                            partition: p.partition_index,
                            size: p.partition_size,
                            offset_lag: p.offset_lag,
                            is_future: p.is_future_key,
                        })
                    })
                    .collect();
                replicas
                    .sort_by(|a, b| (&a.topic, a.partition, a.is_future).cmp(&(&b.topic, b.partition, b.is_future)));
                LogDir {
                    path: d.log_dir.to_string(),
                    error: (d.error_code != 0).then(|| error_name(d.error_code)),
                    replicas,
                }
            })
            .collect();
        dirs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(dirs)
    }

    /// Reassignments in progress (sent to the controller, retried if it moved).
    pub async fn list_reassignments(&self) -> Result<Vec<OngoingReassignment>> {
        let req = ListPartitionReassignmentsRequest::default()
            .with_timeout_ms(self.config().request_timeout.as_millis() as i32)
            .with_topics(None);
        let mut budget = self.retry();
        loop {
            let resp = self.send(Target::Controller, &req).await?;
            if is_transient(resp.error_code)
                && budget.again(format!("ListPartitionReassignments {}", error_name(resp.error_code))).await
            {
                self.invalidate().await?;
                continue;
            }
            if resp.error_code != 0 {
                return Err(KafkaError::broker(
                    ApiKey::ListPartitionReassignments,
                    resp.error_code,
                    resp.error_message.map(|m| m.to_string()),
                ));
            }
            let mut out = Vec::new();
            for t in resp.topics {
                for p in t.partitions {
                    out.push(OngoingReassignment {
                        topic: t.name.0.to_string(),
                        partition: p.partition_index,
                        replicas: p.replicas.iter().map(|b| b.0).collect(),
                        adding: p.adding_replicas.iter().map(|b| b.0).collect(),
                        removing: p.removing_replicas.iter().map(|b| b.0).collect(),
                    });
                }
            }
            out.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
            return Ok(out);
        }
    }

    /// One config value of many topics in a single DescribeConfigs (topic configs can be read
    /// from any broker).
    pub async fn topic_config_values(&self, topics: &[String], key: &str) -> Result<HashMap<String, String>> {
        let req = DescribeConfigsRequest::default().with_resources(
            topics
                .iter()
                .map(|t| {
                    DescribeConfigsResource::default()
                        .with_resource_type(2)
                        .with_resource_name(s(t))
                        .with_configuration_keys(Some(vec![s(key)]))
                })
                .collect(),
        );
        let resp = self.send(Target::Any, &req).await?;
        let mut out = HashMap::new();
        for r in resp.results {
            if r.error_code != 0 {
                continue;
            }
            if let Some(v) = r.configs.iter().find(|c| c.name.as_str() == key).and_then(|c| c.value.as_ref()) {
                out.insert(r.resource_name.to_string(), v.to_string());
            }
        }
        Ok(out)
    }
}
