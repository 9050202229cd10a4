//! What the console needs from a cluster, as a trait: the real implementation talks to Kafka,
//! the fake (tests only) returns fixed data so panes can be snapshot-tested without I/O.

use std::time::Duration;

use futures::future::BoxFuture;

use crate::cluster::{self, GroupScope, LoadOptions, Snapshot};
pub use crate::data::PeekMessage;
use crate::kafka::topic_config_admin::ConfigResource;
use crate::kafka::Client;
use crate::ops::{self, ConfigView, Mutation, Outcome, Preview};

pub trait ClusterBackend: Send + Sync + 'static {
    /// Everything the panes show: brokers, topics with offsets and min ISR, groups with lag.
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>>;
    /// The last `count` messages of a partition, without joining a group or committing.
    fn peek(&self, topic: String, partition: i32, count: usize) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>>;
    /// `ops::prepare`: the preview of a change, or why it cannot be made.
    fn prepare(&self, mutation: Mutation) -> BoxFuture<'_, Result<Preview, String>>;
    /// `ops::apply`: sends exactly the previewed change (or only records it in dry-run mode).
    fn apply(&self, preview: Preview) -> BoxFuture<'_, Result<Outcome, String>>;
    /// A topic's configs with their source, secrets masked.
    fn configs(&self, topic: String) -> BoxFuture<'_, Result<Vec<ConfigView>, String>>;
    /// Records that the user declined a preview (audit log only; nothing is sent).
    fn decline(&self, preview: Preview);
}

/// The real cluster: the control-plane client for snapshots, rdkafka for peeking.
pub struct KafkaBackend {
    pub client: Client,
    pub data: crate::data::DataConfig,
    /// Read-only, dry run and the audit log, exactly as the CLI has them.
    pub ops: ops::Context,
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

    fn peek(&self, topic: String, partition: i32, count: usize) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>> {
        let data = self.data.clone();
        let timeout = self.client.config().request_timeout;
        Box::pin(async move {
            tokio::task::spawn_blocking(move || crate::data::peek(&data, &topic, partition, count, timeout))
                .await
                .map_err(|e| format!("peek task failed: {e}"))?
                .map_err(|e| format!("{e:#}"))
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
}

/// A bound on a whole refresh (many requests), beyond the per-request timeouts.
pub fn refresh_deadline(request_timeout: Duration) -> Duration {
    request_timeout * 3
}
