//! The shared path of every mutating subcommand: read-only check, connect, prepare (validate and
//! preview), confirm on the terminal unless `--yes`, apply, print.

use std::io::{BufRead, IsTerminal, Write};

use super::output::{ids, json, rate_text, Format, Table};
use super::Global;
use crate::config::Resolved;
use crate::kafka::Client;
use crate::ops::groups::GroupChange;
use crate::ops::reassign::throttles::ThrottleChanges;
use crate::ops::reassign::Step;
use crate::ops::{self, Context, Mutation, Outcome, Preview};

pub fn context(global: &Global, resolved: &Resolved) -> Context {
    Context::new(resolved.name.clone(), global.read_only || resolved.read_only, global.dry_run)
}

pub async fn run(global: &Global, resolved: &Resolved, mutation: Mutation, yes: bool) -> anyhow::Result<String> {
    let (client, ctx, preview) = connect_and_prepare(global, resolved, mutation).await?;
    let asked = !ctx.dry_run && !yes;
    if asked {
        confirm(&ctx, &preview)?;
    }
    let outcome = ops::apply(&client, &ctx, preview).await?;
    render_outcome(&outcome, global.output, !asked)
}

/// The read-only guard (before connecting: a read-only cluster is not even contacted), the
/// connection and the preview.
pub async fn connect_and_prepare(
    global: &Global,
    resolved: &Resolved,
    mutation: Mutation,
) -> anyhow::Result<(Client, Context, Preview)> {
    let ctx = context(global, resolved);
    ops::guard(&ctx, &mutation)?;
    let client = match Client::connect(resolved.client.clone()).await {
        Ok(c) => c,
        Err(e) => {
            ops::record_failure(&ctx, &mutation, &e);
            return Err(e.into());
        }
    };
    let preview = ops::prepare(&client, &ctx, mutation).await?;
    Ok((client, ctx, preview))
}

/// Asks on the terminal; refuses when there is no terminal to ask on.
pub fn confirm(ctx: &Context, preview: &Preview) -> Result<(), ops::OpsError> {
    if !std::io::stdin().is_terminal() {
        return Err(ops::decline(
            ctx,
            preview,
            Some("stdin is not a terminal (pass --yes to confirm, or --dry-run to only check)".into()),
        ));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", render_preview(preview));
    let _ = match (&preview.type_to_confirm, &preview.mutation) {
        (Some(name), Mutation::DeleteTopic { .. }) => write!(err, "Type the topic name ({name}) to confirm: "),
        (Some(name), Mutation::Group(_)) => write!(err, "Type the group name ({name}) to confirm: "),
        (Some(word), _) => write!(err, "Type {word} to confirm: "),
        (None, _) => write!(err, "Apply? [y/N] "),
    };
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return Err(ops::decline(ctx, preview, None));
    }
    let answer = answer.trim();
    let ok = match &preview.type_to_confirm {
        Some(name) => answer == name,
        None => matches!(answer, "y" | "Y" | "yes" | "YES" | "Yes"),
    };
    if ok {
        Ok(())
    } else {
        Err(ops::decline(ctx, preview, None))
    }
}

pub fn render_preview(p: &Preview) -> String {
    let mut out = format!("Cluster: {}\nAction:  {}\n", p.cluster, p.summary);
    if let Some(t) = &p.topic {
        out.push_str(&format!(
            "Topic:   {} ({} partitions, RF {}, {} messages)\n",
            t.name,
            t.partitions,
            t.replication_factor,
            t.messages.map(|m| m.to_string()).unwrap_or_else(|| "?".into())
        ));
    }
    if let Some(plan) = &p.partitions {
        out.push_str(&format!(
            "\nNew partitions of {} ({} -> {}, RF {}):\n",
            plan.topic, plan.current, plan.to, plan.replication_factor
        ));
        let mut t = Table::new(["PARTITION", "REPLICAS", "LEADER"]);
        for n in &plan.new_partitions {
            t.row(vec![
                n.partition.to_string(),
                ids(&n.replicas),
                n.replicas.first().map(i32::to_string).unwrap_or_default(),
            ]);
        }
        out.push_str(&t.render());
        out.push_str("\nBroker load (all topics):\n");
        let mut t = Table::new(["BROKER", "RACK", "REPLICAS", "LEADERS"]);
        for b in &plan.brokers {
            t.row(vec![
                b.id.to_string(),
                b.rack.clone().unwrap_or_else(|| "-".into()),
                format!("{} -> {}", b.replicas_before, b.replicas_after),
                format!("{} -> {}", b.leaders_before, b.leaders_after),
            ]);
        }
        out.push_str(&t.render());
    }
    if !p.configs.is_empty() {
        out.push('\n');
        let mut t = Table::new(["KEY", "OP", "CURRENT", "SOURCE", "NEW", "NEW SOURCE"]);
        let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        for c in &p.configs {
            t.row(vec![
                c.key.clone(),
                format!("{:?}", c.op).to_lowercase(),
                o(&c.current),
                c.current_source.unwrap_or("-").to_string(),
                match (&c.new, c.op) {
                    (None, crate::kafka::topic_config_admin::AlterOp::Delete) => "(default)".into(),
                    (v, _) => o(v),
                },
                c.new_source.unwrap_or("-").to_string(),
            ]);
        }
        out.push_str(&t.render());
    }
    if let Mutation::Reassignment(step) = &p.mutation {
        out.push_str(&render_step(step));
    }
    if let Mutation::Group(change) = &p.mutation {
        out.push_str(&render_group_change(change));
    }
    for w in &p.warnings {
        out.push_str(&format!("WARNING: {w}\n"));
    }
    out.push_str(&format!("Checked: {}\n", p.validation));
    out
}

