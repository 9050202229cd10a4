//! What the console needs from a cluster, as a trait: the real implementation talks to Kafka,
//! the fake (tests only) returns fixed data so panes can be snapshot-tested without I/O.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;

use crate::cluster::{self, GroupScope, LoadOptions, Snapshot};
use crate::kafka::Client;

/// One message read by peek.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeekMessage {
    pub partition: i32,
    pub offset: i64,
    /// Milliseconds since the epoch, if the message has a timestamp.
    pub timestamp_ms: Option<i64>,
    pub key: Option<String>,
    pub value: Option<String>,
    pub headers: Vec<(String, String)>,
}

pub trait ClusterBackend: Send + Sync + 'static {
    /// Everything the panes show: brokers, topics with offsets and min ISR, groups with lag.
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>>;
    /// The last `count` messages of a partition, without joining a group or committing.
    fn peek(&self, topic: String, partition: i32, count: usize) -> BoxFuture<'_, Result<Vec<PeekMessage>, String>>;
}

/// The real cluster: the control-plane client for snapshots, rdkafka for peeking.
pub struct KafkaBackend {
    pub client: Client,
    pub data: crate::data::DataConfig,
}

impl ClusterBackend for KafkaBackend {
    fn snapshot(&self) -> BoxFuture<'_, Result<Snapshot, String>> {
        Box::pin(async move {
            let opts = LoadOptions { offsets: true, configs: true, groups: GroupScope::All, reassignments: true, ..Default::default() };
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
}

/// A bound on a whole refresh (many requests), beyond the per-request timeouts.
pub fn refresh_deadline(request_timeout: Duration) -> Duration {
    request_timeout * 3
}
