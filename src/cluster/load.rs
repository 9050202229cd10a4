//! Builds a [`Snapshot`] with as few round trips as the protocol allows: one Metadata, then at
//! once ListOffsets per leader (earliest and latest), one DescribeConfigs, the reassignments, and
//! the groups: listed on every broker (which lists the groups it coordinates), then DescribeGroups
//! and OffsetFetch per coordinator with all of its groups in one request.

use std::collections::{HashMap, HashSet};

use kafka_protocol::messages::ConsumerProtocolAssignment;
use kafka_protocol::protocol::Decodable;

use kafka_protocol::messages::list_groups_response::ListedGroup;

use super::model::*;
use crate::kafka::admin::{GroupDescription, GroupOffsets, OffsetSpec, TopicPartition};
use crate::kafka::offset_fetch::Committed;
use crate::kafka::{Client, KafkaError, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GroupScope {
    #[default]
    None,
    All,
    Only(Vec<String>),
}

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Only these topics (None: all). Unknown names are an error.
    pub topics: Option<Vec<String>>,
    pub offsets: bool,
    /// min.insync.replicas per topic (one DescribeConfigs for all topics).
    pub configs: bool,
    pub groups: GroupScope,
    /// Keep per-group totals only (lag, partitions, topics, members, state), not each group's
    /// partition rows: the console's refresh (200k rows at 10k groups), whose group detail reads
    /// its rows when it opens.
    pub groups_without_rows: bool,
    pub reassignments: bool,
    /// Topics the user named that must be in the snapshot (besides `topics`): a broker that has
    /// not caught up with a new topic yet is not taken as the last word on it.
    pub expect_topics: Vec<String>,
}

