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
    /// Bytes per second the added replicas grow: on average since the move was submitted, for
    /// kdeck's executions (a throttled copy comes in bursts), else between two samples.
    pub rate: Option<u64>,
    pub eta_secs: Option<u64>,
    /// When kdeck submitted the move (ms since the epoch), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at_ms: Option<u64>,
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

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Which kdeck execution a moving partition belongs to, and when its batch was submitted.
pub type Executions = BTreeMap<(String, i32), (String, Option<u64>)>;

/// One sample of the moves in progress (all of them, or only `only`). Rates are known for
/// kdeck's executions (average since submission); others need a second sample ([`with_rates`]).
pub async fn sample(
    client: &Client,
    live: &Live,
    only: Option<&BTreeSet<(String, i32)>>,
    executions: &Executions,
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
    let mut sizes: Sizes = BTreeMap::new();
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
    report(live, only, executions, &sizes, &unavailable, now_ms())
}

/// Replica sizes as DescribeLogDirs reports them: (topic, partition) → broker → bytes.
pub type Sizes = BTreeMap<(String, i32), BTreeMap<i32, u64>>;

/// The report from what was read: the moves in progress (all, or only `only`), the replica sizes
/// the brokers reported, the brokers that could not say (with why), at `sampled_at_ms`.
pub fn report(
    live: &Live,
    only: Option<&BTreeSet<(String, i32)>>,
    executions: &Executions,
    sizes: &Sizes,
    unavailable: &BTreeMap<i32, String>,
    sampled_at_ms: u64,
) -> StatusReport {
    let alive = live.alive();
    let ongoing =
        live.ongoing.iter().filter(|o| only.is_none_or(|only| only.contains(&(o.topic.clone(), o.partition))));
    let mut report = StatusReport { sampled_at_ms, ..Default::default() };
    let mut down = BTreeSet::new();
    for o in ongoing {
        let m = Move::in_flight(&o.topic, o.partition, &o.replicas, &o.adding, &o.removing);
        let p = live.snapshot.topic(&o.topic).and_then(|t| t.partitions.iter().find(|p| p.partition == o.partition));
        let reported = sizes.get(&(o.topic.clone(), o.partition));
        let size = partition_size(p.and_then(|p| p.leader), &m.current, reported);
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
        let copied = progress::copied(size, &adding_sizes);
        let (execution, submitted_at_ms) = match executions.get(&(o.topic.clone(), o.partition)) {
            Some((id, at)) => (Some(id.clone()), *at),
            None => (None, None),
        };
        let rate = submitted_at_ms.and_then(|at| progress::rate((at, 0), (report.sampled_at_ms, copied.copied)));
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
            copied,
            rate: rate.map(|r| r.round() as u64),
            eta_secs: copied.remaining().and_then(|rem| progress::eta_secs(rem, rate)),
            submitted_at_ms,
            execution,
            problems,
        });
    }
    report.brokers_down = down.into_iter().collect();
    report.total = totals(&report.partitions);
    report
}

/// The sum over the partitions; the total rate counts the partitions whose rate is known.
fn totals(partitions: &[PartitionStatus]) -> Totals {
    let copied = partitions.iter().fold(Copied { copied: 0, total: Some(0) }, |a, p| a + p.copied);
    let known: Vec<u64> = partitions.iter().filter_map(|p| p.rate).collect();
    let rate = (!known.is_empty()).then(|| known.iter().sum::<u64>());
    Totals {
        partitions: partitions.len(),
        copied,
        rate,
        eta_secs: copied.remaining().and_then(|rem| progress::eta_secs(rem, rate.map(|r| r as f64))),
    }
}

/// `now` with rates and ETAs, from the bytes copied since `before`, for the partitions whose
/// rate is not known yet (moves kdeck did not submit).
pub fn with_rates(before: &StatusReport, mut now: StatusReport) -> StatusReport {
    let prev: BTreeMap<(&str, i32), u64> =
        before.partitions.iter().map(|p| ((p.topic.as_str(), p.partition), p.copied.copied)).collect();
    for p in now.partitions.iter_mut().filter(|p| p.rate.is_none()) {
        let Some(b) = prev.get(&(p.topic.as_str(), p.partition)) else { continue };
        let r = progress::rate((before.sampled_at_ms, *b), (now.sampled_at_ms, p.copied.copied));
        p.rate = r.map(|r| r.round() as u64);
        p.eta_secs = p.copied.remaining().and_then(|rem| progress::eta_secs(rem, r));
    }
    now.total = totals(&now.partitions);
    now
}

/// Which kdeck execution each partition belongs to, from the records of unfinished executions.
pub fn executions_by_partition(ctx: &Context, cluster_id: Option<&str>) -> Executions {
    let Ok(records) = Records::for_context(ctx) else { return BTreeMap::new() };
    records
        .unfinished(&ctx.cluster, cluster_id)
        .into_iter()
        .flat_map(|r| {
            r.moves().map(|m| (m.key(), (r.id.clone(), r.submitted_at(&m.topic, m.partition)))).collect::<Vec<_>>()
        })
        .collect()
}

/// The reassignments in progress; the rates of moves kdeck did not submit are measured over
/// `interval` (none: left unknown).
pub async fn status(client: &Client, ctx: &Context, interval: Option<Duration>) -> Result<StatusReport, OpsError> {
    let live = Live::load(client, None).await?;
    let executions = executions_by_partition(ctx, live.snapshot.cluster_id.as_deref());
    let first = sample(client, &live, None, &executions).await;
    let Some(interval) = interval.filter(|_| first.partitions.iter().any(|p| p.rate.is_none())) else {
        return Ok(first);
    };
    tokio::time::sleep(interval).await;
    let live = Live::load(client, None).await?;
    let second = sample(client, &live, None, &executions).await;
    Ok(with_rates(&first, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(p: i32, copied: u64, total: u64, submitted_at_ms: Option<u64>) -> PartitionStatus {
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
            submitted_at_ms,
            execution: None,
            problems: vec![],
        }
    }

    fn report(at: u64, parts: Vec<PartitionStatus>) -> StatusReport {
        StatusReport { sampled_at_ms: at, total: totals(&parts), partitions: parts, brokers_down: vec![] }
    }

    #[test]
    fn rates_and_etas_from_two_samples_where_the_submission_time_is_unknown() {
        let before = report(10_000, vec![part(0, 1_000, 10_000, None), part(1, 0, 4_000, None)]);
        // two seconds later: p0 gained 2000 B, p1 2000 B; p2 is new (no rate yet)
        let mut known = part(3, 5_000, 6_000, Some(7_000));
        known.rate = Some(1_000);
        known.eta_secs = Some(1);
        let now = report(
            12_000,
            vec![part(0, 3_000, 10_000, None), part(1, 2_000, 4_000, None), part(2, 0, 100, None), known.clone()],
        );
        let r = with_rates(&before, now);
        assert_eq!((r.partitions[0].rate, r.partitions[0].eta_secs), (Some(1000), Some(7)));
        assert_eq!((r.partitions[1].rate, r.partitions[1].eta_secs), (Some(1000), Some(2)));
        assert_eq!((r.partitions[2].rate, r.partitions[2].eta_secs), (None, None));
        assert_eq!(r.partitions[3], known, "a rate since submission is kept");
        // in all: 3000 B/s over the partitions with a rate; 10100 B left
        assert_eq!(r.total.copied, Copied { copied: 10_000, total: Some(20_100) });
        assert_eq!((r.total.rate, r.total.eta_secs), (Some(3000), Some(4)));
    }
}
