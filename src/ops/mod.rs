//! Mutations: the one place every change to a cluster goes through, for the CLI and the TUI.
//!
//! A change is a plain [`Mutation`] value. [`prepare`] checks it (read-only first, then kdeck's
//! own checks, then the broker's validate-only mode where the API has one) and returns a
//! [`Preview`] a user confirms; [`apply`] sends exactly the previewed mutation. Every attempt —
//! accepted, refused, invalid, failed, cancelled or dry run — lands in the audit log.

pub mod audit;
pub mod configs;
pub mod errors;
pub mod groups;
pub mod guard;
pub mod partitions;
pub mod plan;
pub mod reassign;
pub mod topics;

use serde::Serialize;

pub use audit::{AuditLog, AuditResult};
pub use configs::{ConfigDiff, ConfigView};
pub use errors::OpsError;
pub use guard::guard;
pub use partitions::PartitionPlan;
pub use topics::TopicFacts;

use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource, NewTopic};
use crate::kafka::{redact, Client};

/// Who is acting on which cluster, and how carefully.
#[derive(Clone, Debug)]
pub struct Context {
    /// The cluster's name as the user knows it (profile name or bootstrap address).
    pub cluster: String,
    pub read_only: bool,
    pub dry_run: bool,
    pub audit: AuditLog,
    pub user: String,
}

impl Context {
    pub fn new(cluster: impl Into<String>, read_only: bool, dry_run: bool) -> Context {
        Context {
            cluster: cluster.into(),
            read_only,
            dry_run,
            audit: AuditLog::default_location(),
            user: audit::current_user(),
        }
    }

    /// Appends an entry; a failure to write is reported on the log's behalf but never hides the
    /// outcome it describes (the check before sending is [`audit::AuditLog::check_writable`]).
    pub fn record(&self, m: &Mutation, result: AuditResult, message: Option<String>) {
        let entry = audit::AuditEntry {
            time: audit::now_rfc3339(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            action: m.action().to_string(),
            request: m.summary(),
            result,
            message,
        };
        if let Err(e) = self.audit.append(&entry) {
            tracing::warn!(error = %e, "could not write the audit log");
        }
    }
}

/// A change to a cluster, as a value: what a confirm dialog holds until the user says yes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    CreateTopic(NewTopic),
    DeleteTopic {
        topic: String,
    },
    /// Grow `topic` to `to` partitions. `assignment` lists the new partitions' replicas; empty
    /// until [`prepare`] plans it.
    AddPartitions {
        topic: String,
        to: i32,
        assignment: Vec<Vec<i32>>,
    },
    AlterConfigs {
        resource: ConfigResource,
        changes: Vec<ConfigChange>,
    },
    /// Executing reassignments: throttles, batches, cancel, verify, leader elections.
    Reassignment(reassign::Step),
    /// Consumer groups: reset offsets, delete a group, delete a group's offsets.
    Group(groups::GroupChange),
}

