//! Where a reset moves each partition, with Kafka's semantics (`kafka-consumer-groups
//! --reset-offsets`): pure, from the group's committed offsets and each log's start and end.

use serde::Serialize;

/// What to reset the offsets to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "to", content = "value", rename_all = "kebab-case")]
pub enum ResetTarget {
    /// The log start.
    Earliest,
    /// The log end: nothing left to read.
    Latest,
    /// The committed offset (the log end where nothing is committed).
    Current,
    /// This offset, clamped to the log.
    Offset(i64),
    /// The committed offset plus N (negative: back), clamped to the log.
    ShiftBy(i64),
    /// The first message at or after this time (ms since the epoch); the log end if none.
    Datetime(i64),
    /// As Datetime, this long (ms) before the moment the reset is prepared.
    Duration(i64),
    /// The offsets a file lists (an export taken before), each clamped to its log.
    File(Vec<(String, i32, i64)>),
}

impl ResetTarget {
    /// What the console's reset form takes: `earliest`, `latest`, `current`, an offset (`1200`
    /// or `offset 1200`), a shift (`+100`, `-100`, `shift -100`), a date-time
    /// (`2026-11-29T03:00:00Z`) or a duration back from now (`PT30M`).
    pub fn parse(text: &str) -> Result<ResetTarget, String> {
        let t = text.trim();
        let (word, rest) = t.split_once(' ').map(|(w, r)| (w, r.trim())).unwrap_or((t, ""));
        let number = |s: &str, what: &str| s.parse::<i64>().map_err(|_| format!("{what} {s:?} is not a number"));
        Ok(match (word.to_ascii_lowercase().as_str(), rest) {
            ("earliest", "") => ResetTarget::Earliest,
            ("latest", "") => ResetTarget::Latest,
            ("current", "") => ResetTarget::Current,
            ("offset", n) => ResetTarget::Offset(number(n, "offset")?),
            ("shift", n) => ResetTarget::ShiftBy(number(n.trim_start_matches('+'), "shift")?),
            ("datetime", d) => ResetTarget::Datetime(super::time::parse_datetime(d)?),
            ("duration", d) => ResetTarget::Duration(super::time::parse_duration(d)?),
            _ if t.starts_with(['+', '-']) && t[1..].bytes().all(|b| b.is_ascii_digit()) && t.len() > 1 => {
                ResetTarget::ShiftBy(number(t.trim_start_matches('+'), "shift")?)
            }
            _ if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => ResetTarget::Offset(number(t, "offset")?),
            _ if t.to_ascii_uppercase().starts_with('P') => ResetTarget::Duration(super::time::parse_duration(t)?),
            _ if t.contains('T') && t.contains('-') => ResetTarget::Datetime(super::time::parse_datetime(t)?),
            _ => {
                return Err(format!(
                    "{t:?}: say earliest, latest, current, an offset (1200), a shift (+100, -100), a date-time (2026-11-29T03:00:00Z) or a duration (PT30M)"
                ))
            }
        })
    }

    pub fn words(&self) -> String {
        match self {
            ResetTarget::Earliest => "the earliest offset".into(),
            ResetTarget::Latest => "the latest offset".into(),
            ResetTarget::Current => "the current offset".into(),
            ResetTarget::Offset(o) => format!("offset {o}"),
            ResetTarget::ShiftBy(n) => format!("the current offset {n:+}"),
            ResetTarget::Datetime(ms) => format!("the time {}", crate::ops::audit::rfc3339_ms(*ms)),
            ResetTarget::Duration(ms) => format!("{} ago", human_duration(*ms)),
            ResetTarget::File(rows) => format!("the offsets of a file ({} partitions)", rows.len()),
        }
    }
}

/// `1h30m`, `45s`, `2d`, `-10m`.
pub fn human_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    format!("{sign}{}", crate::data::position::age(ms.saturating_abs()))
}

/// One partition of a reset: where it is and where it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetMove {
    pub topic: String,
    pub partition: i32,
    /// The committed offset before (None: nothing committed).
    pub current: Option<i64>,
    pub new: i64,
    pub log_start: i64,
    pub log_end: i64,
    pub lag_before: Option<i64>,
    pub lag_after: i64,
    /// Why `new` is not simply what was asked for (clamped, no message after the time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What one partition knows before the reset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    pub topic: String,
    pub partition: i32,
    pub current: Option<i64>,
    pub log_start: i64,
    pub log_end: i64,
    /// The answer of ListOffsets for the reset's time (-1: no message at or after it).
    pub offset_for_time: Option<i64>,
}

/// Kafka's `checkOffsetsRange`: above the end → the end, below the start → the start.
fn clamp(want: i64, s: &PartitionState) -> (i64, Option<String>) {
    if want > s.log_end {
        (s.log_end, Some(format!("{want} is past the log end; using the log end {}", s.log_end)))
    } else if want < s.log_start {
        (s.log_start, Some(format!("{want} is before the log start; using the log start {}", s.log_start)))
    } else {
        (want, None)
    }
}

