//! `kdeck reassign plan` / `kdeck reassign validate`: the pure planner on the live cluster's
//! state, writing Kafka's own reassignment JSON (and its rollback) — nothing is sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use super::output::{json, Format, Table};
use crate::cluster::{self, LoadOptions, Snapshot};
use crate::kafka::Client;
use crate::plan::{self, Broker, ClusterState, Goal, PartitionState, PlanRequest, Scope, Summary};

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
/// lists name are known but dead.
pub fn cluster_state(snap: &Snapshot) -> ClusterState {
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
                size_bytes: None,
            });
        }
    }
    ClusterState { brokers: brokers.into_values().collect(), partitions, min_isr }
}

#[derive(Serialize)]
struct PlanOutput<'a> {
    plan_file: String,
    rollback_file: String,
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
    let snap = cluster::load(client, &LoadOptions { configs: true, ..Default::default() }).await?;
    let state = cluster_state(&snap);
    match cmd {
        ReassignCommand::Plan { goal, topics, topics_regex, topics_json, brokers, drain, rf, include_unhealthy, out } => {
            let scope = if let Some(re) = topics_regex {
                Scope::Regex(re.clone())
            } else if let Some(f) = topics_json {
                let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
                Scope::Topics(plan::parse_topics_to_move(&text).with_context(|| f.display().to_string())?)
            } else if topics.is_empty() {
                Scope::All
            } else {
                Scope::Topics(topics.clone())
            };
            let goal = match (goal, rf, drain.is_empty()) {
                (GoalArg::Rebalance, None, true) => Goal::Rebalance,
                (GoalArg::Leaders, None, true) => Goal::LeadersOnly,
                (GoalArg::Drain, None, false) => Goal::Drain { brokers: drain.clone() },
                (GoalArg::Drain, _, true) => bail!("--goal drain needs --drain BROKER[,BROKER…]"),
                (GoalArg::Rf, Some(rf), true) => Goal::ReplicationFactor { rf: *rf },
                (GoalArg::Rf, None, _) => bail!("--goal rf needs --rf N"),
                (g, _, _) => bail!("--rf goes with --goal rf and --drain with --goal drain, not with --goal {g:?}"),
            };
            let req = PlanRequest { goal, scope, target_brokers: brokers.clone(), include_unhealthy: *include_unhealthy };
            let plan = plan::plan(&state, &req)?;
            let rollback = rollback_path(out);
            std::fs::write(out, plan.reassignment_json() + "\n").with_context(|| format!("writing {}", out.display()))?;
            std::fs::write(&rollback, plan.rollback_json() + "\n").with_context(|| format!("writing {}", rollback.display()))?;
            let view = PlanOutput { plan_file: out.display().to_string(), rollback_file: rollback.display().to_string(), summary: &plan.summary };
            Ok(match format {
                Format::Json => json(&view)?,
                Format::Table => render(&view),
            })
        }
        ReassignCommand::Status => unreachable!("answered above"),
        ReassignCommand::Validate { file, rf } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let r = plan::parse_reassignment(&text).with_context(|| file.display().to_string())?;
            let warnings = plan::validate(&state, &r, *rf).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let lines: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
            Ok(match format {
                Format::Json => json(&serde_json::json!({ "valid": true, "warnings": lines }))?,
                Format::Table => {
                    let mut s = format!("{}: valid ({} partitions)\n", file.display(), r.partitions.len());
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
                t.row(vec![r.topic.clone(), r.partition.to_string(), ids(&r.replicas), ids(&r.adding), ids(&r.removing)]);
            }
            t.render()
        }
    })
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
        if s.moves_with_unknown_size > 0 { format!("unknown ({} moves without size)", s.moves_with_unknown_size) } else { s.bytes_to_move.to_string() },
        if s.racks_touched.is_empty() { "-".to_string() } else { s.racks_touched.join(",") },
    );
    // Scope counts are what the plan balances; the cluster-wide replica count is for context.
    let mut t = Table::new(["BROKER", "RACK", "REPLICAS", "→", "LEADERS", "→", "ALL-REPLICAS", "ROLE"]);
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
            format!("{}→{}", b.replicas_before, b.replicas_after),
            role.into(),
        ]);
    }
    out.push_str(&t.render());
    for sk in &s.skipped {
        out.push_str(&format!("skipped {}-{}: {:?}\n", sk.topic, sk.partition, sk.reason));
    }
    out.push_str(&format!("Wrote {} and {}\n", v.plan_file, v.rollback_file));
    out
}
