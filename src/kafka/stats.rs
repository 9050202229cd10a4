//! Requests and bytes a client exchanged, by API and by broker (`--stats`): how many round trips
//! a snapshot costs, so a count that grows with the number of groups or partitions shows up.
//!
//! Every connection of a client (and of the clients made from clones of its [`ClientConfig`])
//! counts into the same [`RequestStats`]; the handshake's ApiVersions and SASL requests count
//! too. Counting is a map update under a mutex per request: negligible next to a round trip.
//!
//! [`ClientConfig`]: super::ClientConfig

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use kafka_protocol::messages::ApiKey;
use serde::Serialize;

tokio::task_local! {
    /// A second counter for the requests one piece of work makes (see [`counting`]).
    static SCOPE: RequestStats;
}

/// Runs `work` counting the requests it makes (on any connection, in this task) into `stats`
/// too, besides the client's own counter: the console counts its refreshes apart from the
/// other requests in flight at the same time.
pub async fn counting<F: std::future::Future>(stats: RequestStats, work: F) -> F::Output {
    SCOPE.scope(stats, work).await
}

/// Counts a request into the client's counter (if any) and the task's [`counting`] scope (if any).
pub(crate) fn record(stats: Option<&RequestStats>, api: ApiKey, addr: &str, sent: usize, received: usize) {
    if let Some(stats) = stats {
        stats.record(api, addr, sent, received);
    }
    let _ = SCOPE.try_with(|scoped| scoped.record(api, addr, sent, received));
}

/// Requests, bytes sent and bytes received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub requests: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl Count {
    fn add(&mut self, other: &Count) {
        self.requests += other.requests;
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
    }
}

/// The shared counter. Clones count into the same totals.
#[derive(Clone, Default)]
pub struct RequestStats {
    counts: Arc<Mutex<HashMap<(i16, String), Count>>>,
}

impl std::fmt::Debug for RequestStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestStats")
    }
}

impl RequestStats {
    /// One request of `api` to `addr`: `sent` bytes out, `received` bytes back (0 when no answer came).
    pub fn record(&self, api: ApiKey, addr: &str, sent: usize, received: usize) {
        let Ok(mut counts) = self.counts.lock() else { return };
        let count = counts.entry((api as i16, addr.to_string())).or_default();
        count.requests += 1;
        count.bytes_sent += sent as u64;
        count.bytes_received += received as u64;
    }

    /// What was counted so far.
    pub fn report(&self) -> StatsReport {
        let counts: Vec<((i16, String), Count)> =
            self.counts.lock().map(|c| c.iter().map(|(k, v)| (k.clone(), *v)).collect()).unwrap_or_default();
        let mut by_api: BTreeMap<i16, Count> = BTreeMap::new();
        let mut by_broker: BTreeMap<String, Count> = BTreeMap::new();
        let mut total = Count::default();
        for ((api, addr), count) in &counts {
            by_api.entry(*api).or_default().add(count);
            by_broker.entry(addr.clone()).or_default().add(count);
            total.add(count);
        }
        StatsReport {
            by_api: by_api.into_iter().map(|(key, count)| (api_name(key), count)).collect(),
            by_broker: by_broker.into_iter().collect(),
            total,
        }
    }

    /// Forgets what was counted (the console counts each refresh on its own).
    pub fn reset(&self) {
        if let Ok(mut c) = self.counts.lock() {
            c.clear();
        }
    }
}

fn api_name(key: i16) -> String {
    ApiKey::try_from(key).map(|k| format!("{k:?}")).unwrap_or_else(|_| format!("api {key}"))
}

/// Counts by API (in API key order) and by broker address, and the total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatsReport {
    pub by_api: Vec<(String, Count)>,
    pub by_broker: Vec<(String, Count)>,
    pub total: Count,
}

