//! What frames the panes: the flash message in the status line, the last error (shown in full on
//! request), and the clock the header's "Ns ago" reads.

use std::time::{Duration, Instant};

const FLASH_FOR: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

pub struct Chrome {
    pub flash: Option<(String, Level, Instant)>,
    pub last_error: Option<String>,
    /// When the last good snapshot arrived (None: still loading).
    pub last_refresh: Option<Instant>,
    /// When the last refresh went out, for the next one's due time.
    pub last_request: Option<Instant>,
    /// The time of the last key, answer or tick.
    pub now: Instant,
}

impl Chrome {
    pub fn new(now: Instant) -> Chrome {
        Chrome { flash: None, last_error: None, last_refresh: None, last_request: None, now }
    }

    pub fn flash(&mut self, text: impl Into<String>, level: Level) {
        let text = text.into();
        if level == Level::Error {
            self.last_error = Some(text.clone());
        }
        self.flash = Some((text, level, self.now));
    }

    /// Time passes: a flash shown long enough goes.
    pub fn tick(&mut self, now: Instant) {
        self.now = now;
        if self.flash.as_ref().is_some_and(|(_, _, at)| now.duration_since(*at) >= FLASH_FOR) {
            self.flash = None;
        }
    }

    /// The header's age of the data.
    pub fn age(&self, refreshing: bool) -> String {
        match self.last_refresh {
            None => "loading…".to_string(),
            Some(at) => {
                format!("{}s ago{}", self.now.duration_since(at).as_secs(), if refreshing { " ⟳" } else { "" })
            }
        }
    }
}