/// The new offset of one partition, or why there is none.
pub fn plan_move(target: &ResetTarget, s: &PartitionState) -> Result<OffsetMove, String> {
    let (new, note) = match target {
        ResetTarget::Earliest => (s.log_start, None),
        ResetTarget::Latest => (s.log_end, None),
        ResetTarget::Current => (s.current.unwrap_or(s.log_end), None),
        ResetTarget::Offset(o) => clamp(*o, s),
        ResetTarget::ShiftBy(n) => match s.current {
            Some(c) => clamp(c.saturating_add(*n), s),
            None => {
                return Err(format!(
                    "cannot shift {}-{}: the group has no committed offset there (use --to-offset, --to-earliest or --to-latest for it)",
                    s.topic, s.partition
                ))
            }
        },
        ResetTarget::Datetime(_) | ResetTarget::Duration(_) => match s.offset_for_time {
            Some(o) if o >= 0 => (o, None),
            Some(_) => (s.log_end, Some("no message at or after the time; using the log end".to_string())),
            None => return Err(format!("{}-{}: the broker gave no offset for the time", s.topic, s.partition)),
        },
        ResetTarget::File(rows) => match rows.iter().find(|(t, p, _)| *t == s.topic && *p == s.partition) {
            Some((_, _, o)) => clamp(*o, s),
            None => return Err(format!("{}-{} is not in the file", s.topic, s.partition)),
        },
    };
    Ok(OffsetMove {
        topic: s.topic.clone(),
        partition: s.partition,
        current: s.current,
        new,
        log_start: s.log_start,
        log_end: s.log_end,
        lag_before: s.current.map(|c| (s.log_end - c).max(0)),
        lag_after: (s.log_end - new).max(0),
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(current: Option<i64>, start: i64, end: i64, for_time: Option<i64>) -> PartitionState {
        PartitionState {
            topic: "t".into(),
            partition: 0,
            current,
            log_start: start,
            log_end: end,
            offset_for_time: for_time,
        }
    }

    #[test]
    fn kafka_semantics() {
        let s = state(Some(7), 2, 10, Some(-1));
        let new = |t: ResetTarget| plan_move(&t, &s).map(|m| (m.new, m.lag_after, m.note.is_some()));
        assert_eq!(new(ResetTarget::Earliest), Ok((2, 8, false)));
        assert_eq!(new(ResetTarget::Latest), Ok((10, 0, false)));
        assert_eq!(new(ResetTarget::Current), Ok((7, 3, false)));
        assert_eq!(new(ResetTarget::Offset(5)), Ok((5, 5, false)));
        assert_eq!(new(ResetTarget::Offset(50)), Ok((10, 0, true)));
        assert_eq!(new(ResetTarget::Offset(0)), Ok((2, 8, true)));
        assert_eq!(new(ResetTarget::ShiftBy(-3)), Ok((4, 6, false)));
        assert_eq!(new(ResetTarget::ShiftBy(-30)), Ok((2, 8, true)));
        assert_eq!(new(ResetTarget::ShiftBy(30)), Ok((10, 0, true)));
        assert_eq!(new(ResetTarget::Datetime(1)), Ok((10, 0, true)), "no message after the time: the end");
        assert_eq!(new(ResetTarget::File(vec![("t".into(), 0, 1)])), Ok((2, 8, true)));
        let none = state(None, 0, 4, Some(3));
        assert!(plan_move(&ResetTarget::ShiftBy(1), &none).expect_err("no commit").contains("no committed offset"));
        assert_eq!(plan_move(&ResetTarget::Current, &none).map(|m| m.new), Ok(4));
        assert_eq!(plan_move(&ResetTarget::Duration(1000), &none).map(|m| m.new), Ok(3));
        assert_eq!(plan_move(&ResetTarget::Earliest, &s).map(|m| m.lag_before), Ok(Some(3)));
    }

    #[test]
    fn targets_as_typed() {
        let p = |t: &str| ResetTarget::parse(t);
        assert_eq!(p("latest"), Ok(ResetTarget::Latest));
        assert_eq!(p(" Earliest "), Ok(ResetTarget::Earliest));
        assert_eq!(p("1200"), Ok(ResetTarget::Offset(1200)));
        assert_eq!(p("offset 7"), Ok(ResetTarget::Offset(7)));
        assert_eq!(p("-100"), Ok(ResetTarget::ShiftBy(-100)));
        assert_eq!(p("+5"), Ok(ResetTarget::ShiftBy(5)));
        assert_eq!(p("shift +5"), Ok(ResetTarget::ShiftBy(5)));
        assert_eq!(p("PT30M"), Ok(ResetTarget::Duration(1_800_000)));
        assert_eq!(p("1970-01-01T00:00:01Z"), Ok(ResetTarget::Datetime(1000)));
        assert!(p("soon").expect_err("bad").contains("say earliest"));
        assert!(p("offset x").expect_err("bad").contains("is not a number"));
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(human_duration(5_400_000), "1h30m");
        assert_eq!(human_duration(45_000), "45s");
        assert_eq!(human_duration(172_800_000), "2d");
        assert_eq!(human_duration(300), "300ms");
    }
}
