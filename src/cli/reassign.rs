//! `kdeck reassign plan|validate|status|execute|resume|verify|cancel`. Planning and validating
//! run the pure planner on the live cluster's state and write Kafka's own reassignment JSON (and
//! its rollback) — nothing is sent; executing is in [`super::reassign_exec`].

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use super::output::{bytes, json, Format, Table};
use super::{mutate, reassign_exec, Global};
use crate::cluster::{self, LoadOptions, ReplicaSizes};
use crate::config::Resolved;
use crate::kafka::Client;
use crate::ops::reassign::execute::rollback_path;
use crate::ops::reassign::state::{cluster_state, load_for_planning};
use crate::plan::{self, ByteBalance, Goal, PlanRequest, Scope, Summary};

fn parse_throttle(s: &str) -> Result<u64, String> {
    plan::throttle::parse_rate(s)
}

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
    /// Reassignments in progress: replicas, adding/removing, ISR, bytes copied, rate, ETA
    Status {
        /// Time between the two samples the rate is measured over
        #[arg(long, value_parser = super::parse_duration, default_value = "1s")]
        interval: std::time::Duration,
    },
    /// Execute a reassignment JSON file (kdeck's plan or Kafka's format): validate, write the
    /// rollback, set throttles, submit
    Execute {
        file: PathBuf,
        /// Replication throttle on every broker involved, e.g. 50MB/s, 10MiB/s (bytes per second)
        #[arg(long, value_parser = parse_throttle)]
        throttle: Option<u64>,
        /// At most N partitions in flight; the next batch goes when one completes
        #[arg(long, value_name = "N")]
        batch: Option<usize>,
        /// Stay attached: progress until every move is done, then verify
        #[arg(long)]
        wait: bool,
        /// Run alongside reassignments already in progress
        #[arg(long)]
        additional: bool,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Re-attach to an interrupted execution (from its record) and submit the batches still to go
    Resume {
        /// The execution id (default: the only unfinished one)
        id: Option<String>,
    },
    /// Check every partition reached its target; remove the throttles kdeck set for finished moves
    Verify {
        /// The plan to check (default: every unfinished kdeck execution on this cluster)
        file: Option<PathBuf>,
    },
    /// Cancel reassignments in progress (they go back to their original replicas) and remove
    /// their throttles
    Cancel {
        /// Only these topics (default: every reassignment in progress)
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Check a reassignment JSON file against the cluster; nothing is sent
    Validate {
        file: PathBuf,
        /// Expect this replication factor for every partition
        #[arg(long)]
        rf: Option<usize>,
    },
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

pub async fn run(global: &Global, resolved: &Resolved, cmd: &ReassignCommand) -> anyhow::Result<String> {
    match cmd {
        ReassignCommand::Execute { file, throttle, batch, wait, additional, yes } => {
            let args = reassign_exec::ExecuteArgs {
                file,
                throttle: *throttle,
                batch: *batch,
                wait: *wait,
                additional: *additional,
                yes: *yes,
            };
            return reassign_exec::execute(global, resolved, args).await;
        }
        ReassignCommand::Resume { id } => return reassign_exec::resume(global, resolved, id.as_deref()).await,
        ReassignCommand::Verify { file } => return reassign_exec::verify(global, resolved, file.as_deref()).await,
        ReassignCommand::Cancel { topics, yes } => return reassign_exec::cancel(global, resolved, topics, *yes).await,
        _ => {}
    }
    let client = Client::connect(resolved.client.clone()).await?;
    let format = global.output;
    if let ReassignCommand::Status { interval } = cmd {
        let ctx = mutate::context(global, resolved);
        return reassign_exec::status(&client, &ctx, format, *interval).await;
    }
    plan_or_validate(&client, format, cmd).await
}

async fn plan_or_validate(client: &Client, format: Format, cmd: &ReassignCommand) -> anyhow::Result<String> {
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
    let (snap, sizes) = match cmd {
        ReassignCommand::Plan { .. } => load_for_planning(client, expect_topics).await?,
        _ => (
            cluster::load(client, &LoadOptions { configs: true, expect_topics, ..Default::default() }).await?,
            ReplicaSizes::default(),
        ),
    };
    super::output::warn_down_brokers(&snap);
    super::output::warn(snap.warnings.iter().cloned());
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
        _ => bail!("not a planning command"),
    }
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

    #[test]
    fn unavailable_sizes_are_one_warning_per_broker() {
        let mut sizes = ReplicaSizes::default();
        sizes.unavailable.insert(1, "timed out".into());
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