pub async fn load(client: &Client, opts: &LoadOptions) -> Result<Snapshot> {
    let mut named = opts.expect_topics.clone();
    named.extend(opts.topics.iter().flatten().cloned());
    let mut meta = client.metadata_knowing(opts.topics.as_deref(), &named).await?;
    let mut snap = Snapshot { cluster_id: meta.cluster_id.as_ref().map(|c| c.to_string()), ..Default::default() };
    // Everything is copied out of the decoded answer before the other requests go out: its
    // strings point into the response frame, which would otherwise stay alive (a few MiB at 20k
    // partitions) while the groups' answers arrive.
    let controller_id = meta.controller_id.0;
    let mut brokers: Vec<Broker> = meta
        .brokers
        .iter()
        .map(|b| Broker {
            id: b.node_id.0,
            host: b.host.to_string(),
            port: b.port,
            rack: b.rack.as_ref().map(|r| r.to_string()),
            is_controller: false,
        })
        .collect();
    brokers.sort_by_key(|b| b.id);

    for t in std::mem::take(&mut meta.topics) {
        let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
        if t.error_code == 3 {
            return Err(KafkaError::UnknownTopic(name));
        }
        let mut partitions: Vec<Partition> = t
            .partitions
            .iter()
            .map(|p| Partition {
                partition: p.partition_index,
                leader: (p.leader_id.0 >= 0).then_some(p.leader_id.0),
                replicas: p.replica_nodes.iter().map(|b| b.0).collect(),
                isr: p.isr_nodes.iter().map(|b| b.0).collect(),
                offline_replicas: p.offline_replicas.iter().map(|b| b.0).collect(),
                log_start_offset: None,
                log_end_offset: None,
                error: (p.error_code != 0 && p.error_code != 9).then(|| crate::kafka::proto::error_name(p.error_code)),
            })
            .collect();
        partitions.sort_by_key(|p| p.partition);
        snap.topics.push(Topic { name, internal: t.is_internal, partitions, min_insync_replicas: None });
    }
    snap.topics.sort_by(|a, b| a.name.cmp(&b.name));
    drop(meta);

    // Everything after the metadata is independent of everything else: asked at once, so a
    // snapshot takes the time of its slowest request, not of all of them in a row.
    let broker_ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
    let leaders: Vec<(TopicPartition, Option<i32>)> = snap
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| ((t.name.clone(), p.partition), p.leader)))
        .collect();
    let names: Vec<String> = snap.topics.iter().map(|t| t.name.clone()).collect();
    let offsets = async {
        if !opts.offsets {
            return None;
        }
        Some(futures::join!(
            client.list_offsets(&leaders, OffsetSpec::Earliest),
            client.list_offsets(&leaders, OffsetSpec::Latest)
        ))
    };
    let configs = async {
        match opts.configs && !names.is_empty() {
            true => Some(client.topic_config_values(&names, "min.insync.replicas").await),
            false => None,
        }
    };
    let groups = async {
        match opts.groups {
            GroupScope::None => None,
            _ => Some(fetch_groups(client, opts).await),
        }
    };
    let reassignments = async {
        match opts.reassignments {
            true => Some(client.list_reassignments().await),
            false => None,
        }
    };
    let (controller, offsets, configs, groups, reassignments) =
        futures::join!(Controller::load(client, controller_id, &broker_ids), offsets, configs, groups, reassignments);

    snap.controller = controller;
    if let Controller::Unknown { reason } = &snap.controller {
        snap.warnings.push(format!("controller: {reason}"));
    }
    for b in &mut brokers {
        b.is_controller = Some(b.id) == snap.controller.broker_id();
    }
    snap.brokers = brokers;
    drop((leaders, names));

    if let Some((start, end)) = offsets {
        // answers in the order `leaders` was built in: the snapshot's own
        let partitions = snap.topics.iter_mut().flat_map(|t| t.partitions.iter_mut());
        for ((p, start), end) in partitions.zip(start).zip(end) {
            match start {
                Ok(o) => p.log_start_offset = Some(o),
                Err(e) => p.error = Some(e),
            }
            match end {
                Ok(o) => p.log_end_offset = Some(o),
                Err(e) => p.error = Some(e),
            }
        }
    }

    match configs {
        Some(Ok(values)) => {
            for t in &mut snap.topics {
                t.min_insync_replicas = values.get(&t.name).and_then(|v| v.parse().ok());
            }
        }
        Some(Err(e)) => snap.warnings.push(format!("min.insync.replicas: {e}")),
        None => {}
    }

    if let Some(answers) = groups {
        add_groups(client, opts, &mut snap, answers).await?;
    }

    match reassignments {
        Some(Ok(r)) => snap.reassignments = r,
        Some(Err(e)) => snap.warnings.push(format!("reassignments: {e}")),
        None => {}
    }
    let listed: HashSet<i32> = snap.brokers.iter().map(|b| b.id).collect();
    snap.unreachable_brokers = client.unreachable_brokers().into_iter().filter(|(id, _)| listed.contains(id)).collect();
    Ok(snap)
}

/// What ListGroups said about a group (copied out of the answer, whose strings would keep its
/// frame alive until the snapshot is built).
struct Listed {
    /// The broker that listed it: its coordinator.
    coordinator: i32,
    group_type: String,
    state: String,
    protocol_type: String,
}

impl Listed {
    fn new(coordinator: i32, g: &ListedGroup) -> Self {
        Listed {
            coordinator,
            group_type: g.group_type.to_string(),
            state: g.group_state.to_string(),
            protocol_type: g.protocol_type.to_string(),
        }
    }
}

/// What the brokers said about the groups, before it is joined with the log end offsets.
struct GroupAnswers {
    listed: HashMap<String, Listed>,
    list_errors: Vec<String>,
    ids: Vec<String>,
    described: HashMap<String, Result<GroupDescription>>,
    offsets: GroupOffsets,
}

