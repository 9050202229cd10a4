//! Lag history kept in memory from refresh to refresh: the trend sparkline and the rate at which
//! a group's lag grows or shrinks. (No peer console keeps this; it is what tells "stuck" from
//! "catching up" at a glance.)

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::cluster::Snapshot;

/// Samples kept per group: 5 minutes at the default 5 s refresh.
pub const KEEP: usize = 60;
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The lag of every group at each of the last [`KEEP`] refreshes. Every group in a snapshot gets
/// a sample at that refresh and groups that leave the snapshot are forgotten, so a group's
/// samples are the last refreshes in a row: the times are kept once, not per group, and the
/// memory is bounded by groups × [`KEEP`] lags (8 bytes each; 10k groups ≈ 5 MiB).
#[derive(Default, Debug)]
pub struct LagHistory {
    /// When each kept refresh was recorded, oldest first.
    times: VecDeque<Instant>,
    /// Each group's lag at its last refreshes, oldest first (the last one is `times`' last).
    groups: HashMap<String, VecDeque<i64>>,
}

impl LagHistory {
    /// Records the lag of the snapshot's groups at `at`; forgets the groups it does not have.
    pub fn record(&mut self, snap: &Snapshot, at: Instant) {
        if self.times.len() == KEEP {
            self.times.pop_front();
        }
        self.times.push_back(at);
        let mut old = std::mem::take(&mut self.groups);
        self.groups.reserve(snap.groups.len());
        for g in &snap.groups {
            let (id, mut lags) =
                old.remove_entry(&g.group_id).unwrap_or_else(|| (g.group_id.clone(), VecDeque::with_capacity(KEEP)));
            if lags.len() == KEEP {
                lags.pop_front();
            }
            lags.push_back(g.total_lag);
            self.groups.insert(id, lags);
        }
    }

    /// Lag samples kept, all groups together, and refresh times kept (the bound's test reads it).
    pub fn kept(&self) -> (usize, usize) {
        (self.groups.values().map(VecDeque::len).sum(), self.times.len())
    }

    /// The last `width` samples as bars scaled between their min and max.
    pub fn sparkline(&self, group: &str, width: usize) -> String {
        let Some(h) = self.groups.get(group) else { return String::new() };
        let samples: Vec<i64> = h.iter().rev().take(width).rev().copied().collect();
        let (lo, hi) = samples.iter().fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        samples
            .iter()
            .map(|v| {
                if hi == lo {
                    if hi == 0 {
                        BARS[0]
                    } else {
                        BARS[3]
                    }
                } else {
                    BARS[(((v - lo) as f64 / (hi - lo) as f64) * 7.0).round() as usize]
                }
            })
            .collect()
    }

    /// Messages per second the lag changed by over the kept window (positive: falling behind).
    pub fn rate(&self, group: &str) -> Option<f64> {
        let h = self.groups.get(group)?;
        let (v0, v1) = (h.front()?, h.back()?);
        let t0 = self.times.get(self.times.len().checked_sub(h.len())?)?;
        let t1 = self.times.back()?;
        let secs = t1.duration_since(*t0).as_secs_f64();
        (secs > 0.0).then(|| (v1 - v0) as f64 / secs)
    }
}

/// "+12.5/s", "-3/s", "0/s".
pub fn format_rate(rate: Option<f64>) -> String {
    match rate {
        None => "-".into(),
        Some(r) if r.abs() < 0.05 => "0/s".into(),
        Some(r) if r.abs() >= 100.0 => format!("{:+.0}/s", r),
        Some(r) => format!("{:+.1}/s", r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Group;
    use std::time::Duration;

    fn snap(lag: i64) -> Snapshot {
        snap_of(&[("g", lag)])
    }

    fn snap_of(groups: &[(&str, i64)]) -> Snapshot {
        Snapshot {
            groups: groups
                .iter()
                .map(|(id, lag)| Group {
                    group_id: id.to_string(),
                    state: "Stable".into(),
                    group_type: String::new(),
                    protocol_type: "consumer".into(),
                    members: vec![],
                    offsets: vec![],
                    total_lag: *lag,
                    error: None,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_history_is_bounded_by_groups_times_the_samples_kept() {
        let mut h = LagHistory::default();
        let t0 = Instant::now();
        let ids: Vec<String> = (0..100).map(|i| format!("g{i}")).collect();
        // a day of 5 s refreshes; the second half of the groups goes away after the first hour
        for n in 0..17_280u64 {
            let live = if n < 720 { ids.len() } else { ids.len() / 2 };
            let groups: Vec<(&str, i64)> = ids[..live].iter().map(|id| (id.as_str(), n as i64)).collect();
            h.record(&snap_of(&groups), t0 + Duration::from_secs(5 * n));
        }
        assert_eq!(h.kept(), (50 * KEEP, KEEP));
        assert_eq!(h.groups.len(), 50);
        assert!(h.groups.values().all(|lags| lags.capacity() <= KEEP + 1), "no slack kept per group");
        assert_eq!(h.rate("g0"), Some(0.2), "the rate spans the kept window: 59 samples over 295 s");
        assert_eq!(h.rate("g99"), None);
    }

    #[test]
    fn a_group_that_appears_later_has_its_own_window() {
        let mut h = LagHistory::default();
        let t0 = Instant::now();
        h.record(&snap_of(&[("a", 0)]), t0);
        h.record(&snap_of(&[("a", 10), ("b", 100)]), t0 + Duration::from_secs(5));
        h.record(&snap_of(&[("a", 20), ("b", 50)]), t0 + Duration::from_secs(10));
        assert_eq!(h.rate("a"), Some(2.0));
        assert_eq!(h.rate("b"), Some(-10.0), "b's window starts when it appeared");
        assert_eq!(h.sparkline("b", 5), "█▁");
    }

    #[test]
    fn trend_and_rate() {
        let mut h = LagHistory::default();
        let t0 = Instant::now();
        for (i, lag) in [0, 10, 20, 40, 70].iter().enumerate() {
            h.record(&snap(*lag), t0 + Duration::from_secs(5 * i as u64));
        }
        assert_eq!(h.sparkline("g", 10), "▁▂▃▅█");
        assert_eq!(h.sparkline("g", 2), "▁█");
        assert_eq!(h.rate("g"), Some(3.5));
        assert_eq!(format_rate(h.rate("g")), "+3.5/s");
        assert_eq!(h.sparkline("other", 5), "");
        h.record(&Snapshot::default(), t0 + Duration::from_secs(30));
        assert_eq!(h.rate("g"), None, "groups that disappear are forgotten");
    }
}
