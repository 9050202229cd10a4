//! `kdeck reassign execute|resume|status|verify|cancel`: the execution core of
//! [`crate::ops::reassign`] on the command line, with progress on stderr (a bar on a terminal,
//! plain lines otherwise) and the result on stdout.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use super::mutate::{self, confirm, connect_and_prepare, render_outcome, render_preview};
use super::output::{bytes, ids, json, rate_text, Format, Table};
use super::Global;
use crate::config::Resolved;
use crate::kafka::Client;
use crate::ops::reassign::drive::{drive, Event, POLL};
use crate::ops::reassign::execute::{Execute, Submit};
use crate::ops::reassign::record::{ExecutionRecord, RecordState, Records};
use crate::ops::reassign::status::{status as sample_status, StatusReport};
use crate::ops::reassign::throttles::{ClearOrigin, ThrottleChanges};
use crate::ops::reassign::verify::{after_cancel, verify as check, Cancel, CancelReport, Check, VerifyReport};
use crate::ops::reassign::{Applied, Step};
use crate::ops::{self, AuditResult, Context, Mutation, Outcome};
use crate::plan::progress::duration_text;
use crate::plan::{self, Reassignment};

fn read_plan(file: &Path) -> anyhow::Result<Reassignment> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    plan::parse_reassignment(&text).with_context(|| file.display().to_string())
}

/// Progress on stderr: a bar redrawn in place on a terminal, else a plain line when something
/// changed (at most every 10 s).
struct ProgressPrinter {
    tty: bool,
    last_line: Option<(Instant, String)>,
}

impl ProgressPrinter {
    fn new() -> ProgressPrinter {
        ProgressPrinter { tty: std::io::stderr().is_terminal(), last_line: None }
    }

    fn event(&mut self, e: Event) {
        let mut err = std::io::stderr().lock();
        match e {
            Event::Submitted(s) => {
                if self.tty {
                    let _ = write!(err, "\r\x1b[2K");
                }
                let _ = writeln!(err, "{}", crate::ops::reassign::execute::submitted_words(&s));
            }
            Event::Progress(p) => {
                let r = &p.report.total;
                let fraction = r.copied.fraction();
                let pct = fraction.map(|f| format!("{:>3.0}%", f * 100.0)).unwrap_or_else(|| "  ?%".into());
                let of = r.copied.total.map(|t| format!(" of {}", bytes(t))).unwrap_or_default();
                let rate = r.rate.map(|x| format!(", {}", rate_text(x))).unwrap_or_default();
                let eta = r.eta_secs.map(|s| format!(", ETA {}", duration_text(s))).unwrap_or_default();
                let down = if p.report.brokers_down.is_empty() {
                    String::new()
                } else {
                    format!(", waiting for broker(s) {} (down)", ids(&p.report.brokers_down))
                };
                let text = format!(
                    "batch {}/{}: {} of {} partitions done, {} moving; {pct} {}{of}{rate}{eta}{down}",
                    p.batch,
                    p.batches,
                    p.done,
                    p.moves,
                    r.partitions,
                    bytes(r.copied.copied)
                );
                if self.tty {
                    let width = 30;
                    let filled = (fraction.unwrap_or(0.0) * width as f64).round() as usize;
                    let bar = format!("[{}{}]", "#".repeat(filled.min(width)), "-".repeat(width - filled.min(width)));
                    let _ = write!(err, "\r\x1b[2K{bar} {text}");
                    let _ = err.flush();
                } else {
                    let same = self
                        .last_line
                        .as_ref()
                        .is_some_and(|(at, l)| l == &text || at.elapsed() < Duration::from_secs(10));
                    if !same {
                        let _ = writeln!(err, "{text}");
                        self.last_line = Some((Instant::now(), text));
                    }
                }
            }
            Event::Verified(r) => {
                if self.tty {
                    let _ = writeln!(err);
                }
                let not = r.partitions.iter().filter(|p| p.state != Check::Complete).count();
                let _ = match not {
                    0 => writeln!(err, "verified: every partition is at its target"),
                    n => writeln!(err, "verified: {n} of {} partitions are not at their target", r.partitions.len()),
                };
            }
        }
    }
}

