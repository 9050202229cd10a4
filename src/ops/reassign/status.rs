//! Progress of the reassignments in progress: per moving partition the target, the replicas
//! being added and removed, the ISR, the bytes the added replicas hold against the partition's
//! size (DescribeLogDirs), the copy rate between two samples and the time left at that rate.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::record::Records;
use super::state::{partition_size, Live};
use crate::kafka::Client;
use crate::ops::{Context, OpsError};
use crate::plan::execution::Move;
use crate::plan::progress::{self, Copied};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionStatus {
    pub topic: String,
    pub partition: i32,
    /// The replica list now (target and the replicas still being removed).
    pub replicas: Vec<i32>,
    pub target: Vec<i32>,
    pub adding: Vec<i32>,
    pub removing: Vec<i32>,
    pub isr: Vec<i32>,
    pub leader: Option<i32>,
    /// The partition's size: its leader's replica (else the largest replica not being added).
    pub size: Option<u64>,
    #[serde(flatten)]
    pub copied: Copied,
    /// Bytes per second the added replicas grew between the last two samples.
    pub rate: Option<u64>,
    pub eta_secs: Option<u64>,
    /// The kdeck execution it belongs to.
    pub execution: Option<String>,
    /// Why it may not progress: an added replica's broker is down, sizes unavailable…
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub partitions: usize,
    #[serde(flatten)]
    pub copied: Copied,
    pub rate: Option<u64>,
    pub eta_secs: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatusReport {
    /// Milliseconds since the epoch when the sample was taken.
    pub sampled_at_ms: u64,
    pub partitions: Vec<PartitionStatus>,
    pub total: Totals,
    /// Brokers that hold or receive a moving replica and are not in the metadata.
    pub brokers_down: Vec<i32>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// One sample of the moves in progress (all of them, or only `only`). Rates are empty: they
/// need two samples ([`with_rates`]).
pub async fn sample(
    client: &Client,
    live: &Live,
    only: Option<&BTreeSet<(String, i32)>>,
    executions: &BTreeMap<(String, i32), String>,
) -> StatusReport {
    let ongoing: Vec<_> = live
        .ongoing
        .iter()
        .filter(|o| only.is_none_or(|only| only.contains(&(o.topic.clone(), o.partition))))
        .collect();
    let alive = live.alive();
    let mut ask: BTreeSet<i32> = BTreeSet::new();
    for o in &ongoing {
        ask.extend(o.replicas.iter().copied().filter(|b| alive.contains(b)));
    }
    let ask: Vec<i32> = ask.into_iter().collect();
    // (topic, partition) → broker → (size, future size)
    let mut sizes: BTreeMap<(String, i32), BTreeMap<i32, u64>> = BTreeMap::new();
    let mut unavailable: BTreeMap<i32, String> = BTreeMap::new();
    if !ask.is_empty() {
        for (broker, answer) in client.describe_log_dirs(&ask).await {
            match answer {
                Ok(dirs) => {
                    for d in dirs {
                        if let Some(e) = d.error {
                            unavailable.insert(broker, format!("log dir {}: {e}", d.path));
                        }
                        for r in d.replicas {
                            // a future log (a copy moving between directories) counts as far as it got
                            let e = sizes.entry((r.topic, r.partition)).or_default().entry(broker).or_insert(0);
                            *e = (*e).max(r.size.max(0) as u64);
                        }
                    }
                }
                Err(e) => {
                    unavailable.insert(broker, e.to_string());
                }
            }
        }
    }
    let mut report = StatusReport { sampled_at_ms: now_ms(), ..Default::default() };
    let mut down = BTreeSet::new();
    for o in ongoing {
        let m = Move::in_flight(&o.topic, o.partition, &o.replicas, &o.adding, &o.removing);
        let p = live.snapshot.topic(&o.topic).and_then(|t| t.partitions.iter().find(|p| p.partition == o.partition));
        let reported = sizes.get(&(o.topic.clone(), o.partition));
        let settled: Vec<i32> = m.current.clone();
        let size = partition_size(p.and_then(|p| p.leader), &settled, reported);
        let adding_sizes: Vec<Option<u64>> = o
            .adding
            .iter()
            .map(|b| match reported.and_then(|r| r.get(b)) {
                Some(s) => Some(*s),
                // a live broker that answered and lists nothing has not started the copy
                None if alive.contains(b) && !unavailable.contains_key(b) => Some(0),
                None => None,
            })
            .collect();
        let mut problems = Vec::new();
        for b in &o.replicas {
            if !alive.contains(b) {
                down.insert(*b);
                let role = if o.adding.contains(b) { "receives a new replica" } else { "holds a replica" };
                problems.push(format!("broker {b} is down ({role}): the move waits for it"));
            } else if let Some(e) = unavailable.get(b) {
                problems.push(format!("broker {b}: sizes unavailable ({e})"));
            }
        }
        report.partitions.push(PartitionStatus {
            topic: o.topic.clone(),
            partition: o.partition,
            replicas: o.replicas.clone(),
            target: m.target.clone(),
            adding: o.adding.clone(),
            removing: o.removing.clone(),
            isr: p.map(|p| p.isr.clone()).unwrap_or_default(),
            leader: p.and_then(|p| p.leader),
            size,
            copied: progress::copied(size, &adding_sizes),
            rate: None,
            eta_secs: None,
            execution: executions.get(&(o.topic.clone(), o.partition)).cloned(),
            problems,
        });
    }
    report.brokers_down = down.into_iter().collect();
    report.total = Totals {
        partitions: report.partitions.len(),
        copied: report.partitions.iter().fold(Copied { copied: 0, total: Some(0) }, |a, p| a.add(p.copied)),
        rate: None,
        eta_secs: None,
    };
    report
}

/// `now` with rates and ETAs from the bytes copied since `before` (per partition and in all;
/// `smoothed` is the previous total rate, if any, to steady the ETA over many samples).
pub fn with_rates(before: &StatusReport, mut now: StatusReport, smoothed: Option<f64>) -> (StatusReport, Option<f64>) {
    let prev: BTreeMap<(&str, i32), u64> =
        before.partitions.iter().map(|p| ((p.topic.as_str(), p.partition), p.copied.copied)).collect();
    let mut sum_before = 0;
    let mut sum_now = 0;
    for p in &mut now.partitions {
        let Some(b) = prev.get(&(p.topic.as_str(), p.partition)) else { continue };
        sum_before += b;
        sum_now += p.copied.copied;
        let r = progress::rate((before.sampled_at_ms, *b), (now.sampled_at_ms, p.copied.copied));
        p.rate = r.map(|r| r.round() as u64);
        p.eta_secs = p.copied.remaining().and_then(|rem| progress::eta_secs(rem, r));
    }
    let total_rate = progress::rate((before.sampled_at_ms, sum_before), (now.sampled_at_ms, sum_now))
        .map(|r| progress::smooth(smoothed, r, 0.3));
    now.total.rate = total_rate.map(|r| r.round() as u64);
    now.total.eta_secs = now.total.copied.remaining().and_then(|rem| progress::eta_secs(rem, total_rate));
    (now, total_rate.or(smoothed))
}

/// Which kdeck execution each partition belongs to, from the records of unfinished executions.
pub fn executions_by_partition(ctx: &Context, cluster_id: Option<&str>) -> BTreeMap<(String, i32), String> {
    let Ok(records) = Records::for_context(ctx) else { return BTreeMap::new() };
    records
        .unfinished(&ctx.cluster, cluster_id)
        .into_iter()
        .flat_map(|r| r.moves().map(|m| (m.key(), r.id.clone())).collect::<Vec<_>>())
        .collect()
}

/// The reassignments in progress, with rates measured over `interval` (none: one sample).
pub async fn status(client: &Client, ctx: &Context, interval: Option<Duration>) -> Result<StatusReport, OpsError> {
    let live = Live::load(client, None).await?;
    let executions = executions_by_partition(ctx, live.snapshot.cluster_id.as_deref());
    let first = sample(client, &live, None, &executions).await;
    let Some(interval) = interval.filter(|_| !first.partitions.is_empty()) else { return Ok(first) };
    tokio::time::sleep(interval).await;
    let live = Live::load(client, None).await?;
    let second = sample(client, &live, None, &executions).await;
    Ok(with_rates(&first, second, None).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(p: i32, copied: u64, total: u64) -> PartitionStatus {
        PartitionStatus {
            topic: "t".into(),
            partition: p,
            replicas: vec![2, 1],
            target: vec![2],
            adding: vec![2],
            removing: vec![1],
            isr: vec![1],
            leader: Some(1),
            size: Some(total),
            copied: Copied { copied, total: Some(total) },
            rate: None,
            eta_secs: None,
            execution: None,
            problems: vec![],
        }
    }

    fn report(at: u64, parts: Vec<PartitionStatus>) -> StatusReport {
        let copied = parts.iter().fold(Copied { copied: 0, total: Some(0) }, |a, p| a.add(p.copied));
        StatusReport {
            sampled_at_ms: at,
            total: Totals { partitions: parts.len(), copied, rate: None, eta_secs: None },
            partitions: parts,
            brokers_down: vec![],
        }
    }

    #[test]
    fn rates_and_etas_from_two_samples() {
        let before = report(10_000, vec![part(0, 1_000, 10_000), part(1, 0, 4_000)]);
        // two seconds later: p0 gained 2000 B, p1 2000 B; p2 is new (no rate yet)
        let now = report(12_000, vec![part(0, 3_000, 10_000), part(1, 2_000, 4_000), part(2, 0, 100)]);
        let (r, smoothed) = with_rates(&before, now, None);
        assert_eq!((r.partitions[0].rate, r.partitions[0].eta_secs), (Some(1000), Some(7)));
        assert_eq!((r.partitions[1].rate, r.partitions[1].eta_secs), (Some(1000), Some(2)));
        assert_eq!((r.partitions[2].rate, r.partitions[2].eta_secs), (None, None));
        // in all: 4000 B in 2 s; 9100 B left
        assert_eq!((r.total.rate, r.total.eta_secs), (Some(2000), Some(5)));
        assert_eq!(smoothed, Some(2000.0));
        // a stalled sample does not drop the smoothed rate to zero at once
        let later = report(14_000, vec![part(0, 3_000, 10_000), part(1, 2_000, 4_000), part(2, 0, 100)]);
        let (r2, s2) = with_rates(&r, later, smoothed);
        assert_eq!((r2.total.rate, s2), (Some(1400), Some(1400.0)));
        assert_eq!(r2.partitions[0].eta_secs, None, "no progress in this sample: no ETA for the partition");
    }
}