/// ListGroups on every broker, then DescribeGroups and OffsetFetch per coordinator, at once.
async fn fetch_groups(client: &Client, opts: &LoadOptions) -> GroupAnswers {
    let (listed, list_errors) = client.list_groups_by_coordinator().await;
    let listed: HashMap<String, Listed> =
        listed.into_iter().map(|(broker, g)| (g.group_id.0.to_string(), Listed::new(broker, &g))).collect();
    let ids: Vec<String> = match &opts.groups {
        GroupScope::Only(ids) => ids.clone(),
        _ => {
            let mut ids: Vec<String> = listed.keys().cloned().collect();
            ids.sort();
            ids
        }
    };
    let (described, offsets) = client.describe_groups_and_offsets(&ids, |g| Some(listed.get(g)?.coordinator)).await;
    GroupAnswers { listed, list_errors, ids, described, offsets }
}

async fn add_groups(client: &Client, opts: &LoadOptions, snap: &mut Snapshot, answers: GroupAnswers) -> Result<()> {
    let GroupAnswers { listed, list_errors, ids, mut described, offsets } = answers;
    snap.warnings.extend(list_errors.into_iter().map(|e| format!("list groups: {e}")));
    if ids.is_empty() {
        return Ok(());
    }

    // Log end offsets by topic and partition, looked up by &str (200k committed partitions at 10k
    // groups: no key is allocated per lookup), with those of every partition a group committed on
    // that the snapshot does not have (e.g. when topics were filtered).
    let mut known_end: HashMap<String, HashMap<i32, i64>> = HashMap::new();
    for t in &snap.topics {
        let ends = t.partitions.iter().filter_map(|p| Some((p.partition, p.log_end_offset?))).collect();
        known_end.insert(t.name.clone(), ends);
    }
    let end_known = |ends: &HashMap<String, HashMap<i32, i64>>, topic: &str, p: i32| {
        ends.get(topic).and_then(|ps| ps.get(&p)).copied()
    };
    // A set of borrowed names first: 200k committed partitions name only a few thousand topics.
    let missing: HashSet<&str> = offsets
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .map(|o| (offsets.topic(o), o.partition))
        .filter(|(topic, p)| end_known(&known_end, topic, *p).is_none())
        .map(|(topic, _)| topic)
        .collect();
    let mut missing: Vec<String> = missing.into_iter().map(str::to_string).collect();
    missing.sort();
    if !missing.is_empty() {
        let meta = client.metadata(Some(&missing)).await?;
        let leaders: Vec<(TopicPartition, Option<i32>)> = meta
            .topics
            .iter()
            .filter(|t| t.error_code == 0)
            .flat_map(|t| {
                let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
                t.partitions
                    .iter()
                    .map(move |p| ((name.clone(), p.partition_index), (p.leader_id.0 >= 0).then_some(p.leader_id.0)))
            })
            .collect();
        let ends = client.list_offsets(&leaders, OffsetSpec::Latest).await;
        for (((topic, p), _), r) in leaders.into_iter().zip(ends) {
            if let Ok(o) = r {
                known_end.entry(topic).or_default().insert(p, o);
            }
        }
    }
    let end_of = |topic: &str, p: i32| end_known(&known_end, topic, p);
    snap.groups.reserve_exact(ids.len());
    let mut offsets = offsets;
    let mut names = TopicNames::default();

    for id in ids {
        let mut group = Group { group_id: id.clone(), ..Default::default() };
        if let Some(l) = listed.get(&id) {
            group.group_type = l.group_type.clone();
            group.state = l.state.clone();
            group.protocol_type = l.protocol_type.clone();
        }
        match described.remove(&id) {
            Some(Ok(d)) => {
                group.members = d
                    .members
                    .into_iter()
                    .map(|m| Member {
                        assignment: decode_assignment(&d.protocol_type, &m.assignment),
                        member_id: m.member_id,
                        client_id: m.client_id,
                        host: m.host,
                    })
                    .collect();
                group.state = d.state;
                group.protocol_type = d.protocol_type;
            }
            // GROUP_ID_NOT_FOUND (Kafka 4.x) or a Dead group that no broker lists: it does not exist.
            Some(Err(e)) if e.code() == Some(69) => {
                if let GroupScope::Only(_) = &opts.groups {
                    return Err(KafkaError::UnknownGroup(id));
                }
                continue; // listed a moment ago, deleted since
            }
            Some(Err(e)) => group.error = Some(e.to_string()),
            None => {}
        }
        if let GroupScope::Only(_) = &opts.groups {
            if !listed.contains_key(&id) && group.state.eq_ignore_ascii_case("dead") {
                return Err(KafkaError::UnknownGroup(id));
            }
        }
        // out of the group while its totals are set, which `owner` borrows from
        let members = std::mem::take(&mut group.members);
        let owner: HashMap<(&str, i32), &Member> = members
            .iter()
            .flat_map(|m| m.assignment.iter().flat_map(move |(t, ps)| ps.iter().map(move |p| ((t.as_str(), *p), m))))
            .collect();
        let committed = offsets.remove(&id);
        let topic = |o: &Committed| offsets.topic(o);
        match committed {
            Some(Ok(offs)) => {
                // Assigned partitions without a commit yet still belong in the table.
                let uncommitted: Vec<(&str, i32, &Member)> = match owner.is_empty() {
                    true => Vec::new(),
                    false => {
                        let committed: HashSet<(&str, i32)> = offs.iter().map(|o| (topic(o), o.partition)).collect();
                        owner
                            .iter()
                            .filter(|(tp, _)| !committed.contains(*tp))
                            .map(|((t, p), m)| (*t, *p, *m))
                            .collect()
                    }
                };
                if opts.groups_without_rows {
                    // what the rows would add up to, without building 200k of them per refresh
                    let lags = offs
                        .iter()
                        .map(|o| (topic(o), lag((o.offset >= 0).then_some(o.offset), end_of(topic(o), o.partition))));
                    group.set_totals(lags.chain(uncommitted.iter().map(|(t, _, _)| (*t, None))), &mut names);
                } else {
                    let mut rows: Vec<PartitionLag> = offs
                        .iter()
                        .map(|o| {
                            let committed = (o.offset >= 0).then_some(o.offset);
                            let end = end_of(topic(o), o.partition);
                            let m = owner.get(&(topic(o), o.partition));
                            PartitionLag {
                                partition: o.partition,
                                committed_offset: committed,
                                log_end_offset: end,
                                lag: lag(committed, end),
                                member_id: m.map(|m| m.member_id.clone()),
                                client_id: m.map(|m| m.client_id.clone()),
                                host: m.map(|m| m.host.clone()),
                                topic: topic(o).to_string(),
                            }
                        })
                        .collect();
                    rows.extend(uncommitted.iter().map(|(t, p, m)| PartitionLag {
                        topic: t.to_string(),
                        partition: *p,
                        committed_offset: None,
                        log_end_offset: end_of(t, *p),
                        lag: None,
                        member_id: Some(m.member_id.clone()),
                        client_id: Some(m.client_id.clone()),
                        host: Some(m.host.clone()),
                    }));
                    rows.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
                    group.offsets = rows;
                    group.count_rows(&mut names);
                }
            }
            Some(Err(e)) => group.error = Some(e.to_string()),
            None => {}
        }
        drop(owner);
        group.members = members;
        snap.groups.push(group);
    }
    Ok(())
}

/// The partitions a classic consumer-group member owns (ConsumerProtocolAssignment). Other
/// protocol types (connect, streams' own) carry opaque bytes and show no assignment.
fn decode_assignment(protocol_type: &str, bytes: &[u8]) -> Vec<(String, Vec<i32>)> {
    if protocol_type != "consumer" || bytes.len() < 2 {
        return Vec::new();
    }
    let mut buf = bytes::Bytes::copy_from_slice(bytes);
    let version = bytes::Buf::get_i16(&mut buf);
    match ConsumerProtocolAssignment::decode(&mut buf, version.clamp(0, 3)) {
        Ok(a) => a.assigned_partitions.into_iter().map(|tp| (tp.topic.0.to_string(), tp.partitions)).collect(),
        Err(_) => Vec::new(),
    }
}
