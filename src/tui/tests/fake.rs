//! The one fake of the console tests, behind the [`ClusterBackend`] trait: it serves the fixture
//! and answers changes with ops' own guard and pure preview functions.

use futures::future::BoxFuture;

use super::fixture::{
    config_entries, fixture, fixture_live, fixture_sizes, fixture_throttles, planning_snapshot, SAMPLED_AT_MS,
};
use crate::cluster::{Controller, Group, Snapshot};
use crate::data::peek::Content;
use crate::data::position::TimeLag;
use crate::data::RecordDetail;
use crate::kafka::doctor::Report;
use crate::kafka::topic_config_admin::ConfigEntry;
use crate::ops::groups::{self, GroupChange};
use crate::ops::reassign::drive;
use crate::ops::reassign::execute::{Execute, Prepared, Submit, Submitted};
use crate::ops::reassign::state::cluster_state;
use crate::ops::reassign::status::{self as reassign_status, Executions, Sizes};
use crate::ops::reassign::throttles::{self, unneeded_changes};
use crate::ops::reassign::verify::{Cancel, Cancelled, VerifyReport};
use crate::ops::reassign::{Applied, Step};
use crate::ops::{self, AuditResult, ConfigView, Mutation, Outcome, Preview};
use crate::plan::execution::{batches, moves_of, Move};
use crate::plan::{ClusterState, Plan, PlanRequest};
use crate::tui::backend::{ClusterBackend, OnDriveEvent, PeekMessage, ReassignView, TimeLagRow};

/// The fake's "now": 2026-11-22 04:30:00 UTC, a minute after the last peeked message.
const FAKE_NOW_MS: i64 = 1_795_321_800_000;

/// Serves successive snapshots (lag growing), fixed peek results, and canned previews and
/// outcomes for changes. Changes pass the real ops read-only guard (auditing to a temp file).
pub(super) struct FakeBackend {
    pub(super) calls: std::sync::atomic::AtomicI64,
    pub(super) ops: ops::Context,
    /// Every preview that reached apply.
    pub(super) applied: std::sync::Mutex<Vec<Preview>>,
    /// The controller the next snapshots report instead of the fixture's (broker 1).
    pub(super) controller: std::sync::Mutex<Option<Controller>>,
    /// Throttles someone left behind (on orders, which is not moving there) are on the cluster.
    pub(super) leftover_throttles: std::sync::atomic::AtomicBool,
    /// kdeck's unfinished executions on the cluster (their records).
    pub(super) unfinished: std::sync::Mutex<Vec<crate::ops::reassign::record::ExecutionRecord>>,
}
impl FakeBackend {
    /// What ops would answer on the fixture, built with ops' own pure preview functions so the
    /// wording and the checks cannot drift (what stands in for the cluster: the fixture is the
    /// snapshot, the broker's validate-only passes, sampling finds every message keyed).
    fn canned(&self, m: Mutation) -> Result<Preview, String> {
        let snap = fixture(0);
        let err = |e: ops::OpsError| e.to_string();
        match m {
            Mutation::CreateTopic(t) => {
                if snap.topic(&t.name).is_some() {
                    return Err(err(ops::topics::already_exists(&t.name)));
                }
                Ok(ops::topics::create_preview(&self.ops, &t))
            }
            Mutation::DeleteTopic { topic } => ops::topics::delete_preview(&self.ops, &snap, &topic).map_err(err),
            Mutation::AddPartitions { topic, to, assignment } => {
                let growth = ops::partitions::plan_growth(&snap, &topic, to, &assignment).map_err(err)?;
                let keyed = crate::data::sample::KeySample { sampled: 15, keyed: 15 };
                Ok(ops::partitions::growth_preview(&self.ops, growth, Ok(keyed)))
            }
            Mutation::AlterConfigs { resource, changes } => {
                // ops' own diff over what the fixture says the broker describes
                let entries = config_entries();
                let by_name: std::collections::BTreeMap<&str, &ConfigEntry> =
                    entries.iter().map(|e| (e.name.as_str(), e)).collect();
                let mut warnings = Vec::new();
                let configs = ops::configs::diffs(&resource, &changes, &by_name, &by_name, &mut warnings);
                let validation =
                    format!("validated by the broker (IncrementalAlterConfigs on {resource}, validate-only)");
                let mut p = Preview::of(
                    &self.ops,
                    Mutation::AlterConfigs { resource: resource.clone(), changes: changes.clone() },
                    &validation,
                    warnings,
                );
                p.configs = configs;
                Ok(p)
            }
            Mutation::Reassignment(step) => self.canned_reassignment(step),
            Mutation::Group(change) => {
                // what ops does after reading the cluster: the fixture is what it reads
                let group = change.group().to_string();
                let found = snap.group(&group).cloned();
                match change {
                    GroupChange::ResetOffsets { scope, target, .. } => {
                        match &found {
                            Some(g) => groups::refuse_active(g, "resets offsets").map_err(err)?,
                            None => return Err(format!("consumer group {group} is not in the fixture")),
                        }
                        let committed = groups::committed_of(found.as_ref());
                        let wanted = groups::wanted_partitions(&group, &scope, &target, &committed).map_err(err)?;
                        let states = groups::partition_states(&snap, &wanted, &committed).map_err(err)?;
                        groups::reset_preview(&self.ops, &group, true, &scope, &target, &states, FAKE_NOW_MS)
                            .map_err(err)
                    }
                    GroupChange::Delete { .. } => match &found {
                        Some(g) => groups::delete_preview(&self.ops, g).map_err(err),
                        None => Err(format!("consumer group {group} does not exist (see `kdeck groups`)")),
                    },
                    GroupChange::DeleteOffsets { .. } => Err("the fake backend does not delete offsets".into()),
                }
            }
        }
    }

