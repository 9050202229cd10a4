//! Progress of a reassignment, the pure part: bytes copied by the replicas being added against
//! what they need, the copy rate between two samples and the time left at that rate.

use serde::Serialize;

/// How far one moving partition is: every added replica has to hold what the partition holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Copied {
    /// Bytes the added replicas hold so far (each counted up to the partition's size).
    pub copied: u64,
    /// Bytes they need in all (the partition's size times the added replicas); None when the
    /// size or some added replica's size is unknown.
    pub total: Option<u64>,
}

/// `size`: the partition's size (its leader's replica); `adding`: the size each added replica
/// has reached (None: its broker did not say, or holds nothing yet and is down).
pub fn copied(size: Option<u64>, adding: &[Option<u64>]) -> Copied {
    let copied = adding.iter().map(|a| match (a, size) {
        (Some(a), Some(s)) => (*a).min(s),
        (Some(a), None) => *a,
        (None, _) => 0,
    });
    Copied {
        copied: copied.sum(),
        total: size.filter(|_| adding.iter().all(Option::is_some)).map(|s| s * adding.len() as u64),
    }
}

impl std::ops::Add for Copied {
    type Output = Copied;

    /// Totals add up only while every part's total is known.
    fn add(self, other: Copied) -> Copied {
        Copied { copied: self.copied + other.copied, total: self.total.zip(other.total).map(|(a, b)| a + b) }
    }
}

impl Copied {
    /// Bytes still to copy, when the total is known.
    pub fn remaining(&self) -> Option<u64> {
        self.total.map(|t| t.saturating_sub(self.copied))
    }

    /// 0.0 ..= 1.0; a partition with nothing to copy is complete.
    pub fn fraction(&self) -> Option<f64> {
        self.total.map(|t| if t == 0 { 1.0 } else { (self.copied as f64 / t as f64).min(1.0) })
    }
}

/// Bytes per second between two samples of the bytes copied (`at_ms` since any fixed origin).
/// Copies only grow; a smaller second sample (a replica restarted from scratch, a segment
/// deleted by retention) counts as no progress. None when no time passed.
pub fn rate(before: (u64, u64), after: (u64, u64)) -> Option<f64> {
    let ((b_ms, b_bytes), (a_ms, a_bytes)) = (before, after);
    if a_ms <= b_ms {
        return None;
    }
    Some(a_bytes.saturating_sub(b_bytes) as f64 * 1000.0 / (a_ms - b_ms) as f64)
}

/// Seconds until `remaining` bytes are copied at `rate`; None while nothing moves.
pub fn eta_secs(remaining: u64, rate: Option<f64>) -> Option<u64> {
    match rate {
        _ if remaining == 0 => Some(0),
        Some(r) if r > 0.0 => Some((remaining as f64 / r).ceil() as u64),
        _ => None,
    }
}

/// Bytes for people: `512 B`, `1.2 KiB`, `3.0 GiB` (powers of 1024, one decimal).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    // 1023.96 KiB prints as 1.0 MiB, not 1024.0 KiB
    while v >= 1023.95 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// A transfer rate: `1.5 MiB/s`.
pub fn rate_text(r: u64) -> String {
    format!("{}/s", bytes(r))
}

/// `45s`, `12m05s`, `3h20m`.
pub fn duration_text(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_counts_each_added_replica_up_to_the_size() {
        assert_eq!(copied(Some(100), &[Some(40), Some(120)]), Copied { copied: 140, total: Some(200) });
        assert_eq!(copied(Some(100), &[Some(40), None]), Copied { copied: 40, total: None });
        assert_eq!(copied(None, &[Some(40)]), Copied { copied: 40, total: None });
        let c = copied(Some(0), &[Some(0)]);
        assert_eq!((c.fraction(), c.remaining()), (Some(1.0), Some(0)));
        let sum = copied(Some(100), &[Some(25)]) + copied(Some(300), &[Some(75)]);
        assert_eq!(sum, Copied { copied: 100, total: Some(400) });
        assert_eq!((sum.fraction(), sum.remaining()), (Some(0.25), Some(300)));
        assert_eq!((sum + copied(None, &[Some(1)])).total, None);
    }

    #[test]
    fn rate_and_eta() {
        assert_eq!(rate((1000, 0), (3000, 2_000_000)), Some(1_000_000.0));
        assert_eq!(rate((1000, 500), (2000, 100)), Some(0.0), "a shrinking copy is no progress");
        assert_eq!(rate((1000, 0), (1000, 5)), None);
        assert_eq!(eta_secs(10_000_000, Some(1_000_000.0)), Some(10));
        assert_eq!(eta_secs(10_000_001, Some(1_000_000.0)), Some(11));
        assert_eq!(eta_secs(5, Some(0.0)), None);
        assert_eq!(eta_secs(5, None), None);
        assert_eq!(eta_secs(0, None), Some(0));
    }

    #[test]
    fn human_bytes() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1_234_567, "1.2 MiB"),
            (1_048_524, "1023.9 KiB"),
            (1_048_525, "1.0 MiB"),
            (5 << 30, "5.0 GiB"),
            (u64::MAX, "16.0 EiB"),
        ];
        for (n, want) in cases {
            assert_eq!(bytes(n), want, "{n}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_text(45), "45s");
        assert_eq!(duration_text(725), "12m05s");
        assert_eq!(duration_text(12_000), "3h20m");
    }
}
