//! What the console needs from a cluster, as a trait: the real implementation talks to Kafka,
//! the fake (tests only) returns fixed data so panes can be snapshot-tested without I/O.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::cluster::{self, Group, GroupScope, LoadOptions, Snapshot};
use crate::config::msk::{self, AwsOptions, MskCluster};
use crate::data::position::TimeLag;
pub use crate::data::PeekMessage;
use crate::data::RecordDetail;
use crate::data::Start;
use crate::kafka::doctor::{self, Report, StepDone};
use crate::kafka::stats::counting;
use crate::kafka::topic_config_admin::ConfigResource;
use crate::kafka::{Client, RequestStats};
use crate::ops::reassign::drive::{self, drive};
use crate::ops::reassign::record::{ExecutionRecord, Records};
use crate::ops::reassign::state::{cluster_state, load_for_planning, Live};
use crate::ops::reassign::status::{executions_by_partition, sample, StatusReport};
use crate::ops::reassign::throttles::{self, ClearOrigin, ThrottleItem};
use crate::ops::reassign::verify::{after_cancel, verify, VerifyReport};
use crate::ops::{self, ConfigView, Mutation, Outcome, Preview};
use crate::plan::execution::Move;
use crate::plan::{ClusterState, Plan, PlanRequest, Scope};

/// What the reassignments view shows, read from the cluster (so it survives a restart): the
/// moves in progress and how far they got, every throttle config and whether something needs
/// it, and kdeck's executions that are not over.
#[derive(Clone, Debug, Default)]
pub struct ReassignView {
    pub report: StatusReport,
    pub throttles: Vec<ThrottleItem>,
    pub executions: Vec<ExecutionRecord>,
}

/// Progress reports of an attached execution.
pub type OnDriveEvent = Box<dyn FnMut(drive::Event) + Send>;

/// The doctor's steps as they end.
pub type OnDoctorStep = Box<dyn Fn(StepDone) + Send + Sync>;

pub trait ClusterBackend: Send + Sync + 'static {
    /// Everything the panes show: brokers, topics with offsets and min ISR, groups with their
    /// totals (lag, partitions, topics, members), not their partition rows ([`ClusterBackend::group`]).
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>>;
    /// `count` messages of a partition, the last ones or from offset `from`, without joining a
    /// group or committing.
    fn peek(
        &self,
        topic: String,
        partition: i32,
        from: Option<i64>,
        count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>>;
    /// A group with a row per partition, as its coordinator describes it now (None: it does not
    /// exist): `ops::groups::describe`, what `kdeck lag GROUP` reads.
    fn group(&self, group: String) -> BoxFuture<'_, Result<Option<Group>, String>>;
    /// A group's partitions with their lag in time.
    fn time_lag(&self, group: String) -> BoxFuture<'_, Result<Vec<TimeLagRow>, String>>;
    /// The whole message at an offset (None: nothing there).
    fn record(&self, topic: String, partition: i32, offset: i64)
        -> BoxFuture<'_, Result<Option<RecordDetail>, String>>;
    /// `ops::prepare`: the preview of a change, or why it cannot be made.
    fn prepare(&self, mutation: Mutation) -> BoxFuture<'_, Result<Preview, String>>;
    /// `ops::apply`: sends exactly the previewed change (or only records it in dry-run mode).
    fn apply(&self, preview: Preview) -> BoxFuture<'_, Result<Outcome, String>>;
    /// A topic's configs with their source, secrets masked.
    fn configs(&self, topic: String) -> BoxFuture<'_, Result<Vec<ConfigView>, String>>;
    /// Records that the user declined a preview (audit log only; nothing is sent).
    fn decline(&self, preview: Preview);
    /// The AWS MSK clusters of the region (`:msk`), from the AWS API.
    fn msk_clusters(&self) -> BoxFuture<'_, Result<Vec<MskCluster>, String>>;
    /// The reassignments in progress, the throttles and kdeck's unfinished executions.
    fn reassign_status(&self) -> BoxFuture<'_, Result<ReassignView, String>>;
    /// The planner on the cluster as it is now (with replica sizes); nothing is sent.
    fn plan(&self, request: PlanRequest) -> BoxFuture<'_, Result<(ClusterState, Plan), String>>;
    /// `ops::reassign::drive`: attached to an execution until it is over, then verified.
    fn drive(&self, execution: String, on_event: OnDriveEvent) -> BoxFuture<'_, Result<VerifyReport, String>>;
    /// `ops::reassign::verify` of every unfinished execution.
    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, String>>;
    /// `ops::reassign::verify::after_cancel`: the cancelled moves back, their throttles removed.
    fn after_cancel(&self, moves: Vec<Move>) -> BoxFuture<'_, Result<VerifyReport, String>>;
    /// `kafka::doctor`: every step against the bootstrap servers and the advertised brokers.
    fn diagnose(&self, on_step: OnDoctorStep) -> BoxFuture<'_, Result<Report, String>>;
}