    /// Ops' previews of reassignment steps, from ops' and the planner's own pure functions on
    /// the fixture (nothing here is checked by a broker).
    fn canned_reassignment(&self, step: Step) -> Result<Preview, String> {
        let checked = "checked by the fake backend";
        let live = fixture_live();
        let step = match step {
            Step::Execute(e) => {
                let state = cluster_state(&planning_snapshot(), &fixture_sizes(&planning_snapshot()));
                crate::plan::validate(&state, &e.plan, None).map_err(|errs| errs.to_string())?;
                let (moves, unchanged) = moves_of(&state, &e.plan);
                let batches = batches(&moves, e.batch_size);
                let first = Submit {
                    execution: "fake-exec".into(),
                    batch: 0,
                    batches: batches.len(),
                    moves: batches[0].clone(),
                    throttle: e.throttle,
                    changes: Default::default(),
                };
                let prepared = Prepared {
                    execution: "fake-exec".into(),
                    cluster_id: None,
                    batches,
                    unchanged,
                    rollback_file: e
                        .plan_file
                        .as_deref()
                        .map(|f| ops::reassign::execute::rollback_path(std::path::Path::new(f)).display().to_string()),
                    record_file: "fake-exec.json".into(),
                    first,
                };
                Step::Execute(Box::new(Execute { prepared: Some(prepared), ..*e }))
            }
            Step::Cancel(c) => {
                let moves: Vec<Move> = live
                    .in_flight()
                    .into_iter()
                    .filter(|m| c.partitions.is_empty() || c.partitions.contains(&m.key()))
                    .collect();
                Step::Cancel(Cancel { moves, ..c })
            }
            Step::ClearThrottles(mut c) => {
                let leftover = self.leftover_throttles.load(std::sync::atomic::Ordering::SeqCst);
                c.changes = unneeded_changes(&fixture_throttles(leftover), &live, false);
                Step::ClearThrottles(c)
            }
            other => other,
        };
        Ok(Preview::of(&self.ops, Mutation::Reassignment(step), checked, Vec::new()))
    }
}

impl ClusterBackend for FakeBackend {
    fn decline(&self, preview: Preview) {
        let _ = ops::decline(&self.ops, &preview, None);
    }

