//! Timestamps (`YYYY-MM-DD HH:MM:SS`, seconds since 1970 without a time zone) and durations
//! (`"4h"`, `"1h30m"`), so windows can be given in time units.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// Parses `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]` as seconds since 1970-01-01 (no time zone).
pub fn parse_timestamp(s: &str) -> Result<i64> {
    let s = s.trim();
    let bad = || anyhow::anyhow!("expected `YYYY-MM-DD HH:MM:SS`");
    let (date, time) = s.split_once([' ', 'T']).ok_or_else(bad)?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        return Err(bad());
    }
    let num = |f: &str| f.parse::<i64>().map_err(|_| bad());
    let (y, m, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    let (hh, mm) = (num(t[0])?, num(t[1])?);
    let ss = match t.get(2) {
        Some(sec) => num(sec.split('.').next().unwrap_or(sec))?,
        None => 0,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, day) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM:SS`.
pub fn format_timestamp(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
}

/// Parses a duration such as `"4h"`, `"90s"`, `"1h30m"` or `"2d"` (units s, m, h, d, w) into
/// seconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let text = s.trim();
    let bad = || {
        anyhow::anyhow!(
            "\"{s}\" is not a duration; write a number and a unit (s, m, h, d, w), e.g. \"4h\" \
             or \"1h30m\""
        )
    };
    let (mut total, mut number) = (0i64, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// Seconds as the shortest duration text that `parse_duration` reads back (`"4h"`, `"1h30m"`).
pub fn format_duration(mut secs: i64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
        secs = -secs;
    }
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// A length along a series: readings (`48`) or a duration (`"4h"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Span {
    /// A number of readings.
    Rows(usize),
    /// A duration, converted with the series' sample period.
    Duration(String),
}

impl Span {
    /// Reads `"48"` as rows and anything else as a duration (command-line flags).
    pub fn parse(s: &str) -> Result<Span> {
        match s.trim().parse::<usize>() {
            Ok(n) => Ok(Span::Rows(n)),
            Err(_) => parse_duration(s).map(|_| Span::Duration(s.trim().to_owned())),
        }
    }

    /// Readings in this span for a series with one reading every `period` seconds. A duration
    /// needs a period and must be a whole number of readings; `what` names the setting.
    pub fn rows(&self, period: Option<i64>, what: &str) -> Result<usize> {
        let text = match self {
            Span::Rows(n) => return Ok(*n),
            Span::Duration(text) => text,
        };
        let secs = parse_duration(text).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        let Some(period) = period.filter(|p| *p > 0) else {
            bail!(
                "{what} = \"{text}\" is a duration, but the series has no timestamps to convert \
                 it with; give a number of readings instead"
            );
        };
        if secs % period != 0 {
            bail!(
                "{what} = \"{text}\" is not a whole number of readings: the series has one \
                 reading every {} ({period} s); use a multiple of {} or a number of readings",
                format_duration(period),
                format_duration(period)
            );
        }
        Ok((secs / period) as usize)
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Span::Rows(n) => write!(f, "{n}"),
            Span::Duration(d) => write!(f, "\"{d}\""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let t = parse_timestamp("2013-12-10 06:25:00.000000").unwrap();
        assert_eq!(format_timestamp(t), "2013-12-10 06:25:00");
        assert_eq!(parse_timestamp("1970-01-02 00:00:01").unwrap(), 86_401);
        assert_eq!(
            format_timestamp(parse_timestamp("2000-02-29 23:59").unwrap()),
            "2000-02-29 23:59:00"
        );
        assert!(parse_timestamp("2013-13-10 06:25:00").is_err());
    }

    #[test]
    fn durations_parse_and_convert_to_readings() {
        assert_eq!(parse_duration("4h").unwrap(), 14_400);
        assert_eq!(parse_duration("1h30m").unwrap(), 5400);
        assert_eq!(format_duration(5400), "1h30m");
        assert!(parse_duration("4 hours").is_err() && parse_duration("0h").is_err());
        // 4 hours of 5-minute readings are 48 readings; of hourly readings, 4.
        assert_eq!(Span::parse("4h").unwrap().rows(Some(300), "`window`").unwrap(), 48);
        assert_eq!(Span::parse("4h").unwrap().rows(Some(3600), "`window`").unwrap(), 4);
        assert_eq!(Span::parse("48").unwrap().rows(None, "`window`").unwrap(), 48);
        let e = Span::parse("4h").unwrap().rows(Some(420), "`window`").unwrap_err().to_string();
        assert!(e.contains("one reading every 7m (420 s)"), "{e}");
        let e = Span::parse("4h").unwrap().rows(None, "`window`").unwrap_err().to_string();
        assert!(e.contains("no timestamps"), "{e}");
    }
}