impl Mutation {
    /// The command as users call it (the audit log's `action`).
    pub fn action(&self) -> &'static str {
        match self {
            Mutation::CreateTopic(_) => "topic create",
            Mutation::DeleteTopic { .. } => "topic delete",
            Mutation::AddPartitions { .. } => "topic add-partitions",
            Mutation::AlterConfigs { changes, .. } => {
                let op = changes.first().map(|c| c.op).unwrap_or(AlterOp::Set);
                if changes.iter().any(|c| c.op != op) {
                    return "config alter";
                }
                match op {
                    AlterOp::Set => "config set",
                    AlterOp::Delete => "config delete",
                    AlterOp::Append => "config append",
                    AlterOp::Subtract => "config subtract",
                }
            }
            Mutation::Reassignment(step) => step.action(),
            Mutation::Group(change) => change.action(),
        }
    }

    /// A short verb phrase: "create topic orders".
    pub fn title(&self) -> String {
        match self {
            Mutation::CreateTopic(t) => format!("create topic {}", t.name),
            Mutation::DeleteTopic { topic } => format!("delete topic {topic}"),
            Mutation::AddPartitions { topic, .. } => format!("add partitions to topic {topic}"),
            Mutation::AlterConfigs { resource, .. } => format!("change configs of {resource}"),
            Mutation::Reassignment(step) => step.title(),
            Mutation::Group(change) => change.title(),
        }
    }

    /// Everything that would be sent, sensitive values masked.
    pub fn summary(&self) -> String {
        match self {
            Mutation::CreateTopic(t) => {
                let mut s = if t.assignment.is_empty() {
                    format!(
                        "create topic {}: {} partitions, replication factor {}",
                        t.name, t.partitions, t.replication_factor
                    )
                } else {
                    format!("create topic {}: assignment {}", t.name, assignment_text(0, &t.assignment))
                };
                if !t.configs.is_empty() {
                    let kv: Vec<String> =
                        t.configs.iter().map(|(k, v)| format!("{k}={}", configs::mask(k, v))).collect();
                    s.push_str(&format!(", configs {}", kv.join(" ")));
                }
                s
            }
            Mutation::DeleteTopic { topic } => format!("delete topic {topic}"),
            Mutation::AddPartitions { topic, to, assignment } if assignment.is_empty() => {
                format!("add partitions to topic {topic}: to {to}")
            }
            Mutation::AddPartitions { topic, to, assignment } => {
                let first = *to - assignment.len() as i32;
                format!("add partitions to topic {topic}: {first} -> {to}, new {}", assignment_text(first, assignment))
            }
            Mutation::AlterConfigs { resource, changes } => {
                let parts: Vec<String> = changes
                    .iter()
                    .map(|c| match (c.op, &c.value) {
                        (AlterOp::Delete, _) => format!("delete {}", c.key),
                        (op, Some(v)) => format!("{} {}={}", op_word(op), c.key, configs::mask(&c.key, v)),
                        (op, None) => format!("{} {}", op_word(op), c.key),
                    })
                    .collect();
                format!("{} on {resource}", parts.join(", "))
            }
            Mutation::Reassignment(step) => step.summary(),
            Mutation::Group(change) => change.summary(),
        }
    }
}

impl Mutation {
    /// The values this mutation carries for secret keys, to scrub from anything said back.
    fn secret_values(&self) -> Vec<&str> {
        let pairs: Vec<(&str, Option<&str>)> = match self {
            Mutation::CreateTopic(t) => t.configs.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect(),
            Mutation::AlterConfigs { changes, .. } => {
                changes.iter().map(|c| (c.key.as_str(), c.value.as_deref())).collect()
            }
            // reassignments carry replica lists and throttle rates, groups offsets: nothing secret
            Mutation::DeleteTopic { .. }
            | Mutation::AddPartitions { .. }
            | Mutation::Reassignment(_)
            | Mutation::Group(_) => Vec::new(),
        };
        pairs.into_iter().filter(|(k, _)| redact::is_sensitive_key(k)).filter_map(|(_, v)| v).collect()
    }

    /// An error about this mutation with its secret values taken out: a broker's or kdeck's
    /// message may quote a value back, and it goes to the screen and the audit log.
    fn scrub(&self, e: OpsError) -> OpsError {
        let secrets = self.secret_values();
        let text = e.to_string();
        if !secrets.iter().any(|s| !s.is_empty() && text.contains(s)) {
            return e;
        }
        let text = redact::scrub(&text, secrets);
        match e {
            OpsError::Invalid(_) => OpsError::Invalid(text),
            _ => OpsError::Rejected(text),
        }
    }
}

fn op_word(op: AlterOp) -> &'static str {
    match op {
        AlterOp::Set => "set",
        AlterOp::Delete => "delete",
        AlterOp::Append => "append",
        AlterOp::Subtract => "subtract",
    }
}

/// `3=[1,2,3] 4=[2,3,1]`
pub fn assignment_text(first: i32, assignment: &[Vec<i32>]) -> String {
    assignment
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}=[{}]", first + i as i32, r.iter().map(i32::to_string).collect::<Vec<_>>().join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a mutation will do, for the user to confirm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub cluster: String,
    pub action: &'static str,
    pub summary: String,
    /// The exact mutation [`apply`] sends.
    pub mutation: Mutation,
    /// Present for add-partitions: the planned assignment and the brokers' load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<PartitionPlan>,
    /// Present for delete: what is about to go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<TopicFacts>,
    /// Present for config changes: current and new values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigDiff>,
    /// How it was checked: by the broker in validate-only mode, or only by kdeck.
    pub validation: String,
    pub warnings: Vec<String>,
    /// Destructive enough that the user should type the name, not just "y".
    pub type_to_confirm: Option<String>,
}

