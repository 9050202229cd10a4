//! What the console's own work costs, for `--stats` (printed when the console ends, once the
//! terminal is restored): the time to the first screen and to the first screen with data, each
//! refresh from the request to the snapshot on screen, the draw time of each frame, and the
//! process's memory. The event loop ([`super::Pump`]) records; nothing here reads the network.

use std::time::{Duration, Instant};

static PROCESS_STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Marks the start of the process (main's first line), so the time to the first screen counts
/// the connection made before the console takes the screen.
pub fn mark_process_start() {
    PROCESS_STARTED.get_or_init(Instant::now);
}

/// When the process started, as [`mark_process_start`] recorded it (else now).
pub fn process_started() -> Instant {
    *PROCESS_STARTED.get_or_init(Instant::now)
}

/// Durations kept for medians: the most recent ones, so a long session stays bounded.
const KEEP: usize = 4096;

/// A bounded series of durations: count, max and total of all, median of the last [`KEEP`].
#[derive(Clone, Debug, Default)]
pub struct Series {
    recent: std::collections::VecDeque<Duration>,
    pub count: u64,
    pub total: Duration,
    pub min: Option<Duration>,
    pub max: Duration,
}

impl Series {
    pub fn push(&mut self, d: Duration) {
        if self.recent.len() == KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back(d);
        self.count += 1;
        self.total += d;
        self.min = Some(self.min.map_or(d, |m| m.min(d)));
        self.max = self.max.max(d);
    }

    /// The median of the kept durations (None: none yet).
    pub fn median(&self) -> Option<Duration> {
        let mut v: Vec<Duration> = self.recent.iter().copied().collect();
        v.sort();
        v.get(v.len() / 2).copied()
    }

    fn summary(&self) -> String {
        match self.median() {
            None => "none".into(),
            Some(m) => format!(
                "{} × median {} min {} max {}",
                self.count,
                ms(m),
                self.min.map(ms).unwrap_or_default(),
                ms(self.max)
            ),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "count": self.count,
            "median_ms": self.median().map(|m| m.as_secs_f64() * 1e3),
            "min_ms": self.min.map(|m| m.as_secs_f64() * 1e3),
            "max_ms": self.max.as_secs_f64() * 1e3,
            "total_ms": self.total.as_secs_f64() * 1e3,
        })
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The console's own costs, recorded by the event loop.
#[derive(Clone, Debug)]
pub struct Perf {
    /// When the process (or the console, if the process did not say) started.
    pub started: Instant,
    pub first_frame: Option<Duration>,
    /// The first frame that showed a snapshot.
    pub first_data_frame: Option<Duration>,
    /// Request sent → snapshot on screen (the worker's time, applying it, drawing it).
    pub refresh: Series,
    /// The worker's part of it: the requests and building the snapshot.
    pub refresh_load: Series,
    /// The UI's part of it: taking the snapshot into the view (derived counts, lag history).
    pub refresh_apply: Series,
    /// `Terminal::draw` of every frame.
    pub draw: Series,
    /// A snapshot taken in but not drawn yet: when it arrived and how long the worker took.
    arrived: Option<(Instant, Duration)>,
}

impl Perf {
    pub fn new(started: Instant) -> Perf {
        Perf {
            started,
            first_frame: None,
            first_data_frame: None,
            refresh: Series::default(),
            refresh_load: Series::default(),
            refresh_apply: Series::default(),
            draw: Series::default(),
            arrived: None,
        }
    }

    /// A snapshot the worker took `took` to load arrived at `at` and was taken in by `applied`.
    pub fn snapshot(&mut self, took: Duration, at: Instant, applied: Instant) {
        self.refresh_load.push(took);
        self.refresh_apply.push(applied.saturating_duration_since(at));
        self.arrived = Some((at, took));
    }

    /// A frame was drawn from `start` to `end`.
    pub fn frame(&mut self, start: Instant, end: Instant) {
        self.draw.push(end.saturating_duration_since(start));
        let since_start = end.saturating_duration_since(self.started);
        self.first_frame.get_or_insert(since_start);
        if let Some((at, took)) = self.arrived.take() {
            self.first_data_frame.get_or_insert(since_start);
            self.refresh.push(took + end.saturating_duration_since(at));
        }
    }

    /// The summary `--stats` prints, with the process's memory now.
    pub fn to_table(&self) -> String {
        let opt = |d: Option<Duration>| d.map(ms).unwrap_or_else(|| "never".into());
        let mem = Memory::now();
        format!(
            "console (--stats):\n\
             first frame            {}\n\
             first frame with data  {}\n\
             refresh (request → on screen)  {}\n\
             - loading (worker)     {}\n\
             - taking it in (UI)    {}\n\
             frame draw             {}\n\
             memory                 RSS {} peak {}\n",
            opt(self.first_frame),
            opt(self.first_data_frame),
            self.refresh.summary(),
            self.refresh_load.summary(),
            self.refresh_apply.summary(),
            self.draw.summary(),
            mem.rss_kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "?".into()),
            mem.peak_kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "?".into()),
        )
    }

    pub fn to_json(&self) -> serde_json::Value {
        let opt = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1e3);
        let mem = Memory::now();
        serde_json::json!({
            "first_frame_ms": opt(self.first_frame),
            "first_data_frame_ms": opt(self.first_data_frame),
            "refresh": self.refresh.json(),
            "refresh_load": self.refresh_load.json(),
            "refresh_apply": self.refresh_apply.json(),
            "draw": self.draw.json(),
            "rss_kib": mem.rss_kib,
            "peak_rss_kib": mem.peak_kib,
        })
    }
}

/// The process's resident memory now and at its peak (Linux: /proc/self/status; else unknown).
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub rss_kib: Option<u64>,
    pub peak_kib: Option<u64>,
}

impl Memory {
    pub fn now() -> Memory {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        };
        Memory { rss_kib: field("VmRSS:"), peak_kib: field("VmHWM:") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_counts_from_its_request_to_the_frame_that_shows_it() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut p = Perf::new(t0);
        p.frame(t0 + ms(10), t0 + ms(12));
        assert_eq!((p.first_frame, p.first_data_frame), (Some(ms(12)), None));
        // the worker took 300 ms; it arrived at 400, was taken in by 405 and drawn by 420
        p.snapshot(ms(300), t0 + ms(400), t0 + ms(405));
        p.frame(t0 + ms(410), t0 + ms(420));
        assert_eq!(p.first_data_frame, Some(ms(420)));
        assert_eq!(p.refresh.median(), Some(ms(320)));
        assert_eq!(p.refresh_apply.median(), Some(ms(5)));
        p.frame(t0 + ms(500), t0 + ms(501));
        assert_eq!(p.refresh.count, 1, "a frame without a new snapshot is not a refresh");
        assert_eq!((p.draw.count, p.draw.max), (3, ms(10)));
    }

    #[test]
    fn series_keep_a_bounded_window() {
        let mut s = Series::default();
        for i in 0..(KEEP as u64 + 10) {
            s.push(Duration::from_millis(i));
        }
        assert_eq!(s.recent.len(), KEEP);
        assert_eq!(s.count, KEEP as u64 + 10);
        assert_eq!((s.min, s.max), (Some(Duration::ZERO), Duration::from_millis(KEEP as u64 + 9)));
    }
}