    fn msk_clusters(&self) -> BoxFuture<'_, Result<Vec<crate::config::msk::MskCluster>, String>> {
        let cluster =
            |name: &str, kind: &str, version: Option<&str>, brokers, auth: &[&str]| crate::config::msk::MskCluster {
                name: name.into(),
                arn: format!("arn:aws:kafka:eu-west-1:123456789012:cluster/{name}/0000-1"),
                state: if name == "orders-staging" { "UPDATING".into() } else { "ACTIVE".into() },
                kind: kind.into(),
                kafka_version: version.map(str::to_string),
                brokers,
                subnets: vec!["subnet-a".into(), "subnet-b".into()],
                auth: auth.iter().map(|a| a.to_string()).collect(),
            };
        Box::pin(async move {
            Ok(vec![
                cluster("orders-prod", "provisioned", Some("3.6.0"), Some(3), &["iam", "scram"]),
                cluster("orders-staging", "provisioned", Some("3.9.x"), Some(2), &["tls"]),
                cluster("clicks-serverless", "serverless", None, None, &["iam"]),
            ])
        })
    }

    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let controller = self.controller.lock().expect("lock").clone();
        Box::pin(async move {
            let mut snap = fixture(n * 10);
            // what the real refresh keeps of the groups (their rows come with `group`)
            for g in &mut snap.groups {
                g.drop_rows();
            }
            if let Some(c) = controller {
                for b in &mut snap.brokers {
                    b.is_controller = Some(b.id) == c.broker_id();
                }
                snap.controller = c;
            }
            Ok(snap)
        })
    }
    fn peek(
        &self,
        topic: String,
        partition: i32,
        from: Option<i64>,
        count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>> {
        Box::pin(async move {
            let first = from.unwrap_or(1195);
            Ok((0..count.min(5) as i64)
                .map(|i| PeekMessage {
                    partition,
                    offset: first + i,
                    timestamp_ms: Some(1_795_321_788_000 + i * 1000),
                    key: (i % 2 == 0).then(|| format!("customer-{i}")),
                    value: Some(format!("{{\"topic\":\"{topic}\",\"seq\":{i}}}")),
                    headers: if i == 0 { vec![("trace".into(), "abc".into())] } else { vec![] },
                })
                .collect())
        })
    }
    /// The group as the last snapshot had it, with its rows.
    fn group(&self, group: String) -> BoxFuture<'_, Result<Option<Group>, String>> {
        let last = (self.calls.load(std::sync::atomic::Ordering::SeqCst) - 1).max(0);
        Box::pin(async move { Ok(fixture(last * 10).groups.into_iter().find(|g| g.group_id == group)) })
    }
    /// Each partition's next message is one second older per message of lag.
    fn time_lag(&self, group: String) -> BoxFuture<'_, Result<Vec<TimeLagRow>, String>> {
        Box::pin(async move {
            let snap = fixture(0);
            let g = snap.group(&group).ok_or_else(|| format!("consumer group {group} does not exist"))?;
            Ok(g.offsets
                .iter()
                .map(|p| {
                    let lag_ms = p.lag.unwrap_or(0) * 1000;
                    let time = TimeLag {
                        time_lag_ms: Some(lag_ms),
                        next_timestamp_ms: (lag_ms > 0).then_some(FAKE_NOW_MS - lag_ms),
                        time_lag_error: None,
                    };
                    TimeLagRow { lag: p.clone(), time }
                })
                .collect())
        })
    }
    /// A JSON order with a header; nothing past offset 1199.
    fn record(
        &self,
        topic: String,
        partition: i32,
        offset: i64,
    ) -> BoxFuture<'_, Result<Option<RecordDetail>, String>> {
        Box::pin(async move {
            if offset > 1199 {
                return Ok(None);
            }
            let value = format!(r#"{{"order":{offset},"amount":"NaN","lines":[{{"sku":"A-1","qty":2}}]}}"#);
            Ok(Some(RecordDetail {
                topic,
                partition,
                offset,
                timestamp_ms: Some(FAKE_NOW_MS - 90_000),
                timestamp_type: "create",
                key: Some(Content::of(b"customer-7")),
                value_sha256: Some(crate::data::peek::sha256(value.as_bytes())),
                value: Some(Content::of(value.as_bytes())),
                headers: vec![("trace".into(), Some(Content::of(b"abc"))), ("retry".into(), None)],
                size: 10 + value.len() + 5 + 3 + 5,
            }))
        })
    }
    fn prepare(&self, mutation: Mutation) -> BoxFuture<'_, Result<Preview, String>> {
        Box::pin(async move {
            ops::guard(&self.ops, &mutation).map_err(|e| e.to_string())?;
            self.canned(mutation)
        })
    }
    fn apply(&self, preview: Preview) -> BoxFuture<'_, Result<Outcome, String>> {
        Box::pin(async move {
            ops::guard(&self.ops, &preview.mutation).map_err(|e| e.to_string())?;
            self.applied.lock().expect("lock").push(preview.clone());
            let (result, message) = if self.ops.dry_run {
                (AuditResult::DryRun, format!("dry run: nothing was changed ({})", preview.validation))
            } else {
                let m = match &preview.mutation {
                    Mutation::CreateTopic(t) => format!(
                        "created topic {} ({} partitions, replication factor {})",
                        t.name, t.partitions, t.replication_factor
                    ),
                    Mutation::DeleteTopic { topic } => format!("deleted topic {topic}"),
                    Mutation::AddPartitions { topic, to, assignment } => {
                        format!(
                            "topic {topic} now has {to} partitions (new: {})",
                            ops::assignment_text(to - assignment.len() as i32, assignment)
                        )
                    }
                    Mutation::AlterConfigs { resource, .. } => format!("updated {resource}"),
                    Mutation::Reassignment(step) => step.summary(),
                    Mutation::Group(change) => change.summary(),
                };
                (AuditResult::Ok, m)
            };
            let details = match &preview.mutation {
                Mutation::Reassignment(Step::Execute(e)) if result == AuditResult::Ok => e.prepared.as_ref().map(|p| {
                    Applied::Submitted(Submitted {
                        execution: p.execution.clone(),
                        batch: 0,
                        batches: p.batches.len(),
                        accepted: p.first.moves.iter().map(Move::key).collect(),
                        refused: vec![],
                        throttles: vec![],
                        record_file: p.record_file.clone(),
                    })
                }),
                Mutation::Reassignment(Step::Cancel(c)) if result == AuditResult::Ok => {
                    Some(Applied::Cancelled(Cancelled {
                        accepted: c.moves.iter().map(Move::key).collect(),
                        refused: vec![],
                    }))
                }
                _ => None,
            };
            Ok(Outcome { preview, result, message, details })
        })
    }
    fn configs(&self, _topic: String) -> BoxFuture<'_, Result<Vec<ConfigView>, String>> {
        Box::pin(async move { Ok(config_entries().iter().map(ops::configs::view).collect()) })
    }

    fn reassign_status(&self) -> BoxFuture<'_, Result<ReassignView, String>> {
        Box::pin(async move {
            let live = fixture_live();
            // payments-0: kdeck's execution submitted it 16 s before the sample; broker 1 holds 48 kB
            // of its 64 kB; broker 3 (down) cannot say how far orders-0 got
            let executions: Executions = std::collections::BTreeMap::from([(
                ("payments".to_string(), 0),
                ("fake-exec".to_string(), Some(SAMPLED_AT_MS - 16_000)),
            )]);
            let mut sizes: Sizes = fixture_sizes(&live.snapshot).by_partition.into_iter().collect();
            sizes.insert(("payments".into(), 0), std::collections::BTreeMap::from([(2, 64_000), (1, 48_000)]));
            let report = reassign_status::report(
                &live,
                None,
                &executions,
                &sizes,
                &std::collections::BTreeMap::new(),
                SAMPLED_AT_MS,
            );
            let leftover = self.leftover_throttles.load(std::sync::atomic::Ordering::SeqCst);
            let throttles = throttles::items(&fixture_throttles(leftover), &live, &[]);
            let executions = self.unfinished.lock().expect("lock").clone();
            Ok(ReassignView { report, throttles, executions })
        })
    }

    fn plan(&self, request: PlanRequest) -> BoxFuture<'_, Result<(ClusterState, Plan), String>> {
        Box::pin(async move {
            let snap = planning_snapshot();
            let state = cluster_state(&snap, &fixture_sizes(&snap));
            let plan = crate::plan::plan(&state, &request).map_err(|e| e.to_string())?;
            Ok((state, plan))
        })
    }

    fn drive(&self, execution: String, mut on_event: OnDriveEvent) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move {
            let live = fixture_live();
            let report = reassign_status::report(
                &live,
                None,
                &Default::default(),
                &Default::default(),
                &Default::default(),
                SAMPLED_AT_MS,
            );
            on_event(drive::Event::Progress(drive::Progress {
                execution: execution.clone(),
                batch: 1,
                batches: 1,
                done: 0,
                moves: report.partitions.len(),
                report,
            }));
            Ok(VerifyReport { complete: true, ..Default::default() })
        })
    }

    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move { Ok(VerifyReport { complete: true, ..Default::default() }) })
    }

    fn after_cancel(&self, _moves: Vec<Move>) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move { Ok(VerifyReport { complete: true, ..Default::default() }) })
    }

    fn diagnose(&self, _on_step: crate::tui::backend::OnDoctorStep) -> BoxFuture<'_, Result<Report, String>> {
        Box::pin(async move { Err("the fake cluster has no network to check".to_string()) })
    }
}
