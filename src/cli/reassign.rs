//! `kdeck reassign plan` / `kdeck reassign validate`: the pure planner on the live cluster's
//! state, writing Kafka's own reassignment JSON (and its rollback) — nothing is sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use super::output::{bytes, json, Format, Table};
use crate::cluster::{self, LoadOptions, ReplicaSizes, Snapshot};
use crate::kafka::Client;
use crate::plan::{self, Broker, ByteBalance, ClusterState, Goal, PartitionState, PlanRequest, Scope, Summary};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GoalArg {
    /// Balance replicas and preferred leaders over the target brokers
    Rebalance,
    /// Move every replica off the --drain brokers
    Drain,
    /// Change the replication factor to --rf
    Rf,
    /// Reorder replicas so preferred leaders are balanced; no data moves
    Leaders,
}

#[derive(Subcommand, Debug)]
pub enum ReassignCommand {
    /// Plan a reassignment and write Kafka's reassignment JSON plus its rollback
    Plan {
        #[arg(long, value_enum)]
        goal: GoalArg,
        /// Topics: comma-separated names (default: all non-internal topics)
        #[arg(long, value_delimiter = ',', conflicts_with_all = ["topics_regex", "topics_json"])]
        topics: Vec<String>,
        /// Topics whose whole name matches this regex
        #[arg(long, conflicts_with = "topics_json")]
        topics_regex: Option<String>,
        /// Kafka's topics-to-move JSON file ({"version":1,"topics":[{"topic":"t"}]})
        #[arg(long, value_name = "FILE")]
        topics_json: Option<PathBuf>,
        /// Target brokers, e.g. 1,2,3 (default: every live broker)
        #[arg(long, value_delimiter = ',')]
        brokers: Vec<i32>,
        /// Brokers to move every replica off (goal drain)
        #[arg(long, value_delimiter = ',')]
        drain: Vec<i32>,
        /// Replication factor (goal rf)
        #[arg(long)]
        rf: Option<usize>,
        /// Also move offline / under-min-ISR partitions (their moves may not complete)
        #[arg(long)]
        include_unhealthy: bool,
        /// Where to write the plan; the rollback goes next to it as NAME.rollback.json
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Reassignments the controller is working on (ListPartitionReassignments)
    Status,
    /// Check a reassignment JSON file against the cluster; nothing is sent
    Validate {
        file: PathBuf,
        /// Expect this replication factor for every partition
        #[arg(long)]
        rf: Option<usize>,
    },
}

/// The planner's view of a snapshot: brokers in metadata are alive; brokers that only replica
/// lists name are known but dead. Partition sizes come from `sizes` (see [`partition_size`]).
pub fn cluster_state(snap: &Snapshot, sizes: &ReplicaSizes) -> ClusterState {
    let mut brokers: BTreeMap<i32, Broker> =
        snap.brokers.iter().map(|b| (b.id, Broker { id: b.id, rack: b.rack.clone(), alive: true })).collect();
    let mut partitions = Vec::new();
    let mut min_isr = BTreeMap::new();
    for t in snap.topics.iter().filter(|t| !t.internal) {
        if let Some(m) = t.min_insync_replicas {
            min_isr.insert(t.name.clone(), m);
        }
        for p in &t.partitions {
            for r in &p.replicas {
                brokers.entry(*r).or_insert(Broker { id: *r, rack: None, alive: false });
            }
            partitions.push(PartitionState {
                topic: t.name.clone(),
                partition: p.partition,
                replicas: p.replicas.clone(),
                isr: p.isr.clone(),
                leader: p.leader,
                size_bytes: partition_size(p.leader, &p.replicas, sizes.of(&t.name, p.partition)),
            });
        }
    }
    ClusterState { brokers: brokers.into_values().collect(), partitions, min_isr }
}

/// The size the planner uses for a partition: that of the leader's replica; without a leader
/// or a report from it, the largest one any other replica reported (a replica catching up is
/// smaller than the leader's, never larger); None when no replica reported a size. Brokers that
/// report a log for the partition without being one of its replicas are ignored.
pub fn partition_size(leader: Option<i32>, replicas: &[i32], reported: Option<&BTreeMap<i32, u64>>) -> Option<u64> {
    let reported = reported?;
    leader
        .and_then(|l| reported.get(&l).copied())
        .or_else(|| replicas.iter().filter_map(|r| reported.get(r).copied()).max())
}

/// One line per broker whose sizes are missing: the plan still uses the other replicas' sizes.
fn size_warnings(sizes: &ReplicaSizes) -> Vec<String> {
    sizes
        .unavailable
        .iter()
        .map(|(broker, e)| format!("warning: broker {broker}: replica sizes unavailable (DescribeLogDirs: {e}); using the sizes other replicas report"))
        .collect()
}

#[derive(Serialize)]
struct Unavailable {
    broker: i32,
    error: String,
}

#[derive(Serialize)]
struct PlanOutput<'a> {
    plan_file: String,
    rollback_file: String,
    /// Brokers whose replica sizes could not be read (the sizes of other replicas are used).
    sizes_unavailable: Vec<Unavailable>,
    summary: &'a Summary,
}