/// One partition of a group and how far behind in time it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeLagRow {
    pub lag: cluster::PartitionLag,
    pub time: TimeLag,
}

/// The real cluster: the control-plane client for snapshots, rdkafka for peeking.
pub struct KafkaBackend {
    pub client: Client,
    pub data: crate::data::DataConfig,
    /// Read-only, dry run and the audit log, exactly as the CLI has them.
    pub ops: ops::Context,
    /// Region and profile for `:msk`, as the command line gave them.
    pub aws: AwsOptions,
    /// The requests of the refreshes alone (`--stats`), apart from the others in flight.
    pub refresh_requests: RequestStats,
}

impl ClusterBackend for KafkaBackend {
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        Box::pin(async move {
            let opts = LoadOptions {
                offsets: true,
                configs: true,
                groups: GroupScope::All,
                groups_without_rows: true,
                reassignments: true,
                ..Default::default()
            };
            let load = cluster::load(&self.client, &opts);
            counting(self.refresh_requests.clone(), load).await.map_err(|e| format!("{e:#}"))
        })
    }

    fn peek(
        &self,
        topic: String,
        partition: i32,
        from: Option<i64>,
        count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>> {
        let data = self.data.clone();
        let timeout = self.client.config().request_timeout;
        let start = from.map(Start::Offset).unwrap_or(Start::Last(count));
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                crate::data::peek::peek_from(&data, &topic, partition, start, count, timeout)
            })
            .await
            .map_err(|e| format!("peek task failed: {e}"))?
            .map_err(|e| format!("{e:#}"))
        })
    }

    fn group(&self, group: String) -> BoxFuture<'_, Result<Option<Group>, String>> {
        Box::pin(async move { ops::groups::describe(&self.client, &group).await.map_err(|e| e.to_string()) })
    }

    fn time_lag(&self, group: String) -> BoxFuture<'_, Result<Vec<TimeLagRow>, String>> {
        let data = self.data.clone();
        let timeout = self.client.config().request_timeout;
        Box::pin(async move {
            let g = ops::groups::describe(&self.client, &group)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("consumer group {group} does not exist"))?;
            let rows: Vec<crate::data::position::GroupRow> =
                g.offsets.iter().map(|p| (p.topic.clone(), p.partition, p.committed_offset, p.lag)).collect();
            let lags = tokio::task::spawn_blocking(move || crate::data::position::time_lags(&data, &rows, timeout))
                .await
                .map_err(|e| format!("time lag task failed: {e}"))?
                .map_err(|e| format!("{e:#}"))?;
            Ok(g.offsets.into_iter().zip(lags).map(|(lag, time)| TimeLagRow { lag, time }).collect())
        })
    }

    fn record(
        &self,
        topic: String,
        partition: i32,
        offset: i64,
    ) -> BoxFuture<'_, Result<Option<RecordDetail>, String>> {
        let data = self.data.clone();
        let timeout = self.client.config().request_timeout;
        Box::pin(async move {
            let read = tokio::task::spawn_blocking(move || {
                crate::data::peek::read(&data, &topic, partition, Start::Offset(offset), 1, timeout)
            })
            .await
            .map_err(|e| format!("read task failed: {e}"))?
            .map_err(|e| format!("{e:#}"))?;
            Ok(read.into_iter().find(|r| r.offset == offset).map(|r| r.detail()))
        })
    }

    fn prepare(&self, mutation: Mutation) -> BoxFuture<'_, Result<Preview, String>> {
        Box::pin(async move { ops::prepare(&self.client, &self.ops, mutation).await.map_err(|e| e.to_string()) })
    }

    fn apply(&self, preview: Preview) -> BoxFuture<'_, Result<Outcome, String>> {
        Box::pin(async move { ops::apply(&self.client, &self.ops, preview).await.map_err(|e| e.to_string()) })
    }

    fn configs(&self, topic: String) -> BoxFuture<'_, Result<Vec<ConfigView>, String>> {
        Box::pin(async move {
            ops::configs::describe(&self.client, &ConfigResource::Topic(topic)).await.map_err(|e| e.to_string())
        })
    }

    fn decline(&self, preview: Preview) {
        let _ = ops::decline(&self.ops, &preview, None);
    }

    fn msk_clusters(&self) -> BoxFuture<'_, Result<Vec<MskCluster>, String>> {
        Box::pin(async move {
            let config = msk::sdk_config(&self.aws).await.map_err(|e| e.to_string())?;
            msk::list_clusters(&config).await.map_err(|e| e.to_string())
        })
    }

    fn reassign_status(&self) -> BoxFuture<'_, Result<ReassignView, String>> {
        Box::pin(async move {
            let ctx = &self.ops;
            let live = Live::load(&self.client, None).await.map_err(|e| e.to_string())?;
            let cluster_id = live.snapshot.cluster_id.clone();
            let executions = executions_by_partition(ctx, cluster_id.as_deref());
            let report = sample(&self.client, &live, None, &executions).await;
            let throttles = throttles::list_for(&self.client, ctx, &live).await.map_err(|e| e.to_string())?;
            let executions = Records::for_context(ctx)
                .map(|r| r.unfinished(&ctx.cluster, cluster_id.as_deref()))
                .unwrap_or_default();
            Ok(ReassignView { report, throttles, executions })
        })
    }

    fn plan(&self, request: PlanRequest) -> BoxFuture<'_, Result<(ClusterState, Plan), String>> {
        Box::pin(async move {
            let expect = match &request.scope {
                Scope::Topics(t) => t.clone(),
                _ => Vec::new(),
            };
            let (snap, sizes) = load_for_planning(&self.client, expect).await.map_err(|e| e.to_string())?;
            let state = cluster_state(&snap, &sizes);
            let plan = crate::plan::plan(&state, &request).map_err(|e| e.to_string())?;
            Ok((state, plan))
        })
    }

    fn drive(&self, execution: String, mut on_event: OnDriveEvent) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move {
            drive(&self.client, &self.ops, &execution, drive::POLL, &mut *on_event).await.map_err(|e| e.to_string())
        })
    }

    fn verify(&self) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move {
            verify(&self.client, &self.ops, None, None, ClearOrigin::Verify).await.map_err(|e| e.to_string())
        })
    }

    fn after_cancel(&self, moves: Vec<Move>) -> BoxFuture<'_, Result<VerifyReport, String>> {
        Box::pin(async move {
            after_cancel(&self.client, &self.ops, &moves).await.map(|r| r.throttles).map_err(|e| e.to_string())
        })
    }

    fn diagnose(&self, on_step: OnDoctorStep) -> BoxFuture<'_, Result<Report, String>> {
        Box::pin(async move {
            doctor::diagnose_live(self.client.config(), &|s: &StepDone| on_step(s.clone()))
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// A bound on a whole refresh (many requests), beyond the per-request timeouts.
pub fn refresh_deadline(request_timeout: Duration) -> Duration {
    request_timeout * 3
}