/// Stays attached to an execution until it is over (Ctrl-C detaches; the moves go on). An
/// execution that ends with partitions away from their target (cancelled) is an error.
async fn attach(client: &Client, ctx: &Context, id: &str) -> anyhow::Result<VerifyReport> {
    let mut printer = ProgressPrinter::new();
    let mut on_event = |e: Event| printer.event(e);
    let report = tokio::select! {
        r = drive(client, ctx, id, POLL, &mut on_event) => r?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!(
            "interrupted: the moves already submitted go on; `kdeck reassign resume {id}` re-attaches and submits the batches still to go"
        ),
    };
    if !report.complete {
        let not: Vec<String> = report
            .partitions
            .iter()
            .filter(|p| p.state != Check::Complete)
            .map(|p| format!("{}-{}", p.topic, p.partition))
            .collect();
        let how = report.executions.iter().find(|e| e.id == id).map(|e| e.state);
        anyhow::bail!(
            "execution {id} ended{} with {} partition(s) not at their target: {}; `kdeck reassign verify` shows where they are",
            if how == Some(RecordState::Cancelled) { " (cancelled)" } else { "" },
            not.len(),
            not.join(", ")
        );
    }
    Ok(report)
}

#[derive(Serialize)]
struct ExecuteOut<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<&'a VerifyReport>,
}

pub struct ExecuteArgs<'a> {
    pub file: &'a Path,
    pub throttle: Option<u64>,
    pub batch: Option<usize>,
    pub wait: bool,
    pub additional: bool,
    pub yes: bool,
}

pub async fn execute(global: &Global, resolved: &Resolved, a: ExecuteArgs<'_>) -> anyhow::Result<String> {
    let ctx = mutate::context(global, resolved);
    let mut step = Execute {
        plan_file: Some(a.file.display().to_string()),
        plan: Reassignment::default(),
        throttle: a.throttle,
        batch_size: a.batch,
        additional: a.additional,
        prepared: None,
    };
    match read_plan(a.file) {
        Ok(p) => step.plan = p,
        Err(e) => {
            let m = Mutation::Reassignment(Step::Execute(Box::new(step)));
            ops::guard(&ctx, &m)?;
            ctx.record(&m, AuditResult::Invalid, Some(format!("{e:#}")));
            return Err(e);
        }
    }
    let mutation = Mutation::Reassignment(Step::Execute(Box::new(step)));
    let (client, ctx, preview) = connect_and_prepare(global, resolved, mutation).await?;
    let asked = !ctx.dry_run && !a.yes;
    if asked {
        confirm(&ctx, &preview)?;
    }
    let outcome = ops::apply(&client, &ctx, preview).await?;
    let id = match &outcome.details {
        Some(Applied::Submitted(s)) => Some(s.execution.clone()),
        _ => None,
    };
    let report = match (a.wait, id) {
        (true, Some(id)) if outcome.result == AuditResult::Ok => Some(attach(&client, &ctx, &id).await?),
        _ => None,
    };
    Ok(match global.output {
        Format::Json => json(&ExecuteOut { outcome: &outcome, verify: report.as_ref() })?,
        Format::Table => {
            let mut out = render_outcome(&outcome, Format::Table, !asked)?;
            if let Some(r) = &report {
                out.push('\n');
                out.push_str(&render_verify(r));
            } else if outcome.result == AuditResult::Ok {
                out.push_str(
                    "Follow it with `kdeck reassign status`; `kdeck reassign resume` stays attached and submits the remaining batches; `kdeck reassign verify` removes the throttles once it is done\n",
                );
            }
            out
        }
    })
}

/// The one unfinished execution of this cluster, or the named one.
fn pick(records: &[ExecutionRecord], id: Option<&str>) -> anyhow::Result<ExecutionRecord> {
    if let Some(id) = id {
        return records
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no unfinished execution {id} on this cluster"));
    }
    match records {
        [] => anyhow::bail!("no unfinished kdeck execution on this cluster"),
        [one] => Ok(one.clone()),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|r| {
                    format!(
                        "{} (created {}, {} of {} batches submitted)",
                        r.id,
                        r.created,
                        r.submitted,
                        r.batches.len()
                    )
                })
                .collect();
            anyhow::bail!("more than one unfinished execution; name one:\n  {}", list.join("\n  "))
        }
    }
}