fn rollback_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "plan".into());
    out.with_file_name(format!("{stem}.rollback.json"))
}

pub async fn run(client: &Client, format: Format, cmd: &ReassignCommand) -> anyhow::Result<String> {
    if let ReassignCommand::Status = cmd {
        return status(client, format).await;
    }
    // What the command names is read first: a bad file changes nothing and needs no cluster, and
    // the topics it names are looked for on every broker before one is called missing.
    let scope = match cmd {
        ReassignCommand::Plan { topics, topics_regex, topics_json, .. } => Some(if let Some(re) = topics_regex {
            Scope::Regex(re.clone())
        } else if let Some(f) = topics_json {
            let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
            Scope::Topics(plan::parse_topics_to_move(&text).with_context(|| f.display().to_string())?)
        } else if topics.is_empty() {
            Scope::All
        } else {
            Scope::Topics(topics.clone())
        }),
        _ => None,
    };
    let to_validate = match cmd {
        ReassignCommand::Validate { file, .. } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            Some(plan::parse_reassignment(&text).with_context(|| file.display().to_string())?)
        }
        _ => None,
    };
    let mut expect_topics: Vec<String> = match (&scope, &to_validate) {
        (Some(Scope::Topics(t)), _) => t.clone(),
        (_, Some(r)) => r.partitions.iter().map(|p| p.topic.clone()).collect(),
        _ => Vec::new(),
    };
    expect_topics.sort();
    expect_topics.dedup();
    let snap = cluster::load(client, &LoadOptions { configs: true, expect_topics, ..Default::default() }).await?;
    super::output::warn_down_brokers(&snap);
    super::output::warn(snap.warnings.iter().cloned());
    let sizes = match cmd {
        ReassignCommand::Plan { .. } => {
            let mut sizes =
                cluster::replica_sizes(client, &snap.brokers.iter().map(|b| b.id).collect::<Vec<_>>()).await;
            // a down broker cannot be asked, and its replicas' sizes are as unknown as a timeout's
            for d in snap.down_brokers() {
                sizes.unavailable.insert(d.id, "not asked: the broker is down (not in the cluster metadata)".into());
            }
            sizes
        }
        _ => ReplicaSizes::default(),
    };
    for w in size_warnings(&sizes) {
        eprintln!("{w}");
    }
    let state = cluster_state(&snap, &sizes);
    match cmd {
        ReassignCommand::Plan { goal, brokers, drain, rf, include_unhealthy, out, .. } => {
            let scope = scope.unwrap_or(Scope::All);
            let goal = match (goal, rf, drain.is_empty()) {
                (GoalArg::Rebalance, None, true) => Goal::Rebalance,
                (GoalArg::Leaders, None, true) => Goal::LeadersOnly,
                (GoalArg::Drain, None, false) => Goal::Drain { brokers: drain.clone() },
                (GoalArg::Drain, _, true) => bail!("--goal drain needs --drain BROKER[,BROKER…]"),
                (GoalArg::Rf, Some(rf), true) => Goal::ReplicationFactor { rf: *rf },
                (GoalArg::Rf, None, _) => bail!("--goal rf needs --rf N"),
                (g, _, _) => bail!("--rf goes with --goal rf and --drain with --goal drain, not with --goal {g:?}"),
            };
            let req =
                PlanRequest { goal, scope, target_brokers: brokers.clone(), include_unhealthy: *include_unhealthy };
            let plan = plan::plan(&state, &req)?;
            let rollback = rollback_path(out);
            std::fs::write(out, plan.reassignment_json() + "\n")
                .with_context(|| format!("writing {}", out.display()))?;
            std::fs::write(&rollback, plan.rollback_json() + "\n")
                .with_context(|| format!("writing {}", rollback.display()))?;
            let view = PlanOutput {
                plan_file: out.display().to_string(),
                rollback_file: rollback.display().to_string(),
                sizes_unavailable: sizes
                    .unavailable
                    .iter()
                    .map(|(b, e)| Unavailable { broker: *b, error: e.clone() })
                    .collect(),
                summary: &plan.summary,
            };
            Ok(match format {
                Format::Json => json(&view)?,
                Format::Table => render(&view),
            })
        }
        ReassignCommand::Status => status(client, format).await,
        ReassignCommand::Validate { file, rf } => {
            let Some(r) = to_validate else { bail!("internal error: {} was not read", file.display()) };
            let warnings = plan::validate(&state, &r, *rf).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let lines: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
            Ok(match format {
                Format::Json => json(&serde_json::json!({
                    "valid": true,
                    "partitions": r.partitions.len(),
                    "warnings": lines,
                }))?,
                Format::Table => {
                    let mut s = if r.partitions.is_empty() {
                        format!("{}: valid, nothing to move (the plan lists no partition)\n", file.display())
                    } else {
                        format!("{}: valid ({} partitions)\n", file.display(), r.partitions.len())
                    };
                    for l in lines {
                        s.push_str(&l);
                        s.push('\n');
                    }
                    s
                }
            })
        }
    }
}

