//! Lag history kept in memory from refresh to refresh: the trend sparkline and the rate at which
//! a group's lag grows or shrinks. (No peer console keeps this; it is what tells "stuck" from
//! "catching up" at a glance.)

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::cluster::Snapshot;

const KEEP: usize = 60;
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

#[derive(Default, Debug)]
pub struct LagHistory {
    groups: HashMap<String, VecDeque<(Instant, i64)>>,
}

impl LagHistory {
    pub fn record(&mut self, snap: &Snapshot, at: Instant) {
        for g in &snap.groups {
            let h = self.groups.entry(g.group_id.clone()).or_default();
            h.push_back((at, g.total_lag));
            while h.len() > KEEP {
                h.pop_front();
            }
        }
        self.groups.retain(|id, _| snap.groups.iter().any(|g| &g.group_id == id));
    }

    /// The last `width` samples as bars scaled between their min and max.
    pub fn sparkline(&self, group: &str, width: usize) -> String {
        let Some(h) = self.groups.get(group) else { return String::new() };
        let samples: Vec<i64> = h.iter().rev().take(width).rev().map(|(_, v)| *v).collect();
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
        let (t0, v0) = h.front()?;
        let (t1, v1) = h.back()?;
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
        Snapshot {
            groups: vec![Group {
                group_id: "g".into(),
                state: "Stable".into(),
                group_type: String::new(),
                protocol_type: "consumer".into(),
                members: vec![],
                offsets: vec![],
                total_lag: lag,
                error: None,
            }],
            ..Default::default()
        }
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
