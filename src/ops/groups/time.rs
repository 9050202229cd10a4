//! The times a reset or a peek starts from, in the forms Kafka's tools take them:
//! `2026-11-29T03:00:00Z` (`.sss` and a `+hh:mm` offset optional; no zone means UTC, as
//! `kafka-consumer-groups --to-datetime` reads it) and ISO-8601 durations (`PT30M`, `P1DT2H`).

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(s: &str, what: &str, text: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?}: {what} {s:?} is not a number (expected YYYY-MM-DDThh:mm:ss[.sss][Z|±hh:mm])"));
    }
    s.parse().map_err(|_| format!("{text:?}: {what} {s:?} is out of range"))
}

/// Milliseconds since the epoch of a date-time like `2026-11-29T03:00:00.000Z`.
pub fn parse_datetime(text: &str) -> Result<i64, String> {
    let form = "expected YYYY-MM-DDThh:mm:ss[.sss][Z|±hh:mm], e.g. 2026-11-29T03:00:00Z";
    let (date, time) = text.split_once('T').ok_or_else(|| format!("{text:?} is not a date-time ({form})"))?;
    let d: Vec<&str> = date.split('-').collect();
    let [y, mo, day] = d.as_slice() else { return Err(format!("{text:?}: bad date {date:?} ({form})")) };
    let (y, mo, day) = (number(y, "year", text)?, number(mo, "month", text)?, number(day, "day", text)?);
    // the zone: Z, +hh:mm, -hh:mm, +hhmm, or none (UTC)
    let (clock, offset_min) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0i64)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, z) = time.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return Err(format!("{text:?}: bad zone offset {z:?} ({form})"));
        }
        let (h, m) = (number(&digits[..2], "zone hours", text)?, number(&digits[2..], "zone minutes", text)?);
        (c, sign * i64::from(h * 60 + m))
    } else {
        (time, 0)
    };
    let (hms, millis) = match clock.split_once('.') {
        Some((hms, frac)) => {
            let f = number(frac, "fraction", text)?;
            let ms = match frac.len() {
                1 => f * 100,
                2 => f * 10,
                3 => f,
                _ => return Err(format!("{text:?}: at most 3 digits after the seconds ({form})")),
            };
            (hms, ms)
        }
        None => (clock, 0),
    };
    let t: Vec<&str> = hms.split(':').collect();
    let [h, mi, s] = t.as_slice() else { return Err(format!("{text:?}: bad time {clock:?} ({form})")) };
    let (h, mi, s) = (number(h, "hour", text)?, number(mi, "minute", text)?, number(s, "second", text)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 59 {
        return Err(format!("{text:?} is not a valid date-time ({form})"));
    }
    let days = days_from_civil(i64::from(y), mo, day);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s) - offset_min * 60;
    Ok(secs * 1000 + i64::from(millis))
}

/// Milliseconds of an ISO-8601 duration as Java's `Duration.parse` reads it: `PT30M`, `P1DT2H`,
/// `PT1.5S`, `-PT10M`.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let form = "expected an ISO-8601 duration such as PT30M, PT2H, P1DT12H or PT45S";
    let upper = text.trim().to_ascii_uppercase();
    let (sign, rest) = match upper.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, upper.strip_prefix('+').unwrap_or(&upper)),
    };
    let rest = rest.strip_prefix('P').ok_or_else(|| format!("{text:?}: {form}"))?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut total: f64 = 0.0;
    let mut parts = 0;
    let mut read = |s: &str, units: &[(char, f64)]| -> Result<(), String> {
        let mut num = String::new();
        for c in s.chars() {
            match units.iter().find(|(u, _)| *u == c) {
                Some((_, ms)) => {
                    let n: f64 = num.parse().map_err(|_| format!("{text:?}: {form}"))?;
                    total += n * ms;
                    parts += 1;
                    num.clear();
                }
                None if c.is_ascii_digit() || c == '.' || c == '-' => num.push(c),
                None => return Err(format!("{text:?}: unexpected {c:?} ({form})")),
            }
        }
        if num.is_empty() {
            Ok(())
        } else {
            Err(format!("{text:?}: a number without a unit ({form})"))
        }
    };
    read(days, &[('D', 86_400_000.0)])?;
    read(time, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)])?;
    if parts == 0 {
        return Err(format!("{text:?}: {form}"));
    }
    Ok(sign * total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_datetime("2024-02-29T13:45:30.250Z"), Ok(1_709_214_330_250));
        assert_eq!(parse_datetime("2024-02-29T13:45:30.250"), Ok(1_709_214_330_250), "no zone: UTC");
        assert_eq!(parse_datetime("2024-02-29T15:45:30.250+02:00"), Ok(1_709_214_330_250));
        assert_eq!(parse_datetime("2024-02-29T08:45:30.25-0500"), Ok(1_709_214_330_250));
        assert_eq!(parse_datetime("2000-02-29T00:00:00Z"), Ok(951_782_400_000));
        assert!(parse_datetime("2024-02-29").expect_err("no T").contains("not a date-time"));
        assert!(parse_datetime("2024-13-01T00:00:00Z").is_err());
        assert!(parse_datetime("2024-01-01T00:00Z").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT30M"), Ok(1_800_000));
        assert_eq!(parse_duration("P1DT2H"), Ok(93_600_000));
        assert_eq!(parse_duration("PT1.5S"), Ok(1500));
        assert_eq!(parse_duration("-PT10M"), Ok(-600_000));
        assert_eq!(parse_duration("pt2h"), Ok(7_200_000));
        assert!(parse_duration("30m").is_err());
        assert!(parse_duration("PT").is_err());
        assert!(parse_duration("PT5").is_err());
    }
}
