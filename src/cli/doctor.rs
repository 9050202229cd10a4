//! `kdeck doctor`: why a connection fails, step by step for every bootstrap server and every
//! advertised broker, and what to do about it. Exit code 0 only when everything passed.

use super::output::{json, Format, Incomplete};
use crate::kafka::doctor::{self, Report};
use crate::kafka::ClientConfig;

pub async fn run(cfg: &ClientConfig, format: Format) -> anyhow::Result<String> {
    let report = doctor::diagnose(cfg).await?;
    let output = match format {
        Format::Json => json(&report)?,
        Format::Table => render(&report),
    };
    if report.ok {
        Ok(output)
    } else {
        // the verdicts are in the output already; the error line only says that it failed
        let failed = report.checks.iter().filter(|c| !c.passed()).count();
        Err(Incomplete {
            output,
            problems: vec![format!("doctor: {failed} of {} addresses failed", report.checks.len())],
        }
        .into())
    }
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(route) = &report.route {
        out.push_str(&format!("route: {route}\n"));
    }
    for check in &report.checks {
        let via = check.via.as_ref().map(|v| format!(" via {v}")).unwrap_or_default();
        out.push_str(&format!("{}{via}\n", check.heading()));
        for s in &check.steps {
            out.push_str(&s.line());
            out.push('\n');
        }
    }
    out.push_str("\nverdict:\n");
    for v in &report.verdicts {
        out.push_str(&format!("  {v}\n"));
    }
    out
}

/// When a command failed because part of the cluster could not be reached although the
/// bootstrap answered (a broker's advertised address, or a partial answer), the doctor's
/// verdicts are added to the error: the fix is usually advertised.listeners or a tunnel.
/// Other errors, and a dead bootstrap (already named precisely), are returned as they are.
pub async fn explain_failure(cfg: &ClientConfig, err: anyhow::Error) -> anyhow::Error {
    // Some commands carry the snapshot's errors as text (a group's, a partition's offsets), so
    // KafkaError::Advertised is also recognised by its wording.
    let advertised = err.chain().any(|c| {
        matches!(c.downcast_ref::<crate::kafka::KafkaError>(), Some(crate::kafka::KafkaError::Advertised { .. }))
            || c.to_string().contains(crate::kafka::error::UNREACHABLE_ADVERTISED)
            // librdkafka (peek, lag in time) names no step: "all broker connections are down"
            || c.is::<crate::data::Unreachable>()
    });
    let partial = err.is::<Incomplete>();
    if !advertised && !partial {
        return err;
    }
    let report = match doctor::diagnose(cfg).await {
        Ok(r) if !r.ok => r,
        _ => return err,
    };
    let said: Vec<String> = report.verdicts.iter().map(|v| format!("kdeck doctor: {v}")).collect();
    match err.downcast::<Incomplete>() {
        Ok(mut incomplete) => {
            incomplete.problems.extend(said);
            incomplete.into()
        }
        Err(err) => anyhow::anyhow!("{err:#}\n{}", said.join("\n")),
    }
}

/// `err` followed by the doctor's full report (the console shows it when it cannot start).
pub async fn with_report(cfg: &ClientConfig, err: anyhow::Error) -> anyhow::Error {
    match doctor::diagnose(cfg).await {
        Ok(report) if !report.ok => anyhow::anyhow!("{err:#}\n\nkdeck doctor:\n{}", render(&report)),
        _ => err,
    }
}
