//! `kdeck elect-leaders`: preferred (or, typed out on a terminal, unclean) leader elections,
//! with per partition what changed and what was already fine.

use std::io::IsTerminal;

use clap::ValueEnum;

use super::mutate::{confirm, connect_and_prepare, render_preview};
use super::output::{json, opt, Format, Table};
use super::Global;
use crate::config::Resolved;
use crate::kafka::reassign::Election;
use crate::ops::reassign::leaders::Elect;
use crate::ops::reassign::{Applied, Step};
use crate::ops::{self, Mutation, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ElectionArg {
    /// The first replica of each partition leads again (when it is in sync)
    Preferred,
    /// Partitions without a leader get any live replica, in sync or not (can lose messages)
    Unclean,
}

pub async fn run(
    global: &Global,
    resolved: &Resolved,
    topics: &[String],
    kind: ElectionArg,
    yes: bool,
) -> anyhow::Result<String> {
    let election = match kind {
        ElectionArg::Preferred => Election::Preferred,
        ElectionArg::Unclean => Election::Unclean,
    };
    let step =
        Elect { election, topics: topics.to_vec(), candidates: Vec::new(), fine: Vec::new(), cannot: Vec::new() };
    let (client, ctx, preview) =
        connect_and_prepare(global, resolved, Mutation::Reassignment(Step::ElectLeaders(step))).await?;
    let something =
        matches!(&preview.mutation, Mutation::Reassignment(Step::ElectLeaders(e)) if !e.candidates.is_empty());
    let unclean = election == Election::Unclean && something;
    if unclean && !ctx.dry_run && !std::io::stdin().is_terminal() {
        // --yes is not enough: losing committed messages has to be typed out
        return Err(ops::decline(
            &ctx,
            &preview,
            Some(
                "an unclean election needs the word `unclean` typed on a terminal (it can lose committed messages)"
                    .into(),
            ),
        )
        .into());
    }
    let asked = something && !ctx.dry_run && (!yes || unclean);
    if asked {
        confirm(&ctx, &preview)?;
    }
    let outcome = ops::apply(&client, &ctx, preview).await?;
    Ok(match global.output {
        Format::Json => json(&outcome)?,
        Format::Table => render(&outcome, !asked),
    })
}

fn render(o: &Outcome, with_preview: bool) -> String {
    let mut out = if with_preview { render_preview(&o.preview) } else { String::new() };
    if let Some(Applied::Elected(e)) = &o.details {
        let mut t = Table::new(["PARTITION", "LEADER BEFORE", "LEADER NOW", "RESULT"]);
        for p in &e.partitions {
            let result = match &p.reason {
                Some(r) => format!("{}: {r}", p.result),
                None => p.result.to_string(),
            };
            t.row(vec![format!("{}-{}", p.topic, p.partition), opt(p.before), opt(p.after), result]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&o.message);
    out.push('\n');
    out
}
