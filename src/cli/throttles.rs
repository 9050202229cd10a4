//! `kdeck throttles list|clear`: every replication throttle config on the cluster, whether a
//! reassignment in progress still needs it, and removing the ones nothing needs.

use clap::Subcommand;

use super::output::{json, Format, Table};
use super::{mutate, reassign_exec, Global};
use crate::config::Resolved;
use crate::kafka::Client;
use crate::ops::reassign::throttles::{list, ThrottleItem};

#[derive(Subcommand, Debug)]
pub enum ThrottlesCommand {
    /// Every throttle config (topic replica lists, broker rates) and whether a reassignment needs it
    List,
    /// Remove the throttle configs no reassignment in progress needs
    Clear {
        /// Also those in use: the reassignments in progress then run unthrottled
        #[arg(long)]
        all: bool,
        #[arg(short = 'y', long)]
        yes: bool,
    },
}

pub async fn run(global: &Global, resolved: &Resolved, cmd: &ThrottlesCommand) -> anyhow::Result<String> {
    match cmd {
        ThrottlesCommand::List => {
            let client = Client::connect(resolved.client.clone()).await?;
            let ctx = mutate::context(global, resolved);
            let items = list(&client, &ctx).await?;
            Ok(match global.output {
                Format::Json => json(&items)?,
                Format::Table => render(&items),
            })
        }
        ThrottlesCommand::Clear { all, yes } => reassign_exec::clear_throttles(global, resolved, *all, *yes).await,
    }
}

fn render(items: &[ThrottleItem]) -> String {
    if items.is_empty() {
        return "no replication throttle is set\n".into();
    }
    let mut t = Table::new(["RESOURCE", "KEY", "VALUE", "NEEDED", "SET BY"]);
    let mut notes = Vec::new();
    for i in items {
        let needed = match (i.needed, &i.unneeded_entries) {
            (true, Some(spare)) => format!("partly (not {spare})"),
            (true, None) => "yes".into(),
            (false, _) => "no".into(),
        };
        t.row(vec![
            i.resource.clone(),
            i.key.to_string(),
            i.value.clone(),
            needed,
            if i.set_by.is_empty() { "-".into() } else { i.set_by.join(",") },
        ]);
        if let Some(n) = &i.note {
            notes.push(format!("{} {}: {n}", i.resource, i.key));
        }
    }
    let mut out = t.render();
    for n in notes {
        out.push_str(&format!("NOTE: {n}\n"));
    }
    if items.iter().any(|i| i.value != "?" && (!i.needed || i.unneeded_entries.is_some())) {
        out.push_str("`kdeck throttles clear` removes what no reassignment needs\n");
    }
    out
}