pub async fn resume(global: &Global, resolved: &Resolved, id: Option<&str>) -> anyhow::Result<String> {
    let ctx = mutate::context(global, resolved);
    let records = Records::for_context(&ctx)?;
    // by the cluster's name first: a read-only cluster is refused before it is contacted
    let by_name: Vec<ExecutionRecord> =
        records.list().into_iter().filter(|r| r.cluster == ctx.cluster && !r.finished()).collect();
    if let Ok(r) = pick(&by_name, id) {
        ops::guard(&ctx, &Mutation::Reassignment(Step::Submit(Submit::next_of(&r))))?;
    }
    let client = Client::connect(resolved.client.clone()).await?;
    let live = crate::ops::reassign::state::Live::load(&client, None).await?;
    let record = pick(&records.unfinished(&ctx.cluster, live.snapshot.cluster_id.as_deref()), id)?;
    if ctx.dry_run {
        if record.submitted >= record.batches.len() {
            return Ok(format!(
                "dry run: every batch of execution {} is submitted; nothing would be sent\n",
                record.id
            ));
        }
        let step = Step::Submit(Submit::next_of(&record));
        let preview = ops::prepare(&client, &ctx, Mutation::Reassignment(step)).await?;
        let outcome = ops::apply(&client, &ctx, preview).await?;
        return render_outcome(&outcome, global.output, true);
    }
    let report = attach(&client, &ctx, &record.id).await?;
    Ok(match global.output {
        Format::Json => json(&report)?,
        Format::Table => render_verify(&report),
    })
}

pub async fn verify(global: &Global, resolved: &Resolved, file: Option<&Path>) -> anyhow::Result<String> {
    let ctx = mutate::context(global, resolved);
    let plan = file.map(read_plan).transpose()?;
    let client = Client::connect(resolved.client.clone()).await?;
    let report = check(&client, &ctx, plan.as_ref(), None, ClearOrigin::Verify).await?;
    if plan.is_none() && report.partitions.is_empty() {
        return Ok(match global.output {
            Format::Json => json(&report)?,
            Format::Table => "no unfinished kdeck execution on this cluster; give the plan file to check it\n".into(),
        });
    }
    Ok(match global.output {
        Format::Json => json(&report)?,
        Format::Table => render_verify(&report),
    })
}