impl StatsReport {
    /// Requests of one API (0 if none was sent).
    pub fn requests(&self, api: ApiKey) -> u64 {
        let name = format!("{api:?}");
        self.by_api.iter().find(|(n, _)| *n == name).map_or(0, |(_, c)| c.requests)
    }

    /// The report as JSON: `{"by_api": {"Metadata": {...}}, "by_broker": {...}, "total": {...}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let object = |rows: &[(String, Count)]| {
            serde_json::Value::Object(
                rows.iter().map(|(k, c)| (k.clone(), serde_json::to_value(c).unwrap_or_default())).collect(),
            )
        };
        serde_json::json!({
            "by_api": object(&self.by_api),
            "by_broker": object(&self.by_broker),
            "total": serde_json::to_value(self.total).unwrap_or_default(),
        })
    }

    /// Two aligned tables (by API, by broker) and the total.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let mut table = |title: &str, rows: &[(String, Count)]| {
            if !out.is_empty() {
                out.push('\n');
            }
            let width = rows.iter().map(|(k, _)| k.len()).chain([title.len(), 5]).max().unwrap_or(5);
            out.push_str(&format!("{title:<width$}  {:>8}  {:>12}  {:>12}\n", "REQUESTS", "SENT", "RECEIVED"));
            for (k, c) in rows.iter().chain([("total".to_string(), self.total)].iter()) {
                out.push_str(&format!(
                    "{k:<width$}  {:>8}  {:>12}  {:>12}\n",
                    c.requests,
                    human_bytes(c.bytes_sent),
                    human_bytes(c.bytes_received)
                ));
            }
        };
        table("API", &self.by_api);
        table("BROKER", &self.by_broker);
        out
    }
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_by_api_and_by_broker() {
        let stats = RequestStats::default();
        let shared = stats.clone();
        stats.record(ApiKey::Metadata, "b1:9092", 100, 2000);
        shared.record(ApiKey::Metadata, "b2:9092", 100, 3000);
        stats.record(ApiKey::ListGroups, "b1:9092", 40, 0);
        let r = stats.report();
        assert_eq!(r.requests(ApiKey::Metadata), 2);
        assert_eq!(r.requests(ApiKey::ListGroups), 1);
        assert_eq!(r.requests(ApiKey::OffsetFetch), 0);
        assert_eq!(r.total, Count { requests: 3, bytes_sent: 240, bytes_received: 5000 });
        assert_eq!(
            r.by_broker,
            vec![
                ("b1:9092".to_string(), Count { requests: 2, bytes_sent: 140, bytes_received: 2000 }),
                ("b2:9092".to_string(), Count { requests: 1, bytes_sent: 100, bytes_received: 3000 }),
            ]
        );
        assert_eq!(r.by_api.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Metadata", "ListGroups"]);
        assert_eq!(
            r.to_table(),
            "API         REQUESTS          SENT      RECEIVED\n\
             Metadata           2         200 B       4.9 KiB\n\
             ListGroups         1          40 B           0 B\n\
             total              3         240 B       4.9 KiB\n\
             \n\
             BROKER   REQUESTS          SENT      RECEIVED\n\
             b1:9092         2         140 B       2.0 KiB\n\
             b2:9092         1         100 B       2.9 KiB\n\
             total           3         240 B       4.9 KiB\n"
        );
        assert_eq!(r.to_json()["by_api"]["Metadata"]["requests"], 2);
        stats.reset();
        assert_eq!(shared.report(), StatsReport::default());
    }

    #[tokio::test]
    async fn a_scope_counts_only_its_own_work() {
        let client = RequestStats::default();
        let scoped = RequestStats::default();
        record(Some(&client), ApiKey::Metadata, "b1:9092", 10, 20);
        counting(scoped.clone(), async { record(Some(&client), ApiKey::ListGroups, "b1:9092", 10, 20) }).await;
        assert_eq!(client.report().total.requests, 2);
        assert_eq!(scoped.report().requests(ApiKey::ListGroups), 1);
        assert_eq!(scoped.report().total.requests, 1);
    }
}
