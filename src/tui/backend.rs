//! What the console needs from a cluster, as a trait: the real implementation talks to Kafka,
//! the fake (tests only) returns fixed data so panes can be snapshot-tested without I/O.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::cluster::{self, GroupScope, LoadOptions, Snapshot};
use crate::config::msk::{self, AwsOptions, MskCluster};
use crate::data::position::TimeLag;
pub use crate::data::PeekMessage;
use crate::data::RecordDetail;
use crate::data::Start;
use crate::kafka::admin_ops::ConfigResource;
use crate::kafka::Client;
use crate::ops::{self, ConfigView, Mutation, Outcome, Preview};

pub trait ClusterBackend: Send + Sync + 'static {
    /// Everything the panes show: brokers, topics with offsets and min ISR, groups with lag.
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
}

impl ClusterBackend for KafkaBackend {
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        Box::pin(async move {
            let opts = LoadOptions {
                offsets: true,
                configs: true,
                groups: GroupScope::All,
                reassignments: true,
                ..Default::default()
            };
            cluster::load(&self.client, &opts).await.map_err(|e| format!("{e:#}"))
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
}

/// A bound on a whole refresh (many requests), beyond the per-request timeouts.
pub fn refresh_deadline(request_timeout: Duration) -> Duration {
    request_timeout * 3
}