pub fn render_verify(r: &VerifyReport) -> String {
    let mut t = Table::new(["PARTITION", "TARGET", "REPLICAS", "STATE", "EXECUTION"]);
    for p in &r.partitions {
        t.row(vec![
            format!("{}-{}", p.topic, p.partition),
            ids(&p.target),
            p.replicas.as_deref().map(ids).unwrap_or_else(|| "(no such partition)".into()),
            match p.state {
                Check::Complete => "complete",
                Check::Moving => "moving",
                Check::NotSubmitted => "not submitted yet",
                Check::NotAtTarget => "NOT at target",
            }
            .into(),
            p.execution.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut out = t.render();
    for w in &r.removed {
        out.push_str(&format!("Removed: {w}\n"));
    }
    for w in &r.kept {
        out.push_str(&format!("Kept: {w}\n"));
    }
    if let Some(n) = &r.note {
        out.push_str(&format!("Note: {n}\n"));
    }
    for e in &r.executions {
        let left = if e.throttles_left.is_empty() {
            "no throttles left".to_string()
        } else {
            format!("throttles left: {}", e.throttles_left.join("; "))
        };
        let state = match e.state {
            RecordState::Running => "running",
            RecordState::Complete => "complete",
            RecordState::Cancelled => "cancelled",
        };
        out.push_str(&format!("Execution {}: {state}, {left}\n", e.id));
    }
    let not = r.partitions.iter().filter(|p| p.state != Check::Complete).count();
    if not == 0 {
        out.push_str(&format!("All {} partitions are at their target.\n", r.partitions.len()));
    } else {
        out.push_str(&format!("{not} of {} partitions are not at their target yet.\n", r.partitions.len()));
    }
    out
}

#[derive(Serialize)]
struct CancelOut<'a> {
    #[serde(flatten)]
    outcome: &'a Outcome,
    after: &'a CancelReport,
}

pub async fn cancel(global: &Global, resolved: &Resolved, topics: &[String], yes: bool) -> anyhow::Result<String> {
    let step = Step::Cancel(Cancel { topics: topics.to_vec(), partitions: Vec::new(), moves: Vec::new() });
    let (client, ctx, preview) = connect_and_prepare(global, resolved, Mutation::Reassignment(step)).await?;
    let asked = !ctx.dry_run && !yes;
    if asked {
        confirm(&ctx, &preview)?;
    }
    let moves = match &preview.mutation {
        Mutation::Reassignment(Step::Cancel(c)) => c.moves.clone(),
        _ => Vec::new(),
    };
    let outcome = ops::apply(&client, &ctx, preview).await?;
    if outcome.result != AuditResult::Ok {
        return render_outcome(&outcome, global.output, !asked);
    }
    let after = after_cancel(&client, &ctx, &moves).await?;
    Ok(match global.output {
        Format::Json => json(&CancelOut { outcome: &outcome, after: &after })?,
        Format::Table => {
            let mut out = render_outcome(&outcome, Format::Table, !asked)?;
            out.push_str("\nAssignment now:\n");
            let mut t = Table::new(["PARTITION", "REPLICAS"]);
            for (topic, p, r) in &after.assignment {
                t.row(vec![format!("{topic}-{p}"), r.as_deref().map(ids).unwrap_or_else(|| "(gone)".into())]);
            }
            out.push_str(&t.render());
            for w in &after.throttles.removed {
                out.push_str(&format!("Removed: {w}\n"));
            }
            for w in &after.throttles.kept {
                out.push_str(&format!("Kept: {w}\n"));
            }
            out
        }
    })
}

pub async fn status(client: &Client, ctx: &Context, format: Format, interval: Duration) -> anyhow::Result<String> {
    let report = sample_status(client, ctx, Some(interval)).await?;
    Ok(match format {
        Format::Json => json(&report)?,
        Format::Table if report.partitions.is_empty() => "no reassignment in progress\n".to_string(),
        Format::Table => render_status(&report),
    })
}

pub fn render_status(r: &StatusReport) -> String {
    let dash = |v: &[i32]| if v.is_empty() { "-".to_string() } else { ids(v) };
    let mut t = Table::new([
        "TOPIC",
        "PARTITION",
        "REPLICAS",
        "TARGET",
        "ADDING",
        "REMOVING",
        "ISR",
        "COPIED",
        "SIZE",
        "DONE",
        "RATE",
        "ETA",
        "EXECUTION",
    ]);
    let mut problems = Vec::new();
    for p in &r.partitions {
        t.row(vec![
            p.topic.clone(),
            p.partition.to_string(),
            dash(&p.replicas),
            dash(&p.target),
            dash(&p.adding),
            dash(&p.removing),
            dash(&p.isr),
            bytes(p.copied.copied),
            p.size.map(bytes).unwrap_or_else(|| "?".into()),
            p.copied.fraction().map(|f| format!("{:.0}%", f * 100.0)).unwrap_or_else(|| "?".into()),
            p.rate.map(rate_text).unwrap_or_else(|| "-".into()),
            p.eta_secs.map(duration_text).unwrap_or_else(|| "-".into()),
            p.execution.clone().unwrap_or_else(|| "-".into()),
        ]);
        for pr in &p.problems {
            problems.push(format!("{}-{}: {pr}", p.topic, p.partition));
        }
    }
    let mut out = t.render();
    let total = &r.total;
    out.push_str(&format!(
        "Total: {} partitions moving, {} copied{}{}{}\n",
        total.partitions,
        bytes(total.copied.copied),
        match (total.copied.total, total.copied.fraction()) {
            (Some(t), Some(f)) => format!(" of {} ({:.0}%)", bytes(t), f * 100.0),
            _ => String::new(),
        },
        total.rate.map(|x| format!(", {}", rate_text(x))).unwrap_or_default(),
        total.eta_secs.map(|s| format!(", ETA {}", duration_text(s))).unwrap_or_default(),
    ));
    if !r.brokers_down.is_empty() {
        out.push_str(&format!("Brokers down: {}\n", ids(&r.brokers_down)));
    }
    for p in problems {
        out.push_str(&format!("WARNING: {p}\n"));
    }
    out
}

/// `throttles clear`: removes what no reassignment needs (with `all`, everything).
pub async fn clear_throttles(global: &Global, resolved: &Resolved, all: bool, yes: bool) -> anyhow::Result<String> {
    use crate::ops::reassign::throttles::Clear;
    let ctx = mutate::context(global, resolved);
    let origin = if all { ClearOrigin::All } else { ClearOrigin::Unneeded };
    // prepare fills in what to remove
    let step = Step::ClearThrottles(Clear { origin, executions: Vec::new(), changes: ThrottleChanges::default() });
    ops::guard(&ctx, &Mutation::Reassignment(step.clone()))?;
    let client = Client::connect(resolved.client.clone()).await?;
    let preview = ops::prepare(&client, &ctx, Mutation::Reassignment(step)).await?;
    let nothing = matches!(&preview.mutation, Mutation::Reassignment(Step::ClearThrottles(c)) if c.changes.is_empty());
    let asked = !ctx.dry_run && !yes && !nothing;
    if asked {
        confirm(&ctx, &preview)?;
    }
    let outcome = ops::apply(&client, &ctx, preview).await?;
    Ok(match global.output {
        Format::Json => json(&outcome)?,
        Format::Table if nothing => "nothing to remove: no throttle config that no reassignment needs\n".into(),
        Format::Table => {
            let mut out = if asked { String::new() } else { render_preview(&outcome.preview) };
            out.push_str(&outcome.message);
            out.push('\n');
            out
        }
    })
}