/// The result; in table form with the preview first unless the user just saw it.
pub fn render_outcome(o: &Outcome, format: Format, with_preview: bool) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => json(o)?,
        Format::Table if with_preview => format!("{}{}\n", render_preview(&o.preview), o.message),
        Format::Table => format!("{}\n", o.message),
    })
}

/// The details of a reassignment step for its preview.
pub fn render_step(step: &Step) -> String {
    let mut out = String::new();
    let throttle_lines = |out: &mut String, title: &str, c: &ThrottleChanges| {
        if !c.is_empty() {
            out.push_str(&format!("{title}\n"));
            for w in c.words() {
                out.push_str(&format!("  {w}\n"));
            }
        }
    };
    match step {
        Step::Execute(e) => {
            let Some(p) = &e.prepared else { return out };
            out.push('\n');
            let mut t = Table::new(["BATCH", "PARTITION", "CURRENT", "TARGET", "ADDING", "REMOVING"]);
            for (i, batch) in p.batches.iter().enumerate() {
                for m in batch {
                    let or_dash = |v: Vec<i32>| if v.is_empty() { "-".to_string() } else { ids(&v) };
                    t.row(vec![
                        (i + 1).to_string(),
                        format!("{}-{}", m.topic, m.partition),
                        ids(&m.current),
                        ids(&m.target),
                        or_dash(m.adding()),
                        or_dash(m.removing()),
                    ]);
                }
            }
            out.push_str(&t.render());
            if !p.unchanged.is_empty() {
                let u: Vec<String> = p.unchanged.iter().map(|(t, p)| format!("{t}-{p}")).collect();
                out.push_str(&format!("Already at target (nothing sent): {}\n", u.join(", ")));
            }
            match e.throttle {
                Some(r) => out.push_str(&format!("Throttle: {} ({r} B/s) on every broker involved\n", rate_text(r))),
                None => out.push_str("Throttle: none\n"),
            }
            throttle_lines(&mut out, "Throttle configs for batch 1:", &p.first.changes);
            if let Some(r) = &p.rollback_file {
                out.push_str(&format!("Rollback: {r} (written before anything is sent)\n"));
            }
            out.push_str(&format!("Record:   {}\n", p.record_file));
        }
        Step::Submit(s) => throttle_lines(&mut out, "Throttle configs:", &s.changes),
        Step::Cancel(c) => {
            out.push('\n');
            let mut t = Table::new(["PARTITION", "BACK TO", "WAS GOING TO"]);
            for m in &c.moves {
                t.row(vec![format!("{}-{}", m.topic, m.partition), ids(&m.current), ids(&m.target)]);
            }
            out.push_str(&t.render());
        }
        Step::ClearThrottles(c) => throttle_lines(&mut out, "\nThrottle configs to remove:", &c.changes),
        Step::ElectLeaders(e) => {
            out.push_str(&format!(
                "\nPartitions to elect: {}; already fine: {}; not possible: {}\n",
                e.candidates.len(),
                e.fine.len(),
                e.cannot.len()
            ));
            if !e.candidates.is_empty() {
                let mut t = Table::new(["PARTITION", "LEADER", "PREFERRED", "ISR"]);
                for c in &e.candidates {
                    t.row(vec![
                        format!("{}-{}", c.topic, c.partition),
                        super::output::opt(c.leader),
                        super::output::opt(c.preferred),
                        ids(&c.isr),
                    ]);
                }
                out.push_str(&t.render());
            }
        }
    }
    out
}

/// The preview's table of a group change: each partition's move.
pub fn render_group_change(change: &GroupChange) -> String {
    let GroupChange::ResetOffsets { offsets, .. } = change else { return String::new() };
    let mut t = Table::new(["PARTITION", "CURRENT -> NEW", "LAG BEFORE -> AFTER", "NOTE"]);
    for m in offsets {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        t.row(vec![
            format!("{}-{}", m.topic, m.partition),
            format!("{} -> {}", opt(m.current), m.new),
            format!("{} -> {}", opt(m.lag_before), m.lag_after),
            m.note.clone().unwrap_or_default(),
        ]);
    }
    format!("\n{}", t.render())
}