impl Preview {
    /// A preview of `mutation` with nothing extra; callers fill in what their change has.
    pub fn of(ctx: &Context, mutation: Mutation, validation: &str, warnings: Vec<String>) -> Preview {
        Preview {
            cluster: ctx.cluster.clone(),
            action: mutation.action(),
            summary: mutation.summary(),
            mutation,
            partitions: None,
            topic: None,
            configs: Vec::new(),
            validation: validation.to_string(),
            warnings,
            type_to_confirm: None,
        }
    }
}

/// What happened.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub preview: Preview,
    pub result: AuditResult,
    pub message: String,
    /// What a reassignment step did, per partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<reassign::Applied>,
}

/// Checks a mutation and works out exactly what it will send.
pub async fn prepare(client: &Client, ctx: &Context, mutation: Mutation) -> Result<Preview, OpsError> {
    guard(ctx, &mutation)?;
    let res = match &mutation {
        Mutation::CreateTopic(t) => topics::prepare_create(client, ctx, t).await,
        Mutation::DeleteTopic { topic } => topics::prepare_delete(client, ctx, topic).await,
        Mutation::AddPartitions { topic, to, assignment } => {
            partitions::prepare(client, ctx, topic, *to, assignment).await
        }
        Mutation::AlterConfigs { resource, changes } => configs::prepare(client, ctx, resource, changes).await,
        Mutation::Reassignment(step) => reassign::prepare(client, ctx, step).await,
        Mutation::Group(change) => groups::prepare(client, ctx, change).await,
    };
    match res {
        Ok(p) => Ok(p),
        Err(e) => {
            let e = mutation.scrub(e);
            let result = if matches!(e, OpsError::Invalid(_)) { AuditResult::Invalid } else { AuditResult::Failed };
            ctx.record(&mutation, result, Some(e.to_string()));
            Err(e)
        }
    }
}

/// Sends a prepared mutation (or, in dry-run mode, only records that it was validated).
pub async fn apply(client: &Client, ctx: &Context, preview: Preview) -> Result<Outcome, OpsError> {
    guard(ctx, &preview.mutation)?;
    if ctx.dry_run {
        let message = format!("dry run: nothing was changed ({})", preview.validation);
        ctx.record(&preview.mutation, AuditResult::DryRun, Some(message.clone()));
        return Ok(Outcome { preview, result: AuditResult::DryRun, message, details: None });
    }
    ctx.audit.check_writable().map_err(OpsError::Audit)?;
    let res = match &preview.mutation {
        Mutation::CreateTopic(t) => topics::apply_create(client, t).await.map(|m| (m, None)),
        Mutation::DeleteTopic { topic } => topics::apply_delete(client, topic).await.map(|m| (m, None)),
        Mutation::AddPartitions { topic, to, assignment } => {
            partitions::apply(client, topic, *to, assignment).await.map(|m| (m, None))
        }
        Mutation::AlterConfigs { resource, changes } => {
            configs::apply(client, resource, changes).await.map(|m| (m, None))
        }
        Mutation::Reassignment(step) => reassign::apply(client, ctx, step).await.map(|(m, d)| (m, Some(d))),
        Mutation::Group(change) => groups::apply(client, change).await.map(|m| (m, None)),
    };
    match res {
        Ok((message, details)) => {
            ctx.record(&preview.mutation, AuditResult::Ok, Some(message.clone()));
            Ok(Outcome { preview, result: AuditResult::Ok, message, details })
        }
        Err(e) => {
            let e = preview.mutation.scrub(e);
            ctx.record(&preview.mutation, AuditResult::Failed, Some(e.to_string()));
            Err(e)
        }
    }
}

/// The user did not confirm: records why and returns the error to show.
pub fn decline(ctx: &Context, preview: &Preview, why: Option<String>) -> OpsError {
    match why {
        Some(why) => {
            ctx.record(&preview.mutation, AuditResult::Refused, Some(format!("not confirmed: {why}")));
            OpsError::NotConfirmed { what: preview.mutation.title(), why }
        }
        None => {
            ctx.record(&preview.mutation, AuditResult::Cancelled, Some("the user answered no".into()));
            OpsError::Cancelled
        }
    }
}

/// Records a failure that happened outside prepare/apply (e.g. connecting).
pub fn record_failure(ctx: &Context, mutation: &Mutation, err: &dyn std::fmt::Display) {
    ctx.record(mutation, AuditResult::Failed, Some(err.to_string()));
}