async fn status(client: &Client, format: Format) -> anyhow::Result<String> {
    let ongoing = client.list_reassignments().await?;
    Ok(match format {
        Format::Json => json(&ongoing)?,
        Format::Table if ongoing.is_empty() => "no reassignment in progress\n".to_string(),
        Format::Table => {
            let ids = |v: &[i32]| if v.is_empty() { "-".to_string() } else { super::output::ids(v) };
            let mut t = Table::new(["TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"]);
            for r in &ongoing {
                t.row(vec![
                    r.topic.clone(),
                    r.partition.to_string(),
                    ids(&r.replicas),
                    ids(&r.adding),
                    ids(&r.removing),
                ]);
            }
            t.render()
        }
    })
}

/// `1.2 MiB (1234567 B)`; with moves of unknown size, what is known is a lower bound.
fn bytes_to_move(known: u64, unknown_moves: usize) -> String {
    let exact = if known < 1024 { bytes(known) } else { format!("{} ({known} B)", bytes(known)) };
    match (unknown_moves, known) {
        (0, _) => exact,
        (n, 0) => format!("unknown ({n} moves without size)"),
        (n, _) => format!("at least {exact}; {n} moves without size"),
    }
}

fn render(v: &PlanOutput) -> String {
    let s = v.summary;
    let mut out = format!(
        "Goal: {}  Target brokers: {:?}  Partitions planned: {} of {}\n\
         Moves: {} (lower bound {}, allowance {})  Leader-only changes: {}  Replicas dropped: {}\n\
         Bytes to move: {}  Racks touched: {}\n",
        s.goal,
        s.target_brokers,
        s.planned_partitions,
        s.scope_partitions,
        s.moves,
        s.lower_bound,
        s.move_allowance,
        s.leader_only_changes,
        s.replicas_dropped,
        bytes_to_move(s.bytes_to_move, s.moves_with_unknown_size),
        if s.racks_touched.is_empty() { "-".to_string() } else { s.racks_touched.join(",") },
    );
    if !s.topic_search_complete {
        out.push_str(&format!(
            "Topic spread: stopped early after {} swaps (work budget); topics may be less even than possible\n",
            s.topic_exchanges
        ));
    } else if s.topic_exchanges > 0 {
        out.push_str(&format!("Topic spread: {} swaps between topics\n", s.topic_exchanges));
    }
    match s.byte_balance {
        ByteBalance::NotRun => {}
        ByteBalance::Done => {
            out.push_str(&format!("Byte balance: done ({} swaps of which partitions move)\n", s.byte_exchanges))
        }
        ByteBalance::SizesIncomplete => {
            out.push_str("Byte balance: skipped — some partitions have no known size (replica counts only)\n")
        }
        ByteBalance::BudgetExhausted => out.push_str(&format!(
            "Byte balance: stopped early after {} swaps (work budget); bytes may be less even than possible\n",
            s.byte_exchanges
        )),
    }
    // Figures over the planned partitions: what the plan balances (cluster-wide ones are in JSON).
    let mut t = Table::new(["BROKER", "RACK", "REPLICAS", "→", "LEADERS", "→", "BYTES", "→", "ROLE"]);
    for b in &s.brokers {
        let role = match (b.drained, b.target, b.alive) {
            (true, _, _) => "drained",
            (_, _, false) => "dead",
            (_, true, _) => "target",
            _ => "-",
        };
        t.row(vec![
            b.id.to_string(),
            b.rack.clone().unwrap_or_else(|| "-".into()),
            b.planned_replicas_before.to_string(),
            b.planned_replicas_after.to_string(),
            b.planned_leaders_before.to_string(),
            b.planned_leaders_after.to_string(),
            bytes(b.planned_bytes_before),
            bytes(b.planned_bytes_after),
            role.into(),
        ]);
    }
    out.push_str(&t.render());
    for sk in &s.skipped {
        out.push_str(&format!("skipped {}-{}: {:?}\n", sk.topic, sk.partition, sk.reason));
    }
    if s.moves == 0 && s.leader_only_changes == 0 && s.replicas_dropped == 0 {
        out.push_str("Nothing to move: the plan lists no partition (valid; executing it changes nothing)\n");
    }
    out.push_str(&format!("Wrote {} and {}\n", v.plan_file, v.rollback_file));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Partition, Topic};

    #[test]
    fn size_is_the_leaders_else_the_largest_replica_else_unknown() {
        let reported = BTreeMap::from([(1, 500), (2, 480), (3, 900)]);
        assert_eq!(
            partition_size(Some(1), &[1, 2, 3], Some(&reported)),
            Some(500),
            "the leader's, even if another is larger"
        );
        assert_eq!(
            partition_size(Some(4), &[4, 2, 3], Some(&reported)),
            Some(900),
            "leader 4 did not report: the largest replica"
        );
        assert_eq!(partition_size(None, &[1, 2], Some(&reported)), Some(500), "offline: the largest replica");
        assert_eq!(partition_size(Some(4), &[4, 2], Some(&reported)), Some(480), "broker 3 is not a replica");
        assert_eq!(partition_size(Some(4), &[4, 5], Some(&reported)), None);
        assert_eq!(partition_size(Some(1), &[1, 2], Some(&BTreeMap::new())), None);
        assert_eq!(partition_size(Some(1), &[1, 2], None), None);
    }

    #[test]
    fn cluster_state_takes_sizes_from_the_log_dirs() {
        let part = |partition: i32, leader: Option<i32>, replicas: &[i32]| Partition {
            partition,
            leader,
            replicas: replicas.to_vec(),
            isr: replicas.to_vec(),
            offline_replicas: vec![],
            log_start_offset: None,
            log_end_offset: None,
            error: None,
        };
        let snap = Snapshot {
            topics: vec![Topic {
                name: "t".into(),
                internal: false,
                partitions: vec![part(0, Some(2), &[1, 2]), part(1, Some(1), &[1, 2]), part(2, Some(1), &[1])],
                min_insync_replicas: None,
            }],
            ..Default::default()
        };
        let mut sizes = ReplicaSizes::default();
        sizes.by_partition.insert(("t".into(), 0), BTreeMap::from([(1, 10), (2, 12)]));
        sizes.by_partition.insert(("t".into(), 1), BTreeMap::from([(2, 7)]));
        sizes.unavailable.insert(1, "timed out".into());
        let state = cluster_state(&snap, &sizes);
        let got: Vec<Option<u64>> = state.partitions.iter().map(|p| p.size_bytes).collect();
        assert_eq!(got, vec![Some(12), Some(7), None]);
        assert_eq!(
            size_warnings(&sizes),
            vec!["warning: broker 1: replica sizes unavailable (DescribeLogDirs: timed out); using the sizes other replicas report"]
        );
    }

    #[test]
    fn bytes_to_move_shows_human_and_exact_bytes() {
        assert_eq!(bytes_to_move(1_234_567, 0), "1.2 MiB (1234567 B)");
        assert_eq!(bytes_to_move(0, 0), "0 B");
        assert_eq!(bytes_to_move(1023, 0), "1023 B");
        assert_eq!(bytes_to_move(0, 3), "unknown (3 moves without size)");
        assert_eq!(bytes_to_move(2048, 1), "at least 2.0 KiB (2048 B); 1 moves without size");
    }
}
